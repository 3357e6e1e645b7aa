// Input checks shared by both cores so they fail identically. Shape checks (lengths, counts, options) run in
// TypeScript for both; value checks (finite, ranges, positive definite) run here for the reference and inside the
// WASM for the WASM core, in the same order: shapes first, then values in argument order.
import {
  type BasisMatrix,
  CoreError,
  type DecodeLimits,
  type FitOptions,
  type Gaussian,
  MAX_CANDIDATES,
  type Observations,
  type PairCriterion,
  Status,
  type StatusCode,
} from "./types.ts";

export const fail = (status: StatusCode, field: string, message?: string): never => {
  throw new CoreError(status, field, message);
};

const isCount = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n >= 0;

/** A number of candidates: a non-negative integer, at least 1 (EMPTY), at most max (TOO_MANY). */
export function checkCandidateCount(n: number, max = Infinity, field = "n"): void {
  if (!isCount(n)) fail(Status.BAD_DIMENSION, field, `${field} must be a non-negative integer, got ${n}`);
  if (n === 0) fail(Status.EMPTY, field, "no candidates");
  if (n > max) fail(Status.TOO_MANY, field, `${n} candidates, at most ${max}`);
}

export function checkLength(arr: ArrayLike<unknown> | undefined | null, expected: number, field: string): void {
  const got = arr == null || typeof arr.length !== "number" ? undefined : arr.length;
  if (got !== expected) fail(Status.BAD_DIMENSION, field, `${field} has length ${got}, expected ${expected}`);
}

export function checkBasisShape(basis: BasisMatrix): void {
  if (typeof basis?.id !== "string" || basis.id === "") fail(Status.OUT_OF_RANGE, "basis.id", "basis id must be a non-empty string");
  if (!isCount(basis.J) || basis.J === 0) fail(Status.BAD_DIMENSION, "basis.J", `basis.J must be a positive integer, got ${basis.J}`);
  if (!isCount(basis.d) || basis.d === 0) fail(Status.BAD_DIMENSION, "basis.d", `basis.d must be a positive integer, got ${basis.d}`);
  checkLength(basis.W, basis.J * basis.d, "basis.W");
}

/** A Gaussian's J and array lengths; `J` (e.g. the basis's) must match when given. */
export function checkGaussianShape(g: Gaussian, role: string, J?: number): void {
  if (g == null || !isCount(g.J) || g.J === 0) fail(Status.BAD_DIMENSION, `${role}.J`, `${role}.J must be a positive integer`);
  if (J !== undefined && g.J !== J) fail(Status.BAD_DIMENSION, `${role}.J`, `${role}.J is ${g.J}, expected ${J}`);
  checkLength(g.mean, g.J, `${role}.mean`);
  checkLength(g.precisionChol, g.J * g.J, `${role}.precisionChol`);
}

/** n, and z / label / weight lengths of a batch of observations in J dimensions. */
export function checkObservationsShape(obs: Observations, J: number): void {
  if (obs == null || typeof obs.n !== "number" || !Number.isInteger(obs.n) || obs.n < 0)
    fail(Status.BAD_DIMENSION, "obs.n", "obs.n must be a non-negative integer");
  checkLength(obs.z, obs.n * J, "obs.z");
  checkLength(obs.label, obs.n, "obs.label");
  checkLength(obs.weight, obs.n, "obs.weight");
}

export interface ResolvedFitOptions {
  init?: Float64Array;
  maxIterations: number;
  tolerance: number;
}

export const DEFAULT_MAX_ITERATIONS = 50;
export const DEFAULT_TOLERANCE = 1e-20;

export function resolveFitOptions(options: FitOptions | undefined, J: number): ResolvedFitOptions {
  const maxIterations = options?.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  const tolerance = options?.tolerance ?? DEFAULT_TOLERANCE;
  if (!isCount(maxIterations) || maxIterations > 1_000_000)
    fail(Status.OUT_OF_RANGE, "options.maxIterations", "maxIterations must be an integer in [0, 1e6]");
  if (typeof tolerance !== "number" || !(tolerance >= 0) || tolerance === Infinity)
    fail(Status.OUT_OF_RANGE, "options.tolerance", "tolerance must be finite and >= 0");
  if (options?.init !== undefined) checkLength(options.init, J, "options.init");
  return { init: options?.init, maxIterations, tolerance };
}

/** 0 = "pref", 1 = "infogain": the code both cores use internally. */
export function criterionCode(criterion: PairCriterion): 0 | 1 {
  if (criterion === "pref") return 0;
  if (criterion === "infogain") return 1;
  return fail(Status.OUT_OF_RANGE, "criterion", `unknown criterion ${String(criterion)}`);
}

export function checkSeed(seed: number): void {
  if (typeof seed !== "number" || !Number.isInteger(seed)) fail(Status.OUT_OF_RANGE, "seed", "seed must be an integer");
}

export function checkScalarType(x: number, field: string): void {
  if (typeof x !== "number") fail(Status.BAD_DIMENSION, field, `${field} must be a number`);
}

/** The body is bytes; maxDims a positive integer; maxAbs a positive number (a programming error otherwise). */
export function checkDecodeInput(body: Uint8Array, limits: DecodeLimits): void {
  if (!(body instanceof Uint8Array)) fail(Status.BAD_DIMENSION, "body", "body must be a Uint8Array");
  if (!isCount(limits?.maxDims) || limits.maxDims === 0) fail(Status.OUT_OF_RANGE, "limits.maxDims", "maxDims must be a positive integer");
  if (!(typeof limits.maxAbs === "number" && limits.maxAbs > 0)) fail(Status.OUT_OF_RANGE, "limits.maxAbs", "maxAbs must be a positive number");
}

/**
 * Room both cores give decodeEmbeddingArrays for a body of `bytes` bytes: it can never run out. A value takes at
 * least two bytes with its separator ("0,", "0]"), and an array at least 15 (`"embedding":[0]`).
 */
export const decodeCapacity = (bytes: number) => ({ values: Math.ceil(bytes / 2), spans: Math.floor(bytes / 15) + 1 });

// ---- value checks (the reference core's; the WASM makes the same ones) ----

export function checkFinite(arr: ArrayLike<number>, field: string): void {
  for (let i = 0; i < arr.length; i++) {
    const x = arr[i];
    if (x - x !== 0) fail(Status.NON_FINITE, field, `${field}[${i}] is ${x}`);
  }
}

/** Mean and factor finite, factor diagonal > 0 (so L L^T is positive definite). */
export function checkGaussianValues(g: Gaussian, role: string): void {
  checkFinite(g.mean, `${role}.mean`);
  checkFinite(g.precisionChol, `${role}.precisionChol`);
  for (let i = 0; i < g.J; i++) {
    if (!(g.precisionChol[i * g.J + i] > 0))
      fail(Status.NOT_POSITIVE_DEFINITE, `${role}.precisionChol`, `diagonal entry ${i} is not positive`);
  }
}

/** Soft labels in [0, 1]. */
export function checkLabels(arr: ArrayLike<number>, field: string): void {
  checkFinite(arr, field);
  for (let i = 0; i < arr.length; i++) if (!(arr[i] >= 0 && arr[i] <= 1)) fail(Status.OUT_OF_RANGE, field, `${field}[${i}] is outside [0, 1]`);
}

/** Observation weights >= 0. */
export function checkWeights(arr: ArrayLike<number>, field: string): void {
  checkFinite(arr, field);
  for (let i = 0; i < arr.length; i++) if (!(arr[i] >= 0)) fail(Status.OUT_OF_RANGE, field, `${field}[${i}] is negative`);
}

export { MAX_CANDIDATES };
