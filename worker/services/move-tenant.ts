// Moving a tenant's users from the D1 store to the Durable-Object store (POST /admin/tenants/{t}/user-store/move,
// `pref move-tenant`). A page at a time, in user-id order: each user's D1 log is merged into their object by
// comparison id (user-object.ts importLog), the object re-fits its posterior from the whole log, and the move is
// verified here, independently: an exact re-fit of the log as the object now holds it must equal the object's
// posterior, and the object must hold every comparison D1 had. Safe to re-run from any point: merging by id adds
// nothing twice. `finish` switches the tenant, then merges once more every user written in D1 since the move
// started (writes that landed before the switch took effect; after it, D1 is no longer written for the tenant).
import type { PrefCore } from "../../core/types.ts";
import type { Db } from "../db/client.ts";
import { encodeEmbedding } from "../db/columns.ts";
import { usersRepo } from "../db/repos/users.ts";
import type { TenantRow } from "../db/schema.ts";
import type { Bindings } from "../env.ts";
import { ApiError } from "../errors.ts";
import { userObject } from "../stores/durable-store.ts";
import type { MovedEntry } from "../stores/user-object.ts";
import { unwrap } from "../stores/rpc-result.ts";
import type { ResidentBasis } from "./bases.ts";
import { keyedForm } from "./hashes.ts";
import { refitEntries } from "./posterior.ts";

export interface MoveStep {
  users: number;
  /** Comparisons newly copied (0 on a re-run over users already moved). */
  added: number;
  /** Users whose moved posterior equalled the exact re-fit of the moved log (all of them, or the step failed). */
  verified: number;
  /** Pass as `after` for the next page; null = every user has been copied. */
  next: string | null;
}

const TOLERANCE = 1e-9;

async function moveUser(db: Db, env: Bindings, core: PrefCore, tenant: TenantRow, basis: ResidentBasis, userId: string): Promise<number> {
  const log = await usersRepo.logQuery(db, tenant.id, userId);
  // The object stores keyed hashes only: rows from before keyed hashing move in their keyed form.
  const entries: MovedEntry[] = await Promise.all(
    log.map(async ({ seq, tenantId, userId: _, hashScheme, ...f }) => ({
      ...f,
      promptHash: await keyedForm(env, tenant.id, "prompt", f.promptHash, hashScheme),
      requestHash: await keyedForm(env, tenant.id, "request", f.requestHash, hashScheme),
      chosen: encodeEmbedding(f.chosen),
      rejected: encodeEmbedding(f.rejected),
    })),
  );
  const object = userObject(env, tenant.id, userId);
  const moved = unwrap(await object.importLog({ tenantId: tenant.id, userId }, basis.id, entries));
  // Verify against the object's own log, re-fitted here.
  const held = await object.exportUser();
  const ids = new Set(held?.log.map((e) => e.id));
  const missing = log.filter((f) => !ids.has(f.id));
  if (!held || missing.length > 0) throw new ApiError(500, "internal", `move of user ${JSON.stringify(userId)}: ${missing.length} comparisons missing after the copy`);
  const exact = refitEntries(core, basis, held.log);
  const off = Math.max(
    ...moved.mean.map((v, j) => Math.abs(v - exact.mean[j])),
    ...moved.precisionChol.map((v, k) => Math.abs(v - exact.precisionChol[k])),
  );
  if (moved.feedbackCount !== held.log.length || !(off <= TOLERANCE))
    throw new ApiError(500, "internal", `move of user ${JSON.stringify(userId)}: posterior differs from the exact re-fit of its log by ${off}`);
  return moved.added;
}

export async function moveTenantStep(
  db: Db,
  env: Bindings,
  core: PrefCore,
  tenant: TenantRow,
  basis: ResidentBasis,
  page: { after: string; limit: number; since?: number },
): Promise<MoveStep> {
  const where = page.since === undefined ? "tenant_id = ? and user_id > ?" : "tenant_id = ? and user_id > ? and updated_at >= ?";
  const binds = page.since === undefined ? [tenant.id, page.after] : [tenant.id, page.after, page.since];
  const users = (await db.$client.prepare(`select user_id from users where ${where} order by user_id limit ?`).bind(...binds, page.limit).all<{ user_id: string }>()).results;
  let added = 0;
  for (const u of users) added += await moveUser(db, env, core, tenant, basis, u.user_id);
  return { users: users.length, added, verified: users.length, next: users.length < page.limit ? null : users[users.length - 1].user_id };
}

/** Switches the tenant to the Durable-Object store. */
export async function switchTenantStore(db: Db, tenantId: string): Promise<void> {
  await db.$client.prepare("update tenants set user_store = 'durable-objects' where id = ?").bind(tenantId).run();
}
