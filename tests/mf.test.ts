import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { loadDataset } from "../lib/loading";
import { randomSplit, seededRandom, seededPermutation } from "../lib/splits";
import { makeRatings, type Ratings } from "../lib/ratings";
import { rmse } from "../lib/metrics";
import { SgdMF, sgdSettingsFor, BayesianMF, AlsMF, GradientDescentMF, BlendModel, lossAndRmseSpec, rmseVsTimeSpec } from "../lib/mf";
import { createModel, saveModel, loadModel, type EpochReport } from "../lib/model";
import { initFactorModel, predictPairsInto, stratify, shuffledTriples, choleskySolveInPlace, alsHalfSweep, sgdRange, rmseOnTriples, PairKernels } from "../lib/mf_engine";
import { chooseTfBackend } from "../lib/tf_backend";
import { WasmSgd, shuffleWithin, cacheTiles, foldImplicit } from "../lib/sgd_kernel";
import { alsCgRange } from "../lib/als_kernel";
import { crossValidationObjective } from "../lib/tuning_objectives";

const ML_SMALL = path.join(__dirname, "..", "data", "ml-latest-small");

/** A fixed split of the shipped data, loaded once. */
let split: { train: Ratings; test: Ratings } | null = null;
function shipped() {
  if (!split) split = randomSplit(loadDataset(ML_SMALL).train, 0.2, 42);
  return split;
}

/** The held-out RMSE of always predicting the training mean. */
function meanBaseline(train: Ratings, test: Ratings): number {
  return rmse(new Float32Array(test.size).fill(train.globalMean), test.values);
}

describe("mf_engine", () => {
  it("predicts μ + b_u + b_i + p·q, clipped, and only the known part for unknown indices", () => {
    const m = initFactorModel(2, 2, 2, 3, 0, 1);
    m.userBias.set([0.5, -0.5]);
    m.itemBias.set([0.25, 0]);
    m.userFactors.set([1, 0, 0, 2]);
    m.itemFactors.set([1, 1, 0, 1]);
    const out = predictPairsInto(m, Int32Array.of(0, 1, 1, 5), Int32Array.of(0, 1, 0, 0), new Float32Array(4), 1, 5);
    assert.deepEqual(Array.from(out), [4.75, 4.5, 4.75, 3.25]);
  });

  it("solves a symmetric positive-definite system by Cholesky", () => {
    const A = Float64Array.of(4, 2, 0.4, 0, 3, 1, 0, 0, 5); // upper triangle of a 3×3 SPD matrix
    const full = [[4, 2, 0.4], [2, 3, 1], [0.4, 1, 5]];
    const b = Float64Array.of(1, 2, 3);
    const rhs = Array.from(b);
    choleskySolveInPlace(A, b, 3);
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(full[i].reduce((s, a, j) => s + a * b[j], 0) - rhs[i]) < 1e-9);
  });

  it("stratifies ratings into blocks whose concurrent ones share no user and no item", () => {
    const { train } = shipped();
    const shuffled = shuffledTriples(train.users, train.items, train.values, () => 0.5);
    const { triples, schedule } = stratify(shuffled, train.nUsers, train.nItems, 2);
    let covered = 0;
    for (const slices of schedule) {
      const seen = slices.map(([a, b]) => ({ users: new Set(triples.users.subarray(a, b)), items: new Set(triples.items.subarray(a, b)) }));
      for (const u of seen[0].users) assert.ok(!seen[1].users.has(u));
      for (const i of seen[0].items) assert.ok(!seen[1].items.has(i));
      covered += slices.reduce((s, [a, b]) => s + b - a, 0);
    }
    assert.equal(covered, train.size);
  });

  it("an SGD epoch lowers the training error", () => {
    const { train } = shipped();
    const m = initFactorModel(train.nUsers, train.nItems, 8, train.globalMean, 0.1, 3);
    const before = rmseOnTriples(m, train.users, train.items, train.values);
    for (let e = 0; e < 3; e++) sgdRange(train.users, train.items, train.values, 0, train.size, m.globalMean, m.userBias, m.itemBias, m.userFactors, m.itemFactors, 8, 0.01, 0.01, 0.03, 1);
    assert.ok(rmseOnTriples(m, train.users, train.items, train.values) < before - 0.05);
  });
});

