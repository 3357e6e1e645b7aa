// The starting point of the joint fit: the moment initialisation (no shared pairs needed; the default), the paper's
// SVD initialisation (preference matrix -> targets -> ridge W; needs pairs labelled by many users), or a random start
// (the "no initialisation" ablation). All of them fit the deviation rows only: the population row is fixed.
import { CliError } from "../errors.ts";
import { gaussian, makeRng } from "../rng.ts";
import type { PairDesign } from "./design.ts";
import { momentInit } from "./moment-init.ts";
import type { PairObservations } from "./pairs.ts";
import { ridgeBasis } from "./ridge.ts";
import { MAX_PREFERENCE_ENTRIES, type SvdInitMode, svdInit } from "./svd-init.ts";

export type InitMode = "moment" | "svd-centered" | "svd" | "random";

export interface InitOptions {
  mode: InitMode;
  J: number;
  imputeRank: number;
  imputeIterations: number;
  ridge: number;
  seed: number;
  /** Population margin per pair (the deviations are initialised on its residuals), or null. */
  offset: Float64Array | null;
  onStep?: () => void;
}

export interface InitResult {
  /** J x d (the users' weights are found by the fit's first E-step) */
  W: Float64Array;
  info: Record<string, unknown>;
}

const round = (x: number) => Number(x.toPrecision(5));

export function initialise(obs: PairObservations, design: PairDesign, o: InitOptions): InitResult {
  const { J } = o;
  const { d } = design;
  if (o.mode === "random") {
    const rng = makeRng(o.seed);
    const W = Float64Array.from({ length: J * d }, () => gaussian(rng) / Math.sqrt(d));
    return { W, info: { mode: "random" } };
  }
  if (o.mode === "moment") {
    const m = momentInit(obs, design, o.offset, J, o.seed);
    o.onStep?.();
    return { W: m.W, info: { mode: "moment", eigenvalues: m.eigenvalues.map(round) } };
  }
  if (obs.P * obs.U > MAX_PREFERENCE_ENTRIES) {
    throw new CliError(
      `--init ${o.mode} builds a ${obs.P} pairs x ${obs.U} users matrix, more than ${MAX_PREFERENCE_ENTRIES.toLocaleString("en")} entries: use --init moment (the default), which needs no shared pairs`,
    );
  }
  const mode: SvdInitMode = o.mode === "svd" ? "paper" : "centered";
  const svd = svdInit(obs, { J, mode, imputeRank: o.imputeRank, imputeIterations: o.imputeIterations, onStep: o.onStep, offset: o.offset });
  const W = ridgeBasis(design, svd.targets, J, o.ridge);
  o.onStep?.();
  return {
    W,
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
