/** The PDF: print one HTML file with a headless Chromium found on the machine. */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";

const CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"];

/** Finds an executable on PATH. */
export function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of process.platform === "win32" ? [".exe", ".cmd", ""] : [""]) {
      const file = path.join(dir, name + ext);
      try {
        if (fs.statSync(file).isFile()) {
          fs.accessSync(file, fs.constants.X_OK);
          return file;
        }
      } catch {
        /* not here */
      }
    }
  }
  return null;
}

/** `CHROME_PATH`, then `chromium`, `google-chrome` (and their usual variants) on PATH; null when there is none. */
export function findChromium(): string | null {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) return fs.existsSync(fromEnv) ? fromEnv : null;
  for (const name of CANDIDATES) {
    const found = which(name);
    if (found) return found;
  }
  for (const file of ["/Applications/Google Chrome.app/Contents/MacOS/Google Chrome", "/Applications/Chromium.app/Contents/MacOS/Chromium"])
    if (fs.existsSync(file)) return file;
  return null;
}

/** The flags every headless Chromium we start gets: no network chatter, no profile, no sandbox (containers). */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-default-apps",
  "--disable-extensions",
  "--mute-audio",
];

/** The one line printed when no browser is found. */
export const NO_BROWSER_HINT =
  "PDF skipped: no Chromium found. Install one (Debian/Ubuntu: `apt-get install chromium`) or set CHROME_PATH=/path/to/chrome, then run `nbts render` again.";

/** Prints `htmlFile` to `pdfFile`; rejects with Chromium's output when it fails or takes longer than `timeoutMs`. */
export async function printToPdf(browser: string, htmlFile: string, pdfFile: string, timeoutMs = 120_000): Promise<void> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "nbts-chromium-"));
  const tmpPdf = path.join(profile, "out.pdf");
  const args = [
    ...CHROMIUM_FLAGS,
    `--user-data-dir=${profile}`,
    "--no-pdf-header-footer",
    "--print-to-pdf-no-header",
    "--run-all-compositor-stages-before-draw",
    `--print-to-pdf=${tmpPdf}`,
    pathToFileURL(htmlFile).href,
  ];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(browser, args, { stdio: ["ignore", "pipe", "pipe"] });
      let log = "";
      child.stdout.on("data", (d) => (log += d));
      child.stderr.on("data", (d) => (log += d));
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`${browser} did not finish printing within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot start ${browser}: ${e.message}`));
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        if (code === 0 && fs.existsSync(tmpPdf) && fs.statSync(tmpPdf).size > 0) resolve();
        else reject(new Error(`${browser} exited with ${code} and wrote no PDF:\n${log.trim().split("\n").slice(-8).join("\n")}`));
      });
    });
    fs.copyFileSync(tmpPdf, pdfFile);
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
