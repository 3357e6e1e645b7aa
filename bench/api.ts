// `npm run bench:api`: the edge API under load, on this machine, offline.
// Starts `wrangler dev` on 127.0.0.1 with a fresh local D1 inside the project (.wrangler/bench), seeds a tenant
// with a d = 512, J = 16 basis (the production shape) and users with history, then drives each route with
// autocannon at 32 connections:
//   floor    GET /health          one D1 query and the WASM core check: the platform's own cost
//   rank     POST /v1/rank        16 candidates sent as 512-d vectors; one D1 read, one core call
//   feedback POST /v1/feedback    a comparison of two 512-d vectors, 512 users answering in turn: exact refit and
//                                 guarded batch write (without the read: the isolate wrote each user's last one)
//   rank_base64                  the same 16 vectors as base64 float32 (OpenAI's encoding_format=base64), 44% smaller
// The routes are measured in interleaved rounds, each starting one route later than the last, so that load from
// elsewhere on the machine and each route's after-effects hit them alike. Prints a table and, as the last line,
// {"floor":{rps,p50_ms,p99_ms,server_cpu_ms},"rank":{...,ratio},"feedback":{...,ratio},"rank_base64":{...,ratio}}
// with ratio = rps / floor rps from the same run, and server_cpu_ms the CPU the server's whole process tree
// (wrangler's Node process, its proxy workerd, the Worker's workerd) spent per request (bench/proc-cpu.ts).
// BENCH_DIAG=1 adds two diagnostic routes, rank_one (POST /v1/rank with one candidate, a 5 KB body: the route's cost
// without the big body) and feedback_first (each request a new user's first comparison: the read-then-write path),
// and a table of each route's server CPU per request split by process (to stderr).
// The load generator runs in this process, on the same 2 cores as the server: rank bodies are prebuilt requests
// (see `fixed` below) so that it adds as little as it can. BENCH_SECONDS (default 16) is each route's total time,
// split over BENCH_ROUNDS (default 8, a multiple of the 4 routes: each starts a round equally often) rounds; p50/p99
// are the rounds' values weighted by their request counts.
import { rmSync } from "node:fs";
import path from "node:path";
import autocannon from "autocannon";
import { Mulberry32 } from "../core/prng.ts";
import { strayServers, treeCpuByProcess, treeCpuMs } from "./proc-cpu.ts";
import { bin, freePort, offlineEnv, projectRoot, runToEnd, startService, waitForHttp, type Service } from "../scripts/processes.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 16);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 8));
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CONNECTIONS = 32;
const D = 512;
const J = 16;
const CANDIDATES = 16;
const RANK_USERS = 64;
const FEEDBACK_USERS = 512;
const SEED_FEEDBACK_PER_USER = 8;

const stateDir = process.env.BENCH_STATE_DIR ?? path.join(projectRoot, ".wrangler", "bench");
const adminToken = `bench-${Math.random().toString(36).slice(2)}`;

const rng = new Mulberry32(2025);
const uniform = () => rng.nextU32() / 4294967296;
/** A unit-scale random vector with 6 significant digits (what a client would realistically send). */
const vector = (): number[] => Array.from({ length: D }, () => Number((uniform() * 2 - 1).toPrecision(6)));
/** The same vector as base64 of little-endian float32s. */
const base64F32 = (v: number[]): string => Buffer.from(Float32Array.from(v).buffer).toString("base64");

function basisArtifact(id: string) {
  const scale = Math.sqrt(3 / D);
  return {
    format: "pref-basis/1",
    id,
    created_at: new Date().toISOString(),
    embedder: { id: "bench-embedder:512", d: D },
    J,
    W: Array.from({ length: J }, () => Array.from({ length: D }, () => (uniform() * 2 - 1) * scale)),
    mu0: Array.from({ length: J }, () => uniform() - 0.5),
    sigma0: Array.from({ length: J }, (_, i) => Array.from({ length: J }, (_, k) => (i === k ? 1 : 0))),
    labels: null,
    training: { note: "synthetic benchmark basis" },
  };
}

