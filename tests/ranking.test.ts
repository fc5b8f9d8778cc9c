/** Chapter 8's ranking metrics, protocols and models, against values computed by hand on small matrices. */
import * as assert from "assert";
import * as path from "path";
import { spawnSync } from "child_process";
import { makeRatings, type Ratings } from "../lib/ratings";
import { createModel, type Recommender } from "../lib/model";
import "../lib/index"; // every chapter registers its models
import { choleskySolveInPlace } from "../lib/mf_engine";
import {
  userRandomSplit, leaveOneOut, relevance, rankingMetrics, rankAll, parseMetricList, evaluateRanking,
  PopularityRanker, EaseRanker, IalsRanker, BprRanker, ItemKnnRanker, topK, invertSpd, type TopLists,
} from "../lib/ranking";
import { seededRandom } from "../lib/splits";
import { topKKernel, invertSpdInPlace, ialsCgSweep, gramPlusRidge, RANKING_TOP_K_HELPERS } from "../lib/ranking_engine";

const ROOT = path.join(__dirname, "..");
const near = (a: number, b: number, what = "") => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} ≠ ${b}`);

/** Ratings from [user, item, rating] triples (days = position). */
function ratings(nUsers: number, nItems: number, triples: number[][]): Ratings {
  return makeRatings(nUsers, nItems, Int32Array.from(triples.map((t) => t[0])), Int32Array.from(triples.map((t) => t[1])),
    Float32Array.from(triples.map((t) => t[2] ?? 4)), Int32Array.from(triples.map((_, k) => k)));
}

describe("ranking metrics (lib/ranking)", () => {
  // Two users over items 0..5. Training: user 0 rated item 5, user 1 rated items 0 and 5.
  const train = ratings(3, 6, [[0, 5], [1, 0], [1, 5]]);
  // Held out: user 0 → {1 (5★), 3 (3★)}, user 1 → {2 (4★)}, user 2 → nothing.
  const test = ratings(3, 6, [[0, 1, 5], [0, 3, 3], [1, 2, 4]]);
  // Lists at k = 3: user 0 (0, 1, 2): hit at rank 2; user 1 (3, 4, 2): hit at rank 3; user 2 (0, 1, 2).
  const lists: TopLists = { nUsers: 3, k: 3, items: Int32Array.of(0, 1, 2, 3, 4, 2, 0, 1, 2), scores: new Float32Array(9) };

  it("precision, recall, MAP, MRR, hit rate and binary nDCG match the hand computation, averaged over users with relevant items", () => {
    const m = rankingMetrics(lists, relevance(test), train, 3);
    assert.strictEqual(m.users, 2);
    near(m.precision, (1 / 3 + 1 / 3) / 2, "precision@3");
    near(m.recall, (1 / 2 + 1) / 2, "recall@3");
    near(m.map, ((1 / 2) / 2 + (1 / 3) / 1) / 2, "MAP@3"); // AP divides by min(k, |R|): 2 for user 0, 1 for user 1
    near(m.mrr, (1 / 2 + 1 / 3) / 2, "MRR@3");
    near(m.hitRate, 1, "hit@3");
    const ndcg0 = 1 / Math.log2(3) / (1 + 1 / Math.log2(3)), ndcg1 = 1 / Math.log2(4);
    near(m.ndcg, (ndcg0 + ndcg1) / 2, "nDCG@3");
    assert.ok(Number.isNaN(m.perUser.ndcg[2]), "a user without relevant items is NaN, not 0");
  });

  it("graded gain, a relevance threshold and a shorter cut-off", () => {
    const graded = rankingMetrics(lists, relevance(test, { gain: "rating" }), train, 3);
    // User 0: gain 5 at rank 2; ideal gains 5, 3. User 1: gain 4 at rank 3; ideal 4.
    near(graded.perUser.ndcg[0], (5 / Math.log2(3)) / (5 + 3 / Math.log2(3)), "graded nDCG user 0");
    near(graded.perUser.ndcg[1], (4 / Math.log2(4)) / 4, "graded nDCG user 1");
    const liked = rankingMetrics(lists, relevance(test, { threshold: 4 }), train, 3);
    near(liked.perUser.recall[0], 1, "only item 1 (5★) is relevant for user 0 at t = 4");
    const at1 = rankingMetrics(lists, relevance(test), train, 1);
    near(at1.precision, 0, "no user has a hit at rank 1");
    assert.throws(() => rankingMetrics(lists, relevance(test), train, 4), /k must be in 1\.\.3/);
  });

  it("coverage, novelty and popularity over every recommended place", () => {
    const m = rankingMetrics(lists, relevance(test), train, 3);
    near(m.coverage, 5 / 6, "items 0..4 recommended of 6");
    // Raters in training: item 0 → 1, items 1..4 → 0. Places: 0,1,2 | 3,4,2 | 0,1,2.
    const raters = [1, 0, 0, 0, 0, 0], placed = [0, 1, 2, 3, 4, 2, 0, 1, 2];
    const info = placed.reduce((s, i) => s - Math.log2((raters[i] + 1) / 4), 0) / 9;
    near(m.novelty, info, "novelty");
    near(m.popularity, placed.reduce((s, i) => s + raters[i] / 3, 0) / 9, "popularity");
  });

  it("the metric list of the CLI parses and reads back under its own names", () => {
    assert.deepStrictEqual(parseMetricList("ndcg@10, precision@5"), [{ name: "ndcg@10", metric: "ndcg", k: 10 }, { name: "precision@5", metric: "precision", k: 5 }]);
    assert.throws(() => parseMetricList("ndcg"), /ndcg@10/);
    assert.throws(() => parseMetricList("auc@10"), /one of/);
  });
});

describe("top-k selection and protocols (lib/ranking)", () => {
  it("skips training items, -Infinity and NaN, breaks ties by index and pads with -1", () => {
    const outItems = new Int32Array(4), outScores = new Float32Array(4);
    topKKernel({ mode: "given", users: Int32Array.of(0), nItems: 5, k: 4, scores: Float32Array.of(1, 3, NaN, 1, -Infinity),
      excludePtr: Int32Array.of(0, 1), excludeItems: Int32Array.of(1), outItems, outScores, counter: new Int32Array(1), chunk: 1 }, RANKING_TOP_K_HELPERS);
    assert.deepStrictEqual(Array.from(outItems), [0, 3, -1, -1]);
  });

  it("topKKernel gives the plain topK's lists, scores with many ties included, in both modes and on two threads", async () => {
    const random = seededRandom(3), nUsers = 9, nItems = 50, k = 7;
    const triples: number[][] = [];
    for (let u = 0; u < nUsers; u++) for (let i = 0; i < nItems; i++) if (random() < 0.2) triples.push([u, i]);
    const train = ratings(nUsers, nItems, triples);
    const own = (u: number) => train.userItems.subarray(train.userPtr[u], train.userPtr[u + 1]);
    const users = Int32Array.from({ length: nUsers }, (_, u) => u);
    // Scores on a coarse grid (many ties), with NaN and -Infinity sprinkled in.
    const scores = Float32Array.from({ length: nUsers * nItems }, () => { const x = random(); return x < 0.05 ? NaN : x < 0.1 ? -Infinity : Math.round(x * 6) / 6; });
    const outItems = new Int32Array(nUsers * k), outScores = new Float32Array(nUsers * k);
    topKKernel({ mode: "given", users, nItems, k, scores: scores.slice(), excludePtr: train.userPtr, excludeItems: train.userItems, outItems, outScores, counter: new Int32Array(1), chunk: 2 }, RANKING_TOP_K_HELPERS);
    for (let u = 0; u < nUsers; u++) {
      const expected = topK(scores.subarray(u * nItems, (u + 1) * nItems), k, own(u));
      assert.deepStrictEqual(Array.from(outItems.subarray(u * k, (u + 1) * k)), [...expected, ...Array(k - expected.length).fill(-1)], `given, user ${u}`);
    }
    const ials = new IalsRanker({ k: 3, epochs: 2 });
    await ials.fit(train);
    const lists = rankAll(ials, train, { k, threads: 2 });
    for (let u = 0; u < nUsers; u++)
      assert.deepStrictEqual(Array.from(lists.items.subarray(u * k, (u + 1) * k)), topK(ials.scoreItems(u, new Float32Array(nItems)), k, own(u)), `factor, user ${u}`);
  });

  it("rankAll gives the same lists through scoreItems, predict and the factor kernel", async () => {
    // Five users: the factor kernel scores four at a time, so the fifth takes its partial group.
    const train = ratings(5, 7, [[0, 0], [0, 1], [1, 1], [1, 2], [2, 0], [2, 3], [3, 4], [3, 0], [1, 0], [4, 6], [4, 2]]);
    const ials = new IalsRanker({ k: 3, epochs: 3 });
    await ials.fit(train);
    const viaKernel = rankAll(ials, train, { k: 3, threads: 1 });
    const viaScores = rankAll({ scoreItems: (u: number, out: Float32Array) => ials.scoreItems(u, out) }, train, { k: 3 });
    const viaPredict = rankAll({ name: "p", predict: (u: Int32Array, i: Int32Array) => ials.score(u, i) } as unknown as Recommender, train, { k: 3 });
    assert.deepStrictEqual(Array.from(viaKernel.items), Array.from(viaScores.items));
    assert.deepStrictEqual(Array.from(viaKernel.items), Array.from(viaPredict.items));
  });

  it("user:F holds out round(F·n_u) of each user's ratings and keeps one in train; leave-one-out holds out the latest", () => {
    const triples: number[][] = [];
    for (let u = 0; u < 5; u++) for (let i = 0; i <= u * 3; i++) triples.push([u, i]);
    const r = ratings(5, 13, triples);
    const s = userRandomSplit(r, 0.25, 3);
    for (let u = 0; u < 5; u++) {
      const n = r.userPtr[u + 1] - r.userPtr[u];
      assert.strictEqual(s.test.userPtr[u + 1] - s.test.userPtr[u], Math.min(n - 1, Math.round(0.25 * n)), `user ${u}`);
    }
    assert.strictEqual(s.train.size + s.test.size, r.size);
    const loo = leaveOneOut(r, "time");
    assert.deepStrictEqual(Array.from(loo.test.users), [1, 2, 3, 4]);
    assert.deepStrictEqual(Array.from(loo.test.items), [3, 6, 9, 12]);
  });
});

describe("ranking models (lib/ranking)", () => {
  it("invertSpdInPlace inverts a symmetric positive-definite matrix", () => {
    const n = 6, A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = 1 / (1 + Math.abs(i - j)) + (i === j ? 1 : 0);
    const inv = invertSpdInPlace(A.slice(), n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += A[i * n + t] * inv[t * n + j];
      assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-12);
    }
    assert.throws(() => invertSpdInPlace(Float64Array.of(1, 2, 2, 1), 2), /not positive definite/);
  });

  it("the blocked invertSpdInPlace equals the textbook invertSpd, for sizes with and without a partial block", () => {
    const random = seededRandom(5);
    for (const n of [1, 4, 9, 14]) {
      // XᵀX + I of a random 0/1 matrix: the shape of EASE's Gram matrix.
      const X = Array.from({ length: 3 * n }, () => Array.from({ length: n }, () => (random() < 0.3 ? 1 : 0)));
      const A = Float64Array.from({ length: n * n }, (_, ij) => X.reduce((s, row) => s + row[Math.floor(ij / n)] * row[ij % n], 0) + (Math.floor(ij / n) === ij % n ? 1 : 0));
      const fast = invertSpdInPlace(A.slice(), n), plain = invertSpd(A, n);
      for (let t = 0; t < n * n; t++) assert.ok(Math.abs(fast[t] - plain[t]) < 1e-12, `n = ${n}, entry ${t}: ${fast[t]} vs ${plain[t]}`);
    }
    assert.throws(() => invertSpd(Float64Array.of(1, 2, 2, 1), 2), /not positive definite/);
  });

  it("EASE's B equals the closed form computed by Gauss–Jordan elimination", async () => {
    const train = ratings(4, 3, [[0, 0], [0, 1], [1, 1], [1, 2], [2, 0], [2, 2], [3, 0], [3, 1], [3, 2]]);
    const lambda = 2;
    const ease = new EaseRanker({ lambda, minRatings: 1 });
    await ease.fit(train);
    // G = XᵀX by hand: item counts 3, 3, 3; co-counts (0,1) 2, (0,2) 2, (1,2) 2.
    const A = [[3 + lambda, 2, 2, 1, 0, 0], [2, 3 + lambda, 2, 0, 1, 0], [2, 2, 3 + lambda, 0, 0, 1]];
    for (let c = 0; c < 3; c++) {
      const p = A[c][c];
      A[c] = A[c].map((v) => v / p);
      for (let r = 0; r < 3; r++) if (r !== c) { const f = A[r][c]; A[r] = A[r].map((v, j) => v - f * A[c][j]); }
    }
    const P = A.map((row) => row.slice(3));
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      const expected = i === j ? 0 : -P[i][j] / P[j][j];
      assert.ok(Math.abs(ease.B[i * 3 + j] - expected) < 1e-6, `B[${i}][${j}] = ${ease.B[i * 3 + j]}, expected ${expected}`);
    }
    // User 1 rated items 1 and 2: the score of item 0 is B[1][0] + B[2][0].
    const out = ease.scoreItems(1, new Float32Array(3));
    assert.ok(Math.abs(out[0] - (ease.B[3] + ease.B[6])) < 1e-6);
  });

  it("iALS's conjugate gradient with k steps solves the normal equations exactly", () => {
    const k = 3, nItems = 5, alpha = 4, lambda = 0.5;
    const Y = Float32Array.of(0.3, -0.2, 0.5, 0.1, 0.4, -0.3, -0.5, 0.2, 0.1, 0.2, 0.2, 0.2, 0.6, -0.1, 0.3);
    const X = new Float32Array(k); // one user, warm start 0
    const ptr = Int32Array.of(0, 2), idx = Int32Array.of(1, 3);
    const G = gramPlusRidge(Y, nItems, k, lambda, new Float64Array(k * k));
    const s = () => new Float64Array(k);
    ialsCgSweep(X, Y, ptr, idx, 1, k, G, alpha, k, s(), s(), s(), s());
    // The exact solution: (YᵀY + λI + α Σ y_i y_iᵀ) x = (1 + α) Σ y_i over the rated items 1 and 3.
    const A = Float64Array.from(G), b = new Float64Array(k);
    for (const i of [1, 3]) for (let f = 0; f < k; f++) {
      b[f] += (1 + alpha) * Y[i * k + f];
      for (let g = 0; g < k; g++) A[f * k + g] += alpha * Y[i * k + f] * Y[i * k + g];
    }
    choleskySolveInPlace(A, b, k);
    for (let f = 0; f < k; f++) assert.ok(Math.abs(X[f] - b[f]) < 1e-5, `x[${f}] = ${X[f]}, exact ${b[f]}`);
  });

  it("popularity, item-knn, EASE, iALS and BPR all find two taste groups", async () => {
    // 40 users, 20 items: users < 20 rate items 0..9, others 10..19, each a random 6 of their half.
    const triples: number[][] = [];
    let seed = 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 16777216;
    for (let u = 0; u < 40; u++) {
      const base = u < 20 ? 0 : 10, chosen = new Set<number>();
      while (chosen.size < 6) chosen.add(base + Math.floor(rand() * 10));
      for (const i of [...chosen].sort((a, b) => a - b)) triples.push([u, i]);
    }
    const all = ratings(40, 20, triples);
    const { train, test } = userRandomSplit(all, 0.34, 0);
    const popularity = await evaluateRanking(new PopularityRanker(), train, test, { ks: [3] });
    for (const model of [new ItemKnnRanker({ k: 10 }), new EaseRanker({ lambda: 1, minRatings: 1 }), new IalsRanker({ k: 4, epochs: 10, lambda: 1 }), new BprRanker({ k: 4, epochs: 200, threads: 1 })]) {
      const ev = await evaluateRanking(model, train, test, { ks: [3] });
      assert.ok(ev.metrics[0].precision > 0.25 && ev.metrics[0].precision > popularity.metrics[0].precision, `${model.name}: precision@3 ${ev.metrics[0].precision} vs popularity ${popularity.metrics[0].precision}`);
      // The lists stay (almost) inside each user's group.
      let inside = 0;
      for (let u = 0; u < 40; u++) for (let r = 0; r < 3; r++) {
        const item = ev.lists.items[u * 3 + r];
        if (item >= 0 && (u < 20) === (item < 10)) inside++;
      }
      assert.ok(inside >= 0.9 * 120, `${model.name}: only ${inside} of 120 recommendations inside the user's group`);
    }
    assert.throws(() => createModel("ease", { lambda: "x" }), /must be a number/);
    assert.throws(() => createModel("nope"), /unknown model/);
  });
});

