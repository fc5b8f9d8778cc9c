import { GlobalMeanRecommender, evaluate } from "../lib/model";
/** Chapter 1 (data): formats, titles traps, bad input, index, CSR/CSC, splits, metrics, charts. */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadDataset, detectFormat, itemLabel } from "../lib/loading";
import { detectEncoding, decodeText, parseTitleLine, readTitles } from "../lib/titles";
import { makeRatings, ratingOf, mergeRatings, coldStartCounts, type Ratings } from "../lib/ratings";
import { randomSplit, temporalSplit, kFold, splitDataset, countLeaks, seededRandom } from "../lib/splits";
import { rmse, mae } from "../lib/metrics";
import { datasetSummary, ratingHistogram, ratingDistributionSpec, longTailSpec, densitySpec } from "../lib/summary";
import { DataError, parseRatingFile, daysFromCivil, dayToIsoDate, type LineFormat } from "../lib/data_parse";
import { chartToSvg, tableHtml } from "../lib/charts";
import { runNotebook } from "../tools/runner";

const FIX = path.join(__dirname, "fixtures", "data");
const fx = (...p: string[]) => path.join(FIX, ...p);
const ML = path.join(__dirname, "..", "data", "ml-latest-small");
const SPACE: LineFormat = { separator: "whitespace", minRating: 1, maxRating: 5, allowHeader: false };

