/**
 * lib/stats.ts against published reference values. Each expected number is written here with its
 * source; the data sets are R's built-in `InsectSprays` (Beall 1942), `ToothGrowth` (Crampton 1947),
 * the Hollander & Wolfe (1973, p. 116) lung-function example of R's `kruskal.test` help page, and the
 * weights of 11 men from Shapiro & Wilk (1965).
 */
import { strict as assert } from "assert";
import {
  anovaOneWay, bartlett, dunn, holm, kruskalWallis, levene, midranks, shapiroWilk, shapiroWilkCoefficients,
} from "../lib/stats";

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: expected ${expected} ± ${tolerance}, got ${actual}`);

// R: InsectSprays$count split by spray (A–F, 12 fields each).
const insectSprays = [
  [10, 7, 20, 14, 14, 12, 10, 23, 17, 20, 14, 13],
  [11, 17, 21, 11, 16, 14, 17, 17, 19, 21, 7, 13],
  [0, 1, 7, 2, 3, 1, 2, 1, 3, 0, 1, 4],
  [3, 5, 12, 6, 4, 3, 5, 5, 5, 5, 2, 4],
  [3, 5, 3, 5, 3, 6, 1, 1, 3, 2, 6, 4],
  [11, 9, 15, 22, 15, 16, 13, 10, 26, 26, 24, 13],
];

// R: ToothGrowth$len (60 guinea pigs, in the data set's row order).
const toothLength = [
  4.2, 11.5, 7.3, 5.8, 6.4, 10, 11.2, 11.2, 5.2, 7, 16.5, 16.5, 15.2, 17.3, 22.5, 17.3, 13.6, 14.5, 18.8, 15.5,
  23.6, 18.5, 33.9, 25.5, 26.4, 32.5, 26.7, 21.5, 23.3, 29.5, 15.2, 21.5, 17.6, 9.7, 14.5, 10, 8.2, 9.4, 16.5, 9.7,
  19.7, 23.3, 23.6, 26.4, 20, 25.2, 25.8, 21.2, 14.5, 27.3, 25.5, 26.4, 22.4, 24.5, 24.8, 30.9, 26.4, 27.3, 29.4, 23,
];

describe("stats: Shapiro–Wilk (Royston 1995)", () => {
  it("ToothGrowth$len: R shapiro.test gives W = 0.96743, p = 0.1091", () => {
    const r = shapiroWilk(toothLength);
    close(r.statistic, 0.96743, 5e-6, "W");
    close(r.pValue, 0.1091, 5e-5, "p");
  });
  it("Shapiro & Wilk (1965) weights of 11 men: W = 0.79 (R: W = 0.78881, p = 0.006704)", () => {
    const r = shapiroWilk([148, 154, 158, 160, 161, 162, 166, 170, 182, 195, 236]);
    close(r.statistic, 0.78881, 5e-6, "W");
    close(r.pValue, 0.006704, 5e-7, "p");
  });
  it("n = 3 uses the exact distribution: R shapiro.test(c(1, 2, 4)) gives W = 0.96429, p = 0.6369", () => {
    const r = shapiroWilk([4, 1, 2]);
    close(r.statistic, 27 / 28, 1e-12, "W"); // (a·x)² / SS = (3/√2)² / (14/3) = 27/28 exactly
    close(r.pValue, 0.6369, 5e-5, "p");
  });
  it("coefficients are antisymmetric with unit norm, and W does not depend on order, shift or scale", () => {
    for (const n of [4, 5, 6, 11, 12, 50, 501]) {
      const a = shapiroWilkCoefficients(n);
      close(a.reduce((s, v) => s + v * v, 0), 1, 1e-12, `Σa² (n=${n})`);
      for (let i = 0; i < n; i++) close(a[i], -a[n - 1 - i], 1e-15, `a antisymmetric (n=${n})`);
    }
    const w = shapiroWilk(toothLength).statistic;
    close(shapiroWilk([...toothLength].reverse().map((v) => 3 * v - 7)).statistic, w, 1e-12, "W invariant");
  });
  it("refuses samples it cannot test", () => {
    assert.throws(() => shapiroWilk([1, 2]), /3 to 5000/);
    assert.throws(() => shapiroWilk([2, 2, 2, 2]), /identical/);
  });
});

describe("stats: equal variances", () => {
  it("Bartlett on InsectSprays: R bartlett.test gives K² = 25.96, df = 5, p = 9.085e-05", () => {
    const r = bartlett(insectSprays);
    close(r.statistic, 25.96, 5e-3, "K²");
    assert.deepEqual(r.df, [5]);
    close(r.pValue, 9.085e-5, 5e-9, "p");
  });
  it("Brown–Forsythe (median) on InsectSprays: car::leveneTest gives F = 3.8214 on (5, 66), p = 0.004223", () => {
    const r = levene(insectSprays, "median");
    close(r.statistic, 3.8214, 5e-5, "F");
    assert.deepEqual(r.df, [5, 66]);
    close(r.pValue, 0.004223, 5e-7, "p");
  });
  it("Levene (mean) is the ANOVA of |x − group mean| (Levene 1960), by definition", () => {
    const deviations = insectSprays.map((g) => {
      const m = g.reduce((s, v) => s + v, 0) / g.length;
      return g.map((v) => Math.abs(v - m));
    });
    const expected = anovaOneWay(deviations);
    const r = levene(insectSprays, "mean");
    close(r.statistic, expected.statistic, 1e-12, "F");
    close(r.pValue, expected.pValue, 1e-12, "p");
  });
});

describe("stats: comparing groups", () => {
  it("one-way ANOVA on InsectSprays: R summary(aov(count ~ spray)) gives F = 34.7 on (5, 66), p < 2e-16", () => {
    const r = anovaOneWay(insectSprays);
    close(r.statistic, 34.702, 5e-4, "F");
    assert.deepEqual(r.df, [5, 66]);
    assert.ok(r.pValue < 2e-16);
  });
  it("Kruskal–Wallis on InsectSprays: R kruskal.test gives H = 54.691, df = 5, p = 1.511e-10", () => {
    const r = kruskalWallis(insectSprays);
    close(r.statistic, 54.691, 5e-4, "H");
    close(r.pValue, 1.511e-10, 5e-14, "p");
  });
  it("Kruskal–Wallis, Hollander & Wolfe p. 116 (R's kruskal.test example): H = 0.77143, p = 0.68", () => {
    const r = kruskalWallis([[2.9, 3.0, 2.5, 2.6, 3.2], [3.8, 2.7, 4.0, 2.4], [2.8, 3.4, 3.7, 2.2, 2.0]]);
    close(r.statistic, 0.77143, 5e-6, "H");
    close(r.pValue, 0.68, 5e-3, "p");
  });
});

describe("stats: post-hoc", () => {
  it("midranks average tied ranks and sum t³ − t", () => {
    const { ranks, tieSum } = midranks([10, 20, 10, 30, 20, 20]);
    assert.deepEqual(Array.from(ranks), [1.5, 4, 1.5, 6, 4, 4]);
    assert.equal(tieSum, 6 + 24);
  });
  it("Holm: R p.adjust(c(.01, .02, .03, .04, .05), 'holm') = .05 .08 .09 .09 .09", () => {
    const r = holm([0.03, 0.01, 0.05, 0.02, 0.04]);
    [0.09, 0.05, 0.09, 0.08, 0.09].forEach((v, i) => close(r[i], v, 1e-12, `p[${i}]`));
    assert.deepEqual(Array.from(holm([0.5, 0.6])), [1, 1]); // capped at 1
  });
  it("Dunn with two groups is the Kruskal–Wallis test (z² = H, same p), ties included", () => {
    const g = [insectSprays[0], insectSprays[3]];
    const d = dunn(g);
    const kw = kruskalWallis(g);
    close(d.comparisons[0].z ** 2, kw.statistic, 1e-9, "z² vs H");
    close(d.comparisons[0].pValue, kw.pValue, 1e-9, "p");
    close(d.comparisons[0].pAdjusted, kw.pValue, 1e-9, "one comparison: nothing to adjust");
  });
  it("Dunn on InsectSprays: mean ranks, Holm over 15 pairs, symmetric matrix", () => {
    const d = dunn(insectSprays);
    // Regression values: mean of the pooled midranks (as R's rank() gives them) per spray, computed once with this code.
    [52.1667, 54.8333, 11.4583, 25.5833, 19.3333, 55.625].forEach((v, i) => close(d.meanRanks[i], v, 5e-5, `mean rank ${i}`));
    assert.equal(d.comparisons.length, 15);
    const adjusted = holm(d.comparisons.map((c) => c.pValue));
    d.comparisons.forEach((c, i) => {
      close(c.pAdjusted, adjusted[i], 0, "Holm");
      assert.equal(d.pAdjusted[c.a][c.b], d.pAdjusted[c.b][c.a]);
      assert.equal(d.z[c.a][c.b], -d.z[c.b][c.a]);
    });
    // Sprays A, B, F against C, D, E differ after correction; A vs B, A vs F, B vs F, C vs E do not.
    for (const [a, b] of [[0, 2], [0, 4], [1, 2], [1, 3], [1, 4], [2, 5], [3, 5], [4, 5]]) assert.ok(d.pAdjusted[a][b] < 0.05, `${a}-${b}`);
    for (const [a, b] of [[0, 1], [0, 5], [1, 5], [2, 4]]) assert.ok(d.pAdjusted[a][b] > 0.5, `${a}-${b}`);
  });
});
