/**
 * The cell compiler shared by the Jupyter kernel and `nbts run`/`nbts test`: compiles one notebook cell at a time
 * with the project's tsconfig.json (strict) and the TypeScript the project pins, through a language service.
 *
 * A cell becomes a CommonJS module. Its top-level declarations and imports are exported; the cells before it are
 * visible through a chain of declaration files (`__nbts_prev_N.d.ts`, each `export *` from the one before, so a
 * name declared again shadows the old one); the cell imports every earlier name it does not declare itself. Its
 * trailing expression becomes the export `__nbts_result`. Positions are mapped back to the cell's own text.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

/** One problem found in a cell, at its own 1-based line and column. */
export interface CellDiagnostic {
  line: number;
  column: number;
  code: number;
  message: string;
}

export interface CompiledCell {
  /** CommonJS JavaScript, and its source map onto `fileText`. */
  js: string;
  map: string;
  fileText: string;
  errors: CellDiagnostic[];
  /** Whether the cell ends in an expression (its value is the export RESULT). */
  hasResult: boolean;
  /** Names the cell exports as values (the runtime store points them at this cell). */
  valueNames: string[];
  /** Maps a 0-based line/column in `fileText` to the cell's 1-based line/column. */
  toCell(line: number, column: number): { line: number; column: number };
  /** Adds this cell's declarations to the chain seen by later cells (call once it has run). */
  commit(): void;
}

/** Diagnostics that do not apply to a cell: top-level await, assigning to an earlier cell's `let`. */
const IGNORED = new Set([1375, 1378, 2632, 1431, 1432]);

/** The prefix of every virtual file; the runtime recognises the chain's module specifier by it. */
export const PREV_PREFIX = "__nbts_prev_";

/** The export that holds a cell's trailing expression (a top-level \`return\` would not be type-checked). */
export const RESULT = "__nbts_result";

/** Where insertions went: positions in the compiled file map back to the cell's text. */
class Edits {
  private list: { at: number; text: string; suffix: boolean }[] = [];
  constructor(private readonly original: string) {}
  /**
   * `first`: goes before other insertions at the same place (the header at offset 0). A `suffix` closes what
   * ends at `at`: a cursor there stays before it.
   */
  insert(at: number, text: string, { first = false, suffix = false } = {}) {
    if (first) this.list.unshift({ at, text, suffix });
    else this.list.push({ at, text, suffix });
  }
  apply(): string {
    const sorted = [...this.list].sort((a, b) => a.at - b.at);
    this.list = sorted;
    let out = "";
    let from = 0;
    for (const e of sorted) {
      out += this.original.slice(from, e.at) + e.text;
      from = e.at;
    }
    return out + this.original.slice(from);
  }
  /** Compiled-file offset → cell offset. */
  toOriginal(pos: number): number {
    let shift = 0;
    for (const e of this.list) {
      if (pos < e.at + shift) break;
      if (pos < e.at + shift + e.text.length) return e.at;
      shift += e.text.length;
    }
    return pos - shift;
  }
  /** Cell offset → compiled-file offset. */
  toFile(pos: number): number {
    let shift = 0;
    for (const e of this.list) if (e.at < pos || (e.at === pos && !e.suffix)) shift += e.text.length;
    return pos + shift;
  }
}

/** Reads tsconfig.json from `root` (or the nearest one above it); cells are emitted as CommonJS with declarations. */
export function cellCompilerOptions(root: string): ts.CompilerOptions {
  const configFile = ts.findConfigFile(root, ts.sys.fileExists, "tsconfig.json");
  let options: ts.CompilerOptions = { strict: true, target: ts.ScriptTarget.ES2022, moduleResolution: ts.ModuleResolutionKind.Node10, esModuleInterop: true, skipLibCheck: true };
  if (configFile) {
    const read = ts.readConfigFile(configFile, ts.sys.readFile);
    if (read.error) throw new Error(`${configFile}: ${ts.flattenDiagnosticMessageText(read.error.messageText, "\n")}`);
    options = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(configFile)).options;
  }
  return {
    ...options,
    module: ts.ModuleKind.CommonJS,
    noEmit: false,
    declaration: true,
    sourceMap: true,
    inlineSourceMap: false,
    emitDeclarationOnly: false,
    declarationMap: false,
    noEmitOnError: false,
    isolatedModules: false,
    verbatimModuleSyntax: false,
    incremental: false,
    composite: false,
    tsBuildInfoFile: undefined,
    outDir: undefined,
    outFile: undefined,
    rootDir: undefined,
    noUnusedLocals: false,
  };
}