/** Asserts that fn throws a DataError naming `file` and `line` (null: the whole file), with a reason matching `re`. */
function throwsDataError(fn: () => unknown, file: string, line: number | null, re: RegExp) {
  assert.throws(fn, (e: any) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${e}`);
    assert.strictEqual(e.file, file);
    assert.strictEqual(e.line, line);
    assert.match(e.message, re);
    assert.ok(e.message.startsWith(line === null ? `${file}: ` : `${file}:${line}: `), e.message);
    return true;
  });
}

/** Checks every structural invariant of a Ratings. */
function checkRatings(r: Ratings) {
  assert.strictEqual(r.users.length, r.size);
  assert.strictEqual(r.userPtr.length, r.nUsers + 1);
  assert.strictEqual(r.itemPtr.length, r.nItems + 1);
  assert.strictEqual(r.userPtr[r.nUsers], r.size);
  assert.strictEqual(r.itemPtr[r.nItems], r.size);
  let sum = 0;
  for (let k = 0; k < r.size; k++) {
    sum += r.values[k];
    if (k > 0) assert.ok(r.users[k] > r.users[k - 1] || (r.users[k] === r.users[k - 1] && r.items[k] > r.items[k - 1]), "COO sorted by (user, item) without duplicates");
  }
  for (let u = 0; u < r.nUsers; u++) for (let k = r.userPtr[u]; k < r.userPtr[u + 1]; k++) assert.strictEqual(r.users[k], u);
  for (let i = 0; i < r.nItems; i++)
    for (let k = r.itemPtr[i]; k < r.itemPtr[i + 1]; k++) {
      if (k > r.itemPtr[i]) assert.ok(r.itemUsers[k] > r.itemUsers[k - 1], "CSC users sorted");
      assert.strictEqual(ratingOf(r, r.itemUsers[k], i), r.itemValues[k], "CSC agrees with CSR");
    }
  assert.ok(Math.abs(r.globalMean - (r.size ? sum / r.size : 0)) < 1e-9);
}

describe("data: parsing", () => {
  it("converts dates to day numbers exactly", () => {
    assert.strictEqual(daysFromCivil(1970, 1, 1), 0);
    assert.strictEqual(daysFromCivil(2000, 3, 1) - daysFromCivil(2000, 2, 28), 2); // leap year
    for (const iso of ["1999-11-11", "2005-12-31", "1969-12-31", "2000-02-29"]) {
      const [y, m, d] = iso.split("-").map(Number);
      assert.strictEqual(dayToIsoDate(daysFromCivil(y, m, d)), iso);
      assert.strictEqual(daysFromCivil(y, m, d), Date.UTC(y, m - 1, d) / 86400000);
    }
  });

  it("reads THU lines into typed columns with day numbers", () => {
    const p = parseRatingFile(fx("thu", "netflix_train.txt"), SPACE);
    assert.strictEqual(p.columns.size, 6);
    assert.ok(p.columns.users instanceof Int32Array && p.columns.values instanceof Float32Array && p.columns.days instanceof Int32Array);
    assert.deepStrictEqual([...p.columns.users], [10, 10, 20, 20, 30, 30]);
    assert.deepStrictEqual([...p.columns.values], [3, 4, 5, 2, 1, 4]);
    assert.strictEqual(dayToIsoDate(p.columns.days[0]), "2005-09-06");
    assert.deepStrictEqual([...p.columns.lines], [1, 2, 3, 4, 5, 6]);
  });

  it("accepts a BOM, CRLF, blank lines and a missing final newline, and counts the blank lines", () => {
    const p = parseRatingFile(fx("bad", "bom-crlf-blank-no-final-newline.txt"), SPACE);
    assert.deepStrictEqual([...p.columns.users], [1, 2, 3]);
    assert.deepStrictEqual([...p.columns.lines], [1, 3, 4]);
    assert.strictEqual(p.blankLines, 1);
  });

  it("parses across chunk boundaries (a file larger than the 8 MB buffer)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-data-"));
    const file = path.join(dir, "big.txt");
    const lines: string[] = [];
    for (let k = 0; k < 450_000; k++) lines.push(`${k % 997} ${k % 1009} ${1 + (k % 5)} 2005-0${1 + (k % 9)}-1${k % 10}`);
    fs.writeFileSync(file, lines.join("\n"));
    const p = parseRatingFile(file, SPACE);
    assert.strictEqual(p.columns.size, 450_000);
    for (const k of [0, 123_456, 449_999]) {
      assert.strictEqual(p.columns.users[k], k % 997);
      assert.strictEqual(p.columns.items[k], k % 1009);
      assert.strictEqual(p.columns.values[k], 1 + (k % 5));
      assert.strictEqual(p.columns.lines[k], k + 1);
    }
    fs.rmSync(dir, { recursive: true });
  });

  it("the fast path and the general path read every line the same way", () => {
    // Lines in all the shapes the fast path takes, mixed with ones only the general path takes (trailing
    // blanks, a sign, a timestamp after a date-like field, tabs and runs of blanks): every value must equal
    // a reference computed from the split text.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-data-"));
    const random = seededRandom(5);
    const expected: { user: number; item: number; rating: number; day: number | null }[] = [];
    const text: string[] = [];
    for (let k = 0; k < 20_000; k++) {
      const user = Math.floor(random() * 3_000_000), item = Math.floor(random() * 20_000);
      const rating = 0.5 + Math.floor(random() * 10) / 2;
      const y = 1995 + Math.floor(random() * 120), m = 1 + Math.floor(random() * 12), d = 1 + Math.floor(random() * 28);
      const kind = Math.floor(random() * 6);
      const date = `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
      const seconds = Math.floor(random() * 2e9);
      const stamp = random() < 0.3 && seconds >= 1e8 ? String(seconds * 1000 + Math.floor(random() * 1000)) : String(seconds); // milliseconds too
      const sep = kind === 4 ? "\t" : kind === 5 ? "  " : " ";
      const ratingText = kind === 3 ? `+${rating}` : String(rating);
      const tail = kind === 0 ? "" : kind === 1 ? `${sep}${stamp}` : `${sep}${date}`;
      text.push(`${user}${sep}${item}${sep}${ratingText}${tail}${kind === 2 ? " " : ""}${k % 7 === 0 ? "\r" : ""}`);
      expected.push({ user, item, rating, day: kind === 0 ? null : kind === 1 ? Math.floor(seconds / 86400) : daysFromCivil(y, m, d) });
    }
    // A file is dated on every line or on none: the undated lines go to a file of their own.
    for (const dated of [true, false]) {
      const keep = expected.map((e, k) => k).filter((k) => (expected[k].day !== null) === dated);
      const file = path.join(dir, dated ? "mixed.txt" : "undated.txt");
      fs.writeFileSync(file, keep.map((k) => text[k]).join("\n") + "\n");
      const p = parseRatingFile(file, { ...SPACE, minRating: 0.5 });
      assert.strictEqual(p.columns.size, keep.length);
      keep.forEach((k, j) => {
        const e = expected[k];
        assert.strictEqual(p.columns.users[j], e.user, `user, line ${j + 1}`);
        assert.strictEqual(p.columns.items[j], e.item, `item, line ${j + 1}`);
        assert.strictEqual(p.columns.values[j], Math.fround(e.rating), `rating, line ${j + 1}`);
        if (e.day !== null) assert.strictEqual(p.columns.days[j], e.day, `day, line ${j + 1}`);
        assert.strictEqual(p.columns.lines[j], j + 1);
      });
      assert.strictEqual(p.datedRatings, dated ? keep.length : 0);
    }
    fs.rmSync(dir, { recursive: true });
  });

  it("a file already in (user, item) order loads without a sort into the same Ratings makeRatings builds", () => {
    const ds = loadDataset(ML);
    const r = ds.train;
    const again = makeRatings(r.nUsers, r.nItems, Array.from(r.users).reverse(), Array.from(r.items).reverse(), Array.from(r.values).reverse());
    for (const key of ["users", "items", "values", "userPtr", "itemPtr", "itemUsers", "itemValues"] as const)
      assert.deepStrictEqual([...r[key]], [...again[key]], key);
    assert.strictEqual(r.globalMean.toFixed(12), again.globalMean.toFixed(12));
  });

  it("names the file and line of each bad input", () => {
    throwsDataError(() => parseRatingFile(fx("bad", "malformed-fields.txt"), SPACE), fx("bad", "malformed-fields.txt"), 2, /expected 3 or 4 fields/);
    throwsDataError(() => parseRatingFile(fx("bad", "non-numeric-rating.txt"), SPACE), fx("bad", "non-numeric-rating.txt"), 3, /rating 'four' is not a number/);
    throwsDataError(() => parseRatingFile(fx("bad", "out-of-range-rating.txt"), SPACE), fx("bad", "out-of-range-rating.txt"), 2, /rating 7 is outside 1–5/);
    throwsDataError(() => parseRatingFile(fx("bad", "zero-rating.txt"), SPACE), fx("bad", "zero-rating.txt"), 2, /outside/);
    throwsDataError(() => parseRatingFile(fx("bad", "bad-date.txt"), SPACE), fx("bad", "bad-date.txt"), 2, /date '2005-02-30'/);
    throwsDataError(() => parseRatingFile(fx("bad", "non-numeric-user.txt"), SPACE), fx("bad", "non-numeric-user.txt"), 2, /user id 'x'/);
  });

  it("rejects a missing file, an empty file and a file with only blank lines", () => {
    throwsDataError(() => parseRatingFile(fx("bad", "no-such-file.txt"), SPACE), fx("bad", "no-such-file.txt"), null, /no such file/);
    throwsDataError(() => parseRatingFile(fx("bad", "empty.txt"), SPACE), fx("bad", "empty.txt"), null, /empty/);
    throwsDataError(() => parseRatingFile(fx("bad", "blank-only.txt"), SPACE), fx("bad", "blank-only.txt"), null, /no ratings/);
  });
});

