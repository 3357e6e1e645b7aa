// Two bases on the same held-out users, splits and seeds: a candidate (the run's own basis, whose training never saw
// these users) against another (typically the one a tenant serves now). The verdict rests on each user's mean active
// accuracy over the answers k > 0, paired per user, with its standard error.
import { meanStderr } from "./metrics.ts";
import type { SettingResult } from "./protocol.ts";

export type Verdict = "better" | "worse" | "no clear difference";

export interface BasisComparison {
  candidate: string;
  current: string;
  k: number[];
  /** Paired per user, candidate minus current, active accuracy at each k. */
  difference: { mean: number[]; stderr: number[] };
  /** The verdict's statistic: each user's mean active accuracy over k > 0. */
  summary: { candidate: number; current: number; difference: number; stderr: number; users: number };
  margin: number;
  verdict: Verdict;
}

/** 95% two-sided normal quantile. */
const Z95 = 1.96;
const round = (x: number) => Number(x.toFixed(4));

function perUserMean(r: SettingResult, ks: number[]): number[] {
  const cols = ks.map((k) => r.k.indexOf(k));
  return r.perUser.active.accuracy[0].map((_, u) => cols.reduce((s, c) => s + r.perUser.active.accuracy[c][u], 0) / cols.length);
}

/**
 * `better` when the difference's 95% lower bound clears the margin, `worse` when its upper bound is below minus the
 * margin, else no clear difference.
 */
export function compareResults(candidate: SettingResult, current: SettingResult, names: { candidate: string; current: string }, margin: number): BasisComparison {
  const ks = candidate.k.filter((k) => k > 0);
  const difference = candidate.k.map((_, ki) => meanStderr(candidate.perUser.active.accuracy[ki].map((a, u) => a - current.perUser.active.accuracy[ki][u])));
  const a = perUserMean(candidate, ks);
  const b = perUserMean(current, ks);
  const d = meanStderr(a.map((x, u) => x - b[u]));
  const verdict: Verdict = d.mean - Z95 * d.stderr > margin ? "better" : d.mean + Z95 * d.stderr < -margin ? "worse" : "no clear difference";
  return {
    ...names,
    k: candidate.k,
    difference: { mean: difference.map((x) => round(x.mean)), stderr: difference.map((x) => round(x.stderr)) },
    summary: { candidate: round(meanStderr(a).mean), current: round(meanStderr(b).mean), difference: round(d.mean), stderr: round(d.stderr), users: d.n },
    margin,
    verdict,
  };
}

export function formatComparison(c: BasisComparison): string {
  const lines = [`candidate ${c.candidate} against ${c.current}, same ${c.summary.users} held-out users and splits (active accuracy, paired):`];
  lines.push(`  k:          ${c.k.map((k) => String(k).padStart(8)).join("")}`);
  lines.push(`  difference: ${c.difference.mean.map((m) => `${m >= 0 ? "+" : ""}${m.toFixed(3)}`.padStart(8)).join("")}`);
  lines.push(`  stderr:     ${c.difference.stderr.map((s) => s.toFixed(3).padStart(8)).join("")}`);
  const sign = c.summary.difference >= 0 ? "+" : "";
  lines.push(
    `verdict: ${c.verdict} (mean over k > 0: ${c.summary.candidate.toFixed(3)} vs ${c.summary.current.toFixed(3)}, ` +
      `difference ${sign}${c.summary.difference.toFixed(3)} +- ${c.summary.stderr.toFixed(3)}, margin ${c.margin})`,
  );
  return lines.join("\n");
}
