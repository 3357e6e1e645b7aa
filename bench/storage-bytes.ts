// `npm run bench:bytes`: bytes per user in the D1 store today, from the real SQLite file.
// For each shape (J = 8, 16; d = 512, 1,024) a fresh local D1 gets the real migrations, a tenant with a random basis
// of that shape, and USERS users who answer comparisons through the real write path (POST /v1/feedback of the bundled
// Worker in Miniflare, embeddings sent as base64 float32 like an OpenAI client's). After every user has 5, 20 and 100
// comparisons it reads the database's pages per table and index (SQLite's dbstat, on a copy of the file: databasePages) and the file's size, and
// reports bytes per user: the user row (users table), the log (feedback table and its indexes), the whole file; and
// what follows for users per 10 GB database. Prints a markdown table and, last, one JSON line.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { Mulberry32 } from "../core/prng.ts";
import { bin, offlineEnv, projectRoot, runToEnd } from "../scripts/processes.ts";
import { jsonCall } from "./json-call.ts";

const USERS = Number(process.env.BENCH_BYTES_USERS ?? 24);
const CHECKPOINTS = [5, 20, 100];
const SHAPES_ALL = [
  { J: 8, d: 512 },
  { J: 16, d: 512 },
  { J: 8, d: 1024 },
  { J: 16, d: 1024 },
];
const SHAPES = process.env.BENCH_BYTES_QUICK ? SHAPES_ALL.slice(0, 1) : SHAPES_ALL;
const TEN_GB = 10 * 1e9;
const PARALLEL = 8;

const rng = new Mulberry32(16);
const uniform = () => rng.nextU32() / 4294967296;
const b64f32 = (d: number) => Buffer.from(Float32Array.from({ length: d }, () => uniform() * 2 - 1).buffer).toString("base64");

const DBSTAT_PY = `
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("pragma wal_checkpoint(truncate)")
tables = dict(c.execute("select name, sum(pgsize) from dbstat group by name").fetchall())
size = c.execute("pragma page_count").fetchone()[0] * c.execute("pragma page_size").fetchone()[0]
print(json.dumps({"tables": tables, "file": size}))
`;

/**
 * The D1 database's pages, per table and index, and the whole file. Miniflare keeps D1 in WAL mode and workerd's
 * SQLite has no dbstat: a copy of the file and its WAL is opened with the system's SQLite (python3's), checkpointed,
 * and measured there. (miniflare's own metadata.sqlite is not the database.)
 */
