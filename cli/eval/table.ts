// The printed summary: one block per setting, a row per k, accuracy +- stderr for every method, then ROC-AUC, the
// predictive log-loss, the best-of-N win rate against the population pick (when a judge can measure it), and the
// calibration of the personalized and population predictions.
import type { Method, SettingResult } from "./protocol.ts";
import { METHODS } from "./protocol.ts";

const fmt = (x: number | undefined) => (x === undefined || x === null || !Number.isFinite(x) ? "  -  " : x.toFixed(3));

export function formatTable(name: string, r: SettingResult, judged = true): string {
  const lines: string[] = [];
  const splits = [r.split.prompt && `${r.split.prompt} split by prompt`, r.split.pair && `${r.split.pair} by pair (too few prompts)`, r.split.skipped && `${r.split.skipped} skipped (fewer than two distinct pairs)`].filter(Boolean);
  lines.push(`${name}: ${r.users} held-out users (${splits.join(", ")}), pool ~${r.pool} and test ~${r.test} comparisons per user`);
  const head = ["k".padStart(3), ...METHODS.map((m) => m.padStart(15))].join(" ");
  lines.push(`accuracy (+- stderr)\n${head}`);
  r.k.forEach((k, i) => {
    lines.push([String(k).padStart(3), ...METHODS.map((m) => `${fmt(r.curves[m].accuracy[i])}+-${fmt(r.curves[m].stderr[i]).slice(1)}`.padStart(15))].join(" "));
  });
  lines.push(`ROC-AUC\n${head}`);
  r.k.forEach((k, i) => lines.push([String(k).padStart(3), ...METHODS.map((m) => fmt(r.curves[m].auc[i]).padStart(15))].join(" ")));
  lines.push(`lift over the population model (paired per user, +- stderr)\n${["k".padStart(3), "active".padStart(15), "random".padStart(15)].join(" ")}`);
  r.k.forEach((k, i) => {
    const cell = (l: { mean: number[]; stderr: number[] }) => `${l.mean[i] >= 0 ? "+" : ""}${fmt(l.mean[i])}+-${fmt(l.stderr[i]).slice(1)}`.padStart(15);
    lines.push([String(k).padStart(3), cell(r.lift.active), cell(r.lift.random)].join(" "));
  });
  lines.push(`predictive log-loss against the users' choices, ties included (+- stderr)\n${head}`);
  r.k.forEach((k, i) => {
    lines.push([String(k).padStart(3), ...METHODS.map((m) => `${fmt(r.curves[m].log_loss[i])}+-${fmt(r.curves[m].log_loss_stderr[i]).slice(1)}`.padStart(15))].join(" "));
  });
  const withWin = METHODS.filter((m) => r.curves[m].win_rate);
  if (!judged) lines.push("best-of-N win rate: not measured (needs each test prompt's candidates judged for the user: a judging sidecar)");
  if (withWin.length) {
    lines.push(`best-of-N win rate vs the population pick (judged by the simulated user)\n${["k".padStart(3), ...withWin.map((m: Method) => m.padStart(15))].join(" ")}`);
    r.k.forEach((k, i) => lines.push([String(k).padStart(3), ...withWin.map((m) => fmt(r.curves[m].win_rate![i]).padStart(15))].join(" ")));
  }
  const last = r.k.length - 1;
  lines.push(`calibration (test comparisons pooled; predicted probability of the favoured answer vs how often it was chosen)`);
  for (const [m, ki] of [["population", 0], ["active", last]] as [Method, number][]) {
    const c = r.calibration[m][ki];
    const bins = c.bins.map((b) => `${b.predicted.toFixed(2)}->${b.observed.toFixed(2)} (${b.n})`).join("  ");
    lines.push(`  ${m} k=${r.k[ki]}: ECE ${fmt(c.ece)}, log-loss ${fmt(c.log_loss)}, Brier ${fmt(c.brier)}; ${bins}`);
  }
  return lines.join("\n");
}
