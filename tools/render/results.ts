/**
 * Headline results of a chapter, for the report's index page and the table `npm start` prints.
 *
 * Convention: a code cell tagged `//| label: results` prints one JSON array on stdout, one object per
 * model, e.g.
 *
 *     //| label: results
 *     console.log(JSON.stringify([{ model: "user-CF (cosine)", name: "usercf", rmse: 0.9573, mae: 0.7393, seconds: 0.2 }]));
 *
 * Fields:
 * - `model` (string, required): the label a reader sees.
 * - `name`: the model's registry name (`litrec evaluate --model NAME`); with `params` (the settings that differ
 *   from the registry's defaults, an object) it is the model's identity across chapters. A row without `name`
 *   is identified by its label.
 * - `split`, `seed`: the protocol the test numbers were measured under. A row without them was measured under the
 *   book's protocol (`HEADLINE_PROTOCOL`, the preface's "How every chapter measures").
 * - `rmse`, `mae` (test errors), `cvRmse` (5-fold cross-validated RMSE on the training part), `cvNote` (how the
 *   CV fits differ from the test fit, e.g. fewer epochs), `seconds`: numbers (the note a string).
 * - anything else (`peakRssMB`, …) is shown as a note.
 *
 * The renderer draws that cell's output as a table instead of the raw JSON. An `application/json` display output
 * is accepted too.
 *
 * The index page's table has one row per model (`mergeResults`): rows of the book's protocol with the same identity
 * are merged field by field, and the chapter that reports the model first (in book order, the one that introduces
 * it) wins where two give a value; the others fill the fields it lacks (chapter 5's CV column, memory). Two chapters
 * whose test RMSE for one model under one protocol differ by more than the rounding (`RMSE_TOLERANCE`) are a
 * conflict: the page shows a warning above the table, the row's notes say `disagreement=…`, and the render lists
 * it among its warnings. Rows measured
 * under another protocol (chapter 8's per-user holdout) go into a second table that names their protocol.
 */
import { Cell, Notebook, sourceText } from "../notebook";
import { parseDirectives } from "../directives";
import { escapeHtml } from "./markdown";

export interface ResultRow {
  model: string;
  name?: string;
  params?: unknown;
  split?: string;
  seed?: number;
  rmse?: number;
  mae?: number;
  cvRmse?: number;
  cvNote?: string;
  seconds?: number;
  [key: string]: unknown;
}

/** The label that marks a results cell. */
export const RESULTS_LABEL = "results";

/** The protocol of the headline table (00_index, "How every chapter measures"): `splitDataset(ds, "random:0.2", 0)`. */
export const HEADLINE_PROTOCOL = { split: "random:0.2", seed: 0 } as const;

/** Two test RMSEs of one model and protocol printed to 4 decimals agree when they differ by at most this. */
export const RMSE_TOLERANCE = 1e-4;

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

/** The protocol a row was measured under, as text: `random:0.2, seed 0`. */
export function protocolOf(row: ResultRow): string {
  return `${row.split ?? HEADLINE_PROTOCOL.split}, seed ${row.seed ?? HEADLINE_PROTOCOL.seed}`;
}

/** Whether a row was measured under the headline protocol. */
export function isHeadline(row: ResultRow): boolean {
  return protocolOf(row) === protocolOf({ model: "" });
}

/** A value as canonical JSON (object keys sorted), so `{k, lambda}` and `{lambda, k}` are one identity. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as any)[k])}`).join(",")}}`;
  return JSON.stringify(v) ?? "null";
}

/** A model's identity across chapters: its registry name and non-default params, or else its label. */
export function modelKey(row: ResultRow): string {
  if (typeof row.name !== "string" || !row.name) return row.model; // chapter 2's labels are registry names already
  const params = row.params && typeof row.params === "object" && Object.keys(row.params).length ? row.params : undefined;
  return params ? `${row.name} ${canonical(params)}` : row.name;
}

/** Where a row came from: the chapter's title and, in the report, its page. */
export interface RowSource {
  title: string;
  href?: string;
}

/** One row of the merged table: the merged fields, and every chapter that reported the model. */
export type MergedRow = ResultRow & { chapters: RowSource[] };

