/** `nbts render` and `npm start`: the fixture project (tests/fixtures/render) rendered into a temp folder. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { render, RenderResult, shortTables, isCheckingExample } from "../tools/render/index";
import { ConfigError, outputPath, readConfig } from "../tools/render/config";
import { sanitizeHtml, safeHref } from "../tools/render/sanitize";
import { PageEnv, renderMarkdown } from "../tools/render/markdown";
import { findChromium, NO_BROWSER_HINT } from "../tools/render/pdf";
import { mergeResults, mergedResultsHtml, resultsFromNotebook, resultsTableText } from "../tools/render/results";
import { readNotebook, writeNotebook, sourceText } from "../tools/notebook";
import { start } from "../tools/start";

const FIXTURE = path.join(__dirname, "fixtures", "render");
const quiet = () => {};

const temps: string[] = [];
function tempDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `litrec-${name}-`));
  temps.push(dir);
  return dir;
}
after(() => {
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

/** A copy of the fixture project, so tests may change it. */
function copyFixture(): string {
  const dir = tempDir("project");
  fs.cpSync(FIXTURE, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}exported`) });
  return dir;
}

describe("nbts render (fixture project)", function () {
  let out: string;
  let result: RenderResult;
  const read = (rel: string) => fs.readFileSync(path.join(out, rel), "utf8");

  before(async function () {
    out = tempDir("render");
    result = await render({ root: FIXTURE, outDir: out, browser: null, log: quiet });
  });

  it("writes an index, a page per chapter and the API reference", function () {
    assert.deepEqual(result.pages, ["index.html", "01_basics.html", "02_charts.html", "03_trusted.html", "api.html"]);
    for (const p of result.pages) assert.ok(fs.existsSync(path.join(out, p)), p);
    assert.ok(fs.existsSync(path.join(out, "print.html")));
  });

  it("copies every asset it links to, and links nothing outside the folder", function () {
    for (const f of ["assets/katex/katex.min.css", "assets/katex/fonts/KaTeX_Main-Regular.woff2", "assets/vega/vega.min.js", "assets/vega/vega-lite.min.js", "assets/vega/vega-embed.min.js", "assets/report.css", "assets/report.js"])
      assert.ok(fs.existsSync(path.join(out, f)), f);
    for (const page of [...result.pages, "print.html"]) {
      const html = read(page);
      for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
        const url = m[1];
        assert.ok(!/^(https?:)?\/\//.test(url), `${page} links to ${url}`);
        if (url.startsWith("#") || url.startsWith("data:")) continue;
        const file = url.split("#")[0];
        assert.ok(fs.existsSync(path.join(out, file)), `${page}: ${url} does not resolve`);
      }
    }
  });

  it("renders math with KaTeX at build time, leaving prices alone", function () {
    const html = read("01_basics.html");
    assert.ok((html.match(/class="katex"/g) ?? []).length >= 3);
    assert.ok(html.includes('class="katex-display"'));
    assert.ok(!html.includes("katex-error"));
    assert.ok(html.includes("a price of $5 and $6 stays text"));
  });

  it("renders GFM tables, highlighted TypeScript, headings with ids and a TOC", function () {
    const html = read("01_basics.html");
    assert.match(html, /<table>\s*<thead>\s*<tr>\s*<th>model<\/th>/);
    assert.match(html, /<th style="text-align:right">RMSE<\/th>/);
    assert.match(html, /<span class="hljs-keyword">function<\/span>/);
    assert.match(html, /<h2 id="formulas">Formulas<\/h2>/);
    assert.match(html, /<nav class="toc"[^>]*>[\s\S]*href="#formulas"/);
    assert.match(html, /<h1 class="title"><span class="chapter-number">1<\/span>Basics of the fixture<\/h1>/);
  });

  it("honours hide, echo: false, output: false and eval: false", function () {
    const html = read("01_basics.html");
    assert.ok(!html.includes("HIDDEN-OUTPUT") && !html.includes("secret"), "hide");
    assert.ok(html.includes("only the output") && !html.includes("console</span>.<span class=\"hljs-title function_\">log</span>(<span class=\"hljs-string\">&#x27;only"), "echo: false");
    assert.ok(!html.includes("NOT-SHOWN-OUTPUT") && html.includes("not shown"), "output: false");
    assert.ok(html.includes("downloadTheInternet"), "eval: false shows the code");
    assert.ok(!html.includes("//|"), "directive lines are not shown");
  });

  it("shows streams without terminal codes, and errors", function () {
    const html = read("01_basics.html");
    assert.match(html, /<pre class="output stream stdout">hello<\/pre>/);
    assert.match(html, /<pre class="output stream stderr">careful<\/pre>/);
    assert.match(html, /<pre class="output stream stdout">done<\/pre>/);
    assert.ok(!html.includes("\u001b"));
    assert.match(html, /<pre class="output error">Error: boom\n    at &lt;anonymous&gt;:1:7<\/pre>/);
  });

  it("draws Vega-Lite charts live and as static SVG, with numbered captions and cross-references", function () {
    const html = read("02_charts.html");
    assert.equal((html.match(/class="vega-chart"/g) ?? []).length, 2);
    assert.match(html, /<script type="application\/json" class="vega-spec">\{/);
    assert.match(html, /<figure id="fig-rmse">[\s\S]*?<figcaption>Figure 2\.1: Test RMSE per epoch<\/figcaption><\/figure>/);
    assert.match(html, /<figcaption>Figure 2\.2: RMSE by latent size<\/figcaption>/);
    assert.match(html, /<script src="assets\/vega\/vega-embed\.min\.js"><\/script>/);
    const statics = [...html.matchAll(/<img class="vega-static" src="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(statics.length, 2);
    for (const s of statics) assert.match(read(s), /^<svg[\s\S]*<path/);
    assert.match(read("01_basics.html"), /<a class="xref" href="02_charts\.html#fig-rmse">Figure 2\.1<\/a>/);
    assert.match(html, /<a class="xref" href="#fig-rmse">Figure 2\.1<\/a>/);
  });

  it("writes pictures as files shown through <img>, so an SVG's script cannot run", function () {
    const html = read("02_charts.html");
    const png = /<img class="output image" src="([^"]+\.png)" alt="figure" width="32" height="32">/.exec(html);
    assert.ok(png, "png output");
    assert.deepEqual([...fs.readFileSync(path.join(out, png![1])).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.match(html, /<img class="output image" src="[^"]+\.svg"/);
    assert.ok(!html.includes("pwned-svg"));
  });

  it("renders markdown, LaTeX and JSON outputs", function () {
    const html = read("02_charts.html");
    assert.match(html, /<div class="output markdown"><p><strong>bold<\/strong> output with <span class="katex">/);
    assert.match(html, /<div class="output math display"><span class="katex-display">/);
    assert.match(html, /<pre class="output json">\{\n  &quot;a&quot;: 1/);
  });

  it("keeps untrusted HTML outputs from running script", function () {
    const html = read("02_charts.html");
    assert.match(html, /<table class="df">/);
    assert.ok(!/<script>document/.test(html), "inline script removed");
    assert.ok(!/onerror|onclick/i.test(html), "event handlers removed");
    assert.ok(!/javascript:/i.test(html), "javascript: URLs removed");
    assert.ok(!/<iframe/i.test(html), "frames removed");
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self' 'unsafe-eval';/);
  });

  it("lets a notebook marked trusted keep its scripts", function () {
    const html = read("03_trusted.html");
    assert.match(html, /<script>document\.getElementById\('trusted-widget'\)/);
    assert.match(html, /script-src 'self' 'unsafe-inline'/);
  });

  it("documents every exported symbol, linked both ways with the defining cell", function () {
    const api = read("api.html");
    for (const name of ["mean", "Model", "MeanModel", "RATING_SCALE", "Pair"]) assert.match(api, new RegExp(`<section class="api-symbol" id="basics\\.${name}">`), name);
    assert.match(api, /Mean of a list of numbers \(0 for an empty list\)\./);
    assert.match(api, /href="01_basics\.html#cell-export1"/);
    assert.match(api, /<span class="hljs-keyword">function<\/span> <span class="hljs-title function_">mean<\/span>/);
    assert.ok(!/return xs\.length/.test(api), "signatures leave bodies out");
    assert.match(api, /the global mean/, "parameter comments are kept");
    assert.ok(!/dotKernel/.test(api), "the API page lists the barrel's names only: no engine (basics_engine)");
    const chapter = read("01_basics.html");
    assert.match(chapter, /<div class="cell code" id="cell-export1">/);
    // Each cell links to the report's copy of its notebook and, when exported, to its place in lib/.
    assert.match(chapter, /<a class="cell-source" href="notebooks\/01_basics\.ipynb"[^>]*>01_basics\.ipynb · cell export1<\/a> · <a href="lib\/basics\.html#cell-export1"><code>lib\/basics\.ts<\/code><\/a>: <a href="api\.html#basics\.mean"><code>mean<\/code><\/a>/);
    assert.equal(read("notebooks/01_basics.ipynb"), fs.readFileSync(path.join(FIXTURE, "notebooks", "01_basics.ipynb"), "utf8"));
    const source = read("lib/basics.html");
    assert.match(source, /<pre class="code" id="cell-export1">/);
    assert.match(source, /href="\.\.\/assets\/report\.css"/);
  });

  it("folds engine code and cells that ask for it, with Quarto's code-fold and code-summary", function () {
    const chapter = read("01_basics.html");
    assert.match(chapter, /<details class="cell-code code-fold"><summary>Engine code: lib\/basics_engine\.ts <span class="lines">\(6 lines\)<\/span><\/summary><pre><code[^>]*>[\s\S]*dotKernel/);
    assert.match(chapter, /<details class="cell-code code-fold"><summary>Show the set-up <span class="lines">\(1 lines\)<\/span><\/summary>/);
    assert.match(chapter, /<details class="cell-code code-fold" open><summary>Code /);
    // An ordinary cell is not folded.
    assert.match(chapter, /<div class="cell code" id="cell-example">\n<div class="cell-code"><pre>/);
  });

  it("leaves examples that check (testEq/testClose/testFail) to the HTML report in print, keeping their figures and tables", function () {
    assert.equal(isCheckingExample('testEq(daysFromCivil(1970, 1, 1), 0);'), true);
    assert.equal(isCheckingExample('testFail(() => parse("x"), /bad/, "refused");'), true);
    assert.equal(isCheckingExample('await showChart(spec); // a figure, not a check'), false);
    assert.equal(isCheckingExample('const latest = "testEquality"; // not a call'), false);
  });

  it("prints a long table as its first 10 rows and a count of the rest", function () {
    const table = (n: number) => `<table><thead><tr><th>k</th><th>rmse</th></tr></thead><tbody>${Array.from({ length: n }, (_, i) => `<tr><td>${i}</td><td>0.9</td></tr>`).join("")}</tbody></table>`;
    assert.equal(shortTables(table(15)), table(15));
    const short = shortTables(table(40));
    assert.equal(short.match(/<tr>/g)!.length, 1 + 10);
    assert.match(short, /<tr class="more-rows"><td colspan="2">… 30 more rows in the HTML report\.<\/td><\/tr><\/tbody>/);
  });

  it("puts each inline expression's computed text in the prose, and marks one that has none", function () {
    const chapter = read("01_basics.html");
    assert.match(chapter, /<p>The best model, SVD_k\*50, has RMSE 0\.9342; <strong>\?notRunYet<\/strong> has no value\.<\/p>/);
    assert.ok(result.warnings.some((w) => /01_basics\.ipynb cell m-inline: `\{ts\} notRunYet` has no value: run the notebook/.test(w)));
  });

  it("renders Quarto callouts with their titles", function () {
    const chapter = read("01_basics.html");
    assert.match(chapter, /<div class="callout callout-tip" role="note">\n<p class="callout-title">Folded code<\/p>\n<p>Engine cells fold;/);
    assert.match(chapter, /<div class="callout callout-warning" role="note">\n<p class="callout-title">Leak<\/p>\n<p>Never tune on the test set\.<\/p>\n<\/div>/);
  });

  it("builds an offline search index of every cell and API symbol, loaded by every page", function () {
    const script = read("assets/search-index.js");
    const entries = JSON.parse(script.replace(/^window\.LITREC_SEARCH = /, "").replace(/;\n$/, ""));
    const hit = entries.find((e: any) => e.text.includes("Kruskal"));
    assert.deepEqual({ page: hit.page, id: hit.id, section: hit.section }, { page: "01_basics.html", id: "cell-m-aids", section: "Reading aids" });
    assert.ok(entries.some((e: any) => e.page === "api.html" && e.id === "basics.mean"));
    assert.ok(!script.includes("<script"), "no entry can close a script element");
    for (const page of result.pages) assert.match(read(page), /<script src="assets\/search-index\.js"><\/script>\n<script src="assets\/search\.js"><\/script>/, page);
  });

  it("prints exported cells as their signatures, folded code as a note, and long logs shortened", function () {
    const print = read("print.html");
    const cell = (id: string) => new RegExp(`<div class="cell code" id="cell-${id}">([\\s\\S]*?)\n</div>\n(?=<div class="cell|</section>)`).exec(print)![1];
    assert.doesNotMatch(cell("export1"), /reduce/, "the body is left to the HTML report");
    assert.match(cell("export1"), /\/\*\* Mean of a list of numbers \(0 for an empty list\)\. \*\//, "with the first sentence of its doc");
    assert.match(cell("export1"), /<div class="cell-code signatures" title="signatures; 4 lines of code in the HTML report and in lib\/basics\.ts"><pre>[\s\S]*<span class="hljs-title function_">mean<\/span>/);
    assert.match(cell("engine"), /Engine code: lib\/basics_engine\.ts: 6 lines of code, in the HTML report and in <code>lib\/basics_engine\.ts<\/code>/);
    assert.doesNotMatch(cell("engine"), /<pre>/);
    assert.match(cell("longlog"), /epoch 20\n?<\/pre>\n<p class="cell-meta folded-note">… 20 more lines of output in the HTML report\.<\/p>/);
    assert.doesNotMatch(cell("longlog"), /epoch 21/);
    assert.match(read("01_basics.html"), /epoch 40/, "the site keeps the whole log");
    assert.match(print, /<h1 class="title">API index<\/h1>/);
  });

  it("shows a results cell as a table, and gathers the rows on the index page", function () {
    assert.deepEqual(
      result.results.map((r) => [r.model, r.rmse, r.chapter]),
      [
        ["Baseline", 0.9443, "Basics of the fixture"],
        ["SVD", 0.9342, "Basics of the fixture"],
      ],
    );
    assert.match(read("01_basics.html"), /<table class="results">[\s\S]*<td>SVD<\/td><td class="num">0\.9342<\/td><td class="num">0\.7371<\/td><td class="num">3\.2<\/td>/);
    const index = read("index.html");
    assert.match(index, /<h2 id="results">Results<\/h2>/);
    assert.match(index, /<td><a href="01_basics\.html">Basics of the fixture<\/a><\/td>/);
    assert.match(index, /<ol class="chapter-list">[\s\S]*02_charts\.html/);
  });

  it("puts the whole report on one printable page with static charts and no scripts", function () {
    const html = read("print.html");
    assert.ok(!/<script src=/.test(html));
    assert.equal((html.match(/<section class="chapter"/g) ?? []).length, 4);
    assert.match(html, /<img class="vega-static"/);
  });

  it("says in one line how to get the PDF when no browser is found", function () {
    assert.equal(result.pdf, null);
    assert.equal(result.pdfSkipped, NO_BROWSER_HINT);
    assert.ok(!result.pages.some((p) => read(p).includes(".pdf\"")), "no link to a missing PDF");
  });

  it("renders again over an earlier render, removing stale pages", async function () {
    fs.writeFileSync(path.join(out, "old-chapter.html"), "stale");
    fs.writeFileSync(path.join(out, "README.md"), "kept");
    await render({ root: FIXTURE, outDir: out, browser: null, log: quiet, to: "html" });
    assert.ok(!fs.existsSync(path.join(out, "old-chapter.html")));
    assert.equal(read("README.md"), "kept");
  });
});

