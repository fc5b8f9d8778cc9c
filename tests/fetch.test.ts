/** `litrec fetch` and built-in datasets, against a loopback HTTP server: layouts, resume, slow and failing servers. */
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFile, spawn } from "child_process";
import { fetchDataset, FetchError, progressPrinter, type FetchOptions } from "../lib/datasets";
import { loadDataset } from "../lib/loading";
import { serveFixtures, zipFiles, type FixtureServer } from "./fixtures/serve";

const ROOT = path.join(__dirname, "..");
const THU = path.join(__dirname, "fixtures", "data", "thu");
const md5 = (b: Buffer) => crypto.createHash("md5").update(b).digest("hex");

/** ml-100k layout: u.data (tab separated), u.item titles (|-separated), and two canonical folds. */
const U_DATA = ["1\t1\t5\t874965758", "1\t2\t3\t876893171", "2\t1\t4\t888550871", "2\t3\t2\t888551000", "3\t2\t1\t875072484", "3\t3\t4\t875072500"];
const ML100K = {
  "ml-100k/u.data": U_DATA.join("\n") + "\n",
  "ml-100k/u.item": "1|Toy Story (1995)|01-Jan-1995||http://x|0\n2|GoldenEye (1995)|01-Jan-1995||http://x|0\n3|Four Rooms (1995)|01-Jan-1995||http://x|0\n",
  "ml-100k/u1.base": [U_DATA[0], U_DATA[1], U_DATA[2], U_DATA[4]].join("\n") + "\n",
  "ml-100k/u1.test": [U_DATA[3], U_DATA[5]].join("\n") + "\n",
  "ml-100k/README": "terms\n",
};
const ML1M = { "ml-1m/ratings.dat": "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n", "ml-1m/movies.dat": "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n661::James and the Giant Peach (1996)::Animation\n" };
const LATEST = {
  "ml-latest-small/ratings.csv": "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.5,964981247\n2,1,2.5,1445714835\n",
  "ml-latest-small/movies.csv": 'movieId,title,genres\n1,Toy Story (1995),Animation\n3,"American President, The (1995)",Comedy\n',
};

