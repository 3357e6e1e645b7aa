// Value checks on inputs already copied into linear memory.
import { ld } from "./mem";

/** True if every element is finite. x * 0 is 0 for finite x and NaN for +-Inf or NaN; NaN survives the sum. */
export function allFinite(p: usize, count: i32): bool {
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let i = 0;
  const zero = f64x2.splat(0);
  for (; i + 4 <= count; i += 4) {
    const q = p + (<usize>i << 3);
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(q), zero));
    acc1 = f64x2.add(acc1, f64x2.mul(v128.load(q, 16), zero));
  }
  let s = f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1) + f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1);
  for (; i < count; i++) s += ld(p, i) * 0;
  return s == 0;
}

/** Every diagonal entry of a J x J factor is > 0 (so L L^T is positive definite). */
export function positiveDiagonal(L: usize, J: i32): bool {
  for (let i = 0; i < J; i++) if (!(ld(L, i * J + i) > 0)) return false;
  return true;
}

/** Every element lies in [lo, hi] (call after allFinite). */
export function allWithin(p: usize, count: i32, lo: f64, hi: f64): bool {
  for (let i = 0; i < count; i++) {
    const x = ld(p, i);
    if (!(x >= lo && x <= hi)) return false;
  }
  return true;
}
