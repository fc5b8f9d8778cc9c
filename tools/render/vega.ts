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
  loader.sanitize = refuse;
  return loader;
}

/** Compiles a Vega-Lite spec to Vega (unchanged when it already is Vega). */
export function toVegaSpec(spec: any, isVegaLite: boolean): any {
  return isVegaLite ? vegaLite.compile(spec).spec : spec;
}

/** Renders a Vega(-Lite) spec to an SVG document string. */
export async function specToSvg(spec: any, isVegaLite: boolean): Promise<string> {
  const view = new vega.View(vega.parse(toVegaSpec(spec, isVegaLite)), { renderer: "none", loader: refusingLoader() });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
