/** lib/tuning.ts: search spaces, strategies, the SQLite study store (resume, concurrency) and cross-validation. */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describeSpace, gridPoints, randomPoint, rungEpochs, strategyCandidates, survivesRung, type SearchSpace } from "../lib/tuning";
import { Study, type StudyConfig } from "../lib/tuning_store";
import { runStudy, type FoldObjective } from "../lib/tuning_runner";
import { crossValidationObjective, toyObjective } from "../lib/tuning_objectives";
import { kFold } from "../lib/splits";
import { loadDataset } from "../lib/loading";
import { rmse } from "../lib/metrics";
import { GlobalMeanRecommender } from "../lib/model";

const space: SearchSpace = {
  searched: {
    k: { type: "int", default: 16, distribution: { kind: "categorical", choices: [1, 4, 16, 64] }, description: "latent factors" },
    lambda: { type: "float", default: 0.01, distribution: { kind: "float", low: 0.001, high: 0.1, log: true }, grid: [0.001, 0.01, 0.1], description: "L2 weight" },
  },
  fixed: { epochs: 12 },
};
const gridConfig: StudyConfig = { space, strategy: { kind: "grid" }, folds: 3, maxEpochs: 12 };

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-tuning-"))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Counts the objective's calls per (trial params, fold). */
function counting(objective: FoldObjective) {
  const calls = new Map<string, number>();
  const f: FoldObjective = (params, fold, report) => {
    const key = `${params.k}/${params.lambda}/${fold}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
    return objective(params, fold, report);
  };
  return { f, calls };
}

describe("tuning: search space", () => {
  it("lists searched then fixed parameters with their distributions", () => {
    const rows = describeSpace(space);
    assert.deepEqual(rows.map((r) => [r.name, r.role]), [["k", "searched"], ["lambda", "searched"], ["epochs", "fixed"]]);
    assert.equal(rows[1].distribution, "log-uniform [0.001, 0.1]");
    assert.equal(rows[0].grid, "1, 4, 16, 64");
  });
  it("grid: the Cartesian product, first parameter slowest, fixed parameters merged in", () => {
    const points = gridPoints(space);
    assert.equal(points.length, 12);
    assert.deepEqual(points[0], { epochs: 12, k: 1, lambda: 0.001 });
    assert.deepEqual(points[1], { epochs: 12, k: 1, lambda: 0.01 });
    assert.deepEqual(points[11], { epochs: 12, k: 64, lambda: 0.1 });
  });
  it("random: trial n is the same on every call, inside the bounds, log-uniform across decades", () => {
    assert.deepEqual(randomPoint(space, 3, 5), randomPoint(space, 3, 5));
    assert.notDeepEqual(randomPoint(space, 3, 5), randomPoint(space, 3, 6));
    const draws = Array.from({ length: 3000 }, (_, n) => randomPoint(space, 1, n));
    const lambdas = draws.map((p) => p.lambda as number);
    assert.ok(lambdas.every((l) => l >= 0.001 && l <= 0.1));
    const below = lambdas.filter((l) => l < 0.01).length / lambdas.length; // one decade of two
    assert.ok(below > 0.45 && below < 0.55, `fraction below 0.01: ${below}`);
    assert.deepEqual(new Set(draws.map((p) => p.k)), new Set([1, 4, 16, 64]));
    assert.equal(strategyCandidates(space, { kind: "random", trials: 7, seed: 2 }).length, 7);
  });
  it("refuses a grid over a continuous parameter without grid values", () => {
    const s: SearchSpace = { searched: { lr: { type: "float", default: 0.01, distribution: { kind: "float", low: 0.001, high: 0.1 }, description: "" } }, fixed: {} };
    assert.throws(() => gridPoints(s), /needs explicit grid values/);
  });
});

describe("tuning: successive halving", () => {
  it("rungs at r, rη, rη² below the budget", () => {
    assert.deepEqual(rungEpochs(2, 3, 40), [2, 6, 18]);
    assert.deepEqual(rungEpochs(1, 2, 9), [1, 2, 4, 8]);
  });
  it("keeps the best max(1, ⌊n/η⌋) of the n trials at a rung", () => {
    assert.ok(survivesRung(1, [], 3)); // alone: goes on
    assert.ok(survivesRung(0.9, [0.95, 0.93], 3));
    assert.ok(!survivesRung(0.94, [0.95, 0.93], 3));
    const others = [0.9, 0.91, 0.92, 0.95, 0.96, 0.97, 0.98, 0.99]; // with it, 9 trials: the best 3 go on
    assert.ok(survivesRung(0.915, others, 3));
    assert.ok(!survivesRung(0.93, others, 3));
  });
  it("prunes bad trials early and still finds the grid's best setting on the toy objective", async () => {
    const file = path.join(dir, "s.db");
    const full = await runStudy(file, "grid", gridConfig, { objective: toyObjective({ maxEpochs: 12 }) });
    const halving = await runStudy(file, "halving", { ...gridConfig, strategy: { kind: "halving", minEpochs: 1, eta: 3 } }, { objective: toyObjective({ maxEpochs: 12 }) });
    const best = (ts: typeof full) => ts.filter((t) => t.state === "complete").sort((a, b) => a.value! - b.value!)[0].params;
    assert.deepEqual(best(halving), best(full));
    assert.ok(halving.some((t) => t.state === "pruned"));
    const s1 = Study.open(file, "grid"), s2 = Study.open(file, "halving");
    assert.ok(s2.epochs().length < s1.epochs().length, "halving runs fewer epochs");
    for (const f of s2.foldRuns().filter((f) => f.state === "pruned" && f.epochs !== null)) assert.ok(f.epochs! < 12);
    s1.close(); s2.close();
  });
});

describe("tuning: the study store", () => {
  it("records trials, parameters, folds and epochs; a trial's value is the mean over its folds", async () => {
    const file = path.join(dir, "s.db");
    const trials = await runStudy(file, "grid", gridConfig, { objective: toyObjective({ maxEpochs: 12 }) });
    assert.equal(trials.length, 12);
    for (const t of trials) {
      assert.equal(t.state, "complete");
      assert.equal(t.foldValues.length, 3);
      assert.ok(Math.abs(t.value! - t.foldValues.reduce((a, b) => a + b) / 3) < 1e-12);
      assert.ok(t.seconds! >= 0);
    }
    const study = Study.open(file, "grid");
    assert.equal(study.epochs().length, 12 * 3 * 12);
    const params = study.db.prepare("SELECT COUNT(*) AS n FROM trial_params").get();
    assert.equal(params.n, 12 * 3);
    const best = study.db.prepare("SELECT t.number FROM trials t JOIN trial_params p ON p.trial_id = t.id WHERE p.name = 'k' AND p.value = 16 ORDER BY t.value LIMIT 1").get();
    assert.equal(best.number, study.best()!.number);
    assert.equal(study.db.pragma("journal_mode", { simple: true }), "wal");
    study.close();
  });
  it("marks a trial whose objective throws as failed, with the error, and goes on", async () => {
    const file = path.join(dir, "s.db");
    const trials = await runStudy(file, "grid", gridConfig, { objective: toyObjective({ maxEpochs: 12, failOn: { k: 4, lambda: 0.01 } }) });
    const failed = trials.filter((t) => t.state === "failed");
    assert.equal(failed.length, 1);
    assert.deepEqual([failed[0].params.k, failed[0].params.lambda], [4, 0.01]);
    assert.match(failed[0].error!, /asked to fail/);
    assert.equal(trials.filter((t) => t.state === "complete").length, 11);
  });
  it("refuses to reopen a study with a different space or strategy", async () => {
    const file = path.join(dir, "s.db");
    Study.open(file, "grid", gridConfig).close();
    assert.throws(() => Study.open(file, "grid", { ...gridConfig, folds: 5 }), /different folds/);
  });
  it("resumes an interrupted study without repeating or losing finished folds", async () => {
    const file = path.join(dir, "s.db");
    // A first run does 10 folds, then its process "dies" while holding one more.
    const study = Study.open(file, "grid", gridConfig, { leaseSeconds: 0.2 });
    study.enqueue();
    const first = counting(toyObjective({ maxEpochs: 12 }));
    for (let n = 0; n < 10; n++) {
      const task = study.claim(`${os.hostname()}:${process.pid}:0`)!;
      const r = await first.f(task.params, task.fold, (e, v, t) => study.reportEpoch(task, e, v, t));
      study.finishFold(task, { state: "complete", validation: r.validation, train: r.train, epochs: r.epochs, seconds: 0 });
    }
    const abandoned = study.claim(`${os.hostname()}:999999999:0:dead`)!; // a worker that dies: nothing renews its lease
    study.reportEpoch(abandoned, 1, 1.5);
    study.close();
    // The second run picks up the rest.
    const second = counting(toyObjective({ maxEpochs: 12 }));
    const trials = await runStudy(file, "grid", gridConfig, { objective: second.f });
    assert.ok(trials.every((t) => t.state === "complete"));
    for (const key of first.calls.keys()) assert.ok(!second.calls.has(key), `${key} was run again`);
    assert.equal(first.calls.size + second.calls.size, 36);
    assert.ok([...second.calls.values()].every((n) => n === 1));
    const reopened = Study.open(file, "grid");
    assert.equal(reopened.epochs().length, 36 * 12); // the abandoned fold's partial epoch was replaced
    assert.equal(reopened.enqueue(), 0); // nothing new to add
    reopened.close();
  });
  it("a claim by a live foreign process (a reused process id) expires with its lease: the resumed run finishes every trial", async () => {
    const file = path.join(dir, "s.db");
    const config: StudyConfig = { ...gridConfig, strategy: { kind: "grid" } };
    const uninterrupted = await runStudy(path.join(dir, "whole.db"), "grid", config, { objective: toyObjective({ maxEpochs: 12 }) });
    const study = Study.open(file, "grid", config, { leaseSeconds: 0.3 });
    study.enqueue();
    // Trial 5 fold 0 (k=16, λ=0.01: the true best) is claimed under the name of a process that is alive (pid 1, or this one).
    let task = study.claim(`${os.hostname()}:1:0:foreign`)!;
    while (task.number !== 5) {
      study.finishFold(task, { state: "complete", ...(await toyObjective({ maxEpochs: 12 })(task.params, task.fold, () => true)), seconds: 0 });
      task = study.claim(`${os.hostname()}:1:0:foreign`)!;
    }
    study.close();
    const trials = await runStudy(file, "grid", config, { objective: toyObjective({ maxEpochs: 12 }), leaseSeconds: 0.3 });
    assert.deepEqual(trials.map((t) => t.state), Array(12).fill("complete"));
    const best = (ts: typeof trials) => ts.filter((t) => t.state === "complete").sort((a, b) => a.value! - b.value!)[0];
    assert.deepEqual(best(trials).params, best(uninterrupted).params);
    assert.deepEqual(best(trials).params, { epochs: 12, k: 16, lambda: 0.01 });
    trials.forEach((t, i) => assert.ok(Math.abs(t.value! - uninterrupted[i].value!) < 1e-12));
  });
  it("a worker process killed mid-fold: its fold is redone, every trial completes, the best is the uninterrupted run's", async function () {
    this.timeout(60_000);
    const file = path.join(dir, "killed.db");
    const config: StudyConfig = { ...gridConfig, strategy: { kind: "random", trials: 6, seed: 3 } };
    const uninterrupted = await runStudy(path.join(dir, "whole.db"), "r", config, { objective: toyObjective({ maxEpochs: 12 }) });
    // The child runs the toy objective at ~20 ms per epoch and says when it is in the middle of its fourth fold.
    const child = `
      const t = { ...require(${JSON.stringify(require.resolve("../lib/tuning_runner"))}), ...require(${JSON.stringify(require.resolve("../lib/tuning_objectives"))}) };
      const toy = t.toyObjective({ maxEpochs: 12 });
      let folds = 0;
      const slow = (p, f, report) => { const n = ++folds; return toy(p, f, (e, v, tr) => {
        const end = Date.now() + 20; while (Date.now() < end);
        if (n === 4 && e === 6) console.log("mid-fold " + JSON.stringify(p) + " " + f);
        return report(e, v, tr); }); };
      t.runStudy(${JSON.stringify(file)}, "r", ${JSON.stringify(config)}, { objective: slow, leaseSeconds: 0.5 });`;
    const p = spawn(process.execPath, ["-r", require.resolve("tsx/cjs"), "-e", child], { stdio: ["ignore", "pipe", "inherit"] });
    const killedAt = await new Promise<string>((resolve) => {
      let out = "";
      p.stdout.on("data", (d) => {
        out += d;
        const m = /mid-fold (.*)\n/.exec(out);
        if (m) { p.kill("SIGKILL"); resolve(m[1]); }
      });
    });
    await new Promise((resolve) => p.on("exit", resolve));
    let study = Study.open(file, "r");
    const held = study.foldRuns().filter((f) => f.state === "running");
    assert.equal(held.length, 1, "the killed worker held one fold");
    assert.equal(study.counts().complete, 1, "three folds of 18 were done: one trial complete");
    study.close();
    const trials = await runStudy(file, "r", config, { objective: toyObjective({ maxEpochs: 12 }), leaseSeconds: 0.5 });
    assert.deepEqual(trials.map((t) => t.state), Array(6).fill("complete"));
    trials.forEach((t, i) => assert.ok(Math.abs(t.value! - uninterrupted[i].value!) < 1e-12, `trial ${i}: same value as uninterrupted`));
    const best = (ts: typeof trials) => ts.slice().sort((a, b) => a.value! - b.value!)[0].params;
    assert.deepEqual(best(trials), best(uninterrupted));
    study = Study.open(file, "r");
    assert.equal(study.epochs().length, 6 * 3 * 12, "the killed fold's partial epochs were replaced, none doubled");
    const redone = study.foldRuns().find((f) => f.number === held[0].number && f.fold === held[0].fold)!;
    assert.notEqual(redone.worker, held[0].worker);
    assert.match(killedAt, new RegExp(` ${held[0].fold}$`));
    study.close();
  });
  it("a fold longer than its lease stays with its worker (the heartbeat renews it); a second process waits and reports every trial", async function () {
    this.timeout(60_000);
    const file = path.join(dir, "long.db");
    const config: StudyConfig = { ...gridConfig, folds: 2, strategy: { kind: "random", trials: 4, seed: 5 } };
    // Each fold blocks its thread for ~1 s, twice the 0.5 s lease.
    const child = `
      const t = { ...require(${JSON.stringify(require.resolve("../lib/tuning_runner"))}), ...require(${JSON.stringify(require.resolve("../lib/tuning_objectives"))}) };
      const toy = t.toyObjective({ maxEpochs: 12 });
      const slow = (p, f, report) => { console.log("run " + JSON.stringify(p) + " " + f); return toy(p, f, (e, v, tr) => { const end = Date.now() + 85; while (Date.now() < end); return report(e, v, tr); }); };
      t.runStudy(${JSON.stringify(file)}, "long", ${JSON.stringify(config)}, { objective: slow, leaseSeconds: 0.5 })
        .then((trials) => { console.log("states " + trials.map((x) => x.state).join(",")); process.exit(0); }, (e) => { console.error(e); process.exit(1); });`;
    const run = () => new Promise<{ code: number; out: string }>((resolve) => {
      const p = spawn(process.execPath, ["-r", require.resolve("tsx/cjs"), "-e", child], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      p.stdout.on("data", (d) => (out += d));
      p.on("exit", (code) => resolve({ code: code ?? 1, out }));
    });
    const results = await Promise.all([run(), run()]);
    assert.deepEqual(results.map((r) => r.code), [0, 0]);
    const runs = results.flatMap((r) => r.out.split("\n").filter((l) => l.startsWith("run ")));
    assert.equal(runs.length, 4 * 2, "each fold ran exactly once");
    assert.equal(new Set(runs).size, 8);
    for (const r of results) assert.match(r.out, /states complete,complete,complete,complete\n/, "both processes report every trial complete");
  });
  it("a study file that is not a study database is an error naming it", () => {
    const junk = path.join(dir, "junk.db");
    fs.writeFileSync(junk, "this is not SQLite\n".repeat(100));
    assert.throws(() => Study.open(junk, "x", gridConfig), (e: Error) => e.message.startsWith(`${junk}: not a readable study database`));
    assert.throws(() => Study.open(dir, "x", gridConfig), (e: Error) => e.message === `${dir}: is a directory, not a study database`);
    const good = path.join(dir, "good.db");
    Study.open(good, "x", gridConfig).close();
    const bytes = fs.readFileSync(good);
    bytes.fill(0x55, 100, 4096); // a page of garbage over the schema
    fs.writeFileSync(good, bytes);
    assert.throws(() => Study.open(good, "x", gridConfig), (e: Error) => e.message.startsWith(`${good}: `));
  });
  it("runs folds in worker threads that share the study through SQLite", async () => {
    const file = path.join(dir, "s.db");
    const events: number[] = [];
    const trials = await runStudy(file, "threads", gridConfig, {
      objective: { module: require.resolve("../lib/tuning_objectives"), name: "toyObjective", options: { maxEpochs: 12 } },
      workers: 2,
      onProgress: (e) => events.push(e.done),
    });
    assert.equal(trials.filter((t) => t.state === "complete").length, 12);
    assert.equal(events.length, 36);
    assert.equal(Math.max(...events), 36);
    const inProcess = await runStudy(file, "in-process", gridConfig, { objective: toyObjective({ maxEpochs: 12 }) });
    trials.forEach((t, i) => assert.ok(Math.abs(t.value! - inProcess[i].value!) < 1e-12, "same numbers in threads"));
  });
  it("two processes working on one study file finish it together, each fold exactly once", async () => {
    const file = path.join(dir, "shared.db");
    const config: StudyConfig = { ...gridConfig, strategy: { kind: "random", trials: 16, seed: 4 } };
    // Each process runs the toy objective slowed down to ~1 ms per epoch, so that the two overlap.
    const child = `
      const t = { ...require(${JSON.stringify(require.resolve("../lib/tuning_runner"))}), ...require(${JSON.stringify(require.resolve("../lib/tuning_objectives"))}) };
      const toy = t.toyObjective({ maxEpochs: 12 });
      const slow = (p, f, report) => toy(p, f, (e, v, tr) => { const end = Date.now() + 1; while (Date.now() < end); return report(e, v, tr); });
      t.runStudy(${JSON.stringify(file)}, "shared", ${JSON.stringify(config)}, { objective: slow })
        .then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
    const run = () => new Promise<number>((resolve) => {
      const p = spawn(process.execPath, ["-r", require.resolve("tsx/cjs"), "-e", child], { stdio: ["ignore", "inherit", "inherit"] });
      p.on("exit", (code) => resolve(code ?? 1));
    });
    assert.deepEqual(await Promise.all([run(), run()]), [0, 0]);
    const study = Study.open(file, "shared");
    const folds = study.foldRuns();
    assert.equal(folds.length, 16 * 3);
    assert.ok(folds.every((f) => f.state === "complete"));
    assert.equal(study.epochs().length, 16 * 3 * 12); // no fold ran twice (epochs are keyed by trial, fold, epoch)
    assert.deepEqual(study.counts(), { waiting: 0, running: 0, complete: 16, pruned: 0, failed: 0 });
    const workers = new Set(folds.map((f) => f.worker!.split(":")[1]));
    console.log(`      (folds done by ${workers.size} process(es))`);
    study.close();
  });
});

