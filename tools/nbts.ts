#!/usr/bin/env node
/** `nbts`: the literate toolchain — export, check, run, test, clean, kernel, render, start. */
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { exportProject, writeExport, currentLibFiles } from "./export";
import { buildProject } from "./build";
import { unifiedDiff } from "./diff";
import { listNotebooks, readNotebook, writeNotebook, serializeNotebook } from "./notebook";
import { cleanNotebook } from "./clean";
import { runNotebooks, RunEvent } from "./runner";

const USAGE = `nbts — notebooks are the source of the litrec library

usage:
  nbts export                 notebooks → lib/ (+ lib/index.ts), then build dist/lib
  nbts check                  fail with a diff when lib/ differs from a fresh export
  nbts run  [nb…] [--jobs N] [--timeout S] [--skip-slow]
                              execute notebooks and write their outputs back
  nbts test [nb…] [--jobs N] [--timeout S]
                              execute notebooks without writing (skips //| slow cells)
  nbts clean [nb…]            normalise metadata, ids and execution counts
  nbts kernel                 register the tslab TypeScript kernel with Jupyter
  nbts render [--engine quarto] [--to html|pdf]
                              render _quarto.yml's notebooks into exported/
  nbts start [--jobs N] [--force]
                              run every notebook (2 at a time) whose code, library or data changed since
                              its outputs were written (--force: all), render the report, print the results

Notebooks default to every notebooks/*.ipynb in name order.`;

/** The project root: the nearest folder above the working directory with a package.json named litrec. */
export function findRoot(start = process.cwd()): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, "utf8")).name === "litrec") return dir;
    if (path.dirname(dir) === dir) throw new Error(`no litrec project (package.json named "litrec") above ${start}`);
  }
}

function parseFlags(args: string[]) {
  const files: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith("--")) {
      const [k, v] = a.slice(2).split("=", 2);
      if (v !== undefined) flags.set(k, v);
      else if (i + 1 < args.length && !args[i + 1].startsWith("--") && ["jobs", "timeout", "engine", "to"].includes(k)) flags.set(k, args[++i]);
      else flags.set(k, "true");
    } else files.push(a);
  }
  return { files, flags };
}

function notebooksFrom(root: string, files: string[]): string[] {
  if (!files.length) return listNotebooks(path.join(root, "notebooks"));
  return files.map((f) => path.resolve(f));
}

function cmdExport(root: string): number {
  const t0 = performance.now();
  const files = exportProject(root);
  const { written, removed } = writeExport(root, files);
  const tExport = performance.now() - t0;
  for (const f of written) console.log(`wrote ${f}`);
  for (const f of removed) console.log(`removed ${f} (no notebook exports it any more)`);
  console.log(`exported ${files.size - 1} modules in ${tExport.toFixed(0)} ms${written.length || removed.length ? "" : " (unchanged)"}`);
  const build = buildProject(root);
  if (!build.ok) {
    console.error(`build: ${build.errors.length} type error(s):\n  ${build.errors.join("\n  ")}`);
    console.error("dist/ was still written; fix the cells named above.");
    return 1;
  }
  console.log(`built dist/lib in ${build.ms.toFixed(0)} ms`);
  return 0;
}

function cmdCheck(root: string): number {
  const t0 = performance.now();
  const fresh = exportProject(root);
  const current = currentLibFiles(root);
  const problems: string[] = [];
  for (const [rel, content] of fresh) {
    const have = current.get(rel);
    if (have === undefined) problems.push(`${rel} is missing: a notebook exports it but it was never written (run npm run export)\n`);
    else if (have !== content) problems.push(unifiedDiff(`${rel} (in lib/)`, `${rel} (fresh export)`, have, content));
  }
  for (const rel of current.keys())
    if (!fresh.has(rel)) problems.push(`${rel} is left behind: no notebook exports it any more (a deleted notebook or module?)\n`);
  const ms = performance.now() - t0;
  if (problems.length) {
    console.error(`nbts check: lib/ and the notebooks disagree (${problems.length} file(s)); lib/ is generated — edit the notebook, then run \`npm run export\`.\n`);
    console.error(problems.join("\n"));
    return 1;
  }
  console.log(`nbts check: lib/ matches the notebooks (${fresh.size} files, ${ms.toFixed(0)} ms)`);
  return 0;
}

/** Prints a line per notebook and a progress line per cell (only on a terminal, overwriting itself). */
export function progressPrinter(root: string) {
  const tty = process.stderr.isTTY;
  const totals = new Map<string, number>();
  return (e: RunEvent) => {
    const name = path.relative(root, e.notebook);
    if (e.type === "notebook-start" && e.total !== undefined) totals.set(e.notebook, e.total);
    if (e.type === "cell-start" && tty) process.stderr.write(`\r\x1b[K${name}: cell ${e.cell} — ${e.firstLine}`);
    if (e.type === "cell-end" && !tty && e.ms !== undefined && e.ms > 5000) process.stderr.write(`${name}: cell ${e.cell} took ${(e.ms / 1000).toFixed(1)} s\n`);
    if (e.type === "notebook-end") {
      if (tty) process.stderr.write("\r\x1b[K");
      process.stderr.write(`${e.ok ? "ok  " : "FAIL"} ${name} (${((e.ms ?? 0) / 1000).toFixed(1)} s)\n`);
    }
  };
}