async function json(base: string, method: string, p: string, token: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

async function seed(base: string) {
  const basisId = `bench-${Date.now()}`;
  await json(base, "POST", "/admin/bases", adminToken, basisArtifact(basisId));
  await json(base, "PUT", "/admin/default-basis", adminToken, { basis: basisId });
  const tenant = await json(base, "POST", "/admin/tenants", adminToken, {
    name: "bench",
    embedder: { kind: "vectors", id: "bench-embedder:512" },
    basis: basisId,
  });
  const { key } = await json(base, "POST", `/admin/tenants/${tenant.id}/keys`, adminToken, { name: "bench" });
  // The bench's one key sends ~30,000 requests a minute: beyond any rate-limit plan.
  await json(base, "PUT", `/admin/tenants/${tenant.id}/limits`, adminToken, { rate_limit_plan: "unlimited" });

  // Users with history, so rank reads real posteriors.
  const pool = Array.from({ length: 32 }, vector);
  const seeding: (() => Promise<unknown>)[] = [];
  for (let u = 0; u < RANK_USERS; u++)
    for (let i = 0; i < SEED_FEEDBACK_PER_USER; i++)
      seeding.push(() =>
        json(base, "POST", "/v1/feedback", key, {
          user: `rank-user-${u}`,
          prompt: "seed",
          chosen: { embedding: pool[(u + i) % 32] },
          rejected: { embedding: pool[(u + 3 * i + 1) % 32] },
        }),
      );
  // A few at a time: this is setup, not the benchmark.
  for (let i = 0; i < seeding.length; i += 16) await Promise.all(seeding.slice(i, i + 16).map((send) => send()));
  return { key: key as string, basisId };
}

interface Phase {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** CPU ms the server's process tree used during the phase (null without /proc). */
  server_cpu_ms: number | null;
  /** BENCH_DIAG: the same per process of the tree ("name pid" -> ms). */
  server_cpu_by_process?: Record<string, number>;
}

const DIAG = !!process.env.BENCH_DIAG;

/** CPU ms per process of the server tree between two snapshots (processes that started meanwhile count from 0). */
function cpuDelta(before: ReturnType<typeof treeCpuByProcess>, after: ReturnType<typeof treeCpuByProcess>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pid, p] of after ?? []) out[`${p.name} ${pid}`] = p.ms - (before?.get(pid)?.ms ?? 0);
  return out;
}

/** The process whose tree is the server (wrangler and the workerd processes it runs), once started. */
let serverPid: number | undefined;

async function load(name: string, opts: autocannon.Options, seconds: number): Promise<Phase> {
  const cpuBefore = serverPid === undefined ? null : treeCpuMs(serverPid);
  const eachBefore = DIAG && serverPid !== undefined ? treeCpuByProcess(serverPid) : null;
  const result = await autocannon({ connections: CONNECTIONS, duration: seconds, timeout: 30, ...opts, title: name });
  const eachAfter = DIAG && serverPid !== undefined ? treeCpuByProcess(serverPid) : null;
  const cpuAfter = serverPid === undefined ? null : treeCpuMs(serverPid);
  const phase = {
    rps: result.requests.total / seconds,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    server_cpu_ms: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
    ...(eachAfter ? { server_cpu_by_process: cpuDelta(eachBefore, eachAfter) } : {}),
  };
  if (phase.non2xx > 0 || phase.errors > 0) throw new Error(`${name}: ${phase.non2xx} non-2xx answers and ${phase.errors} errors`);
  return phase;
}

