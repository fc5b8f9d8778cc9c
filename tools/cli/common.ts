/** Shared pieces of the `litrec` subcommands: argument parsing, dataset loading, progress on stderr, errors. */
import * as fs from "fs";
import * as os from "os";
import {
  loadDataset, type Dataset, type DuplicatePolicy, type LoadOptions, type UnknownUserPolicy,
} from "../../lib/loading";
import { DataError } from "../../lib/data_parse";
import { builtinSource, foldFiles, isBuiltinName } from "../../lib/datasets";

/** A mistake in the command line: printed with a hint to `--help`, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parsed command-line options (the CLI contract of DESIGN.md). */
export interface CliArgs {
  command: string;
  data?: string; // --data DIR
  train?: string; // --train FILE
  test?: string; // --test FILE
  model?: string; // --model NAME
  params: Record<string, string>; // --param k=v (repeated)
  split?: string; // --split random:0.2|temporal:0.2|given|user:0.25|user-temporal:0.25|loo|loo-random
  metrics?: string; // --metrics ndcg@10,precision@10 (evaluate: ranking metrics)
  seed: number; // --seed N (default 0)
  json: boolean; // --json: one JSON object on stdout
  user?: string; // --user ID (recommend)
  out?: string; // --out MODEL_DIR (fit)
  "model-file"?: string; // --model-file MODEL_DIR (evaluate, recommend)
  n: number; // --n N (recommend, default 10)
  grid: string[]; // --grid k=4,16,64 (repeated; tune)
  folds?: number; // --folds N (tune)
  study?: string; // --study FILE (tune)
  strategy?: string; // --strategy grid|random|halving (tune)
  trials?: number; // --trials N (tune: random and halving)
  workers?: number; // --workers N (tune: trials run at once)
  duplicates?: DuplicatePolicy; // --duplicates first|last|mean|error: a repeated (user, item) pair
  unknownUsers?: UnknownUserPolicy; // --unknown-users error|drop|keep: THU ratings by users absent from users.txt
  dir?: string; // --dir DIR (fetch: the cache folder)
  url: string[]; // --url URL (repeated; fetch)
  quiet: boolean; // --quiet: no progress on stderr
  help: boolean;
  positional: string[];
  given: string[]; // the options on the command line, by name, in order (checked against the command's usage)
}

const VALUE_OPTIONS = new Set(["data", "train", "test", "model", "param", "split", "seed", "user", "n", "grid", "folds", "study", "strategy", "trials", "workers", "duplicates", "unknown-users", "dir", "url", "metrics", "model-file", "out"]);
/** The choices of the options that name a documented data policy. */
const POLICY_OPTIONS: Record<string, { field: "duplicates" | "unknownUsers"; choices: readonly string[] }> = {
  duplicates: { field: "duplicates", choices: ["first", "last", "mean", "error"] },
  "unknown-users": { field: "unknownUsers", choices: ["error", "drop", "keep"] },
};

/** Worker threads a model may start: one per core (more only queue on the same cores). */
export const maxThreads = () => Math.max(1, (os.availableParallelism?.() ?? os.cpus().length) | 0);
const FLAG_OPTIONS = new Set(["json", "quiet", "help"]);

/** Parses `litrec COMMAND [options]`; `--opt value` and `--opt=value` both work; unknown options are errors. */
export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { command: "", params: {}, seed: 0, json: false, n: 10, grid: [], url: [], quiet: false, help: false, positional: [], given: [] };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === "-h" || a === "--help") {
      args.help = true;
      continue;
    }
    if (!a.startsWith("--")) {
      if (!args.command) args.command = a;
      else args.positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (name !== "help") args.given.push(name);
    if (FLAG_OPTIONS.has(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      (args as any)[name] = true;
      continue;
    }
    if (!VALUE_OPTIONS.has(name)) throw new UsageError(`unknown option --${name}`);
    let value: string;
    if (eq >= 0) value = a.slice(eq + 1);
    else {
      if (k + 1 >= argv.length || argv[k + 1].startsWith("--")) throw new UsageError(`--${name} needs a value`);
      value = argv[++k];
    }
    switch (name) {
      case "param": {
        const e = value.indexOf("=");
        if (e <= 0) throw new UsageError(`--param expects k=v, got '${value}'`);
        const key = value.slice(0, e);
        let v = value.slice(e + 1);
        if (key === "threads") {
          const t = Number(v);
          if (v.trim() === "" || !Number.isInteger(t) || t < 0) throw new UsageError(`--param threads expects a whole number (0 = one per core), got '${v}'`);
          if (t > maxThreads()) {
            process.stderr.write(`litrec: --param threads=${t} is more than the ${maxThreads()} core(s) here; using ${maxThreads()}\n`);
            v = String(maxThreads());
          }
        }
        args.params[key] = v;
        break;
      }
      case "url":
        args.url.push(value);
        break;
      case "grid":
        if (!/^[^=]+=.+$/.test(value)) throw new UsageError(`--grid expects name=v1,v2,…, got '${value}'`);
        args.grid.push(value);
        break;
      case "duplicates":
      case "unknown-users": {
        const { field, choices } = POLICY_OPTIONS[name];
        if (!choices.includes(value)) throw new UsageError(`--${name} expects ${choices.join(", ")}, got '${value}'`);
        (args as any)[field] = value;
        break;
      }
      case "seed":
      case "n":
      case "folds":
      case "trials":
      case "workers": {
        const x = Number(value);
        if (!Number.isInteger(x) || x < 0) throw new UsageError(`--${name} expects a non-negative integer, got '${value}'`);
        (args as any)[name] = x;
        break;
      }
      default:
        (args as any)[name] = value;
    }
  }
  return args;
}

