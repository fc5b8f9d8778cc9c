/** `nbts run` / `nbts test`: execute notebooks in child processes, one per notebook, with a per-cell timeout. */
import { fork } from "child_process";
import * as path from "path";
import { readNotebook, writeNotebook, Output } from "./notebook";
import { cleanNotebook } from "./clean";
import { setInlineValues } from "./inline";
import type { ChildMessage } from "./run-child";

export interface RunEvent {
  type: "notebook-start" | "cell-start" | "cell-end" | "notebook-end";
  notebook: string;
  cell?: number; // 1-based cell number in the notebook
  total?: number; // code cells in the notebook
  firstLine?: string;
  ok?: boolean;
  ms?: number;
  skipped?: string;
}

export interface RunOptions {
  /** Write outputs back into the notebooks (run) or not (test). */
  write: boolean;
  /** Skip `//| slow` cells (test). */
  skipSlow: boolean;
  /** Notebooks run at once, each in its own process. */
  jobs?: number;
  /** Per-cell time limit; the notebook's process is stopped when a cell exceeds it. */
  timeoutMs?: number;
  onEvent?: (e: RunEvent) => void;
}

export interface NotebookResult {
  notebook: string;
  ok: boolean;
  /** "notebook, cell N (first line): error" when it failed. */
  error?: string;
  cells: number;
  ms: number;
}

const CHILD = path.join(__dirname, `run-child${path.extname(__filename)}`);
/** From the TypeScript sources (tsx), the child needs tsx's loader too; from dist/ it is plain JavaScript. */
const CHILD_EXEC_ARGV = CHILD.endsWith(".ts") ? [...process.execArgv.filter((a) => !a.startsWith("--inspect")), "--require", require.resolve("tsx/cjs")] : process.execArgv;

/** Runs one notebook; outputs are written back (atomically) only when every cell succeeded. */
export function runNotebook(file: string, opts: RunOptions): Promise<NotebookResult> {
  const t0 = performance.now();
  const nb = readNotebook(file); // fails early, naming the file, when it is not a notebook
  const results = new Map<number, { outputs: Output[]; executionCount: number | null }>();
  const inline = new Map<number, Record<string, string>>();
  const emit = (e: Omit<RunEvent, "notebook">) => opts.onEvent?.({ notebook: file, ...e });
  emit({ type: "notebook-start" });
  return new Promise((resolve) => {
    const child = fork(CHILD, [file, opts.skipSlow ? "skip-slow" : "all"], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: CHILD_EXEC_ARGV });
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let current: { number: number; firstLine: string } | null = null;
    let cells = 0;
    const finish = (ok: boolean, error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (ok && opts.write) {
        for (const [index, r] of results) {
          const cell = nb.cells[index];
          cell.outputs = r.outputs;
          cell.execution_count = r.executionCount;
        }
        for (const [index, values] of inline) setInlineValues(nb.cells[index], values);
        writeNotebook(file, cleanNotebook(nb));
      }
      const ms = performance.now() - t0;
      emit({ type: "notebook-end", ok, ms });
      resolve({ notebook: file, ok, error, cells, ms });
    };
    child.on("message", (m: ChildMessage) => {
      switch (m.type) {
        case "start":
          emit({ type: "notebook-start", total: m.total });
          break;
        case "cell-start":
          current = { number: m.number, firstLine: m.firstLine };
          emit({ type: "cell-start", cell: m.number, firstLine: m.firstLine });
          clearTimeout(timer);
          if (opts.timeoutMs)
            timer = setTimeout(() => {
              child.kill("SIGKILL");
              finish(false, `${file}, cell ${m.number} (${m.firstLine}): timed out after ${opts.timeoutMs! / 1000} s`);
            }, opts.timeoutMs);
          break;
        case "cell-end":
          clearTimeout(timer);
          results.set(m.index, { outputs: m.outputs, executionCount: m.executionCount });
          if (!m.skipped) cells++;
          emit({ type: "cell-end", cell: m.index + 1, ok: m.ok, ms: m.ms, skipped: m.skipped });
          break;
        case "inline":
          inline.set(m.index, m.values);
          break;
        case "done":
          finish(m.ok, m.error && `${file}, cell ${m.error.index + 1} (${m.error.firstLine}): ${m.error.message}`);
          break;
        case "fatal":
          finish(false, `${file}: ${m.message}`);
          break;
      }
    });
    child.on("exit", (code, signal) => {
      const at = current ? `, cell ${current.number} (${current.firstLine})` : "";
      finish(false, `${file}${at}: the notebook's process ended unexpectedly (${signal ?? `exit code ${code}`})`);
    });
  });
}

/** Runs notebooks with up to `jobs` at once; results come back in the order given. */
export async function runNotebooks(files: string[], opts: RunOptions): Promise<NotebookResult[]> {
  const results: NotebookResult[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      try {
        results[i] = await runNotebook(files[i], opts);
      } catch (e: any) {
        results[i] = { notebook: files[i], ok: false, error: e.message, cells: 0, ms: 0 };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs ?? 1, files.length)) }, worker));
  return results;
}
