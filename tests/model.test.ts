/** The model contract of chapter 1 (lib/model), held by every registered model. */
import assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { makeRatings, type Ratings } from "../lib/ratings";
import { seededRandom } from "../lib/splits";
import { createModel, loadModel, parseModelParams, registeredModels, saveModel, FitError, GlobalMeanRecommender } from "../lib/model";
import { readNotebook, sourceText } from "../tools/notebook";
import "../lib/index"; // every chapter registers its models

/** A tiny rating matrix: 30 users × 20 items, about 40 % known, ratings 1..5 in half stars, from a seed. */
function tinyRatings(seed = 3): Ratings {
  const random = seededRandom(seed);
  const us: number[] = [], is: number[] = [], vs: number[] = [];
  for (let u = 0; u < 30; u++)
    for (let i = 0; i < 20; i++)
      if (random() < 0.4) us.push(u), is.push(i), vs.push(1 + Math.round(random() * 8) / 2);
  return makeRatings(30, 20, us, is, vs);
}

/** Settings that keep every model quick on the tiny matrix. */
const QUICK: Record<string, Record<string, unknown>> = {
  "mf-sgd": { threads: 1, epochs: 3 },
  "mf-als": { epochs: 2 },
  "mf-gd": { maxEpochs: 3 },
  "dot-bias": { epochs: 1, k: 4 },
  ncf: { epochs: 1, userDim: 4, itemDim: 4 },
  "nonlinear-mf": { epochs: 1, userDim: 4 },
  usercf: { threads: 1 }, knn: { threads: 1 }, "knn-baseline": { threads: 1 }, itemcf: { threads: 1 },
  svdpp: { epochs: 2, k: 4 },
  bmf: { k: 4, sweeps: 3, burnin: 1, threads: 1 },
  blend: { models: "baseline+mf-sgd" },
  "item-knn": { threads: 1 }, ease: { minRatings: 1 }, ials: { epochs: 2, k: 4 }, bpr: { epochs: 2, k: 4, threads: 1 },
};

