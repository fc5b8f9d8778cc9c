/** `litrec evaluate`: fit a registered model on a split of a dataset and report RMSE, MAE and timings. */
import { rmse, mae, coldStartCounts, type FitOptions } from "../../lib/data";
import { rankingSplit, evaluateRanking, parseMetricList, metricValues } from "../../lib/ranking";
import { MODELS } from "../models";
import { type CliArgs, loadFromArgs, printJson, ProgressBar, UsageError, fmtInt } from "./common";

export const usage =
  "litrec evaluate --data DIR | --train FILE --test FILE  --model NAME [--param k=v …] [--split random:0.2|temporal:0.2|given|fold:1|user:0.25|loo] [--metrics ndcg@10,precision@10,recall@10,map@10] [--seed N] [--json]";

/** The registered model named by --model, built from --param pairs. */
export function modelFromArgs(args: CliArgs) {
  if (!args.model) throw new UsageError(`missing --model NAME (one of: ${Object.keys(MODELS).join(", ")})`);
  const entry = MODELS[args.model];
  if (!entry) throw new UsageError(`unknown model '${args.model}' (one of: ${Object.keys(MODELS).join(", ")})`);
  return entry.create(args.params);
}

/** The ranking metrics named by --metrics (the four of the benchmark when absent); a bad name is a usage error. */
function metricsFromArgs(text = "ndcg@10,precision@10,recall@10,map@10") {
  try {
    return parseMetricList(text);
  } catch (e: any) {
    throw new UsageError(e.message);
  }
}

export async function run(args: CliArgs): Promise<number> {
  const model = modelFromArgs(args); // fail on a bad --model before loading anything
  // Ranking metrics when asked for, and always for a ranking model (whose scores are not ratings).
  const isRanker = (model as { kind?: string }).kind === "ranking";
  const wanted = args.metrics || isRanker ? metricsFromArgs(args.metrics) : [];
  const t0 = performance.now();
  const ds = loadFromArgs(args);
  const { train, test, spec } = rankingSplit(ds, args.split, args.seed);
  const t1 = performance.now();
  const bar = new ProgressBar(`fit ${model.name}`, args.quiet);
  const fitOptions: FitOptions = {
    seed: args.seed,
    onEpoch: (info) => {
      const parts = [`epoch ${info.epoch}`];
      if (info.trainRmse !== undefined) parts.push(`train ${info.trainRmse.toFixed(4)}`);
      if (info.validRmse !== undefined) parts.push(`valid ${info.validRmse.toFixed(4)}`);
      if (info.loss !== undefined) parts.push(`loss ${info.loss.toPrecision(5)}`);
      bar.update(0, parts.join(" "));
    },
  };
  await model.fit(train, fitOptions);
  bar.done();
  const t2 = performance.now();
  const predicted = model.predict(test.users, test.items);
  const t3 = performance.now();
  const ranked = wanted.length ? await evaluateRanking(model, train, test, { ks: [...new Set(wanted.map((w) => w.k))], fitted: true }) : null;
  const metrics = ranked ? metricValues(ranked, wanted) : {};
  if (predicted.length !== test.size) throw new Error(`${model.name}: predict returned ${predicted.length} values for ${test.size} pairs`);
  let nPredicted = 0;
  for (let k = 0; k < predicted.length; k++) {
    if (Number.isFinite(predicted[k])) nPredicted++;
    else predicted[k] = train.globalMean; // a model bug must not turn the RMSE into NaN; it shows as n_predicted < n_test
  }
  const cold = coldStartCounts(train, test);
  const result = {
    model: args.model!,
    params: args.params,
    rmse: isRanker ? null : rmse(predicted, test.values),
    mae: isRanker ? null : mae(predicted, test.values),
    ...metrics,
    n_test: test.size,
    n_predicted: nPredicted,
    seconds: { load: +((t1 - t0) / 1000).toFixed(3), fit: +((t2 - t1) / 1000).toFixed(3), predict: +((t3 - t2) / 1000).toFixed(3), ...(ranked ? { rank: +ranked.seconds.rank.toFixed(3) } : {}) },
    dataset: ds.name,
    format: ds.format,
    split: spec,
    seed: args.seed,
    n_train: train.size,
    n_cold: cold.testRatings,
  };
  if (args.json) printJson(result);
  else {
    const p = Object.entries(args.params).map(([k, v]) => `${k}=${v}`).join(" ");
    console.log(`model      ${result.model}${p ? ` (${p})` : ""}`);
    console.log(`dataset    ${ds.name} (${ds.format}), split ${spec}${spec.startsWith("random") ? `, seed ${args.seed}` : ""}`);
    if (result.rmse !== null) console.log(`RMSE       ${result.rmse.toFixed(4)}`);
    if (result.mae !== null) console.log(`MAE        ${result.mae.toFixed(4)}`);
    for (const [name, value] of Object.entries(metrics)) console.log(`${name.padEnd(10)} ${value.toFixed(4)}`);
    console.log(`n_test     ${fmtInt(result.n_test)} (train ${fmtInt(train.size)}; ${fmtInt(cold.testRatings)} test ratings with a user or item unseen in training)`);
    console.log(`n_predicted ${fmtInt(result.n_predicted)}`);
    console.log(`seconds    load ${result.seconds.load}, fit ${result.seconds.fit}, predict ${result.seconds.predict}${ranked ? `, rank ${result.seconds.rank}` : ""}`);
  }
  return 0;
}
