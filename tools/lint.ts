/**
 * `nbts lint`: the cells a reader follows (issue 16, item 1).
 *
 * - a code cell holds at most 60 lines;
 * - an exported cell (`//| export`, `//| exporti`) defines at most one value (function, class, constant or enum);
 *   the types it takes or returns may sit beside it, and a cell of types alone describes one shape;
 * - prose comes before it: the cell above is markdown;
 * - an example that asserts comes after it: before the next exported cell, a cell calls `testEq`, `testClose` or
 *   `testFail` (the preface's check helpers, which `nbts test` fails on).
 */
import * as ts from "typescript";
import { sourceText, Cell } from "./notebook";

export const MAX_LINES = 60;
const EXPORTED = /^\/\/\|\s*exporti?\b/m;
const ASSERTS = /\btest(Eq|Close|Fail)\(/;

/** The values (functions with a body, classes, variables, enums) a cell declares at top level, by name. */
export function declaredValues(source: string): string[] {
  const file = ts.createSourceFile("cell.ts", source, ts.ScriptTarget.Latest, true);
  const names: string[] = [];
  for (const s of file.statements) {
    if (ts.isFunctionDeclaration(s) && s.name && s.body) names.push(s.name.text);
    else if ((ts.isClassDeclaration(s) || ts.isEnumDeclaration(s)) && s.name) names.push(s.name.text);
    else if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) names.push(d.name.getText(file));
  }
  return [...new Set(names)];
}

/** Every breach of the rules above in one notebook's cells, as "cell id: what is wrong". */
export function cellBreaches(cells: Cell[]): string[] {
  const out: string[] = [];
  const code = cells.map((c, i) => ({ c, i, text: sourceText(c.source) })).filter((x) => x.c.cell_type === "code");
  code.forEach(({ c, i, text }, j) => {
    const where = `cell ${c.id ?? i}`;
    const lines = text.split("\n").length;
    if (lines > MAX_LINES) out.push(`${where}: ${lines} lines`);
    if (!EXPORTED.test(text)) return;
    const values = declaredValues(text);
    if (values.length > 1) out.push(`${where}: defines ${values.length} values (${values.join(", ")})`);
    if (cells[i - 1]?.cell_type !== "markdown") out.push(`${where}: no prose before it`);
    if (values.length === 0) return;
    const example = code.slice(j + 1).find((x) => EXPORTED.test(x.text) || ASSERTS.test(x.text));
    if (!example || EXPORTED.test(example.text)) out.push(`${where}: ${values[0]} has no asserting example after it`);
  });
  return out;
}