/** The name at `pos` when it is an earlier cell's constant, function or class (what `x = …` must not change). */
function earlierTarget(checker: ts.TypeChecker, sf: ts.SourceFile, pos: number): { name: string; kind: string } | null {
  const find = (n: ts.Node): ts.Node | undefined => (n.getStart(sf) === pos && ts.isIdentifier(n) ? n : ts.forEachChild(n, find));
  const id = find(sf);
  if (!id) return null;
  const sym = checker.getSymbolAtLocation(id);
  if (!sym || !(sym.flags & ts.SymbolFlags.Alias)) return null;
  const decl = checker.getAliasedSymbol(sym).valueDeclaration;
  if (!decl) return null;
  const name = id.getText(sf);
  if (ts.isVariableDeclaration(decl)) return ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const ? { name, kind: "constant" } : null;
  return { name, kind: ts.isFunctionDeclaration(decl) ? "function" : ts.isClassDeclaration(decl) ? "class" : "import" };
}

/** Names a binding pattern declares. */
function bindingNames(name: ts.BindingName, out: string[]) {
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const e of name.elements) if (!ts.isOmittedExpression(e)) bindingNames(e.name, out);
}

function bindingPositions(name: ts.BindingName, out: Set<number>) {
  if (ts.isIdentifier(name)) out.add(name.getStart());
  else for (const e of name.elements) if (!ts.isOmittedExpression(e)) bindingPositions(e.name, out);
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

/** A cell as the compiler sees it: exports added, earlier names imported, the trailing expression returned. */
export function transformCell(code: string, prevModule: string | null, prevNames: Set<string>) {
  const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const edits = new Edits(code);
  const declared = new Set<string>();
  const reexport: string[] = [];
  const reexportTypes: string[] = [];
  const evolving = new Set<number>(); // where top-level variable names start: "implicitly any" is fine there
  const statements = sf.statements;
  for (const s of statements) {
    const names: string[] = [];
    if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) bindingNames(d.name, names);
    else if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name) names.push(s.name.text);
    else if (ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isEnumDeclaration(s)) names.push(s.name.text);
    else if (ts.isModuleDeclaration(s) && ts.isIdentifier(s.name)) names.push(s.name.text);
    else if (ts.isImportEqualsDeclaration(s)) names.push(s.name.text);
    else if (ts.isImportDeclaration(s) && s.importClause) {
      const c = s.importClause;
      const into = (n: string, typeOnly: boolean) => (declared.add(n), (typeOnly ? reexportTypes : reexport).push(n));
      if (c.name) into(c.name.text, c.isTypeOnly);
      if (c.namedBindings && ts.isNamespaceImport(c.namedBindings)) into(c.namedBindings.name.text, c.isTypeOnly);
      if (c.namedBindings && ts.isNamedImports(c.namedBindings))
        for (const e of c.namedBindings.elements) into(e.name.text, c.isTypeOnly || e.isTypeOnly);
      continue;
    }
    if (!names.length) continue;
    for (const n of names) declared.add(n);
    if (hasModifier(s, ts.SyntaxKind.ExportKeyword) || hasModifier(s, ts.SyntaxKind.DefaultKeyword)) continue;
    if (ts.isModuleDeclaration(s) && hasModifier(s, ts.SyntaxKind.DeclareKeyword) && !ts.isIdentifier(s.name)) continue;
    // Constants are exported at the end, so that `const rows = []` keeps its evolving type as in a plain file;
    // `let` and `var` are exported where they stand, so that a later cell's assignment reaches this cell's code.
    if (ts.isVariableStatement(s) && !hasModifier(s, ts.SyntaxKind.DeclareKeyword) && s.declarationList.flags & ts.NodeFlags.Const) {
      reexport.push(...names);
      for (const d of s.declarationList.declarations) bindingPositions(d.name, evolving);
      continue;
    }
    if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) bindingPositions(d.name, evolving);
    edits.insert(s.getStart(sf), "export ");
  }
  // The trailing expression is the cell's value.
  const last = [...statements].reverse().find((s) => !ts.isEmptyStatement(s));
  let hasResult = false;
  if (last && ts.isExpressionStatement(last)) {
    edits.insert(last.expression.getStart(sf), `export const ${RESULT} = (`);
    edits.insert(last.expression.end, ")", { suffix: true });
    hasResult = true;
  }
  const imported = prevModule ? [...prevNames].filter((n) => !declared.has(n)) : [];
  if (imported.length) edits.insert(0, `import { ${imported.join(", ")} } from "./${prevModule}";\n`, { first: true });
  let tail = "\n;";
  if (reexport.length) tail += `export { ${reexport.join(", ")} };`;
  if (reexportTypes.length) tail += `export type { ${reexportTypes.join(", ")} };`;
  edits.insert(code.length, tail + "export {};\n", { suffix: true });
  return { text: edits.apply(), edits, hasResult, declared, evolving, tailStart: code.length };
}

