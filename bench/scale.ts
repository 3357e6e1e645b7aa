// `npm run bench:scale`: the scale-out user store (one SQLite-backed Durable Object per user) as the population grows.
// The bundled Worker runs in Miniflare (workerd) with wrangler.toml's bindings (D1, the Durable Object class, the
// archive queue, R2). A seeder Worker in the same Miniflare writes synthetic users straight into the store (each
// object gets a realistic log of COMPARISONS comparisons at d = 512 and the posterior re-fitted from it; no archive
// traffic), up to each population size in turn; then POST /v1/rank (16 candidates) and POST /v1/feedback are timed
// for users drawn uniformly from the whole population, one request at a time, with the CPU the workerd processes
// spent per request (from /proc). Hot bytes per user: the state row the hot path reads, at J = 16 with 20
// comparisons (the raw log stays in the object's log table, read only to re-fit, export or delete).
// BENCH_SCALE_POINTS (default "10000,100000,1000000"), BENCH_SCALE_REQUESTS (per route and point, default 300),
// BENCH_SCALE_STORE (default durable-objects; "d1" seeds the D1 store through POST /v1/feedback and is only
// practical for small points). The last line is one JSON object:
// {"store", "points": [{users, rank_p50_ms, rank_p99_ms, feedback_p50_ms, feedback_p99_ms, rank_cpu_ms, feedback_cpu_ms,
//   seed_s}], "hot_bytes_per_user", "object_bytes_per_user", "wall_s"}
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { Mulberry32 } from "../core/prng.ts";
import { bin, offlineEnv, projectRoot, runToEnd } from "../scripts/processes.ts";
import { treeCpuByProcess } from "./proc-cpu.ts";
import { percentile } from "./percentile.ts";

const POINTS = (process.env.BENCH_SCALE_POINTS ?? "10000,100000,1000000").split(",").map(Number);
const REQUESTS = Number(process.env.BENCH_SCALE_REQUESTS ?? 300);
const D = 512;
const J = 16;
const COMPARISONS = 20;
const CANDIDATES = 16;
const SEED_CONCURRENCY = 32;

const rng = new Mulberry32(1616);
const uniform = () => rng.nextU32() / 4294967296;
const b64f32 = (n: number) => Buffer.from(Float32Array.from({ length: n }, () => uniform() * 2 - 1).buffer).toString("base64");

// The seeder Worker: its service binding names the Worker's StoreSeeder entrypoint (bench/scale/store-seeder.ts, built in by bench/scale/worker.ts).
const SEEDER = `
export default {
  async fetch(request, env) {
    const q = new URL(request.url).searchParams;
    const get = (k) => q.get(k);
    if (get("sizes")) return Response.json(await env.PREF.sizes(get("tenant"), get("user")));
    const n = await env.PREF.seed(get("tenant"), get("basis"), get("embedder"), Number(get("from")), Number(get("to")), Number(get("d")), Number(get("n")), Number(get("conc")));
    return new Response(String(n));
  },
};
`;

/** CPU ms of this process's children (workerd), not of this Node process (the load generator). */
function workerdCpuMs(): number {
  const each = treeCpuByProcess(process.pid);
  if (!each) return NaN;
  let ms = 0;
  for (const [pid, p] of each) if (pid !== process.pid) ms += p.ms;
  return ms;
}

