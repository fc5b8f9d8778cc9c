/**
 * The rendered report in a real browser (playwright-core + the machine's Chromium): every chart drawn,
 * math typeset, no console errors, no request leaving the machine, every sidebar link resolving.
 * Renders the fixture project into a temp folder, so it does not depend on the chapters' state.
 * Screenshots go to tests/artifacts/ (git-ignored).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fileURLToPath, pathToFileURL } from "url";
import type { Browser, Page } from "playwright-core";
import { render, RenderResult } from "../tools/render/index";
import { CHROMIUM_FLAGS, findChromium } from "../tools/render/pdf";

const FIXTURE = path.join(__dirname, "fixtures", "render");
const ARTIFACTS = path.join(__dirname, "artifacts");

interface PageReport {
  errors: string[];
  offMachine: string[];
}

describe("the rendered report in headless Chromium", function () {
  this.timeout(180_000);
  let browser: Browser | null = null;
  let out: string;
  let result: RenderResult;
  const offMachine: string[] = [];

  before(async function () {
    const executablePath = findChromium();
    if (!executablePath) {
      console.log("    (skipped: no Chromium found — install one, e.g. `apt-get install chromium`, or set CHROME_PATH)");
      return this.skip();
    }
    out = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-browser-"));
    result = await render({ root: FIXTURE, outDir: out, browser: null, to: "html", log: () => {} });
    const { chromium } = await import("playwright-core");
    const profileFlags = CHROMIUM_FLAGS.filter((f) => f !== "--headless");
    browser = await chromium.launch({ executablePath, args: profileFlags, headless: true });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async function () {
    await browser?.close();
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  /** Opens a page with every request that is not a local file aborted and counted; collects errors. */
  async function open(file: string): Promise<{ page: Page; report: PageReport }> {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const report: PageReport = { errors: [], offMachine: [] };
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (/^(file|data|blob):/.test(url)) return route.continue();
      report.offMachine.push(url);
      offMachine.push(url);
      return route.abort();
    });
    page.on("console", (m) => {
      if (m.type() === "error") report.errors.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => report.errors.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => {
      if (!report.offMachine.includes(r.url())) report.errors.push(`failed request: ${r.url()} (${r.failure()?.errorText})`);
    });
    await page.goto(pathToFileURL(path.join(out, file)).href, { waitUntil: "load" });
    return { page, report };
  }

  /** Waits until every chart has been drawn (or failed). */
  async function chartsSettled(page: Page): Promise<{ total: number; rendered: number; failed: string[]; svgs: number }> {
    await page.waitForFunction("[...document.querySelectorAll('.vega-chart')].every(e => e.hasAttribute('data-rendered') || e.hasAttribute('data-error'))", null, { timeout: 60_000 });
    return page.evaluate(`(() => {
      const charts = [...document.querySelectorAll('.vega-chart')];
      return {
        total: charts.length,
        rendered: charts.filter(e => e.getAttribute('data-rendered') === 'true').length,
        failed: charts.filter(e => e.hasAttribute('data-error')).map(e => e.id + ': ' + e.getAttribute('data-error')),
        svgs: charts.filter(e => e.querySelector('.vega-live svg.marks')).length,
      };
    })()`);
  }

  it("opens the index and every page without console errors or requests leaving the machine", async function () {
    for (const file of result.pages) {
      const { page, report } = await open(file);
      await chartsSettled(page);
      await page.close();
      assert.deepEqual(report.errors, [], `${file}: ${report.errors.join("\n")}`);
      assert.deepEqual(report.offMachine, [], `${file} asked the network for ${report.offMachine.join(", ")}`);
    }
  });

  it("draws every chart with vega-embed", async function () {
    const { page } = await open("02_charts.html");
    const charts = await chartsSettled(page);
    await page.screenshot({ path: path.join(ARTIFACTS, "report-charts.png"), fullPage: true });
    await page.close();
    assert.equal(charts.total, 2);
    assert.deepEqual(charts.failed, []);
    assert.equal(charts.rendered, 2);
    assert.equal(charts.svgs, 2);
  });

  it("typesets the math with KaTeX and its fonts", async function () {
    const { page } = await open("01_basics.html");
    const math = (await page.evaluate(`(async () => {
      await document.fonts.ready;
      return {
        katex: document.querySelectorAll('.katex').length,
        errors: document.querySelectorAll('.katex-error').length,
        font: document.fonts.check('16px KaTeX_Main'),
        height: document.querySelector('.katex-display').getBoundingClientRect().height,
      };
    })()`)) as { katex: number; errors: number; font: boolean; height: number };
    await page.screenshot({ path: path.join(ARTIFACTS, "report-math.png"), fullPage: true });
    await page.close();
    assert.ok(math.katex >= 3, `${math.katex} formulas`);
    assert.equal(math.errors, 0);
    assert.ok(math.font, "KaTeX_Main font loaded from the report's own files");
    assert.ok(math.height > 20, "display math has height");
  });

  it("resolves every link in the sidebar and the table of contents", async function () {
    for (const file of result.pages) {
      const { page } = await open(file);
      const links = (await page.evaluate(`[...document.querySelectorAll('nav.sidebar a, nav.toc a')].map(a => a.href)`)) as string[];
      const ids = (await page.evaluate(`[...document.querySelectorAll('[id]')].map(e => e.id)`)) as string[];
      await page.close();
      assert.ok(links.length >= result.pages.length, `${file}: sidebar lists every page`);
      for (const href of links) {
        const url = new URL(href);
        assert.equal(url.protocol, "file:", `${file}: ${href}`);
        const target = fileURLToPath(url);
        assert.ok(fs.existsSync(target), `${file}: sidebar link ${href} does not resolve`);
        if (url.hash && target === path.join(out, file)) assert.ok(ids.includes(decodeURIComponent(url.hash.slice(1))), `${file}: no element ${url.hash}`);
      }
    }
  });

  it("runs no script from an untrusted notebook's HTML, and runs a trusted one's", async function () {
    const untrusted = await open("02_charts.html");
    const pwned = await untrusted.page.evaluate("document.body.dataset.pwned ?? null");
    const title = await untrusted.page.title();
    await untrusted.page.close();
    assert.equal(pwned, null);
    assert.ok(!title.includes("pwned"));
    const trusted = await open("03_trusted.html");
    const text = await trusted.page.evaluate("document.getElementById('trusted-widget').textContent");
    await trusted.page.close();
    assert.equal(text, "ran");
  });

  it("opens folded code on a click", async function () {
    const { page, report } = await open("01_basics.html");
    const code = page.locator("#cell-engine details.code-fold pre");
    assert.equal(await code.isVisible(), false, "engine code starts folded");
    await page.locator("#cell-engine details.code-fold summary").click();
    assert.equal(await code.isVisible(), true, "a click opens it");
    assert.match((await code.textContent()) ?? "", /dotKernel/);
    await page.close();
    assert.deepEqual(report.errors, []);
  });

  it("finds a term with the offline search and lands on its cell", async function () {
    const { page, report } = await open("03_trusted.html");
    await page.locator("#search-input").fill("kruskal wallis");
    const first = page.locator("#search-results li a").first();
    await first.waitFor();
    assert.match((await first.textContent()) ?? "", /Basics of the fixture › Reading aids/);
    await page.locator("#search-input").press("Enter");
    await page.waitForURL(/01_basics\.html#cell-m-aids$/);
    const visible = await page.locator("#cell-m-aids").isVisible();
    await page.locator("#search-input").fill("zzzz-no-such-term");
    assert.equal(await page.locator("#search-results li.none").textContent(), "No match");
    await page.close();
    assert.ok(visible);
    assert.deepEqual(report.errors, []);
  });

  it("lands every @fig- cross-reference on its figure", async function () {
    let checked = 0;
    for (const file of result.pages) {
      const { page } = await open(file);
      const hrefs = (await page.evaluate(`[...document.querySelectorAll('a.xref')].map(a => a.href)`)) as string[];
      await page.close();
      for (const href of hrefs) {
        const target = await browser!.newPage();
        await target.goto(href);
        const id = decodeURIComponent(new URL(href).hash.slice(1));
        const figure = (await target.evaluate(`(() => { const e = document.getElementById(${JSON.stringify(id)}); return e ? { tag: e.tagName, caption: e.querySelector('figcaption')?.textContent ?? '' } : null; })()`)) as { tag: string; caption: string } | null;
        await target.close();
        assert.ok(figure, `${file}: ${href} lands on nothing`);
        if (id.startsWith("fig-")) assert.equal(figure!.tag, "FIGURE", `${file}: ${href}`);
        assert.match(figure!.caption, /^Figure \d+\.\d+/, `${file}: ${href}`);
        checked++;
      }
    }
    assert.ok(checked >= 2, `${checked} cross-references checked`);
  });

  it("keeps a screenshot of the index page", async function () {
    const { page } = await open("index.html");
    const file = path.join(ARTIFACTS, "report-index.png");
    await page.screenshot({ path: file, fullPage: true });
    await page.close();
    assert.ok(fs.statSync(file).size > 10_000);
    assert.deepEqual(offMachine, [], "no request left the machine during the whole test");
  });
});
