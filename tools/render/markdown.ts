/** Markdown → HTML: CommonMark + GFM tables, KaTeX math rendered at build time, highlighted code, heading anchors. */
import MarkdownIt from "markdown-it";
import katex from "katex";
import hljs from "highlight.js";
import { sanitizeHtml } from "./sanitize";

export interface TocEntry {
  level: number;
  id: string;
  text: string;
}

/** A figure or table that can be cross-referenced (`@fig-label`). */
export interface CrossRef {
  page: string;
  id: string;
  /** "Figure 2.1" */
  name: string;
}

/** What one page collects while its cells are rendered. */
export class PageEnv {
  readonly slugs = new Set<string>();
  readonly toc: TocEntry[] = [];
  title: string | null = null;
  constructor(
    readonly trusted: boolean,
    readonly crossRefs: Map<string, CrossRef> = new Map(),
    /** `01_data.ipynb` (and `notebooks/01_data.ipynb`) → `01_data.html`, for links between chapters. */
    readonly pageLinks: Map<string, string> = new Map(),
    readonly page: string = "",
  ) {}
  /** A unique id for this page from heading text. */
  uniqueId(text: string): string {
    const base =
      text
        .toLowerCase()
        .normalize("NFKD")
        .replace(/[\u0300-\u036f]/g, "")
        .replace(/[^a-z0-9\s_-]/g, "")
        .trim()
        .replace(/\s+/g, "-") || "section";
    let id = base;
    for (let n = 1; this.slugs.has(id); n++) id = `${base}-${n}`;
    this.slugs.add(id);
    return id;
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** TeX → HTML (KaTeX); a formula KaTeX cannot parse is shown as its source, marked `katex-error`. */
export function renderMath(tex: string, displayMode: boolean): string {
  return katex.renderToString(tex, { displayMode, throwOnError: false, strict: false, output: "htmlAndMathml" });
}

/** TypeScript (or any language highlight.js knows) → highlighted HTML, escaped. */
export function highlight(code: string, lang = "typescript"): string {
  const language = hljs.getLanguage(lang) ? lang : null;
  if (!language) return escapeHtml(code);
  return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}

/** Inline `$…$`, `$$…$$`, `\(…\)` and `\[…\]` (pandoc rules: no space inside the `$`, no digit after the closing one). */
function mathInline(state: any, silent: boolean): boolean {
  const src: string = state.src;
  const start: number = state.pos;
  const ch = src[start];
  let open: string, close: string, display: boolean;
  if (ch === "$") {
    if (src[start + 1] === "$") [open, close, display] = ["$$", "$$", true];
    else [open, close, display] = ["$", "$", false];
  } else if (ch === "\\" && (src[start + 1] === "(" || src[start + 1] === "[")) {
    [open, close, display] = src[start + 1] === "(" ? ["\\(", "\\)", false] : ["\\[", "\\]", true];
  } else return false;
  const contentStart = start + open.length;
  if (open === "$" && (contentStart >= src.length || /\s/.test(src[contentStart]))) return false;
  let end = contentStart;
  for (;;) {
    end = src.indexOf(close, end);
    if (end < 0) return false;
    if (src[end - 1] === "\\" && open.startsWith("$")) {
      end += 1;
      continue;
    }
    if (open === "$" && (/\s/.test(src[end - 1]) || /\d/.test(src[end + 1] ?? ""))) {
      end += 1;
      continue;
    }
    break;
  }
  if (end === contentStart) return false;
  if (!silent) {
    const token = state.push("math_inline", "math", 0);
    token.content = src.slice(contentStart, end);
    token.meta = { display };
  }
  state.pos = end + close.length;
  return true;
}

/** Block `$$ … $$` (and `\[ … \]`) on their own lines. */
function mathBlock(state: any, startLine: number, endLine: number, silent: boolean): boolean {
  let pos = state.bMarks[startLine] + state.tShift[startLine];
  let max = state.eMarks[startLine];
  const first = state.src.slice(pos, max);
  const open = first.startsWith("$$") ? "$$" : first.startsWith("\\[") ? "\\[" : null;
  if (!open) return false;
  const close = open === "$$" ? "$$" : "\\]";
  let content: string;
  let line = startLine;
  const rest = first.slice(2);
  if (rest.trimEnd().endsWith(close) && rest.trim().length >= close.length) {
    // `$$ x $$` on one line: must be the whole line
    content = rest.trimEnd().slice(0, -close.length);
  } else {
    if (rest.trim() !== "" && rest.includes(close)) return false; // `$$a$$ text` is inline math in a paragraph
    const lines = [rest];
    let found = false;
    for (line = startLine + 1; line < endLine; line++) {
      pos = state.bMarks[line] + state.tShift[line];
      max = state.eMarks[line];
      const text = state.src.slice(pos, max);
      if (state.sCount[line] < state.blkIndent && text.trim() !== "") break;
      const at = text.indexOf(close);
      if (at >= 0) {
        if (text.slice(at + close.length).trim() !== "") return false;
        lines.push(text.slice(0, at));
        found = true;
        break;
      }
      lines.push(text);
    }
    if (!found) return false;
    content = lines.join("\n");
  }
  if (silent) return true;
  const token = state.push("math_block", "math", 0);
  token.block = true;
  token.content = content.trim();
  token.map = [startLine, line + 1];
  state.line = line + 1;
  return true;
}

/** The callout kinds Quarto knows, with the title each shows when the callout names none. */
export const CALLOUTS: Record<string, string> = { note: "Note", tip: "Tip", warning: "Warning", important: "Important", caution: "Caution" };
const CALLOUT_OPEN = /^(:{3,})\s*\{\s*\.callout-(note|tip|warning|important|caution)((?:\s+[^}]*)?)\}\s*$/;

/**
 * Quarto's callout blocks: `::: {.callout-note title="…"}` … `:::` (or `::: {.callout-tip}` with a
 * `## Title` as its first line). The content is markdown; a callout may hold other blocks, math included.
 */
function calloutBlock(state: any, startLine: number, endLine: number, silent: boolean): boolean {
  const first = state.src.slice(state.bMarks[startLine] + state.tShift[startLine], state.eMarks[startLine]);
  const m = CALLOUT_OPEN.exec(first);
  if (!m) return false;
  if (silent) return true;
  const fence = m[1];
  let line = startLine + 1;
  for (; line < endLine; line++) {
    const text = state.src.slice(state.bMarks[line] + state.tShift[line], state.eMarks[line]);
    if (state.sCount[line] < state.blkIndent && text.trim() !== "") break;
    if (text.trim().startsWith(":::") && text.trim().length >= fence.length && /^:+$/.test(text.trim())) break;
  }
  const kind = m[2];
  const titleAttr = /title\s*=\s*"([^"]*)"/.exec(m[3] ?? "");
  let contentStart = startLine + 1;
  let title = titleAttr ? titleAttr[1] : null;
  const firstContent = contentStart < line ? state.src.slice(state.bMarks[contentStart] + state.tShift[contentStart], state.eMarks[contentStart]) : "";
  if (!title && /^#{1,6}\s+\S/.test(firstContent)) {
    title = firstContent.replace(/^#{1,6}\s+/, "").replace(/\s+#*\s*$/, "");
    contentStart++;
  }
  const open = state.push("callout_open", "div", 1);
  open.block = true;
  open.meta = { kind, title: title ?? CALLOUTS[kind] };
  open.map = [startLine, line];
  const oldParent = state.parentType;
  const oldLineMax = state.lineMax;
  state.parentType = "callout";
  state.lineMax = line;
  state.md.block.tokenize(state, contentStart, line);
  state.parentType = oldParent;
  state.lineMax = oldLineMax;
  const close = state.push("callout_close", "div", -1);
  close.block = true;
  state.line = Math.min(line + 1, endLine);
  return true;
}