export interface MergedResults {
  /** One row per model under the headline protocol, in the order models first appear in the book. */
  headline: MergedRow[];
  /** Rows measured under another protocol, one per model and protocol, with `protocol` set. */
  other: (MergedRow & { protocol: string })[];
  /** Two chapters reporting one model under one protocol with different test RMSE, one sentence each. */
  conflicts: string[];
}

/** Fields that identify a row or say where it came from; they are not merged as values. */
const IDENTITY_FIELDS = ["model", "name", "params", "split", "seed", "chapter", "source", "chapters", "protocol"];

/**
 * One row per model and protocol (see the module's comment): the first chapter in book order wins, later chapters
 * fill the fields it lacks, and different test RMSEs beyond `RMSE_TOLERANCE` are reported as conflicts.
 */
export function mergeResults(rows: (ResultRow & { chapter: string; source?: { href: string; title: string } })[]): MergedResults {
  const groups = new Map<string, { row: MergedRow; protocol: string; rmseBy: { chapter: string; rmse: number }[] }>();
  const conflicts: string[] = [];
  for (const r of rows) {
    const protocol = protocolOf(r);
    const key = `${protocol} | ${modelKey(r)}`;
    const from: RowSource = r.source ? { title: r.source.title, href: r.source.href } : { title: r.chapter };
    let g = groups.get(key);
    if (!g) {
      const { chapter, source, ...fields } = r;
      g = { row: { ...fields, chapters: [from] }, protocol, rmseBy: [] };
      groups.set(key, g);
    } else {
      if (!g.row.chapters.some((c) => c.title === from.title)) g.row.chapters.push(from);
      for (const [k, v] of Object.entries(r)) if (!IDENTITY_FIELDS.includes(k) && g.row[k] === undefined && v !== undefined) g.row[k] = v;
    }
    if (typeof r.rmse === "number" && Number.isFinite(r.rmse)) {
      const clash = g.rmseBy.find((x) => Math.abs(x.rmse - r.rmse!) > RMSE_TOLERANCE + 1e-9);
      if (clash) {
        g.row.disagreement = `test RMSE ${clash.rmse} (${clash.chapter}) vs ${r.rmse} (${r.chapter})`;
        conflicts.push(`${r.name ?? r.model} under ${protocol}: test RMSE ${clash.rmse} in "${clash.chapter}" but ${r.rmse} in "${r.chapter}" (one model, one protocol: the numbers must agree)`);
      }
      g.rmseBy.push({ chapter: r.chapter, rmse: r.rmse });
    }
  }
  const all = [...groups.values()];
  return {
    headline: all.filter((g) => g.protocol === protocolOf({ model: "" })).map((g) => g.row),
    other: all.filter((g) => g.protocol !== protocolOf({ model: "" })).map((g) => ({ ...g.row, protocol: g.protocol })),
    conflicts,
  };
}

/** Rows of the headline protocol that carry no 5-fold CV figure, by label (chapter 5 measures every model it lists). */
export function missingCv(merged: MergedResults): string[] {
  return merged.headline.filter((r) => typeof r.rmse === "number" && typeof r.cvRmse !== "number").map((r) => r.model);
}

const fmt = (v: unknown, digits: number) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "");

/** Ranking metrics that get their own column when some row has them (chapter 8); the others stay notes. */
const RANKING_COLUMNS = ["ndcg@10", "precision@10"];
const rankingColumns = (rows: ResultRow[]) => RANKING_COLUMNS.filter((c) => rows.some((r) => typeof r[c] === "number"));
const hasCv = (rows: ResultRow[]) => rows.some((r) => typeof r.cvRmse === "number");

/** Fields shown in a column of their own (or as the row's identity), not among the notes. */
const COLUMN_FIELDS = ["model", "name", "rmse", "mae", "cvRmse", "seconds", "split", "seed", "chapter", "source", "chapters"];

