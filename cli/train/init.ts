// The starting point of the joint fit: the paper's SVD initialisation (preference matrix -> targets -> ridge W), or
// a random start (the "no SVD init" ablation).
import { gaussian, makeRng } from "../rng.ts";
import type { PairObservations } from "./pairs.ts";
import { ridgeBasis } from "./ridge.ts";
import { type SvdInitMode, svdInit } from "./svd-init.ts";

export type InitMode = "svd" | "svd-centered" | "random";

export interface InitOptions {
  mode: InitMode;
  J: number;
  imputeRank: number;
  imputeIterations: number;
  ridge: number;
  seed: number;
  onStep?: () => void;
}

export interface InitResult {
  W: Float64Array;
  lambdas: Float64Array;
  info: Record<string, unknown>;
}

export function initialise(obs: PairObservations, dE: Float64Array, d: number, o: InitOptions): InitResult {
  const { J } = o;
  if (o.mode === "random") {
    const rng = makeRng(o.seed);
    const W = Float64Array.from({ length: J * d }, () => gaussian(rng) / Math.sqrt(d));
    const lambdas = Float64Array.from({ length: obs.U * J }, () => 0.1 * gaussian(rng));
    return { W, lambdas, info: { mode: "random" } };
  }
  const mode: SvdInitMode = o.mode === "svd" ? "paper" : "centered";
  const svd = svdInit(obs, { J, mode, imputeRank: o.imputeRank, imputeIterations: o.imputeIterations, onStep: o.onStep });
  const W = ridgeBasis(dE, obs.P, d, svd.targets, J, o.ridge);
  o.onStep?.();
  return {
    W,
    lambdas: svd.lambdas,
    info: {
      mode: o.mode,
      impute_rank: o.imputeRank,
      impute_iterations: o.imputeIterations,
      ridge: o.ridge,
      observed_fraction: round(svd.observedFraction),
      singular_values: svd.singularValues.map(round),
    },
  };
}

const round = (x: number) => Number(x.toPrecision(5));