describe("litrec evaluate --metrics", () => {
  it("prints each metric under its own name with --json, on a per-user split", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "tools", "litrec.ts"), "evaluate", "--data", path.join(ROOT, "data", "ml-latest-small"),
      "--model", "popularity", "--split", "user:0.25", "--metrics", "ndcg@10,precision@10,recall@10,map@10", "--json"], { cwd: ROOT, encoding: "utf8" });
    assert.strictEqual(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    for (const name of ["ndcg@10", "precision@10", "recall@10", "map@10"]) assert.ok(out[name] > 0 && out[name] < 1, `${name} = ${out[name]}`);
    assert.strictEqual(out.split, "user:0.25");
    assert.strictEqual(out.rmse, null); // popularity scores are not ratings
    const bad = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "tools", "litrec.ts"), "evaluate", "--data", path.join(ROOT, "data", "ml-latest-small"),
      "--model", "ease", "--metrics", "ndcg"], { cwd: ROOT, encoding: "utf8" });
    assert.strictEqual(bad.status, 2);
    assert.match(bad.stderr, /--metrics: expected names like ndcg@10/);
  });
});

describe("results table with ranking metrics (tools/render/results)", () => {
  it("gives nDCG@10 and precision@10 their own columns when a chapter reports them, and keeps the rest as notes", () => {
    const { resultsTableText, resultsTableHtml } = require("../tools/render/results") as typeof import("../tools/render/results");
    const rows = [{ model: "ease", seconds: 2.5, "ndcg@10": 0.3921, "precision@10": 0.3485, "map@10": 0.2678 }, { model: "baseline", rmse: 0.8732, seconds: 0.1, "ndcg@10": 0.1391, "precision@10": 0.1231 }];
    const text = resultsTableText(rows);
    assert.match(text, /^model\s+RMSE\s+MAE\s+ndcg@10\s+precision@10\s+time \(s\)\s+chapter$/m);
    assert.match(text, /^ease\s+0\.3921\s+0\.3485\s+2\.5$/m);
    assert.match(text, /^baseline\s+0\.8732\s+0\.1391\s+0\.1231\s+0\.1$/m);
    const html = resultsTableHtml(rows);
    assert.match(html, /<th class="num">ndcg@10<\/th>/);
    assert.match(html, /map@10=0\.2678/);
    assert.doesNotMatch(html, /ndcg@10=/);
  });
});