/** What the kernel adds to a cell's global scope, declared for the compiler (see `CellCompiler`). */
export const KERNEL_GLOBALS_DTS = `/** Clears the current cell's outputs, as Jupyter's clear_output does; with \`wait\`, when the next output arrives. */
declare function clearOutput(wait?: boolean): void;
/** Shows text in the front end's pager (a \`page\` payload of the reply), as IPython's \`?\` help does. */
declare function page(text: string): void;
`;

export class CellCompiler {
  readonly options: ts.CompilerOptions;
  readonly cellFile: string;
  readonly globalsFile: string; // the kernel's globals (clearOutput, page), declared
  private readonly virtual = new Map<string, { text: string; version: number }>();
  private readonly service: ts.LanguageService;
  private prev: string | null = null; // the chain's newest module name (no extension)
  private prevNames = new Set<string>();
  private count = 0;

  /** `dir`: the notebook's folder (relative imports resolve from it); `root`: where tsconfig.json is looked for. */
  constructor(readonly dir: string, root: string = dir) {
    this.options = cellCompilerOptions(root);
    this.cellFile = path.join(dir, "__nbts_cell.ts");
    this.globalsFile = path.join(dir, "__nbts_globals.d.ts");
    this.virtual.set(this.globalsFile, { text: KERNEL_GLOBALS_DTS, version: 1 });
    const nodeModules = `${path.sep}node_modules${path.sep}`;
    const libDir = path.dirname(ts.getDefaultLibFilePath(this.options));
    const snapshots = new Map<string, ts.IScriptSnapshot | undefined>();
    const exists = new Map<string, boolean>(), texts = new Map<string, string | undefined>(), dirs = new Map<string, boolean>();
    const cached = <T>(memo: Map<string, T>, f: string, read: (f: string) => T): T => {
      if (!f.includes(nodeModules)) return read(f);
      if (!memo.has(f)) memo.set(f, read(f));
      return memo.get(f)!;
    };
    const host: ts.LanguageServiceHost = {
      getScriptFileNames: () => [this.globalsFile, this.cellFile],
      getScriptVersion: (f) => {
        const v = this.virtual.get(f);
        if (v) return String(v.version);
        if (f.includes(nodeModules) || f.startsWith(libDir)) return "0";
        try {
          return String(fs.statSync(f).mtimeMs);
        } catch {
          return "missing";
        }
      },
      getScriptSnapshot: (f) => {
        const v = this.virtual.get(f);
        if (v) return ts.ScriptSnapshot.fromString(v.text);
        const read = (file: string) => {
          const text = ts.sys.readFile(file);
          return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
        };
        return cached(snapshots, f, read); // TypeScript's own lib files are under node_modules too
      },
      getCurrentDirectory: () => dir,
      getCompilationSettings: () => this.options,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      // Module resolution reads many package.json files per program: node_modules does not change under a session.
      fileExists: (f) => this.virtual.has(f) || cached(exists, f, ts.sys.fileExists),
      readFile: (f) => this.virtual.get(f)?.text ?? cached(texts, f, ts.sys.readFile),
      readDirectory: ts.sys.readDirectory,
      directoryExists: (d) => cached(dirs, d, ts.sys.directoryExists),
      getDirectories: ts.sys.getDirectories,
      realpath: ts.sys.realpath,
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  private setCell(text: string) {
    const v = this.virtual.get(this.cellFile);
    this.virtual.set(this.cellFile, { text, version: (v?.version ?? 0) + 1 });
  }

  /** Compiles a cell; `errors` is empty when it may run. */
  compile(code: string): CompiledCell {
    const t = transformCell(code, this.prev, this.prevNames);
    this.setCell(t.text);
    const program = this.service.getProgram()!;
    const sf = program.getSourceFile(this.cellFile)!;
    const cellSf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
    const toCellPos = (pos: number) => {
      const lc = cellSf.getLineAndCharacterOfPosition(Math.min(t.edits.toOriginal(pos), code.length));
      return { line: lc.line + 1, column: lc.character + 1 };
    };
    const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf), ...program.getGlobalDiagnostics()];
    const errors: CellDiagnostic[] = [];
    for (const d of diags) {
      if (d.category !== ts.DiagnosticCategory.Error) continue;
      // Assigning an earlier cell's name is fine for its `let`/`var`, not for a constant, function or class.
      if (d.file === sf && d.code === 2632 && d.start !== undefined) {
        const target = earlierTarget(program.getTypeChecker(), sf, d.start);
        if (target) {
          const at = toCellPos(d.start);
          errors.push({ ...at, code: 2588, message: `Cannot assign to '${target.name}' because it is a ${target.kind} (declared in an earlier cell).` });
        }
        continue;
      }
      if (IGNORED.has(d.code)) continue;
      // An evolving `[]` or `let x;` read by the export at the end: the cell itself is fine.
      if (d.file === sf && d.start !== undefined && (d.code === 7034 || d.code === 7005)) {
        const at = t.edits.toOriginal(d.start);
        if (t.evolving.has(at) || (d.code === 7005 && at >= t.tailStart)) continue;
      }
      const at = d.file === sf && d.start !== undefined ? toCellPos(d.start) : { line: 0, column: 0 };
      const where = d.file && d.file !== sf && d.start !== undefined ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : "";
      errors.push({ ...at, code: d.code, message: where + ts.flattenDiagnosticMessageText(d.messageText, "\n") });
    }
    let js = "", map = "", dts = "";
    if (!errors.length) {
      const out = this.service.getEmitOutput(this.cellFile);
      for (const f of out.outputFiles) {
        if (f.name.endsWith(".d.ts")) dts = f.text;
        else if (f.name.endsWith(".js.map")) map = f.text;
        else if (f.name.endsWith(".js")) js = f.text;
      }
    }
    const checker = program.getTypeChecker();
    const moduleSymbol = checker.getSymbolAtLocation(sf);
    const exportsOf = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
    const allNames = exportsOf.map((s) => s.name).filter((n) => n !== RESULT);
    const valueNames = exportsOf
      .filter((s) => {
        const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
        return (t.declared.has(s.name) || s.name === RESULT) && (target.flags & ts.SymbolFlags.Value) !== 0;
      })
      .map((s) => s.name);
    const fileSf = sf;
    return {
      js, map, fileText: t.text, errors, valueNames, hasResult: t.hasResult,
      toCell: (line, column) => toCellPos(fileSf.getPositionOfLineAndCharacter(Math.min(line, fileSf.getLineStarts().length - 1), 0) + column),
      commit: () => {
        const name = `${PREV_PREFIX}${++this.count}`;
        const chain = this.prev ? `\nexport * from "./${this.prev}";\n` : "\n";
        this.virtual.set(path.join(this.dir, `${name}.d.ts`), { text: dts + chain, version: 1 });
        this.prev = name;
        for (const n of allNames) this.prevNames.add(n);
      },
    };
  }

