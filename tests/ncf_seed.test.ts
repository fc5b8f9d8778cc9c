import { strict as assert } from "assert";
import { makeRatings } from "../lib/ratings";
import { NeuralRecommender } from "../lib/ncf";

/** Chapter 7 gives the same figures on every run: dropout masks come from the model's seed. */
describe("ncf: deterministic for a given seed", function () {
  this.timeout(120000);
  const u: number[] = [], i: number[] = [], v: number[] = [];
  for (let user = 0; user < 40; user++) for (let item = 0; item < 30; item++) if ((user + 2 * item) % 3) (u.push(user), i.push(item), v.push(1 + ((user * item) % 5)));
  const ratings = makeRatings(40, 30, u, i, v);

  for (const architecture of ["mlp", "nonlinear-mf"] as const)
    it(`${architecture} with dropout 0.5: two fits with seed 7 predict the same, seed 8 differs`, async () => {
      const fit = async (seed: number) => {
        const m = new NeuralRecommender({ architecture, epochs: 3, batchSize: 64, dropout: 0.5, seed });
        await m.fit(ratings);
        const p = m.predict(ratings.users, ratings.items);
        m.dispose();
        return Array.from(p);
      };
      const a = await fit(7), b = await fit(7), c = await fit(8);
      assert.deepEqual(a, b);
      assert.notDeepEqual(a, c);
    });
});