/** Rounds of one route -> one Phase (total requests / total time; latencies weighted by requests). */
function combine(rounds: Phase[], seconds: number): Phase {
  const requests = rounds.reduce((s, r) => s + r.requests, 0);
  const weighted = (k: "p50_ms" | "p99_ms") => Math.round(rounds.reduce((s, r) => s + r[k] * r.requests, 0) / Math.max(requests, 1));
  const cpu = rounds.some((r) => r.server_cpu_ms === null) ? null : rounds.reduce((s, r) => s + r.server_cpu_ms!, 0);
  const byProcess: Record<string, number> = {};
  for (const r of rounds) for (const [k, ms] of Object.entries(r.server_cpu_by_process ?? {})) byProcess[k] = (byProcess[k] ?? 0) + ms;
  return {
    rps: Math.round((requests / seconds) * 10) / 10,
    p50_ms: weighted("p50_ms"),
    p99_ms: weighted("p99_ms"),
    requests,
    non2xx: 0,
    errors: 0,
    server_cpu_ms: cpu,
    ...(DIAG ? { server_cpu_by_process: byProcess } : {}),
  };
}

/** Server CPU ms per request, 2 decimals; null without /proc. */
const cpuPerRequest = (r: Phase): number | null => (r.server_cpu_ms === null ? null : Math.round((r.server_cpu_ms / Math.max(r.requests, 1)) * 100) / 100);