function createMarkdown(): any {
  const md: any = new (MarkdownIt as any)({
    html: true,
    linkify: false,
    typographer: false,
    highlight: (code: string, lang: string) => `<pre class="code"><code class="hljs language-${escapeHtml(lang || "text")}">${highlight(code, lang || "plaintext")}</code></pre>`,
  });
  md.inline.ruler.before("escape", "math_inline", mathInline);
  md.block.ruler.before("fence", "math_block", mathBlock, { alt: ["paragraph", "reference", "blockquote", "list"] });
  md.block.ruler.before("fence", "callout", calloutBlock, { alt: ["paragraph", "reference", "blockquote", "list"] });
  md.renderer.rules.callout_open = (tokens: any, idx: number) => {
    const { kind, title } = tokens[idx].meta;
    return `<div class="callout callout-${kind}" role="note">\n<p class="callout-title">${md.renderInline(title)}</p>\n`;
  };
  md.renderer.rules.callout_close = () => "</div>\n";
  md.renderer.rules.math_inline = (tokens: any, idx: number) => renderMath(tokens[idx].content, tokens[idx].meta.display);
  md.renderer.rules.math_block = (tokens: any, idx: number) => `<div class="math display">${renderMath(tokens[idx].content, true)}</div>\n`;

  // Raw HTML in markdown goes through the same sanitizer as HTML outputs, unless the notebook is trusted.
  md.renderer.rules.html_block = (tokens: any, idx: number, _o: any, env: any) => (env?.trusted ? tokens[idx].content : sanitizeHtml(tokens[idx].content));
  md.renderer.rules.html_inline = (tokens: any, idx: number, _o: any, env: any) => (env?.trusted ? tokens[idx].content : sanitizeHtml(tokens[idx].content, { fragment: true }));

  // Headings get ids (and a TOC entry); the first level-1 heading is the page title.
  md.renderer.rules.heading_open = (tokens: any, idx: number, options: any, env: any, self: any) => {
    const token = tokens[idx];
    const inline = tokens[idx + 1];
    const text = inline.children ? inline.children.filter((t: any) => t.type === "text" || t.type === "code_inline").map((t: any) => t.content).join("") : inline.content;
    const level = Number(token.tag.slice(1));
    if (env instanceof PageEnv) {
      const id = env.uniqueId(text);
      token.attrSet("id", id);
      if (level === 1 && env.title === null) env.title = text;
      else if (level <= 3) env.toc.push({ level, id, text });
    }
    return self.renderToken(tokens, idx, options);
  };

  // Links to other notebooks of the report point at their pages.
  const linkOpen = md.renderer.rules.link_open ?? ((tokens: any, idx: number, options: any, _env: any, self: any) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens: any, idx: number, options: any, env: any, self: any) => {
    const token = tokens[idx];
    const href = token.attrGet("href") ?? "";
    const m = /^([^#?]+\.(?:ipynb|qmd|md))(#.*)?$/.exec(href);
    if (m && env instanceof PageEnv) {
      const page = env.pageLinks.get(m[1].replace(/^\.\//, "").replace(/^\.\.\//, ""));
      if (page) token.attrSet("href", page + (m[2] ?? ""));
    }
    return linkOpen(tokens, idx, options, env, self);
  };

  // `@fig-label` cross-references → "Figure 2.1" linked to the figure.
  const text = md.renderer.rules.text;
  md.renderer.rules.text = (tokens: any, idx: number, options: any, env: any, self: any) => {
    const html = text(tokens, idx, options, env, self);
    if (!(env instanceof PageEnv) || !html.includes("@")) return html;
    return html.replace(/(^|[^\w@])@((?:fig|tbl)-[\w-]*\w)/g, (_all: string, before: string, label: string) => {
      const ref = env.crossRefs.get(label);
      if (!ref) return `${before}<span class="xref-missing" title="no such label">?@${label}</span>`;
      const href = ref.page === env.page ? `#${ref.id}` : `${ref.page}#${ref.id}`;
      return `${before}<a class="xref" href="${href}">${ref.name}</a>`;
    });
  };
  return md;
}

const markdown: any = createMarkdown();

/** Renders one markdown source into HTML, collecting headings into `env`. */
export function renderMarkdown(source: string, env: PageEnv): string {
  return markdown.render(source, env) as string;
}

/** The plain text of a short markdown snippet (for titles and summaries). */
export function markdownText(source: string): string {
  return source
    .replace(/\$\$?([^$]*)\$\$?/g, "$1")
    .replace(/!\[[^\]]*\]\([^)]*\)/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[*_`#>]/g, "")
    .replace(/\s+/g, " ")
    .trim();
}
