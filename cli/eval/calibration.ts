// Calibration: do predicted probabilities match how often users actually chose that way? Pooled over the test
// comparisons of every user (ties count as half a choice each way), in ten bins of predicted probability.
import { logLoss } from "../train/prior-scale.ts";

export interface CalibrationBin {
  /** Bin range [lo, hi) of the predicted probability of "a over b", its mean prediction, observed frequency, count. */
  lo: number;
  hi: number;
  predicted: number;
  observed: number;
  n: number;
}

export interface Calibration {
  n: number;
  log_loss: number;
  brier: number;
  /** Expected calibration error: the count-weighted mean |predicted - observed| over the bins. */
  ece: number;
  bins: CalibrationBin[];
}

const BINS = 10;

export class Reliability {
  private readonly sumP = new Float64Array(BINS);
  private readonly sumY = new Float64Array(BINS);
  private readonly count = new Float64Array(BINS);
  private loss = 0;
  private brier = 0;
  private n = 0;

  /** p = predicted probability that a is preferred; label = the user's choice (1, 0, or 0.5 for a tie). */
  add(p: number, label: number): void {
    // Orientation is arbitrary: fold every comparison to p >= 0.5 so the bins read "the favoured side won".
    const [q, y] = p >= 0.5 ? [p, label] : [1 - p, 1 - label];
    const bin = Math.min(BINS - 1, Math.floor(q * BINS));
    this.sumP[bin] += q;
    this.sumY[bin] += y;
    this.count[bin]++;
    this.loss += logLoss(q, y);
    this.brier += (q - y) ** 2;
    this.n++;
  }

  result(): Calibration {
    const bins: CalibrationBin[] = [];
    let ece = 0;
    for (let b = 0; b < BINS; b++) {
      if (this.count[b] === 0) continue;
      const predicted = this.sumP[b] / this.count[b];
      const observed = this.sumY[b] / this.count[b];
      ece += (this.count[b] / this.n) * Math.abs(predicted - observed);
      bins.push({ lo: b / BINS, hi: (b + 1) / BINS, predicted: round(predicted), observed: round(observed), n: this.count[b] });
    }
    return { n: this.n, log_loss: round(this.loss / Math.max(1, this.n)), brier: round(this.brier / Math.max(1, this.n)), ece: round(ece), bins };
  }
}

const round = (x: number) => Number(x.toFixed(4));

/** Calibrations of disjoint sets of comparisons pooled into one (bins and means weighted by their counts). */
export function mergeCalibrations(parts: Calibration[]): Calibration {
  const n = parts.reduce((s, c) => s + c.n, 0);
  const byLo = new Map<number, { lo: number; hi: number; p: number; y: number; n: number }>();
  for (const c of parts) {
    for (const b of c.bins) {
      const acc = byLo.get(b.lo) ?? { lo: b.lo, hi: b.hi, p: 0, y: 0, n: 0 };
      acc.p += b.predicted * b.n;
      acc.y += b.observed * b.n;
      acc.n += b.n;
      byLo.set(b.lo, acc);
    }
  }
  const bins = [...byLo.values()].sort((a, b) => a.lo - b.lo).map((b) => ({ lo: b.lo, hi: b.hi, predicted: round(b.p / b.n), observed: round(b.y / b.n), n: b.n }));
  const weighted = (f: (c: Calibration) => number) => round(parts.reduce((s, c) => s + f(c) * c.n, 0) / Math.max(1, n));
  const ece = round(bins.reduce((s, b) => s + (b.n / Math.max(1, n)) * Math.abs(b.predicted - b.observed), 0));
  return { n, log_loss: weighted((c) => c.log_loss), brier: weighted((c) => c.brier), ece, bins };
}