describe("data: titles and their traps", () => {
  it("detects ISO-8859-1/Windows-1252 vs UTF-8 from the bytes", () => {
    assert.strictEqual(detectEncoding(Uint8Array.from([0x43, 0x61, 0x66, 0xe9])), "windows-1252");
    assert.strictEqual(detectEncoding(new TextEncoder().encode("Café — ok")), "utf-8");
    assert.strictEqual(detectEncoding(Uint8Array.from([0xe2, 0x80])), "windows-1252"); // truncated sequence
    assert.strictEqual(detectEncoding(Uint8Array.from([0xc0, 0xaf])), "windows-1252"); // overlong
    assert.strictEqual(decodeText(Uint8Array.from([0x93, 0x41, 0x94, 0x92])).text, "“A”’");
  });

  it("reads the THU titles: ISO-8859-1, commas in titles, NULL years", () => {
    const { titles, encoding } = readTitles(fx("thu", "movie_titles.txt"), "thu");
    assert.strictEqual(encoding, "windows-1252");
    assert.deepStrictEqual(titles.get(3), { title: "Café Society", year: 1997 });
    assert.deepStrictEqual(titles.get(72), { title: "At Home Among Strangers, A Stranger Among His Own", year: 1974 });
    assert.deepStrictEqual(titles.get(4388), { title: "Ancient Civilizations: Rome and Pompeii", year: null });
  });

  it("reads UTF-8 and Windows-1252 titles files", () => {
    assert.strictEqual(readTitles(fx("titles-utf8.txt"), "thu").titles.get(1)!.title, "Amélie");
    assert.strictEqual(readTitles(fx("titles-utf8.txt"), "thu").encoding, "utf-8");
    assert.strictEqual(readTitles(fx("titles-cp1252.txt"), "thu").titles.get(1)!.title, "Don’t Look Now");
  });

  it("names the line of a bad title line", () => {
    assert.throws(() => parseTitleLine("12,19x5,Title", "t.txt", 12), /t\.txt:12: year '19x5'/);
    assert.throws(() => parseTitleLine("no commas", "t.txt", 3), /t\.txt:3: expected 'id,year,title'/);
  });

  it("reads MovieLens titles: quoted CSV, years in titles, genres; u.item and movies.dat", () => {
    const csv = readTitles(fx("ml-csv", "movies.csv"), "movies-csv").titles;
    assert.deepStrictEqual(csv.get(11), { title: "American President, The", year: 1995, genres: ["Comedy", "Drama", "Romance"] });
    assert.strictEqual(readTitles(fx("ml-100k", "u.item"), "u-item").titles.get(242)!.title, "Kolya");
    assert.strictEqual(readTitles(fx("ml-1m", "movies.dat"), "movies-dat").titles.get(1193)!.year, 1975);
  });
});

