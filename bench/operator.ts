// The operator's loop at size, on local D1 under wrangler dev: GET /admin/tenants/{t}/metrics over a log of
// 1,000,000 comparisons (the rollup read against a scan of the log, same database, same run), and the feedback
// export's throughput (the route alone, and `pref pull` end to end) at d = 512.
//
// The log is written in bulk by SQL (INSERT ... SELECT from a counter) between two runs of the stack: writing a
// million comparisons through the API would measure the feedback path, which bench:api already does. The rollup of
// the bulk rows is built from their p_personal / p_population exactly as metricsIncrement (worker/metrics/
// progressive.ts) builds it per comparison; the route's total is checked against the log's count.
//
//   npm run bench:operator [-- --comparisons 1000000 --export 100000]
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { runCli } from "../cli/main.ts";
import { gaussian, makeRng } from "../cli/rng.ts";
import { bin, offlineEnv } from "../scripts/processes.ts";
import { startLocalStack, type LocalStack } from "../scripts/local-stack.ts";
import { percentile } from "./percentile.ts";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const COMPARISONS = flag("comparisons", 1_000_000);
const EXPORTED = flag("export", 100_000);
/** Each user's comparisons arrive together (an onboarding session of questions), as in a real log. */
const PER_USER = 40;
const DAYS = 365;
const ADMIN = "bench-operator-admin-token";
const DAY_MS = 86_400_000;

const rng = makeRng(7);
const randn = () => gaussian(rng);
const persistDir = mkdtempSync(path.join(tmpdir(), "pref-bench-operator-"));
const env = offlineEnv({ XDG_CONFIG_HOME: path.join(persistDir, "config") });

function basis(id: string, d: number, J: number) {
  const eye = Array.from({ length: J }, (_, i) => Array.from({ length: J }, (_, k) => (i === k ? 1 : 0)));
  return {
    format: "pref-basis/2", id, created_at: new Date().toISOString(), embedder: { id: `bench:${d}`, d }, J,
    W: Array.from({ length: J }, () => Array.from({ length: d }, () => randn() / Math.sqrt(d))),
    mu0: [1, ...Array(J - 1).fill(0)], sigma0: eye, population: { base: 0 }, labels: null,
  };
}

