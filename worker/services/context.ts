// What every /v1 handler starts with: one D1 read (key -> tenant -> user row), the WASM core, the tenant's basis
// (resident per isolate), and the embedder compatibility check.
import type { Context } from "hono";
import type { PrefCore } from "../../core/types.ts";
import type { Db } from "../db/client.ts";
import { loadSession, type Session, type SessionOptions } from "../db/repos/session.ts";
import type { TenantInfo } from "../domain.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { admit } from "../limits/admit.ts";
import { dayOf } from "../limits/quota.ts";
import { storeFor } from "../stores/select.ts";
import type { StoreScope, UserStore } from "../stores/user-store.ts";
import { residentBasis, type ResidentBasis } from "./bases.ts";

export interface UserContext {
  db: Db;
  core: PrefCore;
  session: Session;
  basis: ResidentBasis;
  /** The tenant's user store, and what it needs to serve this user. */
  store: UserStore;
  scope: StoreScope;
}

export async function tenantBasis(db: Db, core: PrefCore, tenant: TenantInfo): Promise<ResidentBasis> {
  if (!tenant.basisId) throw ApiError.conflict("no_basis", "no basis is active for this tenant (admin: PUT /admin/tenants/{tenant}/basis)", "basis");
  const basis = await residentBasis(db, core, tenant.basisId);
  if (!basis) throw ApiError.conflict("no_basis", `basis ${tenant.basisId} does not exist`, "basis");
  if (basis.embedderId !== tenant.embedderId)
    throw ApiError.conflict(
      "embedder_mismatch",
      `basis ${basis.id} was trained on embedder '${basis.embedderId}' but this tenant's embedder is '${tenant.embedderId}'`,
      "basis",
    );
  return basis;
}

type ContextOptions = Omit<SessionOptions, "keyHash" | "userId" | "day"> & {
  /** Already admitted (a retry within the same request): not counted again. */
  admitted?: boolean;
};

/**
 * The request's one D1 read (key -> tenant -> user), then admission (rate limit, quota: limits/admit.ts). The
 * logs learn the tenant, the key id and (hashed) the user.
 */
export async function sessionFor(c: Context<AppEnv>, userId: string | undefined, { admitted = false, ...options }: ContextOptions = {}): Promise<Session> {
  // No user (chat without one): "" matches no user row.
  const session = await loadSession(c.var.db, { keyHash: c.var.keyHash, userId: userId ?? "", day: dayOf(), ...options });
  if (userId !== undefined) c.var.log.user = userId;
  if (!admitted) await admit(c, session.tenant, session.key);
  return session;
}

export async function userContext(c: Context<AppEnv>, userId: string | undefined, options: ContextOptions = {}): Promise<UserContext> {
  const db = c.var.db;
  const [session, core] = await Promise.all([sessionFor(c, userId, options), c.var.core()]);
  const basis = await tenantBasis(db, core, session.tenant);
  const scope: StoreScope = { c, db, core, tenant: session.tenant, basis, stored: session.user };
  return { db, core, session, basis, store: storeFor(session.tenant, c.env), scope };
}
