/** `nbts lint`'s rules (tools/lint.ts) hold on every chapter as committed. */
import { strict as assert } from "assert";
import * as path from "path";
import { listNotebooks, readNotebook, Cell } from "../tools/notebook";
import { cellBreaches, declaredValues, MAX_LINES } from "../tools/lint";

const NOTEBOOKS = path.resolve(__dirname, "..", "notebooks");

describe("cells a reader can follow", function () {
  it("the rules' helpers see what a cell declares and what follows it", function () {
    assert.deepEqual(declaredValues("//| export\ninterface A { x: number }\nconst B = 1, C = 2;\nfunction f(): void {}\nfunction g(x: number): void;"), ["B", "C", "f"]);
    const md = (s: string) => ({ cell_type: "markdown", source: s, metadata: {} }) as Cell;
    const cc = (s: string, id: string) => ({ cell_type: "code", source: s, metadata: {}, id, outputs: [] }) as unknown as Cell;
    assert.deepEqual(cellBreaches([md("why"), cc("//| export\nfunction f() {}", "a"), cc("testEq(f(), undefined);", "b")]), []);
    assert.deepEqual(cellBreaches([cc("//| export\nfunction f() {}\nconst K = 1;", "a"), md("next"), cc("//| export\ntype T = 1;", "c")]), [
      "cell a: defines 2 values (f, K)",
      "cell a: no prose before it",
      "cell a: f has no asserting example after it",
    ]);
  });

  for (const file of listNotebooks(NOTEBOOKS)) {
    it(`${path.basename(file)}: at most ${MAX_LINES} lines a cell, one value per exported cell, prose before it, an asserting example after it`, function () {
      assert.deepEqual(cellBreaches(readNotebook(file).cells), []);
    });
  }
});
