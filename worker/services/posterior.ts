// A user's posterior: decoding the stored row, the observation cache, sanity checks before anything is written,
// and the re-fit from the raw log when the tenant's basis changed (lazily, on the user's next request).
import type { Gaussian, Observations, PrefCore } from "../../core/types.ts";
import { covarianceOf } from "../../core/index.ts";
import { phiDifference } from "../../core/phi.ts";
import type { Db } from "../db/client.ts";
import { usersRepo } from "../db/repos/users.ts";
import type { PosteriorState, StoredUser } from "../domain.ts";
import { ApiError } from "../errors.ts";
import type { ResidentBasis } from "./bases.ts";

/** The observation cache: n rows of [label, z_1..z_J]. */
export function observationsOf(rows: Float64Array, J: number): Observations {
  const width = J + 1;
  const n = rows.length / width;
  const z = new Float64Array(n * J);
  const label = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    label[i] = rows[i * width];
    z.set(rows.subarray(i * width + 1, (i + 1) * width), i * J);
  }
  return { n, z, label, weight: new Float64Array(n).fill(1) };
}

export function appendObservation(rows: Float64Array, z: Float64Array, label: number): Float64Array {
  const out = new Float64Array(rows.length + 1 + z.length);
  out.set(rows);
  out[rows.length] = label;
  out.set(z, rows.length + 1);
  return out;
}

/** Nothing non-finite or non-positive-definite reaches storage. */
export function checkPosterior(g: Gaussian): void {
  const ok = g.mean.every(Number.isFinite) && g.precisionChol.every(Number.isFinite);
  let pd = ok;
  for (let j = 0; pd && j < g.J; j++) pd = g.precisionChol[j * g.J + j] > 0;
  if (!pd) throw new ApiError(500, "internal", "posterior update produced a non-finite or non-positive-definite result; nothing was stored");
}

/** Marginal posterior sd of each weight: sqrt(diag(H^-1)). */
export function marginalSd(g: Gaussian): number[] {
  const cov = covarianceOf(g);
  return Array.from({ length: g.J }, (_, j) => Math.sqrt(cov[j * g.J + j]));
}

export const storedGaussian = (u: StoredUser): Gaussian => ({ J: u.J, mean: u.mean, precisionChol: u.precisionChol });

const CHUNK = 64; // embeddings per core.project call

/** The exact Laplace fit, from the basis's prior, of a log given as raw embeddings; and its observation rows. */
export function refitEntries(core: PrefCore, basis: ResidentBasis, log: readonly { chosen: Float64Array; rejected: Float64Array; label: number }[]) {
  const { d, J } = basis;
  const n = log.length;
  const rows = new Float64Array(n * (J + 1));
  for (let start = 0; start < n; start += CHUNK / 2) {
    const m = Math.min(CHUNK / 2, n - start);
    const E = new Float64Array(2 * m * d);
    for (let i = 0; i < m; i++) {
      const f = log[start + i];
      for (const [k, v] of [f.chosen, f.rejected].entries()) {
        if (v.length !== d)
          throw ApiError.conflict("embedder_mismatch", `stored feedback has embeddings of length ${v.length}; basis ${basis.id} expects d=${d}`);
        E.set(v, (2 * i + k) * d);
      }
    }
    const phi = core.project(basis.id, E, 2 * m);
    for (let i = 0; i < m; i++) {
      const row = (start + i) * (J + 1);
      rows[row] = log[start + i].label;
      phiDifference(phi, J, 2 * i, 2 * i + 1, rows, row + 1);
    }
  }
  const fit = n === 0 ? { posterior: basis.prior } : core.fitPosterior(basis.prior, observationsOf(rows, J));
  checkPosterior(fit.posterior);
  return { mean: fit.posterior.mean, precisionChol: fit.posterior.precisionChol, rows };
}

/**
 * Rebuilds a user's observations in `basis`'s space from the raw log and refits from the
 * basis's prior. Exact: the same posterior as if every comparison had arrived under this basis.
 */
export async function refitFromLog(db: Db, core: PrefCore, tenantId: string, userId: string, basis: ResidentBasis) {
  const log = await usersRepo.logQuery(db, tenantId, userId);
  const n = log.length;
  const fit = refitEntries(core, basis, log);
  const state: PosteriorState = {
    basisId: basis.id,
    J: basis.J,
    mean: fit.mean,
    precisionChol: fit.precisionChol,
    observations: fit.rows,
    feedbackCount: n,
  };
  return { state, logHead: n === 0 ? null : log[n - 1].seq };
}

export interface CurrentPosterior {
  posterior: Gaussian;
  /** Present when asked for (feedback) or when re-fitted. */
  observations: Float64Array | null;
  feedbackCount: number;
  /** The user's newest log seq, when the observations are present (what a guarded write of them expects). */
  logHead: number | null;
}

/**
 * The user's posterior under `basis`: the prior for an unknown user, the stored row if it is in this basis, else a
 * re-fit from the log (stored back with the version check; losing that race is harmless, the winner wrote the same).
 */
export async function currentPosterior(
  db: Db,
  core: PrefCore,
  tenantId: string,
  userId: string,
  user: StoredUser | null,
  basis: ResidentBasis,
  { persist = true }: { persist?: boolean } = {},
): Promise<CurrentPosterior> {
  if (!user) return { posterior: basis.prior, observations: new Float64Array(0), feedbackCount: 0, logHead: null };
  if (user.basisId === basis.id)
    return { posterior: storedGaussian(user), observations: user.observations, feedbackCount: user.feedbackCount, logHead: user.logHead };
  const { state, logHead } = await refitFromLog(db, core, tenantId, userId, basis);
  // The feedback path folds this into its own guarded write instead (persist: false).
  if (persist) await usersRepo.write(db, tenantId, userId, { version: user.version, logHead }, state, Date.now());
  return {
    posterior: { J: state.J, mean: state.mean, precisionChol: state.precisionChol },
    observations: state.observations,
    feedbackCount: state.feedbackCount,
    logHead,
  };
}
