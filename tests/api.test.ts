/**
 * The public API (issue 13 item 7): what `import … from "litrec"` gives is what the API reference page lists,
 * with no engine, no `_` name and no mutable binding in it; tfjs and vega load only when used.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { readApi } from "../tools/render/apidoc";
import { INTERNAL_MODULE } from "../tools/export";

const ROOT = path.join(__dirname, "..");
const LIB = path.join(ROOT, "lib");

/** The barrel's names by module, read from the `export { … } from "./m"` lines the exporter writes. */
function barrel(): { module: string; name: string; type: boolean }[] {
  const out: { module: string; name: string; type: boolean }[] = [];
  for (const line of fs.readFileSync(path.join(LIB, "index.ts"), "utf8").split("\n")) {
    const m = /^export (type )?\{ ([^}]*) \} from "\.\/(\w+)";$/.exec(line);
    if (line.startsWith("export")) assert.ok(m, `lib/index.ts: an export line the test does not know: ${line}`);
    if (m) for (const name of m[2].split(", ")) out.push({ module: m[3], name, type: !!m[1] });
  }
  return out;
}

describe("public API: the barrel is the API reference page", function () {
  this.timeout(120_000);
  const names = barrel();
  const api = readApi(LIB);

  it("lists on the API page exactly the names the barrel exports", () => {
    const key = (x: { module: string; name: string }) => `${x.module}.${x.name}`;
    assert.deepEqual(api.map(key).sort(), names.map(key).sort());
    assert.ok(names.length > 100, `${names.length} names`);
  });

  it("leaks no engine, no `_` module or name, and no mutable binding", () => {
    for (const n of names) {
      assert.ok(!INTERNAL_MODULE.test(n.module), `${n.module}.${n.name}: an internal module in the barrel`);
      assert.ok(!n.name.startsWith("_"), `${n.module}.${n.name}: a _ name in the barrel`);
    }
    const mutable = api.filter((s) => s.kind === "let" || s.kind === "var").map((s) => s.anchor);
    assert.deepEqual(mutable, []);
    for (const engine of ["mf_engine", "usercf_engine", "ranking_engine", "sgd_kernel", "als_kernel", "_optional"])
      if (fs.existsSync(path.join(LIB, `${engine}.ts`))) assert.ok(!names.some((n) => n.module === engine), engine);
    assert.ok(!names.some((n) => n.name === "chosenBackend"));
  });

  it("gives at run time the barrel's values, and loads neither tfjs nor vega until a model or chart needs them", () => {
    // A child process, so that other tests' imports of tfjs do not count; the built library, as a user requires it.
    const script = `
      const lib = require(${JSON.stringify(path.join(ROOT, "dist", "lib", "index.js"))});
      const loaded = (p) => Object.keys(require.cache).some((f) => f.includes("/node_modules/" + p + "/"));
      console.log(JSON.stringify({ keys: Object.keys(lib).sort(), tfjs: loaded("@tensorflow"), vega: loaded("vega") || loaded("vega-lite") }));`;
    const out = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" }));
    assert.deepEqual(out.keys, names.filter((n) => !n.type).map((n) => n.name).sort());
    assert.equal(out.tfjs, false, "require('litrec') loaded tfjs");
    assert.equal(out.vega, false, "require('litrec') loaded vega");
  });
});
