// Seeding a local stack's `dev` tenant through the admin API, idempotently: whatever already exists is left as it
// is (a restart must not undo an admin's change of the default basis or of the tenant's basis). Plain fetch, no
// Node APIs, so the tests run it against the Worker itself.

export const DEV_TENANT = "dev";

export interface SeedOptions {
  /** Base URL of the Worker. */
  url: string;
  adminToken: string;
  devKey: string;
  /** The basis artifact to upload (if absent) and give the new tenant and the service (if neither has one). */
  basis: { id: string; embedder: { id: string; d: number } };
  /** The dev tenant embeds text through the local embeddings server (else it takes vectors). */
  textEmbedder: boolean;
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

/** Creates what is missing; returns the dev tenant's active basis (its own, else the service default). */
export async function seedDevTenant(o: SeedOptions): Promise<string | null> {
  const send = o.fetch ?? fetch;
  const admin = async (method: string, route: string, body?: unknown, okStatuses: number[] = [200, 201]) => {
    const res = await send(`${o.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${o.adminToken}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!okStatuses.includes(res.status)) throw new Error(`seeding: ${method} ${route} -> ${res.status} ${await res.text()}`);
    return res;
  };

  await admin("POST", "/admin/bases", o.basis, [201, 409]);
  // The service-wide default, so /health reports it and new local tenants start from it: only if there is none.
  const bases = (await (await admin("GET", "/admin/bases")).json()) as { bases: { id: string; default: boolean }[] };
  let defaultBasis = bases.bases.find((b) => b.default)?.id ?? null;
  if (defaultBasis === null) {
    await admin("PUT", "/admin/default-basis", { basis: o.basis.id });
    defaultBasis = o.basis.id;
  }
  const existing = await admin("GET", `/admin/tenants/${DEV_TENANT}`, undefined, [200, 404]);
  let tenantBasis: string | null;
  if (existing.status === 404) {
    const embedder = o.textEmbedder ? { kind: "openai", id: o.basis.embedder.id, model: o.basis.embedder.id } : { kind: "vectors", id: o.basis.embedder.id };
    await admin("POST", "/admin/tenants", { id: DEV_TENANT, name: "Local development", embedder, basis: o.basis.id });
    tenantBasis = o.basis.id;
  } else {
    tenantBasis = ((await existing.json()) as { basis: string | null }).basis;
  }
  await admin("POST", `/admin/tenants/${DEV_TENANT}/keys`, { name: "local dev key", key: o.devKey }, [201, 409]);
  return tenantBasis ?? defaultBasis;
}