describe("nbts render: PDF", function () {
  const browser = findChromium();
  it("prints one PDF of the whole report with a headless Chromium", async function () {
    if (!browser) return this.skip(); // no Chromium here: `apt-get install chromium` or CHROME_PATH
    this.timeout(180_000);
    const out = tempDir("pdf");
    const lines: string[] = [];
    const r = await render({ root: FIXTURE, outDir: out, to: "pdf", log: (l) => lines.push(l) });
    assert.ok(r.pdf, r.pdfSkipped ?? "no pdf");
    assert.equal(path.basename(r.pdf!), "Fixture-report.pdf");
    const pdf = fs.readFileSync(r.pdf!);
    assert.equal(pdf.subarray(0, 5).toString(), "%PDF-");
    assert.ok((pdf.toString("latin1").match(/\/Type \/Page\b/g) ?? []).length >= 4, "several pages");
    assert.deepEqual(r.pages, [], "--to pdf writes no site pages");
  });
});

describe("nbts render: _quarto.yml cannot send output elsewhere", function () {
  function project(yml: string): string {
    const dir = copyFixture();
    fs.writeFileSync(path.join(dir, "_quarto.yml"), yml);
    return dir;
  }
  const base = (extra: string, chapters = "    - notebooks/01_basics.ipynb\n") => `project:\n  type: book\n${extra}book:\n  title: T\n  chapters:\n${chapters}`;

  for (const dir of ["..", "../elsewhere", "/tmp/elsewhere", "exported/../..", "docs"]) {
    it(`refuses output-dir: ${dir}`, async function () {
      const root = project(base(`  output-dir: "${dir}"\n`));
      await assert.rejects(render({ root, browser: null, log: quiet }), (e: Error) => e instanceof ConfigError && /output-dir must be "exported"/.test(e.message));
      assert.ok(!fs.existsSync(path.join(root, "exported", "index.html")));
    });
  }

  for (const chapter of ["../../../etc/passwd.ipynb", "/etc/passwd.ipynb", "notebooks/../../x.ipynb"]) {
    it(`refuses chapter ${chapter}`, function () {
      const root = project(base("  output-dir: exported\n", `    - "${chapter}"\n`));
      assert.throws(() => readConfig(root), /must be a path inside the project/);
    });
  }

  it("refuses a chapter that is a symbolic link out of the project", function () {
    const root = project(base("  output-dir: exported\n", "    - notebooks/evil.ipynb\n"));
    const outside = path.join(tempDir("outside"), "x.ipynb");
    fs.copyFileSync(path.join(FIXTURE, "notebooks", "01_basics.ipynb"), outside);
    fs.symlinkSync(outside, path.join(root, "notebooks", "evil.ipynb"));
    assert.throws(() => readConfig(root), /resolves outside the project/);
  });

  it("refuses an exported/ that is a symbolic link", function () {
    const root = project(base("  output-dir: exported\n"));
    fs.rmSync(path.join(root, "exported"), { recursive: true, force: true });
    fs.symlinkSync(tempDir("target"), path.join(root, "exported"));
    assert.throws(() => readConfig(root), /symbolic link/);
  });

  it("keeps every write inside the output folder", function () {
    const out = tempDir("out");
    assert.throws(() => outputPath(out, "../x.html"), /outside/);
    assert.throws(() => outputPath(out, "/etc/x.html"), /outside/);
    fs.symlinkSync(tempDir("elsewhere"), path.join(out, "figures"));
    assert.throws(() => outputPath(out, "figures/a.svg"), /leads outside/);
    assert.equal(outputPath(out, "assets/a.css"), path.join(out, "assets", "a.css"));
  });

  it("writes into exported/ by default, with chapter names made safe", async function () {
    const root = project(base("  output-dir: exported/\n"));
    const r = await render({ root, browser: null, log: quiet, to: "html" });
    assert.equal(r.outDir, path.join(root, "exported"));
    assert.ok(fs.existsSync(path.join(root, "exported", "01_basics.html")));
  });
});

