// The numeric core's public surface (safe in workerd and Node: no Node imports; Node loader is core/node.ts).
export * from "./types.ts";
export { createWasmCore, WasmCore } from "./wasm-core.ts";
export { ReferenceCore, createReferenceCore } from "./reference.ts";
export {
  covarianceOf, gaussianFromCovariance, gaussianFromPrecision, isotropicGaussian, precisionOf, predictive,
  shrinkTowards, solvePrecision, type Predictive,
} from "./gaussian.ts";
export { MAX_KNOWN_PROMPTS, decodeKnownPrompts, encodeKnownPrompts, promptKey } from "./known-prompts.ts";
export { sigmoid, sigmoidSlope } from "./logistic.ts";
export { phiDifference } from "./phi.ts";
export { Mulberry32, fillStandardNormals } from "./prng.ts";
