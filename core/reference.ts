// The plain-TypeScript core: the same operations, algorithms, validation and errors as the WASM core.
// It checks the WASM in tests and is the benchmark's baseline.
import { bestPair } from "./reference/acquire.ts";
import { fitLaplace } from "./reference/laplace.ts";
import { laplaceOneObservation } from "./reference/online.ts";
import { dotEach, foldLambda, meanAndSd, projectAll } from "./reference/reward.ts";
import { thompsonDraw } from "./reference/sample.ts";
import { decodeEmbeddingArraysReference } from "./reference/decode.ts";
import type {
  BasisMatrix, DecodedEmbeddings, DecodeLimits, FitOptions, FitResult, Gaussian, Observations, PairChoice, PairCriterion, PrefCore, Scores,
} from "./types.ts";
import { MAX_CANDIDATES, Status } from "./types.ts";
import {
  checkBasisShape, checkCandidateCount, checkDecodeInput, decodeCapacity, checkObservationsShape, checkFinite, checkGaussianShape, checkGaussianValues, checkLabels, checkLength,
  checkScalarType, checkSeed, checkWeights, criterionCode, fail, resolveFitOptions,
} from "./validate.ts";

export class ReferenceCore implements PrefCore {
  readonly kind = "reference" as const;
  private readonly bases = new Map<string, BasisMatrix>();

  loadBasis(basis: BasisMatrix): void {
    checkBasisShape(basis);
    if (this.bases.has(basis.id)) return;
    checkFinite(basis.W, "basis.W");
    this.bases.set(basis.id, { id: basis.id, J: basis.J, d: basis.d, W: Float64Array.from(basis.W) });
  }

  hasBasis(id: string): boolean {
    return this.bases.has(id);
  }

  unloadBasis(id: string): boolean {
    return this.bases.delete(id);
  }

  private basis(id: string): BasisMatrix {
    return this.bases.get(id) ?? fail(Status.NO_BASIS, "basisId", `basis ${id} is not loaded`);
  }

  project(basisId: string, embeddings: ArrayLike<number>, n: number): Float64Array {
    const basis = this.basis(basisId);
    checkCandidateCount(n);
    checkLength(embeddings, n * basis.d, "embeddings");
    checkFinite(embeddings, "embeddings");
    const phi = projectAll(basis, embeddings, n);
    checkFinite(phi, "embeddings"); // overflow of finite inputs
    return phi;
  }

  score(basisId: string, posterior: Gaussian, embeddings: ArrayLike<number>, n: number): Scores {
    const basis = this.basis(basisId);
    checkGaussianShape(posterior, "posterior", basis.J);
    checkCandidateCount(n, MAX_CANDIDATES);
    checkLength(embeddings, n * basis.d, "embeddings");
    checkGaussianValues(posterior, "posterior");
    checkFinite(embeddings, "embeddings");
    const scores = meanAndSd(posterior, projectAll(basis, embeddings, n), n);
    checkFinite(scores.mean, "embeddings");
    checkFinite(scores.sd, "embeddings");
    return scores;
  }

  fold(basisId: string, lambda: Float64Array): Float64Array {
    const basis = this.basis(basisId);
    checkLength(lambda, basis.J, "lambda");
    checkFinite(lambda, "lambda");
    const folded = foldLambda(basis, lambda);
    checkFinite(folded, "lambda");
    return folded;
  }

  scoreFolded(folded: Float64Array, embeddings: ArrayLike<number>, n: number): Float64Array {
    if (folded == null || folded.length === 0) fail(Status.BAD_DIMENSION, "folded", "folded must be a non-empty vector");
    checkCandidateCount(n);
    checkLength(embeddings, n * folded.length, "embeddings");
    checkFinite(folded, "folded");
    checkFinite(embeddings, "embeddings");
    const out = dotEach(folded, embeddings, n);
    checkFinite(out, "embeddings");
    return out;
  }

  fitPosterior(prior: Gaussian, obs: Observations, options?: FitOptions): FitResult {
    checkGaussianShape(prior, "prior");
    const J = prior.J;
    checkObservationsShape(obs, J);
    const opts = resolveFitOptions(options, J);
    checkGaussianValues(prior, "prior");
    checkFinite(obs.z, "obs.z");
    checkLabels(obs.label, "obs.label");
    checkWeights(obs.weight, "obs.weight");
    if (opts.init) checkFinite(opts.init, "options.init");
    return fitLaplace(prior, obs, opts.init, opts.maxIterations, opts.tolerance);
  }

  addObservation(current: Gaussian, z: Float64Array, label: number, weight: number): Gaussian {
    checkGaussianShape(current, "current");
    checkLength(z, current.J, "z");
    checkScalarType(label, "label");
    checkScalarType(weight, "weight");
    checkGaussianValues(current, "current");
    checkFinite(z, "z");
    checkLabels([label], "label");
    checkWeights([weight], "weight");
    return laplaceOneObservation(current, z, label, weight);
  }

  selectPair(
    posterior: Gaussian, phi: Float64Array, n: number, criterion: PairCriterion, exclude?: Uint8Array,
  ): PairChoice | null {
    checkGaussianShape(posterior, "posterior");
    checkCandidateCount(n, MAX_CANDIDATES);
    checkLength(phi, n * posterior.J, "phi");
    if (exclude !== undefined) checkLength(exclude, n * n, "exclude");
    const code = criterionCode(criterion);
    checkGaussianValues(posterior, "posterior");
    checkFinite(phi, "phi");
    return bestPair(posterior, phi, n, code === 1, exclude);
  }

  samplePosterior(posterior: Gaussian, seed: number): Float64Array {
    checkGaussianShape(posterior, "posterior");
    checkSeed(seed);
    checkGaussianValues(posterior, "posterior");
    return thompsonDraw(posterior, seed);
  }

  decodeEmbeddingArrays(body: Uint8Array, limits: DecodeLimits): DecodedEmbeddings {
    checkDecodeInput(body, limits);
    return decodeEmbeddingArraysReference(body, limits, decodeCapacity(body.length));
  }
}

export const createReferenceCore = (): PrefCore => new ReferenceCore();
