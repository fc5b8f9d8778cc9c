/** The process that executes one notebook's cells in-process with tslab's executor (forked by runner.ts). */
import * as path from "path";
import * as util from "util";
import { readNotebook, sourceText, Output } from "./notebook";
import { parseDirectives, planCell } from "./directives";

/** Messages sent to the parent over IPC. */
export type ChildMessage =
  | { type: "start"; total: number }
  | { type: "cell-start"; index: number; number: number; firstLine: string }
  | { type: "cell-end"; index: number; ok: boolean; ms: number; outputs: Output[]; executionCount: number | null; skipped?: string }
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

/** Strips tslab's and Node's internal frames from a stack trace. */
function cleanStack(stack: string): string[] {
  return stack
    .split("\n")
    .filter((l) => !/node_modules\/tslab\/|node:internal|\(node:vm|runner|run-child/.test(l))
    .map((l) => l.replace(/evalmachine\.<anonymous>/g, "<cell>"));
}

async function main() {
  const [file, mode] = process.argv.slice(2); // mode: "all" | "skip-slow"
  const nb = readNotebook(file);
  process.chdir(path.dirname(path.resolve(file)));
  // Resolve tslab from the project so that cells' `require("tslab")` shares this instance.
  const fromNotebook = require("module").createRequire(path.join(process.cwd(), "package.json"));
  const projectRequire = (id: string) => {
    try {
      return fromNotebook(id);
    } catch {
      return require(id); // a notebook outside the project: use nbts's own tslab
    }
  };
  const { createConverter } = projectRequire("tslab/dist/converter");
  const { createExecutor } = projectRequire("tslab/dist/executor");
  const jupyter = projectRequire("tslab/dist/jupyter");

  let outputs: Output[] = [];
  let errors: unknown[] = [];
  let diagnostics: string[] = [];
  const byDisplayId = new Map<string, Output>();
  const origOut = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  const capture = (name: "stdout" | "stderr") =>
    ((chunk: string | Uint8Array) => {
      appendStream(outputs, name, typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return true;
    }) as typeof process.stdout.write;

  jupyter.lastWriteDisplayData = (bundle: { data: Record<string, unknown>; metadata?: Record<string, unknown>; transient?: { display_id?: string } }, update: boolean) => {
    const id = bundle.transient?.display_id;
    if (update && id && byDisplayId.has(id)) {
      const o = byDisplayId.get(id)!;
      o.data = bundle.data;
      o.metadata = bundle.metadata ?? {};
      return;
    }
    const o: Output = { output_type: "display_data", data: bundle.data, metadata: bundle.metadata ?? {} };
    outputs.push(o);
    if (id) byDisplayId.set(id, o);
  };

  let node: any = null;
  const convs = {
    get node() {
      return (node ??= createConverter({ isJS: false, isBrowser: false }));
    },
    get browser() {
      throw new Error("browser cells are not supported by nbts run");
    },
    close() {
      node?.close();
    },
  };
  const executor = createExecutor(process.cwd(), convs, {
    // tslab prints a cell's last expression with console.log, as the kernel does on stdout.
    log: (...args: unknown[]) => appendStream(outputs, "stdout", util.formatWithOptions({ colors: false }, ...args) + "\n"),
    error: (...args: unknown[]) => {
      if (args[0] instanceof Error || (args.length === 1 && typeof args[0] === "object")) errors.push(args[0]);
      else diagnostics.push(util.format(...(args as [string])));
    },
  });
  process.on("unhandledRejection", (reason) => errors.push(reason));
  process.on("uncaughtException", (err) => errors.push(err));

  convs.node; // create the compiler before the first cell, so its start-up does not count against that cell
  const codeCells = nb.cells.map((c, i) => ({ c, i })).filter(({ c }) => c.cell_type === "code");
  await send({ type: "start", total: codeCells.length });
  let count = 0;
  let defaultModule: string | null = null;
  for (const { c, i } of codeCells) {
    const src = sourceText(c.source);
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
    errors = [];
    diagnostics = [];
    const t0 = performance.now();
    process.stdout.write = capture("stdout");
    process.stderr.write = capture("stderr");
    let ok: boolean;
    try {
      ok = await executor.execute(d.body);
      // Let callbacks scheduled by the cell (promises, display updates) land in this cell.
      await new Promise((r) => setImmediate(r));
    } catch (e) {
      errors.push(e);
      ok = false;
    } finally {
      process.stdout.write = origOut;
      process.stderr.write = origErr;
    }
    if (errors.length || diagnostics.length) ok = false;
    let message = "";
    if (!ok) {
      const e = errors[0] as any;
      if (e instanceof Error || (e && typeof e === "object" && "message" in e)) {
        outputs.push({ output_type: "error", ename: e.name ?? "Error", evalue: String(e.message), traceback: cleanStack(String(e.stack ?? e.message)) });
        message = `${e.name ?? "Error"}: ${e.message}`;
      } else if (e !== undefined) {
        outputs.push({ output_type: "error", ename: "Error", evalue: util.inspect(e), traceback: [util.inspect(e)] });
        message = util.inspect(e);
      } else {
        const text = diagnostics.length ? diagnostics.map((l) => l.replace(/^(\d+):(\d+) - /, "line $1, column $2: ")).join("\n") : "the cell failed";
        outputs.push({ output_type: "error", ename: "CompileError", evalue: text, traceback: text.split("\n") });
        message = `CompileError: ${text}`;
      }
    }
    count++;
    await send({ type: "cell-end", index: i, ok, ms: performance.now() - t0, outputs, executionCount: count });
    if (!ok) {
      await send({ type: "done", ok: false, error: { index: i, firstLine, message } });
      executor.close();
      process.exit(1);
    }
  }
  await send({ type: "done", ok: true });
  executor.close();
  process.exit(0);
}

main().catch(async (e) => {
  await send({ type: "fatal", message: e?.message ?? String(e) });
  process.exit(2);
});
