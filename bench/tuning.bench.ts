/**
 * Tuning benchmark: (1) what the SQLite study store costs per epoch and per fold (toy objective, no
 * model), (2) wall time of a real grid — k ∈ {1, 4, 16, 64} × λ ∈ {0.001 … 0.3}, 5-fold CV, 40 epochs of
 * SGD matrix factorisation on ml-latest-small — with 1 and with 2 worker threads, and peak RSS.
 * Run alone: npx tsx bench/tuning.bench.ts   (BENCH_QUICK=1 for a 2×2 grid, 3 folds, 10 epochs)
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { type SearchSpace } from "../lib/tuning";
import { Study, type StudyConfig } from "../lib/tuning_store";
import { runStudy } from "../lib/tuning_runner";
import { toyObjective } from "../lib/tuning_objectives";
import { SGD_DEFAULTS } from "../lib/mf";

const quick = process.env.BENCH_QUICK === "1";
const root = path.resolve(__dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "litrec-bench-tuning-"));

function peakRss(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  return { stop: () => (clearInterval(timer), Math.max(peak, process.memoryUsage().rss) / 2 ** 20) };
}

async function storeOverhead() {
  const space: SearchSpace = {
    searched: {
      k: { type: "int", default: 16, distribution: { kind: "categorical", choices: [1, 4, 16, 64] }, description: "" },
      lambda: { type: "float", default: 0.01, distribution: { kind: "float", low: 0.001, high: 0.3, log: true }, grid: [0.001, 0.003, 0.01, 0.03, 0.1, 0.3], description: "" },
    },
    fixed: {},
  };
  const epochs = 40;
  const config: StudyConfig = { space, strategy: { kind: "grid" }, folds: 5, maxEpochs: epochs };
  const t0 = performance.now();
  await runStudy(path.join(dir, "toy.db"), "toy", config, { objective: toyObjective({ maxEpochs: epochs }) });
  const seconds = (performance.now() - t0) / 1000;
  const s = Study.open(path.join(dir, "toy.db"), "toy");
  const rows = s.epochs().length, folds = s.foldRuns().length;
  s.close();
  console.log(`study store, toy objective: ${folds} folds, ${rows} epoch rows in ${seconds.toFixed(2)} s → ${((seconds / rows) * 1e6).toFixed(0)} µs per epoch (claim + epoch rows + finish, WAL, one thread)`);
}

async function realGrid() {
  const mfFile = path.join(root, "lib/mf.ts");
  const space: SearchSpace = {
    searched: {
      k: { type: "int", default: 16, distribution: { kind: "categorical", choices: quick ? [4, 16] : [1, 4, 16, 64] }, description: "" },
      regFactor: { type: "float", default: 0.03, distribution: { kind: "float", low: 0.001, high: 0.1, log: true }, grid: quick ? [0.01, 0.1] : [0.001, 0.003, 0.01, 0.03, 0.1, 0.3], description: "" },
    },
    fixed: { epochs: quick ? 10 : 40, learningRate: SGD_DEFAULTS.learningRate, decay: SGD_DEFAULTS.decay, regBias: SGD_DEFAULTS.regBias, initStd: SGD_DEFAULTS.initStd, threads: 1, seed: 1 },
  };
  const folds = quick ? 3 : 5;
  const config: StudyConfig = { space, strategy: { kind: "grid" }, folds, maxEpochs: Number(space.fixed.epochs) };
  const objective = {
    module: path.join(root, "lib/tuning.ts"), name: "datasetObjective",
    options: { data: path.join(root, "data/ml-latest-small"), split: "random:0.2", seed: 0, folds, model: { module: mfFile, name: "SgdMF" } },
  };
  const results: Record<number, number> = {};
  for (const workers of [1, 2]) {
    const rss = peakRss();
    const t0 = performance.now();
    const trials = await runStudy(path.join(dir, `grid-${workers}.db`), "grid", config, { objective, workers });
    results[workers] = (performance.now() - t0) / 1000;
    const fit = trials.reduce((s, t) => s + (t.seconds ?? 0), 0);
    const best = trials.filter((t) => t.state === "complete").sort((a, b) => a.value! - b.value!)[0];
    console.log(`real grid, ${workers} worker thread(s): ${trials.length} trials × ${folds} folds in ${results[workers].toFixed(1)} s wall (${fit.toFixed(1)} s of fits), peak RSS ${rss.stop().toFixed(0)} MiB; best k=${best.params.k} λ=${best.params.regFactor} CV RMSE ${best.value!.toFixed(4)}`);
  }
  console.log(`speed-up with 2 workers: ${(results[1] / results[2]).toFixed(2)}× on ${os.cpus().length} cores (shared machine)`);
}

(async () => {
  try {
    await storeOverhead();
    await realGrid();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
})();
