import { strict as assert } from "assert";
import { makeRatings } from "../lib/ratings";
import { rmse } from "../lib/metrics";
import { NeuralRecommender } from "../lib/ncf";
import { createModel } from "../lib/model";
import { pca, nearestItems, oneCycleRate, EmbeddingDotBias } from "../lib/interpret";

/** A small rating matrix with structure: users 0..29 like items 0..19 (5) and dislike 20..39 (1); the rest the other way round. */
function twoTasteRatings() {
  const u: number[] = [], i: number[] = [], v: number[] = [];
  for (let user = 0; user < 60; user++)
    for (let item = 0; item < 40; item++)
      if ((user * 7 + item * 3) % 4 !== 0) { u.push(user); i.push(item); v.push((user < 30) === (item < 20) ? 5 : 1); }
  return makeRatings(60, 40, u, i, v);
}

describe("ncf", function () {
  this.timeout(120000);
  it("parses --param pairs and rejects unknown ones", () => {
    const m = createModel("ncf", { epochs: "2", lr: "0.01", optimizer: "adam" }) as NeuralRecommender;
    assert.equal(m.params.epochs, 2);
    assert.equal(m.params.learningRate, 0.01);
    assert.equal(m.params.optimizer, "adam");
    assert.throws(() => createModel("ncf", { hiddn: "3" }), /unknown parameter/);
  });
  for (const architecture of ["mlp", "nonlinear-mf"] as const)
    it(`${architecture} learns two tastes and predicts inside the rating range`, async () => {
      const r = twoTasteRatings();
      const m = new NeuralRecommender({ architecture, epochs: 30, batchSize: 64, learningRate: 0.05, dropout: 0, seed: 3 });
      await m.fit(r);
      const p = m.predict(r.users, r.items);
      assert.ok(p.every((x) => Number.isFinite(x) && x >= 1 && x <= 5));
      assert.ok(rmse(p, r.values) < 1.0, `train RMSE ${rmse(p, r.values)}`); // the global mean scores 2.0
      m.dispose();
    });
});

describe("interpret", function () {
  this.timeout(120000);
  it("pca finds the direction of points on a line", () => {
    const res = pca(new Float32Array([0, 0, 1, 2, 2, 4, 3, 6]), 2, Int32Array.from([0, 1, 2, 3]), 1);
    assert.ok(Math.abs(res.components[0][0] - 1 / Math.sqrt(5)) < 1e-6);
    assert.ok(Math.abs(res.explained[0] - 1) < 1e-9);
  });
  it("nearestItems ranks by cosine", () => {
    const f = new Float32Array([1, 0, 0.9, 0.1, 0, 1, -1, 0]);
    assert.deepEqual(nearestItems(f, 2, 0, 3).map((x) => x.item), [1, 2, 3]);
  });
  it("oneCycleRate peaks at a quarter of the steps", () => {
    assert.ok(Math.abs(oneCycleRate(250, 1000, 1) - 1) < 1e-12);
    assert.ok(oneCycleRate(0, 1000, 1) < 0.05 && oneCycleRate(999, 1000, 1) < 1e-3);
  });
  it("EmbeddingDotBias fits and exposes its biases", async () => {
    const r = twoTasteRatings();
    const m = new EmbeddingDotBias({ k: 4, epochs: 30, batchSize: 64, learningRate: 0.05, weightDecay: 0.01 });
    await m.fit(r);
    assert.equal(m.model!.itemBias.length, 40);
    assert.ok(rmse(m.predict(r.users, r.items), r.values) < 1.0);
  });
});
