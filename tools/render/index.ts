/**
 * `nbts render`: `_quarto.yml` → `exported/` — an offline HTML site (index, one page per chapter, API
 * reference) and one PDF of the whole report through a headless Chromium. `--engine quarto` hands the
 * project to Quarto instead.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Cell, listNotebooks, Notebook, readNotebook, sourceText } from "../notebook";
import { parseDirectives, planCell } from "../directives";
import { readApi, ApiSymbol } from "./apidoc";
import { copyAssets } from "./assets";
import { Chapter, isInside, outputPath, readConfig, ReportConfig, safeName } from "./config";
import { CrossRef, escapeHtml, highlight, markdownText, PageEnv, renderMarkdown, TocEntry } from "./markdown";
import { renderOutputs } from "./outputs";
import { head, NavItem, pageHtml } from "./page";
import { findChromium, NO_BROWSER_HINT, printToPdf, which } from "./pdf";
import { isResultsCell, MergedResults, mergeResults, mergedResultsHtml, missingCv, ResultRow, resultsFromCell, resultsTableHtml } from "./results";
import { inlineValues, substituteInline } from "../inline";

export { ConfigError } from "./config";
export { findChromium } from "./pdf";

export interface RenderOptions {
  /** Project root (holds `_quarto.yml`); default: the current directory. */
  root?: string;
  /** The project file; default `<root>/_quarto.yml`. */
  config?: string;
  /** Write somewhere else than `<root>/exported` (tests render fixtures into a temp folder). Not settable from `_quarto.yml`. */
  outDir?: string;
  /** Generated library to document; default `<root>/lib`. */
  libDir?: string;
  /** `nbts` (built in, default) or `quarto` (delegates to `quarto render`). */
  engine?: "nbts" | "quarto" | string;
  /** Only this format (`html` or `pdf`); default: the formats `_quarto.yml` lists. */
  to?: "html" | "pdf" | string;
  /** Browser for the PDF; default: found with `findChromium()`; null: none (HTML only). */
  browser?: string | null;
  /** Progress lines; default: console.log. */
  log?: (line: string) => void;
}

export interface RenderResult {
  outDir: string;
  /** Written pages, relative to outDir (index.html first). */
  pages: string[];
  /** Absolute path of the PDF, or null when none was made. */
  pdf: string | null;
  /** Why there is no PDF (no browser, printing failed, not asked for). */
  pdfSkipped: string | null;
  warnings: string[];
  /** Result rows gathered from `//| label: results` cells, with the chapter each came from. */
  results: (ResultRow & { chapter: string })[];
  /** The index page's table: one row per model under the headline protocol, the other protocols, and conflicts. */
  table: MergedResults;
}