describe("data: formats and loading", () => {
  it("detects each layout from its files", () => {
    assert.strictEqual(detectFormat(fx("thu")).format, "thu-netflix");
    assert.strictEqual(detectFormat(fx("ml-csv")).format, "movielens-csv");
    assert.strictEqual(detectFormat(fx("ml-100k")).format, "movielens-100k");
    assert.strictEqual(detectFormat(fx("ml-1m")).format, "movielens-1m");
    throwsDataError(() => detectFormat(fx("empty-dir")), fx("empty-dir"), null, /no known dataset layout.*README\.txt/);
    throwsDataError(() => detectFormat(fx("nope")), fx("nope"), null, /no such folder/);
  });

  it("loads the THU layout: users.txt rows sorted by id, items that occur, given split, titles, report", () => {
    const ds = loadDataset(fx("thu"));
    assert.strictEqual(ds.format, "thu-netflix");
    assert.deepStrictEqual([...ds.userIds], [10, 20, 30, 40]); // sorted; 40 is listed without ratings
    assert.deepStrictEqual([...ds.itemIds], [1, 3, 5, 72]); // items in train or test, not all titles
    assert.strictEqual(ds.userIndex.get(30), 2);
    assert.strictEqual(ds.itemIndex.get(72), 3);
    checkRatings(ds.train);
    checkRatings(ds.test!);
    assert.strictEqual(ds.train.size, 6);
    assert.strictEqual(ds.test!.size, 4);
    assert.strictEqual(ratingOf(ds.train, ds.userIndex.get(20)!, ds.itemIndex.get(72)!), 2);
    assert.strictEqual(dayToIsoDate(ds.test!.days![0]), "2005-12-01");
    assert.strictEqual(ds.report.usersWithoutRatings, 1);
    assert.deepStrictEqual(ds.report.unseen, { testUsers: 0, testItems: 1, testRatings: 1 }); // item 5 only in test
    assert.strictEqual(ds.titles!.get(72)!.title, "At Home Among Strangers, A Stranger Among His Own");
    assert.strictEqual(itemLabel(ds, ds.itemIndex.get(4388) ?? ds.itemIndex.get(72)!), "At Home Among Strangers, A Stranger Among His Own (1974)");
    assert.strictEqual(ds.report.files.find((f) => f.role === "titles")!.encoding, "windows-1252");
    assert.strictEqual(countLeaks(ds.train, ds.test!), 0);
  });

  it("a rating by a user absent from users.txt: an error naming file and line, or a counted policy", () => {
    const train = fx("thu-unknown-user", "netflix_train.txt");
    throwsDataError(() => loadDataset(fx("thu-unknown-user")), train, 3, /user 99 is not in users\.txt/);
    const dropped = loadDataset(fx("thu-unknown-user"), { unknownUsers: "drop" });
    assert.strictEqual(dropped.train.size, 3);
    assert.strictEqual(dropped.report.unknownUsers.ratings, 1);
    assert.ok(dropped.report.notes.some((n) => /absent from users\.txt dropped/.test(n)));
    const kept = loadDataset(fx("thu-unknown-user"), { unknownUsers: "keep" });
    assert.strictEqual(kept.train.size, 4);
    assert.ok(kept.userIndex.has(99));
  });

  it("duplicate (user, item) pairs follow the policy and are counted", () => {
    const file = fx("bad", "duplicates.txt");
    const last = loadDataset({ train: file });
    assert.strictEqual(last.train.size, 3);
    assert.strictEqual(last.report.duplicates.train, 1);
    assert.strictEqual(ratingOf(last.train, last.userIndex.get(1)!, last.itemIndex.get(1)!), 5);
    assert.ok(last.report.notes.some((n) => /repeated/.test(n) && /lines 1 and 3/.test(n)));
    const first = loadDataset({ train: file }, { duplicates: "first" });
    assert.strictEqual(ratingOf(first.train, first.userIndex.get(1)!, first.itemIndex.get(1)!), 3);
    const mean = loadDataset({ train: file }, { duplicates: "mean" });
    assert.strictEqual(ratingOf(mean.train, mean.userIndex.get(1)!, mean.itemIndex.get(1)!), 4);
    throwsDataError(() => loadDataset({ train: file }, { duplicates: "error" }), file, 3, /duplicate rating for user 1, item 1 \(first at line 1\)/);
  });

  it("a pair in both train and test is removed from train and counted", () => {
    const ds = loadDataset({ train: fx("bad", "overlap-train.txt"), test: fx("bad", "overlap-test.txt") });
    assert.strictEqual(ds.format, "rating-files");
    assert.strictEqual(ds.report.trainTestOverlap, 1);
    assert.strictEqual(ds.train.size, 2);
    assert.strictEqual(countLeaks(ds.train, ds.test!), 0);
    assert.strictEqual(ds.test!.size, 2);
  });

  it("loads the three MovieLens layouts with their titles", () => {
    const csv = loadDataset(fx("ml-csv"));
    assert.strictEqual(csv.train.size, 5);
    assert.strictEqual(csv.test, null);
    assert.ok(csv.report.notes.some((n) => /header line skipped/.test(n)));
    assert.strictEqual(csv.titles!.get(11)!.title, "American President, The");
    assert.ok(Math.abs(csv.train.values[csv.train.userPtr[csv.userIndex.get(2)!] + 1] - 0.5) < 1e-9);
    const k100 = loadDataset(fx("ml-100k"));
    assert.strictEqual(k100.train.size, 4);
    assert.deepStrictEqual([...k100.userIds], [22, 186, 196]);
    const m1 = loadDataset(fx("ml-1m"));
    assert.strictEqual(m1.train.size, 3);
    assert.strictEqual(itemLabel(m1, m1.itemIndex.get(1193)!), "One Flew Over the Cuckoo's Nest (1975)");
  });

  it("loads ml-latest-small: 610 users, 9,724 items, 100,836 ratings", () => {
    const ds = loadDataset(ML);
    assert.strictEqual(ds.train.nUsers, 610);
    assert.strictEqual(ds.train.nItems, 9724);
    assert.strictEqual(ds.train.size, 100836);
    checkRatings(ds.train);
    assert.ok(Math.abs(ds.train.globalMean - 3.5016) < 1e-3);
    assert.strictEqual(ds.report.itemsWithoutTitle, 0);
    const s = datasetSummary(ds);
    assert.strictEqual(s.histogram.length, 10);
    assert.strictEqual(s.histogram.reduce((a, h) => a + h.count, 0), 100836);
    assert.deepStrictEqual(s.dateRange, ["1996-03-29", "2018-09-24"]);
  });
});

