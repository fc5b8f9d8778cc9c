/**
 * ALS on the Netflix-sized synthetic set (bench/netflix-synth.ts): the exact per-row solve (Cholesky, one thread)
 * against three warm-started conjugate-gradient steps per row on every core, at k = 16 and 50 — fit time and test
 * RMSE after the same number of epochs, in one run so that the ratio holds on a busy machine.
 *
 *   npx tsx bench/als.bench.ts [--k 16,50] [--epochs 10]
 */
import * as os from "os";
import { loadDataset } from "../lib/loading";
import { rmse } from "../lib/metrics";
import { AlsMF } from "../lib/mf";
import { ensureNetflixLike, netflixLikeFloor } from "./netflix-synth";

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
(async () => {
  const dir = ensureNetflixLike();
  const ds = loadDataset(dir);
  const test = ds.test!;
  const epochs = Number(opt("epochs", "10"));
  console.log(`ALS on ${ds.train.size} ratings (floor ${netflixLikeFloor(dir).toFixed(4)}), ${epochs} epochs, load average ${os.loadavg()[0].toFixed(1)}`);
  const rows: Record<string, unknown>[] = [];
  for (const k of opt("k", "16,50").split(",").map(Number))
    for (const solver of ["cholesky", "cg"]) {
      const model = new AlsMF({ k, epochs, solver });
      const t0 = performance.now();
      await model.fit(ds.train);
      const fit = (performance.now() - t0) / 1000;
      rows.push({ k, solver, threads: solver === "cg" ? model.params.threads : 1, "fit, s": +fit.toFixed(2), "test RMSE": +rmse(model.predict(test.users, test.items), test.values).toFixed(4) });
      if (process.stderr.isTTY) process.stderr.write(`\rk=${k} ${solver}: ${fit.toFixed(1)} s   `);
    }
  if (process.stderr.isTTY) process.stderr.write("\n");
  console.table(rows);
  console.log(`load average now ${os.loadavg()[0].toFixed(1)}`);
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
