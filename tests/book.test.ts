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
 * (and bench/, whose results files chapter 3 reads) are links to this one, and run there with LITREC_DATA pointing at the fixture.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runNotebooks, NotebookResult } from "../tools/runner";
import { readNotebook, sourceText, Cell, Notebook } from "../tools/notebook";
import { inlineExpressions, inlineValues } from "../tools/inline";
import { resultsFromNotebook, mergeResults, modelKey, ResultRow } from "../tools/render/results";

const ROOT = path.resolve(__dirname, "..");
const THU = path.join(ROOT, "tests", "fixtures", "data", "thu");
/**
 * The chapters run: every chapter that draws conclusions (chapter 1 describes the data and concludes nothing).
 * On the fixture each takes seconds; the whole set about two minutes on a loaded machine.
 */
const CHAPTERS = [
  "02_user_cf.ipynb",
  "03_matrix_factorization.ipynb",
  "04_tuning.ipynb",
  "05_comparison.ipynb",
  "06_interpretation.ipynb",
  "07_neural_cf.ipynb",
  "08_top_n.ipynb",
];

/** A heading that opens a chapter's conclusions: "Conclusions", "Summary", "What the numbers say". */
const CONCLUDING_HEADING = /conclusion|summary|^what the \w+ says?\b/i;

/**
 * Markdown cells that state conclusions: tagged `conclusion`, with an id that ends in `conclusion`
 * (chapter 3's `mf-sgd-conclusion`, ...), or under a heading that opens conclusions.
 */
export function conclusionCells(nb: Notebook): Cell[] {
  let inConclusions = false;
  const out: Cell[] = [];
  for (const c of nb.cells) {
    if (c.cell_type !== "markdown") continue;
    const text = sourceText(c.source);
    const heading = /^(#{1,3})\s+(.*)$/m.exec(text);
    if (heading) inConclusions = CONCLUDING_HEADING.test(heading[2]);
    const tags: unknown = (c.metadata as any)?.tags;
    if (inConclusions || (Array.isArray(tags) && tags.includes("conclusion")) || /conclusion$/.test(c.id ?? "")) out.push(c);
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
    .replace(/\b(chapters?|claims?|sections?)\s+\d+[a-z]?(?:'s)?(?:\s*(?:,|and|or|–|-)\s*\d+[a-z]?)*/gi, " ")
    .replace(/[A-Za-z@]\d+/g, " "); // names with digits: L2, log2, nDCG@10
  return prose.split(/\s+/).filter((w) => /\d/.test(w));
}

/** Inline values of a conclusion that say nothing: NaN, Infinity, undefined, null (a figure the data could not give). */
export function emptyValues(cell: Cell): string[] {
  return Object.entries(inlineValues(cell))
    .filter(([, v]) => /\b(NaN|Infinity|undefined|null)\b/.test(v))
    .map(([e, v]) => `cell ${cell.id}: {ts} ${e} = ${v}`);
}

describe("helpers of the book test", function () {
  it("find the conclusions and the numbers they hard-code", function () {
    assert.deepEqual(hardCodedNumbers("RMSE `{ts} best.rmse` against 0.864 (chapter 2, claims 1 and 3); `k=16` and $O(m^2)$"), ["0.864"]);
    assert.deepEqual(hardCodedNumbers("Claim 3 is not settled; claim 6's second half, see chapter 2's table."), []);
    assert.deepEqual(hardCodedNumbers("Adam + L2, a log2 discount, nDCG@10 of top-40 users"), ["top-40"]);
    const cell = { cell_type: "markdown", source: "", metadata: { nbts: { inline: { a: "0.86", b: "NaN", c: "takes Infinity× as long" } } } } as unknown as Cell;
    assert.deepEqual(emptyValues(cell), ["cell undefined: {ts} b = NaN", "cell undefined: {ts} c = takes Infinity× as long"]);
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
  // About three minutes on a quiet two-core machine, two chapters at a time; the limit is for a loaded one.
  this.timeout(2400000);
  let scratch = "";
  const runs = new Map<string, { result: NotebookResult; nb: Notebook | null }>();

  before(async function () {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-book-"));
    fs.mkdirSync(path.join(scratch, "notebooks"));
    // No package.json: nothing here looks like the project, so no tool exports into the linked lib/.
    // bench/: chapter 3 reads the last bench runs' results files.
    for (const link of ["lib", "node_modules", "data", "bench", "tsconfig.json"]) fs.symlinkSync(path.join(ROOT, link), path.join(scratch, link));
    const saved = process.env.LITREC_DATA;
    process.env.LITREC_DATA = THU;
    try {
      const files = CHAPTERS.map((chapter) => path.join(scratch, "notebooks", chapter));
      CHAPTERS.forEach((chapter, i) => fs.copyFileSync(path.join(ROOT, "notebooks", chapter), files[i]));
      const results = await runNotebooks(files, { write: true, skipSlow: false, timeoutMs: 300000, jobs: 2 });
      CHAPTERS.forEach((chapter, i) => runs.set(chapter, { result: results[i], nb: results[i].ok ? readNotebook(files[i]) : null }));
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

    it(`${chapter}'s conclusions get a figure from every inline expression (no NaN, Infinity, undefined)`, function () {
      assert.deepEqual(conclusionCells(notebook(chapter)).flatMap(emptyValues), []);
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

  it("chapter 7's verdict on the networks against biased MF holds for every network of its range", function () {
    const nb = notebook("07_neural_cf.ipynb");
    const said: Record<string, string> = Object.assign({}, ...nb.cells.filter((c) => c.cell_type === "markdown").map(inlineValues));
    const [lo, hi] = said["findings?.ncfRange"].split("–").map(Number);
    const reference = Number(said["findings?.reference"]);
    const tie = 0.005; // the chapter's tie: RMSE differences below it are ties on a split of this size
    const versus = (a: number) => (Math.abs(a - reference) < tie ? "ties with" : a < reference ? "beats" : "trails");
    const expected = versus(lo) === versus(hi) ? versus(lo) : `${versus(lo)} (at best) or ${versus(hi)} (at worst)`;
    assert.equal(said["findings?.ncfVerdict"], expected, `range ${lo}–${hi} against ${reference}`);
  });

  it("the chapters' results rows merge into one row per model and parameters without conflicts", function () {
    const rows = CHAPTERS.flatMap((chapter) => resultsFromNotebook(notebook(chapter)).map((r) => ({ ...r, chapter })));
    const merged = mergeResults(rows);
    assert.deepEqual(merged.conflicts, []);
    // One row per model: a name may come back with other parameters (chapter 4's tuned mf-sgd, chapter 7's ncf optimizers).
    assert.equal(new Set(merged.headline.map(modelKey)).size, merged.headline.length);
  });
});
