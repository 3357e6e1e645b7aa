// Step 1 of PReF offline learning (docs/model.md, "Learning the basis offline"): the pair x user preference matrix,
// its missing entries imputed by iterated low-rank reconstruction, and its top-J factors as the initial pair targets
// t_p = U_J sqrt(S_J) and user weights lambda_u = V_J sqrt(S_J).
//   "paper":    entries in [0, 1], missing filled with 0.5, reconstruction clipped to [0, 1] (the paper's code);
//   "centered": entries P - 0.5 in [-0.5, 0.5], missing filled with 0 (a pair's orientation is arbitrary, so the
//               0.5 "no preference" level carries no signal and should not use up the first factor). With a
//               population reward the entries are the residuals P - sigmoid(population margin) instead.
// Dense in pairs x users: for data where many users label the same pairs (the paper's setting), not for real logs.
import type { PairObservations } from "./pairs.ts";
import { thinSvd } from "../linalg/svd.ts";
import { sigmoid } from "./logistic.ts";

export type SvdInitMode = "paper" | "centered";

export interface SvdInit {
  J: number;
  /** P x J */
  targets: Float64Array;
  /** U x J */
  lambdas: Float64Array;
  singularValues: number[];
  observedFraction: number;
}

export interface SvdInitOptions {
  J: number;
  mode: SvdInitMode;
  /** Rank of the imputation's reconstruction (the paper used min(100, rank), a no-op for fewer than 100 users). */
  imputeRank: number;
  imputeIterations: number;
  /** Called after every imputation round and after the final factorisation (for a progress bar). */
  onStep?: () => void;
  /** Population margin per pair: entries become residuals against it ("centered" mode). */
  offset?: Float64Array | null;
}

/** The largest pairs x users matrix the SVD initialisation builds (8 bytes each, plus a copy per SVD). */
export const MAX_PREFERENCE_ENTRIES = 40_000_000;

export function preferenceMatrix(obs: PairObservations, mode: SvdInitMode, offset: Float64Array | null = null): { M: Float64Array; observed: Uint8Array } {
  const { P, U } = obs;
  const sum = new Float64Array(P * U);
  const count = new Uint16Array(P * U);
  for (let i = 0; i < obs.n; i++) {
    const at = obs.pair[i] * U + obs.col[i];
    sum[at] += obs.label[i];
    count[at]++;
  }
  const fill = mode === "paper" ? 0.5 : 0;
  const center = mode === "paper" ? 0 : 0.5;
  const M = new Float64Array(P * U);
  const observed = new Uint8Array(P * U);
  for (let at = 0; at < P * U; at++) {
    if (count[at] > 0) {
      M[at] = sum[at] / count[at] - (offset && mode === "centered" ? sigmoid(offset[Math.floor(at / U)]) : center);
      observed[at] = 1;
    } else M[at] = fill;
  }
  return { M, observed };
}

export function svdInit(obs: PairObservations, o: SvdInitOptions): SvdInit {
  const { P, U } = obs;
  const { M, observed } = preferenceMatrix(obs, o.mode, o.offset ?? null);
  const [lo, hi] = o.mode === "paper" ? [0, 1] : [-0.5, 0.5];
  const rank = Math.min(o.imputeRank, P, U);
  for (let it = 0; it < o.imputeIterations; it++) {
    const { U: u, S, V, k } = thinSvd(M, P, U, rank);
    for (let p = 0; p < P; p++) {
      for (let c = 0; c < U; c++) {
        const at = p * U + c;
        if (observed[at]) continue;
        let r = 0;
        for (let j = 0; j < k; j++) r += u[p * k + j] * S[j] * V[c * k + j];
        M[at] = Math.min(hi, Math.max(lo, r));
      }
    }
    o.onStep?.();
  }
  const { U: u, S, V, k } = thinSvd(M, P, U, o.J);
  o.onStep?.();
  const J = o.J;
  const targets = new Float64Array(P * J);
  const lambdas = new Float64Array(U * J);
  for (let j = 0; j < k; j++) {
    const root = Math.sqrt(S[j]);
    for (let p = 0; p < P; p++) targets[p * J + j] = u[p * k + j] * root;
    for (let c = 0; c < U; c++) lambdas[c * J + j] = V[c * k + j] * root;
  }
  let seen = 0;
  for (const v of observed) seen += v;
  return { J, targets, lambdas, singularValues: Array.from(S), observedFraction: seen / (P * U) };
}
