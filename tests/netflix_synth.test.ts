/** The Netflix-sized benchmark's generator: reproducible files, its floor, and the half-oracles that bound how near a model can come. */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateNetflixLike } from "../bench/netflix-synth";
import { loadDataset } from "../lib/loading";
import { createModel } from "../lib";
import { rmse } from "../lib/metrics";

const SMALL = { users: 400, items: 800, titles: 1000, trainLines: 80_000, testLines: 20_000 };

describe("the Netflix-like generator", function () {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "netflix-synth-"));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("writes byte-identical THU files for the same options, with exactly the asked-for lines", function () {
    const a = generateNetflixLike(path.join(tmp, "a"), SMALL), b = generateNetflixLike(path.join(tmp, "b"), SMALL);
    for (const f of ["users.txt", "movie_titles.txt", "netflix_train.txt", "netflix_test.txt"])
      assert.ok(fs.readFileSync(path.join(tmp, "a", f)).equals(fs.readFileSync(path.join(tmp, "b", f))), f);
    assert.deepStrictEqual(a.histogram, b.histogram);
    assert.strictEqual(a.train, SMALL.trainLines);
    assert.strictEqual(a.test, SMALL.testLines);
    assert.strictEqual(fs.readFileSync(path.join(tmp, "a", "netflix_test.txt"), "latin1").trim().split("\n").length, SMALL.testLines);
  });

  it("orders floor < half-oracles < estimated limit, and bmf stays above the half-oracles", async function () {
    const s = generateNetflixLike(path.join(tmp, "a"), SMALL);
    assert.ok(s.floorRmse > 0.75 && s.floorRmse < 0.85, `floor ${s.floorRmse}`);
    assert.ok(s.usersUnknownRmse > s.floorRmse && s.itemsUnknownRmse > s.floorRmse, JSON.stringify(s));
    assert.ok(s.limitRmse > Math.max(s.usersUnknownRmse, s.itemsUnknownRmse), JSON.stringify(s));
    const ds = loadDataset(path.join(tmp, "a"));
    const model = await createModel("bmf", { threads: 1, sweeps: 20, burnin: 5 }).fit(ds.train);
    const got = rmse(model.predict(ds.test!.users, ds.test!.items), ds.test!.values);
    assert.ok(got > Math.max(s.usersUnknownRmse, s.itemsUnknownRmse), `bmf ${got} against ${JSON.stringify(s)}`);
    assert.ok(got < s.limitRmse + 0.05, `bmf ${got} far above the estimated limit ${s.limitRmse}`);
  });

  it("a half-oracle nears the floor as its side gets more ratings each", function () {
    // 100 users with 1,500 training ratings each, 3,000 films with 50: the users are estimated well, the films not.
    const s = generateNetflixLike(path.join(tmp, "heavy"), { users: 100, items: 3000, titles: 3000, trainLines: 150_000, testLines: 30_000 });
    const usersExcess = s.usersUnknownRmse - s.floorRmse, itemsExcess = s.itemsUnknownRmse - s.floorRmse;
    assert.ok(usersExcess > 0 && usersExcess < itemsExcess / 3, JSON.stringify(s));
  });
});
