/**
 * The API reference (nbdev's `show_doc`): every exported symbol of `lib/*.ts` with its signature and doc
 * comment, read with the TypeScript compiler API, linked to the notebook cell that defines it through the
 * `// %% notebooks/NN_x.ipynb cell <id>` markers the exporter writes.
 */
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";

export interface ApiSymbol {
  module: string;
  name: string;
  kind: string;
  /** The declaration without its body (comments inside the parameter list kept: they document parameters). */
  signature: string;
  /** The doc comment's text (markdown). */
  doc: string;
  /** `@param`, `@returns`, `@example`, … as [tag, text]. */
  tags: [string, string][];
  /** `<module>.<name>`: the anchor in api.html. */
  anchor: string;
  /** Where the code came from, from the exporter's marker. */
  notebook: string | null;
  cellId: string | null;
  /** lib/<module>.ts:line */
  location: string;
}

const MARKER = /^\/\/ %% (\S+) cell ([A-Za-z0-9_-]+)/;

function kindOf(decl: ts.Declaration): string {
  if (ts.isFunctionDeclaration(decl)) return "function";
  if (ts.isClassDeclaration(decl)) return "class";
  if (ts.isInterfaceDeclaration(decl)) return "interface";
  if (ts.isTypeAliasDeclaration(decl)) return "type";
  if (ts.isEnumDeclaration(decl)) return "enum";
  if (ts.isVariableDeclaration(decl)) return (decl.parent.flags & ts.NodeFlags.Const) !== 0 ? "const" : "let";
  if (ts.isModuleDeclaration(decl)) return "namespace";
  return ts.SyntaxKind[decl.kind];
}

/** Strips the `export`/`declare` words and a body, keeping the signature text as written. */
function signatureOf(decl: ts.Declaration, sf: ts.SourceFile, checker: ts.TypeChecker, symbol: ts.Symbol): string {
  const text = (node: ts.Node) => sf.text.slice(node.getStart(sf), node.end);
  const clean = (s: string) => s.replace(/^(export\s+)?(default\s+)?(declare\s+)?/, "").trim();
  if (ts.isFunctionDeclaration(decl)) {
    const all = ts.getCombinedModifierFlags(decl) & ts.ModifierFlags.Export ? text(decl) : text(decl);
    const body = decl.body ? decl.body.getStart(sf) - decl.getStart(sf) : all.length;
    return clean(all.slice(0, body)).replace(/\s*$/, "");
  }
  if (ts.isClassDeclaration(decl)) {
    const start = decl.getStart(sf);
    const header = sf.text.slice(start, decl.members.pos).replace(/\{\s*$/, "").trim();
    const members = decl.members
      .filter((m) => {
        const flags = ts.getCombinedModifierFlags(m as ts.Declaration);
        if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false;
        if (m.name && ts.isPrivateIdentifier(m.name)) return false;
        return true;
      })
      .map((m) => {
        let s = text(m);
        const body = (m as ts.MethodDeclaration | ts.ConstructorDeclaration).body;
        if (body) s = sf.text.slice(m.getStart(sf), body.getStart(sf)).trim() + ";";
        if (ts.isPropertyDeclaration(m) && m.initializer && !m.type) {
          const t = checker.typeToString(checker.getTypeAtLocation(m));
          s = `${sf.text.slice(m.getStart(sf), m.name.end)}: ${t};`;
        }
        // Parameter properties of the constructor keep their modifiers; drop doc comments of members.
        return "  " + s.replace(/\n\s*/g, "\n  ");
      });
    return `${clean(header)} {\n${members.join("\n")}\n}`;
  }
  if (ts.isVariableDeclaration(decl)) {
    const list = decl.parent;
    const word = (list.flags & ts.NodeFlags.Const) !== 0 ? "const" : "let";
    const init = decl.initializer;
    const isFunction = init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init));
    if (decl.type || !isFunction) {
      const type = decl.type ? text(decl.type) : checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, decl), undefined, ts.TypeFormatFlags.NoTruncation);
      return `${word} ${decl.name.getText(sf)}: ${type}`;
    }
    const fn = init as ts.ArrowFunction | ts.FunctionExpression;
    const head = sf.text.slice(fn.getStart(sf), fn.body.getStart(sf)).replace(/=>\s*$/, "").trim();
    return `${word} ${decl.name.getText(sf)} = ${head} => …`;
  }
  return clean(text(decl));
}

/**
 * The public API: what the barrel `index.ts` exports (`import { … } from "litrec"`), as `<module>.<name>`.
 * Engines and `_` names are importable by path only, and stay out.
 */
function barrelNames(sf: ts.SourceFile, checker: ts.TypeChecker): Set<string> {
  const names = new Set<string>();
  const moduleSymbol = checker.getSymbolAtLocation(sf);
  for (const exported of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decl = target.getDeclarations()?.[0];
    if (decl) names.add(`${path.basename(decl.getSourceFile().fileName, ".ts")}.${exported.getName()}`);
  }
  return names;
}

/**
 * Reads the public API of the generated modules in `libDir`: every symbol the barrel `index.ts` exports
 * (every exported symbol of every module when there is no barrel).
 */
export function readApi(libDir: string): ApiSymbol[] {
  if (!fs.existsSync(libDir)) return [];
  const files = fs
    .readdirSync(libDir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && f !== "index.ts")
    .sort()
    .map((f) => path.join(libDir, f));
  if (!files.length) return [];
  const barrelFile = path.join(libDir, "index.ts");
  const program = ts.createProgram(fs.existsSync(barrelFile) ? [...files, barrelFile] : files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(barrelFile);
  const barrel = index ? barrelNames(index, checker) : null;
  const symbols: ApiSymbol[] = [];
  for (const file of files) {
    const sf = program.getSourceFile(file);
    if (!sf) continue;
    const moduleName = path.basename(file, ".ts");
    const moduleSymbol = checker.getSymbolAtLocation(sf);
    if (!moduleSymbol) continue;
    const lines = sf.text.split("\n");
    const markerAt = (line: number): { notebook: string; cellId: string } | null => {
      for (let i = line; i >= 0; i--) {
        const m = MARKER.exec(lines[i]);
        if (m) return { notebook: m[1], cellId: m[2] };
      }
      return null;
    };
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const decls = exported.getDeclarations() ?? [];
      const decl = decls.find((d) => d.getSourceFile() === sf && !ts.isExportSpecifier(d) && !ts.isExportAssignment(d));
      if (!decl) continue; // re-exports from elsewhere are documented where they are defined
      if (barrel && !barrel.has(`${moduleName}.${exported.getName()}`)) continue; // internal: not in the public API
      const line = sf.getLineAndCharacterOfPosition(decl.getStart(sf)).line;
      const from = markerAt(line);
      const tags: [string, string][] = exported.getJsDocTags(checker).map((t) => [t.name, ts.displayPartsToString(t.text)]);
      symbols.push({
        module: moduleName,
        name: exported.getName(),
        kind: kindOf(decl),
        signature: signatureOf(decl, sf, checker, exported),
        doc: ts.displayPartsToString(exported.getDocumentationComment(checker)),
        tags,
        anchor: `${moduleName}.${exported.getName()}`,
        notebook: from?.notebook ?? null,
        cellId: from?.cellId ?? null,
        location: `lib/${moduleName}.ts:${line + 1}`,
      });
    }
  }
  const order = (s: ApiSymbol) => s.location.replace(/:(\d+)$/, (_, l) => `:${String(l).padStart(8, "0")}`);
  return symbols.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}
