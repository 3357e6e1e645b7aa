// Numerically stable Bradley-Terry pieces shared by the offline trainer and the baselines.
export { sigmoid, sigmoidSlope } from "../../core/logistic.ts";

/** -log-likelihood of a (soft) label l given margin m: softplus(m) - l m, stable for any m. */
export function bce(m: number, l: number): number {
  return (m > 0 ? m : 0) + Math.log1p(Math.exp(-Math.abs(m))) - l * m;
}
