// Puts the seven raw attribute scores on one scale (z-scores over the benchmark's responses), so that the
// Bradley-Terry temperature beta means the same thing for every attribute.

export interface Standardization {
  mean: number[];
  sd: number[];
}

export function fitStandardization(raw: number[][]): Standardization {
  const k = raw[0]?.length ?? 0;
  const mean = Array.from({ length: k }, (_, a) => raw.reduce((s, r) => s + r[a], 0) / raw.length);
  const sd = Array.from({ length: k }, (_, a) => {
    const v = raw.reduce((s, r) => s + (r[a] - mean[a]) ** 2, 0) / Math.max(1, raw.length - 1);
    return v > 0 ? Math.sqrt(v) : 1;
  });
  return { mean, sd };
}

export const standardize = (raw: number[], s: Standardization): number[] => raw.map((x, a) => (x - s.mean[a]) / s.sd[a]);
