/**
 * One notebook's running state: compiles cells with CellCompiler and runs them in this process (Node's `vm`, this
 * context), with the library's TypeScript sources loaded through tsx. Used by the Jupyter kernel and `nbts run`.
 *
 * Earlier cells' names live in one store object that each cell's import of the chain resolves to; a name points
 * at the exports of the cell that declared it last. Before each cell, library files changed on disk (an
 * `npm run export`) are dropped from the require cache, so the next import runs the new code with the new types.
 */
import * as fs from "fs";
import * as path from "path";
import * as util from "util";
import * as vm from "vm";
import Module = require("module");
import { CellCompiler, CellDiagnostic, PREV_PREFIX, RESULT, isComplete } from "./compiler";

export type MimeBundle = Record<string, unknown>;

/** Where a running cell's output goes. */
export interface CellSink {
  stream(name: "stdout" | "stderr", text: string): void;
  display(data: MimeBundle, metadata: Record<string, unknown>, displayId: string | undefined, update: boolean): void;
  /** `clearOutput(wait)`: the cell's outputs so far are cleared (with `wait`, when the next one arrives). */
  clear?(wait: boolean): void;
  /** `page(text)`: text for the front end's pager (not an output of the cell). */
  page?(text: string): void;
}


export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

export type CellOutcome = { ok: true; result?: MimeBundle } | { ok: false; error: CellError };

/** The project root: the nearest folder at or above `dir` with a tsconfig.json, else `dir`. */
export function projectRoot(dir: string): string {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, "tsconfig.json"))) return d;
    if (path.dirname(d) === d) return path.resolve(dir);
  }
}

let tsxRegistered = false;
/** Lets `require` load TypeScript files (the library's sources), once per process. */
function registerTsx(from: string) {
  if (tsxRegistered || require.extensions[".ts"]) return void (tsxRegistered = true);
  const req = Module.createRequire(path.join(from, "package.json"));
  let api: { register(): unknown };
  try {
    api = req("tsx/cjs/api");
  } catch {
    api = require("tsx/cjs/api");
  }
  api.register();
  tsxRegistered = true;
}

/** Raised by a cell that the user interrupted while it waited. */
class Interrupted extends Error {
  constructor() {
    super("the cell was interrupted");
    this.name = "KeyboardInterrupt";
  }
}

export class Session {
  readonly compiler: CellCompiler;
  readonly root: string;
  private readonly store: Record<string, unknown> = {};
  private readonly require: NodeRequire;
  private sink: CellSink | null = null;
  private libStamp = "";
  private cellNumber = 0;
  private interruptWaiting: (() => void) | null = null;
  private busy = false;
  private interruptRequested = false;
  private readonly displayHook: ((bundle: { data: MimeBundle; metadata?: Record<string, unknown>; transient?: { display_id?: string } }, update: boolean) => void);

  constructor(readonly dir: string) {
    this.dir = path.resolve(dir);
    this.root = projectRoot(this.dir);
    this.compiler = new CellCompiler(this.dir, this.root);
    registerTsx(this.root);
    const real = Module.createRequire(path.join(this.dir, "__nbts_cell.ts"));
    const store = this.store;
    const req = ((id: string) => (id.startsWith(`./${PREV_PREFIX}`) ? store : real(id))) as NodeRequire;
    Object.assign(req, { resolve: real.resolve, cache: real.cache, main: require.main, extensions: real.extensions });
    this.require = req;
    this.displayHook = (bundle, update) => this.sink?.display(bundle.data, bundle.metadata ?? {}, bundle.transient?.display_id, update);
    // tslab's display functions write through this hook; cells reach the same tslab through `real`.
    try {
      real("tslab/dist/jupyter").lastWriteDisplayData = this.displayHook;
    } catch {
      // no tslab next to the notebook: `tslab.display` is unavailable, everything else works
    }
    this.libStamp = this.stamp();
    // The kernel's own globals (declared for cells by the compiler's KERNEL_GLOBALS_DTS): they act on the running cell.
    Object.assign(globalThis, {
      clearOutput: (wait = false) => this.sink?.clear?.(Boolean(wait)),
      page: (text: unknown) => this.sink?.page?.(String(text)),
    });
  }