describe("sgd_kernel", () => {
  it("the WebAssembly SIMD SGD epoch gives sgdRange's model and error, for k with and without a remainder of 4", async () => {
    const { train } = shipped();
    assert.ok(WasmSgd.available(), "this Node has WebAssembly SIMD with shared memory");
    const triples = shuffledTriples(train.users, train.items, train.values, seededRandom(5));
    for (const k of [3, 8, 50]) {
      const js = initFactorModel(train.nUsers, train.nItems, k, train.globalMean, 0.1, 2);
      const simd = initFactorModel(train.nUsers, train.nItems, k, train.globalMean, 0.1, 2);
      let sseJs = 0, sseWasm = 0;
      const engine = new WasmSgd(triples, simd, 1, 0.02, 0.05, true);
      for (let e = 0; e < 2; e++) {
        sseJs += sgdRange(triples.users, triples.items, triples.values, 0, train.size, js.globalMean, js.userBias, js.itemBias, js.userFactors, js.itemFactors, k, 0.01, 0.02, 0.05, 1);
        sseWasm += await engine.run([[0, train.size]], 0.01);
      }
      await engine.close();
      assert.ok(!(simd.userFactors.buffer instanceof SharedArrayBuffer), "close() moves the model back into ordinary arrays");
      assert.ok(Math.abs(sseJs - sseWasm) < 1e-5 * sseJs, `k=${k}: SSE ${sseJs} vs ${sseWasm}`);
      for (const [a, b] of [[js.userFactors, simd.userFactors], [js.itemFactors, simd.itemFactors], [js.userBias, simd.userBias], [js.itemBias, simd.itemBias]])
        for (let x = 0; x < a.length; x++) assert.ok(Math.abs(a[x] - b[x]) < 1e-4, `k=${k}: ${a[x]} vs ${b[x]} at ${x}`);
    }
  });

  it("two threads over the shared memory match the JavaScript threads' accuracy; tiles keep every rating", async () => {
    const { train, test } = shipped();
    const tiles = cacheTiles(train.nUsers, train.nItems, 400, 2);
    assert.ok(tiles > 1);
    const strata = stratify(train, train.nUsers, train.nItems, 2, tiles);
    assert.equal(strata.tileStart.length, 2 * 2 * tiles * tiles + 1);
    assert.equal(strata.tileStart.at(-1), train.size);
    shuffleWithin(strata.triples, strata.tileStart, seededRandom(1));
    const pairs = new Set<number>();
    for (let t = 0; t < train.size; t++) pairs.add(strata.triples.users[t] * train.nItems + strata.triples.items[t]);
    assert.equal(pairs.size, train.size);
    const wasm = new SgdMF({ threads: 2, kernel: "wasm" });
    const js = new SgdMF({ threads: 2, kernel: "js" });
    await wasm.fit(train);
    await js.fit(train);
    const a = rmse(wasm.predict(test.users, test.items), test.values), b = rmse(js.predict(test.users, test.items), test.values);
    assert.ok(Math.abs(a - b) < 0.005, `wasm ${a} vs js ${b}`);
  });

  it("chooses k, epochs and learning rate from the training set's size, and keeps what is asked for", () => {
    const small = new SgdMF().params;
    assert.equal(small.k, 0);
    const shipped = sgdSettingsFor(80_000, small);
    assert.deepEqual([shipped.k, shipped.epochs, shipped.learningRate], [16, 20, 0.01]);
    const netflix = sgdSettingsFor(6_897_746, small);
    assert.ok(netflix.k > 32 && netflix.epochs === 20 && netflix.learningRate > 0.01); // early stopping ends it sooner from 1 M ratings
    assert.equal(sgdSettingsFor(6_897_746, { ...small, k: 8 }).k, 8);
    assert.equal(shipped.threads, 1);
    assert.ok(netflix.threads >= 1 && sgdSettingsFor(80_000, { ...small, threads: 2 }).threads === 2);
  });
});

