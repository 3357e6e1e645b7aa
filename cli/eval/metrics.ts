// Per-user test metrics. Truth is +1 (a better) / -1 (b better); ties never reach here. A comparison's orientation
// is arbitrary, so AUC is computed on both orientations of every test comparison ((m, +t) and (-m, -t)), which makes
// it independent of how the file happened to order a and b.

/** Share of comparisons whose score has the truth's sign; a score of exactly 0 (no opinion) counts as half. */
export function accuracy(scores: ArrayLike<number>, truth: ArrayLike<number>): number {
  let right = 0;
  for (let i = 0; i < truth.length; i++) right += scores[i] === 0 ? 0.5 : Math.sign(scores[i]) === truth[i] ? 1 : 0;
  return truth.length ? right / truth.length : NaN;
}

/** ROC-AUC of the symmetrised comparisons (Mann-Whitney, ties in score count half). */
export function symmetricAuc(scores: ArrayLike<number>, truth: ArrayLike<number>): number {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < truth.length; i++) {
    const s = truth[i] * scores[i]; // score of the oriented-positive copy; its mirror scores -s as a negative
    pos.push(s);
    neg.push(-s);
  }
  if (pos.length === 0) return NaN;
  const all = pos.map((s) => ({ s, p: 1 })).concat(neg.map((s) => ({ s, p: 0 })));
  all.sort((a, b) => a.s - b.s);
  // Rank-sum with average ranks for ties.
  let rankSumPos = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j].s === all[i].s) j++;
    const avg = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if (all[k].p) rankSumPos += avg;
    i = j;
  }
  const nP = pos.length;
  const nN = neg.length;
  return (rankSumPos - (nP * (nP + 1)) / 2) / (nP * nN);
}

/** Mean and standard error of the mean (NaNs skipped). */
export function meanStderr(values: number[]): { mean: number; stderr: number; n: number } {
  const v = values.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { mean: NaN, stderr: NaN, n };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, stderr: Math.sqrt(variance / n), n };
}
