/** The `litrec` CLI: info / evaluate / recommend on fixtures and ml-latest-small; errors name the file and line. */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { parseArgs, UsageError } from "../tools/cli/common";

const ROOT = path.join(__dirname, "..");
const FIX = path.join(__dirname, "fixtures", "data");
const ML = path.join(ROOT, "data", "ml-latest-small");

function litrec(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "tools", "litrec.ts"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("litrec CLI", () => {
  it("parses the CLI contract's options", () => {
    const a = parseArgs(["evaluate", "--data", "D", "--model", "m", "--param", "k=16", "--param=lambda=0.1", "--split", "random:0.2", "--seed", "3", "--json"]);
    assert.deepStrictEqual([a.command, a.data, a.model, a.split, a.seed, a.json], ["evaluate", "D", "m", "random:0.2", 3, true]);
    assert.deepStrictEqual(a.params, { k: "16", lambda: "0.1" });
    assert.throws(() => parseArgs(["info", "--bogus"]), UsageError);
    assert.throws(() => parseArgs(["info", "--seed", "x"]), /non-negative integer/);
    assert.throws(() => parseArgs(["info", "--param", "k"]), /k=v/);
  });

  it("refuses an option the command does not take, naming the ones it does, rather than ignoring it", () => {
    const r = litrec("evaluate", "--data", path.join(FIX, "thu"), "--model", "global-mean", "--folds", "5");
    assert.strictEqual(r.code, 2);
    assert.strictEqual(r.stdout, "");
    assert.match(r.stderr, /litrec evaluate does not take --folds; it takes --data, .*--split, .*--quiet/);
    // The data policies and --quiet go with every command.
    const ok = litrec("info", "--data", path.join(FIX, "thu"), "--duplicates", "first", "--unknown-users", "drop", "--quiet", "--json");
    assert.strictEqual(ok.code, 0, ok.stderr);
  });

  it("info prints counts, density and the histogram; --json gives one object", () => {
    const text = litrec("info", "--data", ML);
    assert.strictEqual(text.code, 0, text.stderr);
    assert.match(text.stdout, /users\s+610/);
    assert.match(text.stdout, /items\s+9,724/);
    assert.match(text.stdout, /train\s+100,836/);
    assert.match(text.stdout, /density\s+1\.700%/);
    const json = litrec("info", "--data", path.join(FIX, "thu"), "--json");
    assert.strictEqual(json.code, 0, json.stderr);
    const s = JSON.parse(json.stdout);
    assert.deepStrictEqual([s.format, s.users, s.items, s.train, s.test], ["thu-netflix", 4, 4, 6, 4]);
    assert.strictEqual(s.histogram.reduce((a: number, h: any) => a + h.count, 0), 10);
    assert.ok(Math.abs(s.density - 10 / 16) < 1e-12);
  });

  it("evaluate --json prints the contract's fields", () => {
    const r = litrec("evaluate", "--data", ML, "--model", "global-mean", "--split", "random:0.2", "--seed", "1", "--json");
    assert.strictEqual(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    for (const k of ["model", "params", "rmse", "mae", "n_test", "n_predicted", "seconds"]) assert.ok(k in o, k);
    for (const k of ["load", "fit", "predict"]) assert.strictEqual(typeof o.seconds[k], "number");
    assert.strictEqual(o.n_test, 20167);
    assert.ok(o.rmse > 0.95 && o.rmse < 1.15);
    const given = JSON.parse(litrec("evaluate", "--train", path.join(FIX, "thu", "netflix_train.txt"), "--test", path.join(FIX, "thu", "netflix_test.txt"), "--model", "global-mean", "--json").stdout);
    assert.strictEqual(given.n_test, 4);
    assert.strictEqual(given.split, "given");
  });

  it("recommend lists unseen items with titles", () => {
    const r = litrec("recommend", "--data", path.join(FIX, "thu"), "--model", "global-mean", "--user", "10", "--n", "2", "--json");
    assert.strictEqual(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.strictEqual(o.items.length, 1); // of items 1, 3, 5, 72 only 5 is unrated by user 10
    for (const it of o.items) assert.ok(![1, 3, 72].includes(it.item), "a rated item was recommended"); // user 10 rated 1, 3 (train) and 72 (test)
    assert.strictEqual(o.items[0].title, "The Rise and Fall of ECW");
  });

  it("errors go to stderr with a non-zero exit, naming the file and line", () => {
    const bad = path.join(FIX, "bad", "non-numeric-rating.txt");
    const r = litrec("info", "--train", bad);
    assert.strictEqual(r.code, 1);
    assert.strictEqual(r.stdout, "");
    assert.match(r.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3: rating 'four' is not a number`));
    const unknown = litrec("info", "--data", path.join(FIX, "thu-unknown-user"));
    assert.match(unknown.stderr, /netflix_train\.txt:3: user 99 is not in users\.txt/);
    const missing = litrec("evaluate", "--data", ML, "--model", "no-such-model");
    assert.strictEqual(missing.code, 2);
    assert.match(missing.stderr, /unknown model 'no-such-model'/);
    assert.strictEqual(litrec("info").code, 2);
    assert.strictEqual(litrec("frobnicate").code, 2);
  });
  it("fit --out saves a model; recommend and evaluate --model-file use it without refitting and agree with a fresh fit", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-cli-model-"));
    try {
      const fitted = litrec("fit", "--data", ML, "--model", "baseline", "--out", dir, "--json");
      assert.strictEqual(fitted.code, 0, fitted.stderr);
      assert.ok(fs.existsSync(path.join(dir, "model.json")));
      const fromFile = JSON.parse(litrec("evaluate", "--data", ML, "--model-file", dir, "--json").stdout);
      const fresh = JSON.parse(litrec("evaluate", "--data", ML, "--model", "baseline", "--json").stdout);
      assert.strictEqual(fromFile.rmse, fresh.rmse);
      assert.strictEqual(fromFile.seconds.fit, 0);
      const rec = litrec("recommend", "--model-file", dir, "--user", "1", "--n", "3", "--json");
      assert.strictEqual(rec.code, 0, rec.stderr);
      const items = JSON.parse(rec.stdout).items;
      assert.strictEqual(items.length, 3);
      for (const it of items) assert.ok(Number.isFinite(it.score));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("bad parameters and a diverging fit are errors naming the model and parameter, not a silent global mean", () => {
    const k = litrec("evaluate", "--data", path.join(FIX, "thu"), "--model", "mf-sgd", "--param", "k=1.5");
    assert.strictEqual(k.code, 2);
    assert.match(k.stderr, /mf-sgd: parameter k must be an integer, got '1\.5'/);
    const lr = litrec("evaluate", "--data", ML, "--model", "mf-sgd", "--param", "lr=100", "--param", "threads=1", "--json");
    assert.strictEqual(lr.code, 1);
    assert.match(lr.stderr, /mf-sgd diverged: .*learningRate=100/);
    assert.strictEqual(lr.stdout, "");
  });

  it("usercf reports in --json when it keeps top-K neighbours instead of every one", () => {
    const o = JSON.parse(litrec("evaluate", "--data", ML, "--model", "usercf", "--param", "maxDenseBytes=1000", "--param", "threads=1", "--json").stdout);
    assert.strictEqual(o.notes.length, 1);
    assert.match(o.notes[0], /200 most similar neighbours/);
  });
});