describe("litrec fetch (loopback server)", function () {
  this.timeout(60_000);
  let server: FixtureServer;
  let zips: Record<string, Buffer>;
  let big: Buffer; // a stored (uncompressed) archive large enough to drop mid-file
  let bigLatest: Buffer; // the same, in the ml-latest layout
  let tmp: string;
  const cache = (label: string) => fs.mkdtempSync(path.join(tmp, label + "-"));
  const quiet = (dir: string, extra: FetchOptions = {}): FetchOptions => ({ dir, quiet: true, ...extra });

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-fetch-test-"));
    const bigRatings = Array.from({ length: 60_000 }, (_, k) => `${1 + (k % 500)}\t${1 + Math.floor(k / 500)}\t${1 + (k % 5)}\t${880000000 + k}`).join("\n") + "\n";
    zips = { ml100k: await zipFiles(ML100K), ml1m: await zipFiles(ML1M), latest: await zipFiles(LATEST), big: await zipFiles({ "ml-100k/u.data": bigRatings }, true) };
    big = zips.big;
    // An entry named ../evil.txt (yazl refuses to write one: the name is patched in, same length).
    const slip = await zipFiles({ "ml-100k/u.data": U_DATA.join("\n"), "ZZ/evil.txt": "outside" });
    zips.slip = Buffer.from(slip.toString("latin1").split("ZZ/evil.txt").join("../evil.txt"), "latin1");
    bigLatest = await zipFiles({ "ml-latest-small/ratings.csv": "userId,movieId,rating,timestamp\n" + Array.from({ length: 40_000 }, (_, k) => `${1 + (k % 400)},${1 + Math.floor(k / 400)},${(1 + (k % 10)) / 2},${1400000000 + k}`).join("\n") + "\n" }, true);
    const thu = Object.fromEntries(["users.txt", "movie_titles.txt", "netflix_train.txt", "netflix_test.txt"].map((f) => [`/thu/${f}`, { body: fs.readFileSync(path.join(THU, f)) }]));
    server = await serveFixtures({
      "/ml-100k.zip": { body: zips.ml100k },
      "/ml-1m.zip": { body: zips.ml1m },
      "/ml-latest-small.zip": { body: zips.latest },
      "/slow/ml-100k.zip": { body: zips.ml100k, chunk: 128, delayMs: 20 },
      "/stall/ml-100k.zip": { body: zips.ml100k, stall: true },
      "/drop/ml-100k.zip": { body: big, chunk: 64 * 1024, dropAfter: Math.floor(big.length / 2) },
      "/norange/ml-100k.zip": { body: big, chunk: 64 * 1024, dropAfter: Math.floor(big.length / 3), noRange: true },
      "/crawl/ml-latest-small.zip": { body: bigLatest, chunk: 16 * 1024, delayMs: 25 },
      "/slip/ml-100k.zip": { body: zips.slip },
      "/corrupt/ml-100k.zip": { body: Buffer.from("this is not a zip archive at all, just bytes") },
      "/truncated/ml-100k.zip": { body: zips.ml100k.subarray(0, Math.floor(zips.ml100k.length * 0.6)) },
      ...thu,
    });
  });
  after(async () => {
    await server?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Runs the CLI asynchronously (so that this process's server answers meanwhile) with LITREC_HOME=home. */
  const litrecIn = (home: string, ...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, ["--import", "tsx", path.join(ROOT, "tools", "litrec.ts"), ...args], { cwd: ROOT, env: { ...process.env, LITREC_HOME: home } }, (e, stdout, stderr) =>
        resolve({ code: e ? Number(e.code ?? 1) : 0, stdout, stderr }),
      ),
    );

  /** Nothing but the given names is left in a cache folder (no .part, no temp folder, no half dataset). */
  const contents = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f !== ".licences-shown").sort() : []);

  it("fetches an ml-100k archive, verifies its md5, installs it, and a second call is a cache hit", async () => {
    const dir = cache("ml100k");
    const lines: string[] = [];
    const first = await fetchDataset("ml-100k", { dir, md5: md5(zips.ml100k), urls: [`${server.base}/ml-100k.zip`], log: (l) => lines.push(l), onProgress: () => {} });
    assert.deepStrictEqual([first.cached, first.bytes, first.verified], [false, zips.ml100k.length, `md5 ${md5(zips.ml100k)}`]);
    assert.deepStrictEqual(contents(dir), ["ml-100k"]);
    assert.ok(fs.existsSync(path.join(dir, "ml-100k", ".litrec-fetch.json")));
    assert.strictEqual(lines.length, 1, "the licence, once");
    assert.match(lines[0], /^ml-100k: MovieLens data, GroupLens Research.*do not redistribute/);
    const second = await fetchDataset("ml-100k", { dir, urls: [`${server.base}/ml-100k.zip`], log: (l) => lines.push(l) });
    assert.deepStrictEqual([second.cached, second.bytes, lines.length], [true, 0, 1]);

    const ds = loadDataset("ml-100k", { dir });
    assert.deepStrictEqual([ds.format, ds.train.size, ds.test, ds.titles?.get(3)?.title], ["movielens-100k", 6, null, "Four Rooms"]);
    const fold = loadDataset("ml-100k", { dir, fold: 1 });
    assert.deepStrictEqual([fold.train.size, fold.test?.size, fold.train.nUsers, fold.train.nItems], [4, 2, 3, 3]);
    assert.throws(() => loadDataset("ml-100k", { dir, fold: 6 }), /folds 1 to 5/);
    const viaPromise = await loadDataset("ml-100k", { dir, download: true }); // cached: no network needed
    assert.strictEqual(viaPromise.train.size, 6);
  });

  it("reads the ml-1m (ratings.dat) and ml-latest (ratings.csv) layouts after fetching them", async () => {
    const dir = cache("layouts");
    await fetchDataset("ml-1m", quiet(dir, { md5: md5(zips.ml1m), urls: [`${server.base}/ml-1m.zip`] }));
    await fetchDataset("ml-latest-small", quiet(dir, { urls: [`${server.base}/ml-latest-small.zip`] }));
    const m1 = loadDataset("ml-1m", { dir });
    const latest = loadDataset("ml-latest-small", { dir });
    assert.deepStrictEqual([m1.format, m1.train.size, m1.titles?.get(661)?.title], ["movielens-1m", 3, "James and the Giant Peach"]);
    assert.deepStrictEqual([latest.format, latest.train.size, latest.titles?.get(3)?.title], ["movielens-csv", 3, "American President, The"]);
  });

  it("tells the user to run litrec fetch when a built-in set is not in the cache", () => {
    const dir = cache("missing");
    assert.throws(
      () => loadDataset("ml-100k", { dir }),
      (e: any) => e instanceof FetchError && e.reason === "missing" && /run `litrec fetch ml-100k`/.test(e.message) && !e.message.includes("\n"),
    );
  });

  it("a slow server still completes, with progress reported as the bytes arrive", async () => {
    const dir = cache("slow");
    const seen: number[] = [];
    await fetchDataset("ml-100k", quiet(dir, { md5: md5(zips.ml100k), urls: [`${server.base}/slow/ml-100k.zip`], onProgress: (p) => seen.push(p.received) }));
    assert.ok(seen.length >= Math.floor(zips.ml100k.length / 128), `${seen.length} progress calls`);
    assert.ok(seen.every((v, k) => k === 0 || v >= seen[k - 1]));
    assert.strictEqual(seen[seen.length - 1], zips.ml100k.length);
  });

  it("a dropped connection keeps the .part; the next call resumes it with a Range request", async () => {
    const dir = cache("drop");
    const urls = [`${server.base}/drop/ml-100k.zip`];
    await assert.rejects(fetchDataset("ml-100k", quiet(dir, { md5: md5(big), urls })), (e: any) => e.reason === "truncated" && /run the same command again to resume/.test(e.message) && !e.message.includes("\n"));
    assert.deepStrictEqual(contents(dir), [".downloads"], "no dataset folder, no temp folder");
    const part = path.join(dir, ".downloads", "ml-100k", "ml-100k.zip.part");
    const kept = fs.statSync(part).size;
    assert.ok(kept > 0 && kept < big.length, `kept ${kept}`);
    const r = await fetchDataset("ml-100k", quiet(dir, { md5: md5(big), urls }));
    assert.deepStrictEqual([r.resumedFrom, r.bytes, r.verified], [kept, big.length - kept, `md5 ${md5(big)}`]);
    assert.strictEqual(server.requests.filter((q) => q.url === "/drop/ml-100k.zip").pop()?.range, `bytes=${kept}-`);
    assert.deepStrictEqual(contents(dir), ["ml-100k"]);
    assert.strictEqual(loadDataset("ml-100k", { dir }).train.size, 60_000);
  });

  it("a server that ignores Range makes the resumed download start over, still verified", async () => {
    const dir = cache("norange");
    const urls = [`${server.base}/norange/ml-100k.zip`];
    await assert.rejects(fetchDataset("ml-100k", quiet(dir, { md5: md5(big), urls })), /connection closed/);
    const r = await fetchDataset("ml-100k", quiet(dir, { md5: md5(big), urls }));
    assert.deepStrictEqual([r.resumedFrom, r.bytes], [0, big.length]);
  });

  it("a stalled server is a network failure after the timeout", async () => {
    const dir = cache("stall");
    await assert.rejects(fetchDataset("ml-100k", quiet(dir, { urls: [`${server.base}/stall/ml-100k.zip`], timeoutMs: 300 })), (e: any) => e.reason === "network" && /^ml-100k: no answer from 127\.0\.0\.1:\d+ for 0\.3 s after 0\.0 MB of /.test(e.message));
    assert.deepStrictEqual(contents(dir), [".downloads"]); // the (empty) part stays for a resume
  });

  it("a wrong checksum, a 404, a corrupt, a truncated and a path-escaping archive: one line each, nothing installed", async () => {
    const dir = cache("bad");
    const fail = async (opts: FetchOptions, reason: string, pattern: RegExp) => {
      await assert.rejects(fetchDataset("ml-100k", quiet(dir, opts)), (e: any) => {
        assert.ok(e instanceof FetchError, String(e));
        assert.strictEqual(e.reason, reason, e.message);
        assert.match(e.message, pattern);
        assert.ok(!e.message.includes("\n"), "one line");
        return true;
      });
      assert.deepStrictEqual(contents(dir), [], `after ${reason}: ${contents(dir)}`);
    };
    await fail({ urls: [`${server.base}/ml-100k.zip`], md5: "0".repeat(32) }, "checksum", /^ml-100k: ml-100k\.zip has md5 [0-9a-f]{32}, expected 0{32}.*deleted/);
    await fail({ urls: [`${server.base}/ml-100k.zip`] }, "checksum", /expected 0e33842e24a9c977be4e0107933c0723/); // the catalogue's md5 holds for a mirror too
    await fail({ urls: [`${server.base}/nowhere/ml-100k.zip`] }, "http", /HTTP 404 Not Found \(the file is not there/);
    await fail({ urls: [`${server.base}/corrupt/ml-100k.zip`], md5: null }, "corrupt", /is not a valid zip archive/);
    await fail({ urls: [`${server.base}/truncated/ml-100k.zip`], md5: null }, "corrupt", /is not a valid zip archive/);
    await fail({ urls: [`${server.base}/slip/ml-100k.zip`], md5: null }, "corrupt", /invalid relative path: \.\.\/evil\.txt/);
    assert.ok(!fs.existsSync(path.join(dir, "evil.txt")) && !fs.existsSync(path.join(tmp, "evil.txt")), "nothing written outside the cache");
  });

  it("no network, a full disk, an unwritable cache: one line each", async () => {
    const dir = cache("env");
    const closed = await serveFixtures({});
    const port = new URL(closed.base).port;
    await closed.close();
    await assert.rejects(fetchDataset("ml-100k", quiet(dir, { urls: [`http://127.0.0.1:${port}/ml-100k.zip`] })), (e: any) => e.reason === "network" && /refused the connection/.test(e.message));
    assert.deepStrictEqual(contents(dir), [], "no folder left by a failed connection");

    // ENOSPC while downloading: the part is kept and the next call resumes it.
    const enospc = () => Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
    const urls = [`${server.base}/ml-100k.zip`];
    const opts = quiet(dir, { md5: md5(big), urls: [`${server.base}/drop/ml-100k.zip`] });
    await assert.rejects(fetchDataset("ml-100k", { ...opts, writeFault: (f, at) => (f.endsWith(".part") && at > 100_000 ? enospc() : null) }), (e: any) => e.reason === "disk" && /ENOSPC: no space left on the device.*kept/.test(e.message) && !e.message.includes("\n"));
    assert.ok(!fs.existsSync(path.join(dir, "ml-100k")));
    // ENOSPC while unpacking: the temporary folder goes, the verified archive stays for the next try.
    await assert.rejects(fetchDataset("ml-100k", { ...opts, writeFault: (f) => (f.endsWith("u.data") ? enospc() : null) }), (e: any) => e.reason === "disk" && /cache is unchanged/.test(e.message));
    assert.deepStrictEqual(contents(dir), [".downloads"]);
    assert.deepStrictEqual(fs.readdirSync(path.join(dir, ".downloads", "ml-100k")), ["ml-100k.zip"]);
    const r = await fetchDataset("ml-100k", opts);
    assert.deepStrictEqual([r.cached, contents(dir)], [false, ["ml-100k"]]);

    const file = path.join(dir, "a-file");
    fs.writeFileSync(file, "");
    await assert.rejects(fetchDataset("ml-1m", quiet(path.join(file, "cache"), { urls })), (e: any) => e.reason === "unwritable" && /a-file\/cache is not writable \(ENOTDIR\): choose another with --dir DIR or LITREC_HOME/.test(e.message));
    await assert.rejects(fetchDataset("ml-5k"), (e: any) => e.reason === "unknown-name" && /one of: ml-latest-small, ml-100k/.test(e.message));
  });

  it("a second fetch of the same set while the first runs is refused (a lock holding its process id); a stale lock is taken over", async () => {
    const dir = cache("lock");
    const urls = [`${server.base}/ml-100k.zip`];
    fs.writeFileSync(path.join(dir, ".lock-ml-100k"), String(process.ppid)); // a live process
    await assert.rejects(fetchDataset("ml-100k", quiet(dir, { md5: md5(zips.ml100k), urls })), (e: any) => e.reason === "busy" && new RegExp(`another litrec fetch \\(process ${process.ppid}\\) is fetching it`).test(e.message));
    const gone = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ["-e", "0"]);
      child.on("exit", () => resolve(child.pid!));
    });
    fs.writeFileSync(path.join(dir, ".lock-ml-100k"), String(gone));
    const r = await fetchDataset("ml-100k", quiet(dir, { md5: md5(zips.ml100k), urls }));
    assert.deepStrictEqual([r.cached, contents(dir)], [false, ["ml-100k"]]);
  });

  it("prints progress as a bar on a terminal and as a line per 10% elsewhere", () => {
    const fake = (isTTY: boolean) => {
      const out: string[] = [];
      return { stream: { isTTY, write: (t: string) => out.push(t) } as unknown as NodeJS.WriteStream, out };
    };
    const feed = (isTTY: boolean) => {
      const f = fake(isTTY);
      const show = progressPrinter("ml-1m ml-1m.zip", f.stream);
      for (let k = 0; k <= 100; k++) show({ file: "ml-1m.zip", received: k * 59_175, total: 5_917_500, resumedFrom: 0, seconds: 1 + k / 50 });
      return f.out;
    };
    const lines = feed(false);
    assert.strictEqual(lines.length, 11);
    assert.strictEqual(lines[10], "ml-1m ml-1m.zip 100% 5.9 MB of 5.9 MB, 2.0 MB/s\n");
    const bar = feed(true);
    assert.ok(bar.every((t) => t.startsWith("\r[")));
    assert.match(bar[bar.length - 1], /^\r\[#{24}\] ml-1m ml-1m\.zip 100% .*\n$/);
  });

  it("an interrupted litrec fetch (the process killed) resumes on the next call", async () => {
    const home = cache("killed");
    const part = path.join(home, "datasets", ".downloads", "ml-latest-small", "ml-latest-small.zip.part");
    const cmd = [path.join(ROOT, "tools", "litrec.ts"), "fetch", "ml-latest-small", "--url", `${server.base}/crawl/ml-latest-small.zip`, "--quiet"];
    const child = spawn(process.execPath, ["--import", "tsx", ...cmd], { cwd: ROOT, env: { ...process.env, LITREC_HOME: home }, stdio: "ignore" });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    for (let k = 0; k < 400 && !(fs.existsSync(part) && fs.statSync(part).size > 64 * 1024); k++) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGINT");
    await exited;
    const kept = fs.statSync(part).size;
    assert.ok(kept > 0 && kept < big.length, `kept ${kept} of ${big.length}`);
    assert.ok(!fs.existsSync(path.join(home, "datasets", "ml-latest-small")));
    const again = await litrecIn(home, ...cmd.slice(1));
    assert.strictEqual(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`resumed after ${(kept / 1e6).toFixed(1)} MB\\), size ${bigLatest.length} bytes, installed`));
    assert.strictEqual(loadDataset("ml-latest-small", { dir: path.join(home, "datasets") }).train.size, 40_000);
  });

  it("litrec fetch: THU files named from their URLs, cache hits, --split fold:1, and errors", async () => {
    const home = cache("cli");
    const litrec = (...args: string[]) => litrecIn(home, ...args);
    const thuUrls = ["users.txt", "movie_titles.txt", "netflix_train.txt", "netflix_test.txt"].flatMap((f) => ["--url", `${server.base}/thu/${f}`]);
    const first = await litrec("fetch", "thu-netflix", ...thuUrls);
    assert.strictEqual(first.code, 0, first.stderr);
    assert.match(first.stdout, /^thu-netflix: .* MB in .* s \(.* MB\/s\), (size \d+ bytes, ){4}installed at .*datasets\/thu-netflix; use it: litrec info --data thu-netflix/);
    assert.match(first.stderr, /Netflix Prize data.*may not be redistributed/);
    assert.deepStrictEqual(fs.readdirSync(path.join(home, "datasets", "thu-netflix")).sort(), [".litrec-fetch.json", "movie_titles.txt", "netflix_test.txt", "netflix_train.txt", "users.txt"]);
    const again = await litrec("fetch", "thu-netflix");
    assert.strictEqual(again.code, 0, again.stderr);
    assert.match(again.stdout, /already in the cache .* \(cache hit, nothing downloaded\)/);
    assert.strictEqual(again.stderr, "", "the licence is printed once");
    const info = await litrec("info", "--data", "thu-netflix", "--json");
    assert.strictEqual(info.code, 0, info.stderr);
    assert.deepStrictEqual(((s) => [s.format, s.train, s.test])(JSON.parse(info.stdout)), ["thu-netflix", 6, 4]);

    await fetchDataset("ml-100k", quiet(path.join(home, "datasets"), { md5: md5(zips.ml100k), urls: [`${server.base}/ml-100k.zip`] }));
    const fold = await litrec("evaluate", "--data", "ml-100k", "--split", "fold:1", "--model", "global-mean", "--json");
    assert.strictEqual(fold.code, 0, fold.stderr);
    assert.deepStrictEqual(((o) => [o.n_test, o.split])(JSON.parse(fold.stdout)), [2, "given"]);

    const bad = await litrec("fetch", "ml-1m", "--url", `${server.base}/ml-1m.zip`, "--quiet");
    assert.strictEqual(bad.code, 1);
    assert.match(bad.stderr, /^litrec: ml-1m: ml-1m\.zip has md5 [0-9a-f]{32}, expected c4d9eecfca2ab87c1945afe126590906: .*\n$/);
    assert.ok(!fs.existsSync(path.join(home, "datasets", "ml-1m")));
    const missing = await litrec("info", "--data", "ml-10m");
    assert.strictEqual(missing.code, 1);
    assert.match(missing.stderr, /^litrec: ml-10m: not in the cache .*: run `litrec fetch ml-10m` first/);
    assert.strictEqual((await litrec("fetch")).code, 2);
  });
});