async function cmdRun(root: string, args: string[], write: boolean): Promise<number> {
  const { files, flags } = parseFlags(args);
  const notebooks = notebooksFrom(root, files);
  if (!notebooks.length) {
    console.error("no notebooks to run");
    return 1;
  }
  // Notebooks import the compiled library (../dist/lib): make sure it is current.
  const build = buildProject(root);
  if (!build.ok) console.error(`warning: the library has type errors:\n  ${build.errors.join("\n  ")}`);
  const results = await runNotebooks(notebooks, {
    write,
    skipSlow: !write || flags.has("skip-slow"),
    jobs: Number(flags.get("jobs") ?? 1),
    timeoutMs: Number(flags.get("timeout") ?? 600) * 1000,
    onEvent: progressPrinter(root),
  });
  const failed = results.filter((r) => !r.ok);
  for (const r of failed) console.error(`\n${path.relative(root, r.error ? r.notebook : r.notebook)} failed:\n  ${r.error}`);
  const n = results.length;
  console.log(`${n - failed.length} passed, ${failed.length} failed`);
  return failed.length ? 1 : 0;
}

function cmdClean(root: string, args: string[]): number {
  const { files } = parseFlags(args);
  let changed = 0;
  for (const f of notebooksFrom(root, files)) {
    const before = fs.readFileSync(f, "utf8");
    const nb = cleanNotebook(readNotebook(f));
    if (serializeNotebook(nb) !== before) {
      writeNotebook(f, nb);
      console.log(`cleaned ${path.relative(root, f)}`);
      changed++;
    }
  }
  console.log(`${changed} notebook(s) changed`);
  return 0;
}

/** Registers tslab with the first Jupyter found: `jupyter`'s Python, then /usr/bin/python3. */
function cmdKernel(root: string): number {
  const tslab = path.join(root, "node_modules", ".bin", "tslab");
  if (!fs.existsSync(tslab)) {
    console.error(`${tslab} not found: run npm install first`);
    return 1;
  }
  const pythons: string[] = [];
  const jupyter = spawnSync("jupyter", ["--paths"], { encoding: "utf8" });
  if (jupyter.status === 0) {
    const shebang = spawnSync("sh", ["-c", 'head -1 "$(command -v jupyter)"'], { encoding: "utf8" }).stdout.trim();
    if (shebang.startsWith("#!")) pythons.push(shebang.slice(2).trim().split(/\s+/).pop()!);
  }
  pythons.push("/usr/bin/python3", "python3");
  for (const py of pythons) {
    const probe = spawnSync(py, ["-c", "import jupyter_client, nbformat"], { encoding: "utf8" });
    if (probe.status !== 0) continue;
    const r = spawnSync(tslab, ["install", `--python=${py}`, `--binary=${tslab}`], { stdio: "inherit" });
    if (r.status === 0) {
      console.log(`registered the TypeScript kernel (tslab) with ${py}'s Jupyter; open the notebooks with: jupyter lab notebooks/`);
      return 0;
    }
  }
  console.error(
    "no Jupyter found (tried the Python behind `jupyter`, /usr/bin/python3 and python3: none has jupyter_client).\n" +
      "Install one, e.g. on Debian: apt-get install jupyter-notebook python3-nbconvert — then run npm run kernel again.\n" +
      "Notebooks still run without Jupyter: npx nbts run notebooks/01_data.ipynb",
  );
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const root = findRoot();
  switch (cmd) {
    case "export":
      return cmdExport(root);
    case "check":
      return cmdCheck(root);
    case "run":
      return cmdRun(root, rest, true);
    case "test":
      return cmdRun(root, rest, false);
    case "clean":
      return cmdClean(root, rest);
    case "kernel":
      return cmdKernel(root);
    case "render": {
      const { flags } = parseFlags(rest);
      const { render } = await import("./render/index");
      await render({ root, engine: flags.get("engine"), to: flags.get("to") }); // it reports its own progress and warnings
      return 0;
    }
    case "start": {
      const { start } = await import("./start");
      const { flags } = parseFlags(rest);
      return start({ root, jobs: flags.has("jobs") ? Number(flags.get("jobs")) : undefined, force: flags.has("force") });
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return cmd ? 0 : 1;
    default:
      console.error(`nbts: unknown command "${cmd}"\n\n${USAGE}`);
      return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`nbts: ${e?.message ?? e}`);
      process.exit(1);
    },
  );
}