function databasePages(dir: string): { tables: Record<string, number>; file: number } {
  const db = readdirSync(dir, { recursive: true, encoding: "utf8" }).find((f) => f.endsWith(".sqlite") && !f.endsWith("metadata.sqlite"));
  if (!db) throw new Error(`no database file under ${dir}`);
  const copy = mkdtempSync(path.join(tmpdir(), "pref-bytes-copy-"));
  try {
    for (const suffix of ["", "-wal"]) if (existsSync(path.join(dir, db + suffix))) copyFileSync(path.join(dir, db + suffix), path.join(copy, `db.sqlite${suffix}`));
    return JSON.parse(execFileSync("python3", ["-c", DBSTAT_PY, path.join(copy, "db.sqlite")], { encoding: "utf8" }));
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

interface Point {
  J: number;
  d: number;
  comparisons: number;
  user_row_bytes: number;
  log_bytes: number;
  log_bytes_per_comparison: number;
  file_bytes_per_user: number;
  users_per_10gb: number;
}

async function measureShape(dist: string, J: number, d: number): Promise<Point[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "pref-bytes-"));
  const env = offlineEnv({ XDG_CONFIG_HOME: path.join(dir, "config") });
  await runToEnd(bin("wrangler"), ["d1", "migrations", "apply", "DB", "--local", "--persist-to", path.join(dir, "state")], { quiet: true, env });
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(projectRoot, "wrangler.toml"));
  const token = "bytes-admin";
  const d1Dir = path.join(dir, "state", "v3", "d1");
  const options = {
    ...(workerOptions as object),
    modules: true,
    scriptPath: path.join(dist, "index.js"),
    modulesRoot: dist,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    bindings: { ...(workerOptions.bindings ?? {}), ADMIN_TOKEN: token, HASH_SECRET: "bytes-hash", LOG_LEVEL: "warn" },
    d1Persist: d1Dir,
    cf: false,
    handleRuntimeStdio: (o: NodeJS.ReadableStream, e: NodeJS.ReadableStream) => (o.resume(), e.resume()),
  } as ConstructorParameters<typeof Miniflare>[0];
  const mf = new Miniflare(options);
  await mf.ready;
  try {
    const call = (method: string, route: string, key: string, body?: unknown) =>
      jsonCall((url, init) => mf.dispatchFetch(url, init as never), "http://pref.local", method, route, key, body);
    const basisId = `bytes-${J}-${d}`;
    const embedder = `bytes-embedder:${d}`;
    await call("POST", "/admin/bases", token, {
      format: "pref-basis/1",
      id: basisId,
      created_at: new Date().toISOString(),
      embedder: { id: embedder, d },
      J,
      W: Array.from({ length: J }, () => Array.from({ length: d }, () => (uniform() * 2 - 1) * Math.sqrt(3 / d))),
      mu0: Array.from({ length: J }, () => 0),
      sigma0: Array.from({ length: J }, (_, i) => Array.from({ length: J }, (_, k) => (i === k ? 1 : 0))),
      labels: null,
      training: { note: "storage-bytes benchmark basis" },
    });
    const tenant = await call("POST", "/admin/tenants", token, { name: "bytes", embedder: { kind: "vectors", id: embedder }, basis: basisId });
    await call("PUT", `/admin/tenants/${tenant.id}/limits`, token, { rate_limit_plan: "unlimited" });
    const key = (await call("POST", `/admin/tenants/${tenant.id}/keys`, token, { name: "bytes" })).key;
    const logObjects = ["feedback", "feedback_id", "feedback_user", "feedback_idempotency", "feedback_tenant_seq"];
    const userObjects = ["users", "sqlite_autoindex_users_1"];
    const measure = () => {
      const { tables, file } = databasePages(d1Dir);
      const sum = (names: string[]) => names.reduce((s, n) => s + (tables[n] ?? 0), 0);
      return { user: sum(userObjects), log: sum(logObjects), file };
    };
    const base = measure();
    const points: Point[] = [];
    let done = 0;
    for (const target of CHECKPOINTS) {
      const users = Array.from({ length: USERS }, (_, u) => u);
      const worker = async () => {
        for (let u = users.shift(); u !== undefined; u = users.shift())
          for (let i = done; i < target; i++)
            await call("POST", "/v1/feedback", key, {
              user: `user-${u}`,
              prompt: `prompt ${u} ${i}`,
              chosen: { embedding: b64f32(d) },
              rejected: { embedding: b64f32(d) },
              idempotency_key: `k-${u}-${i}`,
              event_id: `ev-${u}-${i}`,
            });
      };
      await Promise.all(Array.from({ length: PARALLEL }, worker));
      done = target;
      const { user, log, file } = measure();
      const perUser = (file - base.file) / USERS;
      points.push({
        J,
        d,
        comparisons: target,
        user_row_bytes: Math.round((user - base.user) / USERS),
        log_bytes: Math.round((log - base.log) / USERS),
        log_bytes_per_comparison: Math.round((log - base.log) / USERS / target),
        file_bytes_per_user: Math.round(perUser),
        users_per_10gb: Math.floor(TEN_GB / perUser),
      });
      console.error(`J=${J} d=${d} n=${target}: ${JSON.stringify(points.at(-1))}`);
    }
    return points;
  } finally {
    await mf.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "pref-bytes-dist-"));
  const started = Date.now();
  try {
    const env = offlineEnv({ XDG_CONFIG_HOME: path.join(dir, "config") });
    await runToEnd(bin("wrangler"), ["deploy", "--dry-run", "--outdir", path.join(dir, "dist")], { quiet: true, env });
    const points: Point[] = [];
    for (const { J, d } of SHAPES) points.push(...(await measureShape(path.join(dir, "dist"), J, d)));
    console.log(`\nD1 store, bytes per user from the real SQLite file (${USERS} users per shape; pages of the users table and its index, of the feedback table and its indexes, of the whole file)\n`);
    console.log("| J | d | comparisons | user row | log rows + indexes | log per comparison | file per user | users per 10 GB |");
    console.log("|---|---|---|---|---|---|---|---|");
    for (const p of points)
      console.log(`| ${p.J} | ${p.d} | ${p.comparisons} | ${p.user_row_bytes} | ${p.log_bytes} | ${p.log_bytes_per_comparison} | ${p.file_bytes_per_user} | ${p.users_per_10gb.toLocaleString("en")} |`);
    console.log(JSON.stringify({ store: "d1", users: USERS, wall_s: Math.round((Date.now() - started) / 1000), points }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
