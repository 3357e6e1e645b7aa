// `npm run bench:soak`: the Worker under a long, mixed load, on this machine, offline. The Worker as it deploys
// (wrangler's dry-run bundle, wrangler.toml's bindings and rate-limit plans) runs in Miniflare's workerd with a
// fresh local D1: no dev proxy and no DevTools inspector in between (wrangler dev keeps every subrequest's
// network events for DevTools and reloads on some events, which is not what is measured here). 4 tenants (default rate-limit plan, one with a daily quota) with 2 API keys each; 2,000 users; requests
// paced at BENCH_SOAK_RPS (default 40) for BENCH_SOAK_SECONDS (default 600) after a 30 s warm-up, mixed:
//   rank 35%, feedback 30%, questions/next 15%, profile 10%, export 5%, delete 3%, health 2%
// (512-d vectors, J = 16). A user has at most one request in flight, so every answer is knowable: 200 (204 for a
// delete). Anything else, or no answer within 30 s, is an error. Reports per interval (BENCH_SOAK_INTERVAL, 60 s):
// requests, errors, p50 and p99, and the Worker's memory: its isolate's JS heap (read every 5 s through workerd's
// inspector; the interval's lowest reading, after the collector ran, is what stays alive) and the workerd process's
// RSS, at the start (after warm-up), each interval and the end. Last line: JSON. Goal: zero errors, memory flat after
// warm-up.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { Mulberry32 } from "../core/prng.ts";
import { bin, freePort, offlineEnv, projectRoot, runToEnd } from "../scripts/processes.ts";
import { isolateHeap, type HeapReader } from "./isolate-heap.ts";
import { workerdRssMb } from "./proc-memory.ts";
import { jsonCall } from "./json-call.ts";
import { percentile } from "./percentile.ts";

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 600);
const INTERVAL = Number(process.env.BENCH_SOAK_INTERVAL ?? 60);
const RPS = Number(process.env.BENCH_SOAK_RPS ?? 40);
const WARMUP = Number(process.env.BENCH_SOAK_WARMUP ?? 30);
const MAX_IN_FLIGHT = 64;
const D = 512;
const J = 16;
const TENANTS = 4;
const KEYS_PER_TENANT = 2;
const USERS_PER_TENANT = 500;

const rng = new Mulberry32(7);
const uniform = () => rng.nextU32() / 4294967296;
const pick = <T>(xs: T[]) => xs[Math.floor(uniform() * xs.length)];
const vector = () => Array.from({ length: D }, () => Number((uniform() * 2 - 1).toPrecision(6)));
const pool = Array.from({ length: 256 }, vector);
const scale = Math.sqrt(3 / D);

interface Tenant {
  id: string;
  keys: string[];
  /** Users with stored feedback (profile, export and delete go to these). */
  known: Set<string>;
}

const busy = new Set<string>();

type Op = "rank" | "feedback" | "questions" | "profile" | "export" | "delete" | "health";
const DEFAULT_MIX: [Op, number][] = [["rank", 35], ["feedback", 30], ["questions", 15], ["profile", 10], ["export", 5], ["delete", 3], ["health", 2]];
// BENCH_SOAK_MIX="rank:1" (say) runs one route alone: to tell what memory grows with.
const MIX: [Op, number][] = process.env.BENCH_SOAK_MIX
  ? process.env.BENCH_SOAK_MIX.split(",").map((part) => {
      const [op, weight] = part.split(":");
      return [op as Op, (100 * Number(weight ?? 1)) / process.env.BENCH_SOAK_MIX!.split(",").length];
    })
  : DEFAULT_MIX;
const drawOp = (): Op => {
  let r = uniform() * 100;
  for (const [op, w] of MIX) if ((r -= w) < 0) return op;
  return "rank";
};

interface Sample {
  at: number;
  ms: number;
  ok: boolean;
  op: Op;
  status: number;
}

