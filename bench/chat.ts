// `npm run bench:chat`: the latency the service adds to an LLM call (issue 18), on this machine, offline.
// The Worker under `wrangler dev` (fresh local D1, the shipped default basis, d = 1024), a local LLM stand-in that
// generates real AlpacaEval answers at a token rate (bench/chat-upstream.ts: time to first token, then tokens per
// second, cut at max_tokens; it honours n and streams when asked), and three embedders, one tenant each
// (bench/chat-embeddings.ts): `stand-in` (precomputed vectors at once: the service's own cost), `use-lite` (the
// offline USE-lite model through the local embeddings server, `pref serve-embeddings`, with an empty cache) and
// `remote-20ms` (an OpenAI-compatible endpoint answering after 20 ms). Chat requests from many users with history
// (each request another user, its own prompt and n answers never used before, so no cache can help) at
// n = 4, 8, 16, in interleaved rounds; per point: x-pref-overhead-ms p50/p99 (what the Worker says it added), the
// same seen from outside (client time minus the stand-in's own time for the request: wrangler dev's proxy
// included), the server's CPU per request (wrangler's process tree, bench/proc-cpu.ts) and the embeddings server's.
// Prints a table and, as the last line, {"points": [{"embedder", "n", "overhead_p50_ms", "overhead_p99_ms", ...}]}.
// BENCH_BASELINE=<another checkout> (its own node_modules and build/, e.g. `git archive main`) runs that Worker too,
// with the same tenants, point by point next to this one, and prints baseline/this ratios: the only fair
// before/after on a shared, loaded machine. Failed requests (an embedder timing out under load) are counted.
// Knobs (defaults keep a run to a few minutes): BENCH_REQUESTS (per point, 32; use-lite: BENCH_USE_LITE_REQUESTS,
// 12), BENCH_ROUNDS (2), BENCH_CONCURRENCY (8 clients at once; use-lite: BENCH_USE_LITE_CONCURRENCY, 1: the model
// costs ~0.1 s of CPU per 128-token window and the machine has 2 cores), BENCH_TTFT_MS (250), BENCH_TOKENS_PER_S
// (400), BENCH_MAX_TOKENS (256), BENCH_EMBEDDERS, BENCH_N, BENCH_USE_LITE_N, BENCH_USE_N (true: one call with n;
// false: parallel single calls), BENCH_UPSTREAM_STREAM (the Worker's UPSTREAM_STREAM), BENCH_DATA; BENCH_DIAG=1 splits the server's CPU by process (to stderr).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { readPromptResponses } from "../cli/data/alpaca.ts";
import { Mulberry32 } from "../core/prng.ts";
import { DEFAULT_BASIS_PATH, startLocalStack, type LocalStack } from "../scripts/local-stack.ts";
import { freePort, offlineEnv, projectRoot, startService, waitForHttp, type Service } from "../scripts/processes.ts";
import { EmbeddingsStandIn, REMOTE_MODEL, STAND_IN_MODEL } from "./chat-embeddings.ts";
import { UpstreamStandIn } from "./chat-upstream.ts";
import { strayServers, treeCpuByProcess, treeCpuMs } from "./proc-cpu.ts";
import { jsonCall } from "./json-call.ts";
import { percentile } from "./percentile.ts";

const env = (name: string, fallback: number) => (process.env[name] === undefined ? fallback : Number(process.env[name]));
const REQUESTS = env("BENCH_REQUESTS", 32);
const USE_LITE_REQUESTS = env("BENCH_USE_LITE_REQUESTS", 12);
const ROUNDS = Math.max(1, env("BENCH_ROUNDS", 2));
const CONCURRENCY = env("BENCH_CONCURRENCY", 8);
const USE_LITE_CONCURRENCY = env("BENCH_USE_LITE_CONCURRENCY", 1);
const TTFT_MS = env("BENCH_TTFT_MS", 250);
const TOKENS_PER_S = env("BENCH_TOKENS_PER_S", 400);
const MAX_TOKENS = env("BENCH_MAX_TOKENS", 256);
const USE_N = process.env.BENCH_USE_N !== "false";
const DIAG = !!process.env.BENCH_DIAG;
const USERS = 48;
const HISTORY = 4;
const DATA = process.env.BENCH_DATA ?? path.join(projectRoot, "..", "shared", "data", "alpacaeval-responses.jsonl.gz");

