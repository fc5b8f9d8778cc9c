/**
 * `npm start` (`nbts start`): the whole study in one command. Exports and builds the library, runs every
 * notebook on the shipped data (or on `LITREC_DATA=dir`) writing the outputs back, renders the report into
 * `exported/`, and ends with the results table (model, RMSE, MAE, time) and the report's path. A notebook
 * whose code, library, dependencies and dataset are those of the run that wrote its outputs is not run
 * again (freeze, see freeze.ts) unless `force` is set.
 */
import * as fs from "fs";
import * as path from "path";
import { listNotebooks } from "./notebook";
import { NotebookResult, RunEvent, RunOptions, runNotebooks } from "./runner";
import { exportProject, writeExport } from "./export";
import { buildProject } from "./build";
import { render } from "./render/index";
import { resultsTableText } from "./render/results";
import { planFreeze, recordKey, sharedInputs } from "./freeze";

export interface StartOptions {
  root: string;
  /** Notebooks run at once, each in its own process (default 2: most cells use one core, so two chapters share the machine well). */
  jobs?: number;
  /** Per-cell time limit in ms (default 10 min). */
  timeoutMs?: number;
  /** Run every notebook, even those whose frozen outputs are still valid (`npm start -- --force`). */
  force?: boolean;
  /** Skip the export + build step (tests). */
  skipBuild?: boolean;
  /** Replaces the notebook runner (tests). */
  runNotebooks?: (files: string[], opts: RunOptions) => Promise<NotebookResult[]>;
  /** Where progress goes (default: stderr); results go to `out` (default: stdout). */
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
  out?: (line: string) => void;
}

/** The environment variable that selects the dataset; notebooks read `process.env.LITREC_DATA ?? "../data/ml-latest-small"`. */
export const DATA_ENV = "LITREC_DATA";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Progress: one line per notebook; per cell a line that overwrites itself on a terminal, or slow cells only in a log. */
export function startProgress(root: string, index: Map<string, number>, count: number, stream: NodeJS.WritableStream & { isTTY?: boolean }) {
  const tty = !!stream.isTTY;
  const totals = new Map<string, number>();
  const done = new Map<string, number>();
  const width = () => Math.max(40, ((stream as any).columns ?? 100) - 1);
  return (e: RunEvent) => {
    const name = path.relative(root, e.notebook);
    const tag = `[${(index.get(e.notebook) ?? 0) + 1}/${count}]`;
    switch (e.type) {
      case "notebook-start":
        if (e.total !== undefined) totals.set(e.notebook, e.total);
        else stream.write(`${tag} ${name}\n`);
        break;
      case "cell-start":
        if (tty) {
          const line = `${tag} ${name}  cell ${e.cell}  (${done.get(e.notebook) ?? 0}/${totals.get(e.notebook) ?? "?"} done)  ${e.firstLine ?? ""}`;
          stream.write(`\r\x1b[K${line.slice(0, width())}`);
        }
        break;
      case "cell-end":
        done.set(e.notebook, (done.get(e.notebook) ?? 0) + 1);
        if (!tty && e.ms !== undefined && e.ms >= 2000) stream.write(`${tag}   cell ${e.cell} ${e.skipped ? `skipped (${e.skipped})` : seconds(e.ms)}\n`);
        break;
      case "notebook-end":
        if (tty) stream.write("\r\x1b[K");
        stream.write(`${tag} ${e.ok ? "ok  " : "FAIL"} ${name}: ${done.get(e.notebook) ?? 0} cells, ${seconds(e.ms ?? 0)}\n`);
        break;
    }
  };
}

/** Runs the study; returns the exit code (non-zero when a notebook failed or the library does not build). */
export async function start(options: StartOptions): Promise<number> {
  const root = path.resolve(options.root);
  const out = options.out ?? ((line: string) => console.log(line));
  const progress = options.progress ?? process.stderr;
  const t0 = performance.now();

  // The dataset: LITREC_DATA is resolved against the caller's folder, since notebooks run in notebooks/.
  const dataEnv = process.env[DATA_ENV];
  let dataDir = path.join(root, "data", "ml-latest-small");
  if (dataEnv) {
    const dir = path.resolve(dataEnv);
    if (!fs.existsSync(dir)) {
      console.error(`${DATA_ENV}=${dataEnv}: no such file or folder`);
      return 1;
    }
    process.env[DATA_ENV] = dataDir = dir;
    progress.write(`data: ${dir} (from ${DATA_ENV})\n`);
  } else progress.write(`data: ${dataDir} (shipped; set ${DATA_ENV}=dir for another dataset)\n`);

  // The library the notebooks import (../lib) must match the notebooks; dist/ (the CLI, the package) is rebuilt.
  if (!options.skipBuild) {
    const tb = performance.now();
    writeExport(root, exportProject(root));
    const build = buildProject(root);
    if (!build.ok) {
      console.error(`the library does not build (${build.errors.length} error(s)):\n  ${build.errors.join("\n  ")}`);
      return 1;
    }
    progress.write(`library exported and built (${seconds(performance.now() - tb)})\n`);
  }

  const notebooks = listNotebooks(path.join(root, "notebooks"));
  if (!notebooks.length) progress.write("no notebooks in notebooks/\n");
  const index = new Map(notebooks.map((f, i) => [f, i]));
  const plan = planFreeze(notebooks, sharedInputs(root, dataDir));
  const keys = new Map(plan.map((p) => [p.file, p.key]));
  const reused = options.force ? [] : plan.filter((p) => p.frozen).map((p) => p.file);
  const toRun = notebooks.filter((f) => !reused.includes(f));
  if (reused.length)
    progress.write(`reused, unchanged since their outputs were written (npm start -- --force runs them): ${reused.map((f) => path.relative(root, f)).join(", ")}\n`);
  const run = options.runNotebooks ?? runNotebooks;
  const tr = performance.now();
  const ran = await run(toRun, {
    write: true,
    skipSlow: false,
    jobs: options.jobs ?? 2,
    timeoutMs: options.timeoutMs ?? 600_000,
    onEvent: startProgress(root, index, notebooks.length, progress),
  });
  const runMs = performance.now() - tr;
  for (const r of ran) if (r.ok) recordKey(r.notebook, keys.get(r.notebook)!);
  const failed = ran.filter((r) => !r.ok);
  for (const r of failed) console.error(`\n${path.relative(root, r.notebook)} failed (its outputs were not written):\n  ${r.error ?? "unknown error"}`);

  const tRender = performance.now();
  const report = await render({ root, log: (line) => progress.write(line + "\n") });
  const renderMs = performance.now() - tRender;

  out("");
  if (report.results.length) {
    out("Results (from each chapter's `//| label: results` cell; one row per model):");
    out(resultsTableText(report.table.headline));
    if (report.table.other.length) out(`\nUnder another protocol:\n${resultsTableText(report.table.other)}`);
    for (const c of report.table.conflicts) out(`warning: ${c}`);
  } else out("No results yet: no chapter has a `//| label: results` cell with output.");
  out("");
  const rel = (p: string) => path.relative(process.cwd(), p) || p;
  out(`notebooks: ${ran.length - failed.length} ok, ${failed.length} failed (${seconds(runMs)}), ${reused.length} reused; render ${seconds(renderMs)}; total ${seconds(performance.now() - t0)}`);
  out(`report: ${rel(path.join(report.outDir, "index.html"))}`);
  out(report.pdf ? `PDF:    ${rel(report.pdf)}` : report.pdfSkipped ?? "");
  return failed.length ? 1 : 0;
}
