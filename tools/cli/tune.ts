/**
 * `litrec tune`: search a registered model's parameters by k-fold cross-validation inside the training
 * part, in worker threads, with the study kept in SQLite (`--study FILE` resumes); the best setting is
 * then refitted on the whole training part and scored on the test part once.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadDataset } from "../../lib/loading";
import { rmse } from "../../lib/metrics";
import { splitDataset } from "../../lib/splits";
import { createModel, modelSpec, registeredModels } from "../../lib/model";
import "../../lib/index"; // every chapter registers its models
import { describeSpace, type ParamValue, type SearchSpace, type SearchStrategy } from "../../lib/tuning";
import { type StudyConfig, type TrialRecord } from "../../lib/tuning_store";
import { runStudy, type FoldObjective } from "../../lib/tuning_runner";
import { crossValidationObjective } from "../../lib/tuning_objectives";
import { type CliArgs, loadFromArgs, printJson, ProgressBar, UsageError } from "./common";

export const usage =
  "litrec tune --data DIR --model NAME --grid k=4,16,64 --grid lambda=0.001,0.01,0.1 --folds 5 [--study FILE] [--strategy grid|random|halving] [--trials N] [--workers N] [--param k=v …] [--split …] [--seed N] [--json]";

/** Parses `name=v1,v2,…` grid options: numbers where every value is numeric, else strings. */
export function parseGrid(specs: string[]): Record<string, ParamValue[]> {
  const grid: Record<string, ParamValue[]> = {};
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const name = spec.slice(0, eq).trim();
    const raw = spec.slice(eq + 1).split(",").map((v) => v.trim()).filter((v) => v !== "");
    if (!name || !raw.length) throw new UsageError(`--grid expects name=v1,v2,…, got '${spec}'`);
    if (name in grid) throw new UsageError(`--grid ${name} given twice`);
    const numeric = raw.every((v) => v !== "" && Number.isFinite(Number(v)));
    grid[name] = numeric ? raw.map(Number) : raw;
  }
  return grid;
}

/** The search space of a command line: --grid values searched (categorical), --param values fixed. */
export function spaceFromArgs(grid: Record<string, ParamValue[]>, fixed: Record<string, string>): SearchSpace {
  const searched: SearchSpace["searched"] = {};
  for (const [name, values] of Object.entries(grid)) {
    if (name in fixed) throw new UsageError(`${name} is both searched (--grid) and fixed (--param)`);
    const type = values.every((v) => typeof v === "number") ? (values.every((v) => Number.isInteger(v)) ? "int" : "float") : "categorical";
    searched[name] = { type, default: values[0], distribution: { kind: "categorical", choices: values }, description: "from --grid" };
  }
  return { searched, fixed: { ...fixed } };
}

/** Plain-data options of the objective each worker thread builds for itself. */
export interface CliObjectiveOptions {
  data?: string; train?: string; test?: string; split?: string; seed: number; folds: number; model: string;
  duplicates?: CliArgs["duplicates"]; unknownUsers?: CliArgs["unknownUsers"];
}

/** The objective of a worker: load the dataset, put the test part aside, cross-validate the registered model. */
export function cliObjective(options: CliObjectiveOptions): FoldObjective {
  const ds = loadDataset(options.data ?? { train: options.train!, test: options.test ?? null }, { duplicates: options.duplicates, unknownUsers: options.unknownUsers });
  const { train } = splitDataset(ds, options.split, options.seed);
  return crossValidationObjective(train, (params) => createModel(options.model, params), { folds: options.folds, seed: options.seed });
}

/** Whether a registered model accepts `threads` (models that run threads themselves get one each: the trials are parallel). */
function acceptsThreads(name: string, fixed: Record<string, string>): boolean {
  return "threads" in modelSpec(name).params && !("threads" in fixed);
}

const fmt = (x: number | null | undefined, digits = 4) => (x === null || x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(digits));

