// Resident memory of the workerd processes under a server process (wrangler dev runs two: its proxy and the one
// running the Worker), from /proc (Linux).
import { readFileSync } from "node:fs";
import { treeCpuByProcess } from "./proc-cpu.ts";

/** pid -> resident set size in MB of each workerd process in root's tree (empty without /proc). */
export function workerdRssMb(root: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const [pid, p] of treeCpuByProcess(root) ?? []) {
    if (p.name !== "workerd") continue;
    try {
      const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (kb) out.set(pid, Math.round(Number(kb[1]) / 102.4) / 10);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