describe("nbts render --engine quarto", function () {
  it("says clearly that Quarto is missing", async function () {
    const saved = process.env.PATH;
    process.env.PATH = tempDir("nopath");
    try {
      await assert.rejects(render({ root: FIXTURE, engine: "quarto", log: quiet }), /needs Quarto on PATH[\s\S]*quarto\.org/);
    } finally {
      process.env.PATH = saved;
    }
  });
  it("delegates to quarto render when it is on PATH", async function () {
    const bin = tempDir("bin");
    const marker = path.join(bin, "called");
    fs.writeFileSync(path.join(bin, "quarto"), `#!/bin/sh\necho "$PWD $@" > "${marker}"\n`, { mode: 0o755 });
    const saved = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${saved}`;
    try {
      await render({ root: FIXTURE, engine: "quarto", to: "html", log: quiet });
    } finally {
      process.env.PATH = saved;
    }
    assert.equal(fs.readFileSync(marker, "utf8").trim(), `${fs.realpathSync(FIXTURE)} render --to html`);
  });
});

describe("HTML sanitizer", function () {
  const cases: [string, RegExp][] = [
    ["<script>alert(1)</script>ok", /^ok$/],
    ["<img src=x onerror=alert(1)>", /^<img>$/],
    ['<a href="jav&#x61;script:alert(1)">x</a>', /^<a>x<\/a>$/],
    ['<a href=" javascript:alert(1)">x</a>', /^<a>x<\/a>$/],
    ['<a href="https://example.org/?a=1&amp;b=2">x</a>', /^<a href="https:\/\/example.org\/\?a=1&amp;b=2" rel="noopener noreferrer">x<\/a>$/],
    ["<svg><script>alert(1)</script><circle/></svg>after", /^after$/],
    ["<div><iframe src=x></iframe><b>bold</b>", /^<div><b>bold<\/b><\/div>$/],
    ["<p style=\"background:url(http://x)\">t</p>", /^<p>t<\/p>$/],
    ["<td colspan=2 class=n>3</td>", /^<td colspan="2" class="n">3<\/td>$/],
    ["a < b and <unknown>c</unknown>", /^a &lt; b and c$/],
    ["<style>body{}</style><!-- c --><b>x", /^<b>x<\/b>$/],
    ['<img src="data:image/png;base64,AAAA">', /^<img src="data:image\/png;base64,AAAA">$/],
    ['<img src="http://tracker/x.png">', /^<img>$/],
    ["<scr<script>ipt>alert(1)</script>", /^&lt;scr$/],
  ];
  for (const [input, expected] of cases) it(`cleans ${input}`, () => assert.match(sanitizeHtml(input), expected));
  it("checks link schemes after decoding", function () {
    assert.equal(safeHref("&#106;avascript:x"), null);
    assert.equal(safeHref("//evil.example/x"), null);
    assert.equal(safeHref("02_charts.html#x"), "02_charts.html#x");
  });
});

describe("markdown math", function () {
  const md = (s: string) => renderMarkdown(s, new PageEnv(false));
  it("renders inline, display and bracket forms", function () {
    assert.match(md("$x$"), /<span class="katex">/);
    assert.match(md("$$\nx^2\n$$"), /<div class="math display"><span class="katex-display">/);
    assert.match(md("\\(a\\) and \\[b\\]"), /katex[\s\S]*katex-display/);
  });
  it("leaves dollar amounts and escaped dollars alone", function () {
    assert.equal(md("costs $5 and $10."), "<p>costs $5 and $10.</p>\n");
    assert.equal(md("\\$x\\$"), "<p>$x$</p>\n");
  });
  it("shows TeX it cannot parse as an error, without failing the page", function () {
    assert.match(md("$\\frac{1$"), /katex-error/);
  });
});

describe("results convention", function () {
  it("reads the JSON a `//| label: results` cell printed", function () {
    const rows = resultsFromNotebook(readNotebook(path.join(FIXTURE, "notebooks", "01_basics.ipynb")));
    assert.deepEqual(rows.map((r) => r.model), ["Baseline", "SVD"]);
    const table = resultsTableText(rows);
    assert.match(table, /^model\s+RMSE\s+MAE\s+time \(s\)\s+chapter$/m);
    assert.match(table, /^SVD\s+0\.9342\s+0\.7371\s+3\.2$/m);
  });
  it("merges the chapters' rows into one row per model, and warns when two chapters disagree under one protocol", function () {
    const rows = [
      { chapter: "2", model: "usercf", rmse: 0.9573, mae: 0.7393 },
      { chapter: "3", model: "mf-sgd (biased SGD, k=16)", name: "mf-sgd", rmse: 0.8677 },
      { chapter: "4", model: "mf-sgd tuned", name: "mf-sgd", params: { k: 1, regFactor: 0.01 }, rmse: 0.8566, cvRmse: 0.87 },
      { chapter: "5", model: "user-CF, the original", name: "usercf", rmse: 0.9573, cvRmse: 0.9601, peakRssMB: 175 },
      { chapter: "5", model: "biased MF, SGD", name: "mf-sgd", rmse: 0.8608, cvRmse: 0.8692 },
      { chapter: "5", model: "tuned again", name: "mf-sgd", params: { regFactor: 0.01, k: 1 }, rmse: 0.85665 },
      { chapter: "8", model: "mf-sgd", name: "mf-sgd", split: "user:0.25", rmse: 0.8716, "ndcg@10": 0.0838 },
    ];
    const merged = mergeResults(rows);
    // One row per model (name + params); the first chapter gives the label and RMSE, later ones fill the CV column.
    assert.deepEqual(
      merged.headline.map((r) => [r.model, r.rmse, r.cvRmse, r.chapters.map((c) => c.title).join(",")]),
      [
        ["usercf", 0.9573, 0.9601, "2,5"],
        ["mf-sgd (biased SGD, k=16)", 0.8677, 0.8692, "3,5"],
        ["mf-sgd tuned", 0.8566, 0.87, "4,5"],
      ],
    );
    assert.equal(merged.headline[0].peakRssMB, 175);
    assert.deepEqual(merged.conflicts, [
      'mf-sgd under random:0.2, seed 0: test RMSE 0.8677 in "3" but 0.8608 in "5" (one model, one protocol: the numbers must agree)',
    ]);
    assert.deepEqual(merged.other.map((r) => [r.model, r.protocol]), [["mf-sgd", "user:0.25, seed 0"]]);
    assert.equal(merged.headline[1].disagreement, "test RMSE 0.8677 (3) vs 0.8608 (5)", "the row itself says its chapters disagree");
    const html = mergedResultsHtml(merged);
    assert.match(html, /<div class="callout callout-warning"><p class="callout-title">Chapters disagree<\/p>/);
    assert.match(html, /<th class="num">CV RMSE \(5-fold\)<\/th>/);
    assert.match(html, /<td>usercf<\/td><td class="num">0\.9573<\/td><td class="num">0\.7393<\/td><td class="num">0\.9601<\/td>/);
    assert.match(html, /Measured under another protocol \(<code>user:0\.25, seed 0<\/code>\)/);
    assert.match(resultsTableText(merged.headline), /^usercf\s+0\.9573\s+0\.7393\s+0\.9601\s+2; 5$/m);
  });
});

