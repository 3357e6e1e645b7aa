// Thompson sampling: lambda = mean + L^-T eps, eps ~ N(0, I), so Cov = L^-T L^-1 = (L L^T)^-1 = H^-1.
import { ld, st } from "./mem";
import { backSolveTransposed } from "./linalg";
import { fillStandardNormals, seedPrng } from "./prng";
import { IN_CHOL, NON_FINITE, OK, fail } from "./status";

export function sampleInto(J: i32, mean: usize, chol: usize, seed: u32, out: usize): i32 {
  seedPrng(seed);
  fillStandardNormals(out, J);
  backSolveTransposed(chol, J, out);
  for (let k = 0; k < J; k++) {
    const v = ld(mean, k) + ld(out, k);
    if (!isFinite(v)) return fail(NON_FINITE, IN_CHOL);
    st(out, k, v);
  }
  return OK;
}
