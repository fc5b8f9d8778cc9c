/**
 * The book on a second dataset (issue 16, item 3): chapters that draw conclusions are run on the THU fixture
 * (tests/fixtures/data/thu: the THU subset's four-file layout with 4 users, 5 films and 9 ratings, so every model's
 * numbers and most verdicts differ from the shipped data's) in a scratch copy, and no conclusion may contradict its
 * own table:
 *
 * - every inline `{ts} expr` of every markdown cell gets a value;
 * - a conclusion (a markdown cell tagged `conclusion`, or any markdown cell under a heading that says "conclusion")
 *   holds no hard-coded number: digits only inside inline expressions, code spans, math, and "chapter N" / "claim N";
 * - chapter 5's verdicts and figures, as the prose prints them, are the ones its results rows imply;
 * - the results rows of the chapters run give one row per model under one protocol, without conflicts.
 *
 * The committed notebooks are never written: each is copied into a scratch project whose lib/, node_modules/ and data/
 * are links to this one, and run there with LITREC_DATA pointing at the fixture.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runNotebook, NotebookResult } from "../tools/runner";
import { readNotebook, sourceText, Cell, Notebook } from "../tools/notebook";
import { inlineExpressions, inlineValues } from "../tools/inline";
import { resultsFromNotebook, mergeResults, ResultRow } from "../tools/render/results";

const ROOT = path.resolve(__dirname, "..");
const THU = path.join(ROOT, "tests", "fixtures", "data", "thu");
/** The chapters run: chapter 5's conclusions, and a cheap chapter whose results row chapter 5 also measures. */
const CHAPTERS = ["05_comparison.ipynb", "06_interpretation.ipynb"];

