/**
 * Matrix factorisation at MovieLens-25M scale (issue 14, item 6): a synthetic set of MovieLens-25M's shape —
 * 162,541 users × 59,047 films, 25,000,095 ratings in half stars, every user with ≥ 20 ratings, long-tailed
 * activity and popularity — written once as a MovieLens `ratings.csv` (bench/out/ml25m-like/), then for each
 * engine: load the file, split 80/20 at random, fit (epoch progress on stderr), predict the held-out 20%, with
 * each time, the test RMSE, the epochs and the process's peak memory (max RSS; the target is within 8 GB).
 *
 *   npx tsx bench/scale.bench.ts [--model mf-sgd|mf-als …] [--param k=v …] [--ratings N]
 *
 * Ratings: r = clip(round₀.₅(μ + b_u + b_i + Σ_f w_f p_uf q_if + σ ε), 0.5, 5), true rank 16 with weights
 * falling as f^-0.7, σ = 0.8; activity 20 + log-normal (σ 1.2), popularity log-normal (σ 2). One seeded PRNG.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadDataset } from "../lib/loading";
import { randomSplit, seededRandom } from "../lib/splits";
import { rmse } from "../lib/metrics";
import { createModel } from "../lib/model";
import "../lib/mf";

export const ML25M_SHAPE = { users: 162_541, items: 59_047, ratings: 25_000_095 };

function normalOf(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Writes the synthetic ratings.csv into `dir` (header userId,movieId,rating,timestamp) and returns the count. */
export function generateMl25mLike(dir: string, total = ML25M_SHAPE.ratings, seed = 25): number {
  const { users: nU, items: nI } = ML25M_SHAPE, K = 16;
  const random = seededRandom(seed), normal = normalOf(random);
  const activity = Float64Array.from({ length: nU }, () => Math.exp(1.2 * normal()));
  const sumActivity = activity.reduce((a, b) => a + b, 0);
  const extra = total - 20 * nU;
  const counts = Int32Array.from(activity, (a) => Math.min(20 + Math.round((extra * a) / sumActivity), Math.floor(nI / 4)));
  const popularity = Float64Array.from({ length: nI }, () => Math.exp(2 * normal()));
  const cdf = new Float64Array(nI);
  for (let i = 0, s = 0; i < nI; i++) cdf[i] = s += popularity[i];
  const weights = Float64Array.from({ length: K }, (_, f) => 0.9 * (f + 1) ** -0.7);
  const P = Float64Array.from({ length: nU * K }, () => normal()), Q = Float64Array.from({ length: nI * K }, () => normal());
  const bu = Float64Array.from({ length: nU }, () => 0.4 * normal());
  const bi = Float64Array.from(popularity, (p) => 0.45 * normal() + 0.08 * Math.log(p));
  const stamp = new Int32Array(nI).fill(-1);
  fs.mkdirSync(dir, { recursive: true });
  const fd = fs.openSync(path.join(dir, "ratings.csv.tmp"), "w");
  let chunk: string[] = ["userId,movieId,rating,timestamp"], written = 0;
  for (let u = 0; u < nU; u++) {
    for (let n = 0; n < counts[u]; n++) {
      let i: number;
      do {
        const x = random() * cdf[nI - 1];
        let lo = 0, hi = nI - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cdf[mid] < x) lo = mid + 1;
          else hi = mid;
        }
        i = lo;
      } while (stamp[i] === u);
      stamp[i] = u;
      let dot = 0;
      for (let f = 0; f < K; f++) dot += weights[f] * P[u * K + f] * Q[i * K + f];
      const r = Math.min(5, Math.max(0.5, Math.round(2 * (3.53 + bu[u] + bi[i] + dot + 0.8 * normal())) / 2));
      chunk.push(`${u + 1},${i + 1},${r},${1_000_000_000 + Math.floor(random() * 5e8)}`);
      written++;
    }
    if (chunk.length > 200_000) {
      fs.writeSync(fd, chunk.join("\n") + "\n");
      chunk = [];
    }
  }
  fs.writeSync(fd, chunk.join("\n") + "\n");
  fs.closeSync(fd);
  fs.renameSync(path.join(dir, "ratings.csv.tmp"), path.join(dir, "ratings.csv"));
  return written;
}