export async function run(args: CliArgs): Promise<number> {
  const known = registeredModels().map((m) => m.name).join(", ");
  if (!args.model) throw new UsageError(`missing --model NAME (one of: ${known})`);
  if (!registeredModels().some((m) => m.name === args.model)) throw new UsageError(`unknown model '${args.model}' (one of: ${known})`);
  if (!args.grid.length) throw new UsageError("missing --grid name=v1,v2,… (repeat --grid for each parameter)");
  const folds = args.folds ?? 5;
  if (folds < 2) throw new UsageError(`--folds must be at least 2, got ${folds}`);
  const grid = parseGrid(args.grid);
  const fixed: Record<string, string> = { ...args.params };
  if (!("threads" in fixed) && acceptsThreads(args.model, fixed)) fixed.threads = "1";
  const space = spaceFromArgs(grid, fixed);
  const points = Object.values(grid).reduce((n, v) => n * v.length, 1);
  const strategyName = args.strategy ?? "grid";
  const trials = args.trials ?? Math.max(1, Math.ceil(points / 2));
  const maxEpochs = Number(fixed.epochs ?? 20);
  let strategy: SearchStrategy;
  if (strategyName === "grid") strategy = { kind: "grid" };
  else if (strategyName === "random") strategy = { kind: "random", trials, seed: args.seed };
  else if (strategyName === "halving") strategy = { kind: "halving", minEpochs: Math.max(1, Math.round(maxEpochs / 9)), eta: 3 };
  else throw new UsageError(`--strategy expects grid, random or halving, got '${strategyName}'`);
  const workers = args.workers ?? Math.min(os.cpus().length, 8);

  // Load once here (errors name the file and line), and for the final test; the workers load their own copy.
  const ds = loadFromArgs(args);
  const { train, test, spec } = splitDataset(ds, args.split, args.seed);
  const source = args.data ? { data: path.resolve(args.data) } : { train: path.resolve(args.train!), test: args.test ? path.resolve(args.test) : undefined };
  const objective: CliObjectiveOptions = { ...source, split: spec, seed: args.seed, folds, model: args.model, duplicates: args.duplicates, unknownUsers: args.unknownUsers };
  const config: StudyConfig = { space, strategy, folds, maxEpochs, objective: { ...objective, dataset: ds.name } };
  const digest = crypto.createHash("sha1").update(JSON.stringify(config)).digest("hex").slice(0, 10);
  const studyName = `${args.model} ${strategyName} ${digest}`;
  const temporary = !args.study;
  const studyFile = args.study ? path.resolve(args.study) : path.join(fs.mkdtempSync(path.join(os.tmpdir(), "litrec-tune-")), "study.db");
  if (!args.quiet && !args.json) {
    process.stderr.write(`tune ${args.model} on ${ds.name}: ${strategyName}, ${folds}-fold CV inside ${train.size.toLocaleString("en-US")} training ratings, ${workers} worker thread(s)\n`);
    for (const r of describeSpace(space)) process.stderr.write(`  ${r.role.padEnd(8)} ${r.name.padEnd(12)} ${r.grid}\n`);
    if (args.study) process.stderr.write(`  study "${studyName}" in ${studyFile}\n`);
  }

  const bar = new ProgressBar("tune", args.quiet || args.json);
  const started = performance.now();
  const here = __filename;
  let records: TrialRecord[];
  let foldsRun = 0;
  try {
    records = await runStudy(studyFile, studyName, config, {
      objective: { module: here, name: "cliObjective", options: objective },
      workers,
      onProgress: (e) => (foldsRun++, bar.update(e.done / e.total, `trial ${e.number} fold ${e.fold} ${e.state}${e.validation !== undefined ? ` ${e.validation.toFixed(4)}` : ""}`)),
    });
  } finally {
    bar.done();
  }
  const wall = (performance.now() - started) / 1000;
  const complete = records.filter((t) => t.state === "complete").sort((a, b) => a.value! - b.value!);
  if (!complete.length) {
    const failed = records.find((t) => t.state === "failed");
    throw new Error(`no trial completed${failed?.error ? `; first failure: ${failed.error.split("\n")[0]}` : ""}`);
  }

  // The test part, touched once: the best setting refitted on the whole training part.
  const best = complete[0];
  const model = createModel(args.model, best.params);
  await model.fit(train, { seed: args.seed });
  const testRmse = rmse(model.predict(test.users, test.items), test.values);

  const names = Object.keys(grid);
  const sd = (t: TrialRecord) => Math.sqrt(t.foldValues.reduce((s, v) => s + (v - t.value!) ** 2, 0) / Math.max(1, t.foldValues.length - 1));
  const counts = { complete: complete.length, pruned: records.filter((t) => t.state === "pruned").length, failed: records.filter((t) => t.state === "failed").length };
  if (args.json) {
    printJson({
      model: args.model, strategy: strategyName, folds, split: spec, seed: args.seed, study: temporary ? null : { file: studyFile, name: studyName },
      best: { params: Object.fromEntries(names.map((n) => [n, best.params[n]])), cv_rmse: best.value, cv_sd: sd(best), train_rmse: best.trainValue, test_rmse: testRmse },
      trials: records.map((t) => ({ number: t.number, params: Object.fromEntries(names.map((n) => [n, t.params[n]])), state: t.state, cv_rmse: t.value, fold_rmse: t.foldValues, train_rmse: t.trainValue, seconds: t.seconds })),
      counts, folds_run: foldsRun, seconds: { wall: +wall.toFixed(3) },
    });
  } else {
    const header = ["rank", ...names, "cv_rmse", "± sd", "train_rmse", "seconds"];
    const rows = complete.slice(0, 10).map((t, i) => [String(i + 1), ...names.map((n) => String(t.params[n])), fmt(t.value), fmt(sd(t)), fmt(t.trainValue), fmt(t.seconds, 1)]);
    const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
    const line = (cells: string[]) => cells.map((c, j) => (j === 0 || j > names.length ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join("  ");
    console.log(`best settings (${folds}-fold CV RMSE inside the training part; ${records.length} trials: ${counts.complete} complete, ${counts.pruned} pruned, ${counts.failed} failed; ${foldsRun} folds run now; ${wall.toFixed(1)} s)`);
    console.log(line(header));
    for (const r of rows) console.log(line(r));
    console.log(`\ntest RMSE of the best setting (${names.map((n) => `${n}=${best.params[n]}`).join(", ")}), refitted on all ${train.size.toLocaleString("en-US")} training ratings: ${testRmse.toFixed(4)} (${test.size.toLocaleString("en-US")} test ratings, split ${spec})`);
    if (!temporary) console.log(`study "${studyName}" kept in ${studyFile} (run the same command again to resume)`);
  }
  if (temporary) fs.rmSync(path.dirname(studyFile), { recursive: true, force: true });
  return 0;
}
