/**
 * Top-N ranking at Netflix size: every unseen item ranked for every user of the synthetic 10k × 10k THU-layout set
 * (bench/netflix-synth.ts), top 10, training items excluded. Prints seconds for a factor model (k = 32 and 64, one
 * thread and all cores), for the generic per-user path (popularity), and the EASE inverse at a few sizes.
 *
 *   npm run bench -- ranking
 */
import * as os from "os";
import { loadDataset } from "../lib/data";
import { initFactorModel } from "../lib/mf_engine";
import { FactorRecommender } from "../lib/mf";
import { rankAll, PopularityRanker } from "../lib/ranking";
import { invertSpdInPlace } from "../lib/ranking_engine";
import { defaultThreads } from "../lib/threads";
import { ensureNetflixLike } from "./netflix-synth";

const dir = ensureNetflixLike();
let t = performance.now();
const ds = loadDataset(dir);
const train = ds.train;
console.log(`data: ${train.nUsers} users × ${train.nItems} items, ${train.size.toLocaleString("en-US")} training ratings (load ${((performance.now() - t) / 1000).toFixed(1)} s); ${os.cpus().length} cores`);
const candidates = train.nUsers * train.nItems - train.size;
console.log(`ranking ${candidates.toLocaleString("en-US")} (user, unseen item) pairs, top 10 per user`);

for (const k of [32, 64]) {
  const model = new FactorRecommender(`factors k=${k}`);
  model.model = initFactorModel(train.nUsers, train.nItems, k, 0, 0.1, 7, true);
  for (const threads of [1, defaultThreads()]) {
    t = performance.now();
    const lists = rankAll(model, train, { k: 10, threads });
    const s = (performance.now() - t) / 1000;
    // The lists must hold no training item and be sorted best first.
    for (let u = 0; u < train.nUsers; u += 997) {
      const rated = new Set(train.userItems.subarray(train.userPtr[u], train.userPtr[u + 1]));
      for (let r = 0; r < 10; r++) {
        if (rated.has(lists.items[u * 10 + r])) throw new Error(`user ${u}: a training item was ranked`);
        if (r && lists.scores[u * 10 + r] > lists.scores[u * 10 + r - 1]) throw new Error(`user ${u}: list not sorted`);
      }
    }
    console.log(`factor model k=${k}, ${threads} thread(s): ${s.toFixed(2)} s (${(candidates / s / 1e6).toFixed(0)} M pairs/s, ${(train.nUsers / s).toFixed(0)} users/s)`);
  }
}

const pop = new PopularityRanker();
pop.fit(train);
t = performance.now();
rankAll(pop, train, { k: 10 });
console.log(`popularity (scoreItems per user, one thread): ${((performance.now() - t) / 1000).toFixed(2)} s`);

for (const n of [500, 1000, 1500, 2000]) {
  // A Gram matrix of 0/1 columns plus λI: symmetric positive definite, like EASE's.
  const rows = 600, X = new Uint8Array(rows * n);
  let seed = 12345;
  for (let q = 0; q < X.length; q++) X[q] = ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) % 20 === 0 ? 1 : 0;
  const G = new Float64Array(n * n);
  for (let r = 0; r < rows; r++) for (let a = 0; a < n; a++) if (X[r * n + a]) for (let b = 0; b < n; b++) G[a * n + b] += X[r * n + b];
  for (let a = 0; a < n; a++) G[a * n + a] += 250;
  t = performance.now();
  invertSpdInPlace(G, n);
  const s = (performance.now() - t) / 1000;
  console.log(`EASE inverse (Cholesky, float64) n=${n}: ${s.toFixed(2)} s (${(n ** 3 / 2 / s / 1e9).toFixed(2)} G multiply-adds/s: Cholesky, triangular inverse and product, n³/6 each)`);
}
