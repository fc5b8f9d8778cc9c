/**
 * User-based CF on Netflix-sized data: load, similarity, predict every test pair, RMSE — with the breakdown,
 * peak memory, and the speedup of two threads over one.
 *
 *   npx tsx bench/usercf.bench.ts [--threads 2] [--single]     (--single: also time 1 thread)
 */
import { loadDataset, rmse, mae } from "../lib/data";
import { NeighbourhoodModel } from "../lib/usercf";
import { defaultThreads } from "../lib/threads";
import { ensureNetflixLike } from "./netflix-synth";
import * as os from "os";

/** CPU seconds of the whole process (every thread) since `from`. */
function cpuSince(from: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(from);
  return (c.user + c.system) / 1e6;
}

async function run(dir: string, threads: number) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const ds = loadDataset(dir);
  const load = (performance.now() - t0) / 1000;
  const loadCpu = cpuSince(c0);
  const model = new NeighbourhoodModel("usercf", { threads });
  const c1 = process.cpuUsage();
  await model.fit(ds.train);
  const fitCpu = cpuSince(c1);
  const test = ds.test!;
  const c2 = process.cpuUsage();
  const predicted = model.predict(test.users, test.items);
  const predictCpu = cpuSince(c2);
  const t1 = performance.now();
  const error = rmse(predicted, test.values);
  const total = (performance.now() - t0) / 1000;
  const c = model.timings;
  return {
    threads,
    load: +load.toFixed(2), baseline: +c.baseline.toFixed(2), prepare: +c.prepare.toFixed(2), similarity: +c.similarity.toFixed(2),
    predict: +c.predict.toFixed(2), rmseSeconds: +((performance.now() - t1) / 1000).toFixed(2), total: +total.toFixed(2),
    cpuLoad: +loadCpu.toFixed(2), cpuFit: +fitCpu.toFixed(2), cpuPredict: +predictCpu.toFixed(2), cpuTotal: +cpuSince(c0).toFixed(2),
    testRmse: +error.toFixed(4), testMae: +mae(predicted, test.values).toFixed(4), nTest: test.size, fallbacks: model.fallbacks,
  };
}

if (require.main === module) (async () => {
  const args = process.argv.slice(2);
  const at = args.indexOf("--threads");
  const threads = at >= 0 ? Number(args[at + 1]) : defaultThreads();
  const dir = ensureNetflixLike();
  console.log(`usercf on ${dir} (10,000 users × 10,000 films, 6.9 M train, 1.7 M test); ${threads} threads`);
  const rows = [await run(dir, threads)];
  if (args.includes("--single") && threads !== 1) rows.push(await run(dir, 1));
  console.table(rows);
  console.log("wall seconds per phase (load … total) and CPU seconds of all threads (cpu*); the machine may be shared:");
  console.log(`  cpu: load ${rows[0].cpuLoad} s, fit ${rows[0].cpuFit} s, predict ${rows[0].cpuPredict} s, total ${rows[0].cpuTotal} s over ${threads} thread(s); load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  if (rows.length === 2) console.log(`speedup of ${threads} threads over 1: similarity ×${(rows[1].similarity / rows[0].similarity).toFixed(2)}, predict ×${(rows[1].predict / rows[0].predict).toFixed(2)}, total ×${(rows[1].total / rows[0].total).toFixed(2)}`);
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(`peak memory (max RSS): ${rss.toFixed(0)} MB; target: whole run ≤ 10 s, ≤ 2048 MB`);
  console.log(`within target: ${rows[0].total <= 10 && rss <= 2048 ? "yes" : "NO"} (the machine may be shared: re-run on an idle one)`);
})();
