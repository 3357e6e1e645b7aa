// Stable logistic pieces from t = exp(-|m|) (mirror core/logistic.ts): one exp serves sigmoid, slope, softplus.

// @ts-ignore: decorator
@inline export function expNegAbs(m: f64): f64 {
  return Math.exp(-Math.abs(m));
}

// @ts-ignore: decorator
@inline export function sigmoidFrom(m: f64, t: f64): f64 {
  return m >= 0 ? 1 / (1 + t) : t / (1 + t);
}

/** sigmoid'(m) from t = exp(-|m|). */
// @ts-ignore: decorator
@inline export function slopeFrom(t: f64): f64 {
  return t / ((1 + t) * (1 + t));
}

// @ts-ignore: decorator
@inline export function softplusFrom(m: f64, t: f64): f64 {
  return (m > 0 ? m : 0) + Math.log1p(t);
}

/** Below this a shifted exponential has lost precision: use the direct formula (core/logistic.ts). */
const SHIFTED_EXP_FLOOR: f64 = 1e-300;

/** sigmoid'(m_a - m_b) from y = exp(m - c) of both (any common shift c): r = min/max, s' = r / (1 + r)^2. */
// @ts-ignore: decorator
@inline export function slopeOfDifference(ya: f64, yb: f64, m: f64): f64 {
  const hi = ya > yb ? ya : yb;
  const lo = ya > yb ? yb : ya;
  if (lo < SHIFTED_EXP_FLOOR) return slopeFrom(expNegAbs(m));
  const r = lo / hi;
  return r / ((1 + r) * (1 + r));
}
