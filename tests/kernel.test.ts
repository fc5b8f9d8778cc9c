import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { Session, CellSink, CellOutcome } from "../tools/kernel/session";
import { isComplete } from "../tools/kernel/compiler";
import { exportProject, writeExport } from "../tools/export";
import { emptyNotebook, makeCell, writeNotebook } from "../tools/notebook";

const ARTIFACTS = path.join(__dirname, "artifacts");

/** A session whose outputs are collected per cell. */
function session(dir = path.join(__dirname, "..", "notebooks")) {
  const s = new Session(dir);
  let out: string[] = [];
  const sink: CellSink = { stream: (name, text) => out.push(`${name}:${text}`), display: (data) => out.push(`display:${Object.keys(data).join(",")}`) };
  const run = async (code: string): Promise<CellOutcome & { out: string[] }> => {
    out = [];
    const r = await s.execute(code, sink);
    return { ...r, out };
  };
  const value = async (code: string) => {
    const r = await run(code);
    assert.ok(r.ok, !r.ok ? `${r.error.ename}: ${r.error.evalue}` : "");
    return r.ok ? r.result?.["text/plain"] : undefined;
  };
  return { s, run, value };
}

describe("kernel session (tools/kernel): the compiler shared by Jupyter and nbts run", function () {
  this.timeout(60000);

  it("gives a cell's trailing expression as its value, keeps names across cells and lets a cell declare a const again", async () => {
    const { value } = session();
    assert.equal(await value("const a = 2;\na * 21"), "42");
    assert.equal(await value("a + 1"), "3");
    assert.equal(await value("const a = 'again';\na.length"), "5");
    assert.equal(await value("console.log('no value')"), undefined);
  });

  it("lets later cells assign an earlier `let`, seen by the earlier cell's functions, not a `const`; an evolving [] keeps its type", async () => {
    const { value, run } = session();
    await value("let n = 0;\nfunction inc() { return ++n; }\nconst rows = [];\nrows.push({ id: 1 });");
    assert.equal(await value("n = 10;\ninc()"), "11");
    assert.equal(await value("rows[0].id"), "1");
    const c = await run("const fixed = 1;").then(() => run("fixed = 2;"));
    assert.equal(c.ok, false);
    if (!c.ok) assert.match(c.error.evalue, /Cannot assign to 'fixed' because it is a constant/);
  });

  it("runs top-level await and imports the library's TypeScript sources (../lib) with strict types", async () => {
    const { value, run } = session();
    assert.equal(await value('import { seededRandom } from "../lib/splits";\nawait new Promise((r) => setTimeout(r, 5));\ntypeof seededRandom(1)()'), "'number'");
    const bad = await run('const s: string = seededRandom(1)();');
    assert.equal(bad.ok, false);
    if (!bad.ok) {
      assert.equal(bad.error.ename, "CompileError");
      assert.match(bad.error.evalue, /^line 1, column 7: Type 'number' is not assignable to type 'string'/);
    }
  });

  it("reports a runtime error with the cell's own line", async () => {
    const { run } = session();
    const r = await run("const x = 1;\n\nfunction f(): never {\n  throw new RangeError('rating 7 is out of range');\n}\nf();");
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.ename, "RangeError");
      assert.equal(r.error.evalue, "rating 7 is out of range");
      assert.ok(r.error.traceback.some((l) => l.includes("cell line 4")), r.error.traceback.join("\n"));
    }
  });

  it("captures streams and tslab displays", async () => {
    const { run } = session();
    const r = await run('import * as tslab from "tslab";\nconsole.log("out");\nconsole.error("err");\ntslab.display.html("<b>b</b>");');
    assert.deepEqual(r.out, ["stdout:out\n", "stderr:err\n", "display:text/html"]);
  });

  it("completes, inspects and tells complete from incomplete and invalid code", async () => {
    const { s } = session();
    const code = "const zzAlpha = 1, zzBeta = 2;\nzz";
    assert.deepEqual(s.complete(code, code.length).matches, ["zzAlpha", "zzBeta"]);
    assert.match(s.inspect("Math.max", 8) ?? "", /max\(\.\.\.values: number\[\]\): number/);
    assert.equal(isComplete("const x = 1;"), "complete");
    assert.equal(isComplete("function f() {"), "incomplete");
    assert.equal(isComplete("let 1x = 3;"), "invalid");
  });

  it("runs the new code of a library module after an export, without a restart (the live edit loop)", async () => {
    const dir = fs.mkdtempSync(path.join(ARTIFACTS, "live-"));
    fs.mkdirSync(path.join(dir, "notebooks"));
    fs.copyFileSync(path.join(__dirname, "..", "tsconfig.json"), path.join(dir, "tsconfig.json"));
    const file = path.join(dir, "notebooks", "01_greet.ipynb");
    const write = (body: string) => {
      const nb = emptyNotebook();
      nb.cells = [makeCell("code", "//| default_exp greet", "c1"), makeCell("code", `//| export\nfunction greet(name: string): string {\n  ${body}\n}`, "c2")];
      writeNotebook(file, nb);
      writeExport(dir, exportProject(dir));
    };
    write("return `hello ${name}`;");
    const { value, run } = session(path.join(dir, "notebooks"));
    assert.equal(await value('import { greet } from "../lib/greet";\ngreet("ann")'), "'hello ann'");
    write("return `hi ${name}`;");
    assert.equal(await value('import { greet } from "../lib/greet";\ngreet("ann")'), "'hi ann'");
    // The types follow too: a changed signature is checked against the new source.
    write("return `hi ${name}`.length as unknown as string;");
    const typed = await run('import { greet } from "../lib/greet";\nconst n: number = greet("ann");');
    assert.equal(typed.ok, false);
  });
});

describe("nbts run: inline expressions in markdown (`{ts} expr`)", function () {
  this.timeout(60000);
  it("evaluates each after the code cells above it and keeps the text in the markdown cell's metadata", async () => {
    const { runNotebook } = require("../tools/runner") as typeof import("../tools/runner");
    const { readNotebook } = require("../tools/notebook") as typeof import("../tools/notebook");
    const dir = fs.mkdtempSync(path.join(ARTIFACTS, "inline-"));
    const nb = emptyNotebook();
    nb.cells = [
      makeCell("code", "const best = { rmse: 0.861234567, k: 40 };", "c1"),
      makeCell("markdown", "Best RMSE `{ts} best.rmse` at k = `{ts} best.k`; `{ts} later` is not defined yet.", "m1"),
      makeCell("code", "const later = 1;", "c2"),
    ];
    const file = path.join(dir, "inline.ipynb");
    writeNotebook(file, nb);
    const r = await runNotebook(file, { write: true, skipSlow: true });
    assert.equal(r.ok, true, r.error);
    const md = readNotebook(file).cells.find((c) => c.id === "m1")!;
    assert.deepEqual((md.metadata as any).nbts.inline, { "best.rmse": "0.8612", "best.k": "40" });
  });
});
