// `npm run bench:scale`: the scale-out user store (one SQLite-backed Durable Object per user) as the population grows.
// The bundled Worker runs in Miniflare (workerd) with wrangler.toml's bindings (D1, the Durable Object class, the
// archive queue, R2). Seeder instances (each its own Miniflare and workerd process, BENCH_SCALE_SEEDERS, default one
// per core, sharing the persisted state) write synthetic users straight into the store (each object gets a realistic
// log of COMPARISONS comparisons at d = 512 and the posterior re-fitted from it; no archive traffic), up to each
// population size in turn; then POST /v1/rank (16 candidates) and POST /v1/feedback are timed on a separate instance
// for users drawn uniformly from the whole population, one request at a time, with the CPU the workerd processes
// spent per request (from /proc). Hot bytes per user: the state row the hot path reads, at J = 16 with 20
// comparisons (the raw log stays in the object's log table, read only to re-fit, export or delete).
// BENCH_SCALE_POINTS (default "10000,100000": about 25 minutes here; a point whose objects do not fit on the local
// disk, ~170 KB per user, is reported as skipped), BENCH_SCALE_REQUESTS (per route and point, default 300).
// The last line is one JSON object:
// {"store", "points": [{users, rank_p50_ms, rank_p99_ms, feedback_p50_ms, feedback_p99_ms, rank_cpu_ms, feedback_cpu_ms,
//   seed_s}], "hot_bytes_per_user", "object_bytes_per_user", "wall_s"}
import { mkdtempSync, readdirSync, rmSync, statfsSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { Mulberry32 } from "../core/prng.ts";
import { bin, offlineEnv, projectRoot, runToEnd } from "../scripts/processes.ts";
import { treeCpuByProcess } from "./proc-cpu.ts";
import { jsonCall } from "./json-call.ts";
import { percentile } from "./percentile.ts";

const POINTS = (process.env.BENCH_SCALE_POINTS ?? "10000,100000").split(",").map(Number);
/** Local disk per seeded user (one object's SQLite file at d = 512 with 20 comparisons: 155,648 bytes measured), with room. */
const DISK_PER_USER = 170_000;
const REQUESTS = Number(process.env.BENCH_SCALE_REQUESTS ?? 300);
const D = 512;
const J = 16;
const COMPARISONS = 20;
const CANDIDATES = 16;
const SEED_CONCURRENCY = 32;
const SEED_BATCH = 1000;
const SEEDERS = Number(process.env.BENCH_SCALE_SEEDERS ?? availableParallelism());

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
  const store = "durable-objects";
  const dir = mkdtempSync(path.join(tmpdir(), "pref-scale-"));
  const env = offlineEnv({ XDG_CONFIG_HOME: path.join(dir, "config") });
  await runToEnd(bin("wrangler"), ["deploy", "--dry-run", "--outdir", path.join(dir, "dist"), path.join(projectRoot, "bench", "scale", "worker.ts")], { quiet: true, env });
  await runToEnd(bin("wrangler"), ["d1", "migrations", "apply", "DB", "--local", "--persist-to", path.join(dir, "state")], { quiet: true, env });
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(projectRoot, "wrangler.toml"));
  const token = "scale-admin";
  // Every instance shares the persisted state (each object is its own SQLite file), so seeders in their own workerd
  // processes use both cores; the measured instance never opens an object while they write.
  const start = () =>
    new Miniflare({
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
  const mf = start();
  try {
    const call = (method: string, route: string, key: string, body?: unknown) =>
      jsonCall((url, init) => mf.dispatchFetch(url, init as never), "http://pref.local", method, route, key, body);
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
      // A point whose objects cannot fit on this disk is reported as such, not attempted.
      const disk = statfsSync(dir);
      const free = disk.bavail * disk.bsize;
      const needed = (users - seeded) * DISK_PER_USER;
      if (needed > free) {
        const skipped = `needs ~${Math.ceil(needed / 1e9)} GB of local disk for its objects, ${Math.floor(free / 1e9)} GB free`;
        console.error(`${users} users: skipped, ${skipped}`);
        points.push({ users, skipped });
        continue;
      }
      const t0 = Date.now();
      const seeders = Array.from({ length: SEEDERS }, start);
      let next = seeded;
      let done = seeded;
      await Promise.all(
        seeders.map(async (instance) => {
          // The seeder is the second worker: reached through its own entry.
          const seed = await instance.getWorker("seeder");
          for (let from = next; from < users; from = next) {
            next = Math.min(users, from + SEED_BATCH);
            const res = await seed.fetch(`http://seeder.local/?tenant=${tenant.id}&basis=${basisId}&embedder=${embedder}&from=${from}&to=${next}&d=${D}&n=${COMPARISONS}&conc=${SEED_CONCURRENCY}`);
            if (!res.ok) throw new Error(`seed ${from}: ${res.status} ${(await res.text()).slice(0, 300)}`);
            done += Number(await res.text());
            process.stderr.write(`\rseeded ${done} / ${users} users (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
          }
        }),
      );
      await Promise.all(seeders.map((instance) => instance.dispose()));
      process.stderr.write("\n");
      const seedS = (Date.now() - t0) / 1000;
      seeded = users;
      const pick = () => `user-${Math.floor(uniform() * users)}`;
      // Every ranked user must be one the seeders wrote (their own workerd processes, the same files): at least
      // COMPARISONS comparisons (more if an earlier point's feedback phase drew them).
      const seededUser = (res: { user: { feedback_count: number } }, user: string) => {
        if (res.user.feedback_count < COMPARISONS) throw new Error(`${user} has ${res.user.feedback_count} comparisons, seeded ${COMPARISONS}`);
      };
      const timed = async (route: string, body: () => { user: string }, check?: (res: any, user: string) => void) => {
        for (let i = 0; i < 20; i++) await call("POST", route, key, body()); // warm-up
        const ms: number[] = [];
        const cpu0 = workerdCpuMs();
        for (let i = 0; i < REQUESTS; i++) {
          const b = body();
          const t = performance.now();
          const res = await call("POST", route, key, b);
          ms.push(performance.now() - t);
          check?.(res, b.user);
        }
        const cpu = (workerdCpuMs() - cpu0) / REQUESTS;
        return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), cpu };
      };
      const rank = await timed("/v1/rank", () => ({ user: pick(), prompt: "p", candidates }), seededUser);
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
        // Miniflare keeps each object in its own SQLite file: a check that the population is what was seeded.
        object_files: readdirSync(path.join(dir, "state", "v3", "do", "pref-UserObject")).filter((f) => f.endsWith(".sqlite")).length,
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
    for (const p of points as any[])
      if (p.skipped) console.log(`| ${p.users.toLocaleString("en")} | skipped: ${p.skipped} |`);
      else console.log(`| ${p.users.toLocaleString("en")} | ${p.rank_p50_ms} ms | ${p.rank_p99_ms} ms | ${p.feedback_p50_ms} ms | ${p.feedback_p99_ms} ms | ${p.rank_cpu_ms} ms | ${p.feedback_cpu_ms} ms | ${p.seed_s} s |`);
    console.log(JSON.stringify({ store, points, hot_bytes_per_user: measured.hot, object_bytes_per_user: measured.database, wall_s: Math.round((Date.now() - started) / 1000) }));
  } finally {
    await mf.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