describe("data: Ratings, splits and metrics", () => {
  const r = makeRatings(3, 4, [2, 0, 1, 0, 2, 1], [1, 3, 1, 0, 0, 2], [4, 5, 3, 1, 2, 4], [5, 1, 2, 3, 4, 9]);

  it("builds COO sorted by (user, item), CSR and CSC", () => {
    checkRatings(r);
    assert.deepStrictEqual([...r.users], [0, 0, 1, 1, 2, 2]);
    assert.deepStrictEqual([...r.items], [0, 3, 1, 2, 0, 1]);
    assert.deepStrictEqual([...r.days!], [3, 1, 2, 9, 4, 5]);
    assert.deepStrictEqual([...r.itemPtr], [0, 2, 4, 5, 6]);
    assert.deepStrictEqual([...r.itemUsers], [0, 2, 1, 2, 1, 0]);
    assert.throws(() => makeRatings(2, 2, [0, 0], [1, 1], [3, 4]), /occurs more than once/);
    assert.throws(() => makeRatings(2, 2, [0, 2], [1, 1], [3, 4]), /outside/);
  });

  it("random split: exact size, seeded, no leak, every rating once", () => {
    const ds = loadDataset(ML);
    const a = randomSplit(ds.train, 0.2, 7);
    const b = randomSplit(ds.train, 0.2, 7);
    const c = randomSplit(ds.train, 0.2, 8);
    assert.strictEqual(a.test.size, Math.round(0.2 * ds.train.size));
    assert.strictEqual(a.train.size + a.test.size, ds.train.size);
    assert.strictEqual(countLeaks(a.train, a.test), 0);
    assert.deepStrictEqual([...a.test.values.slice(0, 50)], [...b.test.values.slice(0, 50)]);
    assert.notDeepStrictEqual([...a.test.users.slice(0, 50)], [...c.test.users.slice(0, 50)]);
    assert.strictEqual(mergeRatings(a.train, a.test).size, ds.train.size);
  });

  it("temporal split: each user's latest ratings are the test set, at least one stays in train", () => {
    const t = temporalSplit(r, 0.5);
    assert.strictEqual(countLeaks(t.train, t.test), 0);
    // user 0: days 3 (item 0), 1 (item 3) → item 0 is later; user 1: 2 (item 1), 9 (item 2); user 2: 4 (item 0), 5 (item 1).
    assert.deepStrictEqual([...t.test.users], [0, 1, 2]);
    assert.deepStrictEqual([...t.test.items], [0, 2, 1]);
    const ds = loadDataset(ML);
    const big = temporalSplit(ds.train, 0.2);
    assert.strictEqual(countLeaks(big.train, big.test), 0);
    for (let u = 0; u < ds.train.nUsers; u++) {
      let lastTrain = -Infinity,
        firstTest = Infinity;
      for (let k = big.train.userPtr[u]; k < big.train.userPtr[u + 1]; k++) lastTrain = Math.max(lastTrain, big.train.days![k]);
      for (let k = big.test.userPtr[u]; k < big.test.userPtr[u + 1]; k++) firstTest = Math.min(firstTest, big.test.days![k]);
      assert.ok(lastTrain <= firstTest, `user ${u}: a training rating is later than a test rating`);
      assert.ok(big.train.userPtr[u + 1] > big.train.userPtr[u]);
    }
    assert.throws(() => temporalSplit(makeRatings(1, 1, [0], [0], [3]), 0.2), /no dates/);
  });

  it("k-fold: every rating is in exactly one test fold, folds are disjoint from their training sets", () => {
    const ds = loadDataset(ML);
    const seen = new Map<string, number>();
    let total = 0;
    for (const f of kFold(ds.train, 5, 3)) {
      assert.strictEqual(f.train.size + f.test.size, ds.train.size);
      assert.strictEqual(countLeaks(f.train, f.test), 0);
      for (let k = 0; k < f.test.size; k++) {
        const key = `${f.test.users[k]},${f.test.items[k]}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      total += f.test.size;
    }
    assert.strictEqual(total, ds.train.size);
    assert.strictEqual(seen.size, ds.train.size);
  });

  it("splitDataset follows the CLI spec and reports cold-start counts", () => {
    const thu = loadDataset(fx("thu"));
    assert.strictEqual(splitDataset(thu).spec, "given");
    assert.strictEqual(splitDataset(thu, "random:0.5", 1).test.size, 5);
    const ml = loadDataset(ML);
    assert.strictEqual(splitDataset(ml).spec, "random:0.2");
    assert.throws(() => splitDataset(ml, "given"), /no test file/);
    assert.throws(() => splitDataset(ml, "sideways:0.2"), /--split/);
    const s = splitDataset(ml, "temporal:0.2");
    const cold = coldStartCounts(s.train, s.test);
    assert.strictEqual(cold.testUsers, 0);
  });

  it("RMSE, MAE and the global-mean baseline", async () => {
    assert.strictEqual(rmse([1, 2, 3], [1, 2, 3]), 0);
    assert.ok(Math.abs(rmse([2, 4], [1, 1]) - Math.sqrt(5)) < 1e-12);
    assert.strictEqual(mae([2, 4], [1, 1]), 2);
    assert.throws(() => rmse([1], [1, 2]), /1 predictions for 2 ratings/);
    const ds = loadDataset(ML);
    const { train, test } = randomSplit(ds.train, 0.2, 0);
    const ev = await evaluate(new GlobalMeanRecommender(), train, test);
    assert.strictEqual(ev.nTest, test.size);
    assert.strictEqual(ev.nPredicted, test.size);
    assert.ok(ev.rmse > 0.95 && ev.rmse < 1.15, `global mean RMSE ${ev.rmse}`);
    const r1 = seededRandom(5),
      r2 = seededRandom(5);
    assert.strictEqual(r1(), r2());
  });
});

describe("data: charts and tables", () => {
  it("renders the first-look charts to SVG in Node", async () => {
    const ds = loadDataset(fx("thu"));
    for (const spec of [ratingDistributionSpec(ds.train), longTailSpec(ds.train), densitySpec(ds.train, 4)]) {
      const svg = await chartToSvg(spec);
      assert.match(svg, /^<svg[\s\S]*<\/svg>$/);
    }
    assert.strictEqual(ratingHistogram(ds.train, ds.test!).reduce((a, h) => a + h.count, 0), 10);
  });

  it("builds HTML tables with arquero", () => {
    const html = tableHtml([{ a: 1, b: "x" }, { a: 2, b: "y" }]);
    assert.match(html, /<table[\s\S]*<td[^>]*>x<\/td>/);
  });
});

describe("data: chapter 1 on another dataset", function () {
  this.timeout(600_000);

  it("runs every cell on a THU-format dataset given by LITREC_DATA (a training file without the shipped data's size)", async () => {
    const saved = process.env.LITREC_DATA;
    process.env.LITREC_DATA = fx("thu");
    try {
      const r = await runNotebook(path.join(__dirname, "..", "notebooks", "01_data.ipynb"), { write: false, skipSlow: true });
      assert.equal(r.ok, true, r.error);
    } finally {
      if (saved === undefined) delete process.env.LITREC_DATA;
      else process.env.LITREC_DATA = saved;
    }
  });
});
