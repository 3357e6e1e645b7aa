// Ridge logistic regression on difference vectors with aggregated labels (n_i trials, s_i "a preferred" in total,
// so soft and tied labels work): min sum_i [n_i softplus(w . x_i) - s_i w . x_i] + reg/2 ||w||^2, by Newton with CG
// on Hessian-vector products (never forms the d x d Hessian). X is any LinearMap: the implicit pair design for the
// pooled population reward model, a small dense matrix for the per-user baseline.
import { conjugateGradient } from "../linalg/cg.ts";
import type { LinearMap } from "../linalg/linear-map.ts";
import { bce, sigmoid, sigmoidSlope } from "./logistic.ts";

export interface LogisticOptions {
  reg: number;
  maxNewton?: number;
  cgIterations?: number;
  /** Stop when ||grad|| <= tolerance x (1 + ||initial grad||). */
  tolerance?: number;
  /** Warm start (e.g. the fit at a neighbouring regularisation). */
  init?: Float64Array;
  /** Called after every Newton step (for a progress bar). */
  onStep?: () => void;
}

export function fitLogistic(X: LinearMap, trials: Float64Array, successes: Float64Array, o: LogisticOptions): Float64Array {
  const n = X.rows;
  const d = X.cols;
  const w = o.init ? Float64Array.from(o.init) : new Float64Array(d);
  const loss = (m: Float64Array, v: Float64Array) => {
    let f = 0;
    for (let i = 0; i < n; i++) if (trials[i] > 0) f += trials[i] * bce(m[i], successes[i] / trials[i]);
    let v2 = 0;
    for (let k = 0; k < d; k++) v2 += v[k] * v[k];
    return f + 0.5 * o.reg * v2;
  };
  const maxNewton = o.maxNewton ?? 30;
  const tol = o.tolerance ?? 1e-6;
  let firstNorm = -1;
  let m = X.apply(w);
  for (let it = 0; it < maxNewton; it++) {
    const residual = new Float64Array(n);
    const curv = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      residual[i] = trials[i] * sigmoid(m[i]) - successes[i];
      curv[i] = trials[i] * sigmoidSlope(m[i]);
    }
    const grad = X.applyT(residual);
    let gn = 0;
    for (let k = 0; k < d; k++) {
      grad[k] += o.reg * w[k];
      gn += grad[k] * grad[k];
    }
    gn = Math.sqrt(gn);
    if (firstNorm < 0) firstNorm = gn;
    if (gn <= tol * (1 + firstNorm)) break;
    const hvp = (v: Float64Array) => {
      const xv = X.apply(v);
      for (let i = 0; i < n; i++) xv[i] *= curv[i];
      const out = X.applyT(xv);
      for (let k = 0; k < d; k++) out[k] += o.reg * v[k];
      return out;
    };
    const { x: step } = conjugateGradient(hvp, grad.map((g) => -g), o.cgIterations ?? 50, 1e-4);
    const f0 = loss(m, w);
    let slope = 0;
    for (let k = 0; k < d; k++) slope += grad[k] * step[k];
    if (!(slope < 0)) break;
    // Margins are linear in w, so the line search needs one more product, not one per trial step.
    const dm = X.apply(step);
    const trial = new Float64Array(d);
    const mt = new Float64Array(n);
    let accepted = false;
    for (let t = 1; t > 1e-8; t /= 2) {
      for (let k = 0; k < d; k++) trial[k] = w[k] + t * step[k];
      for (let i = 0; i < n; i++) mt[i] = m[i] + t * dm[i];
      if (loss(mt, trial) <= f0 + 1e-4 * t * slope) {
        w.set(trial);
        m = Float64Array.from(mt);
        accepted = true;
        break;
      }
    }
    o.onStep?.();
    if (!accepted) break;
  }
  return w;
}