type EmbedderName = "stand-in" | "use-lite" | "remote-20ms";
const ALL_EMBEDDERS: EmbedderName[] = ["stand-in", "remote-20ms", "use-lite"];
const EMBEDDERS = (process.env.BENCH_EMBEDDERS?.split(",") as EmbedderName[] | undefined) ?? ALL_EMBEDDERS;
const NS = process.env.BENCH_N?.split(",").map(Number) ?? [4, 8, 16];
const USE_LITE_NS = process.env.BENCH_USE_LITE_N?.split(",").map(Number) ?? NS;
/** Another checkout (its own node_modules and build/) whose Worker is measured alongside, point by point. */
const BASELINE = process.env.BENCH_BASELINE;

interface Basis {
  id: string;
  embedder: { id: string; d: number };
}

interface Sample {
  overhead: number;
  outside: number;
  upstream: number;
}

type Variant = "this" | "baseline";

/** A Worker under test: this checkout's, or the baseline's (BENCH_BASELINE), with the same tenants and users. */
interface Target {
  variant: Variant;
  stack: LocalStack;
  keys: Record<EmbedderName, string>;
  userTurn: Record<string, number>;
}

interface Point {
  target: Target;
  errors: string[];
  embedder: EmbedderName;
  n: number;
  samples: Sample[];
  serverCpuMs: number;
  embedderCpuMs: number;
}

/** Requests' texts: each a prompt and n of its answers, no answer used twice in the whole run. */
class Plan {
  private readonly prompts: { prompt: string; answers: string[] }[];
  private cursor = 0;

  constructor(data: Awaited<ReturnType<typeof readPromptResponses>>) {
    const rng = new Mulberry32(18);
    this.prompts = data.map((p) => ({ prompt: p.prompt, answers: p.responses.map((r) => r.text).filter((t) => t.trim() !== "") }));
    for (let i = this.prompts.length - 1; i > 0; i--) {
      const j = rng.nextU32() % (i + 1);
      [this.prompts[i], this.prompts[j]] = [this.prompts[j], this.prompts[i]];
    }
  }

  next(n: number): { prompt: string; answers: string[] } {
    for (let tries = 0; tries < this.prompts.length; tries++) {
      const p = this.prompts[this.cursor++ % this.prompts.length];
      if (p.answers.length >= n) return { prompt: p.prompt, answers: p.answers.splice(0, n) };
    }
    throw new Error("the data has run out of unused answers: lower BENCH_REQUESTS");
  }
}


