import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { spawn } from "child_process";
import { readNotebook, writeNotebook, emptyNotebook, makeCell, serializeNotebook, NotebookError, sourceText } from "../tools/notebook";
import { parseDirectives, planCell } from "../tools/directives";
import { exportProject, writeExport, currentLibFiles, rewriteSpecifier, locateCell } from "../tools/export";
import { unifiedDiff } from "../tools/diff";
import { cleanNotebook } from "../tools/clean";
import { runNotebook } from "../tools/runner";

const FIXTURES = path.join(__dirname, "fixtures");
/** Scratch folders live inside the project, so that notebooks there resolve tslab and tsconfig.json from it. */
const ARTIFACTS = path.join(__dirname, "artifacts");
fs.mkdirSync(ARTIFACTS, { recursive: true });
const tmpDir = (prefix: string) => fs.mkdtempSync(path.join(ARTIFACTS, prefix));

/** A scratch copy of the fixture project. */
function scratchProject(): string {
  const dir = tmpDir("nbts-");
  fs.cpSync(path.join(FIXTURES, "project"), dir, { recursive: true });
  return dir;
}

/** A scratch project whose one notebook, notebooks/01_x.ipynb, is made of the given code cells. */
function projectWith(cells: string[]): string {
  const dir = tmpDir("nbexp-");
  fs.mkdirSync(path.join(dir, "notebooks"));
  notebookOf(path.join(dir, "notebooks"), "01_x.ipynb", cells);
  return dir;
}

/** A notebook file made of the given code cells. */
function notebookOf(dir: string, name: string, cells: string[]): string {
  const nb = emptyNotebook();
  nb.cells = cells.map((src, i) => makeCell("code", src, `cell${i + 1}`));
  const file = path.join(dir, name);
  writeNotebook(file, nb);
  return file;
}

