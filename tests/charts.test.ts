import { strict as assert } from "assert";
import { chartBundle, chartToSvg } from "../lib/charts";

describe("charts: one display bundle for every front end", () => {
  const spec = { $schema: "https://vega.github.io/schema/vega-lite/v5.json", title: "ratings", data: { values: [{ r: 1, n: 3 }, { r: 2, n: 5 }] }, mark: "bar", encoding: { x: { field: "r", type: "ordinal" }, y: { field: "n", type: "quantitative" } } };

  it("carries vega-lite, interactive HTML over the SVG (no vega library inlined, no network) and text: the SVG once, no PNG", async () => {
    const first = await chartBundle(spec);
    assert.deepEqual(Object.keys(first).sort(), ["application/vnd.vegalite.v5+json", "text/html", "text/plain"]);
    const svg = await chartToSvg(spec);
    assert.match(svg, /^<svg[^>]*\swidth="[\d.]+"/);
    const html = first["text/html"] as string;
    const img = /<img alt="ratings" src="data:image\/svg\+xml;base64,([^"]+)"/.exec(html);
    assert.ok(img, "an untrusted notebook and nbconvert's HTML show the SVG as an image");
    assert.equal(Buffer.from(img![1], "base64").toString(), svg);
    assert.ok(!/<script[^>]+src=/.test(html) && !/https?:\/\/cdn/.test(html), "no script is fetched");
    assert.match(html, /window\.vegaEmbed\(el, /, "drawn live where vega-embed is on the page");
    assert.match(html, /window\.litrecCharts/, "or when the classic Notebook's kernel.js has loaded it");
    assert.ok(html.length < 1.4 * svg.length + 2 * JSON.stringify(spec).length + 1000, `the chart's HTML is the SVG and a small script (${html.length} bytes)`);
    const second = (await chartBundle(spec))["text/html"] as string;
    assert.notEqual(/id="([^"]+)"/.exec(second)![1], /id="([^"]+)"/.exec(html)![1], "each chart has its own element");
  });
});