async function main(): Promise<void> {
  const strays = strayServers();
  if (strays.length > 0)
    console.error(
      `warning: ${strays.length} wrangler/workerd process(es) already running will share the CPU and skew the ratios:\n` +
        strays.map((p) => `  ${p.pid} ${p.command.slice(0, 120)}`).join("\n"),
    );
  await runToEnd("npm", ["run", "--silent", "build:wasm"], { quiet: true });
  rmSync(stateDir, { recursive: true, force: true });
  const env = offlineEnv({ XDG_CONFIG_HOME: path.join(stateDir, "config") });
  await runToEnd(bin("wrangler"), ["d1", "migrations", "apply", "DB", "--local", "--persist-to", path.join(stateDir, "state")], { quiet: true, env });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let server: Service | undefined;
  // Stop wrangler the way Ctrl-C does (SIGINT to its process group), so it reaps its own workerd children;
  // the helper's stop() (SIGTERM, then SIGKILL) follows for anything left.
  const stop = async () => {
    const child = server?.child;
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, "SIGINT");
      } catch {
        // already gone
      }
      await Promise.race([server!.exited, new Promise((r) => setTimeout(r, 5_000))]);
    }
    await server?.stop();
  };
  process.once("SIGINT", () => void stop().then(() => process.exit(130)));
  try {
    server = startService(
      "wrangler dev",
      bin("wrangler"),
      [
        "dev",
        "--ip", "127.0.0.1",
        "--port", String(port),
        "--persist-to", path.join(stateDir, "state"),
        "--var", `ADMIN_TOKEN:${adminToken}`,
        "--var", `HASH_SECRET:${adminToken}-hash`,
        ...(process.env.BENCH_LOG_LEVEL ? ["--var", `LOG_LEVEL:${process.env.BENCH_LOG_LEVEL}`] : []),
        "--log-level", "warn",
        "--show-interactive-dev-session=false",
      ],
      { quiet: true, env },
    );
    await waitForHttp(`${base}/health`, 60_000, server);
    serverPid = server.child.pid;
    const { key } = await seed(base);
    const auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };

    // Request bodies, prepared up front (the generator must not be the bottleneck).
    const rankVectors = Array.from({ length: RANK_USERS }, () => Array.from({ length: CANDIDATES }, vector));
    const rankBody = (u: number, encode: (v: number[]) => number[] | string) =>
      JSON.stringify({ user: `rank-user-${u}`, prompt: "bench", candidates: rankVectors[u].map((v) => ({ embedding: encode(v) })) });
    const rankBodies = rankVectors.map((_, u) => rankBody(u, (v) => v));
    const rankBase64Bodies = rankVectors.map((_, u) => rankBody(u, base64F32));
    const pairPool = Array.from({ length: 64 }, vector);
    const feedbackBodies = Array.from({ length: FEEDBACK_USERS }, (_, u) =>
      JSON.stringify({
        user: `feedback-user-${u}`,
        prompt: "bench",
        chosen: { embedding: pairPool[u % 64] },
        rejected: { embedding: pairPool[(u * 7 + 1) % 64] },
      }),
    );
    // Rank bodies are static requests: autocannon builds their bytes once and each connection cycles through them,
    // so the generator (which shares these 2 cores with the server) does no per-request work for 78 KB bodies.
    const fixed = (bodies: string[]): autocannon.Options["requests"] => bodies.map((body) => ({ body: Buffer.from(body) }));
    // Feedback bodies are small and must spread over users (every connection starting at the same user would
    // measure write contention on one row, not the route), so one shared counter picks the next body.
    const cycling = (bodies: string[]): autocannon.Options["requests"] => {
      let next = 0;
      return [{ setupRequest: (req: any) => ({ ...req, body: bodies[next++ % bodies.length] }) }];
    };

    const phases: Record<string, autocannon.Options> = {
      floor: { url: `${base}/health` },
      rank: { url: `${base}/v1/rank`, method: "POST", headers: auth, requests: fixed(rankBodies) },
      rank_base64: { url: `${base}/v1/rank`, method: "POST", headers: auth, requests: fixed(rankBase64Bodies) },
      feedback: { url: `${base}/v1/feedback`, method: "POST", headers: auth, requests: cycling(feedbackBodies) },
    };
    if (DIAG) {
      const rankOneBodies = rankVectors.map((v, u) => JSON.stringify({ user: `rank-user-${u}`, prompt: "bench", candidates: [{ embedding: v[0] }] }));
      phases.rank_one = { url: `${base}/v1/rank`, method: "POST", headers: auth, requests: fixed(rankOneBodies) };
      // A user's first comparison: nothing remembered, so the read, then the write (the path every comparison took
      // before services/written-users.ts, and one a user's next comparison takes in another isolate).
      let first = 0;
      const firstTail = feedbackBodies[0].slice(feedbackBodies[0].indexOf(`"prompt"`));
      phases.feedback_first = {
        url: `${base}/v1/feedback`,
        method: "POST",
        headers: auth,
        requests: [{ setupRequest: (req: any) => ({ ...req, body: `{"user":"first-${first++}",${firstTail}` }) }],
      };
    }
    // BENCH_ONLY=floor,feedback runs a subset (the floor always runs).
    const only = process.env.BENCH_ONLY?.split(",");
    if (only) for (const k of Object.keys(phases)) if (k !== "floor" && !only.includes(k)) delete phases[k];
    console.error(`rank body: ${rankBodies[0].length} bytes as JSON numbers, ${rankBase64Bodies[0].length} as base64 float32`);
    if (WARMUP_SECONDS > 0) for (const [name, opts] of Object.entries(phases)) await load(`${name} warm-up`, opts, WARMUP_SECONDS);
    const rounds: Record<string, Phase[]> = Object.fromEntries(Object.keys(phases).map((k) => [k, []]));
    // Each round starts one route later (round 2: rank, rank_base64, feedback, floor, ...), so every route follows
    // every other equally often: feedback's writes (and the D1 work they leave behind) do not always land before
    // the same route.
    const order = Object.entries(phases);
    for (let round = 0; round < ROUNDS; round++)
      for (const [name, opts] of [...order.slice(round % order.length), ...order.slice(0, round % order.length)]) {
        const r = await load(name, opts, SECONDS / ROUNDS);
        rounds[name].push(r);
        console.error(`round ${round + 1}/${ROUNDS} ${name}: ${r.rps.toFixed(1)} req/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms`);
      }
    const results = Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, combine(v, SECONDS)])) as Record<string, Phase>;

    if (DIAG) printCpuByProcess(results);
    if (only) {
      console.log(
        JSON.stringify(
          Object.fromEntries(
            Object.entries(results).map(([k, r]) => [
              k,
              { rps: r.rps, p50_ms: r.p50_ms, p99_ms: r.p99_ms, server_cpu_ms: cpuPerRequest(r), ratio: Math.round((r.rps / results.floor.rps) * 100) / 100 },
            ]),
          ),
        ),
      );
      return;
    }
    const floor = results.floor.rps;
    const ratio = (rps: number) => Math.round((rps / floor) * 100) / 100;
    console.log(`\nPReF Edge API, wrangler dev on 127.0.0.1, ${CONNECTIONS} connections, ${SECONDS} s per route in ${ROUNDS} rounds (d = ${D}, J = ${J})`);
    console.log("| route | req/s | p50 ms | p99 ms | requests | server CPU ms/request | ratio to floor |");
    console.log("|---|---:|---:|---:|---:|---:|---:|");
    const row = (label: string, r: Phase, x: string) =>
      console.log(`| ${label} | ${r.rps} | ${r.p50_ms} | ${r.p99_ms} | ${r.requests} | ${cpuPerRequest(r)?.toFixed(2) ?? "n/a"} | ${x} |`);
    row("GET /health (floor)", results.floor, "1.00");
    row(`POST /v1/rank (${CANDIDATES} x ${D}-d vectors, JSON numbers)`, results.rank, ratio(results.rank.rps).toFixed(2));
    row(`POST /v1/rank (${CANDIDATES} x ${D}-d vectors, base64 float32)`, results.rank_base64, ratio(results.rank_base64.rps).toFixed(2));
    row("POST /v1/feedback", results.feedback, ratio(results.feedback.rps).toFixed(2));
    if (results.rank_one) row(`diagnostic: POST /v1/rank with 1 x ${D}-d vector`, results.rank_one, ratio(results.rank_one.rps).toFixed(2));
    if (results.feedback_first) row("diagnostic: POST /v1/feedback, each a new user's first", results.feedback_first, ratio(results.feedback_first.rps).toFixed(2));
    const pick = (r: Phase) => ({ rps: r.rps, p50_ms: r.p50_ms, p99_ms: r.p99_ms, server_cpu_ms: cpuPerRequest(r) });
    console.log(
      JSON.stringify({
        floor: pick(results.floor),
        rank: { ...pick(results.rank), ratio: ratio(results.rank.rps) },
        feedback: { ...pick(results.feedback), ratio: ratio(results.feedback.rps) },
        rank_base64: { ...pick(results.rank_base64), ratio: ratio(results.rank_base64.rps) },
        ...(results.rank_one ? { rank_one: { ...pick(results.rank_one), ratio: ratio(results.rank_one.rps) } } : {}),
        ...(results.feedback_first ? { feedback_first: { ...pick(results.feedback_first), ratio: ratio(results.feedback_first.rps) } } : {}),
      }),
    );
  } finally {
    await stop();
  }
}

/** BENCH_DIAG: server CPU ms per request, per process of the tree (to stderr: the last stdout line stays the JSON). */
function printCpuByProcess(results: Record<string, Phase>) {
  const names = [...new Set(Object.values(results).flatMap((r) => Object.keys(r.server_cpu_by_process ?? {})))];
  const used = names.filter((n) => Object.values(results).some((r) => (r.server_cpu_by_process?.[n] ?? 0) > 0));
  console.error(`\nserver CPU ms/request by process\n| route | ${used.join(" | ")} |\n|---|${used.map(() => "---:").join("|")}|`);
  for (const [route, r] of Object.entries(results))
    console.error(`| ${route} | ${used.map((n) => ((r.server_cpu_by_process?.[n] ?? 0) / r.requests).toFixed(3)).join(" | ")} |`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