interface LoadedChapter {
  chapter: Chapter;
  number: number | null;
  title: string;
  titleLine: string | null;
  summary: string;
  cells: Cell[];
  trusted: boolean;
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/;

function prettyName(file: string): string {
  return path
    .basename(file, path.extname(file))
    .replace(/^\d+[_-]?/, "")
    .replace(/[_-]+/g, " ")
    .replace(/^\w/, (c) => c.toUpperCase()) || path.basename(file);
}

/** Reads a chapter's cells: a notebook's own, or a markdown file as one markdown cell. */
function loadChapter(chapter: Chapter, number: number | null): LoadedChapter {
  let cells: Cell[];
  let trusted = false;
  let metaTitle: string | null = null;
  if (chapter.source.endsWith(".ipynb")) {
    const nb: Notebook = readNotebook(chapter.source);
    cells = nb.cells;
    const meta = nb.metadata as Record<string, any>;
    trusted = meta.trusted === true || meta.litrec?.trusted === true;
    metaTitle = typeof meta.title === "string" ? meta.title : null;
  } else {
    let text = fs.readFileSync(chapter.source, "utf8");
    const fm = FRONT_MATTER.exec(text);
    if (fm) {
      text = text.slice(fm[0].length);
      const t = /^title:\s*["']?(.*?)["']?\s*$/m.exec(fm[1]);
      if (t) metaTitle = t[1];
      trusted = /^trusted:\s*true\s*$/m.test(fm[1]);
    }
    cells = [{ cell_type: "markdown", source: text, metadata: {}, id: "md" }];
  }
  // The title: the first level-1 heading of the first markdown cells, else metadata, else the file name.
  let title = metaTitle;
  let titleLine: string | null = null;
  let summary = "";
  for (const cell of cells) {
    if (cell.cell_type !== "markdown") continue;
    const text = sourceText(cell.source);
    if (!titleLine && !metaTitle) {
      const h1 = /^# +(.+?)\s*#*\s*$/m.exec(text);
      if (h1) {
        titleLine = h1[0];
        title = markdownText(h1[1]);
      }
    }
    if (!summary) {
      const para = text
        .split(/\n\s*\n/)
        .map((p) => p.trim())
        .find((p) => p && !p.startsWith("#") && !p.startsWith("$$") && !p.startsWith("```") && !p.startsWith("|") && !p.startsWith("<"));
      if (para) summary = firstSentences(para, 240);
    }
    if (summary && (title || titleLine)) break;
  }
  // "1 · Data", "Chapter 4 — Tuning": the report numbers chapters itself.
  if (title) title = title.replace(/^(?:chapter\s+\d+(?:\.\d+)*\s*(?:[·:.—–-]\s*)?|\d+(?:\.\d+)*\s*[·:.—–-]\s*)(?=\S)/i, "").trim() || title;
  return { chapter, number, title: title ?? prettyName(chapter.source), titleLine, summary, cells, trusted };
}

/** Where each cell's `fig-`/`tbl-` label points, numbered per chapter as Quarto numbers them ("Figure 2.1"). */
function collectCrossRefs(chapters: LoadedChapter[]): Map<string, CrossRef> {
  const refs = new Map<string, CrossRef>();
  for (const ch of chapters) {
    let fig = 0;
    let tbl = 0;
    for (const cell of ch.cells) {
      if (cell.cell_type !== "code") continue;
      const d = parseDirectives(sourceText(cell.source));
      const label = d.options.get("label");
      if (typeof label !== "string" || !planCell(d, null).render) continue;
      const prefix = ch.number !== null ? `${ch.number}.` : "";
      if (label.startsWith("fig-")) refs.set(label, { page: ch.chapter.page, id: label, name: `Figure ${prefix}${++fig}` });
      else if (label.startsWith("tbl-")) refs.set(label, { page: ch.chapter.page, id: label, name: `Table ${prefix}${++tbl}` });
    }
  }
  return refs;
}

/** Markdown `attachment:` images become data URLs (markdown-it keeps png/jpeg/gif/webp data URLs). */
function inlineAttachments(cell: Cell, text: string): string {
  const att = cell.attachments as Record<string, Record<string, string | string[]>> | undefined;
  if (!att) return text;
  return text.replace(/attachment:([^\s)"']+)/g, (all, name: string) => {
    const bundle = att[decodeURIComponent(name)];
    if (!bundle) return all;
    const mime = Object.keys(bundle).find((m) => /^image\/(png|jpeg|gif|webp)$/.test(m));
    return mime ? `data:${mime};base64,${sourceText(bundle[mime]).replace(/\s+/g, "")}` : all;
  });
}

/** Rows of a table output the PDF prints before it says how many more the HTML report has. */
export const PRINTED_TABLE_ROWS = 10;

/** A table output as the PDF prints it: past PRINTED_TABLE_ROWS + 5 body rows, the first PRINTED_TABLE_ROWS and a count of the rest. */
export function shortTables(html: string): string {
  return html.replace(/<tbody>([\s\S]*?)<\/tbody>/g, (all, body: string) => {
    const rows = body.match(/<tr[\s>][\s\S]*?<\/tr>/g) ?? [];
    if (rows.length <= PRINTED_TABLE_ROWS + 5) return all;
    const columns = (rows[0]!.match(/<t[dh][\s>]/g) ?? []).length || 1;
    return `<tbody>${rows.slice(0, PRINTED_TABLE_ROWS).join("")}<tr class="more-rows"><td colspan="${columns}">… ${rows.length - PRINTED_TABLE_ROWS} more rows in the HTML report.</td></tr></tbody>`;
  });
}

/** Whether a (not exported) code cell is an example that checks what it shows, with lib/check's testEq/testClose/testFail. */
export function isCheckingExample(code: string): boolean {
  return /\btest(Eq|Close|Fail)\(/.test(code);
}

/** Lines of an example cell the PDF prints before it leaves the rest to the HTML report. */
export const PRINTED_CODE_LINES = 6;

/** An example (not exported) cell as the PDF prints it: whole when short, else its first lines and a count of the rest. */
function printedExample(code: string, lines: number, pre: string): string {
  if (lines <= PRINTED_CODE_LINES + 2) return `<div class="cell-code">${pre}</div>`;
  const head = code.split("\n").slice(0, PRINTED_CODE_LINES).join("\n");
  return `<div class="cell-code"><pre><code class="hljs language-typescript">${highlight(head)}</code></pre></div>\n<p class="cell-meta folded-note">… ${lines - PRINTED_CODE_LINES} more lines of this cell in the HTML report.</p>`;
}

/** One searchable piece of a page: a markdown cell, or a code cell's source. */
export interface SearchEntry {
  page: string;
  id: string;
  chapter: string;
  section: string;
  text: string;
}

/** Hot loops live in modules named `…_engine` or `…_kernel` (the project's layout rule): their code folds by default. */
export function isEngine(module: string): boolean {
  return /_(engine|kernel)$/.test(module);
}

/** How a cell's code is shown: folded (true), folded but open ("show"), or plain (false). */
export function codeFold(d: ReturnType<typeof parseDirectives>, exportTo: string | null, project: boolean | "show"): boolean | "show" {
  const own = d.options.get("code-fold");
  if (own === true || own === false || own === "show") return own;
  if (exportTo && isEngine(exportTo)) return true;
  return project;
}

interface RenderedChapter {
  loaded: LoadedChapter;
  body: string;
  /** The body as the PDF prints it: folded (engine) code is left to the HTML report. */
  printBody: string;
  /** What the site search finds on this page: one entry per cell with text. */
  search: SearchEntry[];
  toc: TocEntry[];
  charts: boolean;
  results: ResultRow[];
}

class Renderer {
  readonly warnings: string[] = [];
  readonly written = new Set<string>();
  private readonly pageLinks = new Map<string, string>();
  private readonly apiByCell = new Map<string, ApiSymbol[]>();
  /** Module name → its source page in the report (`lib/ratings.html`), for the modules `lib/` holds. */
  readonly libPages = new Map<string, string>();

  constructor(
    readonly config: ReportConfig,
    readonly api: ApiSymbol[],
    readonly crossRefs: Map<string, CrossRef>,
    readonly log: (line: string) => void,
  ) {
    for (const ch of [...config.chapters, ...(config.indexSource ? [config.indexSource] : [])]) {
      this.pageLinks.set(ch.rel, ch.page);
      this.pageLinks.set(path.basename(ch.rel), ch.page);
    }
    for (const s of api) {
      if (!s.notebook || !s.cellId) continue;
      const key = `${s.notebook} ${s.cellId}`;
      this.apiByCell.set(key, [...(this.apiByCell.get(key) ?? []), s]);
    }
  }

  /** Writes a file inside the output folder (checked) and returns its href relative to the folder. */
  write = (rel: string, data: string | Buffer): string => {
    const target = outputPath(this.config.outDir, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, data);
    const href = path.relative(this.config.outDir, target).split(path.sep).join("/");
    this.written.add(href);
    return href;
  };

  warn = (message: string) => {
    this.warnings.push(message);
  };

  chapterHref(notebook: string, cellId?: string | null): string | null {
    const page = this.pageLinks.get(notebook) ?? this.pageLinks.get(path.basename(notebook));
    if (!page) return null;
    return cellId ? `${page}#cell-${cellId}` : page;
  }

  async renderChapter(ch: LoadedChapter): Promise<RenderedChapter> {
    const env = new PageEnv(ch.trusted, this.crossRefs, this.pageLinks, ch.chapter.page);
    const parts: string[] = [];
    const printParts: string[] = [];
    const search: SearchEntry[] = [];
    let section = ch.title;
    let defaultModule: string | null = null;
    let charts = false;
    const results: ResultRow[] = [];
    let titleRemoved = false;
    const stemBase = `figures/${safeName(path.basename(ch.chapter.page, ".html"))}`;
    for (let index = 0; index < ch.cells.length; index++) {
      const cell = ch.cells[index];
      const cellId = cell.id && /^[A-Za-z0-9_-]+$/.test(cell.id) ? cell.id : `${index + 1}`;
      if (cell.cell_type === "markdown") {
        let text = substituteInline(inlineAttachments(cell, sourceText(cell.source)), inlineValues(cell), (expr) =>
          this.warn(`${ch.chapter.rel} cell ${cell.id ?? index + 1}: \`{ts} ${expr}\` has no value: run the notebook (nbts run) so the prose gets its numbers`),
        );
        if (!titleRemoved && ch.titleLine && text.includes(ch.titleLine)) {
          text = text.replace(ch.titleLine, "");
          titleRemoved = true;
        }
        const html = renderMarkdown(text, env);
        if (html.trim()) {
          const block = `<div class="cell markdown" id="cell-${cellId}">\n${html}</div>`;
          parts.push(block);
          // Prose that introduces internal code goes where that code is printed: the HTML report, not the PDF.
          if (/^#{1,6} /m.test(text) || !this.introducesInternalCode(ch, index + 1, defaultModule)) printParts.push(block);
        }
        const heading = /^#{1,3} +(.+?)\s*#*\s*$/m.exec(text);
        if (heading) section = markdownText(heading[1]);
        const plain = markdownText(text);
        if (plain) search.push({ page: ch.chapter.page, id: `cell-${cellId}`, chapter: ch.title, section, text: plain });
        continue;
      }
      if (cell.cell_type !== "code") continue;
      const d = parseDirectives(sourceText(cell.source));
      const plan = planCell(d, defaultModule);
      if (plan.defaultExp) defaultModule = plan.defaultExp;
      if (!plan.render) continue;
      const echo = d.options.get("echo") !== false;
      const outputOption = d.options.get("output");
      const showOutputs = outputOption !== false && plan.evaluate;
      const label = d.options.get("label");
      const figCap = d.options.get("fig-cap");
      const tblCap = d.options.get("tbl-cap");
      const code = d.body.replace(/^(\s*\n)+/, "").trimEnd();
      const pieces: string[] = [];
      const printPieces: string[] = [];
      const fold = codeFold(d, plan.exportTo, this.config.codeFold);
      // An example that checks (testEq/testClose/testFail) is for the HTML report and the tests: the PDF keeps
      // only its figures and tables, so that it prints the story, the figures, the tables and the API's signatures.
      const checks = !plan.exportTo && isCheckingExample(code);
      if (echo && code) {
        const pre = `<pre><code class="hljs language-typescript">${highlight(code)}</code></pre>`;
        const lines = code.split("\n").length;
        if (fold) {
          const summary = String(d.options.get("code-summary") ?? (plan.exportTo && isEngine(plan.exportTo) ? `Engine code: lib/${plan.exportTo}.ts` : "Code"));
          pieces.push(`<details class="cell-code code-fold"${fold === "show" ? " open" : ""}><summary>${escapeHtml(summary)} <span class="lines">(${lines} lines)</span></summary>${pre}</details>`);
          printPieces.push(`<p class="cell-meta folded-note">${escapeHtml(summary)}: ${lines} lines of code, in the HTML report${plan.exportTo ? ` and in <code>lib/${escapeHtml(plan.exportTo)}.ts</code>` : ""}.</p>`);
        } else {
          pieces.push(`<div class="cell-code">${pre}</div>`);
          const printed = checks ? "" : plan.exportTo ? this.printedExport(ch.chapter.rel, cell.id, plan.exportTo, lines) : printedExample(code, lines, pre);
          if (printed) printPieces.push(printed);
        }
        search.push({ page: ch.chapter.page, id: `cell-${cellId}`, chapter: ch.title, section, text: code.replace(/\s+/g, " ").slice(0, 2000) });
      }
      const source = ch.chapter.rel.endsWith(".ipynb")
        ? `<a class="cell-source" href="${escapeHtml(ch.chapter.rel)}" title="a copy of the notebook this cell is in">${escapeHtml(path.basename(ch.chapter.rel))} · cell ${escapeHtml(cell.id ?? String(index + 1))}</a>`
        : "";
      const module = plan.exportTo && this.libPages.has(plan.exportTo) ? plan.exportTo : null;
      const moduleLink = module ? ` · <a href="${escapeHtml(this.libPages.get(module)!)}#cell-${escapeHtml(cell.id ?? "")}"><code>lib/${escapeHtml(module)}.ts</code></a>` : "";
      const documented = this.apiByCell.get(`${ch.chapter.rel} ${cell.id}`);
      if (documented?.length && (d.words.has("export") || d.words.has("exporti"))) {
        const links = documented.map((s) => `<a href="api.html#${escapeHtml(s.anchor)}"><code>${escapeHtml(s.name)}</code></a>`).join(", ");
        pieces.push(`<p class="cell-meta">${source}${moduleLink}: ${links}</p>`);
      } else if (echo && code && (source || moduleLink)) pieces.push(`<p class="cell-meta">${source}${moduleLink}</p>`);
      if (showOutputs && cell.outputs?.length) {
        const rows = isResultsCell(cell) ? resultsFromCell(cell) : null;
        let outHtml: string[];
        let printHtmls: string[] | null = null;
        let figureIndex = -1;
        if (rows) {
          results.push(...rows);
          outHtml = [resultsTableHtml(rows)];
        } else if (outputOption === "asis") {
          const stdout = cell.outputs
            .filter((o) => o.output_type === "stream" && o.name === "stdout")
            .map((o) => sourceText(o.text ?? ""))
            .join("");
          outHtml = [renderMarkdown(stdout, env)];
        } else {
          const rendered = await renderOutputs(cell.outputs, { env, writeAsset: this.write, figureStem: `${stemBase}-${cellId}`, warn: this.warn });
          charts ||= rendered.some((r) => r.chart);
          figureIndex = rendered.findIndex((r) => r.figure);
          outHtml = rendered.map((r) => r.html);
          const printed = rendered.map((r) => (checks && !r.figure && !r.chart && !/<table[\s>]/.test(r.html) ? "" : shortTables(r.print ?? r.html)));
          if (printed.some((h, k) => h !== outHtml[k])) printHtmls = printed;
        }
        const ref = typeof label === "string" ? this.crossRefs.get(label) : undefined;
        // Figure and table captions (and the ids cross-references land on), on the page and in print alike.
        const captioned = (html: string[]): string[] => {
          if (figureIndex >= 0 && (ref?.name.startsWith("Figure") || typeof figCap === "string")) {
            const name = ref?.name.startsWith("Figure") ? `${ref.name}` : "";
            const caption = [name, typeof figCap === "string" ? escapeHtml(figCap) : ""].filter(Boolean).join(": ");
            const id = ref ? ` id="${escapeHtml(ref.id)}"` : "";
            return html.map((h, k) => (k === figureIndex ? `<figure${id}>${h}<figcaption>${caption}</figcaption></figure>` : h));
          }
          if (ref?.name.startsWith("Table") || typeof tblCap === "string") {
            const caption = [ref?.name ?? "", typeof tblCap === "string" ? escapeHtml(tblCap) : ""].filter(Boolean).join(": ");
            return [`<div class="table-block"${ref ? ` id="${escapeHtml(ref.id)}"` : ""}><p class="caption">${caption}</p>${html.join("\n")}</div>`];
          }
          return html;
        };
        if (printHtmls) printHtmls = captioned(printHtmls);
        outHtml = captioned(outHtml);
        if (outHtml.some((h) => h)) {
          pieces.push(`<div class="cell-output">\n${outHtml.join("\n")}\n</div>`);
          const printedOut = (printHtmls ?? outHtml).filter((h) => h);
          if (printedOut.length) printPieces.push(`<div class="cell-output">\n${printedOut.join("\n")}\n</div>`);
        }
      }
      if (pieces.length) parts.push(`<div class="cell code" id="cell-${cellId}">\n${pieces.join("\n")}\n</div>`);
      if (printPieces.length) printParts.push(`<div class="cell code" id="cell-${cellId}">\n${printPieces.join("\n")}\n</div>`);
    }
    const number = ch.number !== null ? `<span class="chapter-number">${ch.number}</span>` : "";
    const heading = `<h1 class="title">${number}${escapeHtml(ch.title)}</h1>\n`;
    return { loaded: ch, body: heading + parts.join("\n"), printBody: heading + printParts.join("\n"), search, toc: env.toc, charts, results };
  }

  /** Whether cell `index` of a chapter is exported code outside the public API (the PDF prints no code for it). */
  introducesInternalCode(ch: LoadedChapter, index: number, defaultModule: string | null): boolean {
    const next = ch.cells[index];
    if (next?.cell_type !== "code") return false;
    const plan = planCell(parseDirectives(sourceText(next.source)), defaultModule);
    return !!plan.exportTo && !plan.defaultExp && !this.apiByCell.get(`${ch.chapter.rel} ${next.id}`)?.length;
  }

  /**
   * An exported cell as the PDF prints it: the signatures of what it exports (the API a reader uses),
   * the code itself being in the HTML report and in `lib/`.
   */
  printedExport(notebook: string, cellId: string | undefined, module: string, lines: number): string {
    const symbols = this.apiByCell.get(`${notebook} ${cellId}`) ?? [];
    // Internal code (exporti, or names outside the public API) is the HTML report's and lib/'s: the PDF prints the API.
    if (!symbols.length) return "";
    // Each signature under the first sentence of its doc comment, as a reader of a d.ts file sees it.
    // Members' own doc comments stay in the HTML report (their trailing `// …` notes are kept).
    const bare = (sig: string) => sig.replace(/^\s*\/\*\*[\s\S]*?\*\/[ \t]*\n/gm, "").replace(/^\s*\/\/.*\n/gm, "");
    const sigs = symbols.map((x) => (x.doc ? `/** ${firstSentences(x.doc.split(/\n\s*\n/)[0], 160)} */\n` : "") + bare(x.signature)).join("\n");
    return `<div class="cell-code signatures" title="signatures; ${lines} lines of code in the HTML report and in lib/${escapeHtml(module)}.ts"><pre><code class="hljs language-typescript">${highlight(sigs)}</code></pre></div>`;
  }

  apiBody(): { body: string; toc: PageEnv["toc"] } {
    const env = new PageEnv(false, this.crossRefs, this.pageLinks, "api.html");
    const toc: PageEnv["toc"] = [];
    const parts: string[] = [`<h1 class="title">API reference</h1>`];
    if (!this.api.length) {
      parts.push("<p>No library modules yet: <code>lib/</code> is generated by <code>nbts export</code> from the cells tagged <code>//| export</code>.</p>");
      return { body: parts.join("\n"), toc };
    }
    parts.push(`<p>Every symbol exported by the library (<code>lib/</code>, generated from the notebooks), with the chapter and cell that define it.</p>`);
    const modules = [...new Set(this.api.map((s) => s.module))];
    for (const mod of modules) {
      const id = `module-${mod}`;
      toc.push({ level: 2, id, text: mod });
      parts.push(`<h2 id="${escapeHtml(id)}"><code>${escapeHtml(mod)}</code></h2>`);
      const nbs = [...new Set(this.api.filter((s) => s.module === mod && s.notebook).map((s) => s.notebook!))];
      if (nbs.length) {
        const links = nbs.map((n) => {
          const href = this.chapterHref(n);
          return href ? `<a href="${escapeHtml(href)}">${escapeHtml(n)}</a>` : `<code>${escapeHtml(n)}</code>`;
        });
        parts.push(`<p><code>lib/${escapeHtml(mod)}.ts</code>, generated from ${links.join(", ")}.</p>`);
      }
      for (const s of this.api.filter((x) => x.module === mod)) {
        const href = s.notebook ? this.chapterHref(s.notebook, s.cellId) : null;
        const defined = href
          ? `Defined in <a href="${escapeHtml(href)}">${escapeHtml(s.notebook!)}, cell ${escapeHtml(s.cellId ?? "")}</a> · <code>${escapeHtml(s.location)}</code>`
          : `<code>${escapeHtml(s.location)}</code>${s.notebook ? ` (from ${escapeHtml(s.notebook)}, not in the report)` : ""}`;
        const doc = s.doc ? renderMarkdown(s.doc, env) : `<p class="undocumented">No doc comment.</p>`;
        const tags = s.tags.length
          ? `<dl class="tags">${s.tags.map(([t, text]) => `<dt>@${escapeHtml(t)}</dt><dd>${renderMarkdown(text, env)}</dd>`).join("")}</dl>`
          : "";
        parts.push(
          `<section class="api-symbol" id="${escapeHtml(s.anchor)}">\n<h3><code>${escapeHtml(s.name)}</code><span class="kind">${escapeHtml(s.kind)}</span></h3>\n` +
            `<pre class="code"><code class="hljs language-typescript">${highlight(s.signature)}</code></pre>\n${doc}\n${tags}\n<p class="defined-in">${defined}</p>\n</section>`,
        );
      }
    }
    return { body: parts.join("\n"), toc };
  }
}

/**
 * The PDF's API chapter: each module with the names it exports. Signatures stand next to the cells that
 * define them; the documentation of each is the HTML report's api.html.
 */
function apiIndexBody(api: ApiSymbol[]): string {
  const modules = [...new Set(api.map((s) => s.module))];
  const rows = modules.map((m) => `<tr><td><code>lib/${escapeHtml(m)}.ts</code></td><td>${api.filter((s) => s.module === m).map((s) => `<code>${escapeHtml(s.name)}</code>`).join(", ")}</td></tr>`);
  return `<h1 class="title">API index</h1>\n<p>What each module of the library exports. Each signature is printed next to the cell that defines it; the documented reference is <code>api.html</code> in the HTML report.</p>\n<table class="api-index"><thead><tr><th>module</th><th>exports</th></tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table>`;
}

/**
 * The sources the pages link to: a copy of each chapter's notebook (as Quarto's notebook links), and each
 * generated module of `lib/` as a highlighted page with an anchor where each cell's code starts.
 */
function writeSources(renderer: Renderer, config: ReportConfig, libDir: string): void {
  for (const ch of config.chapters) if (ch.rel.endsWith(".ipynb")) renderer.write(ch.rel, fs.readFileSync(ch.source));
  if (!fs.existsSync(libDir)) return;
  for (const file of fs.readdirSync(libDir).sort()) {
    if (!file.endsWith(".ts") || file === "index.ts") continue;
    const module = file.slice(0, -3);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(module)) continue;
    const text = fs.readFileSync(path.join(libDir, file), "utf8");
    // One highlighted block per cell, each opened by an anchor on the exporter's marker line.
    const chunks = text.split(/^(?=\/\/ %% \S+ cell \S+ \(#\d+\)$)/m);
    const blocks = chunks.map((chunk) => {
      const m = /^\/\/ %% (\S+) cell (\S+) \(#\d+\)$/m.exec(chunk.split("\n")[0]);
      const id = m && /^[A-Za-z0-9_-]+$/.test(m[2]) ? ` id="cell-${m[2]}"` : "";
      return `<pre class="code"${id}><code class="hljs language-typescript">${highlight(chunk.replace(/\n+$/, ""))}</code></pre>`;
    });
    const page = `lib/${module}.html`;
    renderer.libPages.set(module, page);
    const body = `<h1 class="title"><code>lib/${escapeHtml(file)}</code></h1>\n<p>Generated by <code>nbts export</code> from the notebooks' exported cells; each block starts at the marker naming its cell.</p>\n${blocks.join("\n")}`;
    renderer.write(page, `${head(`lib/${file} – ${config.title}`, false).replace(/href="assets\//g, 'href="../assets/')}\n<body class="source">\n<main class="content source">\n<p><a href="../api.html">API reference</a> · <a href="../index.html">${escapeHtml(config.title)}</a></p>\n${body}\n</main>\n</body>\n</html>\n`);
  }
}

/** The search index as a script (`window.LITREC_SEARCH = […]`): every cell of every page, and every API symbol. */
function searchIndexScript(chapters: RenderedChapter[], index: RenderedChapter | null, api: ApiSymbol[]): string {
  const entries: SearchEntry[] = [
    ...(index ? index.search.map((e) => ({ ...e, page: "index.html" })) : []),
    ...chapters.flatMap((c) => c.search),
    ...api.map((s) => ({ page: "api.html", id: s.anchor, chapter: "API reference", section: s.module, text: `${s.name} ${s.signature} ${s.doc ?? ""}` })),
  ];
  // JSON is a JavaScript expression; `<` is escaped so that no entry can close a script element.
  return `window.LITREC_SEARCH = ${JSON.stringify(entries).replace(/</g, "\\u003c")};\n`;
}

/** Is `name` (in the output folder) something a render writes: pages, PDFs, assets, figures, copied sources? */
const isRendered = (name: string) => ["assets", "figures", "notebooks", "lib"].includes(name) || /\.(html|pdf)$/i.test(name);

/** A fresh, empty folder beside `outDir` that a render writes into (the same file system, so it can be renamed). */
function stagingDir(outDir: string): string {
  const parent = path.dirname(outDir);
  const prefix = `.${path.basename(outDir)}.rendering-`;
  fs.mkdirSync(parent, { recursive: true });
  // A render that was killed leaves its staging folder behind: remove those older than an hour.
  for (const name of fs.readdirSync(parent))
    if (name.startsWith(prefix) && Date.now() - fs.statSync(path.join(parent, name)).mtimeMs > 3_600_000)
      fs.rmSync(path.join(parent, name), { recursive: true, force: true });
  return fs.mkdtempSync(path.join(parent, prefix));
}

/**
 * Puts a finished render in place of the previous one: what renders do not write (README.md, anything
 * else) moves from the old folder into the new one, then the new folder takes the old one's name. A render
 * that failed never gets here, so the previous report stays whole.
 */
function swapIn(stage: string, outDir: string): void {
  if (!fs.existsSync(outDir)) return fs.renameSync(stage, outDir);
  for (const name of fs.readdirSync(outDir)) {
    const from = path.join(outDir, name);
    if (isRendered(name) || !isInside(outDir, from) || fs.existsSync(path.join(stage, name))) continue;
    fs.renameSync(from, path.join(stage, name));
  }
  const old = `${stage}.old`;
  fs.renameSync(outDir, old);
  fs.renameSync(stage, outDir);
  fs.rmSync(old, { recursive: true, force: true });
}

/** `quarto render` in the project, when Quarto is installed. */
function renderWithQuarto(root: string, to: string | undefined, log: (l: string) => void): RenderResult {
  const quarto = which("quarto");
  if (!quarto)
    throw new Error(
      "`--engine quarto` needs Quarto on PATH and none was found. Install it from https://quarto.org/docs/get-started/ (it needs a TeX installation for PDF), or run `nbts render` without --engine to use the built-in renderer.",
    );
  const args = ["render", ...(to ? ["--to", to] : [])];
  log(`quarto ${args.join(" ")}`);
  const r = spawnSync(quarto, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`quarto render failed (exit ${r.status ?? r.signal})`);
  return { outDir: path.join(root, "exported"), pages: [], pdf: null, pdfSkipped: "rendered by Quarto", warnings: [], results: [], table: { headline: [], other: [], conflicts: [] } };
}

/** The markdown of a paragraph's first sentences, up to about `max` characters, never cutting inside `$…$` math. */
function firstSentences(para: string, max: number): string {
  const text = para.replace(/\s+/g, " ");
  const sentences = text.match(/(?:\$[^$]*\$|[^.!?$])+(?:[.!?]+(?=\s|$)|$)/g) ?? [text];
  let out = "";
  for (const s of sentences) {
    if (out && (out + s).length > max) return out.trim() + " …";
    out += s;
  }
  return out.trim();
}

/** Renders the report. Throws ConfigError for a bad `_quarto.yml`, NotebookError for a bad notebook. */
export async function render(options: RenderOptions = {}): Promise<RenderResult> {
  const root = path.resolve(options.root ?? process.cwd());
  const log = options.log ?? ((line: string) => console.log(line));
  const engine = options.engine ?? "nbts";
  const to = options.to;
  if (to !== undefined && to !== "html" && to !== "pdf") throw new Error(`--to must be html or pdf (found ${JSON.stringify(to)})`);
  if (engine === "quarto") return renderWithQuarto(root, to, log);
  if (engine !== "nbts") throw new Error(`unknown engine ${JSON.stringify(engine)}: use nbts (built in) or quarto`);

  const t0 = performance.now();
  const config = readConfig(root, options.config ?? path.join(root, "_quarto.yml"), options.outDir);
  // Render into a staging folder; the previous report is replaced only when this one is complete.
  const finalDir = config.outDir;
  const stage = stagingDir(finalDir);
  try {
    const result = await renderReport(root, { ...config, outDir: stage }, options, log);
    swapIn(stage, finalDir);
    log(`rendered ${result.pages.length} pages into ${path.relative(process.cwd(), finalDir) || "."}/ in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return { ...result, outDir: finalDir, pdf: result.pdf && path.join(finalDir, path.relative(stage, result.pdf)) };
  } catch (e) {
    fs.rmSync(stage, { recursive: true, force: true });
    throw e;
  }
}

/** Renders the report into `config.outDir`, an empty folder. */
async function renderReport(root: string, config: ReportConfig, options: RenderOptions, log: (line: string) => void): Promise<RenderResult> {
  const to = options.to;
  const warnings = [...config.warnings];
  const listed = new Set([...config.chapters, ...(config.indexSource ? [config.indexSource] : [])].map((c) => path.resolve(c.source)));
  for (const nb of listNotebooks(path.join(root, "notebooks")))
    if (!listed.has(path.resolve(nb))) warnings.push(`${path.relative(root, nb)} is not listed in _quarto.yml (book.chapters), so it is not in the report`);
  for (const w of warnings) log(`warning: ${w}`);
  const wantPdf = to === "pdf" || (to === undefined && config.formats.pdf);

  const chapters = config.chapters.map((c, i) => loadChapter(c, i + 1));
  const index = config.indexSource ? loadChapter(config.indexSource, null) : null;
  const api = readApi(options.libDir ?? path.join(root, "lib"));
  const renderer = new Renderer(config, api, collectCrossRefs(chapters), log);

  copyAssets(renderer.write);
  writeSources(renderer, config, options.libDir ?? path.join(root, "lib"));
  const rendered: RenderedChapter[] = [];
  for (const ch of chapters) {
    const r = await renderChapter(renderer, ch, log);
    rendered.push(r);
  }
  const renderedIndex = index ? await renderer.renderChapter(index) : null;
  const apiPage = renderer.apiBody();
  renderer.write("assets/search-index.js", searchIndexScript(rendered, renderedIndex, api));

  const results = rendered.flatMap((r) => r.results.map((row) => ({ ...row, chapter: r.loaded.title, source: { href: r.loaded.chapter.page, title: r.loaded.title } })));
  const table = mergeResults(results);
  for (const c of table.conflicts) {
    warnings.push(`results: ${c}`);
    log(`warning: results: ${c}`);
  }
  const noCv = missingCv(table);
  if (noCv.length) log(`note: results: no 5-fold CV figure for ${noCv.join("; ")}`);

  // The PDF first: the site links to it only when it exists.
  let pdf: string | null = null;
  let pdfSkipped: string | null = wantPdf ? null : "not requested";
  const printable = printHtml(config, rendered, renderedIndex, apiIndexBody(api));
  renderer.write("print.html", printable);
  if (wantPdf) {
    const browser = options.browser === undefined ? findChromium() : options.browser;
    if (!browser) {
      pdfSkipped = NO_BROWSER_HINT;
      log(NO_BROWSER_HINT);
    } else {
      const pdfFile = outputPath(config.outDir, config.pdfName);
      try {
        const tp = performance.now();
        await printToPdf(browser, path.join(config.outDir, "print.html"), pdfFile);
        pdf = pdfFile;
        renderer.written.add(config.pdfName);
        log(`PDF: ${config.pdfName} (${((performance.now() - tp) / 1000).toFixed(1)} s)`);
      } catch (e: any) {
        pdfSkipped = `PDF failed: ${e.message}`;
        warnings.push(pdfSkipped);
        log(pdfSkipped);
      }
    }
  }

  const pages: string[] = [];
  if (to !== "pdf") {
    const nav: NavItem[] = rendered.map((r) => ({ href: r.loaded.chapter.page, title: r.loaded.title, number: r.loaded.number ?? undefined }));
    const extras: NavItem[] = [{ href: "api.html", title: "API reference" }, { href: "print.html", title: "Whole report on one page" }];
    if (pdf) extras.push({ href: config.pdfName, title: "PDF" });
    const shell = { siteTitle: config.title, author: config.author, chapters: nav, extras };
    const tocOf = (t: PageEnv["toc"]) => (config.toc ? t : null);

    const indexBody = indexPage(config, rendered, renderedIndex, table, pdf ? config.pdfName : null);
    renderer.write("index.html", pageHtml({ ...shell, pageTitle: config.title, current: "index.html", toc: tocOf(indexBody.toc), content: indexBody.body, charts: indexBody.charts, trusted: index?.trusted ?? false }));
    pages.push("index.html");
    for (const r of rendered) {
      renderer.write(
        r.loaded.chapter.page,
        pageHtml({ ...shell, pageTitle: r.loaded.title, current: r.loaded.chapter.page, toc: tocOf(r.toc), content: r.body, charts: r.charts, trusted: r.loaded.trusted }),
      );
      pages.push(r.loaded.chapter.page);
    }
    renderer.write("api.html", pageHtml({ ...shell, pageTitle: "API reference", current: "api.html", toc: tocOf(apiPage.toc), content: apiPage.body, charts: false, trusted: false }));
    pages.push("api.html");
  }
  warnings.push(...renderer.warnings);
  for (const w of renderer.warnings) log(`warning: ${w}`);
  return { outDir: config.outDir, pages, pdf, pdfSkipped, warnings, results: results.map(({ source, ...r }) => r), table };
}

async function renderChapter(renderer: Renderer, ch: LoadedChapter, log: (l: string) => void): Promise<RenderedChapter> {
  const t = performance.now();
  const r = await renderer.renderChapter(ch);
  log(`  ${ch.chapter.rel} → ${ch.chapter.page} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  return r;
}

function indexPage(
  config: ReportConfig,
  chapters: RenderedChapter[],
  index: RenderedChapter | null,
  results: MergedResults,
  pdfName: string | null,
): { body: string; toc: PageEnv["toc"]; charts: boolean } {
  const toc: PageEnv["toc"] = [];
  const parts: string[] = [`<h1 class="title">${escapeHtml(config.title)}</h1>`];
  if (config.subtitle) parts.push(`<p class="subtitle">${escapeHtml(config.subtitle)}</p>`);
  if (config.author) parts.push(`<p class="author">${escapeHtml(config.author)}</p>`);
  if (config.description) parts.push(`<p class="description">${escapeHtml(config.description)}</p>`);
  if (index) {
    parts.push(index.body.replace(/^<h1 class="title">.*?<\/h1>\n?/, ""));
    toc.push(...index.toc);
  }
  toc.push({ level: 2, id: "chapters", text: "Chapters" });
  parts.push(`<h2 id="chapters">Chapters</h2>`);
  if (!chapters.length) parts.push("<p>No chapters yet: list the notebooks under <code>book.chapters</code> in <code>_quarto.yml</code>.</p>");
  else
    parts.push(
      `<ol class="chapter-list">\n${chapters
        .map((c) => `<li><a href="${escapeHtml(c.loaded.chapter.page)}">${escapeHtml(c.loaded.title)}</a>${c.loaded.summary ? `<span class="summary">${renderMarkdown(c.loaded.summary, new PageEnv(c.loaded.trusted)).trim().replace(/^<p>|<\/p>$/g, "")}</span>` : ""}</li>`)
        .join("\n")}\n</ol>`,
    );
  if (results.headline.length || results.other.length) {
    toc.push({ level: 2, id: "results", text: "Results" });
    parts.push(`<h2 id="results">Results</h2>\n<p>Headline results of the chapters (cells labelled <code>results</code>), on the data they were last run on.</p>\n${mergedResultsHtml(results)}`);
  }
  toc.push({ level: 2, id: "more", text: "More" });
  parts.push(
    `<h2 id="more">More</h2>\n<ul>\n<li><a href="api.html">API reference</a>: every exported function, class and type, linked to the cell that defines it.</li>\n` +
      `<li><a href="print.html">The whole report on one page</a> (what the PDF is printed from).</li>\n` +
      (pdfName ? `<li><a href="${escapeHtml(pdfName)}">PDF</a> of the whole report.</li>\n` : "") +
      `</ul>`,
  );
  return { body: parts.join("\n"), toc, charts: index?.charts ?? false };
}

/** One page holding the whole report (title, contents, chapters, API reference): what the PDF is printed from. */
function printHtml(config: ReportConfig, chapters: RenderedChapter[], index: RenderedChapter | null, apiBody: string): string {
  const contents = chapters
    .map((c) => `<li><a href="#chapter-${escapeHtml(path.basename(c.loaded.chapter.page, ".html"))}"><span class="number">${c.loaded.number ?? ""}</span>${escapeHtml(c.loaded.title)}</a></li>`)
    .concat([`<li><a href="#chapter-api">API index</a></li>`])
    .join("\n");
  const title = `<header class="title-page"><h1 class="title">${escapeHtml(config.title)}</h1>${config.subtitle ? `<p class="subtitle">${escapeHtml(config.subtitle)}</p>` : ""}${config.author ? `<p class="author">${escapeHtml(config.author)}</p>` : ""}${config.description ? `<p>${escapeHtml(config.description)}</p>` : ""}</header>`;
  const indexProse = index ? index.printBody.replace(/^<h1 class="title">.*?<\/h1>\n?/, "") : "";
  const sections = chapters.map((c) => `<section class="chapter" id="chapter-${escapeHtml(path.basename(c.loaded.chapter.page, ".html"))}">\n${c.printBody}\n</section>`);
  // A trusted chapter's scripts do not run here: the printed report is static.
  return `${head(config.title, false)}
<body class="print">
<main class="content">
${title}
${indexProse}
<nav class="print-contents"><h2>Contents</h2><ul>\n${contents}\n</ul></nav>
${sections.join("\n")}
<section class="chapter" id="chapter-api">\n${apiBody}\n</section>
</main>
</body>
</html>
`;
}

/** Parses `nbts render` arguments: `[--engine nbts|quarto] [--to html|pdf] [--out DIR]`. */
export function parseRenderArgs(argv: string[]): RenderOptions {
  const opts: RenderOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (name: string) => {
      const eq = a.indexOf("=");
      if (eq > 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    if (a === "--engine" || a.startsWith("--engine=")) opts.engine = value("--engine");
    else if (a === "--to" || a.startsWith("--to=")) opts.to = value("--to");
    else throw new Error(`nbts render: unknown argument ${a} (usage: nbts render [--engine nbts|quarto] [--to html|pdf])`);
  }
  return opts;
}
