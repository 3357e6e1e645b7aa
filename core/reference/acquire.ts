// Reference pair selection (mirror assembly/acquire.ts). Per candidate, once: u_i = L^-1 phi_i, mu_i = lambda . phi_i
// and y_i = exp(mu_i - max mu). Per pair: variance |u_a - u_b|^2, slope s'(mu_a - mu_b) from y_a, y_b without an exp.
// infogain's log is monotone, so it is taken for the winner only.
import { dot, forwardSolve } from "../linalg.ts";
import { slopeOfDifference } from "../logistic.ts";
import { fail } from "../validate.ts";
import { type Gaussian, type PairChoice, Status } from "../types.ts";

export function bestPair(
  g: Gaussian, phi: Float64Array, n: number, infogain: boolean, exclude?: Uint8Array,
): PairChoice | null {
  const { J } = g;
  const u = new Float64Array(n * J);
  const mu = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    mu[i] = dot(g.mean, 0, phi, i * J, J);
    forwardSolve(g.precisionChol, J, phi, i * J, u, i * J);
  }
  let top = -Infinity;
  for (let i = 0; i < n; i++) top = Math.max(top, mu[i]);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.exp(mu[i] - top);
  let best = -Infinity;
  let bestA = -1;
  let bestB = -1;
  let bestM = 0;
  let bestS2 = 0;
  let nonFinite = false;
  for (let a = 0; a < n; a++) {
    const ua = a * J;
    const ma = mu[a];
    const ya = y[a];
    for (let b = a + 1; b < n; b++) {
      if (exclude && (exclude[a * n + b] !== 0 || exclude[b * n + a] !== 0)) continue;
      const m = ma - mu[b];
      const ub = b * J;
      let s2 = 0;
      for (let k = 0; k < J; k++) {
        const diff = u[ua + k] - u[ub + k];
        s2 += diff * diff;
      }
      const slope = slopeOfDifference(ya, y[b], m);
      const key = infogain ? slope * s2 : slope * slope * s2;
      if (!Number.isFinite(key)) nonFinite = true;
      if (key > best) {
        best = key;
        bestA = a;
        bestB = b;
        bestM = m;
        bestS2 = s2;
      }
    }
  }
  if (nonFinite) fail(Status.NON_FINITE, "phi", "a pair's criterion is not finite");
  if (bestA < 0) return null;
  return { a: bestA, b: bestB, value: infogain ? 0.5 * Math.log1p(best) : best, mean: bestM, variance: bestS2 };
}
