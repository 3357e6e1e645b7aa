// The flat export surface of the numeric core over linear memory (see arena.ts for the layout).
// Every operation: the facade copies inputs into the scratch arena, calls one export with pointers, reads the
// outputs back. Each returns a status (status.ts); on failure lastFailedInput() names the offending input.
// Array lengths are checked by the facade (core/validate.ts); values (finite, ranges, positive definite,
// candidate counts) are checked here, in argument order, before anything is computed.
import { allFinite, allWithin, positiveDiagonal } from "./checks";
import { arenaAllocF64 } from "./arena";
import { fitLaplace } from "./laplace";
import { addObservationInto } from "./online";
import { foldInto, meanAndSd, projectInto, scoreFoldedInto } from "./reward";
import { selectPairInto } from "./acquire";
import { sampleInto } from "./sample";
import {
  EMPTY, IN_CHOL, IN_EMBEDDINGS, IN_FOLDED, IN_INIT, IN_LABEL, IN_LAMBDA, IN_MEAN, IN_N, IN_PHI, IN_WEIGHT, IN_Z,
  MAX_CANDIDATES, NON_FINITE, NOT_POSITIVE_DEFINITE, OK, OUT_OF_MEMORY, OUT_OF_RANGE, TOO_MANY, clearFailure, fail,
} from "./status";

export { arenaAlloc, arenaReset, ensureMemory, heapStart } from "./arena";
export { lastFailedInput } from "./status";
/** Body decoding (decode.ts): returns the number of embedding arrays decoded; it cannot fail (what it does not
 * accept is left for JSON.parse), so it is the one export without a status. */
export { decodeEmbeddingArrays } from "./decode";

/** Status of a Gaussian (mean, lower precision factor) already in memory. */
function checkGaussian(J: i32, mean: usize, chol: usize): i32 {
  if (!allFinite(mean, J)) return fail(NON_FINITE, IN_MEAN);
  if (!allFinite(chol, J * J)) return fail(NON_FINITE, IN_CHOL);
  if (!positiveDiagonal(chol, J)) return fail(NOT_POSITIVE_DEFINITE, IN_CHOL);
  return OK;
}

function checkCandidates(n: i32, limit: i32): i32 {
  if (n <= 0) return fail(EMPTY, IN_N);
  if (n > limit) return fail(TOO_MANY, IN_N);
  return OK;
}

/** NON_FINITE if any of count f64s at p is NaN or +-Inf (used for basis matrices as they are loaded). */
export function checkFinite(p: usize, count: i32): i32 {
  clearFailure();
  return allFinite(p, count) ? OK : NON_FINITE;
}

/** phi (n x J) = E W^T for n embeddings (n x d). */
export function project(W: usize, J: i32, d: i32, E: usize, n: i32, outPhi: usize): i32 {
  clearFailure();
  let s = checkCandidates(n, i32.MAX_VALUE);
  if (s != OK) return s;
  if (!allFinite(E, n * d)) return fail(NON_FINITE, IN_EMBEDDINGS);
  projectInto(W, J, d, E, n, outPhi);
  if (!allFinite(outPhi, n * J)) return fail(NON_FINITE, IN_EMBEDDINGS); // overflow of finite inputs
  return OK;
}

/** Mean lambda . phi_i and sd sqrt(phi_i^T H^-1 phi_i) of n <= 64 candidates' rewards. */
export function score(
  W: usize, J: i32, d: i32, mean: usize, chol: usize, E: usize, n: i32, outMean: usize, outSd: usize,
): i32 {
  clearFailure();
  let s = checkCandidates(n, MAX_CANDIDATES);
  if (s != OK) return s;
  s = checkGaussian(J, mean, chol);
  if (s != OK) return s;
  if (!allFinite(E, n * d)) return fail(NON_FINITE, IN_EMBEDDINGS);
  const phi = arenaAllocF64(n * J);
  const U = arenaAllocF64(n * J);
  if (phi == 0 || U == 0) return fail(OUT_OF_MEMORY, IN_EMBEDDINGS);
  projectInto(W, J, d, E, n, phi);
  meanAndSd(J, mean, chol, phi, n, outMean, outSd, U);
  if (!allFinite(outMean, n) || !allFinite(outSd, n)) return fail(NON_FINITE, IN_EMBEDDINGS);
  return OK;
}

