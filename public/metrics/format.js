// How the page writes the API's numbers: accuracies and lifts as percentages (lift in percentage points), log-loss
// with three decimals, and a dash where the API has no value (no decided comparisons, or too few for an interval).
export const DASH = "–";

export const percent = (x) => (x === null || x === undefined ? DASH : `${(x * 100).toFixed(1)}%`);
export const points = (x) => (x === null || x === undefined ? DASH : `${x > 0 ? "+" : x < 0 ? "−" : ""}${Math.abs(x * 100).toFixed(1)} pts`);
/** Axis ticks: whole points when they are whole ("+50 pts"), else one decimal. */
export const tickPoints = (x) => {
  const p = x * 100;
  const digits = Math.abs(p - Math.round(p)) < 1e-9 ? 0 : 1;
  return `${p > 0 ? "+" : p < 0 ? "−" : ""}${Math.abs(p).toFixed(digits)} pts`;
};
export const decimal = (x) => (x === null || x === undefined ? DASH : x.toFixed(3));
export const count = (n) => n.toLocaleString("en-US");

export function interval(lift) {
  if (lift.low === null || lift.high === null) return DASH;
  return `${points(lift.low)} to ${points(lift.high)}`;
}

/** "lift +4.5 pts (95% interval −1.2 pts to +10.1 pts), 36 comparisons": the charts' tooltips and labels. */
export function describeGroup(label, g) {
  const ci = interval(g.lift);
  return `${label}: lift ${points(g.lift.value)}${ci === DASH ? "" : ` (95% interval ${ci})`}, ${count(g.comparisons)} comparisons`;
}