async function api(stack: LocalStack, method: string, route: string, body?: unknown, auth = ADMIN) {
  const res = await fetch(`${stack.url}${route}`, { method, headers: { authorization: `Bearer ${auth}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A tenant on its own basis, unlimited, with a few real comparisons through the API (the rows the bulk copies). */
async function tenantWithFeedback(stack: LocalStack, id: string, d: number): Promise<void> {
  const b = basis(`${id}-basis`, d, 4);
  await api(stack, "POST", "/admin/bases", b);
  await api(stack, "POST", "/admin/tenants", { id, name: id, embedder: { kind: "vectors", id: b.embedder.id }, basis: b.id });
  await api(stack, "PUT", `/admin/tenants/${id}/limits`, { rate_limit_plan: "unlimited" });
  const key = (await api(stack, "POST", `/admin/tenants/${id}/keys`, { name: "bench" })).key as string;
  const vec = () => Array.from({ length: d }, () => Math.fround(randn() / Math.sqrt(d)));
  for (let i = 0; i < 20; i++)
    await api(stack, "POST", "/v1/feedback", { user: `seed-${i % 4}`, prompt: `p${i}`, chosen: { embedding: vec() }, rejected: { embedding: vec() } }, key);
}

async function d1(sqlOrFile: { command: string } | { file: string }): Promise<any[]> {
  const which = "command" in sqlOrFile ? ["--command", sqlOrFile.command] : ["--file", sqlOrFile.file];
  const { stdout } = await promisify(execFile)(bin("wrangler"), ["d1", "execute", "DB", "--local", "--persist-to", persistDir, "--json", "--yes", ...which], { env, maxBuffer: 1 << 26 });
  return JSON.parse(stdout);
}

/** Columns of the template row copied as they are; the rest vary per generated row. */
async function copiedColumns(varying: string[]): Promise<string[]> {
  const [info] = await d1({ command: "PRAGMA table_info(feedback)" });
  return (info.results as { name: string }[]).map((c) => c.name).filter((c) => c !== "seq" && !varying.includes(c));
}

/** n comparisons for `tenant`, cloned from its newest row with varying users, days, labels and predictions. */
async function bulkLog(tenant: string, n: number, embeddings?: { pool: string; d: number }): Promise<string> {
  const varying = ["id", "user_id", "created_at", "label", "p_personal", "p_population", "feedback_count_before", "idempotency_key", "event_id", ...(embeddings ? ["chosen_embedding", "rejected_embedding"] : [])];
  const copied = await copiedColumns(varying);
  const start = Date.now() - DAYS * DAY_MS;
  // A float32 vector from the pool: base64 windows at 16-char (3-float) offsets keep the floats aligned; the bytes
  // that do not fill a last base64 group are zeros (a finite last float).
  const bytes = 4 * (embeddings?.d ?? 0);
  const body = 4 * Math.floor(bytes / 3);
  const tail = ["", "AA==", "AAA="][bytes % 3];
  const vector = (salt: number) => `'F:' || substr(pool.b64, 1 + 16 * ((i * 7919 + ${salt}) % ((length(pool.b64) - ${body}) / 16)), ${body}) || '${tail}'`;
  const select = [
    `'bulk-${tenant}-' || i`,
    `'u' || (i / ${PER_USER})`,
    `${start} + (i * ${DAYS * DAY_MS}) / ${n}`,
    `CASE WHEN i % 9 = 0 THEN 0.5 ELSE 1 END`,
    // Personal predictions improve with the user's count; population ones do not: a lift to report.
    `0.35 + 0.4 * ((abs(random()) % 1000) / 1000.0) * min(1.0, 0.5 + (i % ${PER_USER}) / 20.0)`,
    `0.3 + 0.4 * ((abs(random()) % 1000) / 1000.0)`,
    `i % ${PER_USER}`,
    `NULL`,
    `NULL`,
    ...(embeddings ? [vector(1), vector(5003)] : []),
  ];
  const file = path.join(persistDir, `${tenant}.sql`);
  writeFileSync(
    file,
    [
      // D1 caps a statement at 100 KB: the pool goes in by pieces, into a table dropped afterwards.
      ...(embeddings
        ? ["CREATE TABLE bench_pool (k INTEGER PRIMARY KEY, b64 TEXT NOT NULL);", ...chunks(embeddings.pool, 65_536).map((c, k) => `INSERT INTO bench_pool VALUES (${k}, '${c}');`)]
        : []),
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${n - 1})${embeddings ? ", pool(b64) AS (SELECT group_concat(b64, '') FROM (SELECT b64 FROM bench_pool ORDER BY k))" : ""}`,
      `INSERT INTO feedback (${[...varying, ...copied].join(", ")})`,
      `SELECT ${[...select, ...copied.map((c) => `t.${c}`)].join(", ")}`,
      `FROM n, (SELECT * FROM feedback WHERE tenant_id = '${tenant}' ORDER BY seq DESC LIMIT 1) AS t${embeddings ? ", pool" : ""};`,
      embeddings ? "DROP TABLE bench_pool;" : "",
      rollupOf(tenant),
    ].join("\n"),
  );
  return file;
}

const bucket = `CASE WHEN feedback_count_before = 0 THEN 0 WHEN feedback_count_before < 5 THEN 1 WHEN feedback_count_before < 10 THEN 2 WHEN feedback_count_before < 20 THEN 3 ELSE 4 END`;
const correct = (p: string) => `CASE WHEN label = 1 THEN (CASE WHEN ${p} > 0.5 THEN 1.0 WHEN ${p} < 0.5 THEN 0.0 ELSE 0.5 END) ELSE 0 END`;
/** The progressive-validation sums of a log, grouped as the rollup is (or by `key` for the scan). */
const sums = (key: string) => `${key}, count(*) AS comparisons, sum(label = 1) AS decided,
  sum(${correct("p_personal")}) AS personal_correct, sum(${correct("p_population")}) AS population_correct,
  sum(-ln(max(1e-15, p_personal))) AS personal_log_loss, sum(-ln(max(1e-15, p_population))) AS population_log_loss,
  sum((${correct("p_personal")} - ${correct("p_population")}) * (${correct("p_personal")} - ${correct("p_population")})) AS lift_squares`;
const rollupOf = (tenant: string) => `DELETE FROM feedback_metrics WHERE tenant_id = '${tenant}';
INSERT INTO feedback_metrics (tenant_id, day, bucket, basis_id, comparisons, decided, personal_correct, population_correct, personal_log_loss, population_log_loss, lift_squares)
SELECT tenant_id, created_at / ${DAY_MS}, ${bucket}, basis_id, count(*), sum(label = 1), sum(${correct("p_personal")}), sum(${correct("p_population")}),
  sum(-ln(max(1e-15, p_personal))), sum(-ln(max(1e-15, p_population))),
  sum((${correct("p_personal")} - ${correct("p_population")}) * (${correct("p_personal")} - ${correct("p_population")}))
FROM feedback WHERE tenant_id = '${tenant}' GROUP BY tenant_id, created_at / ${DAY_MS}, ${bucket}, basis_id;`;

const chunks = (s: string, size: number) => Array.from({ length: Math.ceil(s.length / size) }, (_, k) => s.slice(k * size, (k + 1) * size));

function float32Pool(floats: number, d: number): string {
  const f = new Float32Array(floats);
  for (let i = 0; i < floats; i++) f[i] = randn() / Math.sqrt(d);
  return Buffer.from(f.buffer).toString("base64").replace(/=+$/, "").slice(0, Math.floor((floats * 4) / 3 / 16) * 16);
}


async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await f();
  return [out, performance.now() - t0];
}

