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
 * Ratings 1–5 come from a global mean + user bias + item bias + a low-rank taste term + noise, so models
 * have signal to find; user activity and item popularity are skewed (log-normal and Zipf-like).
 * Everything is driven by one seeded PRNG: the same options give byte-identical files.
 *
 *   npx tsx bench/netflix-synth.ts [--out DIR] [--seed N] [--users N] [--items N] [--titles N] [--train N] [--test N]
 */
import * as fs from "fs";
import * as path from "path";
import { seededRandom } from "../lib/data";

export interface NetflixLikeOptions {
  seed?: number; // PRNG seed (default 20240501)
  users?: number; // distinct users (default 10,000)
  items?: number; // distinct movies that occur in the ratings (default 10,000)
  titles?: number; // lines of movie_titles.txt, movie ids 1..titles (default 17,770)
  trainLines?: number; // lines of netflix_train.txt (default 6,897,746)
  testLines?: number; // lines of netflix_test.txt (default 1,719,466)
}

export const NETFLIX_LIKE_DEFAULTS: Required<NetflixLikeOptions> = {
  seed: 20240501,
  users: 10_000,
  items: 10_000,
  titles: 17_770,
  trainLines: 6_897_746,
  testLines: 1_719_466,
};

/** Bump when the generator's output changes, so stale caches are rebuilt. */
const GENERATOR_VERSION = 2; // 2: the library's seededRandom instead of a copy of it


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

  // Activity and popularity: log-normal user activity, Zipf-like item popularity (random rank order).
  const activity = new Float64Array(nU);
  for (let u = 0; u < nU; u++) activity[u] = Math.exp(1.1 * normal());
  const rank = new Int32Array(nI);
  for (let i = 0; i < nI; i++) rank[i] = i;
  shuffle(random, rank);
  const popularity = new Float64Array(nI);
  for (let i = 0; i < nI; i++) popularity[i] = Math.pow(rank[i] + 10, -0.9);
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

  // Rating model: r = μ + b_u + b_i + p_u·q_i + ε, rounded and clipped to 1..5.
  const K = 5;
  const mu = 3.6;
  const bu = new Float64Array(nU),
    bi = new Float64Array(nI),
    P = new Float64Array(nU * K),
    Q = new Float64Array(nI * K);
  for (let u = 0; u < nU; u++) bu[u] = 0.45 * normal();
  for (let i = 0; i < nI; i++) bi[i] = 0.5 * normal() + 0.15 * Math.log((popularity[i] / popularity[0]) * 50 + 1e-9) * 0.2;
  for (let x = 0; x < nU * K; x++) P[x] = 0.5 * normal();
  for (let x = 0; x < nI * K; x++) Q[x] = 0.5 * normal();
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
  for (let u = 0; u < nU; u++) {
    const start = firstDay + Math.floor(random() * span * 0.8);
    const window = Math.max(1, Math.floor((lastDay - start) * random()));
    for (let i = 0, row = u * nI; i < nI; i++) {
      const state = cell[row + i];
      if (state === 0) continue;
      let dot = 0;
      for (let k = 0; k < K; k++) dot += P[u * K + k] * Q[i * K + k];
      let r = Math.round(mu + bu[u] + bi[i] + dot + 0.85 * normal());
      r = r < 1 ? 1 : r > 5 ? 5 : r;
      histogram[r - 1]++;
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
  return { dir, users: nU, items: nI, titles: nTitles, train: nTrain, test: nTest, histogram };
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
  const suffix = isDefault ? "" : `-${o.users}u-${o.items}i-${o.titles}t-${o.trainLines}-${o.testLines}-s${o.seed}`;
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
  } else console.log(ensureNetflixLike(opts));
}
