// Helpers around the Gaussian belief (mean + lower Cholesky factor of the precision H), for priors built from a
// covariance (the population prior mu0, Sigma0), for reading a posterior back as a covariance, and the predictive
// of one comparison.
import { backSolveTransposed, cholesky, dot, forwardSolve, invertLower, lowerTimesTranspose } from "./linalg.ts";
import { sigmoid } from "./logistic.ts";
import { type Gaussian, Status } from "./types.ts";
import { checkFinite, checkGaussianShape, checkGaussianValues, checkLength, fail } from "./validate.ts";

function symmetricCholesky(A: Float64Array, J: number, field: string): Float64Array {
  const L = new Float64Array(J * J);
  if (!cholesky(A, L, J)) fail(Status.NOT_POSITIVE_DEFINITE, field, `${field} is not positive definite`);
  return L;
}

/** N(mean, precision^-1): factors the precision (J x J, symmetric positive definite). */
export function gaussianFromPrecision(mean: Float64Array, precision: Float64Array): Gaussian {
  const J = mean.length;
  if (J === 0) fail(Status.BAD_DIMENSION, "mean", "mean must not be empty");
  checkLength(precision, J * J, "precision");
  checkFinite(mean, "mean");
  checkFinite(precision, "precision");
  return { J, mean: Float64Array.from(mean), precisionChol: symmetricCholesky(precision, J, "precision") };
}

/**
 * N(mean, covariance): the precision's factor from the covariance's. With Sigma = C C^T, H = C^-T C^-1;
 * H is formed from C^-1 and factored again (J is small, and this runs once per basis).
 */
export function gaussianFromCovariance(mean: Float64Array, covariance: Float64Array): Gaussian {
  const J = mean.length;
  if (J === 0) fail(Status.BAD_DIMENSION, "mean", "mean must not be empty");
  checkLength(covariance, J * J, "covariance");
  checkFinite(mean, "mean");
  checkFinite(covariance, "covariance");
  const C = symmetricCholesky(covariance, J, "covariance");
  const Cinv = new Float64Array(J * J);
  invertLower(C, J, Cinv);
  // H[i][k] = sum_r Cinv[r][i] Cinv[r][k] (only r >= max(i, k) is non-zero).
  const H = new Float64Array(J * J);
  for (let i = 0; i < J; i++) {
    for (let k = 0; k <= i; k++) {
      let s = 0;
      for (let r = i; r < J; r++) s += Cinv[r * J + i] * Cinv[r * J + k];
      H[i * J + k] = s;
      H[k * J + i] = s;
    }
  }
  return { J, mean: Float64Array.from(mean), precisionChol: symmetricCholesky(H, J, "covariance") };
}

/** The covariance H^-1 = L^-T L^-1 (J x J, symmetric). */
export function covarianceOf(g: Gaussian): Float64Array {
  checkGaussianShape(g, "gaussian");
  checkGaussianValues(g, "gaussian");
  const { J } = g;
  const Linv = new Float64Array(J * J);
  invertLower(g.precisionChol, J, Linv);
  const S = new Float64Array(J * J);
  for (let i = 0; i < J; i++) {
    for (let k = 0; k <= i; k++) {
      let s = 0;
      for (let r = i; r < J; r++) s += Linv[r * J + i] * Linv[r * J + k];
      S[i * J + k] = s;
      S[k * J + i] = s;
    }
  }
  return S;
}

/** The precision H = L L^T (J x J, symmetric). */
export function precisionOf(g: Gaussian): Float64Array {
  checkGaussianShape(g, "gaussian");
  const H = new Float64Array(g.J * g.J);
  lowerTimesTranspose(g.precisionChol, g.J, H);
  return H;
}

export interface Predictive {
  /** lambda_hat . z */
  mean: number;
  /** z^T H^-1 z */
  variance: number;
  /** P(a > b) ~ sigmoid(m / sqrt(1 + pi s2 / 8)) (probit approximation of the logistic-Gaussian integral). */
  probability: number;
}

/** Predictive of one comparison z = phi_a - phi_b under the belief g. */
export function predictive(g: Gaussian, z: ArrayLike<number>): Predictive {
  checkGaussianShape(g, "gaussian");
  checkLength(z, g.J, "z");
  const { J } = g;
  const mean = dot(g.mean, 0, z, 0, J);
  const u = new Float64Array(J);
  forwardSolve(g.precisionChol, J, z, 0, u, 0);
  const variance = dot(u, 0, u, 0, J);
  return { mean, variance, probability: sigmoid(mean / Math.sqrt(1 + (Math.PI * variance) / 8)) };
}

/** H^-1 v (J) through two triangular solves. */
export function solvePrecision(g: Gaussian, v: ArrayLike<number>): Float64Array {
  checkGaussianShape(g, "gaussian");
  checkLength(v, g.J, "v");
  const x = new Float64Array(g.J);
  forwardSolve(g.precisionChol, g.J, v, 0, x, 0);
  backSolveTransposed(g.precisionChol, g.J, x, 0);
  return x;
}

/** An isotropic prior N(0, variance I) in J dimensions: a starting point when no population prior exists. */
export function isotropicGaussian(J: number, variance = 1): Gaussian {
  if (!Number.isInteger(J) || J <= 0) fail(Status.BAD_DIMENSION, "J", "J must be a positive integer");
  if (!(variance > 0) || variance === Infinity) fail(Status.OUT_OF_RANGE, "variance", "variance must be positive");
  const L = new Float64Array(J * J);
  const diag = 1 / Math.sqrt(variance);
  for (let i = 0; i < J; i++) L[i * J + i] = diag;
  return { J, mean: new Float64Array(J), precisionChol: L };
}

/**
 * The belief about mu0 + w (lambda - mu0) for lambda ~ g, 0 < w <= 1: a user's deviation from the prior mean,
 * trusted to the fraction w. The mean moves towards mu0 and every sd scales by w (the precision's factor by 1 / w).
 */
export function shrinkTowards(g: Gaussian, mu0: Float64Array, w: number): Gaussian {
  if (!(w > 0 && w <= 1)) fail(Status.OUT_OF_RANGE, "weight", "the deviation weight must be in (0, 1]");
  checkLength(mu0, g.J, "mu0");
  if (w === 1) return g;
  return {
    J: g.J,
    mean: g.mean.map((m, j) => mu0[j] + w * (m - mu0[j])),
    precisionChol: g.precisionChol.map((v) => v / w),
  };
}

