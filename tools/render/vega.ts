/** Vega and Vega-Lite specs → static SVG at build time (for the PDF, and as the picture before JavaScript runs). */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const vega = require("vega");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const vegaLite = require("vega-lite");

export const VEGALITE_MIME = /^application\/vnd\.vegalite\.v(\d+)\+json$/;
export const VEGA_MIME = /^application\/vnd\.vega\.v(\d+)\+json$/;

/** A loader that loads nothing: charts in the report carry their data inline, and the build never fetches. */
function refusingLoader() {
  const loader = vega.loader();
  const refuse = async (uri: string) => {
    throw new Error(`the chart asks for external data (${uri}); put the values inline (data: {values: [...]}) so the report stays offline`);
  };
  loader.load = refuse;
  // A link on a mark (an `href` encoding) is no data: keep web and mail links, drop others. (Rejecting it
  // crashes vega-scenegraph's SVG renderer outside any promise the caller holds.)
  loader.sanitize = async (uri: string, options: { context?: string } = {}) => {
    if (options.context !== "href") return refuse(uri);
    return { href: /^(https?:|mailto:)/i.test(String(uri)) ? String(uri) : "" };
  };
  return loader;
}

/**
 * Runs one chart's rendering and fails it, instead of the whole process, when vega leaves a rejected
 * promise behind while drawing (a mark renderer's bug): the chart becomes an error box in its cell.
 */
export async function failOnStrayRejection<T>(draw: () => Promise<T>): Promise<T> {
  let stray: unknown = null;
  const catchStray = (e: unknown) => void (stray ??= e);
  process.on("unhandledRejection", catchStray);
  try {
    const value = await draw();
    await new Promise((resolve) => setImmediate(resolve)); // rejections of this chart's promises surface here
    if (stray) throw stray instanceof Error ? stray : new Error(String(stray));
    return value;
  } finally {
    process.off("unhandledRejection", catchStray);
  }
}

/** Compiles a Vega-Lite spec to Vega (unchanged when it already is Vega). */
export function toVegaSpec(spec: any, isVegaLite: boolean): any {
  return isVegaLite ? vegaLite.compile(spec).spec : spec;
}

/** Renders a Vega(-Lite) spec to an SVG document string. */
export async function specToSvg(spec: any, isVegaLite: boolean): Promise<string> {
  return failOnStrayRejection(async () => {
    const view = new vega.View(vega.parse(toVegaSpec(spec, isVegaLite)), { renderer: "none", loader: refusingLoader() });
    try {
      return await view.toSVG();
    } finally {
      view.finalize();
    }
  });
}
