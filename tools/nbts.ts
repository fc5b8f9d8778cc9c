#!/usr/bin/env node
/** `nbts`: the literate toolchain — export, check, run, test, lint, clean, kernel, render, start. */
import * as fs from "fs";
import * as path from "path";
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
                              execute notebooks and write their outputs back (exports first when lib/ is stale)
  nbts test [nb…] [--jobs N] [--timeout S]
                              execute notebooks without writing (skips //| slow cells; stops when lib/ is stale)
  nbts lint [nb…]             fail when a cell breaks the reader's rules: over 60 lines, two values in one exported
                              cell, no prose before an exported cell, no asserting example after it
  nbts clean [nb…]            normalise metadata, ids and execution counts
  nbts kernel                 register the TypeScript kernel "nbts" with Jupyter
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

/** Flags that take a value (`--jobs 2` or `--jobs=2`); any other flag is a switch. */
const VALUE_FLAGS = ["jobs", "timeout", "engine", "to"];

function parseFlags(args: string[]) {
  const files: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const k = a.slice(2, eq < 0 ? undefined : eq);
      if (eq >= 0) flags.set(k, a.slice(eq + 1));
      else if (!VALUE_FLAGS.includes(k)) flags.set(k, "true");
      else if (i + 1 < args.length && !args[i + 1].startsWith("--")) flags.set(k, args[++i]);
      else throw new Error(`--${k} needs a value`);
    } else files.push(a);
  }
  return { files, flags };
}

/** A numeric flag's value: `fallback` when absent; anything but a number of at least `min` (a whole one when `integer`) is an error. */
export function numberFlag(flags: Map<string, string>, name: string, fallback: number, options: { min?: number; integer?: boolean } = {}): number {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const x = raw.trim() === "" ? NaN : Number(raw);
  const min = options.min ?? 1;
  if (!Number.isFinite(x) || x < min || (options.integer && !Number.isInteger(x)))
    throw new Error(`--${name} expects ${options.integer ? "a whole number" : "a number"} of at least ${min}, got '${raw.slice(0, 40)}'`);
  return x;
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

/** The lib/ files a fresh export would change (or add, or remove). */
export function staleLibrary(root: string): string[] {
  const fresh = exportProject(root);
  const current = currentLibFiles(root);
  const stale = [...fresh].filter(([rel, content]) => current.get(rel) !== content).map(([rel]) => rel);
  return [...stale, ...[...current.keys()].filter((rel) => !fresh.has(rel))];
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
  const jobs = numberFlag(flags, "jobs", 1, { integer: true });
  const timeoutMs = numberFlag(flags, "timeout", 600, { min: 0.001 }) * 1000;
  const notebooks = notebooksFrom(root, files);
  if (!notebooks.length) {
    console.error("no notebooks to run");
    return 1;
  }
  // Notebooks import the library's sources (../lib): never run old code silently.
  const stale = staleLibrary(root);
  if (stale.length) {
    if (!write) {
      console.error(`lib/ is stale: run npm run export (${stale.join(", ")} differ from the notebooks)`);
      return 1;
    }
    console.error(`lib/ was stale (${stale.join(", ")}): exporting first`);
    if (cmdExport(root) !== 0) return 1;
  }
  const results = await runNotebooks(notebooks, {
    write,
    skipSlow: !write || flags.has("skip-slow"),
    jobs,
    timeoutMs,
    onEvent: progressPrinter(root),
  });
  const failed = results.filter((r) => !r.ok);
  for (const r of failed) console.error(`\n${path.relative(root, r.error ? r.notebook : r.notebook)} failed:\n  ${r.error}`);
  const n = results.length;
  console.log(`${n - failed.length} passed, ${failed.length} failed`);
  return failed.length ? 1 : 0;
}

async function cmdLint(root: string, args: string[]): Promise<number> {
  const { files } = parseFlags(args);
  const { cellBreaches } = await import("./lint");
  let found = 0;
  for (const f of notebooksFrom(root, files)) {
    for (const b of cellBreaches(readNotebook(f).cells)) {
      console.log(`${path.relative(root, f)}: ${b}`);
      found++;
    }
  }
  console.log(found ? `${found} breach(es)` : "every cell keeps the rules");
  return found ? 1 : 0;
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
    case "lint":
      return cmdLint(root, rest);
    case "clean":
      return cmdClean(root, rest);
    case "kernel": {
      const { installKernel } = await import("./kernel/install");
      return installKernel();
    }
    case "render": {
      const { flags } = parseFlags(rest);
      const { render } = await import("./render/index");
      await render({ root, engine: flags.get("engine"), to: flags.get("to") }); // it reports its own progress and warnings
      return 0;
    }
    case "start": {
      const { start } = await import("./start");
      const { flags } = parseFlags(rest);
      return start({ root, jobs: flags.has("jobs") ? numberFlag(flags, "jobs", 2, { integer: true }) : undefined, force: flags.has("force") });
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
