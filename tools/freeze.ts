/**
 * Freeze (Quarto's `freeze: auto`): a notebook's outputs are reused when nothing they were computed from
 * has changed. What they were computed from is hashed into one key — the notebook's code cells, the
 * library (`lib/`), the locked dependencies and the dataset — and the key of the run that wrote the
 * outputs is kept in the notebook's metadata (`metadata.nbts.freeze`), next to the outputs it vouches for.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { readNotebook, writeNotebook, sourceText, Notebook } from "./notebook";
import { inlineSources } from "./inline";

/** Bump when the key's recipe changes, so that older keys never match. */
const RECIPE = "nbts-freeze-1";
/** Files larger than this are fingerprinted by size and modification time instead of their bytes. */
const HASH_LIMIT = 64 * 1024 * 1024;

const sha256 = () => crypto.createHash("sha256");

/** The files of a folder (or the file itself), recursively, sorted: relative name → absolute path. */
function filesUnder(p: string): [string, string][] {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return [[path.basename(p), p]];
  const out: [string, string][] = [];
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs, `${rel}${e.name}/`);
      else if (e.isFile()) out.push([`${rel}${e.name}`, abs]);
    }
  };
  walk(p, "");
  return out;
}

/** A fingerprint of files: names and bytes (or, past 64 MB, sizes and modification times). */
export function fingerprint(p: string): string {
  const h = sha256();
  if (!fs.existsSync(p)) return h.update(`missing ${p}`).digest("hex");
  for (const [rel, abs] of filesUnder(p)) {
    const st = fs.statSync(abs);
    h.update(`${rel}\0${st.size}\0`);
    if (st.size <= HASH_LIMIT) h.update(fs.readFileSync(abs));
    else h.update(`mtime ${st.mtimeMs}`);
    h.update("\0");
  }
  return h.digest("hex");
}

/** What every notebook of a project shares: the library, the locked dependencies, the dataset. */
export function sharedInputs(root: string, dataDir: string): string {
  const h = sha256().update(RECIPE);
  h.update(`lib ${fingerprint(path.join(root, "lib"))}\n`);
  h.update(`lock ${fingerprint(path.join(root, "package-lock.json"))}\n`);
  h.update(`data ${fingerprint(dataDir)}\n`);
  return h.digest("hex");
}

/** The freeze key of one notebook: its code cells (order and source) and the markdown with inline expressions, on top of the shared inputs. */
export function freezeKey(nb: Notebook, shared: string): string {
  const h = sha256().update(shared);
  for (const c of nb.cells) if (c.cell_type === "code") h.update(`\0cell\0${sourceText(c.source)}`);
  // Prose with inline expressions is computed by the run too.
  for (const text of inlineSources(nb.cells)) h.update(`\0inline\0${text}`);
  return h.digest("hex");
}

/** The key recorded by the run that wrote the notebook's outputs, if any. */
export function recordedKey(nb: Notebook): string | undefined {
  const key = (nb.metadata as any)?.nbts?.freeze;
  return typeof key === "string" ? key : undefined;
}

/** Records `key` in the notebook file's metadata (an atomic rewrite; outputs and cells stay as they are). */
export function recordKey(file: string, key: string): void {
  const nb = readNotebook(file);
  const meta = nb.metadata as any;
  meta.nbts = { ...(meta.nbts ?? {}), freeze: key };
  writeNotebook(file, nb);
}

/** Each notebook's freeze key, and whether its outputs are frozen (written by a run with that key). */
export function planFreeze(files: string[], shared: string): { file: string; key: string; frozen: boolean }[] {
  return files.map((file) => {
    const nb = readNotebook(file);
    const key = freezeKey(nb, shared);
    return { file, key, frozen: recordedKey(nb) === key };
  });
}