describe("als_kernel", () => {
  it("conjugate gradient from a warm start reaches the exact (Cholesky) solve of every row", () => {
    const { train } = shipped();
    const k = 6;
    const exact = initFactorModel(train.nUsers, train.nItems, k, train.globalMean, 0.3, 4);
    const cg = initFactorModel(train.nUsers, train.nItems, k, train.globalMean, 0.3, 4);
    cg.userFactors.fill(0);
    alsHalfSweep(train.userPtr, train.userItems, train.userValues, 0, train.nUsers, exact.globalMean, exact.userFactors, exact.userBias,
      exact.itemFactors, exact.itemBias, k, 0.1, true, new Float64Array((k + 1) ** 2), new Float64Array(k + 1));
    // CG on a (k+1)-dimensional system is exact after k+1 steps (in exact arithmetic).
    alsCgRange(train.userPtr, train.userItems, train.userValues, 0, train.nUsers, cg.globalMean, cg.userFactors, cg.userBias,
      cg.itemFactors, cg.itemBias, k, 0.1, 1, k + 1, new Float64Array(4 * (k + 1)));
    for (let x = 0; x < exact.userFactors.length; x++) assert.ok(Math.abs(exact.userFactors[x] - cg.userFactors[x]) < 1e-3, `${exact.userFactors[x]} vs ${cg.userFactors[x]}`);
    for (let u = 0; u < train.nUsers; u++) assert.ok(Math.abs(exact.userBias[u] - cg.userBias[u]) < 1e-3);
  });

  it("mf-als with CG on two threads is as accurate as the exact solve", async () => {
    const { train, test } = shipped();
    const cg = new AlsMF({ threads: 2 }), exact = new AlsMF({ solver: "cholesky" });
    await cg.fit(train);
    await exact.fit(train);
    const a = rmse(cg.predict(test.users, test.items), test.values), b = rmse(exact.predict(test.users, test.items), test.values);
    assert.ok(a < b + 0.002, `cg ${a} vs cholesky ${b}`);
  });
});

