// Ridge logistic regression on difference vectors with aggregated labels (n_i trials, s_i "a preferred" in total,
// so soft and tied labels work): min sum_i [n_i softplus(w . x_i) - s_i w . x_i] + reg/2 ||w||^2, by Newton with CG
// on Hessian-vector products (never forms the d x d Hessian). Serves the two baselines that live in embedding space:
// the pooled population reward model and the per-user model without a basis.
import { conjugateGradient } from "../linalg/cg.ts";
import { bce, sigmoid, sigmoidSlope } from "./logistic.ts";

export interface LogisticOptions {
  reg: number;
  maxNewton?: number;
  cgIterations?: number;
  /** Stop when ||grad|| <= tolerance x (1 + ||initial grad||). */
  tolerance?: number;
  /** Called after every Newton step (for a progress bar). */
  onStep?: () => void;
}

export function fitLogistic(X: Float64Array, n: number, d: number, trials: Float64Array, successes: Float64Array, o: LogisticOptions): Float64Array {
  const w = new Float64Array(d);
  const m = new Float64Array(n);
  const margins = (v: Float64Array, out: Float64Array) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      const off = i * d;
      for (let k = 0; k < d; k++) s += X[off + k] * v[k];
      out[i] = s;
    }
  };
  const loss = (mm: Float64Array, v: Float64Array) => {
    let f = 0;
    for (let i = 0; i < n; i++) f += trials[i] * bce(mm[i], successes[i] / trials[i]);
    let v2 = 0;
    for (let k = 0; k < d; k++) v2 += v[k] * v[k];
    return f + 0.5 * o.reg * v2;
  };
  const maxNewton = o.maxNewton ?? 30;
  const tol = o.tolerance ?? 1e-6;
  let firstNorm = -1;
  for (let it = 0; it < maxNewton; it++) {
    margins(w, m);
    const grad = new Float64Array(d);
    const curv = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = trials[i] * sigmoid(m[i]) - successes[i];
      curv[i] = trials[i] * sigmoidSlope(m[i]);
      const off = i * d;
      for (let k = 0; k < d; k++) grad[k] += r * X[off + k];
    }
    let gn = 0;
    for (let k = 0; k < d; k++) {
      grad[k] += o.reg * w[k];
      gn += grad[k] * grad[k];
    }
    gn = Math.sqrt(gn);
    if (firstNorm < 0) firstNorm = gn;
    if (gn <= tol * (1 + firstNorm)) break;
    const xv = new Float64Array(n);
    const hvp = (v: Float64Array) => {
      margins(v, xv);
      const out = new Float64Array(d);
      for (let i = 0; i < n; i++) {
        const c = curv[i] * xv[i];
        if (c === 0) continue;
        const off = i * d;
        for (let k = 0; k < d; k++) out[k] += c * X[off + k];
      }
      for (let k = 0; k < d; k++) out[k] += o.reg * v[k];
      return out;
    };
    const { x: step } = conjugateGradient(hvp, grad.map((g) => -g), o.cgIterations ?? 50, 1e-4);
    const f0 = loss(m, w);
    let slope = 0;
    for (let k = 0; k < d; k++) slope += grad[k] * step[k];
    if (!(slope < 0)) break;
    const trial = new Float64Array(d);
    const mt = new Float64Array(n);
    let accepted = false;
    for (let t = 1; t > 1e-8; t /= 2) {
      for (let k = 0; k < d; k++) trial[k] = w[k] + t * step[k];
      margins(trial, mt);
      if (loss(mt, trial) <= f0 + 1e-4 * t * slope) {
        w.set(trial);
        accepted = true;
        break;
      }
    }
    o.onStep?.();
    if (!accepted) break;
  }
  return w;
}
