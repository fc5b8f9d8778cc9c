/** `litrec recommend`: the top-N items a user has not rated, by a registered model fitted on all known ratings. */
import { mergeRatings, itemLabel } from "../../lib/data";
import { type CliArgs, loadFromArgs, printJson, ProgressBar, UsageError } from "./common";
import { modelFromArgs } from "./evaluate";

export const usage = "litrec recommend --data DIR --model NAME --user ID [--n 10] [--param k=v …] [--json]";

export async function run(args: CliArgs): Promise<number> {
  if (args.user === undefined) throw new UsageError("missing --user ID");
  const model = modelFromArgs(args);
  const ds = loadFromArgs(args);
  const userId = Number(args.user);
  const row = Number.isInteger(userId) ? ds.userIndex.get(userId) : undefined;
  if (row === undefined) throw new UsageError(`user ${args.user} is not in ${ds.name} (ids run ${ds.userIds[0]}..${ds.userIds[ds.userIds.length - 1]})`);
  const all = ds.test ? mergeRatings(ds.train, ds.test) : ds.train;
  const bar = new ProgressBar(`fit ${model.name}`, args.quiet);
  await model.fit(all, { seed: args.seed, onEpoch: (i) => bar.update(0, `epoch ${i.epoch}`) });
  bar.done();
  // Candidates: every item the user has not rated.
  const rated = new Uint8Array(all.nItems);
  for (let k = all.userPtr[row]; k < all.userPtr[row + 1]; k++) rated[all.userItems[k]] = 1;
  const candidates: number[] = [];
  for (let i = 0; i < all.nItems; i++) if (!rated[i]) candidates.push(i);
  const items = Int32Array.from(candidates);
  // Rank by a model's own ranking score where it has one (factor models: unclipped), else by its prediction.
  const ranker = model as typeof model & { score?: (users: Int32Array, items: Int32Array) => Float32Array };
  const scores = (ranker.score ?? ranker.predict).call(model, new Int32Array(items.length).fill(row), items);
  const order = Array.from(items.keys()).sort((a, b) => scores[b] - scores[a] || items[a] - items[b]);
  const top = order.slice(0, args.n).map((k, rank) => {
    const id = ds.itemIds[items[k]];
    const t = ds.titles?.get(id);
    return { rank: rank + 1, item: id, title: t?.title ?? null, year: t?.year ?? null, score: +scores[k].toFixed(4) };
  });
  if (args.json) printJson({ model: args.model, params: args.params, user: userId, rated: all.userPtr[row + 1] - all.userPtr[row], items: top });
  else {
    console.log(`top ${top.length} for user ${userId} (${all.userPtr[row + 1] - all.userPtr[row]} ratings) by ${args.model}:`);
    for (const t of top) console.log(`${String(t.rank).padStart(3)}. ${t.score.toFixed(3)}  ${itemLabel(ds, items[order[t.rank - 1]])}  [${t.item}]`);
  }
  return 0;
}
