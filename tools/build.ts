/** Compiles the generated library (and the tools) to `dist/`, reporting type errors at their notebook cell. */
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";
import { locateCell } from "./export";

export interface BuildResult {
  ok: boolean;
  /** One readable line per error: `lib/x.ts:12:3 (notebooks/01_data.ipynb cell #4, id …): message`. */
  errors: string[];
  ms: number;
}

/** Builds the library with tsconfig.lib.json, or another config (incremental: only what changed is re-checked). */
export function buildProject(root: string, config = "tsconfig.lib.json"): BuildResult {
  const t0 = performance.now();
  const configFile = path.join(root, config);
  const read = ts.readConfigFile(configFile, ts.sys.readFile);
  if (read.error) return { ok: false, errors: [ts.flattenDiagnosticMessageText(read.error.messageText, "\n")], ms: 0 };
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configFile);
  const program = ts.createIncrementalProgram({ rootNames: parsed.fileNames, options: parsed.options, configFileParsingDiagnostics: parsed.errors });
  const emitted = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program.getProgram()), ...emitted.diagnostics].filter((d) => d.category === ts.DiagnosticCategory.Error);
  const errors = diagnostics.map((d) => describe(root, d));
  return { ok: errors.length === 0, errors: [...new Set(errors)], ms: performance.now() - t0 };
}

function describe(root: string, d: ts.Diagnostic): string {
  const msg = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (!d.file || d.start === undefined) return msg;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  const rel = path.relative(root, d.file.fileName);
  let origin = "";
  if (rel.startsWith("lib" + path.sep)) {
    const cell = locateCell(fs.readFileSync(d.file.fileName, "utf8"), line + 1);
    if (cell) origin = ` (${cell.notebook} cell #${cell.cellNumber}, id ${cell.cellId}, near line ${cell.lineInCell} of the cell)`;
  }
  return `${rel}:${line + 1}:${character + 1}${origin}: ${msg}`;
}