/** folded (d) = W^T lambda. */
export function fold(W: usize, J: i32, d: i32, lambda: usize, outFolded: usize): i32 {
  clearFailure();
  if (!allFinite(lambda, J)) return fail(NON_FINITE, IN_LAMBDA);
  foldInto(W, J, d, lambda, outFolded);
  if (!allFinite(outFolded, d)) return fail(NON_FINITE, IN_LAMBDA);
  return OK;
}

/** out_i = folded . e_i for n embeddings. */
export function scoreFolded(folded: usize, d: i32, E: usize, n: i32, out: usize): i32 {
  clearFailure();
  let s = checkCandidates(n, i32.MAX_VALUE);
  if (s != OK) return s;
  if (!allFinite(folded, d)) return fail(NON_FINITE, IN_FOLDED);
  if (!allFinite(E, n * d)) return fail(NON_FINITE, IN_EMBEDDINGS);
  scoreFoldedInto(folded, d, E, n, out);
  if (!allFinite(out, n)) return fail(NON_FINITE, IN_EMBEDDINGS);
  return OK;
}

/** Laplace posterior by damped Newton (laplace.ts). init = 0: start at the prior mean. info = [iterations, |g|, converged]. */
export function fitPosterior(
  J: i32, priorMean: usize, priorChol: usize, n: i32, z: usize, label: usize, weight: usize, init: usize,
  maxIterations: i32, tolerance: f64, outMean: usize, outChol: usize, outInfo: usize,
): i32 {
  clearFailure();
  let s = checkGaussian(J, priorMean, priorChol);
  if (s != OK) return s;
  if (!allFinite(z, n * J)) return fail(NON_FINITE, IN_Z);
  if (!allFinite(label, n)) return fail(NON_FINITE, IN_LABEL);
  if (!allWithin(label, n, 0, 1)) return fail(OUT_OF_RANGE, IN_LABEL);
  if (!allFinite(weight, n)) return fail(NON_FINITE, IN_WEIGHT);
  if (!allWithin(weight, n, 0, Infinity)) return fail(OUT_OF_RANGE, IN_WEIGHT);
  if (init != 0 && !allFinite(init, J)) return fail(NON_FINITE, IN_INIT);
  return fitLaplace(J, priorMean, priorChol, n, z, label, weight, init, maxIterations, tolerance, outMean, outChol, outInfo);
}

/** The exact one-observation Laplace update of a Gaussian (online.ts). */
export function addObservation(
  J: i32, mean: usize, chol: usize, z: usize, label: f64, weight: f64, outMean: usize, outChol: usize,
): i32 {
  clearFailure();
  let s = checkGaussian(J, mean, chol);
  if (s != OK) return s;
  if (!allFinite(z, J)) return fail(NON_FINITE, IN_Z);
  if (!isFinite(label)) return fail(NON_FINITE, IN_LABEL);
  if (!(label >= 0 && label <= 1)) return fail(OUT_OF_RANGE, IN_LABEL);
  if (!isFinite(weight)) return fail(NON_FINITE, IN_WEIGHT);
  if (!(weight >= 0)) return fail(OUT_OF_RANGE, IN_WEIGHT);
  return addObservationInto(J, mean, chol, z, label, weight, outMean, outChol);
}

/** Best pair of n <= 64 candidates; criterion 0 = pref, 1 = infogain; exclude = 0 or an n x n byte mask. */
export function selectPair(
  J: i32, mean: usize, chol: usize, phi: usize, n: i32, criterion: i32, exclude: usize, outChoice: usize,
): i32 {
  clearFailure();
  let s = checkCandidates(n, MAX_CANDIDATES);
  if (s != OK) return s;
  s = checkGaussian(J, mean, chol);
  if (s != OK) return s;
  if (!allFinite(phi, n * J)) return fail(NON_FINITE, IN_PHI);
  return selectPairInto(J, mean, chol, phi, n, criterion == 1, exclude, outChoice);
}

/** One Thompson draw lambda ~ N(mean, H^-1) for a 32-bit seed. */
export function samplePosterior(J: i32, mean: usize, chol: usize, seed: u32, out: usize): i32 {
  clearFailure();
  const s = checkGaussian(J, mean, chol);
  if (s != OK) return s;
  return sampleInto(J, mean, chol, seed, out);
}
