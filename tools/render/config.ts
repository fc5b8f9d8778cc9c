/** `_quarto.yml` → the report project: title, author, chapters in order, output folder, formats. */
import * as fs from "fs";
import * as path from "path";

// js-yaml is installed with mocha; it has no bundled types, and we only need `load`.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const yaml: { load(text: string, opts?: { filename?: string }): unknown } = require("js-yaml");

/** One page of the report, in reading order. */
export interface Chapter {
  /** Absolute path of the source (`.ipynb`, `.md` or `.qmd`). */
  source: string;
  /** Path relative to the project root, with `/` (as written in `_quarto.yml`). */
  rel: string;
  /** Output file name inside the output folder, e.g. `01_data.html` (a plain name, never a path). */
  page: string;
}

export interface ReportConfig {
  root: string;
  title: string;
  author: string | null;
  subtitle: string | null;
  description: string | null;
  /** The folder every output goes to: always `<root>/exported` (or the caller's override). */
  outDir: string;
  chapters: Chapter[];
  /** A source named `index.*` listed among the chapters becomes the index page's prose. */
  indexSource: Chapter | null;
  toc: boolean;
  /** Quarto's `format.html.code-fold`: fold every cell's code (true), fold it open ("show"), or not (false). Engine cells fold anyway. */
  codeFold: boolean | "show";
  formats: { html: boolean; pdf: boolean };
  /** Name of the PDF inside the output folder. */
  pdfName: string;
  /** Lines saying what was ignored or adjusted, for the log. */
  warnings: string[];
}

export class ConfigError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "ConfigError";
  }
}

/** The only output folder `_quarto.yml` may name: the renderer writes nowhere else. */
export const OUTPUT_DIR = "exported";

/** A file-name-safe slug: letters, digits, `-`, `_`, `.`; never empty, never starting with a dot. */
export function safeName(name: string): string {
  const s = name
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[-.]+|-+$/g, "");
  return s || "report";
}

/** True when `child` is `parent` or lies inside it (both absolute, already resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * Reads `_quarto.yml` (a Quarto book or website project). Everything that would take reading or writing
 * out of the project is refused with an error naming the key: `output-dir` other than `exported`,
 * absolute or `..` chapter paths, symlinks that leave the project.
 */
