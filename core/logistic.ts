// Numerically stable pieces of the logistic (Bradley-Terry) likelihood. Everything goes through
// t = exp(-|m|) in (0, 1], so nothing overflows, and one exp serves sigmoid, its derivative and softplus.

/** exp(-|m|): the one transcendental the other helpers share. */
export const expNegAbs = (m: number): number => Math.exp(-Math.abs(m));

/** sigmoid(m) from t = exp(-|m|). */
export const sigmoidFrom = (m: number, t: number): number => (m >= 0 ? 1 / (1 + t) : t / (1 + t));

/** sigmoid'(m) = sigmoid(m) (1 - sigmoid(m)) from t = exp(-|m|), without cancellation. */
export const sigmoidSlopeFrom = (t: number): number => t / ((1 + t) * (1 + t));

/** softplus(m) = log(1 + e^m) from t = exp(-|m|). */
export const softplusFrom = (m: number, t: number): number => (m > 0 ? m : 0) + Math.log1p(t);

export const sigmoid = (m: number): number => sigmoidFrom(m, expNegAbs(m));
export const sigmoidSlope = (m: number): number => sigmoidSlopeFrom(expNegAbs(m));

/** Below this a shifted exponential has lost precision (near the subnormal range): use the direct formula. */
export const SHIFTED_EXP_FLOOR = 1e-300;

/**
 * sigmoid'(m_a - m_b) from y_a = exp(m_a - c), y_b = exp(m_b - c) for any common shift c: the ratio
 * r = min/max = exp(-|m_a - m_b|), so s' = r / (1 + r)^2 with one division instead of an exp per pair.
 * `m` = m_a - m_b is used only when the smaller y is too small to divide accurately.
 */
export function slopeOfDifference(ya: number, yb: number, m: number): number {
  const hi = ya > yb ? ya : yb;
  const lo = ya > yb ? yb : ya;
  if (lo < SHIFTED_EXP_FLOOR) return sigmoidSlopeFrom(expNegAbs(m));
  const r = lo / hi;
  return r / ((1 + r) * (1 + r));
}
