/** `litrec fetch NAME [--dir DIR] [--url URL …]`: download, verify and unpack a public rating set into the cache. */
import { DATASETS, fetchDataset } from "../../lib/datasets";
import { type CliArgs, UsageError } from "./common";

export const usage = `litrec fetch NAME [--dir DIR] [--url URL …] [--quiet]   NAME: ${Object.keys(DATASETS).join(", ")}`;

export async function run(args: CliArgs): Promise<number> {
  const name = args.positional[0];
  if (!name) throw new UsageError(`fetch needs a dataset name: ${Object.keys(DATASETS).join(", ")}`);
  if (args.positional.length > 1) throw new UsageError(`fetch takes one dataset name, got ${args.positional.join(" ")}`);
  const r = await fetchDataset(name, { dir: args.dir, urls: args.url.length ? args.url : undefined, quiet: args.quiet });
  const use = `litrec info --data ${args.dir ? r.dir : name}`;
  if (r.cached) console.log(`${name}: already in the cache at ${r.dir} (cache hit, nothing downloaded); use it: ${use}`);
  else {
    const rate = r.seconds > 0 ? r.bytes / 1e6 / r.seconds : 0;
    const resumed = r.resumedFrom ? `, resumed after ${(r.resumedFrom / 1e6).toFixed(1)} MB` : "";
    console.log(`${name}: ${(r.bytes / 1e6).toFixed(1)} MB in ${r.seconds.toFixed(1)} s (${rate.toFixed(1)} MB/s${resumed}), ${r.verified}, installed at ${r.dir}; use it: ${use}`);
  }
  return 0;
}