describe("svdpp", function () {
  this.timeout(180_000);

  it("folds the implicit part into the user factors: p_u + |N(u)|^-½ Σ y_j", () => {
    // Two users, three items, k = 2: user 0 rated items 0 and 2, user 1 rated item 1.
    const ptr = Int32Array.of(0, 2, 3), items = Int32Array.of(0, 2, 1);
    const P = Float32Array.of(1, 0, 0, 1), Y = Float32Array.of(2, 0, 5, 5, 0, 2);
    const out = foldImplicit(ptr, items, P, Y, 2, new Float32Array(4));
    const r = Math.SQRT1_2;
    assert.deepEqual(Array.from(out).map((x) => +x.toFixed(5)), [1 + 2 * r, 2 * r, 5, 6].map((x) => +x.toFixed(5)));
  });

  it("beats mf-sgd on the shipped split, never predicts NaN, and predicts the same after save and load", async () => {
    const { train, test } = shipped();
    const svdpp = createModel("svdpp", { epochs: "12" });
    await svdpp.fit(train);
    const sgd = new SgdMF();
    await sgd.fit(train);
    const predicted = svdpp.predict(test.users, test.items);
    assert.ok(predicted.every((x) => Number.isFinite(x)));
    const a = rmse(predicted, test.values), b = rmse(sgd.predict(test.users, test.items), test.values);
    assert.ok(a < b - 0.005, `svdpp ${a} vs mf-sgd ${b}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-svdpp-"));
    saveModel(svdpp, dir);
    assert.deepEqual(loadModel(dir).predict(test.users, test.items), predicted);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("early stopping inside fit", function () {
  this.timeout(120_000);
  /** 6,000 distinct cells of a smooth 150 × 100 matrix. */
  const smooth = () => {
    const random = seededRandom(3);
    const cells = Array.from(seededPermutation(150 * 100, 3).slice(0, 6000));
    const users = cells.map((c) => Math.floor(c / 100)), items = cells.map((c) => c % 100);
    const values = users.map((u, t) => Math.min(5, Math.max(1, Math.round(3 + Math.sin(u) * Math.cos(items[t]) * 2 + random() - 0.5))));
    return makeRatings(150, 100, users, items, values);
  };

  it("holds out a slice of the training ratings, reports its RMSE each epoch and stops on it (mf-sgd, mf-als, svdpp)", async () => {
    const data = smooth();
    const sgd = await createModel("mf-sgd", { stopFrom: "0", stopSlice: "0.1", epochs: "200", lr: "0.05", decay: "1", k: "16", reg: "0" }).fit(data);
    assert.match(sgd.notes.join(), /early stopping on 59\d held-out training ratings/);
    assert.ok(sgd.history.every((h) => h.validRmse !== undefined));
    assert.ok(sgd.history.length < 200, `ran all ${sgd.history.length} epochs`);
    const v = sgd.history.map((h) => h.validRmse!);
    assert.ok(v.at(-1)! > Math.min(...v));
    for (const name of ["mf-als", "svdpp"]) {
      const m = await createModel(name, { stopFrom: "0", epochs: "3" }).fit(data);
      assert.equal(m.history.filter((h) => h.validRmse !== undefined).length, 3, name);
      assert.equal(m.notes.length, 1, name);
    }
  });

  it("is off below stopFrom, with stopSlice=0, and when fit gets a validation set", async () => {
    const data = smooth();
    for (const params of [{ epochs: "3" }, { epochs: "3", stopFrom: "0", stopSlice: "0" }]) {
      const m = await createModel("mf-sgd", params).fit(data);
      assert.equal(m.notes.length + m.history.filter((h) => h.validRmse !== undefined).length, 0, JSON.stringify(params));
    }
    const { train, test } = randomSplit(data, 0.2, 1);
    const given = await createModel("mf-sgd", { epochs: "3", stopFrom: "0" }).fit(train, { validation: test });
    assert.equal(given.notes.length, 0);
    assert.ok(given.history.every((h) => h.validRmse !== undefined), "the caller's validation set is reported (and stopped on) instead");
  });
});

describe("bmf", function () {
  this.timeout(300_000);

  it("draws the same samples on one thread and on two (each row has its own seeded generator)", async () => {
    const { train, test } = shipped();
    const one = await new BayesianMF({ k: 4, sweeps: 3, burnin: 1, threads: 1 }).fit(train);
    const two = await new BayesianMF({ k: 4, sweeps: 3, burnin: 1, threads: 2 }).fit(train);
    assert.deepEqual(two.predict(test.users, test.items), one.predict(test.users, test.items));
    assert.match(one.notes[0], /the mean of 2 Gibbs draws after 1 burn-in/);
  });

  it("is scored after every sweep by the tuning objective (predict answers with the current draw)", async () => {
    const { train } = shipped();
    const sweeps: number[] = [];
    const objective = crossValidationObjective(train, (p) => new BayesianMF({ k: 4, sweeps: 4, burnin: 1, threads: 1, ...p }), { folds: 3 });
    const r = await objective({ noiseShape: 4 }, 0, (_epoch, validation) => (sweeps.push(validation), true));
    assert.equal(sweeps.length, 4);
    assert.ok(sweeps.every((v) => v > 0.8 && v < 1.3), `per-sweep RMSE ${sweeps}`);
    assert.ok(r.validation > 0.8 && r.validation < Math.max(...sweeps), `the mean of the draws ${r.validation} beats the worst single draw`);
  });

  it("beats mf-sgd on the shipped split with its defaults, and predicts the same after save and load", async () => {
    const { train, test } = shipped();
    const bmf = await createModel("bmf").fit(train);
    const sgd = await new SgdMF().fit(train);
    const predicted = bmf.predict(test.users, test.items);
    const a = rmse(predicted, test.values), b = rmse(sgd.predict(test.users, test.items), test.values);
    assert.ok(a < b - 0.005, `bmf ${a} vs mf-sgd ${b}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-bmf-"));
    saveModel(bmf, dir);
    assert.deepEqual(loadModel(dir).predict(test.users, test.items), predicted);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("blend", function () {
  this.timeout(180_000);

  it("stacks its base models with least-squares weights and is no worse than the best of them", async () => {
    const { train, test } = shipped();
    const blend = createModel("blend", { models: "baseline+mf-sgd+svdpp" }) as BlendModel;
    await blend.fit(train);
    assert.equal(blend.weights.length, 4);
    assert.ok(blend.weights.every(Number.isFinite));
    const predicted = blend.predict(test.users, test.items);
    assert.ok(predicted.every((x) => Number.isFinite(x) && x >= 0.5 && x <= 5));
    const bases = blend.bases.map((m) => rmse(m.predict(test.users, test.items), test.values));
    assert.ok(rmse(predicted, test.values) <= Math.min(...bases) + 0.002, `blend ${rmse(predicted, test.values)} vs ${bases}`);
    assert.throws(() => createModel("blend", { models: "" }), /models must be a non-empty text/);
    assert.throws(() => createModel("blend").predict(test.users, test.items), /not fitted/);
  });
});

describe("mf models on ml-latest-small", function () {
  this.timeout(180_000);

  it("mf-sgd (two threads) beats the mean baseline and reaches the chapter's target", async () => {
    const { train, test } = shipped();
    const model = new SgdMF({ threads: 2 });
    const reports: EpochReport[] = [];
    await model.fit(train, { onEpoch: (r) => void reports.push(r as EpochReport) });
    const predicted = model.predict(test.users, test.items);
    assert.ok(predicted.every((x) => Number.isFinite(x) && x >= 0.5 && x <= 5));
    const error = rmse(predicted, test.values);
    assert.ok(error < 0.915, `RMSE ${error}`);
    assert.ok(error < meanBaseline(train, test) - 0.1);
    assert.equal(reports.length, model.params.epochs);
    assert.ok(reports[reports.length - 1].trainRmse < reports[0].trainRmse);
  });

  it("mf-sgd on one thread is reproducible from its seed", async () => {
    const { train, test } = shipped();
    const a = new SgdMF({ threads: 1, epochs: 3, seed: 5 });
    const b = new SgdMF({ threads: 1, epochs: 3, seed: 5 });
    await a.fit(train);
    await b.fit(train);
    assert.deepEqual(a.predict(test.users, test.items), b.predict(test.users, test.items));
  });

  it("early stopping keeps the best validation epoch", async () => {
    const { train } = shipped();
    const inner = randomSplit(train, 0.1, 7);
    // A large step without regularisation over-fits quickly.
    const model = new SgdMF({ threads: 1, k: 64, epochs: 60, learningRate: 0.03, decay: 1, regFactor: 0, regBias: 0, patience: 2 });
    await model.fit(inner.train, { validation: inner.test });
    assert.ok(model.history.length < 60, "should stop early");
    const best = Math.min(...model.history.map((h) => h.validRmse!));
    const now = rmse(model.predict(inner.test.users, inner.test.items), inner.test.values);
    assert.ok(Math.abs(now - best) < 1e-4, `restored ${now} vs best ${best}`);
  });

  it("onEpoch returning false stops the fit", async () => {
    const { train } = shipped();
    const model = new AlsMF();
    await model.fit(train, { onEpoch: (r) => r.epoch < 2 });
    assert.equal(model.history.length, 2);
  });

  it("mf-als reaches the chapter's target", async () => {
    const { train, test } = shipped();
    const model = new AlsMF();
    await model.fit(train);
    const error = rmse(model.predict(test.users, test.items), test.values);
    assert.ok(error < 0.915, `RMSE ${error}`);
  });

  it("saves factors as Float32 files plus JSON and loads the same predictions", async () => {
    const { train, test } = shipped();
    const model = new SgdMF({ threads: 1, epochs: 2 });
    await model.fit(train);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-mf-test-"));
    try {
      saveModel(model, dir);
      const meta = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8"));
      assert.equal(meta.model, "mf-sgd");
      assert.equal(fs.statSync(path.join(dir, "userFactors.float32")).size, 4 * train.nUsers * model.params.k);
      const loaded = loadModel(dir);
      assert.deepEqual(loaded.predict(test.users, test.items), model.predict(test.users, test.items));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("never predicts NaN, even for users and items it has not seen", async () => {
    const { train } = shipped();
    const model = new SgdMF({ threads: 1, epochs: 1 });
    await model.fit(train);
    const out = model.predict(Int32Array.of(-1, train.nUsers + 3, 0), Int32Array.of(0, 0, train.nItems + 9));
    assert.ok(out.every(Number.isFinite));
  });
});

describe("tf_backend and mf-gd", function () {
  this.timeout(180_000);

  it("starting the wasm backend leaves no process handler that would turn a stray rejection into a crash", async () => {
    const before = process.listeners("uncaughtException").length + process.listeners("unhandledRejection").length;
    await chooseTfBackend("wasm", true);
    assert.equal(process.listeners("uncaughtException").length + process.listeners("unhandledRejection").length, before);
  });

  it("the linear UnsortedSegmentSum and row gather give tfjs's gradient of gather on cpu and wasm", async () => {
    for (const backend of ["cpu", "wasm"] as const) {
      await chooseTfBackend(backend, true);
      const U = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
      const ids = tf.tensor1d([0, 2, 2, 0, 0], "int32");
      const grad = tf.grad((u: tf.Tensor) => tf.sum(tf.square(tf.gather(u, ids))))(U);
      assert.deepEqual(await grad.array(), [[6, 12], [0, 0], [20, 24]], backend);
      const sums = tf.unsortedSegmentSum(tf.tensor2d([[1, 1], [2, 2], [4, 4]]), tf.tensor1d([1, 1, 3], "int32"), 4);
      assert.deepEqual(await sums.array(), [[0, 0], [3, 3], [0, 0], [4, 4]], backend);
      tf.dispose([U, ids, grad, sums]);
    }
  });

  it("the pairs kernels in WebAssembly SIMD give the JavaScript loops' dots and gradients, for k with and without a remainder of 4", () => {
    const { train } = shipped();
    const random = seededRandom(5);
    for (const k of [50, 32, 3, 1]) {
      const P = Float32Array.from({ length: train.nUsers * k }, () => random() - 0.5);
      const Q = Float32Array.from({ length: train.nItems * k }, () => random() - 0.5);
      const g = Float32Array.from({ length: train.size }, () => (random() - 0.5) / train.size);
      const simd = new PairKernels(train.users, train.items, train.nUsers, train.nItems, k);
      const js = new PairKernels(train.users, train.items, train.nUsers, train.nItems, k, { wasm: false });
      assert.equal(simd.wasm, true, "Node has WebAssembly SIMD");
      assert.equal(js.wasm, false);
      const a = simd.dots(P, Q), b = js.dots(P, Q);
      for (let t = 0; t < train.size; t++) assert.ok(Math.abs(a[t] - b[t]) <= 1e-5 * (1 + Math.abs(b[t])), `k=${k}, pair ${t}: ${a[t]} vs ${b[t]}`);
      const [dPa, dQa, dPb, dQb] = [P, Q, P, Q].map((x) => new Float32Array(x.length).fill(7)); // stale values must be overwritten
      simd.scatter(P, Q, g, dPa, dQa);
      js.scatter(P, Q, g, dPb, dQb);
      let scale = 0;
      for (const x of [dPb, dQb]) for (const v of x) scale = Math.max(scale, Math.abs(v));
      for (const [x, y, what] of [[dPa, dPb, "dP"], [dQa, dQb, "dQ"]] as const)
        for (let j = 0; j < x.length; j++) assert.ok(Math.abs(x[j] - y[j]) <= 1e-4 * scale, `k=${k}, ${what}[${j}]: ${x[j]} vs ${y[j]}`);
    }
  });

  it("full-batch gradient descent (dense, gather and fused-pairs forms) learns a small rank-2 matrix", async () => {
    // 30 users × 20 items from a rank-2 model, 60% observed.
    const us: number[] = [], is: number[] = [], vs: number[] = [];
    for (let u = 0; u < 30; u++)
      for (let i = 0; i < 20; i++)
        if ((u * 7 + i * 3) % 5 < 3) {
          us.push(u);
          is.push(i);
          vs.push(3 + Math.sin(u) * Math.cos(i) + 0.5 * Math.cos(u * 0.7) * Math.sin(i * 1.3));
        }
    const all = makeRatings(30, 20, Int32Array.from(us), Int32Array.from(is), Float32Array.from(vs));
    for (const form of ["dense", "gather", "pairs"] as const) {
      const model = new GradientDescentMF({ form, k: 4, maxEpochs: 300, learningRate: 0.05, l2: 0.001, backend: "cpu" });
      await model.fit(all);
      const error = rmse(model.predict(all.users, all.items), all.values);
      assert.ok(error < 0.1, `${form}: train RMSE ${error}`);
      assert.ok(model.history[model.history.length - 1].loss! < model.history[0].loss!);
    }
  });
});

describe("mf factory and charts", () => {
  it("builds models from CLI parameters and rejects unknown ones", () => {
    const m = createModel("mf-sgd", { k: "8", lr: "0.02", biased: "false" }) as SgdMF;
    assert.equal(m.params.k, 8);
    assert.equal(m.params.learningRate, 0.02);
    assert.equal(m.params.biased, false);
    assert.equal(createModel("mf-als", {}).name, "mf-als");
    assert.equal(createModel("mf-gd", { form: "gather" }).name, "mf-gd");
    assert.throws(() => createModel("mf-sgd", { nope: "1" }), /unknown parameter 'nope'/);
    assert.throws(() => createModel("mf-sgd", { k: "many" }), /must be an integer/);
  });

  it("the loss/RMSE chart has two independent y scales", () => {
    const spec = lossAndRmseSpec([{ epoch: 1, seconds: 0.1, trainRmse: 1, validRmse: 1.1, loss: 2 }]);
    assert.equal(spec.resolve.scale.y, "independent");
    assert.equal(spec.layer.length, 2);
    const time = rmseVsTimeSpec([{ engine: "x", history: [{ epoch: 1, seconds: 1, trainRmse: 1, validRmse: 0.9 }] }]);
    assert.equal(time.data.values.length, 1);
  });
});
