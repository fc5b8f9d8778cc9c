/** `litrec info --data DIR [--json]`: counts, density and the rating histogram of a dataset. */
import { datasetSummary } from "../../lib/summary";
import { type CliArgs, loadFromArgs, printJson, fmtInt } from "./common";

export const usage = "litrec info --data DIR | --train FILE [--test FILE]  [--json]";

export async function run(args: CliArgs): Promise<number> {
  const t0 = performance.now();
  const ds = loadFromArgs(args);
  const seconds = (performance.now() - t0) / 1000;
  const s = datasetSummary(ds);
  if (args.json) {
    printJson({ ...s, seconds: { load: +seconds.toFixed(3) } });
    return 0;
  }
  const lines: string[] = [];
  lines.push(`dataset   ${s.name} (${s.format})`);
  lines.push(`users     ${fmtInt(s.users)}`);
  lines.push(`items     ${fmtInt(s.items)}`);
  lines.push(`train     ${fmtInt(s.train)}`);
  lines.push(`test      ${s.test === null ? "— (no given test file; evaluate splits with --split random:0.2)" : fmtInt(s.test)}`);
  lines.push(`density   ${(s.density * 100).toFixed(3)}% of the ${fmtInt(s.users)} × ${fmtInt(s.items)} matrix is known`);
  lines.push(`mean      ${s.mean.toFixed(3)}`);
  if (s.dateRange) lines.push(`dates     ${s.dateRange[0]} .. ${s.dateRange[1]}`);
  lines.push(`titles    ${s.titles === null ? "none" : fmtInt(s.titles)}`);
  lines.push("ratings   histogram (train + test)");
  const max = Math.max(...s.histogram.map((h) => h.count));
  for (const h of s.histogram)
    lines.push(`  ${String(h.rating).padStart(4)}  ${fmtInt(h.count).padStart(11)}  ${(h.fraction * 100).toFixed(1).padStart(5)}%  ${"█".repeat(Math.round((h.count / max) * 40))}`);
  if (s.notes.length) {
    lines.push("notes");
    for (const n of s.notes) lines.push(`  - ${n}`);
  }
  console.log(lines.join("\n"));
  return 0;
}
