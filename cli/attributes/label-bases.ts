// Names for the base rewards of a basis, from the benchmark's judges: the attribute each base reward correlates
// with most across a prompt's responses (within-prompt, so prompt topic does not count). Naming only: it reads a
// finished basis and never feeds training.
import type { Judge } from "./sidecar.ts";

export interface BaseLabel {
  label: string;
  /** Correlation of the base reward with every attribute's score (attribute order of the sidecar). */
  correlations: number[];
}

/** phi: n x J base rewards of the sidecar's candidates, in sidecar order (prompt by prompt). */
export function labelBases(judge: Judge, phi: Float64Array, J: number, minAbsCorrelation = 0.3): BaseLabel[] {
  const attrs = judge.sidecar.attributes;
  const A = attrs.length;
  const sums = Array.from({ length: J }, () => ({ xy: new Float64Array(A), xx: 0, yy: new Float64Array(A) }));
  let row = 0;
  for (const p of judge.sidecar.prompts) {
    const n = p.responses.length;
    const meanPhi = new Float64Array(J);
    const meanS = new Float64Array(A);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < J; j++) meanPhi[j] += phi[(row + i) * J + j] / n;
      for (let a = 0; a < A; a++) meanS[a] += p.responses[i].scores[a] / n;
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < J; j++) {
        const x = phi[(row + i) * J + j] - meanPhi[j];
        sums[j].xx += x * x;
        for (let a = 0; a < A; a++) {
          const y = p.responses[i].scores[a] - meanS[a];
          sums[j].xy[a] += x * y;
          sums[j].yy[a] += y * y;
        }
      }
    }
    row += n;
  }
  return sums.map((s) => {
    const correlations = Array.from(s.xy, (xy, a) => Number((xy / Math.sqrt(s.xx * s.yy[a] || 1)).toFixed(3)));
    const best = correlations.reduce((b, r, a) => (Math.abs(r) > Math.abs(correlations[b]) ? a : b), 0);
    const r = correlations[best];
    const label = Math.abs(r) < minAbsCorrelation ? "mixed" : `${attrs[best].poles[r > 0 ? 0 : 1]} (${attrs[best].name}, r=${r.toFixed(2)})`;
    return { label, correlations };
  });
}