async function main(): Promise<void> {
  const strays = strayServers();
  if (strays.length > 0) console.error(`warning: ${strays.length} wrangler/workerd process(es) already running share the CPU`);
  const loadBefore = os.loadavg();
  const data = await readPromptResponses(DATA);
  const plan = new Plan(data);
  const basis = JSON.parse(readFileSync(DEFAULT_BASIS_PATH, "utf8")) as Basis;

  const services: Service[] = [];
  const cacheDir = mkdtempSync(path.join(tmpdir(), "pref-bench-chat-cache-"));
  const stacks: LocalStack[] = [];
  const upstream = await UpstreamStandIn.start({ ttftMs: TTFT_MS, tokensPerSecond: TOKENS_PER_S });
  const embeddings = await EmbeddingsStandIn.start(basis.embedder.d);
  const stopAll = async () => {
    await Promise.all(stacks.map((st) => st.stop()));
    await Promise.all(services.map((s) => s.stop()));
    await upstream.stop();
    await embeddings.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  };
  process.once("SIGINT", () => void stopAll().then(() => process.exit(130)));
  try {
    let useLitePid: number | undefined;
    if (EMBEDDERS.includes("use-lite")) {
      // An empty cache of its own: the answers must be embedded, not found on disk from an earlier run.
      const port = await freePort();
      const server = startService("embeddings server", process.execPath, [path.join(projectRoot, "cli", "bin", "pref.js"), "serve-embeddings", "--port", String(port)], {
        quiet: true,
        env: offlineEnv({ PREF_CACHE_DIR: cacheDir }),
      });
      services.push(server);
      await waitForHttp(`http://127.0.0.1:${port}/v1/models`, 60_000, server);
      embeddings.useLiteUrl = `http://127.0.0.1:${port}/v1/embeddings`;
      // Load the model in every thread before the Worker's first call (its embedder call times out after 10 s).
      const warm = await fetch(embeddings.useLiteUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: basis.embedder.id, input: Array.from({ length: 8 }, (_, i) => `Warming up the model, text ${i}.`) }),
      });
      if (!warm.ok) throw new Error(`warming the USE-lite server: ${warm.status} ${await warm.text()}`);
      useLitePid = server.child.pid;
    }
    const models: Record<EmbedderName, string> = { "stand-in": STAND_IN_MODEL, "remote-20ms": REMOTE_MODEL, "use-lite": basis.embedder.id };
    const rng = new Mulberry32(2026);
    const vector = () => Array.from({ length: basis.embedder.d }, () => Number(((rng.nextU32() / 2 ** 32) * 2 - 1).toPrecision(6)));
    const startTarget = async (variant: Variant, root?: string): Promise<Target> => {
      const stack = await startLocalStack({
        embeddings: false,
        seed: false,
        quiet: true,
        isolated: true,
        root,
        vars: {
          EMBEDDINGS_URL: embeddings.url,
          UPSTREAM_URL: upstream.baseUrl,
          UPSTREAM_MODEL: "bench-llm",
          UPSTREAM_USE_N: String(USE_N),
          ...(process.env.BENCH_UPSTREAM_STREAM ? { UPSTREAM_STREAM: process.env.BENCH_UPSTREAM_STREAM } : {}),
          ...(process.env.BENCH_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_LOG_LEVEL } : {}),
        },
      });
      stacks.push(stack);
      const base = stack.url;
      const token = stack.adminToken;
      const admin = (method: string, route: string, body?: unknown) => jsonCall(fetch, base, method, route, token, body);
      await admin("POST", "/admin/bases", basis);
      const keys = {} as Record<EmbedderName, string>;
      for (const name of EMBEDDERS) {
        const tenant = await admin("POST", "/admin/tenants", {
          name: `bench-chat-${name}`,
          embedder: { kind: "openai", id: basis.embedder.id, model: models[name] },
          basis: basis.id,
        });
        await admin("PUT", `/admin/tenants/${tenant.id}/limits`, { rate_limit_plan: "unlimited" });
        keys[name] = (await admin("POST", `/admin/tenants/${tenant.id}/keys`, { name: "bench" })).key;
        // Users with history: the read returns real posteriors and the question path has answered pairs to check.
        // Eight at a time: a burst of dozens of writes makes wrangler dev restart the Worker mid-request.
        for (let i = 0; i < HISTORY; i++)
          for (let u0 = 0; u0 < USERS; u0 += 8)
            await Promise.all(
              Array.from({ length: Math.min(8, USERS - u0) }, (_, k) =>
                jsonCall(fetch, base, "POST", "/v1/feedback", keys[name], { user: `user-${u0 + k}`, prompt: `seed ${i}`, chosen: { embedding: vector() }, rejected: { embedding: vector() } }),
              ),
            );
      }
      return { variant, stack, keys, userTurn: {} };
    };
    const targets: Target[] = [await startTarget("this")];
    if (BASELINE) targets.push(await startTarget("baseline", path.resolve(BASELINE)));

    let requestNo = 0;
    const send = async (target: Target, name: EmbedderName, n: number): Promise<Sample | string> => {
      const id = `r${requestNo++}`;
      const { prompt, answers } = plan.next(n);
      upstream.plan(id, answers);
      embeddings.register(answers.map((a) => (a.length > MAX_TOKENS * 4 ? a.slice(0, MAX_TOKENS * 4) : a)));
      const user = `user-${(target.userTurn[name] = ((target.userTurn[name] ?? -1) + 1) % USERS)}`;
      const t0 = performance.now();
      const res = await fetch(`${target.stack.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${target.keys[name]}`, "content-type": "application/json" },
        // `bench` is forwarded upstream as callers' extra fields are: it names the stand-in's plan entry.
        body: JSON.stringify({ model: "any", user, messages: [{ role: "user", content: prompt }], max_tokens: MAX_TOKENS, pref: { n }, bench: id }),
      });
      const text = await res.text();
      const wall = performance.now() - t0;
      // A failed request (the loaded machine's embedder timing out) is counted and reported, not measured.
      if (res.status !== 200) {
        upstream.forget(id);
        return `${res.status} ${text.slice(0, 200)}`;
      }
      const header = res.headers.get("x-pref-overhead-ms");
      const overhead = Number(header);
      if (header === null || !Number.isFinite(overhead)) throw new Error(`x-pref-overhead-ms missing or not a number: ${header}`);
      const span = upstream.span(id);
      upstream.forget(id);
      if (span === null) throw new Error(`the stand-in has no finished call for ${id}`);
      return { overhead, outside: wall - span, upstream: span };
    };
    const concurrency = (name: EmbedderName) => (name === "use-lite" ? USE_LITE_CONCURRENCY : CONCURRENCY);
    const run = async (target: Target, name: EmbedderName, n: number, count: number): Promise<{ samples: Sample[]; errors: string[] }> => {
      const samples: Sample[] = [];
      const errors: string[] = [];
      let left = count;
      await Promise.all(
        Array.from({ length: Math.min(concurrency(name), count) }, async () => {
          while (left > 0) {
            left--;
            const out = await send(target, name, n);
            if (typeof out === "string") errors.push(out);
            else samples.push(out);
          }
        }),
      );
      return { samples, errors };
    };

    // Warm-up: the isolate, the core, each tenant's basis and first requests, the model threads.
    for (const target of targets) for (const name of EMBEDDERS) await run(target, name, 4, Math.max(4, concurrency(name) * 2));

    // Each (embedder, n) on every target, next to each other, so that both see the same moment of the machine.
    const points: Point[] = EMBEDDERS.flatMap((embedder) =>
      (embedder === "use-lite" ? USE_LITE_NS : NS).flatMap((n) =>
        targets.map((target) => ({ target, embedder, n, samples: [] as Sample[], errors: [] as string[], serverCpuMs: 0, embedderCpuMs: 0 })),
      ),
    );
    const requests = (name: EmbedderName) => (name === "use-lite" ? USE_LITE_REQUESTS : REQUESTS);
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts one point later, so slow drifts of the machine's load hit every point alike.
      const shift = (round * targets.length) % points.length;
      const order = [...points.slice(shift), ...points.slice(0, shift)];
      for (const p of order) {
        const serverPid = p.target.stack.serverPid;
        const each0 = DIAG ? treeCpuByProcess(serverPid) : null;
        const cpu0 = treeCpuMs(serverPid);
        const emb0 = useLitePid === undefined ? null : treeCpuMs(useLitePid);
        const done = p.samples.length + p.errors.length;
        const { samples, errors } = await run(p.target, p.embedder, p.n, Math.min(Math.ceil(requests(p.embedder) / ROUNDS), requests(p.embedder) - done));
        const cpu1 = treeCpuMs(serverPid);
        const each1 = DIAG ? treeCpuByProcess(serverPid) : null;
        if (each1)
          console.error(
            `  server CPU ms/request by process: ${[...each1].map(([pid, q]) => `${q.name} ${pid}: ${((q.ms - (each0?.get(pid)?.ms ?? 0)) / (samples.length + errors.length)).toFixed(2)}`).join(", ")}`,
          );
        const emb1 = useLitePid === undefined ? null : treeCpuMs(useLitePid);
        p.samples.push(...samples);
        p.errors.push(...errors);
        p.serverCpuMs += cpu0 === null || cpu1 === null ? NaN : cpu1 - cpu0;
        p.embedderCpuMs += emb0 === null || emb1 === null ? 0 : emb1 - emb0;
        const o = samples.map((x) => x.overhead);
        console.error(
          `round ${round + 1}/${ROUNDS} ${p.target.variant} ${p.embedder} n=${p.n}: ${samples.length} requests, overhead p50 ${percentile(o, 0.5)} ms, p99 ${percentile(o, 0.99)} ms` +
            (errors.length ? `; ${errors.length} failed: ${errors[0]}` : ""),
        );
      }
    }

    const loadAfter = os.loadavg();
    const round1 = (x: number) => Math.round(x * 10) / 10;
    const summarize = (p: Point) => {
      const o = p.samples.map((x) => x.overhead);
      const out = p.samples.map((x) => x.outside);
      const up = p.samples.map((x) => x.upstream);
      const count = p.samples.length + p.errors.length;
      return {
        embedder: p.embedder,
        n: p.n,
        overhead_p50_ms: percentile(o, 0.5) ?? null,
        overhead_p99_ms: percentile(o, 0.99) ?? null,
        outside_p50_ms: round1(percentile(out, 0.5)),
        outside_p99_ms: round1(percentile(out, 0.99)),
        upstream_p50_ms: round1(percentile(up, 0.5)),
        server_cpu_ms: round1(p.serverCpuMs / count),
        embedder_cpu_ms: round1(p.embedderCpuMs / count),
        requests: p.samples.length,
        failed: p.errors.length,
      };
    };
    const ours = points.filter((p) => p.target.variant === "this").map(summarize);
    const baseline = points.filter((p) => p.target.variant === "baseline").map(summarize);
    const ratio = (a: number | null, b: number | null) => (a === null || b === null || a === 0 ? null : Math.round((b / a) * 100) / 100);
    const ratios = baseline.map((b) => {
      const a = ours.find((x) => x.embedder === b.embedder && x.n === b.n)!;
      return { embedder: b.embedder, n: b.n, p50_baseline_over_this: ratio(a.overhead_p50_ms, b.overhead_p50_ms), p99_baseline_over_this: ratio(a.overhead_p99_ms, b.overhead_p99_ms), cpu_baseline_over_this: ratio(a.server_cpu_ms, b.server_cpu_ms) };
    });
    console.log(
      `\nPReF Edge chat overhead, wrangler dev on 127.0.0.1; upstream stand-in: ${TTFT_MS} ms to first token, ${TOKENS_PER_S} tokens/s, max_tokens ${MAX_TOKENS}, ` +
        `${USE_N ? "one call with n" : "parallel single calls"}; ${CONCURRENCY} clients at once (use-lite: ${USE_LITE_CONCURRENCY}); ` +
        `load average ${loadBefore[0].toFixed(2)} before, ${loadAfter[0].toFixed(2)} after${BASELINE ? `; baseline: ${BASELINE}, interleaved point by point` : ""}`,
    );
    console.log("| worker | embedder | n | requests (failed) | overhead p50 ms | p99 ms | outside p50 ms | p99 ms | upstream p50 ms | server CPU ms/req | embedder CPU ms/req |");
    console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const [variant, rows] of [["this", ours], ["baseline", baseline]] as const)
      for (const x of rows)
        console.log(
          `| ${variant} | ${x.embedder} | ${x.n} | ${x.requests} (${x.failed}) | ${x.overhead_p50_ms} | ${x.overhead_p99_ms} | ${x.outside_p50_ms} | ${x.outside_p99_ms} | ${x.upstream_p50_ms} | ${x.server_cpu_ms} | ${x.embedder_cpu_ms} |`,
        );
    if (ratios.length > 0) {
      console.log("\n| embedder | n | p50 baseline/this | p99 baseline/this | server CPU baseline/this |");
      console.log("|---|---:|---:|---:|---:|");
      for (const r of ratios) console.log(`| ${r.embedder} | ${r.n} | ${r.p50_baseline_over_this} | ${r.p99_baseline_over_this} | ${r.cpu_baseline_over_this} |`);
    }
    console.log(
      JSON.stringify({
        points: ours,
        ...(BASELINE ? { baseline: { points: baseline, ratios } } : {}),
        config: { ttft_ms: TTFT_MS, tokens_per_s: TOKENS_PER_S, max_tokens: MAX_TOKENS, use_n: USE_N, concurrency: CONCURRENCY, use_lite_concurrency: USE_LITE_CONCURRENCY },
        load_average: { before: Math.round(loadBefore[0] * 100) / 100, after: Math.round(loadAfter[0] * 100) / 100 },
      }),
    );
  } finally {
    await stopAll();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
