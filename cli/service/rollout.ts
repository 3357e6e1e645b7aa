// `pref push` and `pref rollback`: a trained basis onto a running service, activated for a tenant only when asked,
// and with --if-better only when `pref eval --compare` says it beats the tenant's active basis by the margin on the
// run's held-out users (users the candidate never saw). Rollback re-activates the tenant's previous basis.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type BasisComparison, formatComparison } from "../eval/compare.ts";
import { readBasisFile } from "../eval/context.ts";
import { runEval } from "../eval/run.ts";
import { CliError } from "../errors.ts";
import { note } from "../progress.ts";
import { AdminClient, type AdminResponse } from "./admin-client.ts";

export interface ServiceOptions {
  url: string;
  adminToken: string;
  tenant: string;
}

export interface PushOptions extends ServiceOptions {
  basis: string;
  activate: boolean;
  ifBetter: boolean;
  margin: number;
  /** Evaluation settings for the comparison. */
  seeds: number;
  queries: number[];
}

export interface PushResult {
  basis: string;
  uploaded: boolean;
  activated: boolean;
  comparison: BasisComparison | null;
}

/** Exit code of a push the comparison refused: not an error of the tool, a decision. */
export const NOT_BETTER_EXIT = 3;

function fail(what: string, res: AdminResponse): never {
  throw new CliError(`${what} answered ${res.status}: ${res.text.slice(0, 300)}`);
}

const tenantRoute = (tenant: string) => `/admin/tenants/${encodeURIComponent(tenant)}`;

/** The basis the tenant serves now (its own, else the service default), or null. */
async function activeBasis(client: AdminClient, tenant: string): Promise<string | null> {
  const res = await client.request("GET", tenantRoute(tenant));
  if (res.status !== 200) fail(`GET ${tenantRoute(tenant)}`, res);
  return (res.body as { active_basis: string | null }).active_basis;
}

export async function pushBasis(o: PushOptions): Promise<PushResult> {
  const candidate = readBasisFile(o.basis);
  const id = candidate.artifact.id;
  const client = new AdminClient(o.url.replace(/\/$/, ""), o.adminToken);
  let comparison: BasisComparison | null = null;
  if (o.ifBetter) {
    const current = await activeBasis(client, o.tenant);
    if (current === id) throw new CliError(`${id} is already tenant ${o.tenant}'s active basis`);
    if (current !== null) {
      const res = await client.request("GET", `/admin/bases/${encodeURIComponent(current)}`);
      if (res.status !== 200) fail(`GET /admin/bases/${current}`, res);
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pref-push-")), "active-basis.json");
      try {
        fs.writeFileSync(file, res.text);
        const run = path.dirname(o.basis);
        ({ comparison } = await runEval({ run, compare: file, margin: o.margin, queries: o.queries, seeds: o.seeds, criterion: "pref", perUserReg: 1, quiet: true, out: fs.mkdtempSync(path.join(os.tmpdir(), "pref-push-eval-")) }));
      } finally {
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
      }
      note(formatComparison(comparison!));
      if (comparison!.verdict !== "better") {
        throw new CliError(`not pushed: ${id} does not beat the active basis ${current} by the margin ${o.margin} (${comparison!.verdict})`, NOT_BETTER_EXIT);
      }
    }
  }
  const up = await client.request("POST", "/admin/bases", fs.readFileSync(o.basis, "utf8"));
  if (up.status !== 201 && up.status !== 409) fail("POST /admin/bases", up);
  let activated = false;
  if (o.activate) {
    const act = await client.request("PUT", `${tenantRoute(o.tenant)}/basis`, { basis: id });
    if (act.status !== 200) fail(`PUT ${tenantRoute(o.tenant)}/basis`, act);
    activated = true;
  }
  return { basis: id, uploaded: up.status === 201, activated, comparison };
}

export async function rollbackBasis(o: ServiceOptions): Promise<{ basis: string | null; replaced: string | null }> {
  const client = new AdminClient(o.url.replace(/\/$/, ""), o.adminToken);
  const route = `${tenantRoute(o.tenant)}/basis/rollback`;
  const res = await client.request("POST", route);
  if (res.status !== 200) fail(`POST ${route}`, res);
  return res.body as { basis: string | null; replaced: string | null };
}
