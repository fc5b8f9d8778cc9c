/** `litrec fit`: fit a registered model on the training part of a split and save it to a folder (see saveModel). */
import { splitDataset } from "../../lib/splits";
import { saveModel } from "../../lib/model";
import { type CliArgs, loadFromArgs, printJson, ProgressBar, UsageError } from "./common";
import { fitOptionsFromArgs, modelFromArgs } from "./evaluate";

export const usage = "litrec fit --data DIR | --train FILE [--test FILE]  --model NAME [--param k=v …] [--split …] [--seed N] --out MODEL_DIR [--json]";

export async function run(args: CliArgs): Promise<number> {
  if (!args.out) throw new UsageError("missing --out MODEL_DIR (the folder the fitted model is written to)");
  const model = modelFromArgs(args);
  const ds = loadFromArgs(args);
  const { train, spec } = splitDataset(ds, args.split, args.seed);
  const bar = new ProgressBar(`fit ${model.name}`, args.quiet);
  const t0 = performance.now();
  await model.fit(train, fitOptionsFromArgs(args, ds, bar));
  bar.done();
  const seconds = (performance.now() - t0) / 1000;
  saveModel(model, args.out);
  const result = { model: model.name, params: args.params, out: args.out, dataset: ds.name, split: spec, seed: args.seed, n_train: train.size, notes: model.notes, seconds: { fit: +seconds.toFixed(3) } };
  if (args.json) printJson(result);
  else {
    console.log(`fitted ${model.name} on ${train.size.toLocaleString("en-US")} ratings of ${ds.name} (split ${spec}) in ${seconds.toFixed(2)} s; saved to ${args.out}`);
    for (const note of model.notes) console.log(`note: ${note}`);
  }
  return 0;
}