  /** Modification times of the library's files: the export step rewrites them. */
  private stamp(): string {
    const lib = path.join(this.root, "lib");
    if (!fs.existsSync(lib)) return "";
    return fs.readdirSync(lib).map((f) => `${f}:${fs.statSync(path.join(lib, f)).mtimeMs}`).join(",");
  }

  /** Drops library modules from the require cache when lib/ changed since the last cell. Returns how many. */
  refreshLibrary(): number {
    const now = this.stamp();
    if (now === this.libStamp) return 0;
    this.libStamp = now;
    const lib = path.join(this.root, "lib") + path.sep;
    let n = 0;
    for (const k of Object.keys(require.cache)) if (k.startsWith(lib)) (delete require.cache[k], n++);
    return n;
  }

  /**
   * Stops the running cell: a loop is broken by SIGINT itself (vm), a cell waiting on a promise is abandoned, and
   * a cell still being compiled does not start.
   */
  interrupt() {
    if (this.interruptWaiting) this.interruptWaiting();
    else if (this.busy) this.interruptRequested = true;
  }

  /** Output of callbacks that fire after their cell ended goes to the latest cell. */
  get currentSink() {
    return this.sink;
  }

  /** Runs one cell. */
  async execute(code: string, sink: CellSink): Promise<CellOutcome> {
    const r = await this.run(code, sink);
    if (!r.ok) return r;
    return r.value === undefined ? { ok: true } : { ok: true, result: { "text/plain": util.inspect(r.value, { colors: false, depth: 4 }) } };
  }

  /** The value of an expression in the notebook's scope (markdown's inline `{ts} expr`), or an error. */
  async evaluate(expr: string, sink: CellSink): Promise<{ ok: true; value: unknown } | { ok: false; error: CellError }> {
    const r = await this.run(`(${expr}\n)`, sink);
    return r.ok ? { ok: true, value: r.value } : r;
  }

  private async run(code: string, sink: CellSink): Promise<{ ok: true; value: unknown } | { ok: false; error: CellError }> {
    this.busy = true;
    this.interruptRequested = false;
    try {
      return await this.runCell(code, sink);
    } finally {
      this.busy = false;
    }
  }

  private async runCell(code: string, sink: CellSink): Promise<{ ok: true; value: unknown } | { ok: false; error: CellError }> {
    this.sink = sink;
    this.refreshLibrary();
    if (!hasStatements(code)) return { ok: true, value: undefined }; // only blank lines and comments: nothing to compile or run
    const n = ++this.cellNumber;
    const filename = `cell[${n}]`;
    const compiled = this.compiler.compile(code);
    if (compiled.errors.length) return { ok: false, error: compileError(compiled.errors, code) };
    await new Promise((r) => setImmediate(r)); // a Ctrl-C that came during compilation is handled here
    if (this.interruptRequested) return { ok: false, error: { ename: "KeyboardInterrupt", evalue: "interrupted before the cell started", traceback: ["KeyboardInterrupt: interrupted before the cell started"] } };
    const cellExports: Record<string, unknown> = {};
    for (const name of compiled.valueNames.filter((n) => n !== RESULT))
      Object.defineProperty(this.store, name, { get: () => cellExports[name], set: (v) => (cellExports[name] = v), enumerable: true, configurable: true });
    const source = `(async function (exports, require, module, __filename, __dirname) {${compiled.js}\n})`;
    const restore = captureStreams(sink);
    let value: unknown;
    try {
      const fn = new vm.Script(source, { filename }).runInThisContext({ breakOnSigint: true }) as Function;
      const running: Promise<unknown> = new Promise((resolve, reject) => {
        this.interruptWaiting = () => reject(new Interrupted());
        try {
          Promise.resolve(runBreakable(() => fn.call(cellExports, cellExports, this.require, { exports: cellExports }, path.join(this.dir, filename), this.dir))).then(resolve, reject);
        } catch (e) {
          reject(e);
        }
      });
      await running;
      value = cellExports[RESULT];
      compiled.commit();
    } catch (e) {
      compiled.commit(); // what ran before the error stays defined, as in any notebook
      return { ok: false, error: runtimeError(e, filename, compiled, code) };
    } finally {
      this.interruptWaiting = null;
      restore();
    }
    return { ok: true, value: compiled.hasResult ? value : undefined };
  }

  complete(code: string, cursor: number) {
    return this.compiler.complete(code, cursor);
  }

