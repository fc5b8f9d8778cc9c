/** `nbts clean`: strip what changes from run to run, so that a re-run with the same results gives no diff. */
import { Notebook, Output, KERNEL_METADATA, newCellId, toLines, sourceText } from "./notebook";

/** Cell metadata that editors and kernels add and that says nothing about the cell. */
const VOLATILE_CELL_METADATA = ["execution", "ExecuteTime", "collapsed", "scrolled", "jupyter", "vscode", "papermill", "editable", "deletable"];
/** Notebook metadata of the same kind. */
const VOLATILE_NB_METADATA = ["widgets", "vscode", "papermill", "toc", "varInspector", "signature"];

function linesOf(v: unknown): unknown {
  return typeof v === "string" || Array.isArray(v) ? toLines(sourceText(v as string | string[])) : v;
}

/** Text mime data is stored as a list of lines, as Jupyter writes it; JSON mime data is left as it is. */
function normalizeOutput(o: Output): Output {
  const out: Output = { ...o };
  if ("execution_count" in out) out.execution_count = null;
  if (out.output_type === "stream") out.text = linesOf(out.text) as string[];
  if (out.data) {
    const data: Record<string, unknown> = {};
    for (const [mime, v] of Object.entries(out.data)) data[mime] = mime.endsWith("json") ? v : linesOf(v);
    out.data = data;
  }
  if ((out.output_type === "display_data" || out.output_type === "execute_result") && !out.metadata) out.metadata = {};
  return out;
}

/** Normalises a notebook in place: nbformat 4.5 with ids, no execution counts, no volatile metadata. */
export function cleanNotebook(nb: Notebook): Notebook {
  if (nb.nbformat_minor < 5) nb.nbformat_minor = 5;
  for (const k of VOLATILE_NB_METADATA) delete nb.metadata[k];
  nb.metadata.kernelspec = structuredClone(KERNEL_METADATA.kernelspec);
  nb.metadata.language_info = structuredClone(KERNEL_METADATA.language_info);
  const seen = new Set<string>();
  for (const cell of nb.cells) {
    if (!cell.id || seen.has(cell.id)) cell.id = newCellId();
    seen.add(cell.id);
    for (const k of VOLATILE_CELL_METADATA) delete cell.metadata[k];
    cell.source = toLines(sourceText(cell.source));
    if (cell.cell_type === "code") {
      cell.execution_count = null;
      cell.outputs = (cell.outputs ?? []).map(normalizeOutput);
    } else {
      delete cell.outputs;
      delete cell.execution_count;
    }
  }
  return nb;
}
