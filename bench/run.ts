/** `npm run bench`: runs every bench/*.bench.ts (or those named) one after another and prints their figures. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const only = process.argv.slice(2);
const all = fs.readdirSync(__dirname).filter((f) => f.endsWith(".bench.ts"));
// A name that is a whole benchmark's name picks just that one (`gd` is gd.bench.ts, not sgd.bench.ts too);
// any other name picks every benchmark whose file name contains it.
const picks = (f: string, o: string) => (all.includes(`${o}.bench.ts`) ? f === `${o}.bench.ts` : f.includes(o));
const benches = all.filter((f) => !only.length || only.some((o) => picks(f, o))).sort();
if (!benches.length) {
  console.error(`no benchmark matches ${only.join(", ")}; have: ${all.join(", ")}`);
  process.exit(1);
}
let failed = 0;
for (const b of benches) {
  console.log(`\n=== ${b} ===`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ["--require", require.resolve("tsx/cjs"), "--expose-gc", path.join(__dirname, b)], { stdio: "inherit" });
  console.log(`=== ${b}: ${r.status === 0 ? "done" : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