  inspect(code: string, cursor: number) {
    return this.compiler.inspect(code, cursor);
  }

  isComplete(code: string) {
    return isComplete(code);
  }
}

/** Whether a cell holds any statement (a cell of comments and blank lines does nothing). */
function hasStatements(code: string): boolean {
  return !/^(\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*$/.test(code);
}

/** Calls `f` inside a script run with breakOnSigint, so that Ctrl-C (SIGINT) stops a busy loop in its first part. */
function runBreakable<T>(f: () => T): T {
  (globalThis as any).__nbts_call = f;
  try {
    return new vm.Script("globalThis.__nbts_call()", { filename: "nbts" }).runInThisContext({ breakOnSigint: true }) as T;
  } finally {
    delete (globalThis as any).__nbts_call;
  }
}

/** Sends process.stdout/stderr writes to the cell while it runs; returns the function that restores them. */
function captureStreams(sink: CellSink): () => void {
  const out = process.stdout.write, err = process.stderr.write;
  const to = (name: "stdout" | "stderr") =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      sink.stream(name, typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const cb = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = to("stdout");
  process.stderr.write = to("stderr");
  return () => {
    process.stdout.write = out;
    process.stderr.write = err;
  };
}

/** A compile error: every diagnostic with the cell's line and column, and that line's text. */
function compileError(errors: CellDiagnostic[], code: string): CellError {
  const lines = code.split("\n");
  const traceback: string[] = [];
  for (const e of errors) {
    traceback.push(`cell line ${e.line}, column ${e.column}: error TS${e.code}: ${e.message}`);
    if (e.line > 0 && lines[e.line - 1] !== undefined) traceback.push(`    ${lines[e.line - 1]}`, `    ${" ".repeat(Math.max(0, e.column - 1))}^`);
  }
  const first = errors[0];
  return { ename: "CompileError", evalue: `line ${first.line}, column ${first.column}: ${first.message}`, traceback };
}

/** A runtime error: its stack, with frames in this cell mapped to the cell's own lines, and Node's internals left out. */
function runtimeError(e: unknown, filename: string, compiled: { map: string; toCell(line: number, column: number): { line: number; column: number } }, code: string): CellError {
  if (!(e instanceof Error)) {
    const text = util.inspect(e);
    return { ename: "Error", evalue: text, traceback: [`Uncaught ${text}`] };
  }
  const lines = code.split("\n");
  let map: { findEntry(l: number, c: number): any } | null = null;
  try {
    map = compiled.map ? new (Module as any).SourceMap(JSON.parse(compiled.map)) : null;
  } catch {
    map = null;
  }
  const escaped = filename.replace(/[[\]]/g, "\\$&");
  const frame = new RegExp(`${escaped}:(\\d+):(\\d+)`);
  let shown: string | null = null;
  const traceback: string[] = [];
  for (const l of String(e.stack ?? `${e.name}: ${e.message}`).split("\n")) {
    if (/node:internal|\(node:|[\\/]tools[\\/]kernel[\\/]|\bnbts:\d|\(nbts\)|^\s+at nbts\b|runBreakable/.test(l)) continue;
    const m = frame.exec(l);
    if (m && map) {
      const jsLine = Number(m[1]) - 1, jsCol = Number(m[2]) - 1 - (m[1] === "1" ? "(async function (exports, require, module, __filename, __dirname) {".length : 0);
      const entry = map.findEntry(jsLine, Math.max(0, jsCol));
      if (entry && typeof entry.originalLine === "number") {
        const at = compiled.toCell(entry.originalLine, entry.originalColumn);
        traceback.push(l.replace(frame, `cell line ${at.line}:${at.column}`));
        if (shown === null && lines[at.line - 1] !== undefined) shown = `    at cell line ${at.line}: ${lines[at.line - 1].trim()}`;
        continue;
      }
    }
    traceback.push(l);
  }
  // Frames below the cell's outermost one are the kernel calling it.
  const outer = traceback.map((l) => l.includes("(cell line ") || / at cell line \d+:\d+$/.test(l)).lastIndexOf(true);
  if (outer >= 0) traceback.splice(outer + 1);
  if (shown) traceback.splice(1, 0, shown);
  return { ename: e.name || "Error", evalue: e.message, traceback };
}