export function readConfig(root: string, configFile = path.join(root, "_quarto.yml"), outDirOverride?: string): ReportConfig {
  root = path.resolve(root);
  const shown = path.relative(process.cwd(), configFile) || configFile;
  if (!fs.existsSync(configFile)) throw new ConfigError(shown, "no such file (the report project is described by _quarto.yml)");
  let doc: any;
  try {
    doc = yaml.load(fs.readFileSync(configFile, "utf8"), { filename: shown }) ?? {};
  } catch (e: any) {
    throw new ConfigError(shown, `not valid YAML: ${e.message}`);
  }
  if (typeof doc !== "object" || Array.isArray(doc)) throw new ConfigError(shown, "the top level must be a mapping");
  const warnings: string[] = [];
  const project = doc.project ?? {};
  const book = doc.book ?? doc.website ?? {};

  // Output folder: only `exported` (Quarto's own default would be `_book`; we fix it to keep writes contained).
  const outputDir = project["output-dir"] ?? OUTPUT_DIR;
  if (typeof outputDir !== "string" || path.posix.normalize(outputDir.replace(/\\/g, "/")).replace(/\/$/, "") !== OUTPUT_DIR)
    throw new ConfigError(shown, `project.output-dir must be "${OUTPUT_DIR}" (found ${JSON.stringify(outputDir)}): the renderer writes only there`);
  const outDir = outDirOverride ? path.resolve(outDirOverride) : path.join(root, OUTPUT_DIR);
  if (!outDirOverride && fs.existsSync(outDir) && fs.lstatSync(outDir).isSymbolicLink())
    throw new ConfigError(shown, `${OUTPUT_DIR}/ is a symbolic link; refusing to write through it`);

  const title = String(book.title ?? project.title ?? doc.title ?? "Report");
  const authorRaw = book.author ?? doc.author ?? null;
  const author = authorRaw == null ? null : Array.isArray(authorRaw) ? authorRaw.map(authorName).join(", ") : authorName(authorRaw);

  // Chapters: book.chapters (strings, `{href|file}` entries, or `{part, chapters}` groups); website sidebar contents.
  const listed: string[] = [];
  const collect = (entry: any, where: string) => {
    if (typeof entry === "string") listed.push(entry);
    else if (entry && typeof entry === "object") {
      if (typeof entry.href === "string") listed.push(entry.href);
      else if (typeof entry.file === "string") listed.push(entry.file);
      for (const key of ["chapters", "contents"]) if (Array.isArray(entry[key])) entry[key].forEach((e: any) => collect(e, where));
    } else throw new ConfigError(shown, `${where}: entries must be file paths`);
  };
  const chapterList = book.chapters ?? book.sidebar?.contents ?? (Array.isArray(book.sidebar) ? book.sidebar[0]?.contents : undefined);
  if (chapterList !== undefined && !Array.isArray(chapterList)) throw new ConfigError(shown, "book.chapters must be a list");
  (chapterList ?? []).forEach((e: any) => collect(e, "book.chapters"));
  if (Array.isArray(book.appendices)) book.appendices.forEach((e: any) => collect(e, "book.appendices"));

  const realRoot = fs.realpathSync(root);
  const chapters: Chapter[] = [];
  let indexSource: Chapter | null = null;
  const pages = new Map<string, string>();
  for (const rel of listed) {
    const norm = rel.replace(/\\/g, "/");
    if (path.isAbsolute(norm) || /^[A-Za-z]:/.test(norm) || norm.split("/").includes(".."))
      throw new ConfigError(shown, `chapter "${rel}" must be a path inside the project (no absolute paths, no "..")`);
    const ext = path.extname(norm).toLowerCase();
    if (![".ipynb", ".md", ".qmd"].includes(ext)) {
      warnings.push(`${shown}: chapter "${rel}" skipped: only .ipynb, .md and .qmd are rendered`);
      continue;
    }
    const source = path.join(root, norm);
    if (!fs.existsSync(source)) {
      warnings.push(`${shown}: chapter "${rel}" skipped: no such file`);
      continue;
    }
    if (!isInside(realRoot, fs.realpathSync(source)))
      throw new ConfigError(shown, `chapter "${rel}" resolves outside the project (symbolic link)`);
    const base = path.basename(norm, ext);
    // `index.qmd`, or a notebook named like nbdev's preface (`00_index.ipynb`), is the home page.
    const isIndex = /^(?:\d+[_-])?index$/i.test(base);
    const page = isIndex ? "index.html" : `${safeName(base)}.html`;
    if (!isIndex && (page === "api.html" || page === "print.html"))
      throw new ConfigError(shown, `chapter "${rel}" would be written as ${page}, a name the renderer uses itself; rename it`);
    if (pages.has(page)) throw new ConfigError(shown, `chapters "${pages.get(page)}" and "${rel}" would both be written as ${page}`);
    pages.set(page, rel);
    const chapter = { source, rel: norm, page };
    if (isIndex) indexSource = chapter;
    else chapters.push(chapter);
  }
  if (!listed.length) warnings.push(`${shown}: no chapters listed under book.chapters`);

  const format = doc.format ?? { html: "default" };
  const formatKeys = typeof format === "string" ? [format] : Object.keys(format);
  const html = formatKeys.includes("html");
  const pdf = formatKeys.includes("pdf");
  const htmlOpts = typeof format === "object" && format.html && typeof format.html === "object" ? format.html : {};
  const toc = htmlOpts.toc ?? doc.toc ?? true;
  const fold = htmlOpts["code-fold"] ?? false;
  if (fold !== true && fold !== false && fold !== "show") warnings.push(`${shown}: format.html.code-fold is true, false or show (found ${JSON.stringify(fold)}); code is not folded`);
  const pdfFile = book["output-file"] ?? safeName(title);
  return {
    root,
    title,
    author,
    subtitle: book.subtitle ?? null,
    description: book.description ?? doc.description ?? null,
    outDir,
    chapters,
    indexSource,
    toc: toc !== false,
    codeFold: fold === true || fold === "show" ? fold : false,
    formats: { html: html || !pdf, pdf },
    pdfName: `${safeName(String(pdfFile).replace(/\.pdf$/i, ""))}.pdf`,
    warnings,
  };
}

function authorName(a: any): string {
  if (typeof a === "string") return a;
  if (a && typeof a === "object") return String(a.name?.literal ?? a.name ?? "");
  return String(a);
}

/**
 * Resolves a path inside the output folder for writing, refusing anything that would land elsewhere
 * (`..`, absolute paths, a symbolic link inside the folder that points out of it).
 */
export function outputPath(outDir: string, rel: string): string {
  const target = path.resolve(outDir, rel);
  if (!isInside(outDir, target) || target === outDir) throw new Error(`refusing to write ${rel}: it is outside ${outDir}`);
  // Walk the existing parents: none may be a symbolic link leaving the output folder.
  const realOut = fs.existsSync(outDir) ? fs.realpathSync(outDir) : outDir;
  let dir = path.dirname(target);
  while (isInside(outDir, dir) && dir !== outDir) {
    if (fs.existsSync(dir) && !isInside(realOut, fs.realpathSync(dir))) throw new Error(`refusing to write ${rel}: ${dir} leads outside ${outDir}`);
    dir = path.dirname(dir);
  }
  if (fs.existsSync(target) && fs.lstatSync(target).isSymbolicLink()) throw new Error(`refusing to write ${rel}: it is a symbolic link`);
  return target;
}
