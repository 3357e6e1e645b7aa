// The D1 store's write of one comparison: predict it (progressive validation), refit exactly over the user's
// observations (warm-started), and write posterior + log row + rollup in one guarded batch (db/repos/users.ts).
// Null when the guard lost (someone else wrote the user first): the caller re-reads and retries.
import { phiDifference } from "../../core/phi.ts";
import type { Gaussian, PrefCore } from "../../core/types.ts";
import type { Db } from "../db/client.ts";
import { usersRepo, type ExpectedRow, type SessionCheck, type Written } from "../db/repos/users.ts";
import { HASH_SCHEMES } from "../db/schema.ts";
import type { PosteriorState, TenantInfo } from "../domain.ts";
import { dayOf } from "../limits/quota.ts";
import { metricsIncrement, predictComparison } from "../metrics/progressive.ts";
import type { ResidentBasis } from "../services/bases.ts";
import { appendObservation, checkPosterior, observationsOf } from "../services/posterior.ts";
import type { ComparisonInput } from "./user-store.ts";

/** The user's state as stored, which the comparison is added to. */
export interface StoredState {
  /** The posterior before this comparison: it predicts the comparison first, and its mean warm-starts the refit. */
  posterior: Gaussian;
  observations: Float64Array;
  feedbackCount: number;
  /** The row the write must replace. */
  expected: ExpectedRow;
}

export async function writeComparisonD1(
  db: Db,
  core: PrefCore,
  tenant: TenantInfo,
  basis: ResidentBasis,
  stored: StoredState,
  input: ComparisonInput,
  session?: SessionCheck,
): Promise<{ state: PosteriorState; written: Written } | null> {
  const { d, J } = basis;
  const { E, label } = input;
  const z = phiDifference(core.project(basis.id, E, 2), J, 0, 1);
  const prediction = predictComparison(stored.posterior, basis.prior, z, label);
  const rows = appendObservation(stored.observations, z, label);
  const fit = core.fitPosterior(basis.prior, observationsOf(rows, J));
  checkPosterior(fit.posterior);
  const state: PosteriorState = { basisId: basis.id, J, mean: fit.posterior.mean, precisionChol: fit.posterior.precisionChol, observations: rows, feedbackCount: stored.feedbackCount + 1 };
  const log = {
    id: input.id,
    tenantId: tenant.id,
    userId: input.userId,
    promptHash: input.promptHash,
    chosen: E.slice(0, d),
    rejected: E.slice(d, 2 * d),
    chosenHash: input.chosenHash,
    rejectedHash: input.rejectedHash,
    embedderId: tenant.embedderId,
    label,
    eventId: input.eventId,
    idempotencyKey: input.idempotencyKey,
    requestHash: input.requestHash,
    hashScheme: HASH_SCHEMES.keyed,
    basisId: basis.id,
    createdAt: input.now,
    pPersonal: prediction.personal,
    pPopulation: prediction.population,
    feedbackCountBefore: stored.feedbackCount,
  };
  const metrics = { day: dayOf(input.now), increment: metricsIncrement(prediction, label, stored.feedbackCount) };
  const written = await usersRepo.write(db, tenant.id, input.userId, stored.expected, state, input.now, log, session, metrics, tenant.userStore);
  return written ? { state, written } : null;
}
