import { describe, expect, it } from "vitest";
import { accuracy, meanStderr, symmetricAuc } from "../../cli/eval/metrics.ts";

describe("eval metrics", () => {
  it("accuracy counts sign agreement and a zero score as half", () => {
    expect(accuracy([1, -2, 3, 0], [1, 1, 1, -1])).toBeCloseTo((1 + 0 + 1 + 0.5) / 4);
  });

  it("symmetric AUC is 1 for a perfect ranking, 0.5 for no opinion, 0 for a reversed one", () => {
    expect(symmetricAuc([2, -1, 0.5], [1, -1, 1])).toBe(1);
    expect(symmetricAuc([0, 0, 0], [1, -1, 1])).toBe(0.5);
    expect(symmetricAuc([-2, 1], [1, -1])).toBe(0);
  });

  it("symmetric AUC does not depend on how each comparison is oriented", () => {
    const scores = [0.3, -1.2, 2.0, 0.1, -0.4];
    const truth = [1, -1, -1, 1, -1];
    const flipped = [1, 3];
    const s2 = scores.map((s, i) => (flipped.includes(i) ? -s : s));
    const t2 = truth.map((t, i) => (flipped.includes(i) ? -t : t));
    expect(symmetricAuc(s2, t2)).toBeCloseTo(symmetricAuc(scores, truth), 12);
    expect(symmetricAuc(scores, truth)).toBeCloseTo(16 / 25, 12); // Mann-Whitney by hand
  });

  it("mean and standard error skip NaN", () => {
    const r = meanStderr([1, 2, 3, NaN]);
    expect(r.mean).toBe(2);
    expect(r.n).toBe(3);
    expect(r.stderr).toBeCloseTo(1 / Math.sqrt(3), 12);
  });
});
