// The contract of the numeric core. Two implementations honour it: the WASM core (core/wasm-core.ts,
// used by the Worker and the Node tools) and the plain-TypeScript reference (core/reference.ts, used to
// check the WASM and as the benchmark's baseline). All matrices are row-major Float64Arrays.

/** Integer status codes shared with assembly/ (the WASM never throws; the facade turns these into CoreError). */
export const Status = {
  OK: 0,
  BAD_DIMENSION: 1,
  NON_FINITE: 2,
  NOT_POSITIVE_DEFINITE: 3,
  EMPTY: 4,
  TOO_MANY: 5,
  NO_BASIS: 6,
  NOT_CONVERGED: 7,
  NO_PAIR: 8,
  OUT_OF_MEMORY: 9,
  /** A value outside its domain: a label outside [0, 1], a negative weight, a bad option or seed. */
  OUT_OF_RANGE: 10,
} as const;
export type StatusCode = (typeof Status)[keyof typeof Status];

export const statusName = (code: number): string =>
  (Object.keys(Status) as (keyof typeof Status)[]).find((k) => Status[k] === code) ?? `STATUS_${code}`;

/** A numeric failure or a bad input caught by the core. `field` names the offending input. */
export class CoreError extends Error {
  constructor(
    readonly status: StatusCode,
    readonly field: string,
    message?: string,
  ) {
    super(message ?? `${statusName(status)} in ${field}`);
    this.name = "CoreError";
  }
}

/** Most candidates a single rank / select call accepts. */
export const MAX_CANDIDATES = 64;

/** The part of a basis artifact the core needs: phi(x, y) = W e(x, y), W in R^{J x d}. */
export interface BasisMatrix {
  id: string;
  J: number;
  d: number;
  /** J * d, row-major: row j is base reward j's weight vector over the embedding. */
  W: Float64Array;
}

/**
 * A Gaussian belief over a user's weights lambda in R^J, kept as mean and the lower Cholesky factor L of the
 * precision H = L L^T (so the covariance is H^-1). Priors and posteriors share this shape.
 */
export interface Gaussian {
  J: number;
  mean: Float64Array;
  /** J * J, row-major, lower triangular (entries above the diagonal are zero). */
  precisionChol: Float64Array;
}

/**
 * Pairwise observations in base-reward space: z_i = phi(x, a_i) - phi(x, b_i), label_i in [0, 1]
 * (1 = a preferred, 0 = b preferred, 0.5 = tie, any value in between = soft label), weight_i >= 0
 * (per-observation importance; 0 ignores the observation).
 */
export interface Observations {
  n: number;
  z: Float64Array; // n * J
  label: Float64Array; // n
  weight: Float64Array; // n
}

export interface FitOptions {
  /** Newton start; defaults to the prior mean. Warm-starting from the previous posterior makes refits cheap. */
  init?: Float64Array;
  maxIterations?: number; // default 50
  /** Stop when the Newton decrement (g^T H^-1 g) falls below this. Default 1e-20 (i.e. to round-off). */
  tolerance?: number;
}

export interface FitResult {
  posterior: Gaussian;
  iterations: number;
  /** Euclidean norm of the gradient of the negative log posterior at the returned mean. */
  gradientNorm: number;
  /**
   * False when maxIterations ran out before the stopping rule held (the result is still a finite, valid Gaussian at
   * the last iterate). A line search that cannot make progress far from the optimum throws NOT_CONVERGED instead.
   */
  converged: boolean;
}

export interface Scores {
  /** lambda . phi per candidate. */
  mean: Float64Array;
  /** sqrt(phi^T H^-1 phi) per candidate (posterior sd of the reward). */
  sd: Float64Array;
}

export type PairCriterion = "pref" | "infogain";

export interface PairChoice {
  a: number;
  b: number;
  /** The criterion's value for the chosen pair. */
  value: number;
  /** Predictive mean m = lambda . z and variance s2 = z^T H^-1 z of the chosen pair, z = phi_a - phi_b. */
  mean: number;
  variance: number;
}

/** Limits of decodeEmbeddingArrays: an array longer than maxDims or with a value beyond +-maxAbs is not decoded. */
export interface DecodeLimits {
  maxDims: number;
  maxAbs: number;
}

