/**
 * Issue 17, "nothing lost, nothing faked": every bad input gives the documented behaviour or a one-line
 * error naming the file (and line) with a non-zero exit. Fixtures: tests/fixtures/reliability/README.md.
 * (The study store's cases — leases, a killed worker, corrupt study files — are in tuning.test.ts.)
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadDataset } from "../lib/loading";
import { parseTitleLine, readTitles } from "../lib/titles";
import { splitDataset } from "../lib/splits";
import { DataError, dayToIsoDate } from "../lib/data_parse";
import { parseArgs, UsageError } from "../tools/cli/common";
import { readNotebook, writeNotebook, makeCell } from "../tools/notebook";
import { render } from "../tools/render/index";
import { failOnStrayRejection } from "../tools/render/vega";

const ROOT = path.join(__dirname, "..");
const FIX = path.join(__dirname, "fixtures", "reliability");
const at = (f: string) => path.join(FIX, f);

/** Runs a tool of the project (tools/NAME.ts) and returns its exit code and output. */
function tool(name: "litrec" | "nbts", ...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "tools", `${name}.ts`), ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Asserts that `fn` throws a DataError for `file` (and `line`), one line, whose reason matches `reason`. */
function throwsDataError(fn: () => unknown, file: string, line: number | null, reason: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `a DataError, got ${e}`);
    assert.equal(e.file, file);
    assert.equal(e.line, line);
    assert.match(e.reason, reason);
    assert.ok(!e.message.includes("\n"), "one line");
    assert.ok(e.message.startsWith(line === null ? `${file}: ` : `${file}:${line}: `));
    return true;
  });
}

describe("reliability: dates", () => {
  it("one undated line among dated ones is an error at that line, not a file silently without dates", () => {
    throwsDataError(() => loadDataset({ train: at("undated-line.txt") }), at("undated-line.txt"), 3, /no date on this line, but there is one on line 1/);
  });
  it("millisecond timestamps are read as milliseconds (2015-2020, not the year 47550)", () => {
    const ds = loadDataset(at("ms-timestamps"));
    const days = [...ds.train.days!].sort((a, b) => a - b);
    assert.deepEqual([dayToIsoDate(days[0]), dayToIsoDate(days[days.length - 1])], ["2015-08-01", "2020-01-01"]);
  });
  it("a timestamp too large for seconds or milliseconds is an error naming file and line", () => {
    throwsDataError(() => loadDataset({ train: at("huge-timestamp.txt") }), at("huge-timestamp.txt"), 3, /timestamp 999999999999999 is too large/);
  });
  it("--split temporal on undated data names the file", () => {
    const ds = loadDataset(at("undated"));
    throwsDataError(() => splitDataset(ds, "temporal:0.2"), at("undated/ratings.csv"), null, /has no dates: --split temporal:0\.2 needs a date/);
    const r = tool("litrec", "evaluate", "--data", at("undated"), "--model", "global-mean", "--split", "temporal:0.2");
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, `litrec: ${at("undated/ratings.csv")}: has no dates: --split temporal:0.2 needs a date or timestamp on every line (use random:0.2)\n`);
  });
});