/** The options every command takes: the data policies and --quiet (see `litrec --help`). */
const COMMON_OPTIONS = ["duplicates", "unknown-users", "quiet"];

/**
 * Refuses an option the command does not read (`evaluate --folds 5` would otherwise be ignored without a word):
 * a command takes the options its usage line names, and the common ones.
 */
export function checkOptions(command: string, usage: string, given: string[]): void {
  const takes = new Set([...usage.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]).concat(COMMON_OPTIONS));
  for (const name of given)
    if (!takes.has(name))
      throw new UsageError(`litrec ${command} does not take --${name}; it takes ${[...takes].map((o) => `--${o}`).join(", ")}`);
}

/** A one-line progress bar on stderr; silent when stderr is not a terminal (unless LITREC_PROGRESS=1) or with --quiet. */
export class ProgressBar {
  private last = -1;
  private readonly enabled: boolean;
  private readonly t0 = Date.now();
  constructor(private label: string, quiet = false) {
    this.enabled = !quiet && (process.stderr.isTTY || process.env.LITREC_PROGRESS === "1");
  }
  /** Shows the fraction done (0..1), with an optional note; redraws at most every 1%. */
  update(fraction: number, note = ""): void {
    if (!this.enabled) return;
    const pct = Math.max(0, Math.min(100, Math.floor(fraction * 100)));
    if (pct === this.last && !note) return;
    this.last = pct;
    const width = 24;
    const filled = Math.round((pct / 100) * width);
    const secs = ((Date.now() - this.t0) / 1000).toFixed(1);
    process.stderr.write(`\r${this.label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(pct).padStart(3)}% ${secs}s ${note}`.padEnd(78));
  }
  /** Ends the line. */
  done(note = "done"): void {
    if (!this.enabled) return;
    this.last = -1;
    this.update(1, note);
    process.stderr.write("\n");
  }
}

/** Loads the dataset named by --data DIR or --train FILE [--test FILE], showing parse progress. */
export function loadFromArgs(args: CliArgs, options: LoadOptions = {}): Dataset {
  if (args.data && (args.train || args.test)) throw new UsageError("give either --data DIR or --train FILE [--test FILE], not both");
  // A built-in name (`--data ml-100k`) becomes its folder in the cache, for this command and the workers it starts.
  if (args.data && isBuiltinName(args.data)) args.data = builtinSource(args.data) as string;
  const fold = /^fold:(\d+)$/.exec(args.split ?? "");
  if (fold) {
    // ml-100k's canonical folds: uN.base / uN.test become the given train/test.
    if (!args.data) throw new UsageError("--split fold:N needs --data ml-100k (or an ml-100k folder)");
    Object.assign(args, foldFiles(args.data, Number(fold[1])), { data: undefined, split: "given" });
  }
  if (!args.data && !args.train) throw new UsageError(args.test ? "--test needs --train FILE" : "missing --data DIR (or --train FILE --test FILE)");
  const bar = new ProgressBar("loading", args.quiet);
  let current = "";
  const ds = loadDataset(args.data ?? { train: args.train!, test: args.test ?? null }, {
    duplicates: args.duplicates,
    unknownUsers: args.unknownUsers,
    ...options,
    onProgress: ({ file, fraction }) => {
      if (file !== current) current = file;
      bar.update(fraction, require("path").basename(file));
    },
  });
  bar.done();
  return ds;
}

/** Formats an integer with thousands separators. */
export const fmtInt = (x: number) => x.toLocaleString("en-US");

/** Runs a subcommand: prints errors to stderr (naming file and line for data errors) and returns the exit code. */
export async function runCommand(fn: () => Promise<number> | number): Promise<number> {
  try {
    return await fn();
  } catch (e: any) {
    if (e instanceof UsageError) {
      process.stderr.write(`litrec: ${e.message}\nRun 'litrec --help' for usage.\n`);
      return 2;
    }
    if (e instanceof DataError) {
      process.stderr.write(`litrec: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`litrec: ${e?.message ?? e}\n`);
    if (process.env.LITREC_DEBUG) process.stderr.write(String(e?.stack) + "\n");
    return 1;
  }
}

/** Writes one JSON object on stdout (the --json contract). */
export function printJson(value: unknown): void {
  fs.writeSync(1, JSON.stringify(value) + "\n");
}
