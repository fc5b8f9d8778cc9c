/** Notebook I/O: read, validate and atomically write nbformat 4 notebooks, keeping what we don't know. */
import * as fs from "fs";
import * as path from "path";
import { randomBytes } from "crypto";

export type MultilineString = string | string[];

/** One nbformat output; unknown fields are kept as they are. */
export interface Output {
  output_type: "stream" | "display_data" | "execute_result" | "error";
  name?: "stdout" | "stderr";
  text?: MultilineString;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  [key: string]: unknown;
}

export interface Cell {
  id?: string;
  cell_type: "code" | "markdown" | "raw";
  source: MultilineString;
  metadata: Record<string, unknown>;
  outputs?: Output[];
  execution_count?: number | null;
  attachments?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
  [key: string]: unknown;
}

/** An error about one notebook file: the message always names the file. */
export class NotebookError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "NotebookError";
  }
}

/** Joins nbformat's list-of-lines form into one string. */
export function sourceText(source: MultilineString): string {
  return Array.isArray(source) ? source.join("") : source;
}

/** Splits text into nbformat's list-of-lines form (each line keeps its newline but the last). */
export function toLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n").map((l) => l + "\n");
  const last = lines[lines.length - 1];
  lines[lines.length - 1] = last.slice(0, -1);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** The JSON path of a value, for error messages (`cells[3].source`). */
function where(parts: (string | number)[]): string {
  return parts.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function isMultiline(v: unknown): boolean {
  return typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "string"));
}

/** Checks the parts of nbformat 4 that the toolchain relies on; returns problems as readable lines. */
export function validate(nb: unknown): string[] {
  const problems: string[] = [];
  const bad = (at: (string | number)[], what: string) => problems.push(`${where(at)}: ${what}`);
  if (typeof nb !== "object" || nb === null || Array.isArray(nb)) return ["the top level is not a JSON object"];
  const n = nb as Record<string, unknown>;
  if (n.nbformat !== 4) bad(["nbformat"], `expected 4, found ${JSON.stringify(n.nbformat)}`);
  if (typeof n.nbformat_minor !== "number") bad(["nbformat_minor"], "missing or not a number");
  if (typeof n.metadata !== "object" || n.metadata === null) bad(["metadata"], "missing or not an object");
  if (!Array.isArray(n.cells)) {
    bad(["cells"], "missing or not an array");
    return problems;
  }
  const ids = new Set<string>();
  n.cells.forEach((c: unknown, i: number) => {
    if (typeof c !== "object" || c === null) return bad(["cells", i], "not an object");
    const cell = c as Record<string, unknown>;
    if (!["code", "markdown", "raw"].includes(cell.cell_type as string))
      bad(["cells", i, "cell_type"], `unknown cell type ${JSON.stringify(cell.cell_type)}`);
    if (!isMultiline(cell.source)) bad(["cells", i, "source"], "not a string or a list of strings");
    if (typeof cell.metadata !== "object" || cell.metadata === null) bad(["cells", i, "metadata"], "missing or not an object");
    if (cell.id !== undefined) {
      if (typeof cell.id !== "string" || !/^[a-zA-Z0-9-_]{1,64}$/.test(cell.id))
        bad(["cells", i, "id"], "must be 1-64 letters, digits, '-' or '_'");
      else if (ids.has(cell.id)) bad(["cells", i, "id"], `duplicate cell id ${cell.id}`);
      else ids.add(cell.id);
    }
    if (cell.cell_type === "code") {
      if (!Array.isArray(cell.outputs)) bad(["cells", i, "outputs"], "a code cell needs an outputs array");
      else
        cell.outputs.forEach((o: unknown, j: number) => {
          const out = o as Record<string, unknown>;
          const at = ["cells", i, "outputs", j];
          if (!["stream", "display_data", "execute_result", "error"].includes(out?.output_type as string))
            bad([...at, "output_type"], `unknown output type ${JSON.stringify(out?.output_type)}`);
          else if (out.output_type === "stream" && (!isMultiline(out.text) || !["stdout", "stderr"].includes(out.name as string)))
            bad(at, "a stream output needs name stdout|stderr and text");
          else if ((out.output_type === "display_data" || out.output_type === "execute_result") && typeof out.data !== "object")
            bad(at, `a ${out.output_type} output needs a data object`);
          else if (out.output_type === "error" && (typeof out.ename !== "string" || !Array.isArray(out.traceback)))
            bad(at, "an error output needs ename, evalue and traceback");
        });
    }
  });
  const minor = n.nbformat_minor as number;
  if (minor >= 5) n.cells.forEach((c: any, i: number) => c && c.id === undefined && bad(["cells", i, "id"], "nbformat 4.5 requires a cell id"));
  return problems;
}

/** Reads and validates a notebook; every failure names the file and what is wrong. */
export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e: any) {
    throw new NotebookError(file, e.code === "ENOENT" ? "no such file" : e.message);
  }
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch (e: any) {
    const m = /position (\d+)/.exec(e.message);
    let at = "";
    if (m) {
      const before = text.slice(0, Number(m[1]));
      const line = before.split("\n").length;
      at = ` (line ${line}, column ${Number(m[1]) - before.lastIndexOf("\n")})`;
    }
    throw new NotebookError(file, `not valid JSON${at}: ${e.message}`);
  }
  const problems = validate(nb);
  if (problems.length) throw new NotebookError(file, `not a valid nbformat 4 notebook:\n  ${problems.join("\n  ")}`);
  return nb as Notebook;
}

/** Serialises a notebook the way Jupyter does (1-space indent, sorted keys, trailing newline). */
export function serializeNotebook(nb: Notebook): string {
  return JSON.stringify(sortKeys(nb), null, 1) + "\n";
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** Writes a file atomically: a temp file in the same folder, fsync, then rename over the target. */
export function writeFileAtomic(file: string, data: string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Validates, then writes a notebook atomically; an invalid notebook is refused and nothing is written. */
export function writeNotebook(file: string, nb: Notebook): void {
  const problems = validate(nb);
  if (problems.length) throw new NotebookError(file, `refusing to write an invalid notebook:\n  ${problems.join("\n  ")}`);
  writeFileAtomic(file, serializeNotebook(nb));
}

/** A fresh cell id (8 hex digits, as JupyterLab makes them). */
export function newCellId(): string {
  return randomBytes(4).toString("hex");
}

/** Builds a cell from text; code cells get empty outputs. */
export function makeCell(cell_type: Cell["cell_type"], text: string, id: string = newCellId()): Cell {
  const cell: Cell = { id, cell_type, metadata: {}, source: toLines(text) };
  if (cell_type === "code") {
    cell.outputs = [];
    cell.execution_count = null;
  }
  return cell;
}

/** The kernel and language metadata of a notebook for the project's kernel `nbts` (tools/kernel). */
export const KERNEL_METADATA = {
  kernelspec: { display_name: "TypeScript (nbts)", language: "typescript", name: "nbts" },
  language_info: {
    codemirror_mode: { name: "javascript", typescript: true },
    file_extension: ".ts",
    mimetype: "text/typescript",
    name: "typescript",
    version: (require("typescript/package.json") as { version: string }).version,
  },
};

/** A new, empty nbformat 4.5 TypeScript notebook. */
export function emptyNotebook(): Notebook {
  return { nbformat: 4, nbformat_minor: 5, metadata: structuredClone(KERNEL_METADATA), cells: [] };
}

/** The notebooks of a folder in reading order (file name order), skipping checkpoints. */
export function listNotebooks(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb") && !f.startsWith("."))
    .sort()
    .map((f) => path.join(dir, f));
}