describe("notebook I/O", () => {
  it("round-trips a notebook byte for byte, keeping ids and metadata it does not know", () => {
    const file = path.join(FIXTURES, "project/notebooks/01_greet.ipynb");
    const text = fs.readFileSync(file, "utf8");
    const nb = readNotebook(file);
    nb.metadata.custom = { keep: [1, 2] };
    (nb.cells[0] as any).unknown_field = "kept";
    const again = JSON.parse(serializeNotebook(nb));
    assert.deepEqual(again.metadata.custom, { keep: [1, 2] });
    assert.equal(again.cells[0].unknown_field, "kept");
    assert.equal(again.cells[1].id, "c1");
    assert.equal(serializeNotebook(readNotebook(file)), text);
  });

  it("names the file and the line of a JSON error", () => {
    const file = path.join(FIXTURES, "bad/broken-json.ipynb");
    assert.throws(() => readNotebook(file), (e: Error) => e instanceof NotebookError && e.message.startsWith(file) && /not valid JSON \(line 4/.test(e.message));
  });

  it("says what is wrong with a JSON file that is not a notebook", () => {
    const file = path.join(FIXTURES, "bad/not-a-notebook.ipynb");
    assert.throws(() => readNotebook(file), (e: Error) => e.message.includes(file) && e.message.includes("cells[0].outputs") && e.message.includes('cells[1].cell_type: unknown cell type "picture"'));
  });

  it("names a missing file", () => {
    assert.throws(() => readNotebook("/nonexistent/x.ipynb"), /\/nonexistent\/x.ipynb: no such file/);
  });

  it("refuses to write an invalid notebook and leaves the old file untouched", () => {
    const dir = tmpDir("nbio-");
    const file = notebookOf(dir, "a.ipynb", ["1"]);
    const before = fs.readFileSync(file, "utf8");
    const nb = readNotebook(file);
    (nb.cells[0] as any).cell_type = "bogus";
    assert.throws(() => writeNotebook(file, nb), /refusing to write an invalid notebook/);
    assert.equal(fs.readFileSync(file, "utf8"), before);
  });

  it("never leaves a broken notebook when the writing process is killed mid-write", async function () {
    const dir = tmpDir("nbkill-");
    const file = notebookOf(dir, "big.ipynb", ["1"]);
    // A child rewrites a ~20 MB notebook in a loop; we kill it at several moments and read the file each time.
    const script = `
      const { readNotebook, writeNotebook, makeCell } = require(${JSON.stringify(path.join(__dirname, "../tools/notebook"))});
      const nb = readNotebook(${JSON.stringify(file)});
      for (let i = 0; i < 200; i++) nb.cells.push(makeCell("code", "x".repeat(100000)));
      process.send("ready");
      for (;;) writeNotebook(${JSON.stringify(file)}, nb);`;
    for (const delay of [5, 40, 120]) {
      const child = spawn(process.execPath, ["--require", require.resolve("tsx/cjs"), "-e", script], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
      await new Promise<void>((resolve) => child.once("message", () => resolve()));
      await new Promise((r) => setTimeout(r, delay));
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      const nb = readNotebook(file); // throws if the file were truncated
      assert.ok(nb.cells.length === 1 || nb.cells.length === 201);
    }
  });
});

describe("directives", () => {
  it("reads nbdev words and Quarto options and strips them from the body", () => {
    const d = parseDirectives("//| export mf\n//| eval: false\n//| fig-cap: \"A chart\"\n\nconst x = 1;");
    assert.equal(d.words.get("export"), "mf");
    assert.equal(d.options.get("eval"), false);
    assert.equal(d.options.get("fig-cap"), "A chart");
    assert.equal(d.body, "const x = 1;");
    const plan = planCell(d, "data");
    assert.equal(plan.exportTo, "mf");
    assert.equal(plan.evaluate, false);
  });

  it("only reads directives at the top of the cell", () => {
    const d = parseDirectives("const x = 1;\n//| export");
    assert.equal(d.words.size, 0);
  });
});

describe("nbts export", () => {
  it("writes each module with a header, hoisted merged imports and a marker per cell", () => {
    const files = exportProject(path.join(FIXTURES, "project"));
    assert.deepEqual([...files.keys()], ["lib/greet.ts", "lib/other.ts", "lib/index.ts"]);
    const greet = files.get("lib/greet.ts")!;
    assert.match(greet, /^\/\/ AUTOGENERATED by nbts export — DO NOT EDIT\. Generated from notebooks\/01_greet\.ipynb/);
    // `join` is imported by two cells, once in the module.
    assert.equal(greet.match(/import \{ join \} from "path";/g)!.length, 1);
    assert.match(greet, /\/\/ %% notebooks\/01_greet\.ipynb cell c2 \(#3\)\n\/\*\* Says hello\. \*\/\nexport function hello/);
    assert.match(greet, /export const ANSWER = 42;/);
    assert.match(greet, /export interface Greeting/);
    assert.match(greet, /export type Name = string;/);
    // exporti: exported from its module, kept out of the barrel.
    assert.match(greet, /\nexport function secret\(\)/);
    // Directives and non-exported cells stay out.
    assert.doesNotMatch(greet, /\/\/\||hidden but run|hello\("world"\)/);
    // `//| export other` with a notebook-relative import rewritten to a module-relative one.
    const other = files.get("lib/other.ts")!;
    assert.match(other, /import \{ hello \} from "\.\/greet";/);
    assert.match(other, /export class Shouter/);
    // The barrel names what each module's export cells declare (exporti cells' names stay out).
    const barrel = files.get("lib/index.ts")!.split("\n").filter((l) => l.startsWith("export"));
    assert.ok(barrel.some((l) => /^export \{ [^}]*\bhello\b[^}]*\} from "\.\/greet";$/.test(l)), barrel.join("\n"));
    assert.ok(barrel.some((l) => /^export type \{ [^}]*\bGreeting\b[^}]*\} from "\.\/greet";$/.test(l)), barrel.join("\n"));
    assert.ok(!barrel.some((l) => /\bsecret\b/.test(l)), "an exporti name stays out of the barrel");
  });

  it("is byte-identical on re-run and writes nothing the second time", () => {
    const dir = scratchProject();
    const first = exportProject(dir);
    assert.equal(writeExport(dir, first).written.length, 3);
    const second = exportProject(dir);
    assert.deepEqual([...second], [...first]);
    assert.deepEqual(writeExport(dir, second), { written: [], removed: [] });
  });

  it("rewrites notebook-relative library paths only", () => {
    assert.equal(rewriteSpecifier("../lib/data"), "./data");
    assert.equal(rewriteSpecifier("../dist/lib/usercf_engine"), "./usercf_engine");
    assert.equal(rewriteSpecifier("../lib/data.js"), "./data");
    assert.equal(rewriteSpecifier("fs"), "fs");
    assert.equal(rewriteSpecifier("../tools/x"), "../tools/x");
  });

  it("refuses a module name that would leave lib/, naming the notebook and cell", () => {
    const dir = projectWith(["//| export ../../evil\nconst a = 1;"]);
    assert.throws(() => exportProject(dir), (e: Error) => /notebooks\/01_x\.ipynb: cell #1 \(id cell1\): module "\.\.\/\.\.\/evil" is not a plain module name/.test(e.message));
    notebookOf(path.join(dir, "notebooks"), "01_x.ipynb", ["//| export\nconst a = 1;"]);
    assert.throws(() => exportProject(dir), /needs a module: add `\/\/\| default_exp NAME`/);
  });

  it("writes the imports between the modules of one notebook itself, as its later cells see earlier ones", () => {
    const dir = projectWith([
      "//| default_exp data",
      '//| export data_parse\nimport * as fs from "fs";\nimport { join as joinPath } from "path";\nfunction parseRatingFile(f: string): number[] { return fs.readFileSync(joinPath(f)).length ? [1] : []; }\ninterface ParsedFile { rows: number }',
      "//| export\nfunction loadDataset(dir: string): ParsedFile { const parseRatingFile = (x: string) => x; return { rows: parseRatingFile(dir).length + readAll(dir) }; }",
      "//| export\nfunction readAll(dir: string): number { return parseRatingFile(dir).length + (fs.existsSync(dir) ? 1 : 0); }\nconst o = { parseRatingFile: 1 }; o.parseRatingFile;",
    ]);
    const data = exportProject(dir).get("lib/data.ts")!;
    // One import per specifier: the value, the type (type-only) and the other cell's import of fs, copied.
    assert.match(data, /import \{ type ParsedFile, parseRatingFile \} from "\.\/data_parse";|import \{ parseRatingFile, type ParsedFile \} from "\.\/data_parse";/);
    assert.match(data, /import \* as fs from "fs";/);
    // `joinPath` is not used by the data module, so its import stays in data_parse only.
    assert.doesNotMatch(data, /joinPath/);
    assert.doesNotMatch(exportProject(dir).get("lib/data_parse.ts")!, /from "\.\/data"/);
  });

  it("keeps only the imports a module's code uses, and every side-effect import", () => {
    const dir = projectWith([
      "//| default_exp data",
      // The notebook's import cell: the library uses `loadAll` only; the rest serves the notebook's other cells.
      '//| exporti\nimport * as os from "os";\nimport { loadAll, saveAll as store, type Row } from "../lib/io";\nimport "../lib/registry";',
      "//| export\nfunction rows(dir: string): number { return loadAll(dir).length; }",
      'const here: Row[] = loadAll(os.tmpdir()); store(here);',
    ]);
    const data = exportProject(dir).get("lib/data.ts")!;
    assert.match(data, /^import \{ loadAll \} from "\.\/io";$/m);
    assert.match(data, /^import "\.\/registry";$/m);
    assert.doesNotMatch(data, /\bos\b|store|Row/);
  });

  it("keeps engines, `_` modules and `_` names out of the barrel, and refuses an exported let or var, naming the cell", () => {
    const dir = projectWith([
      "//| default_exp data",
      "//| export data_engine\nfunction kernel() { return 1; }",
      "//| export _helpers\nconst helper = () => 2;",
      "//| export\nfunction run() { return kernel() + helper() + _cache.size; }\nconst _cache = new Map<string, number>();\ninterface Run { n: number }",
    ]);
    const files = exportProject(dir);
    assert.match(files.get("lib/data_engine.ts")!, /export function kernel/, "the engine still exports its names to the modules that use them");
    const barrel = files.get("lib/index.ts")!.split("\n").filter((l) => l.startsWith("export"));
    assert.deepEqual(barrel, ['export { run } from "./data";', 'export type { Run } from "./data";']);
    notebookOf(path.join(dir, "notebooks"), "02_y.ipynb", ["//| default_exp other", "//| export\nconst fine = 1;\nlet counter = 0;"]);
    assert.throws(() => exportProject(dir), /02_y\.ipynb cell #2 \(id cell2\), line 2: exports the mutable binding `counter` \(let\/var\)/);
  });

  it("imports an internal (exporti) name across modules, keeps it out of the barrel and its let state private", () => {
    const dir = projectWith(["//| default_exp data", "//| exporti helpers\nlet calls = 0;\nfunction kernel() { return ++calls; }", "//| export\nfunction run() { return kernel(); }"]);
    const files = exportProject(dir);
    assert.match(files.get("lib/helpers.ts")!, /\nlet calls = 0;\nexport function kernel\(\)/);
    assert.match(files.get("lib/data.ts")!, /import \{ kernel \} from "\.\/helpers";/);
    const barrel = files.get("lib/index.ts")!;
    assert.match(barrel, /export \{ run \} from "\.\/data";/);
    assert.doesNotMatch(barrel, /kernel|calls/);
  });

  it("leads a line of a generated module back to its cell", () => {
    const greet = exportProject(path.join(FIXTURES, "project")).get("lib/greet.ts")!;
    const line = greet.split("\n").findIndex((l) => l.includes("function secret")) + 1;
    assert.deepEqual(locateCell(greet, line), { notebook: "notebooks/01_greet.ipynb", cellId: "c4", cellNumber: 5, lineInCell: 1 });
  });
});

describe("nbts check", () => {
  const stale = (dir: string) => {
    const fresh = exportProject(dir);
    const current = currentLibFiles(dir);
    const out: string[] = [];
    for (const [rel, c] of fresh) if (current.get(rel) !== c) out.push(rel);
    for (const rel of current.keys()) if (!fresh.has(rel)) out.push(`${rel} (left behind)`);
    return out;
  };

  it("notices a hand edit in lib/, an unexported cell change and a module left behind", () => {
    const dir = scratchProject();
    writeExport(dir, exportProject(dir));
    assert.deepEqual(stale(dir), []);
    fs.appendFileSync(path.join(dir, "lib/greet.ts"), "// hand edit\n");
    assert.deepEqual(stale(dir), ["lib/greet.ts"]);
    writeExport(dir, exportProject(dir));
    const file = path.join(dir, "notebooks/01_greet.ipynb");
    const nb = readNotebook(file);
    nb.cells[2].source = sourceText(nb.cells[2].source).replace("42", "43");
    writeNotebook(file, nb);
    assert.deepEqual(stale(dir), ["lib/greet.ts"]);
    writeExport(dir, exportProject(dir));
    fs.writeFileSync(path.join(dir, "lib/orphan.ts"), "export const x = 1;\n");
    assert.deepEqual(stale(dir), ["lib/orphan.ts (left behind)"]);
  });

  it("shows a readable unified diff", () => {
    const d = unifiedDiff("a", "b", "one\ntwo\nthree\n", "one\n2\nthree\n");
    assert.equal(d, "--- a\n+++ b\n@@ -1,4 +1,4 @@\n one\n-two\n+2\n three\n \n");
  });
});

describe("nbts clean", () => {
  it("drops execution counts and volatile metadata, keeps outputs and tags, and is idempotent", () => {
    const nb = emptyNotebook();
    const cell = makeCell("code", "1+1", "k1");
    cell.execution_count = 7;
    cell.metadata = { ExecuteTime: { start: "now" }, tags: ["keep"], scrolled: true };
    cell.outputs = [{ output_type: "execute_result", execution_count: 7, data: { "text/plain": "2" }, metadata: {} }];
    nb.cells.push(cell);
    nb.metadata.widgets = { state: {} };
    const once = serializeNotebook(cleanNotebook(structuredClone(nb)));
    const c = JSON.parse(once).cells[0];
    assert.equal(c.execution_count, null);
    assert.deepEqual(c.metadata, { tags: ["keep"] });
    assert.deepEqual(c.outputs[0].data, { "text/plain": ["2"] });
    assert.equal(JSON.parse(once).metadata.widgets, undefined);
    assert.equal(serializeNotebook(cleanNotebook(JSON.parse(once))), once);
  });
});

describe("nbts run / test (in-process, with the kernel's compiler)", function () {
  this.timeout(120000);

  it("captures stdout, stderr and rich displays, skips eval:false, and slow cells only under test", async () => {
    const dir = scratchProject();
    const file = path.join(dir, "notebooks/01_greet.ipynb");
    const before = fs.readFileSync(file, "utf8");
    const tested = await runNotebook(file, { write: false, skipSlow: true });
    assert.equal(tested.ok, true, tested.error);
    assert.equal(fs.readFileSync(file, "utf8"), before, "test does not write");
    const ran = await runNotebook(file, { write: true, skipSlow: false });
    assert.equal(ran.ok, true, ran.error);
    const cells = readNotebook(file).cells;
    const outputs = (id: string) => JSON.stringify(cells.find((c) => c.id === id)!.outputs);
    assert.match(outputs("c3"), /hello world/);
    assert.match(outputs("c6"), /hidden but run/);
    assert.equal(outputs("c7"), "[]", "eval: false is not run");
    assert.match(outputs("c8"), /slow cell ran/);
    assert.match(outputs("c9"), /"text\/html":\["<b>bold<\/b>"\]/);
    assert.match(outputs("c9"), /"name":"stderr","output_type":"stream","text":\["to stderr\\n"\]/);
  });

  it("carries a multi-mime bundle (vega-lite + SVG) as one display_data", async () => {
    const dir = tmpDir("nbrun-");
    const file = notebookOf(dir, "v.ipynb", [
      'const jup = require("tslab/dist/jupyter");\njup.lastWriteDisplayData({ data: { "application/vnd.vegalite.v5+json": { mark: "bar" }, "image/svg+xml": "<svg/>", "text/plain": "chart" }, metadata: {}, transient: {} }, false);',
    ]);
    const r = await runNotebook(file, { write: true, skipSlow: true });
    assert.equal(r.ok, true, r.error);
    const out = readNotebook(file).cells[0].outputs![0];
    assert.equal(out.output_type, "display_data");
    assert.deepEqual(Object.keys(out.data!).sort(), ["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"]);
    assert.deepEqual(out.data!["application/vnd.vegalite.v5+json"], { mark: "bar" });
  });

  it("clears a cell's outputs on clearOutput(), at once or (wait) when the next one arrives", async () => {
    const dir = tmpDir("nbclear-");
    const file = notebookOf(dir, "c.ipynb", ['console.log("gone");\nclearOutput();\nconsole.log("kept");', 'console.log("old");\nclearOutput(true);\nconsole.log("new");']);
    const r = await runNotebook(file, { write: true, skipSlow: true });
    assert.equal(r.ok, true, r.error);
    const texts = readNotebook(file).cells.map((c) => JSON.stringify(c.outputs));
    assert.match(texts[0], /kept/);
    assert.doesNotMatch(texts[0], /gone/);
    assert.match(texts[1], /new/);
    assert.doesNotMatch(texts[1], /old/);
  });

  it("names the notebook, the cell number, its first line and the error, and writes nothing", async () => {
    const dir = tmpDir("nbfail-");
    const file = notebookOf(dir, "fails.ipynb", ["const ok = 1;", "// prepare\nfunction explode(): never { throw new RangeError(\"rating 7 is out of range\"); }\nexplode();", "console.log('never')"]);
    const before = fs.readFileSync(file, "utf8");
    const r = await runNotebook(file, { write: true, skipSlow: true });
    assert.equal(r.ok, false);
    assert.equal(r.error, `${file}, cell 2 (// prepare): RangeError: rating 7 is out of range`);
    assert.equal(fs.readFileSync(file, "utf8"), before);
  });

  it("reports a type error with its line and column", async () => {
    const dir = tmpDir("nbtype-");
    const file = notebookOf(dir, "types.ipynb", ["const n: number = 1;", "const s: string = n;"]);
    const r = await runNotebook(file, { write: false, skipSlow: true });
    assert.equal(r.ok, false);
    assert.match(r.error!, /cell 2 \(const s: string = n;\): CompileError: line 1, column 7: Type 'number' is not assignable to type 'string'/);
  });

  it("stops a cell that runs past the time limit", async () => {
    const dir = tmpDir("nbslow-");
    const file = notebookOf(dir, "loop.ipynb", ["1", "while (true) {}"]);
    const r = await runNotebook(file, { write: false, skipSlow: true, timeoutMs: 8000 });
    assert.equal(r.ok, false);
    assert.match(r.error!, /cell 2 \(while \(true\) \{\}\): timed out after 8 s/);
  });
});

describe("inline expressions in markdown (`{ts} expr`)", () => {
  const { inlineExpressions, formatInline, substituteInline } = require("../tools/inline") as typeof import("../tools/inline");
  it("finds each expression once, in order", () => {
    assert.deepEqual(inlineExpressions("RMSE `{ts} best.rmse` at k=`{ts} best.k`, again `{ts} best.rmse`; `code` stays"), ["best.rmse", "best.k"]);
  });
  it("formats numbers for prose", () => {
    assert.equal(formatInline(0.861234567), "0.8612");
    assert.equal(formatInline(100836), "100,836");
    assert.equal(formatInline(1.8e-9), "1.80e-9");
    assert.equal(formatInline([1, 0.25]), "1, 0.25");
    assert.equal(formatInline("k=4"), "k=4");
  });
  it("substitutes the computed text as literal markdown", () => {
    const missing: string[] = [];
    assert.equal(substituteInline("`{ts} a` and `{ts} b`", { a: "x_*y*" }, (e) => missing.push(e)), "x\\_\\*y\\* and **?b**");
    assert.deepEqual(missing, ["b"]);
  });
});
