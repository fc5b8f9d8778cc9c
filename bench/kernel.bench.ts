/**
 * Kernel figures: per-cell overhead of the nbts session (tools/kernel) against tslab's executor, both in-process
 * (an empty cell; a cell importing the library), and the live edit loop: after an export rewrites a library
 * module, how long the next cell takes to run the new code in the same session.
 */
import * as fs from "fs";
import * as path from "path";
import { Session, CellSink } from "../tools/kernel/session";
import { readNotebook, writeNotebook, sourceText, toLines } from "../tools/notebook";
import { exportProject, writeExport } from "../tools/export";

const root = path.join(__dirname, "..");
const N = 20;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quiet: CellSink = { stream: () => undefined, display: () => undefined };

async function nbtsCells(cells: string[]): Promise<number[]> {
  const s = new Session(path.join(root, "notebooks"));
  const times: number[] = [];
  for (const c of cells) {
    const t0 = performance.now();
    const r = await s.execute(c, quiet);
    if (!r.ok) throw new Error(`nbts: ${r.error.ename}: ${r.error.evalue}`);
    times.push(performance.now() - t0);
  }
  return times.slice(1);
}

async function tslabCells(cells: string[]): Promise<number[]> {
  const cwd = process.cwd();
  process.chdir(path.join(root, "notebooks"));
  const { createConverter } = require("tslab/dist/converter");
  const { createExecutor } = require("tslab/dist/executor");
  let node: any = null;
  const convs = { get node() { return (node ??= createConverter({ isJS: false, isBrowser: false })); }, get browser(): never { throw new Error("no"); }, close() { node?.close(); } };
  const errors: string[] = [];
  const ex = createExecutor(process.cwd(), convs, { log: () => undefined, error: (...a: unknown[]) => errors.push(a.map(String).join(" ")) });
  convs.node;
  const times: number[] = [];
  for (const c of cells) {
    const t0 = performance.now();
    const ok = await ex.execute(c);
    if (!ok) throw new Error(`tslab: ${errors.join("; ")}`);
    times.push(performance.now() - t0);
  }
  ex.close();
  process.chdir(cwd);
  return times.slice(1);
}

/** A scratch project: the fixture notebook exporting `greet`, with the project's tsconfig. */
async function liveLoop() {
  const dir = path.join(root, "bench", "out", "live");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "notebooks"), { recursive: true });
  fs.copyFileSync(path.join(root, "tsconfig.json"), path.join(dir, "tsconfig.json"));
  const file = path.join(dir, "notebooks", "01_greet.ipynb");
  const nb = readNotebook(path.join(root, "tests/fixtures/project/notebooks/01_greet.ipynb"));
  nb.cells = nb.cells.filter((c) => ["c1", "c2"].includes(c.id!));
  writeNotebook(file, nb);
  writeExport(dir, exportProject(dir));
  const s = new Session(path.join(dir, "notebooks"));
  const cell = 'import { hello } from "../lib/greet";\nhello("x")';
  const run = async () => {
    const r = await s.execute(cell, quiet);
    if (!r.ok) throw new Error(r.error.evalue);
    return String(r.result?.["text/plain"]);
  };
  const first = await run();
  const reloads: number[] = [];
  const exports: number[] = [];
  for (let i = 0; i < 5; i++) {
    const c2 = nb.cells.find((c) => c.id === "c2")!;
    c2.source = toLines(sourceText(c2.source).replace(/`(hello|hi\d+) \$\{name\}`/, `\`hi${i} \${name}\``));
    writeNotebook(file, nb);
    const t0 = performance.now();
    writeExport(dir, exportProject(dir));
    exports.push(performance.now() - t0);
    const t1 = performance.now();
    const now = await run();
    reloads.push(performance.now() - t1);
    if (now !== `'hi${i} x'`) throw new Error(`live loop: expected 'hi${i} x', got ${now} (first ${first})`);
  }
  console.log(`live edit loop: export (in-process, no dist build) ${median(exports).toFixed(0)} ms; then the next cell runs the new code in ${median(reloads).toFixed(0)} ms (median of 5; ${first} → 'hi4 x')`);
}

async function main() {
  const empty = ["1", ...Array(N).fill("")];
  const one = ["1", ...Array.from({ length: N }, (_, i) => `${i}`)];
  const nbtsLib = ["1", ...Array.from({ length: N }, (_, i) => `import * as data${i} from "../lib/loading";\nObject.keys(data${i}).length;`)];
  const tslabLib = ["1", ...Array.from({ length: N }, (_, i) => `import * as data${i} from "../dist/lib/loading";\nObject.keys(data${i}).length;`)];
  console.log(`nbts  (tools/kernel, strict, ../lib sources): empty cell ${median(await nbtsCells(empty)).toFixed(1)} ms, cell \`1\` ${median(await nbtsCells(one)).toFixed(1)} ms, cell importing ../lib/loading ${median(await nbtsCells(nbtsLib)).toFixed(1)} ms (medians of ${N})`);
  if (fs.existsSync(path.join(root, "dist/lib/loading.js")))
    console.log(`tslab (its executor, ../dist/lib JS):          empty cell ${median(await tslabCells(empty)).toFixed(1)} ms, cell \`1\` ${median(await tslabCells(one)).toFixed(1)} ms, cell importing ../dist/lib/loading ${median(await tslabCells(tslabLib)).toFixed(1)} ms (medians of ${N})`);
  await liveLoop();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