async function main() {
  const METRICS_TENANT = "bench-metrics";
  const EXPORT_TENANT = "bench-export";
  const D_EXPORT = 512;
  let stack = await startLocalStack({ persistDir, seed: false, embeddings: false, isolated: true, quiet: true, adminToken: ADMIN });
  await tenantWithFeedback(stack, METRICS_TENANT, 16);
  await tenantWithFeedback(stack, EXPORT_TENANT, D_EXPORT);
  await stack.stop();

  const metricsSql = await bulkLog(METRICS_TENANT, COMPARISONS);
  const exportSql = await bulkLog(EXPORT_TENANT, EXPORTED, { pool: float32Pool(1 << 16, D_EXPORT), d: D_EXPORT });
  const [, writeMs] = await timed(async () => {
    await d1({ file: metricsSql });
    await d1({ file: exportSql });
  });
  const [[count]] = (await d1({ command: `SELECT count(*) AS n FROM feedback WHERE tenant_id = '${METRICS_TENANT}'` })).map((r) => r.results);
  const [[rollupRows]] = (await d1({ command: `SELECT count(*) AS n FROM feedback_metrics WHERE tenant_id = '${METRICS_TENANT}'` })).map((r) => r.results);

  // The same aggregation two ways inside local D1 (D1's own query duration): the rollup the route reads, and a scan
  // of the log that a route without a rollup would need.
  const queryMs = async (sql: string) => {
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) runs.push((await d1({ command: sql }))[0].meta.duration);
    return percentile(runs, 0.5);
  };
  const rollupQueryMs = await queryMs(`SELECT bucket, sum(comparisons), sum(decided), sum(personal_correct), sum(population_correct), sum(personal_log_loss), sum(population_log_loss), sum(lift_squares) FROM feedback_metrics WHERE tenant_id = '${METRICS_TENANT}' GROUP BY bucket`);
  const scanQueryMs = await queryMs(`SELECT ${sums(bucket)} FROM feedback WHERE tenant_id = '${METRICS_TENANT}' GROUP BY 1`);

  // The floor under the export route: D1 reading one page of the same rows (what the route then turns into lines).
  const [page] = await d1({ command: `SELECT seq, user_id, prompt_hash, hash_scheme, chosen_embedding, rejected_embedding, label, embedder_id, basis_id, created_at, p_personal, p_population, feedback_count_before FROM feedback WHERE tenant_id = '${EXPORT_TENANT}' AND seq > 0 ORDER BY seq LIMIT 10000` });
  const d1ReadPerS = Math.round(page.results.length / (page.meta.duration / 1000));

  stack = await startLocalStack({ persistDir, seed: false, embeddings: false, isolated: true, quiet: true, adminToken: ADMIN });
  try {
    const from = new Date(Date.now() - (DAYS + 1) * DAY_MS).toISOString().slice(0, 10);
    const to = new Date().toISOString().slice(0, 10);
    const route = (group: string) => `/admin/tenants/${METRICS_TENANT}/metrics?group=${group}&from=${from}&to=${to}`;
    const first = await api(stack, "GET", route("count"));
    if (first.total.comparisons !== count.n) throw new Error(`metrics total ${first.total.comparisons} != log ${count.n}`);
    const http: Record<string, number[]> = { count: [], day: [] };
    for (let i = 0; i < 20; i++) for (const g of ["count", "day"]) http[g].push((await timed(() => api(stack, "GET", route(g))))[1]);

    // Export: the route alone (pages of 10,000 read and discarded), then `pref pull` to a gzip file.
    const [routeRows, routeMs] = await timed(async () => {
      let after = 0;
      let rows = 0;
      for (;;) {
        const res = await fetch(`${stack.url}/admin/tenants/${EXPORT_TENANT}/feedback?after=${after}&limit=10000`, { headers: { authorization: `Bearer ${ADMIN}` } });
        const lines = (await res.text()).split("\n").filter(Boolean);
        if (lines.length === 0) break;
        rows += lines.length;
        after = JSON.parse(lines[lines.length - 1]).seq;
        if (lines.length < 10000) break;
      }
      return rows;
    });
    const out = path.join(persistDir, "pull.jsonl.gz");
    const [pullCode, pullMs] = await timed(() => runCli(["pull", "--url", stack.url, "--admin-token", ADMIN, "--tenant", EXPORT_TENANT, "--out", out, "--page-size", "10000"]));
    if (pullCode !== 0) throw new Error(`pref pull exited ${pullCode}`);

    const result = {
      bench: "operator",
      log_comparisons: count.n,
      rollup_rows: rollupRows.n,
      bulk_write_s: +(writeMs / 1000).toFixed(1),
      metrics_http_p50_ms: { count: +percentile(http.count, 0.5).toFixed(1), day: +percentile(http.day, 0.5).toFixed(1) },
      metrics_http_p90_ms: { count: +percentile(http.count, 0.9).toFixed(1), day: +percentile(http.day, 0.9).toFixed(1) },
      d1_rollup_query_ms: rollupQueryMs,
      d1_log_scan_query_ms: scanQueryMs,
      scan_over_rollup: +(scanQueryMs / Math.max(rollupQueryMs, 0.01)).toFixed(0),
      export_d: D_EXPORT,
      export_d1_read_per_s: d1ReadPerS,
      export_route_per_s: Math.round(routeRows / (routeMs / 1000)),
      pull_per_s: Math.round(routeRows / (pullMs / 1000)),
      pull_gzip_mb: +(statSync(out).size / 1e6).toFixed(1),
    };
    console.log(`metrics over ${count.n} comparisons (${rollupRows.n} rollup rows): p50 ${result.metrics_http_p50_ms.count} ms by count, ${result.metrics_http_p50_ms.day} ms by day (HTTP, wrangler dev)`);
    console.log(`inside D1: rollup ${rollupQueryMs} ms vs scan of the log ${scanQueryMs} ms (x${result.scan_over_rollup})`);
    console.log(`export at d=${D_EXPORT}: D1 read alone ${d1ReadPerS}/s, route ${result.export_route_per_s}/s, pref pull ${result.pull_per_s}/s (${result.pull_gzip_mb} MB gzip)`);
    console.log(JSON.stringify(result));
  } finally {
    await stack.stop();
    if (process.env.BENCH_KEEP) console.error(`kept ${persistDir}`);
    else rmSync(persistDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  if (!process.env.BENCH_KEEP) rmSync(persistDir, { recursive: true, force: true });
  process.exit(1);
});
