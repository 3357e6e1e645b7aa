// What the admin route files share: the admin token's security scheme, the errors every admin route can answer,
// timestamps as ISO strings, and the lookups that turn an unknown tenant or an incompatible basis into 404 / 409.
import type { Db } from "../db/client.ts";
import { basesRepo } from "../db/repos/bases.ts";
import { tenantsRepo } from "../db/repos/tenants.ts";
import type { TenantRow } from "../db/schema.ts";
import { ApiError } from "../errors.ts";
import { ErrorSchema } from "../schemas.ts";

export const adminSecurity = [{ adminToken: [] }];
export const adminTags = ["admin"];

export const adminErrors = {
  400: { description: "Invalid request", content: { "application/json": { schema: ErrorSchema } } },
  401: { description: "Missing or wrong admin token", content: { "application/json": { schema: ErrorSchema } } },
};

export const iso = (ms: number) => new Date(ms).toISOString();

export async function requireTenant(db: Db, id: string): Promise<TenantRow> {
  const t = await tenantsRepo.get(db, id);
  if (!t) throw ApiError.notFound(`unknown tenant ${JSON.stringify(id)}`, "tenant");
  return t;
}

/** The basis must exist and be trained on the tenant's embedder. */
export async function requireCompatibleBasis(db: Db, basisId: string, embedderId: string): Promise<void> {
  const b = await basesRepo.get(db, basisId);
  if (!b) throw ApiError.notFound(`unknown basis ${JSON.stringify(basisId)}`, "basis");
  if (b.embedderId !== embedderId)
    throw ApiError.conflict("embedder_mismatch", `basis ${b.id} was trained on embedder '${b.embedderId}', the tenant's is '${embedderId}'`, "basis");
}
