#!/usr/bin/env node
/**
 * A Netflix-sized synthetic dataset in the THU layout, for benchmarks (the real THU subset is not shipped).
 *
 * Files, as in the THU course subset of the Netflix Prize (see /work/shared/REFERENCE.md):
 *   users.txt          one user id a line (10,000 by default)
 *   movie_titles.txt   `id,year,title`, ISO-8859-1, titles with commas (line 72), `NULL` years (movie 4388)
 *   netflix_train.txt  `user_id movie_id rating YYYY-MM-DD` (6,897,746 lines by default)
 *   netflix_test.txt   same format (1,719,466 lines by default); every test user and item also occurs in train
 *
 * Ratings 1–5 are r = clip(round(μ + b_u + b_i + Σ_f w_f p_uf q_if + σ_u σ_i ε), 1, 5) with a true rank of 24
 * (taste strengths w_f falling as f^-0.7: a few strong axes and a long tail of weak ones), per-item noise σ_i
 * (log-normal around 0.78; per-user σ_u around 1), biases, and popular films rated a little higher. User
 * activity is log-normal (σ 1.2) and item popularity log-normal with a wide spread (σ 2), so most users and films have
 * few ratings and a few have thousands. Because the generator knows μ + b_u + … and σ of every test cell, it
 * reports the Bayes-optimal floor: the RMSE of predicting E[r] exactly (`floorRmse`, also in manifest.json), and
 * two half-oracles that know all but one side's parameters (`usersUnknownRmse`, `itemsUnknownRmse`) and from them an
 * estimate of the best any model of the ratings can do (`limitRmse`; see `HalfOracle`).
 * Everything is driven by one seeded PRNG: the same options give byte-identical files.
 *
 *   npx tsx bench/netflix-synth.ts [--out DIR] [--seed N] [--users N] [--items N] [--titles N] [--train N] [--test N] [--rank N]
 */
import * as fs from "fs";
import * as path from "path";
import { seededRandom } from "../lib/splits";
import { choleskySolveInPlace, solveUpperTransposed } from "../lib/mf_engine";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const normalCdf: (x: number) => number = require("@stdlib/stats-base-dists-normal-cdf").factory(0, 1);

export interface NetflixLikeOptions {
  seed?: number; // PRNG seed (default 20240501)
  users?: number; // distinct users (default 10,000)
  items?: number; // distinct movies that occur in the ratings (default 10,000)
  titles?: number; // lines of movie_titles.txt, movie ids 1..titles (default 17,770)
  trainLines?: number; // lines of netflix_train.txt (default 6,897,746)
  testLines?: number; // lines of netflix_test.txt (default 1,719,466)
  rank?: number; // true rank of the taste term (default 24)
}

export const NETFLIX_LIKE_DEFAULTS: Required<NetflixLikeOptions> = {
  seed: 20240501,
  users: 10_000,
  items: 10_000,
  titles: 17_770,
  trainLines: 6_897_746,
  testLines: 1_719_466,
  rank: 24,
};

/** Bump when the generator's output changes, so stale caches are rebuilt. */
/** σ of log popularity. */
const POPULARITY_SPREAD = 2.0;

const GENERATOR_VERSION = 4; // 2: the library's seededRandom; 3: rank 24, per-user/item noise, longer tails, the floor; 4: the half-oracles (same files)


