/** Toolchain figures: export and check over all notebooks; per-cell overhead of the in-process runner vs Jupyter. */
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { exportProject, currentLibFiles } from "../tools/export";
import { emptyNotebook, makeCell, writeNotebook } from "../tools/notebook";
import { runNotebook } from "../tools/runner";

const root = path.join(__dirname, "..");
const ms = (t0: number) => performance.now() - t0;

function median(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  // Export and check, in-process (the CLI adds ~2 s of tsx start-up on top).
  const exportTimes: number[] = [];
  const checkTimes: number[] = [];
  let modules = 0;
  let upToDate = false;
  for (let i = 0; i < 5; i++) {
    let t0 = performance.now();
    const files = exportProject(root);
    exportTimes.push(ms(t0));
    modules = files.size;
    t0 = performance.now();
    const fresh = exportProject(root);
    const current = currentLibFiles(root);
    let same = fresh.size === current.size;
    for (const [k, v] of fresh) same &&= current.get(k) === v;
    checkTimes.push(ms(t0));
    upToDate = same;
  }
  const notebooks = fs.readdirSync(path.join(root, "notebooks")).filter((f) => f.endsWith(".ipynb")).length;
  console.log(`export: ${notebooks} notebooks → ${modules} files in ${median(exportTimes).toFixed(1)} ms (median of 5)`);
  console.log(`check:  ${median(checkTimes).toFixed(1)} ms (median of 5); lib/ ${upToDate ? "matches the notebooks" : "differs from the notebooks"}`);

  // Per-cell overhead: 20 empty cells and 20 cells that use the compiled library.
  const dir = path.join(root, "bench", "out", "runner");
  fs.mkdirSync(dir, { recursive: true });
  const N = 20;
  const make = (name: string, cells: string[]) => {
    const nb = emptyNotebook();
    nb.cells = cells.map((c, i) => makeCell("code", c, `c${i}`));
    const file = path.join(dir, name);
    writeNotebook(file, nb);
    return file;
  };
  const hasData = fs.existsSync(path.join(root, "lib/loading.ts"));
  const empty = make("empty.ipynb", ["1", ...Array(N).fill("")]);
  const withLib = make("lib.ipynb", ["1", ...Array.from({ length: N }, (_, i) => (hasData ? `import * as data${i} from "../../../lib/loading";\nObject.keys(data${i}).length;` : `import * as p${i} from "path";`))]);
  for (const [label, file] of [["empty cell", empty], [hasData ? "cell importing lib/loading" : "cell importing a module", withLib]] as const) {
    const cellMs: number[] = [];
    const t0 = performance.now();
    await runNotebook(file, { write: false, skipSlow: true, onEvent: (e) => e.type === "cell-end" && e.cell! > 1 && cellMs.push(e.ms!) });
    console.log(`in-process runner, ${label}: ${median(cellMs).toFixed(1)} ms per cell (median of ${N}); whole notebook ${(ms(t0) / 1000).toFixed(2)} s`);
  }

  // The same notebooks through Jupyter (nbconvert + nbts kernel), when it is installed.
  const py = "/usr/bin/python3";
  if (spawnSync(py, ["-c", "import nbconvert"]).status === 0) {
    for (const [label, file] of [["empty cells", empty], ["lib cells", withLib]] as const) {
      const t0 = performance.now();
      const r = spawnSync(py, ["-m", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=nbts", "--output-dir", path.join(dir, "jupyter"), file], { encoding: "utf8" });
      const total = ms(t0);
      console.log(`Jupyter (nbconvert + nbts kernel), ${N + 1} ${label}: ${(total / 1000).toFixed(2)} s in all${r.status ? " (FAILED: " + r.stderr.split("\n").slice(-3).join(" ") + ")" : ""}`);
    }
  } else console.log("Jupyter: not installed (apt-get install jupyter-notebook python3-nbconvert; npm run kernel) — skipped");
}

main();
