/** The process that executes one notebook's cells with the kernel's Session (forked by runner.ts). */
import * as path from "path";
import * as util from "util";
import { readNotebook, sourceText, Output } from "./notebook";
import { parseDirectives, planCell } from "./directives";
import { Session, CellSink } from "./kernel/session";
import { inlineExpressions, formatInline } from "./inline";

/** Messages sent to the parent over IPC. */
export type ChildMessage =
  | { type: "start"; total: number }
  | { type: "cell-start"; index: number; number: number; firstLine: string }
  | { type: "cell-end"; index: number; ok: boolean; ms: number; outputs: Output[]; executionCount: number | null; skipped?: string }
  | { type: "inline"; index: number; values: Record<string, string> }
  | { type: "done"; ok: boolean; error?: { index: number; firstLine: string; message: string } }
  | { type: "fatal"; message: string };

function send(m: ChildMessage): Promise<void> {
  return new Promise((resolve) => (process.send ? process.send(m, () => resolve()) : resolve()));
}

/** Appends stream text, merging with the previous output of the same stream as Jupyter does. */
function appendStream(outputs: Output[], name: "stdout" | "stderr", text: string) {
  const last = outputs[outputs.length - 1];
  if (last && last.output_type === "stream" && last.name === name) last.text = (last.text as string) + text;
  else outputs.push({ output_type: "stream", name, text });
}

async function main() {
  const [file, mode] = process.argv.slice(2); // mode: "all" | "skip-slow"
  const nb = readNotebook(file);
  const dir = path.dirname(path.resolve(file));
  process.chdir(dir);
  // The same compiler and runtime as the Jupyter kernel (tools/kernel/session.ts).
  const session = new Session(dir);

  let outputs: Output[] = [];
  const byDisplayId = new Map<string, Output>();
  let clearPending = false; // clearOutput(true): clear when the next output arrives
  const sink: CellSink = {
    clear: (wait) => {
      if (wait) clearPending = true;
      else outputs.length = 0;
    },
    stream: (name, text) => {
      if (clearPending) (outputs.length = 0), (clearPending = false);
      appendStream(outputs, name, text);
    },
    display: (data, metadata, id, update) => {
      if (clearPending) (outputs.length = 0), (clearPending = false);
      if (update && id && byDisplayId.has(id)) {
        const o = byDisplayId.get(id)!;
        o.data = data;
        o.metadata = metadata;
        return;
      }
      const o: Output = { output_type: "display_data", data, metadata };
      outputs.push(o);
      if (id) byDisplayId.set(id, o);
    },
  };
  let stray: unknown[] = [];
  process.on("unhandledRejection", (reason) => stray.push(reason));
  process.on("uncaughtException", (err) => stray.push(err));

  const codeCells = nb.cells.map((c, i) => ({ c, i })).filter(({ c }) => c.cell_type === "code");
  await send({ type: "start", total: codeCells.length });
  let count = 0;
  let defaultModule: string | null = null;
  for (const [i, c] of nb.cells.entries()) {
    const src = sourceText(c.source);
    if (c.cell_type === "markdown") {
      // Inline `{ts} expr`: evaluated after the code cells above, in the notebook's scope; a failure leaves it unset.
      const exprs = inlineExpressions(src);
      if (!exprs.length) continue;
      const values: Record<string, string> = {};
      const ignore: CellSink = { stream: () => undefined, display: () => undefined };
      for (const e of exprs) {
        const r = await session.evaluate(e, ignore);
        if (r.ok) values[e] = formatInline(r.value);
        else process.stderr.write(`${file}, cell ${i + 1}: \`{ts} ${e}\`: ${r.error.ename}: ${r.error.evalue}\n`);
      }
      await send({ type: "inline", index: i, values });
      continue;
    }
    if (c.cell_type !== "code") continue;
    const d = parseDirectives(src);
    const plan = planCell(d, defaultModule);
    if (plan.defaultExp) defaultModule = plan.defaultExp;
    const firstLine = (d.body.split("\n").find((l) => l.trim() !== "") ?? "").trim().slice(0, 80);
    const skipped = !plan.evaluate ? "eval: false" : plan.slow && mode === "skip-slow" ? "slow" : undefined;
    await send({ type: "cell-start", index: i, number: i + 1, firstLine });
    if (skipped) {
      await send({ type: "cell-end", index: i, ok: true, ms: 0, outputs: [], executionCount: null, skipped });
      continue;
    }
    outputs = [];
    stray = [];
    count++;
    const t0 = performance.now();
    // The cell runs as Jupyter sends it: directives included (they are comments), so line numbers agree.
    const outcome = await session.execute(src, sink);
    // Let callbacks scheduled by the cell (promises, display updates) land in this cell.
    await new Promise((r) => setImmediate(r));
    let ok = outcome.ok;
    let message = "";
    if (outcome.ok) {
      if (outcome.result) outputs.push({ output_type: "execute_result", execution_count: count, data: outcome.result, metadata: {} });
      if (stray.length) {
        const e = stray[0] as any;
        ok = false;
        message = `${e?.name ?? "Error"}: ${e?.message ?? util.inspect(e)}`;
        outputs.push({ output_type: "error", ename: e?.name ?? "Error", evalue: String(e?.message ?? util.inspect(e)), traceback: String(e?.stack ?? e).split("\n") });
      }
    } else {
      outputs.push({ output_type: "error", ...outcome.error });
      message = `${outcome.error.ename}: ${outcome.error.evalue}`;
    }
    await send({ type: "cell-end", index: i, ok, ms: performance.now() - t0, outputs, executionCount: count });
    if (!ok) {
      await send({ type: "done", ok: false, error: { index: i, firstLine, message } });
      process.exit(1);
    }
  }
  await send({ type: "done", ok: true });
  process.exit(0);
}

main().catch(async (e) => {
  await send({ type: "fatal", message: e?.message ?? String(e) });
  process.exit(2);
});
