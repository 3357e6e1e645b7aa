// The raw export surface of build/core.wasm (assembly/index.ts). Pointers are byte offsets into `memory`;
// every operation returns a status code (core/types.ts Status) and lastFailedInput() says which input failed.

/** Input codes reported by lastFailedInput() (assembly/status.ts IN_*). */
export const Input = {
  NONE: 0,
  EMBEDDINGS: 1,
  MEAN: 2,
  CHOL: 3,
  Z: 4,
  LABEL: 5,
  WEIGHT: 6,
  INIT: 7,
  PHI: 8,
  LAMBDA: 9,
  FOLDED: 10,
  N: 11,
  W: 12,
  OBS: 13,
} as const;

export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  heapStart(): number;
  ensureMemory(end: number): number;
  arenaReset(base: number): void;
  arenaAlloc(bytes: number): number;
  lastFailedInput(): number;
  checkFinite(ptr: number, count: number): number;
  project(W: number, J: number, d: number, E: number, n: number, outPhi: number): number;
  score(W: number, J: number, d: number, mean: number, chol: number, E: number, n: number, outMean: number, outSd: number): number;
  fold(W: number, J: number, d: number, lambda: number, outFolded: number): number;
  scoreFolded(folded: number, d: number, E: number, n: number, out: number): number;
  fitPosterior(
    J: number, priorMean: number, priorChol: number, n: number, z: number, label: number, weight: number, init: number,
    maxIterations: number, tolerance: number, outMean: number, outChol: number, outInfo: number,
  ): number;
  addObservation(J: number, mean: number, chol: number, z: number, label: number, weight: number, outMean: number, outChol: number): number;
  selectPair(J: number, mean: number, chol: number, phi: number, n: number, criterion: number, exclude: number, outChoice: number): number;
  samplePosterior(J: number, mean: number, chol: number, seed: number, out: number): number;
  decodeEmbeddingArrays(src: number, len: number, out: number, outCap: number, spans: number, spanCap: number, maxDims: number, maxAbs: number): number;
}

/** Field names for the input codes of one call: which CoreError.field a failure maps to. */
export type FieldNames = Partial<Record<number, string>>;

export const gaussianFields = (role: string): FieldNames => ({
  [Input.MEAN]: `${role}.mean`,
  [Input.CHOL]: `${role}.precisionChol`,
});
