// Through the deployed Worker's admin API: upload the basis (409 = already there), make it the service default
// when it is new and there is none, create the tenant with it when the tenant does not exist, and give the tenant a
// key when it never had one. Whatever exists is left as it is: an operator's later basis, embedder or keys win.
import { AdminClient, expectStatus } from "../service/admin-client.ts";
import type { TenantEmbedder } from "./tenant-embedder.ts";

export interface BasisFile {
  path: string;
  /** The artifact as read from disk: sent as is (the format is the API's business, not the deploy's). */
  text: string;
  id: string;
  embedderId: string;
}

export interface SeedRequest {
  basis: BasisFile;
  tenant: { id: string; name: string; embedder: TenantEmbedder };
}

export interface SeedOutcome {
  basisUploaded: boolean;
  defaultBasisSet: boolean;
  tenantCreated: boolean;
  /** The new key, shown once; null when the tenant already had a live key. */
  key: string | null;
  notes: string[];
}

interface TenantView {
  basis: string | null;
  embedder: { kind: string; id: string; model: string | null };
  keys: { revoked_at: string | null }[];
}

export async function seed(admin: AdminClient, req: SeedRequest, log: (line: string) => void): Promise<SeedOutcome> {
  const outcome: SeedOutcome = { basisUploaded: false, defaultBasisSet: false, tenantCreated: false, key: null, notes: [] };
  const { basis, tenant } = req;

  const upload = expectStatus("POST", "/admin/bases", await admin.request("POST", "/admin/bases", basis.text), [201, 409]);
  outcome.basisUploaded = upload.status === 201;
  log(outcome.basisUploaded ? `basis ${basis.id} uploaded` : `basis ${basis.id} is already there`);

  const health = expectStatus("GET", "/health", await admin.request("GET", "/health"), [200]).body as { basis: string | null };
  let defaultBasis = health.basis;
  // Only with the basis's first upload: a default cleared by an operator later stays cleared.
  if (defaultBasis === null && outcome.basisUploaded) {
    expectStatus("PUT", "/admin/default-basis", await admin.request("PUT", "/admin/default-basis", { basis: basis.id }), [200]);
    outcome.defaultBasisSet = true;
    defaultBasis = basis.id;
    log(`basis ${basis.id} is now the service default`);
  } else {
    log(`service default basis: ${health.basis ?? "none"} (left as it is)`);
  }

  const route = `/admin/tenants/${encodeURIComponent(tenant.id)}`;
  const existing = expectStatus("GET", route, await admin.request("GET", route), [200, 404]);
  let keys: TenantView["keys"] = [];
  if (existing.status === 404) {
    const embedder = { kind: tenant.embedder.kind, id: tenant.embedder.id, ...(tenant.embedder.model ? { model: tenant.embedder.model } : {}) };
    expectStatus("POST", "/admin/tenants", await admin.request("POST", "/admin/tenants", { id: tenant.id, name: tenant.name, embedder, basis: basis.id }), [201]);
    outcome.tenantCreated = true;
    log(`tenant ${tenant.id} created (embedder ${embedder.kind} ${embedder.id}, basis ${basis.id})`);
  } else {
    const t = existing.body as TenantView;
    keys = t.keys;
    log(`tenant ${tenant.id} exists (embedder ${t.embedder.kind} ${t.embedder.id}, basis ${t.basis ?? "the service default"}): left as it is`);
    if ((t.basis ?? defaultBasis) !== basis.id) {
      const how =
        t.embedder.id === basis.embedderId
          ? `to switch it: curl -X PUT ${admin.baseUrl}${route}/basis -H "authorization: Bearer $ADMIN_TOKEN" -H "content-type: application/json" -d '{"basis":"${basis.id}"}'`
          : `it cannot use it: the tenant's embedder is ${t.embedder.id}, the basis's ${basis.embedderId} (docs/deploy.md, "Rolling out a new basis")`;
      outcome.notes.push(`tenant ${tenant.id} does not use basis ${basis.id}; ${how}`);
    }
  }

  // A key only for a tenant that never had one (new, or an earlier run stopped before its key): keys an operator
  // revoked stay revoked.
  const live = keys.filter((k) => k.revoked_at === null).length;
  if (keys.length === 0) {
    const created = expectStatus("POST", `${route}/keys`, await admin.request("POST", `${route}/keys`, { name: "created by npm run deploy" }), [201]);
    outcome.key = (created.body as { key: string }).key;
  } else if (live > 0) {
    log(`tenant ${tenant.id} has ${live} live API key(s): no new key`);
  } else {
    outcome.notes.push(`tenant ${tenant.id} has no live API key (all ${keys.length} revoked); to create one: curl -X POST ${admin.baseUrl}${route}/keys -H "authorization: Bearer $ADMIN_TOKEN"`);
  }
  return outcome;
}