function makeNormal(random: () => number): () => number {
  let spare = NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const s = spare;
      spare = NaN;
      return s;
    }
    let u = 0;
    while (u === 0) u = random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** k distinct integers from [lo, hi], sorted ascending (Floyd's algorithm). */
function sampleDistinct(random: () => number, k: number, lo: number, hi: number): Int32Array {
  const n = hi - lo + 1;
  if (k > n) throw new Error(`cannot draw ${k} distinct values from ${n}`);
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  const out = Int32Array.from(chosen, (x) => x + lo);
  return out.sort();
}

function shuffle(random: () => number, a: Int32Array): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

const WORDS = [
  "Night", "River", "Return", "Stranger", "Love", "City", "Last", "Summer", "Dark", "Star", "King", "Secret",
  "House", "Blue", "Road", "War", "Dream", "Ghost", "Island", "Heart", "Winter", "Fire", "Game", "Shadow",
  "Time", "Garden", "Mountain", "Journey", "Storm", "Silence", "Paris", "Ocean", "Angel", "Detective",
];
const ACCENTED = ["Café", "Amélie", "Über", "Señor", "Noël", "Déjà Vu", "Mañana", "Frère", "Bête", "Naïve"];

function makeTitle(random: () => number, id: number): string {
  if (id === 72) return "At Home Among Strangers, A Stranger Among His Own";
  const words: string[] = [];
  const n = 1 + Math.floor(random() * 4);
  for (let w = 0; w < n; w++) words.push(WORDS[Math.floor(random() * WORDS.length)]);
  if (random() < 0.06) words.splice(Math.floor(random() * (words.length + 1)), 0, ACCENTED[Math.floor(random() * ACCENTED.length)]);
  let title = (random() < 0.3 ? "The " : "") + words.join(" ");
  if (random() < 0.04) title += ", Part " + (2 + Math.floor(random() * 3)); // a comma inside the title
  if (random() < 0.02) title += ": Season " + (1 + Math.floor(random() * 6));
  return title;
}

/** Writes ASCII/latin-1 text through a large reusable buffer. */
class ByteWriter {
  private buf = Buffer.allocUnsafe(1 << 22);
  private pos = 0;
  constructor(private fd: number) {}
  private ensure(n: number) {
    if (this.pos + n > this.buf.length) this.flush();
  }
  flush() {
    if (this.pos > 0) fs.writeSync(this.fd, this.buf, 0, this.pos);
    this.pos = 0;
  }
  int(x: number) {
    this.ensure(12);
    if (x === 0) {
      this.buf[this.pos++] = 48;
      return;
    }
    let start = this.pos;
    while (x > 0) {
      this.buf[this.pos++] = 48 + (x % 10);
      x = Math.floor(x / 10);
    }
    for (let e = this.pos - 1; start < e; start++, e--) {
      const t = this.buf[start];
      this.buf[start] = this.buf[e];
      this.buf[e] = t;
    }
  }
  byte(b: number) {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }
  /** A date YYYY-MM-DD from precomputed 10 bytes. */
  bytes(src: Uint8Array, off: number, len: number) {
    this.ensure(len);
    for (let k = 0; k < len; k++) this.buf[this.pos++] = src[off + k];
  }
  latin1(s: string) {
    const b = Buffer.from(s, "latin1");
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }
}

/** Day number (days since 1970-01-01) → "YYYY-MM-DD". */
function dayToIso(day: number): string {
  return new Date(day * 86400000).toISOString().slice(0, 10);
}

/** The generator's true parameters, as `HalfOracle` needs them: taste term Σ_f w_f p_uf q_if, biases and their priors. */
interface TrueModel {
  K: number;
  mu: number;
  weight: Float64Array;
  P: Float64Array;
  Q: Float64Array;
  bu: Float64Array;
  bi: Float64Array;
  userBiasSd: number;
  itemBiasSd: number;
  itemBiasMean: Float64Array;
}

/**
 * How close can a model of the ratings come to the floor? Two half-oracles answer from above: "users unknown"
 * knows every film's true factors, bias and noise and every user's noise, and estimates each user's factors and
 * bias from that user's training ratings alone; "items unknown" is its mirror image. Each takes the exact
 * likelihood of the generator (ordinal: r = clip(round(m + σε), 1, 5)) and the prior it drew from, finds the
 * posterior's mode by Newton's method, and predicts E[r] under the Laplace (Gaussian) approximation of the
 * posterior there. A model that knows neither side has less information than either, so (up to that
 * approximation) it cannot beat the worse of the two; and since a prediction's error from its user's factors and
 * from its film's add up to first order, the two excess mean squared errors over the floor, added, estimate
 * the limit when both sides are unknown (`limitRmse`).
 */
class HalfOracle {
  private readonly D: number;
  private readonly train: { u: Int32Array; i: Int32Array; r: Uint8Array; sigma: Float32Array; n: number };
  private readonly test: { u: Int32Array; i: Int32Array; r: Uint8Array; sigma: Float32Array; n: number };

  constructor(
    private readonly t: TrueModel,
    trainCapacity: number,
    testCapacity: number,
    private readonly moments: (m: number, sigma: number) => { mean: number; variance: number },
  ) {
    this.D = t.K + 1;
    const columns = (n: number) => ({ u: new Int32Array(n), i: new Int32Array(n), r: new Uint8Array(n), sigma: new Float32Array(n), n: 0 });
    this.train = columns(trainCapacity);
    this.test = columns(testCapacity);
  }

  /** One generated rating r of user u for item i with noise σ. */
  rating(u: number, i: number, r: number, sigma: number, isTest: boolean): void {
    const c = isTest ? this.test : this.train, n = c.n++;
    c.u[n] = u;
    c.i[n] = i;
    c.r[n] = r;
    c.sigma[n] = sigma;
  }

  /** The half-oracles' test RMSEs, and the estimated limit for both sides unknown, given the floor's mean squared error. */
  finish(floorMse: number): { usersUnknownRmse: number; itemsUnknownRmse: number; limitRmse: number } {
    const { t } = this, round = (x: number) => +x.toFixed(4);
    const users = this.side(this.train.u, this.train.i, this.test.u, this.test.i, t.bu.length, t.Q, t.bi, () => 0, t.userBiasSd);
    const items = this.side(this.train.i, this.train.u, this.test.i, this.test.u, t.bi.length, t.P, t.bu, (e) => t.itemBiasMean[e], t.itemBiasSd);
    const limit = Math.sqrt(users ** 2 + items ** 2 - floorMse);
    return { usersUnknownRmse: round(users), itemsUnknownRmse: round(items), limitRmse: round(limit) };
  }

  /**
   * One half-oracle: entities `ent` (users or items) are unknown, the other side (`other`, its factors M and
   * biases B) is known. θ_e = [factors, bias] ~ N([0, biasMean(e)], diag(1, …, 1, biasSd²)); m = μ + B_o + x_o·θ_e
   * with x_o = [w ∘ M_o, 1]. Returns the test RMSE of E[r] under each entity's Laplace posterior.
   */
  private side(ent: Int32Array, other: Int32Array, testEnt: Int32Array, testOther: Int32Array, nE: number,
    M: Float64Array, B: Float64Array, biasMean: (e: number) => number, biasSd: number): number {
    const { D, t, train, test } = this, K = t.K;
    const byEntity = (e: Int32Array, n: number) => {
      const ptr = new Int32Array(nE + 1), order = new Int32Array(n);
      for (let k = 0; k < n; k++) ptr[e[k] + 1]++;
      for (let k = 0; k < nE; k++) ptr[k + 1] += ptr[k];
      const next = ptr.slice(0, nE);
      for (let k = 0; k < n; k++) order[next[e[k]]++] = k;
      return { ptr, order };
    };
    const tr = byEntity(ent, train.n), te = byEntity(testEnt, test.n);
    const H = new Float64Array(D * D), g = new Float64Array(D), theta = new Float64Array(D), x = new Float64Array(D);
    const features = (o: number) => {
      for (let f = 0; f < K; f++) x[f] = t.weight[f] * M[o * K + f];
      x[K] = 1;
      return x;
    };
    const phi = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    let sse = 0;
    for (let e = 0; e < nE; e++) {
      theta.fill(0);
      theta[K] = biasMean(e);
      for (let iteration = 0; iteration < 30; iteration++) {
        // g = ∇ log posterior, H = −∇² log posterior (the prior's part, then each rating's).
        H.fill(0);
        for (let f = 0; f < K; f++) (H[f * D + f] = 1), (g[f] = -theta[f]);
        H[K * D + K] = 1 / biasSd ** 2;
        g[K] = -(theta[K] - biasMean(e)) / biasSd ** 2;
        for (let p = tr.ptr[e]; p < tr.ptr[e + 1]; p++) {
          const k = tr.order[p], o = other[k], r = train.r[k], s = train.sigma[k];
          features(o);
          let m = t.mu + B[o];
          for (let f = 0; f < D; f++) m += x[f] * theta[f];
          // The ordinal probit likelihood P = Φ(zh) − Φ(zl), z = (cut − m)/σ, cuts r ± 0.5 (open at 1 and 5).
          const zl = r === 1 ? -Infinity : (r - 0.5 - m) / s, zh = r === 5 ? Infinity : (r + 0.5 - m) / s;
          const P = (r === 5 ? 1 : normalCdf(zh)) - (r === 1 ? 0 : normalCdf(zl));
          let d1: number, d2: number; // d log P / dm and −d² log P / dm²
          if (P > 1e-12) {
            const pl = r === 1 ? 0 : phi(zl), ph = r === 5 ? 0 : phi(zh), A = pl - ph;
            const zpl = r === 1 ? 0 : zl * pl, zph = r === 5 ? 0 : zh * ph;
            d1 = A / (s * P);
            d2 = (A * A - (zpl - zph) * P) / (s * s * P * P);
          } else {
            const target = r === 1 ? Math.min(m, 1) : r === 5 ? Math.max(m, 5) : r; // far in a tail: pull like a Gaussian
            d1 = (target - m) / (s * s);
            d2 = 1 / (s * s);
          }
          for (let a = 0; a < D; a++) {
            g[a] += d1 * x[a];
            const xa = d2 * x[a];
            for (let b = a; b < D; b++) H[a * D + b] += xa * x[b]; // the upper triangle, as choleskySolveInPlace reads it
          }
        }
        choleskySolveInPlace(H, g, D); // g becomes the Newton step; H its Cholesky factor U (H = UᵀU)
        let step = 0;
        for (let f = 0; f < D; f++) (theta[f] += g[f]), (step = Math.max(step, Math.abs(g[f])));
        if (step < 1e-6) break;
      }
      // H holds U of the last Newton step's −∇² = UᵀU, at (all but) the mode: the Laplace posterior, xᵀ(UᵀU)⁻¹x = ‖U⁻ᵀx‖².
      for (let p = te.ptr[e]; p < te.ptr[e + 1]; p++) {
        const k = te.order[p], o = testOther[k];
        features(o);
        let m = t.mu + B[o];
        for (let f = 0; f < D; f++) m += x[f] * theta[f];
        solveUpperTransposed(H, x, D);
        let v = 0;
        for (let f = 0; f < D; f++) v += x[f] * x[f];
        const err = test.r[k] - this.moments(m, Math.sqrt(test.sigma[k] ** 2 + v)).mean;
        sse += err * err;
      }
    }
    return Math.sqrt(sse / Math.max(1, test.n));
  }
}

/**
 * Generates the four THU files into `dir` (created if needed). Returns summary counts.
 * Memory: one byte per (user, item) cell (100 MB at the default size) plus the per-pair columns.
 */
export function generateNetflixLike(dir: string, opts: NetflixLikeOptions = {}) {
  const o = { ...NETFLIX_LIKE_DEFAULTS, ...opts };
  const { users: nU, items: nI, titles: nTitles } = o;
  const total = o.trainLines + o.testLines;
  if (nI > nTitles) throw new Error(`items (${nI}) must be ≤ titles (${nTitles})`);
  if (total > nU * nI * 0.6) throw new Error(`too many ratings (${total}) for ${nU}×${nI}`);
  if (o.trainLines < nU + nI) throw new Error(`trainLines must be ≥ users + items so each occurs in train`);
  fs.mkdirSync(dir, { recursive: true });
  const random = seededRandom(o.seed);
  const normal = makeNormal(random);

  // Ids: Netflix user ids are sparse in 1..2,649,429; movies occur among 1..17,770.
  const userIds = sampleDistinct(random, nU, 1, Math.max(2_649_429, nU));
  const itemIds = sampleDistinct(random, nI, 1, nTitles);

  // Activity and popularity: both log-normal (a rating is drawn with probability min(1, c·a_u·p_i)), with a
  // wide spread for films so that the tail reaches a handful of ratings while the head saturates.
  const activity = new Float64Array(nU);
  for (let u = 0; u < nU; u++) activity[u] = Math.exp(1.2 * normal());
  const popularity = new Float64Array(nI);
  for (let i = 0; i < nI; i++) popularity[i] = Math.exp(POPULARITY_SPREAD * normal());
  // Scale c so that Σ min(1, c·a_u·p_i) ≈ total (bisection on a user subsample).
  const sampleUsers = Math.min(nU, 400);
  const expected = (c: number) => {
    let s = 0;
    for (let u = 0; u < sampleUsers; u++) {
      const a = c * activity[u];
      for (let i = 0; i < nI; i++) s += Math.min(1, a * popularity[i]);
    }
    return (s * nU) / sampleUsers;
  };
  let lo = 0,
    hi = 1;
  while (expected(hi) < total) hi *= 2;
  for (let it = 0; it < 40; it++) {
    const mid = (lo + hi) / 2;
    if (expected(mid) < total) lo = mid;
    else hi = mid;
  }
  const scale = (lo + hi) / 2;

  // Which cells are rated: state 0 = none, 1 = rated. Each user and each item gets at least 2 ratings.
  const cell = new Uint8Array(nU * nI);
  let count = 0;
  for (let u = 0; u < nU; u++) {
    const a = scale * activity[u];
    const row = u * nI;
    for (let i = 0; i < nI; i++) {
      if (random() < a * popularity[i]) {
        cell[row + i] = 1;
        count++;
      }
    }
  }
  // Cumulative popularity for drawing extra items.
  const cum = new Float64Array(nI);
  let acc = 0;
  for (let i = 0; i < nI; i++) cum[i] = acc += popularity[i];
  const drawItem = () => {
    const x = random() * acc;
    let l = 0,
      h = nI - 1;
    while (l < h) {
      const m = (l + h) >> 1;
      if (cum[m] < x) l = m + 1;
      else h = m;
    }
    return l;
  };
  const userCount = new Int32Array(nU);
  const itemCount = new Int32Array(nI);
  for (let u = 0; u < nU; u++)
    for (let i = 0, row = u * nI; i < nI; i++)
      if (cell[row + i]) {
        userCount[u]++;
        itemCount[i]++;
      }
  for (let u = 0; u < nU; u++)
    while (userCount[u] < 2) {
      const i = drawItem();
      if (!cell[u * nI + i]) {
        cell[u * nI + i] = 1;
        userCount[u]++;
        itemCount[i]++;
        count++;
      }
    }
  for (let i = 0; i < nI; i++)
    while (itemCount[i] < 2) {
      const u = Math.floor(random() * nU);
      if (!cell[u * nI + i]) {
        cell[u * nI + i] = 1;
        userCount[u]++;
        itemCount[i]++;
        count++;
      }
    }
  // Hit the exact total: add popularity-weighted cells, or remove random ones (keeping ≥ 2 per user/item).
  while (count < total) {
    const u = Math.floor(random() * nU);
    const i = drawItem();
    if (!cell[u * nI + i]) {
      cell[u * nI + i] = 1;
      userCount[u]++;
      itemCount[i]++;
      count++;
    }
  }
  while (count > total) {
    const u = Math.floor(random() * nU);
    const i = Math.floor(random() * nI);
    if (cell[u * nI + i] && userCount[u] > 2 && itemCount[i] > 2) {
      cell[u * nI + i] = 0;
      userCount[u]--;
      itemCount[i]--;
      count--;
    }
  }

  // Anchors that must stay in train: one random rated cell per user and per item (state 2).
  for (let u = 0; u < nU; u++) {
    let k = Math.floor(random() * userCount[u]);
    for (let i = 0, row = u * nI; i < nI; i++)
      if (cell[row + i] && k-- === 0) {
        cell[row + i] = 2;
        break;
      }
  }
  for (let i = 0; i < nI; i++) {
    let k = Math.floor(random() * itemCount[i]);
    for (let u = 0; u < nU; u++)
      if (cell[u * nI + i] && k-- === 0) {
        cell[u * nI + i] = 2;
        break;
      }
  }
  let anchors = 0;
  for (let x = 0; x < cell.length; x++) if (cell[x] === 2) anchors++;
  // Test cells (state 3): exactly testLines of the non-anchor cells, by selection sampling.
  let needTest = o.testLines;
  let remaining = total - anchors;
  for (let x = 0; x < cell.length; x++) {
    if (cell[x] !== 1) continue;
    if (random() * remaining < needTest) {
      cell[x] = 3;
      needTest--;
    }
    remaining--;
  }

  // Rating model (see the file's header): r = clip(round(μ + b_u + b_i + Σ_f w_f p_uf q_if + σ_u σ_i ε), 1, 5).
  const K = o.rank;
  const mu = 3.5;
  const bu = new Float64Array(nU),
    bi = new Float64Array(nI),
    P = new Float64Array(nU * K),
    Q = new Float64Array(nI * K),
    weight = new Float64Array(K),
    userNoise = new Float64Array(nU),
    itemNoise = new Float64Array(nI);
  // Taste strengths fall off as f^-0.7 (a few strong axes, a long tail of weak ones); Σ w_f² = 0.3.
  let w2 = 0;
  for (let f = 0; f < K; f++) w2 += (weight[f] = Math.pow(f + 1, -0.7)) ** 2;
  for (let f = 0; f < K; f++) weight[f] *= Math.sqrt(0.3 / w2);
  for (let u = 0; u < nU; u++) {
    bu[u] = 0.4 * normal();
    userNoise[u] = Math.exp(0.2 * normal());
  }
  for (let i = 0; i < nI; i++) {
    // Popular films are rated a little higher; obscure ones spread more (per-item noise).
    bi[i] = 0.45 * normal() + 0.06 * Math.log(popularity[i]);
    itemNoise[i] = 0.78 * Math.exp(0.25 * normal());
  }
  for (let x = 0; x < nU * K; x++) P[x] = normal();
  for (let x = 0; x < nI * K; x++) Q[x] = normal();
  /** Mean and variance of clip(round(m + σε), 1, 5) for ε ~ N(0,1): the variance is the error of the Bayes-optimal prediction E[r]. */
  const ratingMoments = (m: number, sigma: number) => {
    let mean = 0,
      second = 0,
      below = 0;
    for (let r = 1; r <= 5; r++) {
      const upTo = r === 5 ? 1 : normalCdf((r + 0.5 - m) / sigma);
      const pr = upTo - below;
      below = upTo;
      mean += pr * r;
      second += pr * r * r;
    }
    return { mean, variance: second - mean * mean };
  };
  let floorSse = 0;
  // Dates: each user is active over a window inside 1999-11-11 .. 2005-12-31.
  const firstDay = Math.round(Date.UTC(1999, 10, 11) / 86400000);
  const lastDay = Math.round(Date.UTC(2005, 11, 31) / 86400000);
  const span = lastDay - firstDay;
  const dateBytes = new Uint8Array((span + 1) * 10);
  for (let d = 0; d <= span; d++) Buffer.from(dayToIso(firstDay + d), "latin1").copy(dateBytes, d * 10);

  // users.txt: ids in a shuffled order (the loader must sort them itself).
  const usersOrder = userIds.slice();
  shuffle(random, usersOrder);
  const fdUsers = fs.openSync(path.join(dir, "users.txt"), "w");
  const wUsers = new ByteWriter(fdUsers);
  for (const id of usersOrder) {
    wUsers.int(id);
    wUsers.byte(10);
  }
  wUsers.flush();
  fs.closeSync(fdUsers);

  // movie_titles.txt in ISO-8859-1 with NULL years and comma titles.
  const fdTitles = fs.openSync(path.join(dir, "movie_titles.txt"), "w");
  const wTitles = new ByteWriter(fdTitles);
  for (let id = 1; id <= nTitles; id++) {
    const year = id === 4388 || random() < 0.0015 ? "NULL" : String(1915 + Math.floor(Math.pow(random(), 0.4) * 91));
    wTitles.latin1(`${id},${year},${makeTitle(random, id)}\n`);
  }
  wTitles.flush();
  fs.closeSync(fdTitles);

  const fdTrain = fs.openSync(path.join(dir, "netflix_train.txt"), "w");
  const fdTest = fs.openSync(path.join(dir, "netflix_test.txt"), "w");
  const wTrain = new ByteWriter(fdTrain),
    wTest = new ByteWriter(fdTest);
  let nTrain = 0,
    nTest = 0;
  const histogram = [0, 0, 0, 0, 0];
  const limit = new HalfOracle({ K, mu, weight, P, Q, bu, bi, userBiasSd: 0.4, itemBiasSd: 0.45, itemBiasMean: popularity.map((p) => 0.06 * Math.log(p)) }, o.trainLines, o.testLines, ratingMoments);
  for (let u = 0; u < nU; u++) {
    const start = firstDay + Math.floor(random() * span * 0.8);
    const window = Math.max(1, Math.floor((lastDay - start) * random()));
    for (let i = 0, row = u * nI; i < nI; i++) {
      const state = cell[row + i];
      if (state === 0) continue;
      let dot = 0;
      for (let k = 0; k < K; k++) dot += weight[k] * P[u * K + k] * Q[i * K + k];
      const m = mu + bu[u] + bi[i] + dot;
      const sigma = userNoise[u] * itemNoise[i];
      let r = Math.round(m + sigma * normal());
      r = r < 1 ? 1 : r > 5 ? 5 : r;
      if (state === 3) floorSse += ratingMoments(m, sigma).variance;
      histogram[r - 1]++;
      limit.rating(u, i, r, sigma, state === 3);
      const day = start + Math.floor(random() * window) - firstDay;
      const w = state === 3 ? wTest : wTrain;
      w.int(userIds[u]);
      w.byte(32);
      w.int(itemIds[i]);
      w.byte(32);
      w.byte(48 + r);
      w.byte(32);
      w.bytes(dateBytes, day * 10, 10);
      w.byte(10);
      if (state === 3) nTest++;
      else nTrain++;
    }
  }
  wTrain.flush();
  wTest.flush();
  fs.closeSync(fdTrain);
  fs.closeSync(fdTest);
  const floorMse = floorSse / Math.max(1, nTest);
  return { dir, users: nU, items: nI, titles: nTitles, rank: K, train: nTrain, test: nTest, histogram, floorRmse: Math.sqrt(floorMse), ...limit.finish(floorMse) };
}

/** The Bayes-optimal test RMSE of a generated folder (from its manifest). */
export function netflixLikeFloor(dir: string): number {
  return JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")).floorRmse;
}

function sleepMs(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The cached dataset's folder, generating it on first use: bench/out/netflix-like/ for the defaults,
 * bench/out/netflix-like-<options>/ otherwise. Safe when several processes call it at once (a lock file;
 * the others wait) and after an interrupted run (files are written to a temp folder and renamed).
 */
export function ensureNetflixLike(opts: NetflixLikeOptions = {}): string {
  const o = { ...NETFLIX_LIKE_DEFAULTS, ...opts };
  const isDefault = (Object.keys(o) as (keyof NetflixLikeOptions)[]).every((k) => o[k] === NETFLIX_LIKE_DEFAULTS[k]);
  const suffix = isDefault ? "" : `-${o.users}u-${o.items}i-${o.titles}t-${o.trainLines}-${o.testLines}-s${o.seed}${o.rank === NETFLIX_LIKE_DEFAULTS.rank ? "" : `-r${o.rank}`}`;
  const outRoot = path.join(__dirname, "out");
  const dir = path.join(outRoot, `netflix-like${suffix}`);
  const manifestFile = path.join(dir, "manifest.json");
  const isReady = () => {
    try {
      const m = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
      return m.version === GENERATOR_VERSION;
    } catch {
      return false;
    }
  };
  if (isReady()) return dir;
  fs.mkdirSync(outRoot, { recursive: true });
  const lock = dir + ".lock";
  for (;;) {
    if (isReady()) return dir;
    let fd: number;
    try {
      fd = fs.openSync(lock, "wx");
    } catch (e: any) {
      if (e.code !== "EEXIST") throw e;
      // Another process is generating; a lock older than 10 minutes is stale.
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 10 * 60_000) fs.rmSync(lock, { force: true });
      } catch {}
      sleepMs(1000);
      continue;
    }
    try {
      fs.writeSync(fd, String(process.pid));
      if (isReady()) return dir;
      const tmp = `${dir}.tmp-${process.pid}`;
      fs.rmSync(tmp, { recursive: true, force: true });
      const t0 = Date.now();
      process.stderr.write(`netflix-synth: generating ${o.trainLines + o.testLines} ratings into ${dir} …\n`);
      const summary = generateNetflixLike(tmp, o);
      fs.writeFileSync(
        path.join(tmp, "manifest.json"),
        JSON.stringify({ version: GENERATOR_VERSION, options: o, ...summary, dir: undefined, seconds: (Date.now() - t0) / 1000 }, null, 2) + "\n",
      );
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(tmp, dir);
      process.stderr.write(`netflix-synth: done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      return dir;
    } finally {
      fs.closeSync(fd);
      fs.rmSync(lock, { force: true });
    }
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const get = (name: string) => {
    const k = args.indexOf(`--${name}`);
    return k >= 0 ? args[k + 1] : undefined;
  };
  const num = (name: string) => (get(name) === undefined ? undefined : Number(get(name)));
  const opts: NetflixLikeOptions = {
    seed: num("seed"),
    rank: num("rank"),
    users: num("users"),
    items: num("items"),
    titles: num("titles"),
    trainLines: num("train"),
    testLines: num("test"),
  };
  for (const k of Object.keys(opts) as (keyof NetflixLikeOptions)[]) if (opts[k] === undefined) delete opts[k];
  const out = get("out");
  if (out) {
    const t0 = Date.now();
    const s = generateNetflixLike(out, opts);
    console.log(JSON.stringify({ ...s, seconds: (Date.now() - t0) / 1000 }));
  } else {
    const dir = ensureNetflixLike(opts);
    console.log(dir);
    const m = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    console.log(`Bayes-optimal floor (test RMSE of E[r]): ${m.floorRmse.toFixed(4)}`);
    console.log(`half-oracles (test RMSE knowing all but the users' / the films' parameters): users unknown ${m.usersUnknownRmse}, items unknown ${m.itemsUnknownRmse}`);
    console.log(`the best a model of the ratings can do, estimated from them: ${m.limitRmse}`);
  }
}
