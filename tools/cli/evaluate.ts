/** `litrec evaluate`: fit a registered model on a split of a dataset (or load a saved one) and report RMSE, MAE, ranking metrics and timings. */
import { rmse, mae } from "../../lib/metrics";
import { coldStartCounts, type Ratings } from "../../lib/ratings";
import { type Dataset } from "../../lib/loading";
import { rankingSplit, evaluateRanking, parseMetricList, metricValues } from "../../lib/ranking";
import { createModel, evaluate, loadModel, registeredModels, type FitOptions, type Recommender } from "../../lib/model";
import "../../lib/index"; // every chapter registers its models
import { type CliArgs, loadFromArgs, printJson, ProgressBar, UsageError, fmtInt } from "./common";

export const usage =
  "litrec evaluate --data DIR | --train FILE --test FILE  --model NAME [--param k=v …] | --model-file MODEL_DIR  [--split random:0.2|temporal:0.2|given|fold:1|user:0.25|loo] [--metrics ndcg@10,precision@10,recall@10,map@10] [--seed N] [--json]";

/** The ranking metrics named by --metrics (the four of the benchmark when absent); a bad name is a usage error. */
function metricsFromArgs(text = "ndcg@10,precision@10,recall@10,map@10") {
  try {
    return parseMetricList(text);
  } catch (e: any) {
    throw new UsageError(e.message);
  }
}

/** The registered model named by --model, built from --param pairs (bad names and values are usage errors). */
export function modelFromArgs(args: CliArgs): Recommender {
  const known = registeredModels().map((m) => m.name).join(", ");
  if (!args.model) throw new UsageError(`missing --model NAME (one of: ${known})`);
  try {
    return createModel(args.model, args.params);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The fit options of the CLI: the seed, the dataset's ids, and epochs shown on the progress bar. */
export function fitOptionsFromArgs(args: CliArgs, ds: Dataset, bar: ProgressBar): FitOptions {
  return {
    seed: args.seed,
    index: ds,
    onEpoch: (info) => {
      const parts = [`epoch ${info.epoch}`];
      if (info.trainRmse !== undefined) parts.push(`train ${info.trainRmse.toFixed(4)}`);
      if (info.validRmse !== undefined) parts.push(`valid ${info.validRmse.toFixed(4)}`);
      if (info.loss !== undefined) parts.push(`loss ${info.loss.toPrecision(5)}`);
      bar.update(0, parts.join(" "));
    },
  };
}

/** A saved model's predictions for a test set of another load of the data: through the ids, as the model indexed them. */
function predictByIds(model: Recommender, ds: Dataset, test: Ratings) {
  const users = Array.from(test.users, (u) => ds.userIds[u]), items = Array.from(test.items, (i) => ds.itemIds[i]);
  const t0 = performance.now();
  const predictions = model.predictIds(users, items);
  return { predictions, seconds: (performance.now() - t0) / 1000 };
}

export async function run(args: CliArgs): Promise<number> {
  const file = args["model-file"];
  if (file && args.model) throw new UsageError("give either --model NAME or --model-file MODEL_DIR, not both");
  let model = file ? null : modelFromArgs(args); // fail on a bad --model before loading anything
  if (args.metrics) metricsFromArgs(args.metrics); // and on bad --metrics
  const t0 = performance.now();
  const ds = loadFromArgs(args);
  const { train, test, spec } = rankingSplit(ds, args.split, args.seed);
  const t1 = performance.now();
  let figures: { rmse: number; mae: number; fallbacks: number; notes: string[]; fit: number; predict: number };
  if (model) {
    const bar = new ProgressBar(`fit ${model.name}`, args.quiet);
    const e = await evaluate(model, train, test, fitOptionsFromArgs(args, ds, bar));
    bar.done();
    figures = { rmse: e.rmse, mae: e.mae, fallbacks: e.fallbacks, notes: e.notes, fit: e.seconds.fit, predict: e.seconds.predict };
  } else {
    model = loadModel(file!);
    const { predictions, seconds } = predictByIds(model, ds, test);
    figures = { rmse: rmse(predictions, test.values), mae: mae(predictions, test.values), fallbacks: predictions.fallbacks, notes: model.notes, fit: 0, predict: seconds };
  }
  // Ranking metrics when asked for, and always for a ranking model (whose scores are not ratings).
  const isRanker = (model as { kind?: string }).kind === "ranking";
  const wanted = args.metrics || isRanker ? metricsFromArgs(args.metrics) : [];
  const ranked = wanted.length ? await evaluateRanking(model, train, test, { ks: [...new Set(wanted.map((w) => w.k))], fitted: true }) : null;
  const metrics = ranked ? metricValues(ranked, wanted) : {};
  const cold = coldStartCounts(train, test).testRatings;
  const result = {
    model: model.name,
    params: file ? model.params : args.params,
    rmse: isRanker ? null : figures.rmse,
    mae: isRanker ? null : figures.mae,
    ...metrics,
    n_test: test.size,
    n_predicted: test.size - figures.fallbacks,
    fallbacks: figures.fallbacks,
    notes: figures.notes,
    seconds: { load: +((t1 - t0) / 1000).toFixed(3), fit: +figures.fit.toFixed(3), predict: +figures.predict.toFixed(3), ...(ranked ? { rank: +ranked.seconds.rank.toFixed(3) } : {}) },
    dataset: ds.name,
    format: ds.format,
    split: spec,
    seed: args.seed,
    n_train: train.size,
    n_cold: cold,
    ...(file ? { model_file: file } : {}),
  };
  if (args.json) printJson(result);
  else {
    const p = file ? `loaded from ${file}` : Object.entries(args.params).map(([k, v]) => `${k}=${v}`).join(" ");
    console.log(`model      ${result.model}${p ? ` (${p})` : ""}`);
    console.log(`dataset    ${ds.name} (${ds.format}), split ${spec}${spec.startsWith("random") ? `, seed ${args.seed}` : ""}`);
    if (result.rmse !== null) console.log(`RMSE       ${result.rmse.toFixed(4)}`);
    if (result.mae !== null) console.log(`MAE        ${result.mae.toFixed(4)}`);
    for (const [name, value] of Object.entries(metrics)) console.log(`${name.padEnd(10)} ${value.toFixed(4)}`);
    console.log(`n_test     ${fmtInt(result.n_test)} (train ${fmtInt(train.size)}; ${fmtInt(cold)} test ratings with a user or item unseen in training)`);
    console.log(`n_predicted ${fmtInt(result.n_predicted)} (${fmtInt(result.fallbacks)} answered by the fallback)`);
    for (const note of result.notes) console.log(`note       ${note}`);
    console.log(`seconds    load ${result.seconds.load}, fit ${result.seconds.fit}, predict ${result.seconds.predict}${ranked ? `, rank ${ranked.seconds.rank.toFixed(3)}` : ""}`);
  }
  return 0;
}
