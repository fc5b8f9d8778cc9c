/** Cell outputs → HTML: stream, text/plain, text/html, SVG, PNG/JPEG, Vega(-Lite), markdown, LaTeX, JSON, errors. */
import { Output, sourceText } from "../notebook";
import { escapeHtml, PageEnv, renderMarkdown, renderMath } from "./markdown";
import { sanitizeHtml } from "./sanitize";
import { specToSvg, VEGA_MIME, VEGALITE_MIME } from "./vega";

export interface OutputContext {
  env: PageEnv;
  /** Writes a file into the output folder (path relative to it) and returns the href to use from a page. */
  writeAsset(rel: string, data: string | Buffer): string;
  /** File name stem for this cell's pictures, e.g. `figures/01_data-3f2a`. */
  figureStem: string;
  warn(message: string): void;
}

export interface RenderedOutput {
  html: string;
  /** A chart or picture (what a `fig-cap` captions). */
  figure: boolean;
  /** Needs the Vega scripts on the page. */
  chart: boolean;
  /** What the PDF prints instead, when it differs (a long stream is shortened there). */
  print?: string;
}

/** Lines of a stream the PDF prints before it says how many more the HTML report has. */
export const PRINTED_STREAM_LINES = 20;

/** Removes ANSI colour codes and applies carriage returns (progress bars keep only their last state). */
export function plainTerminalText(text: string): string {
  return text
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")
    .split("\n")
    .map((line) => {
      const parts = line.split("\r");
      let last = parts.length - 1;
      while (last > 0 && parts[last] === "") last--;
      return parts[last];
    })
    .join("\n");
}

let chartCounter = 0;

function parseJsonData(value: unknown): any {
  if (typeof value === "string" || Array.isArray(value)) {
    const text = sourceText(value as string | string[]);
    return JSON.parse(text);
  }
  return value;
}

async function renderChart(spec: any, isVegaLite: boolean, ctx: OutputContext, n: number): Promise<string> {
  let staticImg = "";
  try {
    const svg = await specToSvg(spec, isVegaLite);
    const href = ctx.writeAsset(`${ctx.figureStem}-${n}.svg`, svg);
    staticImg = `<img class="vega-static" src="${escapeHtml(href)}" alt="chart">`;
  } catch (e: any) {
    ctx.warn(`chart ${ctx.figureStem}-${n}: no static picture (${e.message})`);
    staticImg = `<p class="vega-static chart-error">This chart could not be drawn: ${escapeHtml(e.message)}</p>`;
  }
  // `<` escaped so the JSON can never close its script element.
  const json = JSON.stringify(spec).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
  const id = `chart-${++chartCounter}`;
  return `<div class="vega-chart" id="${id}" data-mode="${isVegaLite ? "vega-lite" : "vega"}">${staticImg}<div class="vega-live"></div><script type="application/json" class="vega-spec">${json}</script></div>`;
}

function base64(value: unknown): Buffer {
  return Buffer.from(sourceText(value as string | string[]).replace(/\s+/g, ""), "base64");
}

function sizeAttrs(meta: any): string {
  if (!meta || typeof meta !== "object") return "";
  const w = Number(meta.width);
  const h = Number(meta.height);
  return `${w > 0 ? ` width="${w}"` : ""}${h > 0 ? ` height="${h}"` : ""}`;
}

