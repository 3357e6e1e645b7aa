// POST /admin/tenants/{tenant}/archive/compact: removes deleted users' comparisons from a Durable-Object tenant's R2
// archive (stores/archive-compact.ts), a bounded number of archive objects per call; call again with `next` as the
// cursor until it is null. Safe to re-run and to run under traffic. A D1 tenant has no archive: nothing to do.
import { createRoute, z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { tenantParams } from "../ids.ts";
import { router } from "../router.ts";
import { jsonBody, jsonResponse, notFoundError } from "../schemas.ts";
import { compactArchive } from "../stores/archive-compact.ts";
import { storeFor } from "../stores/select.ts";
import { adminErrors, adminSecurity, adminTags, requireTenant } from "./admin-shared.ts";

const CompactRequest = z
  .strictObject({
    cursor: z.string().max(1024).optional().openapi({ description: "`next` of the previous call (absent: from the start)" }),
    limit: z.number().int().min(1).max(1000).default(100).openapi({ description: "Archive objects to visit in this call" }),
  })
  .openapi("CompactRequest");

const CompactResult = z
  .object({
    next: z.string().nullable().openapi({ description: "Cursor for the next call; null when the whole archive was visited" }),
    objects: z.number().int(),
    rewritten: z.number().int(),
    deleted: z.number().int(),
    dropped: z.number().int().openapi({ description: "Comparisons of deleted users removed" }),
  })
  .openapi("CompactResult");

export function adminArchiveRoutes(_cfg: Config) {
  const route = createRoute({
    method: "post",
    path: "/admin/tenants/{tenant}/archive/compact",
    tags: adminTags,
    security: adminSecurity,
    summary: "Remove deleted users' comparisons from the tenant's archive (a batch per call)",
    request: { params: tenantParams, body: { ...jsonBody(CompactRequest), required: false } },
    responses: { 200: jsonResponse(CompactResult, "Visited a batch of archive objects"), ...adminErrors, ...notFoundError },
  });

  return router().openapi(route, async (c) => {
    const { tenant } = c.req.valid("param");
    const { cursor, limit } = (c.req.valid("json") as { cursor?: string; limit?: number } | undefined) ?? {};
    const row = await requireTenant(c.var.db, tenant);
    if (storeFor(row, c.env).kind === "d1") return c.json({ next: null, objects: 0, rewritten: 0, deleted: 0, dropped: 0 }, 200);
    return c.json(await compactArchive(c.env, tenant, cursor, limit ?? 100), 200);
  });
}
