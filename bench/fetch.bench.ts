/**
 * Fetch benchmark: `fetchDataset` against a loopback HTTP server for a 100 MB archive (an ml-latest layout,
 * ratings.csv stored uncompressed, generated here, never committed): download + MD5 + unzip + atomic install,
 * then a download dropped at half way and resumed with a Range request. The server runs in this process,
 * so its work is counted in the times too.
 *
 *   npx tsx bench/fetch.bench.ts [--mb 100] [--json]
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { downloadFile, fetchDataset } from "../lib/datasets";
import { serveFixtures, zipFiles } from "../tests/fixtures/serve";

/** About `mb` megabytes of ml-latest ratings.csv lines. */
function ratingsCsv(mb: number): Buffer {
  const out = Buffer.alloc(mb * 1e6 + 64);
  let at = out.write("userId,movieId,rating,timestamp\n");
  for (let k = 0; at < mb * 1e6; k++) at += out.write(`${1 + (k % 162_541)},${1 + ((k * 7919) % 59_047)},${(1 + (k % 10)) / 2},${1_400_000_000 + k}\n`, at);
  return out.subarray(0, at);
}

async function main() {
  const args = process.argv.slice(2);
  const mb = Number(args[args.indexOf("--mb") + 1]) || 100;
  const t0 = performance.now();
  const archive = await zipFiles({ "ml-latest-small/ratings.csv": ratingsCsv(mb) }, true);
  const md5 = crypto.createHash("md5").update(archive).digest("hex");
  const buildSeconds = (performance.now() - t0) / 1000;
  const half = Math.floor(archive.length / 2);
  const server = await serveFixtures({
    "/ml-latest-small.zip": { body: archive, chunk: 1 << 20 },
    "/drop/ml-latest-small.zip": { body: archive, chunk: 1 << 20, dropAfter: half },
  });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-fetch-bench-"));
  try {
    // 1. The whole fetch, cold cache.
    const full = await fetchDataset("ml-latest-small", { dir: path.join(tmp, "a"), quiet: true, md5, urls: [`${server.base}/ml-latest-small.zip`] });
    // 2. Download alone (no unzip), to split the time.
    const d = await downloadFile(`${server.base}/ml-latest-small.zip`, path.join(tmp, "alone.zip"));
    // 3. Dropped at half way, then resumed.
    const opts = { dir: path.join(tmp, "b"), quiet: true, md5, urls: [`${server.base}/drop/ml-latest-small.zip`] };
    const t1 = performance.now();
    const dropped = await fetchDataset("ml-latest-small", opts).catch((e) => e.message as string);
    const droppedSeconds = (performance.now() - t1) / 1000;
    const resumed = await fetchDataset("ml-latest-small", opts);
    // 4. A cache hit.
    const hit = await fetchDataset("ml-latest-small", opts);
    const lib = path.join(__dirname, "..", "lib", "datasets.ts");
    const cli = path.join(__dirname, "..", "tools", "cli", "fetch.ts");
    const lines = (f: string) => fs.readFileSync(f, "utf8").split("\n").filter((l) => l.trim() !== "").length;
    const figures = {
      archive_mb: +(archive.length / 1e6).toFixed(1),
      build_fixture_s: +buildSeconds.toFixed(2),
      fetch_s: +full.seconds.toFixed(2),
      fetch_mb_per_s: +(archive.length / 1e6 / full.seconds).toFixed(1),
      download_only_s: +d.seconds.toFixed(2),
      download_mb_per_s: +(d.bytes / 1e6 / d.seconds).toFixed(1),
      dropped_after_mb: +(half / 1e6).toFixed(1),
      dropped_s: +droppedSeconds.toFixed(2),
      resumed_from_mb: +(resumed.resumedFrom / 1e6).toFixed(1),
      resumed_bytes_mb: +(resumed.bytes / 1e6).toFixed(1),
      resume_s: +resumed.seconds.toFixed(2),
      cache_hit_ms: +(hit.seconds * 1000).toFixed(2),
      code_lines: { "lib/datasets.ts": lines(lib), "tools/cli/fetch.ts": lines(cli) },
    };
    if (!(resumed.resumedFrom > 0 && resumed.resumedFrom <= half) || resumed.verified !== `md5 ${md5}` || !hit.cached) throw new Error(`resume went wrong: ${JSON.stringify({ resumed, dropped })}`);
    if (args.includes("--json")) console.log(JSON.stringify(figures));
    else {
      console.log(`fixture      ${figures.archive_mb} MB stored zip (ratings.csv), built in ${figures.build_fixture_s} s`);
      console.log(`fetch        ${figures.fetch_s} s = ${figures.fetch_mb_per_s} MB/s (download + md5 + unzip + rename)`);
      console.log(`download     ${figures.download_only_s} s = ${figures.download_mb_per_s} MB/s (download + md5 only)`);
      console.log(`drop         connection closed after ${figures.dropped_after_mb} MB (${figures.dropped_s} s): ${String(dropped).slice(0, 60)}…`);
      console.log(`resume       from ${figures.resumed_from_mb} MB, ${figures.resumed_bytes_mb} MB more, ${figures.resume_s} s (re-hash of the part + rest + unzip)`);
      console.log(`cache hit    ${figures.cache_hit_ms} ms`);
      console.log(`code         ${Object.entries(figures.code_lines).map(([f, n]) => `${f} ${n} lines`).join(", ")} (non-blank)`);
    }
  } finally {
    await server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