/** Renders one rich output (execute_result or display_data) by the richest type the renderer knows. */
async function renderRich(out: Output, ctx: OutputContext, n: number): Promise<RenderedOutput> {
  const data = out.data ?? {};
  const types = Object.keys(data);
  const vl = types.find((t) => VEGALITE_MIME.test(t));
  const vg = types.find((t) => VEGA_MIME.test(t));
  try {
    if (vl || vg) {
      const spec = parseJsonData(data[(vl ?? vg)!]);
      return { html: await renderChart(spec, !!vl, ctx, n), figure: true, chart: true };
    }
  } catch (e: any) {
    ctx.warn(`${ctx.figureStem}: chart spec is not valid JSON (${e.message})`);
  }
  if ("text/html" in data) {
    const html = sourceText(data["text/html"] as string);
    return { html: `<div class="output html">${ctx.env.trusted ? html : sanitizeHtml(html)}</div>`, figure: false, chart: false };
  }
  if ("image/svg+xml" in data) {
    // As an <img>, an SVG cannot run script whatever it contains.
    const href = ctx.writeAsset(`${ctx.figureStem}-${n}.svg`, sourceText(data["image/svg+xml"] as string));
    return { html: `<img class="output image" src="${escapeHtml(href)}" alt="figure"${sizeAttrs(out.metadata?.["image/svg+xml"])}>`, figure: true, chart: false };
  }
  for (const [mime, ext] of [
    ["image/png", "png"],
    ["image/jpeg", "jpg"],
    ["image/gif", "gif"],
    ["image/webp", "webp"],
  ]) {
    if (mime in data) {
      const href = ctx.writeAsset(`${ctx.figureStem}-${n}.${ext}`, base64(data[mime]));
      return { html: `<img class="output image" src="${escapeHtml(href)}" alt="figure"${sizeAttrs(out.metadata?.[mime])}>`, figure: true, chart: false };
    }
  }
  if ("text/markdown" in data) {
    return { html: `<div class="output markdown">${renderMarkdown(sourceText(data["text/markdown"] as string), ctx.env)}</div>`, figure: false, chart: false };
  }
  if ("text/latex" in data) {
    const tex = sourceText(data["text/latex"] as string)
      .trim()
      .replace(/^\$\$?([\s\S]*?)\$\$?$/, "$1");
    return { html: `<div class="output math display">${renderMath(tex, true)}</div>`, figure: false, chart: false };
  }
  if ("application/json" in data) {
    let value: unknown = data["application/json"];
    try {
      value = parseJsonData(value);
    } catch {
      /* shown as it is */
    }
    return { html: `<pre class="output json">${escapeHtml(JSON.stringify(value, null, 2))}</pre>`, figure: false, chart: false };
  }
  if ("text/plain" in data) {
    return { html: `<pre class="output text">${escapeHtml(plainTerminalText(sourceText(data["text/plain"] as string)))}</pre>`, figure: false, chart: false };
  }
  if (types.length) ctx.warn(`${ctx.figureStem}: no renderer for ${types.join(", ")}`);
  return { html: "", figure: false, chart: false };
}

/** Renders a cell's outputs in order; consecutive stream outputs of one stream are merged. */
export async function renderOutputs(outputs: Output[], ctx: OutputContext): Promise<RenderedOutput[]> {
  const rendered: RenderedOutput[] = [];
  let n = 0;
  for (let i = 0; i < outputs.length; i++) {
    const out = outputs[i];
    if (out.output_type === "stream") {
      let text = sourceText(out.text ?? "");
      while (i + 1 < outputs.length && outputs[i + 1].output_type === "stream" && outputs[i + 1].name === out.name) text += sourceText(outputs[++i].text ?? "");
      text = plainTerminalText(text).replace(/\n$/, "");
      if (text) {
        const cls = `output stream ${out.name === "stderr" ? "stderr" : "stdout"}`;
        const lines = text.split("\n");
        const cut = lines.length > PRINTED_STREAM_LINES + 5;
        const print = cut
          ? `<pre class="${cls}">${escapeHtml(lines.slice(0, PRINTED_STREAM_LINES).join("\n"))}</pre>\n<p class="cell-meta folded-note">… ${lines.length - PRINTED_STREAM_LINES} more lines of output in the HTML report.</p>`
          : undefined;
        rendered.push({ html: `<pre class="${cls}">${escapeHtml(text)}</pre>`, figure: false, chart: false, print });
      }
    } else if (out.output_type === "error") {
      const trace = (out.traceback ?? []).map((l) => plainTerminalText(l)).join("\n").trim();
      const head = `${out.ename ?? "Error"}: ${out.evalue ?? ""}`;
      const text = trace && trace.includes(out.evalue ?? "\u0000") ? trace : [head, trace].filter(Boolean).join("\n");
      rendered.push({ html: `<pre class="output error">${escapeHtml(text)}</pre>`, figure: false, chart: false });
    } else {
      rendered.push(await renderRich(out, ctx, ++n));
    }
  }
  return rendered.filter((r) => r.html);
}
