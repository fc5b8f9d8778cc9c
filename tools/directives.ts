/** Cell directives: the `//|` comment lines at the top of a code cell (nbdev and Quarto spelling). */

/** The directives of one cell: nbdev words (`export mf`) and Quarto options (`eval: false`). */
export interface Directives {
  /** nbdev-style words with their arguments, e.g. `export` → "mf", `slow` → "". */
  words: Map<string, string>;
  /** Quarto options `key: value`; "true"/"false" become booleans. */
  options: Map<string, string | boolean>;
  /** The source with the directive lines removed. */
  body: string;
  /** Where each directive was found (0-based line in the cell), for error messages. */
  lines: Map<string, number>;
}

const OPTION = /^\/\/\|\s*([A-Za-z][\w-]*)\s*:\s*(.*?)\s*$/;
const WORD = /^\/\/\|\s*([A-Za-z][\w-]*)\s*(.*?)\s*$/;

/** Reads the directive lines that open a cell (blank lines among them are allowed). */
export function parseDirectives(source: string): Directives {
  const words = new Map<string, string>();
  const options = new Map<string, string | boolean>();
  const lines = new Map<string, number>();
  const all = source.split("\n");
  let i = 0;
  for (; i < all.length; i++) {
    const line = all[i].trim();
    if (line === "") continue;
    if (!line.startsWith("//|")) break;
    const opt = OPTION.exec(line);
    if (opt) {
      const v = opt[2];
      options.set(opt[1], v === "true" ? true : v === "false" ? false : v.replace(/^"(.*)"$/, "$1"));
      lines.set(opt[1], i);
      continue;
    }
    const word = WORD.exec(line);
    if (word) {
      words.set(word[1], word[2]);
      lines.set(word[1], i);
    }
  }
  // Keep the body's own leading blank lines out, but nothing else.
  const body = all.slice(i).join("\n");
  return { words, options, body, lines };
}

/** What the toolchain does with a cell, derived from its directives. */
export interface CellPlan {
  /** Module this cell exports to, or null. */
  exportTo: string | null;
  /** Whether the cell's names are public, in the barrel (false for `exporti`: exported from its module only). */
  isPublic: boolean;
  /** The `default_exp` module this cell declares, or null. */
  defaultExp: string | null;
  /** Run by `nbts run`/`nbts test`. */
  evaluate: boolean;
  /** Skipped by `nbts test` only. */
  slow: boolean;
  /** Shown in the rendered report. */
  render: boolean;
}

/** Interprets directives: `defaultModule` is the notebook's `default_exp`. */
export function planCell(d: Directives, defaultModule: string | null): CellPlan {
  let exportTo: string | null = null;
  let isPublic = true;
  for (const w of ["export", "exporti"]) {
    if (d.words.has(w)) {
      exportTo = d.words.get(w) || defaultModule;
      isPublic = w === "export";
    }
  }
  return {
    exportTo,
    isPublic,
    defaultExp: d.words.has("default_exp") ? d.words.get("default_exp") || null : null,
    evaluate: d.options.get("eval") !== false,
    slow: d.words.has("slow") || d.options.get("slow") === true,
    render: !d.words.has("hide") && d.options.get("include") !== false,
  };
}