describe("npm start (nbts start)", function () {
  it("runs every notebook, renders, and prints the results table and the report path", async function () {
    const root = copyFixture();
    const ran: string[] = [];
    const progress: string[] = [];
    const lines: string[] = [];
    const saved = process.env.LITREC_DATA;
    process.env.LITREC_DATA = path.join(root, "notebooks");
    try {
      const code = await start({
        root,
        skipBuild: true,
        progress: { write: (s: string) => (progress.push(s), true), isTTY: false } as any,
        out: (l) => lines.push(l),
        runNotebooks: async (files, opts) => {
          assert.equal(opts.write, true);
          assert.equal(opts.skipSlow, false);
          return files.map((f) => {
            ran.push(path.basename(f));
            opts.onEvent?.({ type: "notebook-start", notebook: f });
            opts.onEvent?.({ type: "notebook-start", notebook: f, total: 1 });
            opts.onEvent?.({ type: "cell-start", notebook: f, cell: 1, firstLine: "x" });
            opts.onEvent?.({ type: "cell-end", notebook: f, cell: 1, ok: true, ms: 2500 });
            opts.onEvent?.({ type: "notebook-end", notebook: f, ok: true, ms: 3000 });
            return { notebook: f, ok: true, cells: 1, ms: 3000 };
          });
        },
      });
      assert.equal(code, 0);
    } finally {
      if (saved === undefined) delete process.env.LITREC_DATA;
      else process.env.LITREC_DATA = saved;
    }
    assert.deepEqual(ran, ["01_basics.ipynb", "02_charts.ipynb", "03_trusted.ipynb"]);
    const log = progress.join("");
    assert.match(log, /data: .*notebooks \(from LITREC_DATA\)/);
    assert.match(log, /\[1\/3\] notebooks\/01_basics\.ipynb\n/);
    assert.match(log, /\[2\/3\]   cell 1 2\.5 s\n/);
    assert.match(log, /\[3\/3\] ok   notebooks\/03_trusted\.ipynb: 1 cells, 3\.0 s/);
    const text = lines.join("\n");
    assert.match(text, /^SVD\s+0\.9342\s+0\.7371\s+3\.2\s+Basics of the fixture$/m);
    assert.match(text, /^report: .*exported\/index\.html$/m);
    assert.ok(fs.existsSync(path.join(root, "exported", "index.html")));
  });

  it("reuses notebooks whose code, library and data are unchanged, and runs the others (freeze)", async function () {
    const root = copyFixture();
    const data = path.join(root, "data-for-freeze");
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, "ratings.csv"), "userId,movieId,rating,timestamp\n1,1,4,0\n");
    const saved = process.env.LITREC_DATA;
    process.env.LITREC_DATA = data;
    let ran: string[] = [];
    const progress: string[] = [];
    const once = (force = false) =>
      start({
        root,
        force,
        skipBuild: true,
        progress: { write: (s: string) => (progress.push(s), true), isTTY: false } as any,
        out: quiet,
        runNotebooks: async (files) => ((ran = files.map((f) => path.basename(f))), files.map((f) => ({ notebook: f, ok: true, cells: 1, ms: 1 }))),
      });
    try {
      assert.equal(await once(), 0);
      assert.deepEqual(ran, ["01_basics.ipynb", "02_charts.ipynb", "03_trusted.ipynb"]);
      progress.length = 0;
      assert.equal(await once(), 0);
      assert.deepEqual(ran, [], "nothing changed: every notebook is reused");
      assert.match(progress.join(""), /reused, unchanged since their outputs were written .*: notebooks\/01_basics\.ipynb, notebooks\/02_charts\.ipynb, notebooks\/03_trusted\.ipynb/);
      // A code cell changes: that notebook only.
      const nbFile = path.join(root, "notebooks", "02_charts.ipynb");
      const nb = readNotebook(nbFile);
      const code = nb.cells.find((c) => c.cell_type === "code")!;
      code.source = sourceText(code.source) + "\n// edited";
      writeNotebook(nbFile, nb);
      assert.equal(await once(), 0);
      assert.deepEqual(ran, ["02_charts.ipynb"]);
      // A markdown cell or an output changes: still frozen.
      const md = readNotebook(nbFile);
      md.cells.find((c) => c.cell_type === "markdown")!.source = "changed prose";
      writeNotebook(nbFile, md);
      assert.equal(await once(), 0);
      assert.deepEqual(ran, []);
      // The dataset changes: every notebook.
      fs.appendFileSync(path.join(data, "ratings.csv"), "1,2,3,0\n");
      assert.equal(await once(), 0);
      assert.equal(ran.length, 3);
      // --force runs everything.
      assert.equal(await once(true), 0);
      assert.equal(ran.length, 3);
    } finally {
      if (saved === undefined) delete process.env.LITREC_DATA;
      else process.env.LITREC_DATA = saved;
    }
  });

  it("fails with a clear message when LITREC_DATA does not exist", async function () {
    const saved = process.env.LITREC_DATA;
    process.env.LITREC_DATA = "/no/such/dataset";
    const errors: string[] = [];
    const orig = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      assert.equal(await start({ root: FIXTURE, skipBuild: true, progress: { write: () => true } as any, out: quiet }), 1);
    } finally {
      console.error = orig;
      if (saved === undefined) delete process.env.LITREC_DATA;
      else process.env.LITREC_DATA = saved;
    }
    assert.match(errors.join("\n"), /LITREC_DATA=\/no\/such\/dataset: no such file or folder/);
  });
});
