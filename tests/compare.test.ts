import { createModel } from "../lib/model";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { loadDataset } from "../lib/loading";
import { randomSplit } from "../lib/splits";
import { makeRatings, type Ratings } from "../lib/ratings";
import { NeighbourhoodModel } from "../lib/usercf";
import { FactorRecommender } from "../lib/mf";
import {
  storedModelSize, projectedSizes, rmseByActivity, bucketLabel, withFewRatings, explainFactorPrediction,
  measureInChild, barSpec, bucketSpec,
} from "../lib/compare";

const ML_SMALL = path.join(__dirname, "..", "data", "ml-latest-small");

/** A seeded split of the shipped data, loaded once. */
let split: { train: Ratings; test: Ratings } | null = null;
function fixture() {
  if (!split) split = randomSplit(loadDataset(ML_SMALL).train, 0.2, 1);
  return split;
}

describe("compare", () => {
  it("builds every compared model by its CLI name", async () => {
    for (const name of ["global-mean", "baseline", "usercf", "knn", "knn-baseline", "itemcf", "mf-sgd", "mf-als"])
      assert.equal(createModel(name).name, name);
    assert.throws(() => createModel("nope"), /unknown model/);
  });

  it("counts a dense user similarity and the ratings for user-CF, only factors and biases for MF", async () => {
    const { train } = fixture();
    const usercf = createModel("usercf", { threads: 1 }) as NeighbourhoodModel;
    await usercf.fit(train);
    const s = storedModelSize(usercf);
    assert.equal(s.similarity, 4 * train.nUsers * train.nUsers);
    assert.equal(s.ratings, 4 * (train.nItems + 1) + 8 * train.size);
    assert.equal(s.total, s.similarity + s.ratings + s.parameters);
    const mf = createModel("mf-als", { k: 4, epochs: 2 }) as FactorRecommender;
    await mf.fit(train);
    const f = storedModelSize(mf);
    assert.deepEqual([f.similarity, f.ratings], [0, 0]);
    assert.equal(f.parameters, 4 * (train.nUsers + train.nItems) * 5);
    const p = projectedSizes(train.nUsers, train.nItems, train.size, 4);
    assert.equal(p.userSimilarity, s.similarity);
    assert.equal(p.ratings, s.ratings);
    assert.equal(p.factors, f.parameters);
  });

  it("groups test errors by training ratings of the user or item", () => {
    const train = makeRatings(3, 3, [0, 0, 0, 1], [0, 1, 2, 0], [4, 3, 5, 2]);
    const test = makeRatings(3, 3, [0, 1, 2, 2], [0, 1, 1, 2], [5, 3, 1, 4]);
    // users: 0 has 3 training ratings, 1 has 1, 2 has 0
    const byUser = rmseByActivity(train, test, [4, 4, 3, 4], "user", [0, 1, 2, Infinity]);
    assert.deepEqual(byUser, [
      { bucket: "0", order: 0, ratings: 2, rmse: Math.sqrt((4 + 0) / 2) },
      { bucket: "1", order: 1, ratings: 1, rmse: 1 },
      { bucket: "≥2", order: 2, ratings: 1, rmse: 1 },
    ]);
    // items: 0 has 2, 1 has 1, 2 has 1 training ratings
    const byItem = rmseByActivity(train, test, [4, 4, 3, 4], "item", [0, 1, 2, Infinity]);
    assert.deepEqual(byItem.map((b) => [b.bucket, b.ratings]), [["1", 3], ["≥2", 1]]);
    assert.equal(bucketLabel(5, 10), "5–9");
    assert.throws(() => rmseByActivity(train, test, [1], "user"), /1 predictions for 4/);
  });

  it("cuts chosen users down to n ratings and leaves everyone else", () => {
    const { train } = fixture();
    const users = [0, 5, 7];
    const cut = withFewRatings(train, users, 3, 2);
    for (let u = 0; u < train.nUsers; u++) {
      const before = train.userPtr[u + 1] - train.userPtr[u], after = cut.userPtr[u + 1] - cut.userPtr[u];
      assert.equal(after, users.includes(u) ? Math.min(3, before) : before);
    }
    // the kept ratings are the user's own, with their values
    for (const u of users)
      for (let p = cut.userPtr[u]; p < cut.userPtr[u + 1]; p++) {
        const item = cut.userItems[p];
        const q = train.userItems.subarray(train.userPtr[u], train.userPtr[u + 1]).indexOf(item);
        assert.ok(q >= 0);
        assert.equal(cut.userValues[p], train.userValues[train.userPtr[u] + q]);
      }
    assert.deepEqual(Array.from(withFewRatings(train, users, 3, 2).userItems), Array.from(cut.userItems)); // seeded
  });

  it("takes a factor prediction apart into terms that add up to it", async () => {
    const { train, test } = fixture();
    const mf = createModel("mf-als", { k: 4, epochs: 3 }) as FactorRecommender;
    await mf.fit(train);
    const user = test.users[0], item = test.items[0];
    const e = explainFactorPrediction(mf.model!, train, user, item, 3);
    const predicted = mf.predict(Int32Array.of(user), Int32Array.of(item))[0];
    const sum = e.mean + e.userBias + e.itemBias + e.interaction;
    assert.ok(Math.abs(Math.min(mf.range[1], Math.max(mf.range[0], sum)) - predicted) < 1e-4);
    assert.equal(e.closestRated.length, 3);
    assert.ok(e.closestRated[0].similarity >= e.closestRated[2].similarity);
    assert.ok(e.closestRated.every((c) => c.item !== item && Math.abs(c.similarity) <= 1 + 1e-6));
  });

  it("makes chart specs with one row per model", () => {
    const spec = barSpec([{ model: "a", v: 1 }, { model: "b", v: 2 }], { value: "v", title: "t", log: true }) as any;
    assert.equal(spec.encoding.x.scale.type, "log");
    assert.equal(spec.encoding.yOffset, undefined);
    const b = bucketSpec([{ model: "a", bucket: "0", order: 0, ratings: 3, rmse: 1 }], "item") as any;
    assert.equal(b.vconcat.length, 2);
  });

  it("measures a model in a child process, when the library is built", async function () {
    const compiled = path.join(__dirname, "..", "dist", "lib", "compare.js");
    if (!fs.existsSync(compiled)) this.skip();
    this.timeout(60000);
    const m = await measureInChild({ data: ML_SMALL, split: "random:0.2", seed: 1, model: "baseline", params: {} }, compiled);
    const { test } = fixture();
    assert.equal(m.predictions.length, test.size);
    assert.ok(m.rmse > 0 && m.rmse < 2 && m.mae > 0 && m.mae <= m.rmse);
    assert.ok(m.peakRssMB >= m.rssAfterLoadMB * 0.9);
    assert.ok(m.size.parameters > 0);
    await assert.rejects(measureInChild({ data: ML_SMALL, split: "random:0.2", seed: 1, model: "nope", params: {} }, compiled), /unknown model/);
  });
});