describe("tuning: cross-validation inside the training part", () => {
  it("scores each fold on its held-out ratings only (global mean on ml-latest-small)", async () => {
    const train = loadDataset(path.join(__dirname, "../data/ml-latest-small")).train;
    const objective = crossValidationObjective(train, () => new GlobalMeanRecommender(), { folds: 5, seed: 3 });
    const folds = [...kFold(train, 5, 3)];
    for (const fold of [0, 4]) {
      const r = await objective({}, fold, () => true);
      const { train: fitPart, test: heldOut } = folds[fold];
      assert.equal(fitPart.size + heldOut.size, train.size);
      const expected = rmse(new Float32Array(heldOut.size).fill(fitPart.globalMean), heldOut.values);
      assert.ok(Math.abs(r.validation - expected) < 1e-9);
      assert.ok(Math.abs(r.train! - rmse(new Float32Array(fitPart.size).fill(fitPart.globalMean), fitPart.values)) < 1e-9);
    }
  });
});

describe("litrec tune (CLI)", () => {
  const cli = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, ["-r", require.resolve("tsx/cjs"), path.join(__dirname, "../tools/litrec.ts"), ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "", stderr = "";
      p.stdout.on("data", (d) => (stdout += d));
      p.stderr.on("data", (d) => (stderr += d));
      p.on("exit", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  const data = path.join(__dirname, "../data/ml-latest-small");

  it("grid-searches a registered model, reports the best setting and its test RMSE, and resumes a --study", async () => {
    const study = path.join(dir, "cli.db");
    const args = ["tune", "--data", data, "--model", "baseline", "--grid", "regUser=5,15", "--grid", "regItem=10", "--folds", "2", "--study", study, "--json"];
    const first = await cli(args);
    assert.equal(first.code, 0, first.stderr);
    const out = JSON.parse(first.stdout);
    assert.equal(out.trials.length, 2);
    assert.ok(out.trials.every((t: any) => t.state === "complete" && t.fold_rmse.length === 2));
    const best = out.trials.reduce((m: any, t: any) => (t.cv_rmse < m.cv_rmse ? t : m));
    assert.deepEqual(out.best.params, best.params);
    assert.ok(out.best.test_rmse > 0.7 && out.best.test_rmse < 1.1, `test RMSE ${out.best.test_rmse}`);
    // The same command again finds every trial done and runs nothing: the same numbers come back.
    const second = JSON.parse((await cli(args)).stdout);
    assert.deepEqual(second.trials.map((t: any) => t.fold_rmse), out.trials.map((t: any) => t.fold_rmse));
    assert.deepEqual([out.folds_run, second.folds_run], [4, 0], "each run reports the folds it ran");
    const s = Study.open(study, out.study.name);
    assert.equal(s.foldRuns().length, 4);
    s.close();
  });
  it("refuses a command line without --grid, with exit code 2", async () => {
    const r = await cli(["tune", "--data", data, "--model", "baseline", "--folds", "2"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing --grid/);
  });
});
