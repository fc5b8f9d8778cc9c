/** The report's static files: our stylesheet and script, and the KaTeX, highlight.js and Vega files copied from node_modules. */
import * as fs from "fs";
import * as path from "path";

/** Files copied from installed packages: [package, file inside it, destination under assets/]. */
const VENDOR: [string, string, string][] = [
  ["katex", "dist/katex.min.css", "katex/katex.min.css"],
  ["katex", "LICENSE", "katex/LICENSE"],
  ["highlight.js", "styles/github.min.css", "highlight/github.min.css"],
  ["highlight.js", "LICENSE", "highlight/LICENSE"],
  ["vega", "build/vega.min.js", "vega/vega.min.js"],
  ["vega", "LICENSE", "vega/LICENSE-vega"],
  ["vega-lite", "build/vega-lite.min.js", "vega/vega-lite.min.js"],
  ["vega-lite", "LICENSE", "vega/LICENSE-vega-lite"],
  ["vega-embed", "build/vega-embed.min.js", "vega/vega-embed.min.js"],
  ["vega-embed", "LICENSE", "vega/LICENSE-vega-embed"],
];

/** The folder of an installed package (some packages do not export their package.json). */
function packageDir(name: string): string {
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = path.join(base, name);
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
  }
  throw new Error(`package ${name} is not installed: run npm install`);
}

/** Copies every asset into `<outDir>/assets` through `write` (which checks the destination). */
export function copyAssets(write: (rel: string, data: string | Buffer) => void): void {
  for (const [pkg, file, dest] of VENDOR) {
    const src = path.join(packageDir(pkg), file);
    if (fs.existsSync(src)) write(`assets/${dest}`, fs.readFileSync(src));
    else if (!file.startsWith("LICENSE")) throw new Error(`missing ${pkg}/${file}: run npm install`);
  }
  const fonts = path.join(packageDir("katex"), "dist", "fonts");
  for (const f of fs.readdirSync(fonts)) if (/\.(woff2|woff|ttf)$/.test(f)) write(`assets/katex/fonts/${f}`, fs.readFileSync(path.join(fonts, f)));
  write("assets/report.css", REPORT_CSS);
  write("assets/report.js", REPORT_JS);
  write("assets/search.js", SEARCH_JS);
}

export const STYLESHEETS = ["assets/katex/katex.min.css", "assets/highlight/github.min.css", "assets/report.css"];
/** Every page loads the search: the index (written at render time as a script, since a file:// page cannot fetch JSON) and its code. */
export const SEARCH_SCRIPTS = ["assets/search-index.js", "assets/search.js"];
export const CHART_SCRIPTS = ["assets/vega/vega.min.js", "assets/vega/vega-lite.min.js", "assets/vega/vega-embed.min.js"];

/** Draws the interactive charts; the static SVG stays when JavaScript or a chart fails. No network: data must be inline. */
export const REPORT_JS = `"use strict";
(function () {
  function refuse(uri) { return Promise.reject(new Error("external data is not loaded in the offline report: " + uri)); }
  var charts = document.querySelectorAll(".vega-chart");
  if (!charts.length) return;
  if (typeof vegaEmbed !== "function") { console.warn("vega-embed is missing; charts stay static"); return; }
  Array.prototype.forEach.call(charts, function (el) {
    var live = el.querySelector(".vega-live");
    var specEl = el.querySelector("script.vega-spec");
    var spec;
    try { spec = JSON.parse(specEl.textContent); } catch (e) { el.setAttribute("data-error", String(e)); console.error(el.id + ": " + e); return; }
    var loader = vega.loader();
    loader.load = refuse;
    loader.sanitize = refuse;
    vegaEmbed(live, spec, { actions: false, renderer: "svg", mode: el.getAttribute("data-mode") || "vega-lite", loader: loader })
      .then(function () { el.setAttribute("data-rendered", "true"); })
      .catch(function (e) { el.setAttribute("data-error", String(e)); console.error(el.id + ": " + e); });
  });
})();
`;

/**
 * The offline site search: every word of the query must occur in an entry (a cell of a page, an API
 * symbol); entries are ranked by how often the words occur, titles counting more. No network.
 */
