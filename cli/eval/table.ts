// The printed summary: one block per setting, a row per k, accuracy +- stderr for every method, then ROC-AUC and the
// best-of-N win rate against the population pick.
import type { Method, SettingResult } from "./protocol.ts";
import { METHODS } from "./protocol.ts";

const fmt = (x: number | undefined) => (x === undefined || x === null || !Number.isFinite(x) ? "  -  " : x.toFixed(3));

export function formatTable(name: string, r: SettingResult): string {
  const lines: string[] = [];
  lines.push(`${name}: ${r.users} held-out users, pool ~${r.pool} and test ~${r.test} comparisons per user`);
  const head = ["k".padStart(3), ...METHODS.map((m) => m.padStart(15))].join(" ");
  lines.push(`accuracy (+- stderr)\n${head}`);
  r.k.forEach((k, i) => {
    lines.push([String(k).padStart(3), ...METHODS.map((m) => `${fmt(r.curves[m].accuracy[i])}+-${fmt(r.curves[m].stderr[i]).slice(1)}`.padStart(15))].join(" "));
  });
  lines.push(`ROC-AUC\n${head}`);
  r.k.forEach((k, i) => lines.push([String(k).padStart(3), ...METHODS.map((m) => fmt(r.curves[m].auc[i]).padStart(15))].join(" ")));
  const withWin = METHODS.filter((m) => r.curves[m].win_rate);
  if (withWin.length) {
    lines.push(`best-of-N win rate vs the population pick (judged by the simulated user)\n${["k".padStart(3), ...withWin.map((m: Method) => m.padStart(15))].join(" ")}`);
    r.k.forEach((k, i) => lines.push([String(k).padStart(3), ...withWin.map((m) => fmt(r.curves[m].win_rate![i]).padStart(15))].join(" ")));
  }
  return lines.join("\n");
}
