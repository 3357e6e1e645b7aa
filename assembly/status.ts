// Status codes (mirror core/types.ts `Status`) and the code of the input that caused the last failure
// (mirror core/wasm-abi.ts `Input`). The core never throws: every export returns one of these codes.

export const OK: i32 = 0;
export const BAD_DIMENSION: i32 = 1;
export const NON_FINITE: i32 = 2;
export const NOT_POSITIVE_DEFINITE: i32 = 3;
export const EMPTY: i32 = 4;
export const TOO_MANY: i32 = 5;
export const NOT_CONVERGED: i32 = 7;
export const NO_PAIR: i32 = 8;
export const OUT_OF_MEMORY: i32 = 9;
export const OUT_OF_RANGE: i32 = 10;

export const IN_NONE: i32 = 0;
export const IN_EMBEDDINGS: i32 = 1;
export const IN_MEAN: i32 = 2;
export const IN_CHOL: i32 = 3;
export const IN_Z: i32 = 4;
export const IN_LABEL: i32 = 5;
export const IN_WEIGHT: i32 = 6;
export const IN_INIT: i32 = 7;
export const IN_PHI: i32 = 8;
export const IN_LAMBDA: i32 = 9;
export const IN_FOLDED: i32 = 10;
export const IN_N: i32 = 11;
export const IN_W: i32 = 12;
export const IN_OBS: i32 = 13;

/** Most candidates one score / selectPair call accepts (core/types.ts MAX_CANDIDATES). */
export const MAX_CANDIDATES: i32 = 64;

let failed: i32 = IN_NONE;

/** Records which input failed and passes the status through: `return fail(NON_FINITE, IN_Z)`. */
export function fail(status: i32, input: i32): i32 {
  failed = input;
  return status;
}

export function lastFailedInput(): i32 {
  return failed;
}

export function clearFailure(): void {
  failed = IN_NONE;
}