export const SEARCH_JS = `"use strict";
(function () {
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  var index = window.LITREC_SEARCH || [];
  if (!input || !list) return;
  function count(hay, word) { var n = 0, at = hay.indexOf(word); while (at >= 0) { n++; at = hay.indexOf(word, at + word.length); } return n; }
  function snippet(text, word) {
    var at = text.toLowerCase().indexOf(word);
    var start = Math.max(0, at - 40);
    return (start > 0 ? "\u2026" : "") + text.slice(start, start + 140) + (start + 140 < text.length ? "\u2026" : "");
  }
  function search(query) {
    var words = query.toLowerCase().split(/\\s+/).filter(function (w) { return w.length > 1; });
    if (!words.length) return [];
    var hits = [];
    index.forEach(function (e) {
      var text = e.text.toLowerCase(), title = (e.chapter + " " + e.section).toLowerCase(), score = 0;
      for (var i = 0; i < words.length; i++) {
        var n = count(text, words[i]) + 3 * count(title, words[i]);
        if (!n) return;
        score += n;
      }
      hits.push({ e: e, score: score });
    });
    hits.sort(function (a, b) { return b.score - a.score; });
    return hits.slice(0, 20).map(function (h) { return { e: h.e, snippet: snippet(h.e.text, words[0]) }; });
  }
  function show() {
    var hits = search(input.value);
    list.textContent = "";
    list.hidden = !input.value.trim();
    if (!hits.length && input.value.trim()) { var li = document.createElement("li"); li.className = "none"; li.textContent = "No match"; list.appendChild(li); return; }
    hits.forEach(function (h) {
      var li = document.createElement("li"), a = document.createElement("a"), where = document.createElement("span"), text = document.createElement("span");
      a.href = h.e.page + "#" + h.e.id;
      where.className = "where"; where.textContent = h.e.chapter + (h.e.section && h.e.section !== h.e.chapter ? " \u203a " + h.e.section : "");
      text.className = "snippet"; text.textContent = h.snippet;
      a.appendChild(where); a.appendChild(text); li.appendChild(a); list.appendChild(li);
    });
  }
  input.addEventListener("input", show);
  input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { var first = list.querySelector("a"); if (first) window.location.href = first.href; } });
})();
`;

