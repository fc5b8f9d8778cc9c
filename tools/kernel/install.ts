/** `nbts kernel`: registers the kernelspec `nbts` ("TypeScript (nbts)") with the first Jupyter found. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";

export const KERNEL_NAME = "nbts";
export const KERNEL_DISPLAY_NAME = "TypeScript (nbts)";

/** The kernel's command line: this Node, with tsx's loader when the kernel runs from its TypeScript source. */
export function kernelArgv(): string[] {
  const ext = path.extname(__filename);
  const main = path.join(__dirname, `main${ext}`);
  return ext === ".ts" ? [process.execPath, "--require", require.resolve("tsx/cjs"), main, "{connection_file}"] : [process.execPath, main, "{connection_file}"];
}

/** Pythons that may hold Jupyter: the one behind `jupyter`, then /usr/bin/python3 and python3. */
function pythons(): string[] {
  const found: string[] = [];
  const jupyter = spawnSync("sh", ["-c", 'head -1 "$(command -v jupyter)" 2>/dev/null'], { encoding: "utf8" }).stdout.trim();
  if (jupyter.startsWith("#!")) found.push(jupyter.slice(2).trim().split(/\s+/).pop()!);
  return [...found, "/usr/bin/python3", "python3"];
}

/**
 * The classic Notebook loads a kernelspec's `kernel.js` when the kernel starts and serves the files next to it:
 * there it loads the vega, vega-lite and vega-embed bundles (offline, not stored in any notebook) and draws the
 * charts whose HTML waited for them (`window.litrecCharts`, see lib/charts). Without vega installed, charts stay static.
 */
function writeChartScripts(dir: string): void {
  const bundles = [["vega", "vega.min.js"], ["vega-lite", "vega-lite.min.js"], ["vega-embed", "vega-embed.min.js"]];
  try {
    for (const [pkg, file] of bundles) fs.copyFileSync(path.join(path.dirname(require.resolve(pkg)), file), path.join(dir, file));
  } catch {
    return;
  }
  const files = JSON.stringify(bundles.map(([, f]) => f));
  fs.writeFileSync(path.join(dir, "kernel.js"), `define(function () {
  function drawWaiting() { var waiting = window.litrecCharts || []; window.litrecCharts = []; waiting.forEach(function (draw) { draw(); }); }
  return { onload: function () {
    if (window.vegaEmbed) return drawWaiting();
    var base = (document.body.getAttribute("data-base-url") || "/") + "kernelspecs/${KERNEL_NAME}/";
    var files = ${files}, amd = window.define;
    window.define = undefined; // the bundles would register as anonymous AMD modules with require.js
    (function next(i) {
      if (i === files.length) { window.define = amd; return drawWaiting(); }
      var s = document.createElement("script");
      s.src = base + files[i];
      s.onload = function () { next(i + 1); };
      s.onerror = function () { window.define = amd; console.warn("nbts: " + files[i] + " did not load; charts stay static"); };
      document.head.appendChild(s);
    })(0);
  } };
});
`);
}

export function installKernel(): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nbts-kernelspec-"));
  const spec = { argv: kernelArgv(), display_name: KERNEL_DISPLAY_NAME, language: "typescript", interrupt_mode: "signal", metadata: { debugger: false } };
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
  writeChartScripts(dir);
  const script = "import sys; from jupyter_client.kernelspec import KernelSpecManager; print(KernelSpecManager().install_kernel_spec(sys.argv[1], sys.argv[2], user=True, replace=True))";
  try {
    for (const py of pythons()) {
      const r = spawnSync(py, ["-c", script, dir, KERNEL_NAME], { encoding: "utf8" });
      if (r.status !== 0) continue;
      console.log(`registered the kernel "${KERNEL_DISPLAY_NAME}" (${KERNEL_NAME}) with ${py}'s Jupyter in ${r.stdout.trim()}`);
      console.log("open the notebooks with: jupyter notebook notebooks/ (add --allow-root as root), or choose the kernel in JupyterLab / VS Code");
      return 0;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.error(
    "no Jupyter found (tried the Python behind `jupyter`, /usr/bin/python3 and python3: none has jupyter_client).\n" +
      "Install one, e.g. on Debian: apt-get install jupyter-notebook python3-nbconvert — then run npm run kernel again.\n" +
      "Notebooks still run without Jupyter: npx nbts run notebooks/01_data.ipynb",
  );
  return 1;
}
