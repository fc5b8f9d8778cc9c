/**
 * Headline results of a chapter, for the report's index page and the table `npm start` prints.
 *
 * Convention: a code cell tagged `//| label: results` prints one JSON array on stdout, one object per
 * model, e.g.
 *
 *     //| label: results
 *     console.log(JSON.stringify([{ model: "UserCF (cosine)", rmse: 1.0184, mae: 0.81, seconds: 12.3 }]));
 *
 * Fields: `model` (string, required), `rmse`, `mae`, `seconds` (numbers), and anything else (`params`,
 * `dataset`, …) which is shown as a note. The renderer draws that cell's output as a table instead of the
 * raw JSON. An `application/json` display output is accepted too.
 */
import { Cell, Notebook, sourceText } from "../notebook";
import { parseDirectives } from "../directives";
import { escapeHtml } from "./markdown";

export interface ResultRow {
  model: string;
  rmse?: number;
  mae?: number;
  seconds?: number;
  [key: string]: unknown;
}

/** The label that marks a results cell. */
export const RESULTS_LABEL = "results";

export function isResultsCell(cell: Cell): boolean {
  if (cell.cell_type !== "code") return false;
  const label = parseDirectives(sourceText(cell.source)).options.get("label");
  return label === RESULTS_LABEL || label === `tbl-${RESULTS_LABEL}`;
}

function rowsFrom(value: unknown): ResultRow[] | null {
  const list = Array.isArray(value) ? value : value && typeof value === "object" && Array.isArray((value as any).results) ? (value as any).results : value && typeof value === "object" ? [value] : null;
  if (!list || !list.length) return null;
  if (!list.every((r: any) => r && typeof r === "object" && typeof r.model === "string")) return null;
  return list as ResultRow[];
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The result rows a results cell printed, or null when its outputs hold none. */
export function resultsFromCell(cell: Cell): ResultRow[] | null {
  for (const out of cell.outputs ?? []) {
    const json = out.data?.["application/json"];
    if (json !== undefined) {
      const rows = rowsFrom(typeof json === "string" ? tryJson(json) : json);
      if (rows) return rows;
    }
  }
  const stdout = (cell.outputs ?? [])
    .filter((o) => o.output_type === "stream" && o.name === "stdout")
    .map((o) => sourceText(o.text ?? ""))
    .join("");
  const whole = rowsFrom(tryJson(stdout.trim()));
  if (whole) return whole;
  const lines = stdout.split("\n").map((l) => l.trim()).filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    const rows = rowsFrom(tryJson(lines[i]));
    if (rows) return rows;
  }
  for (const out of cell.outputs ?? []) {
    const plain = out.data?.["text/plain"];
    if (plain !== undefined) {
      const text = sourceText(plain as string).trim().replace(/^'(.*)'$/s, "$1");
      const rows = rowsFrom(tryJson(text));
      if (rows) return rows;
    }
  }
  return null;
}

/** Every result row of a notebook, in cell order. */
export function resultsFromNotebook(nb: Notebook): ResultRow[] {
  return nb.cells.filter(isResultsCell).flatMap((c) => resultsFromCell(c) ?? []);
}

const fmt = (v: unknown, digits: number) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "");

/** Ranking metrics that get their own column when some row has them (chapter 8); the others stay notes. */
const RANKING_COLUMNS = ["ndcg@10", "precision@10"];
const rankingColumns = (rows: ResultRow[]) => RANKING_COLUMNS.filter((c) => rows.some((r) => typeof r[c] === "number"));

function extras(row: ResultRow, columns: string[] = []): string {
  return Object.entries(row)
    .filter(([k]) => !["model", "rmse", "mae", "seconds", ...columns].includes(k))
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(", ");
}

/** An HTML table of result rows; `source` adds a column linking each row to its chapter. */
export function resultsTableHtml(rows: (ResultRow & { source?: { href: string; title: string } })[]): string {
  const withSource = rows.some((r) => r.source);
  const ranking = rankingColumns(rows);
  const head = `<tr><th>model</th><th class="num">RMSE</th><th class="num">MAE</th>${ranking.map((c) => `<th class="num">${escapeHtml(c)}</th>`).join("")}<th class="num">time (s)</th><th>notes</th>${withSource ? "<th>chapter</th>" : ""}</tr>`;
  const body = rows
    .map((r) => {
      const { source, ...row } = r;
      const src = source ? `<td><a href="${escapeHtml(source.href)}">${escapeHtml(source.title)}</a></td>` : withSource ? "<td></td>" : "";
      return `<tr><td>${escapeHtml(row.model)}</td><td class="num">${fmt(row.rmse, 4)}</td><td class="num">${fmt(row.mae, 4)}</td>${ranking.map((c) => `<td class="num">${fmt(row[c], 4)}</td>`).join("")}<td class="num">${fmt(row.seconds, 1)}</td><td class="notes">${escapeHtml(extras(row, ranking))}</td>${src}</tr>`;
    })
    .join("\n");
  return `<table class="results"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

/** A plain-text table for the terminal. */
export function resultsTableText(rows: (ResultRow & { chapter?: string })[]): string {
  const ranking = rankingColumns(rows);
  const header = ["model", "RMSE", "MAE", ...ranking, "time (s)", "chapter"];
  const lines = rows.map((r) => [r.model, fmt(r.rmse, 4), fmt(r.mae, 4), ...ranking.map((c) => fmt(r[c], 4)), fmt(r.seconds, 1), r.chapter ?? ""]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const pad = (cells: string[]) => cells.map((c, i) => (i >= 1 && i <= 3 + ranking.length ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [pad(header), widths.map((w) => "-".repeat(w)).join("  "), ...lines.map(pad)].join("\n");
}