/** The `"embedding": [numbers]` arrays decoded from a JSON body. */
export interface DecodedEmbeddings {
  /** Every decoded value, array after array. */
  values: Float64Array;
  /**
   * SPAN_INTS integers per decoded array, in body order: the byte offset of its '[', the byte offset just past its
   * ']', the offset of its first value in `values`, and its length.
   */
  spans: Int32Array;
}
export const SPAN_INTS = 4;

export interface PrefCore {
  readonly kind: "wasm" | "reference";

  /** Makes a basis resident (keyed by id; a second load of the same id is a no-op). */
  loadBasis(basis: BasisMatrix): void;
  hasBasis(id: string): boolean;
  /** Frees a resident basis (its memory is reused by later loads). Returns false if it was not resident. */
  unloadBasis(id: string): boolean;

  /** phi = W e for n embeddings (n * d, row-major) -> n * J. */
  project(basisId: string, embeddings: ArrayLike<number>, n: number): Float64Array;

  /** Mean and sd of each candidate's reward under the posterior, n <= MAX_CANDIDATES (embeddings copied in once). */
  score(basisId: string, posterior: Gaussian, embeddings: ArrayLike<number>, n: number): Scores;

  /** The folded per-user vector W^T lambda (length d): ranking by the mean then costs d multiply-adds per candidate. */
  fold(basisId: string, lambda: Float64Array): Float64Array;
  /** folded . e for n embeddings. */
  scoreFolded(folded: Float64Array, embeddings: ArrayLike<number>, n: number): Float64Array;

  /**
   * Laplace posterior: MAP of Bradley-Terry + Gaussian prior by damped Newton (Armijo backtracking), with the
   * Cholesky factor of H = sum_i w_i s'(m_i) z_i z_i^T + H0 at the MAP. If H is not numerically positive definite,
   * a small diagonal jitter (1e-12 .. 1e-3 of its largest diagonal entry) is added and kept in the factor.
   * Never returns NaN/Inf: numerical failure throws NON_FINITE / NOT_POSITIVE_DEFINITE / NOT_CONVERGED on "obs".
   */
  fitPosterior(prior: Gaussian, obs: Observations, options?: FitOptions): FitResult;

  /**
   * Cheap online step (O(J^2), no pass over past observations): the exact Laplace approximation of
   * current x (likelihood of this one observation), i.e. assumed-density filtering with a Laplace projection.
   * The MAP lies on the line mean + t H^-1 z, so it reduces to a scalar equation in the margin solved to round-off,
   * and the precision gains w s'(m*) z z^T at the new MAP (a rank-one Cholesky update).
   * It equals fitPosterior(current, that one observation). After several steps it differs from the batch Laplace
   * fit over all observations from the original prior, because each step's curvature stays frozen at the MAP of its
   * own time; fitPosterior over all observations (warm-started from current.mean) is the exact refit.
   */
  addObservation(current: Gaussian, z: Float64Array, label: number, weight: number): Gaussian;

  /**
   * Best pair among n candidates (phi: n * J, n <= 64) by the criterion, skipping excluded pairs.
   * exclude: optional n * n mask (nonzero at [a * n + b] or [b * n + a] = already asked). Returns null when no pair is left.
   */
  selectPair(posterior: Gaussian, phi: Float64Array, n: number, criterion: PairCriterion, exclude?: Uint8Array): PairChoice | null;

  /**
   * One Thompson draw lambda ~ N(mean, H^-1), reproducible for a seed (any integer, taken mod 2^32): bit-identical
   * between the WASM and the reference core (core/prng.ts).
   */
  samplePosterior(posterior: Gaussian, seed: number): Float64Array;

  /**
   * Decodes the `"embedding": [numbers]` arrays of a UTF-8 JSON body. Only arrays whose every value it can compute
   * exactly as JSON.parse would (Clinger's fast path: an integer mantissa of at most 2^53 and at most 19 digits,
   * a power of ten within +-22) and that respect the limits are decoded; everything else is left for JSON.parse.
   * Never throws on any body: one it does not understand simply yields no spans.
   */
  decodeEmbeddingArrays(body: Uint8Array, limits: DecodeLimits): DecodedEmbeddings;
}
