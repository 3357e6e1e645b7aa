// CPU time of a process tree, from /proc (Linux): what the server side (wrangler's Node process, its proxy workerd
// and the Worker's workerd) spends per request, next to req/s. Throughput on a shared 2-core machine drifts from run
// to run; CPU per request drifts much less, and it shows where the time goes.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** [parent pid, user + system clock ticks so far] of a process, or null if it is gone. */
function stat(pid: number): [number, number] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm) ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime ...
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return [Number(fields[1]), Number(fields[11]) + Number(fields[12])];
  } catch {
    return null;
  }
}

/** Milliseconds of CPU used so far by `root` and all its descendants; null where /proc is not available. */
export function treeCpuMs(root: number): number | null {
  const each = treeCpuByProcess(root);
  return each === null ? null : [...each.values()].reduce((s, p) => s + p.ms, 0);
}

/** The same, per process of the tree (pid -> its executable's name and CPU ms so far). */
export function treeCpuByProcess(root: number): Map<number, { name: string; ms: number }> | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return null;
  }
  const ticks = new Map<number, number>();
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    const pid = Number(entry);
    const s = stat(pid);
    if (!s) continue;
    ticks.set(pid, s[1]);
    const siblings = children.get(s[0]);
    if (siblings) siblings.push(pid);
    else children.set(s[0], [pid]);
  }
  if (!ticks.has(root)) return null;
  const out = new Map<number, { name: string; ms: number }>();
  for (const stack = [root]; stack.length > 0; ) {
    const pid = stack.pop()!;
    out.set(pid, { name: processName(pid), ms: ((ticks.get(pid) ?? 0) * 1000) / TICKS_PER_SECOND });
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
}

/**
 * Other wrangler / workerd processes already running (pid and command), e.g. a dev server left idling: they share
 * these 2 cores with the benchmark, unevenly, and skew its ratios. Empty where /proc is not available.
 */
export function strayServers(): { pid: number; command: string }[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const found: { pid: number; command: string }[] = [];
  for (const entry of entries) {
    try {
      const command = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
      if (/\bworkerd\b.*\bserve\b|wrangler-dist\/cli\.js/.test(command)) found.push({ pid: Number(entry), command });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