/** The bundled Worker in Miniflare, on a fresh migrated D1; its URL, its heap, and how to stop it. */
async function startWorker(adminToken: string): Promise<{ url: string; heap: HeapReader; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), "pref-soak-"));
  const env = offlineEnv({ XDG_CONFIG_HOME: path.join(dir, "config") });
  await runToEnd(bin("wrangler"), ["deploy", "--dry-run", "--outdir", path.join(dir, "dist")], { quiet: true, env });
  await runToEnd(bin("wrangler"), ["d1", "migrations", "apply", "DB", "--local", "--persist-to", path.join(dir, "state")], { quiet: true, env });
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(projectRoot, "wrangler.toml"));
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const mf = new Miniflare({
    ...(workerOptions as object),
    modules: true,
    scriptPath: path.join(dir, "dist", "index.js"),
    modulesRoot: path.join(dir, "dist"),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    bindings: { ...(workerOptions.bindings ?? {}), ADMIN_TOKEN: adminToken, HASH_SECRET: `${adminToken}-hash`, ...(process.env.BENCH_SOAK_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_SOAK_LOG_LEVEL } : {}) },
    d1Persist: path.join(dir, "state", "v3", "d1"),
    cf: false,
    host: "127.0.0.1",
    port,
    inspectorPort,
    // The Worker's log lines (one per request) would flood the terminal.
    handleRuntimeStdio: (stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) => {
      stdout.resume();
      stderr.resume();
    },
  } as ConstructorParameters<typeof Miniflare>[0]);
  const url = (await mf.ready).origin;
  const heap = await isolateHeap(inspectorPort);
  return {
    url,
    heap,
    stop: async () => {
      heap.close();
      await mf.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const adminToken = `soak-${Math.random().toString(36).slice(2)}`;
  const worker = await startWorker(adminToken);
  const base = worker.url;
  const admin = (method: string, route: string, body?: unknown) => jsonCall(fetch, base, method, route, adminToken, body);
  try {
    const basisId = `soak-${Date.now()}`;
    await admin("POST", "/admin/bases", {
      format: "pref-basis/1",
      id: basisId,
      created_at: new Date().toISOString(),
      embedder: { id: "soak-embedder:512", d: D },
      J,
      W: Array.from({ length: J }, () => Array.from({ length: D }, () => (uniform() * 2 - 1) * scale)),
      mu0: Array.from({ length: J }, () => uniform() - 0.5),
      sigma0: Array.from({ length: J }, (_, i) => Array.from({ length: J }, (_, k) => (i === k ? 1 : 0))),
      labels: null,
      training: { note: "soak benchmark basis" },
    });
    const tenants: Tenant[] = [];
    for (let t = 0; t < TENANTS; t++) {
      const tenant = await admin("POST", "/admin/tenants", { name: `soak-${t}`, embedder: { kind: "vectors", id: "soak-embedder:512" }, basis: basisId });
      // Tenant 0 has a daily quota (counted and written behind on every request), far above what the soak sends.
      if (process.env.BENCH_SOAK_NO_LIMITS) await admin("PUT", `/admin/tenants/${tenant.id}/limits`, { rate_limit_plan: "unlimited" });
      else if (t === 0) await admin("PUT", `/admin/tenants/${tenant.id}/limits`, { daily_quota: 10_000_000 });
      const keys: string[] = [];
      for (let k = 0; k < KEYS_PER_TENANT; k++) keys.push((await admin("POST", `/admin/tenants/${tenant.id}/keys`, { name: `k${k}` })).key);
      tenants.push({ id: tenant.id, keys, known: new Set() });
    }

    const samples: Sample[] = [];
    const firstErrors: string[] = [];
    const send = async (op: Op, tenant: Tenant, user: string): Promise<void> => {
      const key = pick(tenant.keys);
      const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
      const candidates = (n: number) => Array.from({ length: n }, () => ({ embedding: pick(pool) }));
      const started = performance.now();
      let status = 0;
      try {
        const at = `${base}/v1/users/${encodeURIComponent(user)}`;
        const post = (route: string, body: unknown) => fetch(`${base}${route}`, { method: "POST", headers, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
        const res =
          op === "rank" ? await post("/v1/rank", { user, prompt: "soak", candidates: candidates(8) })
          : op === "feedback" ? await post("/v1/feedback", { user, prompt: `prompt ${Math.floor(uniform() * 50)}`, chosen: { embedding: pool[Math.floor(uniform() * 128)] }, rejected: { embedding: pool[128 + Math.floor(uniform() * 128)] } })
          : op === "questions" ? await post("/v1/questions/next", { user, prompt: "soak", candidates: candidates(6) })
          : op === "profile" ? await fetch(at, { headers, signal: AbortSignal.timeout(30_000) })
          : op === "export" ? await fetch(`${at}/export`, { headers, signal: AbortSignal.timeout(30_000) })
          : op === "delete" ? await fetch(at, { method: "DELETE", headers, signal: AbortSignal.timeout(30_000) })
          : await fetch(`${base}/health`, { signal: AbortSignal.timeout(30_000) });
        const text = await res.text();
        status = res.status;
        if (status >= 400 && firstErrors.length < 10) firstErrors.push(`${op} ${status} ${text.slice(0, 300)}`);
        if (op === "feedback" && status === 200) tenant.known.add(user);
        if (op === "delete" && status === 204) tenant.known.delete(user);
      } catch {
        status = 0;
      }
      samples.push({ at: Date.now(), ms: performance.now() - started, ok: status === (op === "delete" ? 204 : 200), op, status });
    };

    /** The next request: an op, and a user with nothing in flight (known users for the ops that need one). */
    const next = (): (() => Promise<void>) | null => {
      let op = drawOp();
      const tenant = pick(tenants);
      const needsKnown = op === "profile" || op === "export" || op === "delete";
      for (let tries = 0; tries < 8; tries++) {
        const user = needsKnown && tenant.known.size > 0 ? pick([...tenant.known]) : `user-${Math.floor(uniform() * USERS_PER_TENANT)}`;
        const id = `${tenant.id}\u0000${user}`;
        if (busy.has(id)) continue;
        if (needsKnown && !tenant.known.has(user)) op = "feedback";
        busy.add(id);
        return () => send(op, tenant, user).finally(() => busy.delete(id));
      }
      return null;
    };

    // The isolate's heap, every 5 s; each interval reports its lowest reading (what survived the collector).
    let heapLow = Infinity;
    const heapTimer = setInterval(() => void worker.heap.usedMb().then((mb) => (heapLow = Math.min(heapLow, mb)), () => undefined), 5_000);
    const memory: { t: number; heapMb: number; rssMb: number }[] = [];
    const snapshot = async (t: number) => {
      const now = await worker.heap.usedMb();
      memory.push({ t, heapMb: Math.min(heapLow, now), rssMb: [...workerdRssMb(process.pid).values()].reduce((a, b) => a + b, 0) });
      heapLow = Infinity;
    };

    let inFlight = 0;
    const run = async (seconds: number) => {
      const end = Date.now() + seconds * 1000;
      const gap = 1000 / RPS;
      let due = Date.now();
      const pending = new Set<Promise<void>>();
      while (Date.now() < end) {
        due += gap;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (inFlight >= MAX_IN_FLIGHT) continue; // the server is behind: this slot is skipped (counted below)
        const request = next();
        if (!request) continue;
        inFlight++;
        const p = request().finally(() => {
          inFlight--;
          pending.delete(p);
        });
        pending.add(p);
      }
      await Promise.all(pending);
    };

    console.error(`soak: ${RPS} req/s for ${WARMUP} s of warm-up, then ${SECONDS} s (intervals of ${INTERVAL} s)`);
    await run(WARMUP);
    const warm = samples.length;
    const start = Date.now();
    await snapshot(0);
    const intervals: { t: number; requests: number; errors: number; p50_ms: number; p99_ms: number }[] = [];
    for (let t = INTERVAL; t <= SECONDS; t += INTERVAL) {
      const from = samples.length;
      await run(INTERVAL);
      const slice = samples.slice(from);
      const ms = slice.map((s) => s.ms);
      const q = (p: number) => Math.round(percentile(ms, p) ?? 0);
      intervals.push({ t, requests: slice.length, errors: slice.filter((s) => !s.ok).length, p50_ms: q(0.5), p99_ms: q(0.99) });
      await snapshot(t);
      const last = intervals.at(-1)!;
      const mem = memory.at(-1)!;
      console.error(`t=${t}s: ${last.requests} requests, ${last.errors} errors, p50 ${last.p50_ms} ms, p99 ${last.p99_ms} ms, isolate heap ${mem.heapMb} MB, workerd RSS ${mem.rssMb} MB`);
    }
    clearInterval(heapTimer);
    const measured = samples.slice(warm);
    const errors = measured.filter((s) => !s.ok);
    const statuses: Record<string, number> = {};
    for (const e of errors) statuses[`${e.op} ${e.status}`] = (statuses[`${e.op} ${e.status}`] ?? 0) + 1;
    const elapsed = (Date.now() - start) / 1000;
    if (firstErrors.length > 0) console.error(`first errors:\n${firstErrors.join("\n")}`);

    console.log(`\nPReF Edge soak: the bundled Worker in Miniflare (workerd) on 127.0.0.1, ${RPS} req/s target, ${SECONDS} s after ${WARMUP} s of warm-up; ${TENANTS} tenants x ${KEYS_PER_TENANT} keys, ${TENANTS * USERS_PER_TENANT} users`);
    console.log("| t (s) | requests | errors | p50 ms | p99 ms | isolate JS heap MB | workerd RSS MB |");
    console.log("|---:|---:|---:|---:|---:|---:|---:|");
    console.log(`| 0 | | | | | ${memory[0].heapMb} | ${memory[0].rssMb} |`);
    intervals.forEach((iv, i) => console.log(`| ${iv.t} | ${iv.requests} | ${iv.errors} | ${iv.p50_ms} | ${iv.p99_ms} | ${memory[i + 1].heapMb} | ${memory[i + 1].rssMb} |`));
    console.log(
      JSON.stringify({
        seconds: Math.round(elapsed),
        requests: measured.length,
        rps: Math.round((measured.length / elapsed) * 10) / 10,
        errors: errors.length,
        error_statuses: statuses,
        p99_ms_by_interval: intervals.map((i) => i.p99_ms),
        isolate_heap_mb: { start: memory[0].heapMb, end: memory.at(-1)!.heapMb, by_interval: memory.slice(1).map((m) => m.heapMb) },
        workerd_rss_mb: { start: memory[0].rssMb, end: memory.at(-1)!.rssMb },
      }),
    );
  } finally {
    await worker.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
