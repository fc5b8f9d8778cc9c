/**
 * Data benchmark: parse time and peak memory of the 6.9-million-line THU-style netflix_train.txt
 * (synthetic, bench/netflix-synth.ts), then the full load (index, CSR/CSC, test file, titles).
 * Targets (issue 3): parse ≤ 3 s, peak RSS ≤ 1 GB.
 *
 *   npx tsx bench/data.bench.ts [--runs N] [--json]
 */
import * as os from "os";
import * as path from "path";
import { ensureNetflixLike } from "./netflix-synth";
import { parseRatingFile } from "../lib/data_parse";
import { loadDataset } from "../lib/loading";

function main() {
  const args = process.argv.slice(2);
  const runs = Number(args[args.indexOf("--runs") + 1]) || 3;
  const dir = ensureNetflixLike();
  const trainFile = path.join(dir, "netflix_train.txt");
  let peakRss = process.memoryUsage().rss;
  const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
  const timer = setInterval(sample, 20);

  const cpuSince = (from: NodeJS.CpuUsage) => {
    const c = process.cpuUsage(from);
    return (c.user + c.system) / 1e6;
  };
  const parseSeconds: number[] = [];
  const parseCpuSeconds: number[] = [];
  let lines = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const parsed = parseRatingFile(trainFile, { separator: "whitespace", minRating: 1, maxRating: 5, allowHeader: false }, sample);
    parseSeconds.push((performance.now() - t0) / 1000);
    parseCpuSeconds.push(cpuSince(c0));
    lines = parsed.columns.size;
    sample();
  }
  const parsePeak = peakRss;

  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const ds = loadDataset(dir, { onProgress: sample });
  const loadSeconds = (performance.now() - t1) / 1000;
  const loadCpuSeconds = cpuSince(c1);
  sample();
  clearInterval(timer);
  const best = Math.min(...parseSeconds);
  const result = {
    file: trainFile,
    ratings: lines,
    parseSeconds: parseSeconds.map((s) => +s.toFixed(3)),
    parseBestSeconds: +best.toFixed(3),
    parseLinesPerSecond: Math.round(lines / best),
    parseCpuSeconds: parseCpuSeconds.map((s) => +s.toFixed(3)),
    loadSeconds: +loadSeconds.toFixed(3),
    loadCpuSeconds: +loadCpuSeconds.toFixed(3),
    loadAverage: os.loadavg().map((x) => +x.toFixed(1)),
    train: ds.train.size,
    test: ds.test?.size ?? 0,
    users: ds.train.nUsers,
    items: ds.train.nItems,
    peakRssMB: Math.round(peakRss / 2 ** 20),
    peakRssAfterParseMB: Math.round(parsePeak / 2 ** 20),
    targets: { parseSeconds: 3, peakRssMB: 1024 },
  };
  if (args.includes("--json")) console.log(JSON.stringify(result));
  else {
    console.log(`data: parse ${lines.toLocaleString("en")} lines of netflix_train.txt: best ${best.toFixed(2)} s of ${runs} (${parseSeconds.map((s) => s.toFixed(2)).join(", ")}), ${(lines / best / 1e6).toFixed(1)} M lines/s  [target ≤ 3 s]`);
    console.log(`data: parse CPU seconds: ${parseCpuSeconds.map((s) => s.toFixed(2)).join(", ")} (wall depends on the machine's load; load average ${result.loadAverage.join(" ")})`);
    console.log(`data: full load (train + test + index + CSR/CSC + titles): ${loadSeconds.toFixed(2)} s (${loadCpuSeconds.toFixed(2)} CPU s); ${ds.train.nUsers} users × ${ds.train.nItems} items, train ${ds.train.size}, test ${ds.test?.size}`);
    console.log(`data: peak RSS ${result.peakRssMB} MB (after parsing only: ${result.peakRssAfterParseMB} MB)  [target ≤ 1024 MB]`);
  }
}

main();
