// The dependencies /health checks: the WASM core, D1 (one small query), and, when HEALTH_TENANT names a tenant, the
// embedder that tenant uses (one short text embedded). A healthy embedder is believed for a few seconds, so that
// /health (unauthenticated) cannot be used to load it; a failing one is asked again on every call.
import type { PrefCore } from "../../core/types.ts";
import type { Config } from "../config.ts";
import type { Db } from "../db/client.ts";
import { basesRepo } from "../db/repos/bases.ts";
import { tenantsRepo } from "../db/repos/tenants.ts";
import { embedderFor } from "../embedders/index.ts";
import type { Bindings } from "../env.ts";

export type Dependency = "core" | "db" | "embedder";

export interface HealthReport {
  core: "wasm" | "error";
  db: "ok" | "error";
  /** "none": no HEALTH_TENANT, or its embedder is "vectors" (nothing to call). */
  embedder: "ok" | "error" | "none";
  basis: string | null;
  /** The first failed dependency: a short message for the caller, the detail for the logs only. */
  failure: { field: Dependency; message: string; detail: string } | null;
}

const PROBE_TEXT = "health check";
const PROBE_TIMEOUT_MS = 3_000;
const TRUST_OK_MS = 5_000;
let lastOk: { key: string; until: number } | null = null;

const reason = (err: unknown) => String((err as Error)?.message ?? err);

async function checkEmbedder(db: Db, cfg: Config, env: Bindings): Promise<"ok" | "none"> {
  const tenant = await tenantsRepo.get(db, cfg.healthTenant);
  if (!tenant) throw new Error(`HEALTH_TENANT ${JSON.stringify(cfg.healthTenant)} does not exist`);
  if (tenant.embedderKind === "vectors") return "none";
  const key = `${tenant.id}\u0000${tenant.embedderKind}\u0000${tenant.embedderModel}`;
  if (lastOk?.key === key && Date.now() < lastOk.until) return "ok";
  const embedder = embedderFor({ ...tenant, basisId: null, upstream: null, limits: { plan: null, dailyQuota: null } }, env, cfg);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const [v] = await Promise.race([
      embedder.embed([PROBE_TEXT], { caller: "health" }),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS))),
    ]);
    if (!v || v.length === 0 || !v.every(Number.isFinite)) throw new Error("it answered an unusable vector");
  } finally {
    clearTimeout(timer);
  }
  lastOk = { key, until: Date.now() + TRUST_OK_MS };
  return "ok";
}

export async function checkHealth(core: () => Promise<PrefCore>, db: Db, cfg: Config, env: Bindings): Promise<HealthReport> {
  const [c, d, e] = await Promise.allSettled([
    core(),
    basesRepo.defaultId(db),
    cfg.healthTenant ? checkEmbedder(db, cfg, env) : Promise.resolve("none" as const),
  ]);
  const report: HealthReport = {
    core: c.status === "fulfilled" && c.value.kind === "wasm" ? "wasm" : "error",
    db: d.status === "fulfilled" ? "ok" : "error",
    embedder: e.status === "fulfilled" ? e.value : "error",
    basis: d.status === "fulfilled" ? d.value : null,
    failure: null,
  };
  // /health is public: the caller learns which part failed, the logs learn why.
  if (report.core === "error")
    report.failure = { field: "core", message: "the numeric core failed to start", detail: c.status === "rejected" ? reason(c.reason) : "not the wasm core" };
  else if (report.db === "error") report.failure = { field: "db", message: "the database did not answer", detail: reason((d as PromiseRejectedResult).reason) };
  else if (report.embedder === "error")
    report.failure = { field: "embedder", message: "the embedder did not answer", detail: reason((e as PromiseRejectedResult).reason) };
  return report;
}
