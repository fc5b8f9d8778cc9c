import { strict as assert } from "assert";
import { chartBundle } from "../lib/charts";

describe("charts: one display bundle for every front end", () => {
  const spec = { $schema: "https://vega.github.io/schema/vega-lite/v5.json", title: "ratings", data: { values: [{ r: 1, n: 3 }, { r: 2, n: 5 }] }, mark: "bar", encoding: { x: { field: "r", type: "ordinal" }, y: { field: "n", type: "quantitative" } } };

  it("carries vega-lite, interactive HTML with the vega libraries inlined (no network), SVG, PNG and text", async () => {
    const first = await chartBundle(spec);
    assert.deepEqual(Object.keys(first).sort(), ["application/vnd.vegalite.v5+json", "image/png", "image/svg+xml", "text/html", "text/plain"]);
    const png = Buffer.from(first["image/png"] as string, "base64");
    assert.equal(png.subarray(1, 4).toString(), "PNG");
    const svgWidth = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(first["image/svg+xml"] as string)![1]);
    assert.equal(png.readUInt32BE(16), Math.round(svgWidth), "rendered at the SVG's width"); // IHDR width
    const html = first["text/html"] as string;
    assert.match(html, /<img alt="ratings" src="data:image\/png;base64,/, "an untrusted notebook still shows the PNG");
    assert.ok(!/<script[^>]+src=/.test(html) && !/https?:\/\/cdn/.test(html), "no script is fetched");
    assert.match(html, /vegaEmbed/);
    assert.ok(html.length > 500_000, "the first chart carries vega, vega-lite and vega-embed");
    const second = (await chartBundle(spec))["text/html"] as string;
    assert.ok(second.length < 100_000, "later charts use the libraries already on the page");
  });
});
