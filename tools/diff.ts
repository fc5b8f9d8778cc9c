/** A small unified diff (longest common subsequence over lines), enough for `nbts check`. */

/** Unified diff of two texts with `context` lines around each change; "" when they are equal. */
export function unifiedDiff(aName: string, bName: string, a: string, b: string, context = 3): string {
  if (a === b) return "";
  const x = a.split("\n");
  const y = b.split("\n");
  // Trim the common prefix and suffix so the quadratic table stays small.
  let pre = 0;
  while (pre < x.length && pre < y.length && x[pre] === y[pre]) pre++;
  let suf = 0;
  while (suf < x.length - pre && suf < y.length - pre && x[x.length - 1 - suf] === y[y.length - 1 - suf]) suf++;
  const xs = x.slice(pre, x.length - suf);
  const ys = y.slice(pre, y.length - suf);
  const n = xs.length;
  const m = ys.length;
  const ops: { op: " " | "-" | "+"; line: string; ai: number; bi: number }[] = [];
  if (n * m > 4e7) {
    // Too large to align: show it as a replacement.
    xs.forEach((l, i) => ops.push({ op: "-", line: l, ai: pre + i, bi: pre }));
    ys.forEach((l, j) => ops.push({ op: "+", line: l, ai: pre + n, bi: pre + j }));
  } else {
    const lcs = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        lcs[i * (m + 1) + j] = xs[i] === ys[j] ? lcs[(i + 1) * (m + 1) + j + 1] + 1 : Math.max(lcs[(i + 1) * (m + 1) + j], lcs[i * (m + 1) + j + 1]);
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && xs[i] === ys[j]) ops.push({ op: " ", line: xs[i], ai: pre + i++, bi: pre + j++ });
      else if (j < m && (i === n || lcs[i * (m + 1) + j + 1] > lcs[(i + 1) * (m + 1) + j])) ops.push({ op: "+", line: ys[j], ai: pre + i, bi: pre + j++ });
      else ops.push({ op: "-", line: xs[i], ai: pre + i++, bi: pre + j });
    }
  }
  // Surround with the shared context lines.
  const all = [
    ...x.slice(Math.max(0, pre - context), pre).map((l, k) => ({ op: " " as const, line: l, ai: Math.max(0, pre - context) + k, bi: Math.max(0, pre - context) + k })),
    ...ops,
    ...x.slice(x.length - suf, x.length - suf + context).map((l, k) => ({ op: " " as const, line: l, ai: x.length - suf + k, bi: y.length - suf + k })),
  ];
  const out = [`--- ${aName}`, `+++ ${bName}`];
  let k = 0;
  while (k < all.length) {
    while (k < all.length && all[k].op === " ") k++;
    if (k >= all.length) break;
    let start = k;
    let ctx = 0;
    while (start > 0 && all[start - 1].op === " " && ctx < context) {
      start--;
      ctx++;
    }
    let end = k;
    let quiet = 0;
    while (end < all.length && quiet <= 2 * context) {
      quiet = all[end].op === " " ? quiet + 1 : 0;
      end++;
    }
    end -= Math.max(0, quiet - context);
    const hunk = all.slice(start, end);
    const aLen = hunk.filter((h) => h.op !== "+").length;
    const bLen = hunk.filter((h) => h.op !== "-").length;
    out.push(`@@ -${hunk[0].ai + 1},${aLen} +${hunk[0].bi + 1},${bLen} @@`);
    for (const h of hunk) out.push(h.op + h.line);
    k = end;
  }
  return out.join("\n") + "\n";
}