async function main() {
  const started = Date.now();
  const store = process.env.BENCH_SCALE_STORE ?? "durable-objects";
  const dir = mkdtempSync(path.join(tmpdir(), "pref-scale-"));
  const env = offlineEnv({ XDG_CONFIG_HOME: path.join(dir, "config") });
  await runToEnd(bin("wrangler"), ["deploy", "--dry-run", "--outdir", path.join(dir, "dist"), path.join(projectRoot, "bench", "scale", "worker.ts")], { quiet: true, env });
  await runToEnd(bin("wrangler"), ["d1", "migrations", "apply", "DB", "--local", "--persist-to", path.join(dir, "state")], { quiet: true, env });
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(projectRoot, "wrangler.toml"));
  const token = "scale-admin";
  const mf = new Miniflare({
    workers: [
      {
        ...(workerOptions as object),
        name: "pref",
        modules: true,
        scriptPath: path.join(dir, "dist", "worker.js"),
        modulesRoot: path.join(dir, "dist"),
        modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
        bindings: { ...(workerOptions.bindings ?? {}), ADMIN_TOKEN: token, HASH_SECRET: "scale-hash", LOG_LEVEL: "warn" },
      },
      { name: "seeder", modules: true, script: SEEDER, compatibilityDate: "2026-04-01", serviceBindings: { PREF: { name: "pref", entrypoint: "StoreSeeder" } } },
    ],
    d1Persist: path.join(dir, "state", "v3", "d1"),
    durableObjectsPersist: path.join(dir, "state", "v3", "do"),
    r2Persist: path.join(dir, "state", "v3", "r2"),
    cf: false,
    handleRuntimeStdio: (o: NodeJS.ReadableStream, e: NodeJS.ReadableStream) => (o.resume(), e.resume()),
  } as ConstructorParameters<typeof Miniflare>[0]);
  try {
    const call = async (method: string, route: string, key: string, body?: unknown) => {
      const res = await mf.dispatchFetch(`http://pref.local${route}`, { method, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text.slice(0, 200)}`);
      return text ? JSON.parse(text) : null;
    };
    const basisId = "scale-basis";
    const embedder = `scale-embedder:${D}`;
    await call("POST", "/admin/bases", token, {
      format: "pref-basis/1",
      id: basisId,
      created_at: new Date().toISOString(),
      embedder: { id: embedder, d: D },
      J,
      W: Array.from({ length: J }, () => Array.from({ length: D }, () => (uniform() * 2 - 1) * Math.sqrt(3 / D))),
      mu0: Array.from({ length: J }, () => 0),
      sigma0: Array.from({ length: J }, (_, i) => Array.from({ length: J }, (_, k) => (i === k ? 1 : 0))),
      labels: null,
      training: { note: "bench:scale basis" },
    });
    const tenant = await call("POST", "/admin/tenants", token, { name: "scale", embedder: { kind: "vectors", id: embedder }, basis: basisId, user_store: store });
    await call("PUT", `/admin/tenants/${tenant.id}/limits`, token, { rate_limit_plan: "unlimited" });
    const key = (await call("POST", `/admin/tenants/${tenant.id}/keys`, token, { name: "scale" })).key;
    const candidates = Array.from({ length: CANDIDATES }, () => ({ embedding: b64f32(D) }));
    const points: object[] = [];
    let seeded = 0;
    for (const users of POINTS) {
      const t0 = Date.now();
      // The seeder is the second worker: reached through its own entry.
      const seed = await mf.getWorker("seeder");
      for (let from = seeded; from < users; from += 2000) {
        const res = await seed.fetch(`http://seeder.local/?tenant=${tenant.id}&basis=${basisId}&embedder=${embedder}&from=${from}&to=${Math.min(users, from + 2000)}&d=${D}&n=${COMPARISONS}&conc=${SEED_CONCURRENCY}`);
        if (!res.ok) throw new Error(`seed ${from}: ${res.status} ${(await res.text()).slice(0, 300)}`);
        await res.text();
        process.stderr.write(`\rseeded ${Math.min(users, from + 2000)} / ${users} users (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      }
      process.stderr.write("\n");
      const seedS = (Date.now() - t0) / 1000;
      seeded = users;
      const pick = () => `user-${Math.floor(uniform() * users)}`;
      const timed = async (route: string, body: () => unknown) => {
        for (let i = 0; i < 20; i++) await call("POST", route, key, body()); // warm-up
        const ms: number[] = [];
        const cpu0 = workerdCpuMs();
        for (let i = 0; i < REQUESTS; i++) {
          const b = body();
          const t = performance.now();
          await call("POST", route, key, b);
          ms.push(performance.now() - t);
        }
        const cpu = (workerdCpuMs() - cpu0) / REQUESTS;
        return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), cpu };
      };
      const rank = await timed("/v1/rank", () => ({ user: pick(), prompt: "p", candidates }));
      const feedback = await timed("/v1/feedback", () => ({ user: pick(), prompt: "p", chosen: { embedding: b64f32(D) }, rejected: { embedding: b64f32(D) } }));
      const point = {
        users,
        rank_p50_ms: +rank.p50.toFixed(2),
        rank_p99_ms: +rank.p99.toFixed(2),
        feedback_p50_ms: +feedback.p50.toFixed(2),
        feedback_p99_ms: +feedback.p99.toFixed(2),
        rank_cpu_ms: +rank.cpu.toFixed(2),
        feedback_cpu_ms: +feedback.cpu.toFixed(2),
        seed_s: +seedS.toFixed(1),
      };
      console.error(JSON.stringify(point));
      points.push(point);
    }
    // A user outside the drawn population: exactly its seeded comparisons.
    const seed = await mf.getWorker("seeder");
    const fresh = seeded;
        await (await seed.fetch(`http://seeder.local/?tenant=${tenant.id}&basis=${basisId}&embedder=${embedder}&from=${fresh}&to=${fresh + 1}&d=${D}&n=${COMPARISONS}&conc=1`)).text();
    const measured = (await (await seed.fetch(`http://seeder.local/?sizes=1&tenant=${tenant.id}&user=user-${fresh}`)).json()) as { database: number; hot: number };
    console.log(`\nbench:scale, ${store} store, d=${D}, J=${J}, ${COMPARISONS} comparisons per seeded user, ${REQUESTS} requests per route and point (one at a time)`);
    console.log("| users | rank p50 | rank p99 | feedback p50 | feedback p99 | rank CPU/req | feedback CPU/req | seed time |");
    console.log("|---|---|---|---|---|---|---|---|");
    for (const p of points as any[]) console.log(`| ${p.users.toLocaleString("en")} | ${p.rank_p50_ms} ms | ${p.rank_p99_ms} ms | ${p.feedback_p50_ms} ms | ${p.feedback_p99_ms} ms | ${p.rank_cpu_ms} ms | ${p.feedback_cpu_ms} ms | ${p.seed_s} s |`);
    console.log(JSON.stringify({ store, points, hot_bytes_per_user: measured.hot, object_bytes_per_user: measured.database, wall_s: Math.round((Date.now() - started) / 1000) }));
  } finally {
    await mf.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