describe("reliability: headers and leaks", () => {
  it("reads a ratings.csv header by its column names: movieId,userId,… does not swap users and items", () => {
    const ds = loadDataset(at("swapped-header"));
    assert.deepEqual([...ds.userIds], [1, 2, 3]);
    assert.deepEqual([...ds.itemIds], [10, 11, 12]);
    const u2 = ds.userIndex.get(2)!;
    const items = [...ds.train.userItems.subarray(ds.train.userPtr[u2], ds.train.userPtr[u2 + 1])].map((i) => ds.itemIds[i]);
    assert.deepEqual(items, [10, 12]);
    assert.equal(ds.train.values[ds.train.userPtr[u2] + 1], 2);
  });
  it("an unknown header column is an error at line 1", () => {
    throwsDataError(() => loadDataset(at("unknown-header")), at("unknown-header/ratings.csv"), 1, /header column 'uid' is not one of userId, movieId/);
  });
  it("--train X --test X is an error, not RMSEs of a model trained on nothing", () => {
    throwsDataError(() => loadDataset({ train: at("undated/ratings.csv"), test: at("undated/ratings.csv") }), at("undated/ratings.csv"), null, /is the training file too/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-leak-"));
    try {
      // A copy is another file with the same ratings: every training rating leaks.
      fs.copyFileSync(at("undated/ratings.csv"), path.join(dir, "test.csv"));
      throwsDataError(() => loadDataset({ train: at("undated/ratings.csv"), test: path.join(dir, "test.csv") }), at("undated/ratings.csv"), null, /nothing is left to train on/);
      const r = tool("litrec", "evaluate", "--train", at("undated/ratings.csv"), "--test", path.join(dir, "test.csv"), "--model", "global-mean");
      assert.equal(r.code, 1);
      assert.doesNotMatch(r.stdout, /RMSE/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("reliability: files that are not rating files", () => {
  it("a folder named ratings.csv", () => {
    throwsDataError(() => loadDataset(at("folder-named-ratings")), at("folder-named-ratings/ratings.csv"), null, /^is a folder, not a file$/);
  });
  it("a line longer than 8 MB stops the parse at that line, in bounded memory", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-long-"));
    try {
      const file = path.join(dir, "long.txt");
      fs.writeFileSync(file, "1 10 4\n1 11 3\n" + "9".repeat(9 << 20) + "\n2 10 5\n");
      throwsDataError(() => loadDataset({ train: file }), file, 3, /^line longer than 8 MB \(it starts '9{40}…'\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it("UTF-16 input, with or without a byte-order mark, is named as UTF-16", () => {
    throwsDataError(() => loadDataset({ train: at("utf16-bom.txt") }), at("utf16-bom.txt"), null, /^is UTF-16 text \(byte-order mark FF FE\)/);
    throwsDataError(() => loadDataset({ train: at("utf16-no-bom.txt") }), at("utf16-no-bom.txt"), null, /^looks like UTF-16 text without a byte-order mark/);
  });
  it("titles files: UTF-16 is named, and a bad title line is quoted bounded and escaped", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-titles-"));
    try {
      const titles = path.join(dir, "movie_titles.txt");
      fs.writeFileSync(titles, Buffer.from("\ufeff1,2003,Dinosaur Planet\n", "utf16le"));
      throwsDataError(() => readTitles(titles, "thu"), titles, null, /^is UTF-16 text \(byte-order mark FF FE\)/);
      const line = "\x1b[31m" + "y".repeat(1000);
      assert.throws(() => parseTitleLine(line, titles, 7), (e: Error) => e.message === `${titles}:7: expected 'id,year,title', found '\\x1b[31m${"y".repeat(195)}… (1,005 characters)'`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it("error messages quote at most 200 characters of a line, with control characters escaped", () => {
    const r = tool("litrec", "info", "--train", at("control-chars.txt"));
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stderr, /[\x00-\x08\x0b-\x1f\x7f]/, "no raw control characters");
    assert.equal(r.stderr.split("\n").length, 2, "one line");
    assert.ok(r.stderr.length < 400, `${r.stderr.length} characters`);
    assert.match(r.stderr, /control-chars\.txt:2: rating '\\x1b\[2J\\x1b\]0;owned\\x07x+… \(5,014 bytes\)' is not a number/);
  });
});

describe("reliability: command-line numbers and policies", () => {
  it("nbts run/test refuse --jobs x, --jobs=all, --jobs without a value and --timeout abc (not '1 passed, 0 failed')", () => {
    const nb = at("throws.ipynb");
    for (const [flags, message] of [
      [["--jobs", "x"], "--jobs expects a whole number of at least 1, got 'x'"],
      [["--jobs=all"], "--jobs expects a whole number of at least 1, got 'all'"],
      [["--jobs"], "--jobs needs a value"],
      [["--timeout", "abc"], "--timeout expects a number of at least 0.001, got 'abc'"],
    ] as const) {
      const r = tool("nbts", "test", nb, ...flags);
      assert.equal(r.code, 1, `${flags.join(" ")}: exit code`);
      assert.doesNotMatch(r.stdout, /passed/);
      assert.equal(r.stderr.trim(), `nbts: ${message}`);
    }
  });
  it("nbts test with a good --jobs runs the notebook and fails when it throws", function () {
    this.timeout(120_000);
    const r = tool("nbts", "test", at("throws.ipynb"), "--jobs", "1");
    assert.equal(r.code, 1);
    assert.match(r.stdout, /0 passed, 1 failed/);
  });
  it("litrec numeric flags reject non-numbers; --param threads is capped at the cores", () => {
    for (const flag of ["--seed", "--n", "--folds", "--trials", "--workers"])
      assert.throws(() => parseArgs(["tune", flag, "x"]), (e: Error) => e instanceof UsageError && e.message === `${flag} expects a non-negative integer, got 'x'`);
    assert.throws(() => parseArgs(["evaluate", "--param", "threads=many"]), UsageError);
    const cores = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
    assert.equal(parseArgs(["evaluate", "--param", "threads=1000"]).params.threads, String(cores));
    assert.equal(parseArgs(["evaluate", "--param", "threads=1"]).params.threads, "1");
  });
  it("--duplicates and --unknown-users choose the documented policies", () => {
    const dup = path.join(__dirname, "fixtures", "data", "bad", "duplicates.txt");
    const thu = path.join(__dirname, "fixtures", "data", "thu-unknown-user");
    assert.equal(parseArgs(["info", "--duplicates", "mean"]).duplicates, "mean");
    assert.throws(() => parseArgs(["info", "--duplicates", "median"]), /--duplicates expects first, last, mean, error, got 'median'/);
    assert.throws(() => parseArgs(["info", "--unknown-users", "ignore"]), /--unknown-users expects error, drop, keep/);
    const error = tool("litrec", "info", "--train", dup, "--duplicates", "error");
    assert.equal(error.code, 1);
    assert.match(error.stderr, /duplicates\.txt:3: duplicate rating for user 1, item 1/);
    const mean = JSON.parse(tool("litrec", "info", "--train", dup, "--duplicates", "mean", "--json").stdout);
    assert.ok(mean.notes.some((n: string) => /policy "mean"/.test(n)), JSON.stringify(mean.notes));
    assert.equal(tool("litrec", "info", "--data", thu).code, 1);
    const drop = tool("litrec", "info", "--data", thu, "--unknown-users", "drop", "--json");
    assert.equal(drop.code, 0, drop.stderr);
    const keep = JSON.parse(tool("litrec", "info", "--data", thu, "--unknown-users", "keep", "--json").stdout);
    assert.equal(keep.users, JSON.parse(drop.stdout).users + 1);
  });
});

describe("reliability: the renderer", function () {
  this.timeout(120_000);
  const quiet = () => {};
  const chart = (spec: object) => ({ output_type: "display_data" as const, data: { "application/vnd.vegalite.v5+json": spec, "text/plain": "chart" }, metadata: {} });
  const points = { values: [{ a: 1, b: 2, u: "https://example.com/a" }, { a: 2, b: 1, u: "javascript:alert(1)" }] };

  it("draws a chart with an href encoding, and turns a chart that cannot be drawn into an error box in its cell", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-render-"));
    try {
      fs.cpSync(path.join(__dirname, "fixtures", "render"), root, { recursive: true });
      const file = path.join(root, "notebooks", "02_charts.ipynb");
      const nb = readNotebook(file);
      const cell = makeCell("code", "// two charts", "issue17");
      cell.outputs = [
        chart({ data: points, mark: "point", encoding: { x: { field: "a", type: "quantitative" }, y: { field: "b", type: "quantitative" }, href: { field: "u" } } }),
        chart({ data: points, mark: "point", encoding: { x: { field: "a", type: "quantitative" } }, transform: [{ calculate: "nosuchfunction(datum.a)", as: "c" }] }),
      ];
      nb.cells.push(cell);
      writeNotebook(file, nb);
      const result = await render({ root, browser: null, log: quiet, to: "html" });
      const page = fs.readFileSync(path.join(result.outDir, "02_charts.html"), "utf8");
      const boxes = page.match(/This chart could not be drawn: [^<]*/g) ?? [];
      assert.equal(boxes.length, 1, boxes.join("\n"));
      assert.match(boxes[0], /nosuchfunction/);
      const svgs = fs.readdirSync(path.join(result.outDir, "figures")).filter((f) => f.endsWith(".svg")).map((f) => fs.readFileSync(path.join(result.outDir, "figures", f), "utf8"));
      assert.ok(svgs.some((svg) => svg.includes('xlink:href="https://example.com/a"')), "the web link is kept");
      assert.ok(svgs.every((svg) => !/href="javascript:/i.test(svg)), "a javascript: link is dropped");
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
  it("a chart whose drawing leaves a rejected promise behind fails alone, not the process", async () => {
    await assert.rejects(failOnStrayRejection(async () => {
      void Promise.reject(new TypeError("Cannot read properties of null (reading 'href')"));
      return "svg";
    }), /reading 'href'/);
    assert.equal(await failOnStrayRejection(async () => "svg"), "svg");
  });
  it("renders into a staging folder: a failed render leaves the previous report whole, README.md kept", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-render-"));
    try {
      fs.cpSync(path.join(__dirname, "fixtures", "render"), root, { recursive: true });
      fs.mkdirSync(path.join(root, "exported"));
      fs.writeFileSync(path.join(root, "exported", "README.md"), "kept\n");
      const stale = path.join(root, ".exported.rendering-killed"); // what a killed render left two hours ago
      fs.mkdirSync(stale);
      fs.utimesSync(stale, new Date(Date.now() - 7_200_000), new Date(Date.now() - 7_200_000));
      await render({ root, browser: null, log: quiet, to: "html" });
      const before = fs.readFileSync(path.join(root, "exported", "01_basics.html"), "utf8");
      const figures = fs.readdirSync(path.join(root, "exported", "figures")).sort();
      fs.writeFileSync(path.join(root, "notebooks", "03_trusted.ipynb"), "{ not json");
      await assert.rejects(render({ root, browser: null, log: quiet, to: "html" }), /03_trusted\.ipynb: not valid JSON/);
      assert.equal(fs.readFileSync(path.join(root, "exported", "01_basics.html"), "utf8"), before);
      assert.deepEqual(fs.readdirSync(path.join(root, "exported", "figures")).sort(), figures);
      assert.equal(fs.readFileSync(path.join(root, "exported", "README.md"), "utf8"), "kept\n");
      assert.deepEqual(fs.readdirSync(root).filter((f) => f.includes("rendering")), [], "no staging folder left");
      // A good render replaces the report and still keeps README.md.
      fs.copyFileSync(path.join(__dirname, "fixtures", "render", "notebooks", "03_trusted.ipynb"), path.join(root, "notebooks", "03_trusted.ipynb"));
      await render({ root, browser: null, log: quiet, to: "html" });
      assert.equal(fs.readFileSync(path.join(root, "exported", "README.md"), "utf8"), "kept\n");
      assert.ok(fs.existsSync(path.join(root, "exported", "03_trusted.html")));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