export const REPORT_CSS = `:root {
  --text: #1f2328; --muted: #59636e; --border: #d1d9e0; --bg-soft: #f6f8fa; --accent: #0b5cad; --error: #b3261e;
  --sidebar: 16rem; --toc: 14rem;
}
* { box-sizing: border-box; }
html { font-size: 16px; }
body { margin: 0; color: var(--text); font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; line-height: 1.6; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.layout { display: grid; grid-template-columns: var(--sidebar) minmax(0, 1fr) var(--toc); min-height: 100vh; }
.sidebar { border-right: 1px solid var(--border); padding: 1.25rem 1rem; background: var(--bg-soft); position: sticky; top: 0; height: 100vh; overflow-y: auto; font-size: .92rem; }
.sidebar .brand { display: block; font-weight: 700; font-size: 1.1rem; color: var(--text); margin-bottom: .25rem; }
.sidebar .author { color: var(--muted); font-size: .85rem; margin-bottom: 1rem; }
.sidebar ol, .sidebar ul { list-style: none; padding: 0; margin: 0 0 1rem; }
.sidebar li a { display: block; padding: .2rem .4rem; border-radius: 4px; color: var(--text); }
.sidebar li a[aria-current="page"] { background: #dde9f7; font-weight: 600; }
.sidebar .number { color: var(--muted); display: inline-block; min-width: 1.6rem; }
.content { padding: 2rem 3rem 4rem; max-width: 60rem; }
.toc { padding: 2rem 1rem; font-size: .85rem; position: sticky; top: 0; height: 100vh; overflow-y: auto; }
.toc h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 0 0 .5rem; }
.toc ul { list-style: none; padding: 0; margin: 0; }
.toc li.level-3 { padding-left: .9rem; }
.toc a { color: var(--muted); display: block; padding: .1rem 0; }
h1 { font-size: 2rem; line-height: 1.25; margin: 0 0 1rem; }
h1 .chapter-number { color: var(--muted); margin-right: .5rem; }
h2 { font-size: 1.45rem; margin-top: 2.2rem; border-bottom: 1px solid var(--border); padding-bottom: .2rem; }
h3 { font-size: 1.15rem; margin-top: 1.6rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .92rem; }
th, td { border: 1px solid var(--border); padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: var(--bg-soft); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.notes { color: var(--muted); font-size: .85rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em; }
:not(pre) > code { background: var(--bg-soft); padding: .1em .3em; border-radius: 4px; }
pre { overflow-x: auto; padding: .75rem 1rem; border-radius: 6px; margin: .5rem 0; font-size: .85rem; line-height: 1.45; }
pre.code, .cell-code pre { background: var(--bg-soft); border: 1px solid var(--border); }
pre code.hljs { padding: 0; background: transparent; overflow: visible; }
.title-page { margin-bottom: 2rem; }
.title-page .subtitle, .title-page .author { color: var(--muted); font-size: 1.1rem; margin: .25rem 0; }
.print-contents ul { list-style: none; padding: 0; }
.print-contents .number { display: inline-block; min-width: 2rem; color: var(--muted); }
.cell { margin: 1rem 0; }
.cell-output pre.output { background: #fff; border: 1px solid var(--border); border-left: 3px solid #8c959f; white-space: pre-wrap; word-break: break-word; }
.cell-output pre.stderr { border-left-color: #bf8700; }
.cell-output pre.error { border-left-color: var(--error); color: var(--error); background: #fff6f5; }
.cell-output .html { overflow-x: auto; }
.cell-output img { max-width: 100%; height: auto; }
.cell-meta { font-size: .8rem; color: var(--muted); margin: -.25rem 0 .25rem; }
.cell-meta a { color: var(--muted); text-decoration: underline dotted; }
.math.display { overflow-x: auto; overflow-y: hidden; }
.katex-error { color: var(--error); }
figure { margin: 1.25rem 0; }
figcaption { color: var(--muted); font-size: .9rem; margin-top: .4rem; }
.vega-chart .vega-live:empty { display: none; }
.vega-chart[data-rendered] .vega-static { display: none; }
.chart-error { color: var(--error); }
.xref-missing { color: var(--error); }
.chapter-list li { margin-bottom: .6rem; }
.chapter-list .summary { color: var(--muted); display: block; font-size: .92rem; }
.api-symbol { border-top: 1px solid var(--border); padding-top: .5rem; margin-top: 1.25rem; }
.api-symbol h3 { margin: .25rem 0; font-size: 1.05rem; }
.api-symbol .kind { color: var(--muted); font-weight: 400; font-size: .8rem; margin-left: .5rem; }
.api-symbol .defined-in { color: var(--muted); font-size: .85rem; }
.api-symbol dl.tags dt { font-weight: 600; }
.code-fold summary { cursor: pointer; color: var(--muted); font-size: .85rem; padding: .2rem .4rem; border: 1px solid var(--border); border-radius: 6px; background: var(--bg-soft); width: fit-content; }
.code-fold[open] summary { border-bottom-left-radius: 0; border-bottom-right-radius: 0; }
.code-fold summary .lines { opacity: .75; }
.code-fold pre { margin-top: 0; }
.callout { border: 1px solid var(--border); border-left: 4px solid var(--accent); border-radius: 6px; padding: .4rem 1rem; margin: 1rem 0; background: #f8fbff; }
.callout-title { font-weight: 600; margin: .3rem 0; }
.callout-tip { border-left-color: #1a7f37; background: #f6fff8; }
.callout-warning, .callout-caution { border-left-color: #bf8700; background: #fffbf0; }
.callout-important { border-left-color: var(--error); background: #fff6f5; }
.search { margin: 0 0 1rem; position: relative; }
.search input { width: 100%; padding: .3rem .5rem; border: 1px solid var(--border); border-radius: 4px; font: inherit; }
.search ol { list-style: none; padding: 0; margin: .3rem 0 0; max-height: 60vh; overflow-y: auto; background: #fff; border: 1px solid var(--border); border-radius: 4px; }
.search li a { display: block; padding: .3rem .4rem; border-bottom: 1px solid var(--border); }
.search .where { display: block; font-weight: 600; font-size: .8rem; color: var(--text); }
.search .snippet { display: block; font-size: .8rem; color: var(--muted); }
.search li.none { padding: .3rem .4rem; color: var(--muted); }
.cell-meta .cell-source { margin-right: .25rem; }
.print-only { display: none; }
@media (max-width: 70rem) { .layout { grid-template-columns: var(--sidebar) minmax(0, 1fr); } .toc { display: none; } }
@media (max-width: 45rem) { .layout { display: block; } .sidebar { position: static; height: auto; } .content { padding: 1rem; } }
@page { size: A4; margin: 13mm 13mm; }
@media print {
  html { font-size: 11.5px; }
  .cell-output img { max-width: 78%; max-height: 72mm; }
  .sidebar, .toc { display: none; }
  .layout { display: block; }
  .content { padding: 0; max-width: none; }
  .print-only { display: block; }
  .vega-chart .vega-live { display: none; }
  .vega-chart .vega-static { display: block !important; }
  section.chapter, .print-contents { break-before: page; }
  .title-page { padding-top: 30vh; }
  figure, .api-symbol { break-inside: avoid; }
  pre { break-inside: auto; orphans: 4; widows: 4; }
  pre { white-space: pre-wrap; word-break: break-word; font-size: 7pt; line-height: 1.3; padding: .35rem .55rem; }
  table { font-size: 8pt; }
  .math.display { overflow: visible; font-size: .9em; }
  details.code-fold > summary { display: none; }
  .cell-meta .cell-source { display: none; }
  a { color: inherit; }
}
`;