if (require.main === module) {
  (async () => {
    const args = process.argv.slice(2);
    const get = (name: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
    const total = Number(get("ratings") ?? ML25M_SHAPE.ratings);
    const dir = path.join(__dirname, "out", total === ML25M_SHAPE.ratings ? "ml25m-like" : `ml25m-like-${total}`);
    const load = () => `load average ${os.loadavg()[0].toFixed(1)}`;
    if (!fs.existsSync(path.join(dir, "ratings.csv"))) {
      const t = performance.now();
      process.stderr.write(`scale: generating ${total.toLocaleString("en")} ratings into ${dir} …\n`);
      generateMl25mLike(dir, total);
      process.stderr.write(`scale: generated in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
    }
    const params: Record<string, string> = {};
    args.forEach((a, i) => {
      if (a === "--param") {
        const [k, v] = args[i + 1].split("=");
        params[k] = v;
      }
    });
    const models = get("model") ? [get("model")!] : ["mf-sgd", "mf-als"];
    console.log(`MovieLens-25M-shaped synthetic set (${dir}), ${os.cpus().length} cores, ${load()}`);
    const rows: Record<string, unknown>[] = [];
    for (const name of models) {
      const t0 = performance.now();
      const ds = loadDataset(dir);
      const t1 = performance.now();
      const { train, test } = randomSplit(ds.train, 0.2, 1);
      const t2 = performance.now();
      const model = createModel(name, get("model") ? params : {});
      await model.fit(train, {
        onEpoch: (r) => {
          process.stderr.write(`${name}: epoch ${r.epoch} at ${r.seconds.toFixed(1)} s, train RMSE ${r.trainRmse.toFixed(4)}` +
            `${r.validRmse === undefined ? "" : `, stopping-slice RMSE ${r.validRmse.toFixed(4)}`}, max RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB, ${load()}\n`);
        },
      });
      const t3 = performance.now();
      const predicted = model.predict(test.users, test.items);
      const t4 = performance.now();
      const s = (ms: number) => +(ms / 1000).toFixed(1);
      rows.push({
        model: name, params: JSON.stringify((model as any).params ?? {}).slice(0, 120), ratings: ds.train.size, users: ds.train.nUsers, items: ds.train.nItems,
        "load s": s(t1 - t0), "split s": s(t2 - t1), "fit s": s(t3 - t2), "predict s": s(t4 - t3), epochs: model.history.length,
        "test RMSE": +rmse(predicted, test.values).toFixed(4), "max RSS MB": +(process.resourceUsage().maxRSS / 1024).toFixed(0), notes: model.notes.join("; "), after: load(),
      });
      console.log(JSON.stringify(rows.at(-1)));
    }
    console.table(rows.map(({ params, notes, ...r }) => r));
    const out = path.join(__dirname, "results", "scale.json");
    // A run of some models replaces their rows and keeps the others' (each row carries its own load average).
    let kept: Record<string, unknown>[] = [];
    try {
      kept = (JSON.parse(fs.readFileSync(out, "utf8")).rows as Record<string, unknown>[]).filter((r) => !models.includes(r.model as string));
    } catch {
      kept = [];
    }
    const order = (r: Record<string, unknown>) => ["mf-sgd", "mf-als"].indexOf(r.model as string) >>> 0;
    const all = [...kept, ...rows].sort((a, b) => order(a) - order(b));
    fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), cores: os.cpus().length, rows: all }, null, 1) + "\n");
    console.log(`wrote ${path.relative(process.cwd(), out)}; max RSS is the whole process's peak (all runs so far)`);
    process.exit(0);
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
