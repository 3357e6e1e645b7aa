// POST /admin/tenants/{tenant}/user-store/move: moves a tenant's users from the D1 store to the Durable-Object
// store a page at a time (services/move-tenant.ts); `pref move-tenant` drives it. Each answer says where the next
// page starts; `finish: true` (after the last page) switches the tenant and merges once more what D1 received since
// `since`. Every step can be repeated: nothing is copied twice.
import { createRoute, z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { basisHistoryRepo } from "../db/repos/basis-history.ts";
import { ApiError } from "../errors.ts";
import { tenantParams } from "../ids.ts";
import { router } from "../router.ts";
import { conflictError, jsonBody, jsonResponse, notFoundError } from "../schemas.ts";
import { residentBasis } from "../services/bases.ts";
import { moveTenantStep, switchTenantStore } from "../services/move-tenant.ts";
import { storeKindOf } from "../stores/select.ts";
import { adminErrors, adminSecurity, adminTags, requireTenant } from "./admin-shared.ts";

const MoveBody = z
  .strictObject({
    to: z.literal("durable-objects").openapi({ description: "The store to move to (the only move offered: D1 -> Durable Objects)" }),
    after: z.string().max(1024).default("").openapi({ description: "Copy users with ids after this one ('' = from the first)" }),
    limit: z.number().int().min(1).max(500).default(100).openapi({ description: "Users per call" }),
    finish: z.boolean().default(false).openapi({ description: "Switch the tenant, then re-copy users written in D1 since `since`" }),
    since: z.number().int().min(0).optional().openapi({ description: "With finish: when the move started (ms since epoch)" }),
  })
  .openapi("UserStoreMove");

const MoveResult = z
  .object({
    tenant: z.string(),
    users: z.number().int(),
    added: z.number().int().openapi({ description: "Comparisons newly copied" }),
    verified: z.number().int().openapi({ description: "Users whose moved posterior equals an exact re-fit of the moved log" }),
    next: z.string().nullable().openapi({ description: "`after` of the next call; null = all users copied" }),
    user_store: z.string(),
  })
  .openapi("UserStoreMoveResult");

export function adminUserStoreRoutes(_cfg: Config) {
  const route = createRoute({
    method: "post",
    path: "/admin/tenants/{tenant}/user-store/move",
    tags: adminTags,
    security: adminSecurity,
    summary: "Move the tenant's users from D1 to Durable Objects (a page per call; verified; safe to re-run)",
    request: { params: tenantParams, body: jsonBody(MoveBody) },
    responses: { 200: jsonResponse(MoveResult, "One step of the move"), ...adminErrors, ...notFoundError, ...conflictError },
  });

  return router().openapi(route, async (c) => {
    const db = c.var.db;
    const tenant = await requireTenant(db, c.req.valid("param").tenant);
    const body = c.req.valid("json");
    if (body.finish && body.since === undefined) throw ApiError.badRequest("since: required with finish (when the move started)", "since");
    const basisId = await basisHistoryRepo.effective(db, tenant.id);
    if (!basisId) throw ApiError.conflict("no_basis", "the tenant has no basis: nothing to re-fit the moved users in", "basis");
    const core = await c.var.core();
    const basis = await residentBasis(db, core, basisId);
    if (!basis) throw ApiError.conflict("no_basis", `basis ${basisId} does not exist`, "basis");
    if (body.finish) await switchTenantStore(db, tenant.id);
    else if (tenant.userStore === "durable-objects")
      throw ApiError.conflict("conflict", `tenant ${tenant.id} is already on ${tenant.userStore}; re-copy with finish: true`, "to");
    const step = await moveTenantStep(db, c.env, core, tenant, basis, { after: body.after, limit: body.limit, since: body.finish ? body.since : undefined });
    return c.json({ tenant: tenant.id, ...step, user_store: body.finish ? "durable-objects" : storeKindOf(tenant, c.env) }, 200);
  });
}
