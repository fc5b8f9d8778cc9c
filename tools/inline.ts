/**
 * Inline expressions in markdown (Quarto's inline code, here `` `{ts} expr` ``): prose whose numbers come
 * from the run. `nbts run` evaluates each expression after the code cells above it, in the notebook's own
 * scope, and keeps the text in the markdown cell's metadata (`nbts.inline`: expression → text); the
 * renderer puts that text in place of the code span. Jupyter shows the span as written.
 */
import type { Cell } from "./notebook";
import { sourceText } from "./notebook";

/** `` `{ts} expr` `` — one backtick pair, the language tag, then the expression. */
const INLINE = /`\{ts\}\s+([^`]+?)\s*`/g;

/** The expressions of a markdown source, in order, each once. */
export function inlineExpressions(markdown: string): string[] {
  return [...new Set([...markdown.matchAll(INLINE)].map((m) => m[1]))];
}

/** How a value reads in prose: numbers with at most 4 significant decimals, arrays joined, objects as JSON. */
export function formatInline(value: unknown): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return String(value);
    if (Number.isInteger(value)) return value.toLocaleString("en-US");
    const abs = Math.abs(value);
    return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? value.toPrecision(3) : String(Number(value.toPrecision(4)));
  }
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(formatInline).join(", ");
  if (value === null || value === undefined || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return JSON.stringify(value);
}

/** What a markdown cell's last run computed for its expressions. */
export function inlineValues(cell: Cell): Record<string, string> {
  const v = (cell.metadata as any)?.nbts?.inline;
  return v && typeof v === "object" ? v : {};
}

/** Stores the computed texts in a markdown cell's metadata (or removes the key when there are none). */
export function setInlineValues(cell: Cell, values: Record<string, string>): void {
  const meta = cell.metadata as any;
  const nbts = { ...(meta.nbts ?? {}) };
  if (Object.keys(values).length) nbts.inline = values;
  else delete nbts.inline;
  if (Object.keys(nbts).length) meta.nbts = nbts;
  else delete meta.nbts;
}

/**
 * The markdown with each `` `{ts} expr` `` replaced by its computed text; `missing` receives the
 * expressions that have none (never run, or failed), which stay visible as `?expr`.
 */
export function substituteInline(markdown: string, values: Record<string, string>, missing: (expr: string) => void = () => {}): string {
  return markdown.replace(INLINE, (_all, expr: string) => {
    if (Object.prototype.hasOwnProperty.call(values, expr)) return escapeMarkdown(values[expr]);
    missing(expr);
    return `**?${expr.replace(/[*_`\\]/g, "\\$&")}**`;
  });
}

/** The text as literal markdown: characters markdown would read as syntax are escaped. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}\[\]<>#|$]/g, "\\$&");
}

/** The markdown sources of a notebook's cells whose text holds inline expressions (for freeze keys). */
export function inlineSources(cells: Cell[]): string[] {
  return cells.filter((c) => c.cell_type === "markdown" && inlineExpressions(sourceText(c.source)).length).map((c) => sourceText(c.source));
}