function extras(row: ResultRow, columns: string[] = []): string {
  return Object.entries(row)
    .filter(([k, v]) => !COLUMN_FIELDS.includes(k) && !columns.includes(k) && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(", ");
}

type HtmlRow = ResultRow & { source?: { href: string; title: string }; chapters?: RowSource[] };

/** The chapter cell of a row: a link to each chapter that reported it. */
function chaptersHtml(r: HtmlRow): string {
  const list = r.chapters ?? (r.source ? [r.source] : []);
  return list.map((c) => (c.href ? `<a href="${escapeHtml(c.href)}">${escapeHtml(c.title)}</a>` : escapeHtml(c.title))).join("<br>");
}

/**
 * An HTML table of result rows: a chapter's own rows, or the merged rows of the index page (`chapters` or
 * `source` add a column linking each row to its chapters). A CV column appears when some row has `cvRmse`.
 */
export function resultsTableHtml(rows: HtmlRow[]): string {
  const withSource = rows.some((r) => r.source || r.chapters);
  const ranking = rankingColumns(rows);
  const cv = hasCv(rows);
  const head =
    `<tr><th>model</th><th class="num">RMSE</th><th class="num">MAE</th>${cv ? `<th class="num">CV RMSE (5-fold)</th>` : ""}` +
    `${ranking.map((c) => `<th class="num">${escapeHtml(c)}</th>`).join("")}<th class="num">time (s)</th><th>notes</th>${withSource ? "<th>chapter</th>" : ""}</tr>`;
  const body = rows
    .map((row) => {
      const src = withSource ? `<td>${chaptersHtml(row)}</td>` : "";
      const cvCell = cv ? `<td class="num">${fmt(row.cvRmse, 4)}</td>` : "";
      return `<tr><td>${escapeHtml(row.model)}</td><td class="num">${fmt(row.rmse, 4)}</td><td class="num">${fmt(row.mae, 4)}</td>${cvCell}${ranking.map((c) => `<td class="num">${fmt(row[c], 4)}</td>`).join("")}<td class="num">${fmt(row.seconds, 1)}</td><td class="notes">${escapeHtml(extras(row, ranking))}</td>${src}</tr>`;
    })
    .join("\n");
  return `<table class="results"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

/** The index page's results section: the headline table, a warning per conflict, and the other protocols' table. */
export function mergedResultsHtml(merged: MergedResults): string {
  const parts: string[] = [];
  parts.push(
    `<p>One row per model, every test figure under the book's protocol (<code>splitDataset(ds, "${HEADLINE_PROTOCOL.split}", ${HEADLINE_PROTOCOL.seed})</code>); ` +
      `the CV column is 5-fold cross-validation on the training part. Where several chapters report a model, the first in book order gives the row and the others fill what it lacks.</p>`,
  );
  if (merged.conflicts.length)
    parts.push(
      `<div class="callout callout-warning"><p class="callout-title">Chapters disagree</p><ul>\n${merged.conflicts.map((c) => `<li>${escapeHtml(c)}</li>`).join("\n")}\n</ul></div>`,
    );
  parts.push(resultsTableHtml(merged.headline));
  if (merged.other.length) {
    const protocols = [...new Set(merged.other.map((r) => r.protocol))];
    parts.push(`<p>Measured under another protocol (${protocols.map((p) => `<code>${escapeHtml(p)}</code>`).join(", ")}), so not comparable with the rows above:</p>`);
    parts.push(resultsTableHtml(merged.other));
  }
  return parts.join("\n");
}

/** A plain-text table for the terminal: the merged headline rows (or any rows), with the chapters that reported each. */
export function resultsTableText(rows: (ResultRow & { chapter?: string; chapters?: RowSource[] })[]): string {
  const ranking = rankingColumns(rows);
  const cv = hasCv(rows);
  const header = ["model", "RMSE", "MAE", ...(cv ? ["CV RMSE"] : []), ...ranking, "time (s)", "chapter"];
  const lines = rows.map((r) => [
    r.model, fmt(r.rmse, 4), fmt(r.mae, 4), ...(cv ? [fmt(r.cvRmse, 4)] : []), ...ranking.map((c) => fmt(r[c], 4)), fmt(r.seconds, 1),
    r.chapters ? r.chapters.map((c) => c.title).join("; ") : r.chapter ?? "",
  ]);
  const numeric = 3 + (cv ? 1 : 0) + ranking.length;
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const pad = (cells: string[]) => cells.map((c, i) => (i >= 1 && i <= numeric ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [pad(header), widths.map((w) => "-".repeat(w)).join("  "), ...lines.map(pad)].join("\n");
}