describe("model contract: every registered model", function () {
  this.timeout(120000);
  const train = tinyRatings();
  const users = Int32Array.from({ length: 600 }, (_, t) => Math.floor(t / 20)), items = Int32Array.from({ length: 600 }, (_, t) => t % 20);
  const index = { userIds: Array.from({ length: 30 }, (_, r) => 100 + r), itemIds: Array.from({ length: 20 }, (_, c) => 1000 + c) };

  it("the registry holds every chapter's models", () => {
    const names = registeredModels().map((m) => m.name);
    for (const name of ["global-mean", "baseline", "usercf", "knn", "knn-baseline", "itemcf", "mf-sgd", "mf-als", "mf-gd", "svdpp", "bmf", "blend", "dot-bias", "ncf", "nonlinear-mf", "popularity", "item-knn", "ease", "ials", "bpr"])
      assert.ok(names.includes(name), `${name} is not registered (registered: ${names.join(", ")})`);
    for (const m of registeredModels()) {
      assert.ok(m.description.length > 10 && !m.description.includes("\n"), `${m.name}: a one-line description`);
      for (const [key, def] of Object.entries(m.params)) assert.ok(def.description, `${m.name}.${key} has a description`);
    }
  });

  for (const spec of registeredModels()) {
    it(`${spec.name}: not fitted until fit resolves; fits, predicts in range, recommends, saves and loads the same predictions`, async () => {
      const model = createModel(spec.name, QUICK[spec.name] ?? {});
      const pending = model.fit(train, { index });
      assert.throws(() => model.predict(users, items), /not fitted/);
      assert.strictEqual(await pending, model);
      const predicted = model.predict(users, items);
      assert.strictEqual(predicted.length, users.length);
      for (const x of predicted) assert.ok(x >= 1 && x <= 5, `${spec.name}: prediction ${x} outside the training range 1..5`);
      const unknown = model.predict(Int32Array.of(-1, 99, 0), Int32Array.of(0, 0, 99));
      assert.strictEqual(unknown.fallbacks, 3);
      const top = model.recommend(0, 5);
      assert.strictEqual(top.length, 5);
      for (let p = train.userPtr[0]; p < train.userPtr[1]; p++) assert.ok(!top.some((r) => r.item === train.userItems[p]), "a rated item was recommended");
      assert.ok(top.every((r, k) => k === 0 || r.score <= top[k - 1].score), "recommendations are best first");
      assert.deepStrictEqual(model.recommendIds(100, 5).map((r) => r.item), top.map((r) => index.itemIds[r.item]));
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `litrec-${spec.name}-`));
      try {
        saveModel(model, dir);
        const meta = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8"));
        assert.strictEqual(meta.format, "litrec-model");
        assert.strictEqual(meta.version, 1);
        const loaded = loadModel(dir);
        assert.strictEqual(loaded.name, spec.name);
        assert.deepStrictEqual(Array.from(loaded.predict(users, items)), Array.from(predicted), `${spec.name}: the loaded model predicts differently`);
        assert.deepStrictEqual(loaded.recommendIds(100, 5), model.recommendIds(100, 5));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe("model contract: parameters and honest failure", function () {
  this.timeout(60000);
  it("the parser rejects unknown names, wrong types, values out of range and bad choices, naming the parameter", () => {
    assert.throws(() => createModel("mf-sgd", { k: "1.5" }), /mf-sgd: parameter k must be an integer, got '1\.5'/);
    assert.throws(() => createModel("mf-sgd", { k: "-1" }), /mf-sgd: parameter k must be ≥ 1, got '-1'/);
    assert.throws(() => createModel("ncf", { optimizer: "foo" }), /ncf: parameter optimizer must be one of adamw, adam, sgd-momentum, got 'foo'/);
    assert.throws(() => createModel("mf-sgd", { lerningRate: "0.1" }), /unknown parameter 'lerningRate'/);
    assert.throws(() => createModel("mf-sgd", { lr: "0" }), /must be > 0/);
    assert.throws(() => createModel("mf-sgd", { lr: "0.1", learningRate: "0.2" }), /given twice/);
    assert.throws(() => createModel("knn", { similarity: "jaccard" }), /one of cosine, pearson, pearson-baseline/);
    assert.throws(() => createModel("nope"), /unknown model 'nope'/);
    assert.deepStrictEqual(parseModelParams("mf-sgd", { lr: "0.02", biased: "false" }).learningRate, 0.02);
    assert.strictEqual(parseModelParams("mf-sgd", { biased: "false" }).biased, false);
  });

  it("a diverging fit (mf-sgd lr=100) is a FitError naming the model and its parameters", async () => {
    const model = createModel("mf-sgd", { lr: 100, threads: 1 });
    await assert.rejects(model.fit(tinyRatings()), (e: Error) => e instanceof FitError && /mf-sgd diverged/.test(e.message) && /learningRate=100/.test(e.message));
    assert.throws(() => model.predict(Int32Array.of(0), Int32Array.of(0)), /not fitted/);
  });

  it("usercf says so when the dense similarity does not fit and it keeps top-K neighbours instead", async () => {
    const dense = await createModel("usercf", { threads: 1 }).fit(tinyRatings());
    assert.deepStrictEqual(dense.notes, []);
    const lists = await createModel("usercf", { threads: 1, maxDenseBytes: 100, keep: 5 }).fit(tinyRatings());
    assert.strictEqual(lists.notes.length, 1);
    assert.match(lists.notes[0], /the 5 most similar neighbours/);
  });

  it("the global mean falls back for unknown pairs and counts them", async () => {
    const m = await new GlobalMeanRecommender().fit(tinyRatings());
    const p = m.predict(Int32Array.of(0, 31), Int32Array.of(0, 0));
    assert.strictEqual(p.fallbacks, 1);
    assert.strictEqual(p[0], p[1]);
  });
});

describe("model contract: documented model names exist", () => {
  it("every `--model NAME` in README.md, CONTRIBUTING.md and the notebooks is registered", () => {
    const root = path.resolve(__dirname, "..");
    const texts: [string, string][] = ["README.md", "CONTRIBUTING.md"].filter((f) => fs.existsSync(path.join(root, f))).map((f) => [f, fs.readFileSync(path.join(root, f), "utf8")]);
    for (const f of fs.readdirSync(path.join(root, "notebooks")).filter((f) => f.endsWith(".ipynb")))
      for (const c of readNotebook(path.join(root, "notebooks", f)).cells) texts.push([`notebooks/${f}`, sourceText(c.source)]);
    const names = new Set(registeredModels().map((m) => m.name));
    const missing: string[] = [];
    let seen = 0;
    for (const [file, text] of texts)
      for (const m of text.matchAll(/--model[ =]([a-z][a-z0-9-]*)/g)) {
        seen++;
        if (!names.has(m[1])) missing.push(`${file}: --model ${m[1]}`);
      }
    assert.ok(seen > 5, `only ${seen} --model mentions found`);
    assert.deepStrictEqual(missing, []);
  });
});
