// The seeded generator behind Thompson sampling, and its normal transform. assembly/prng.ts implements exactly
// the same steps: integer hashing, then only IEEE-exact operations (+, -, *, /, sqrt) in the same order, with our
// own log and sin/cos polynomials instead of Math.log/sin/cos (whose last bit differs between engines). So a seed
// gives bit-identical draws in the WASM core and in the reference.

/** mulberry32: a 32-bit counter-based generator (state advances by a fixed odd constant, output is a hash). */
export class Mulberry32 {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
}

const TWO_POW_32 = 4294967296;

/**
 * ln(N / 2^32) for an integer N in [1, 2^32]. N = 2^k m with m in (sqrt(1/2), sqrt(2)], then
 * ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172: the odd series to s^23 is exact to round-off.
 */
export function logFraction32(N: number): number {
  if (N >= TWO_POW_32) return 0;
  let k = 31 - Math.clz32(N);
  let m = N / 2 ** k;
  if (m > Math.SQRT2) {
    m = m / 2;
    k = k + 1;
  }
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let p = 1 / 23;
  p = p * s2 + 1 / 21;
  p = p * s2 + 1 / 19;
  p = p * s2 + 1 / 17;
  p = p * s2 + 1 / 15;
  p = p * s2 + 1 / 13;
  p = p * s2 + 1 / 11;
  p = p * s2 + 1 / 9;
  p = p * s2 + 1 / 7;
  p = p * s2 + 1 / 5;
  p = p * s2 + 1 / 3;
  p = p * s2 + 1;
  return (k - 32) * Math.LN2 + 2 * s * p;
}

/** sin x for |x| <= pi/4 (Taylor to x^17; the next term is below 1e-19). */
function sinSmall(x: number): number {
  const x2 = x * x;
  let p = 1 / 355687428096000;
  p = p * x2 - 1 / 1307674368000;
  p = p * x2 + 1 / 6227020800;
  p = p * x2 - 1 / 39916800;
  p = p * x2 + 1 / 362880;
  p = p * x2 - 1 / 5040;
  p = p * x2 + 1 / 120;
  p = p * x2 - 1 / 6;
  return x + x * x2 * p;
}

/** cos x for |x| <= pi/4 (Taylor to x^18). */
function cosSmall(x: number): number {
  const x2 = x * x;
  let p = -1 / 6402373705728000;
  p = p * x2 + 1 / 20922789888000;
  p = p * x2 - 1 / 87178291200;
  p = p * x2 + 1 / 479001600;
  p = p * x2 - 1 / 3628800;
  p = p * x2 + 1 / 40320;
  p = p * x2 - 1 / 720;
  p = p * x2 + 1 / 24;
  p = p * x2 - 1 / 2;
  return 1 + x2 * p;
}

/** Radians per step of a 32-bit angle: 2 pi / 2^32 (a power-of-two scaling of pi, so exact). */
const ANGLE_STEP = Math.PI / 2147483648;
const QUARTER = 1073741824; // 2^30 steps = pi / 2
const EIGHTH = 536870912; // 2^29 steps = pi / 4

/**
 * Writes r cos(theta) to out[i] and, if i + 1 < count, r sin(theta) to out[i + 1], theta = 2 pi M / 2^32 for an
 * integer M in [0, 2^32). The quadrant comes from the top two bits; the rest is folded into [0, pi/4] exactly.
 */
function polarPair(r: number, M: number, out: Float64Array, i: number, count: number): void {
  const quadrant = M >>> 30;
  const R = M & (QUARTER - 1);
  let c: number;
  let s: number;
  if (R <= EIGHTH) {
    const x = R * ANGLE_STEP;
    c = cosSmall(x);
    s = sinSmall(x);
  } else {
    const x = (QUARTER - R) * ANGLE_STEP; // phi = pi/2 - x
    c = sinSmall(x);
    s = cosSmall(x);
  }
  let cosT = c;
  let sinT = s;
  if (quadrant === 1) {
    cosT = -s;
    sinT = c;
  } else if (quadrant === 2) {
    cosT = -c;
    sinT = -s;
  } else if (quadrant === 3) {
    cosT = s;
    sinT = -c;
  }
  out[i] = r * cosT;
  if (i + 1 < count) out[i + 1] = r * sinT;
}

/**
 * Fills out[0..count) with standard normals by Box-Muller, two per pair of 32-bit draws (cos first, then sin;
 * an odd count drops the last sin). u1 = (x + 1) / 2^32 lies in (0, 1], so its log is finite.
 */
export function fillStandardNormals(rng: Mulberry32, out: Float64Array, count = out.length): void {
  for (let i = 0; i < count; i += 2) {
    const x1 = rng.nextU32();
    const x2 = rng.nextU32();
    const r = Math.sqrt(-2 * logFraction32(x1 + 1));
    polarPair(r, x2, out, i, count);
  }
}