/** Markdown cells that state conclusions: tagged `conclusion`, or under a heading that names conclusions. */
export function conclusionCells(nb: Notebook): Cell[] {
  let inConclusions = false;
  const out: Cell[] = [];
  for (const c of nb.cells) {
    if (c.cell_type !== "markdown") continue;
    const text = sourceText(c.source);
    const heading = /^(#{1,3})\s+(.*)$/m.exec(text);
    if (heading) inConclusions = /conclusion/i.test(heading[2]);
    const tags: unknown = (c.metadata as any)?.tags;
    if (inConclusions || (Array.isArray(tags) && tags.includes("conclusion"))) out.push(c);
  }
  return out;
}

/** The words of a markdown text that hold digits once inline expressions, code, math and chapter/claim references are removed. */
export function hardCodedNumbers(markdown: string): string[] {
  const prose = markdown
    .replace(/`\{ts\}[^`]*`/g, " ")
    .replace(/`[^`]*`/g, " ")
    .replace(/\$\$[\s\S]*?\$\$/g, " ")
    .replace(/\$[^$\n]*\$/g, " ")
    .replace(/\b(chapters?|claims?|sections?)\s+\d+[a-z]?(?:'s)?(?:\s*(?:,|and|or|–|-)\s*\d+[a-z]?)*/gi, " ");
  return prose.split(/\s+/).filter((w) => /\d/.test(w));
}

describe("helpers of the book test", function () {
  it("find the conclusions and the numbers they hard-code", function () {
    assert.deepEqual(hardCodedNumbers("RMSE `{ts} best.rmse` against 0.864 (chapter 2, claims 1 and 3); `k=16` and $O(m^2)$"), ["0.864"]);
    assert.deepEqual(hardCodedNumbers("Claim 3 is not settled; claim 6's second half, see chapter 2's table."), []);
    const nb = {
      cells: [
        { cell_type: "markdown", source: "## Results", metadata: {} },
        { cell_type: "markdown", source: "plain 1", metadata: { tags: ["conclusion"] } },
        { cell_type: "markdown", source: "## Conclusions", metadata: {} },
        { cell_type: "markdown", source: "found 2", metadata: {} },
        { cell_type: "code", source: "1", metadata: {} },
        { cell_type: "markdown", source: "## Next", metadata: {} },
      ],
    } as unknown as Notebook;
    assert.deepEqual(conclusionCells(nb).map((c) => c.source), ["plain 1", "## Conclusions", "found 2"]);
  });
});

describe("the book on the THU fixture: no conclusion contradicts its own table", function () {
  this.timeout(600000);
  let scratch = "";
  const runs = new Map<string, { result: NotebookResult; nb: Notebook | null }>();

  before(async function () {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-book-"));
    fs.mkdirSync(path.join(scratch, "notebooks"));
    // No package.json: nothing here looks like the project, so no tool exports into the linked lib/.
    for (const link of ["lib", "node_modules", "data", "tsconfig.json"]) fs.symlinkSync(path.join(ROOT, link), path.join(scratch, link));
    const saved = process.env.LITREC_DATA;
    process.env.LITREC_DATA = THU;
    try {
      for (const chapter of CHAPTERS) {
        const file = path.join(scratch, "notebooks", chapter);
        fs.copyFileSync(path.join(ROOT, "notebooks", chapter), file);
        const result = await runNotebook(file, { write: true, skipSlow: false, timeoutMs: 300000 });
        runs.set(chapter, { result, nb: result.ok ? readNotebook(file) : null });
      }
    } finally {
      if (saved === undefined) delete process.env.LITREC_DATA;
      else process.env.LITREC_DATA = saved;
    }
  });

  after(function () {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  const notebook = (chapter: string): Notebook => {
    const r = runs.get(chapter)!;
    assert.ok(r.nb, `${chapter} failed on the THU fixture: ${r.result.error}`);
    return r.nb!;
  };

  for (const chapter of CHAPTERS) {
    it(`${chapter} runs on it, and every inline expression has a value`, function () {
      const nb = notebook(chapter);
      const missing = nb.cells
        .filter((c) => c.cell_type === "markdown")
        .flatMap((c) => inlineExpressions(sourceText(c.source)).filter((e) => !(e in inlineValues(c))).map((e) => `cell ${c.id}: {ts} ${e}`));
      assert.deepEqual(missing, []);
    });

    it(`${chapter}'s conclusions take every number from the run`, function () {
      const nb = notebook(chapter);
      const found = conclusionCells(nb).flatMap((c) => hardCodedNumbers(sourceText(c.source)).map((w) => `cell ${c.id}: ${w}`));
      assert.deepEqual(found, []);
    });
  }

  it("chapter 5 draws conclusions, and its results rows carry a name and a 5-fold CV RMSE for every model, a test RMSE unless its CV fits were lighter", function () {
    const nb = notebook("05_comparison.ipynb");
    assert.ok(conclusionCells(nb).length >= 4, "chapter 5's conclusion cells are tagged");
    const rows = resultsFromNotebook(nb);
    assert.ok(rows.length >= 10, `${rows.length} rows`);
    for (const r of rows) {
      assert.equal(typeof r.name, "string", r.model);
      assert.ok(Number.isFinite(r.cvRmse), `${r.model}: cvRmse ${r.cvRmse}`);
      assert.ok(Number.isFinite(r.rmse) || typeof r.cvNote === "string", `${r.model}: no test RMSE and no note why`);
    }
    assert.equal(new Set(rows.map((r) => r.name)).size, rows.length, "one row per model");
  });

  it("chapter 5's verdicts and figures in prose are the ones its results rows imply", function () {
    const nb = notebook("05_comparison.ipynb");
    const rows = resultsFromNotebook(nb);
    const row = (name: string): ResultRow => rows.find((r) => r.name === name) ?? assert.fail(`no results row for ${name}`);
    const rmse = (name: string) => row(name).rmse!;
    // Every inline value of the chapter's markdown, by expression (one expression means one thing in the chapter).
    const said: Record<string, string> = Object.assign({}, ...nb.cells.filter((c) => c.cell_type === "markdown").map(inlineValues));
    const holds = (b: boolean) => (b ? "holds" : "does not hold");
    const compared = ["baseline", "usercf", "knn", "itemcf", "mf-sgd", "mf-als"];
    const byRmse = [...compared].sort((a, b) => rmse(a) - rmse(b));
    const distinct = (xs: number[]) => new Set(xs).size === xs.length; // ties after rounding cannot be ordered from the rows

    assert.equal(said["said.claim1"], holds(Math.max(rmse("mf-sgd"), rmse("mf-als")) < Math.min(rmse("usercf"), rmse("knn"))), "claim 1");
    assert.equal(said["said.claim1b"], holds(rmse("mf-als") < rmse("itemcf")), "claim 1b");
    if (distinct(compared.map(rmse))) {
      assert.equal(said["said.best"], row(byRmse[0]).model, "the best model");
      assert.equal(said["firstFindings.worst"], row(byRmse[byRmse.length - 1]).model, "the least accurate model");
    }
    assert.equal(said["firstFindings.knnVsBaseline"], rmse("knn") < rmse("baseline") ? "beats" : "does not beat");
    for (const [expr, name] of [['by("knn").rmse.toFixed(3)', "knn"], ['by("baseline").rmse.toFixed(3)', "baseline"]] as const)
      assert.ok(Math.abs(Number(said[expr]) - rmse(name)) <= 5e-4 + 1e-9, `${expr} = ${said[expr]} against the row's ${rmse(name)}`);
    const margin = (base: string) => rmse(base) - Math.min(rmse("mf-sgd"), rmse("mf-als"));
    assert.ok(Math.abs(Number(said["said.mfMarginOriginal"]) - margin("usercf")) <= 1e-3, "margin against the original");
    assert.ok(Math.abs(Number(said["said.mfMarginKnn"]) - margin("knn")) <= 1e-3, "margin against the best variant");
    const both = rows.filter((r) => Number.isFinite(r.rmse));
    if (distinct(both.map((r) => r.rmse!))) assert.equal(said["cvFacts.bestTest"], [...both].sort((a, b) => a.rmse! - b.rmse!)[0].model);
    if (distinct(both.map((r) => r.cvRmse!))) assert.equal(said["cvFacts.bestCv"], [...both].sort((a, b) => a.cvRmse! - b.cvRmse!)[0].model);
    assert.equal(said["cvFacts.models"], String(both.length));
  });

  it("the chapters' results rows merge into one row per model without conflicts", function () {
    const rows = CHAPTERS.flatMap((chapter) => resultsFromNotebook(notebook(chapter)).map((r) => ({ ...r, chapter })));
    const merged = mergeResults(rows);
    assert.deepEqual(merged.conflicts, []);
    assert.equal(new Set(merged.headline.map((r) => r.name ?? r.model)).size, merged.headline.length);
  });
});
