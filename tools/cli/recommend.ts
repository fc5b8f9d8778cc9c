/** `litrec recommend`: the top-N items a user has not rated, by a registered model fitted on all known ratings, or by a saved model. */
import { mergeRatings } from "../../lib/ratings";
import { type Dataset } from "../../lib/loading";
import { loadModel, type Recommender } from "../../lib/model";
import { type CliArgs, loadFromArgs, printJson, ProgressBar, UsageError } from "./common";
import { fitOptionsFromArgs, modelFromArgs } from "./evaluate";

export const usage = "litrec recommend --data DIR | --train FILE [--test FILE]  --model NAME --user ID [--n 10] [--param k=v …] | --model-file MODEL_DIR --user ID [--data DIR for titles] [--json]";

export async function run(args: CliArgs): Promise<number> {
  if (args.user === undefined) throw new UsageError("missing --user ID");
  const file = args["model-file"];
  if (file && args.model) throw new UsageError("give either --model NAME or --model-file MODEL_DIR, not both");
  const userId = Number(args.user);
  let model: Recommender;
  let ds: Dataset | null = null;
  if (file) {
    model = loadModel(file);
    if (args.data || args.train) ds = loadFromArgs(args); // only for titles
  } else {
    model = modelFromArgs(args);
    ds = loadFromArgs(args);
    const all = ds.test ? mergeRatings(ds.train, ds.test) : ds.train;
    const bar = new ProgressBar(`fit ${model.name}`, args.quiet);
    await model.fit(all, fitOptionsFromArgs(args, ds, bar));
    bar.done();
  }
  const ids = model.index!;
  let row = -1;
  for (let r = 0; r < ids.userIds.length; r++) if (ids.userIds[r] === userId) row = r;
  if (row < 0) throw new UsageError(`user ${args.user} is not in the model's data (ids run ${ids.userIds[0]}..${ids.userIds[ids.userIds.length - 1]})`);
  const top = model.recommendIds(userId, args.n).map((r, k) => {
    const t = ds?.titles?.get(r.item);
    return { rank: k + 1, item: r.item, title: t?.title ?? null, year: t?.year ?? null, score: +r.score.toFixed(4) };
  });
  if (args.json) printJson({ model: model.name, params: file ? model.params : args.params, user: userId, items: top, ...(file ? { model_file: file } : {}) });
  else {
    console.log(`top ${top.length} for user ${userId} by ${model.name}${file ? ` (loaded from ${file})` : ""}:`);
    for (const t of top) console.log(`${String(t.rank).padStart(3)}. ${t.score.toFixed(3)}  ${t.title ? `${t.title}${t.year ? ` (${t.year})` : ""}` : `item ${t.item}`}  [${t.item}]`);
  }
  return 0;
}
