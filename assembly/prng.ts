// mulberry32 + Box-Muller with our own log and sin/cos polynomials: the same integer steps and the same IEEE-exact
// operations in the same order as core/prng.ts, so a seed gives bit-identical draws in WASM and in the reference.
import { st } from "./mem";

let state: u32 = 0;

export function seedPrng(seed: u32): void {
  state = seed;
}

export function nextU32(): u32 {
  state += 0x6d2b79f5;
  let t = state;
  t = (t ^ (t >>> 15)) * (t | 1);
  t ^= t + (t ^ (t >>> 7)) * (t | 61);
  return t ^ (t >>> 14);
}

/** ln(N / 2^32) for an integer N in [1, 2^32] (core/prng.ts logFraction32). */
export function logFraction32(N: u64): f64 {
  if (N >= 4294967296) return 0;
  let k = 31 - <i32>clz<u32>(<u32>N);
  let m = <f64>N / <f64>(<u64>1 << <u64>k);
  if (m > Math.SQRT2) {
    m = m / 2;
    k = k + 1;
  }
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let p: f64 = 1.0 / 23;
  p = p * s2 + 1.0 / 21;
  p = p * s2 + 1.0 / 19;
  p = p * s2 + 1.0 / 17;
  p = p * s2 + 1.0 / 15;
  p = p * s2 + 1.0 / 13;
  p = p * s2 + 1.0 / 11;
  p = p * s2 + 1.0 / 9;
  p = p * s2 + 1.0 / 7;
  p = p * s2 + 1.0 / 5;
  p = p * s2 + 1.0 / 3;
  p = p * s2 + 1;
  return <f64>(k - 32) * Math.LN2 + 2 * s * p;
}

function sinSmall(x: f64): f64 {
  const x2 = x * x;
  let p: f64 = 1.0 / 355687428096000;
  p = p * x2 - 1.0 / 1307674368000;
  p = p * x2 + 1.0 / 6227020800;
  p = p * x2 - 1.0 / 39916800;
  p = p * x2 + 1.0 / 362880;
  p = p * x2 - 1.0 / 5040;
  p = p * x2 + 1.0 / 120;
  p = p * x2 - 1.0 / 6;
  return x + x * x2 * p;
}

function cosSmall(x: f64): f64 {
  const x2 = x * x;
  let p: f64 = -1.0 / 6402373705728000;
  p = p * x2 + 1.0 / 20922789888000;
  p = p * x2 - 1.0 / 87178291200;
  p = p * x2 + 1.0 / 479001600;
  p = p * x2 - 1.0 / 3628800;
  p = p * x2 + 1.0 / 40320;
  p = p * x2 - 1.0 / 720;
  p = p * x2 + 1.0 / 24;
  p = p * x2 - 1.0 / 2;
  return 1 + x2 * p;
}

const ANGLE_STEP: f64 = Math.PI / 2147483648.0; // 2 pi / 2^32
const QUARTER: u32 = 1073741824; // pi / 2
const EIGHTH: u32 = 536870912; // pi / 4

/** out[i] = r cos(theta), out[i + 1] = r sin(theta) (if i + 1 < count), theta = 2 pi M / 2^32. */
function polarPair(r: f64, M: u32, out: usize, i: i32, count: i32): void {
  const quadrant = M >>> 30;
  const R = M & (QUARTER - 1);
  let c: f64, s: f64;
  if (R <= EIGHTH) {
    const x = <f64>R * ANGLE_STEP;
    c = cosSmall(x);
    s = sinSmall(x);
  } else {
    const x = <f64>(QUARTER - R) * ANGLE_STEP;
    c = sinSmall(x);
    s = cosSmall(x);
  }
  let cosT = c;
  let sinT = s;
  if (quadrant == 1) {
    cosT = -s;
    sinT = c;
  } else if (quadrant == 2) {
    cosT = -c;
    sinT = -s;
  } else if (quadrant == 3) {
    cosT = s;
    sinT = -c;
  }
  st(out, i, r * cosT);
  if (i + 1 < count) st(out, i + 1, r * sinT);
}

/** count standard normals into out (core/prng.ts fillStandardNormals). */
export function fillStandardNormals(out: usize, count: i32): void {
  for (let i = 0; i < count; i += 2) {
    const x1 = nextU32();
    const x2 = nextU32();
    const r = Math.sqrt(-2 * logFraction32(<u64>x1 + 1));
    polarPair(r, x2, out, i, count);
  }
}