  /** Positions in a cell not yet run: the cell is compiled as it would be, and `pos` mapped into it. */
  private at(code: string, pos: number) {
    const t = transformCell(code, this.prev, this.prevNames);
    this.setCell(t.text);
    return { filePos: t.edits.toFile(pos), edits: t.edits };
  }

  /** Completions at `cursor`: the names that start with the word before it. */
  complete(code: string, cursor: number): { matches: string[]; start: number; end: number } {
    let start = cursor;
    while (start > 0 && /[\w$]/.test(code[start - 1])) start--;
    const prefix = code.slice(start, cursor);
    const { filePos } = this.at(code, cursor);
    const found = this.service.getCompletionsAtPosition(this.cellFile, filePos, {});
    const matches = [...new Set((found?.entries ?? []).map((e) => e.name).filter((n) => n.startsWith(prefix) && !n.startsWith(PREV_PREFIX)))].sort();
    return { matches, start, end: cursor };
  }

  /** Type and documentation of the name at (or just before) `cursor`, or null. */
  inspect(code: string, cursor: number): string | null {
    const { filePos } = this.at(code, cursor);
    for (const p of [filePos, filePos - 1]) {
      const info = this.service.getQuickInfoAtPosition(this.cellFile, Math.max(0, p));
      if (!info) continue;
      const doc = ts.displayPartsToString(info.documentation);
      const tags = (info.tags ?? []).map((tg) => `@${tg.name} ${ts.displayPartsToString(tg.text)}`).join("\n");
      return [ts.displayPartsToString(info.displayParts), doc, tags].filter(Boolean).join("\n\n");
    }
    return null;
  }
}

/** Whether a cell is complete, still open at its end (an unclosed bracket, string or expression), or invalid. */
export function isComplete(code: string): "complete" | "incomplete" | "invalid" {
  const out = ts.transpileModule(code, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS } });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error && !IGNORED.has(d.code));
  if (!errors.length) return "complete";
  const end = code.trimEnd().length;
  return errors.some((d) => (d.start ?? 0) + (d.length ?? 0) >= end) ? "incomplete" : "invalid";
}
