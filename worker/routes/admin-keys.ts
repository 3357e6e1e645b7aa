// A tenant's API keys: POST /admin/tenants/{tenant}/keys (shown once; only its SHA-256 is stored) and
// DELETE /admin/tenants/{tenant}/keys/{key} (revoke).
import { createRoute, z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { newApiKey, newId, sha256Hex } from "../crypto.ts";
import { tenantsRepo } from "../db/repos/tenants.ts";
import { ApiError } from "../errors.ts";
import { tenantParams } from "../ids.ts";
import { router } from "../router.ts";
import { conflictError, jsonBody, jsonResponse, notFoundError } from "../schemas.ts";
import { adminErrors, adminSecurity, adminTags, iso, requireTenant } from "./admin-shared.ts";

export const ApiKeySchema = z
  .object({
    id: z.string(),
    prefix: z.string(),
    name: z.string().nullable(),
    created_at: z.string(),
    revoked_at: z.string().nullable(),
  })
  .openapi("ApiKey");

export const apiKeyView = (k: { id: string; prefix: string; name: string | null; createdAt: number; revokedAt: number | null }) => ({
  id: k.id,
  prefix: k.prefix,
  name: k.name,
  created_at: iso(k.createdAt),
  revoked_at: k.revokedAt ? iso(k.revokedAt) : null,
});

export function adminKeyRoutes(_cfg: Config) {
  const createKey = createRoute({
    method: "post",
    path: "/admin/tenants/{tenant}/keys",
    tags: adminTags,
    security: adminSecurity,
    summary: "Create an API key (shown once; only its SHA-256 is stored)",
    request: {
      params: tenantParams,
      body: {
        ...jsonBody(
          z.strictObject({
            name: z.string().min(1).max(128).optional(),
            key: z
              .string()
              .regex(/^[A-Za-z0-9_-]{24,128}$/, "24-128 chars of [A-Za-z0-9_-]")
              .optional()
              .openapi({ description: "Register this key instead of generating one (e.g. a local dev key). 409 if it is already registered." }),
          }),
        ),
        required: false,
      },
    },
    responses: {
      ...conflictError,
      201: jsonResponse(ApiKeySchema.extend({ key: z.string().openapi({ description: "The key: store it now, it is not retrievable" }) }), "Created"),
      ...adminErrors,
      ...notFoundError,
    },
  });
  const revokeKey = createRoute({
    method: "delete",
    path: "/admin/tenants/{tenant}/keys/{key}",
    tags: adminTags,
    security: adminSecurity,
    summary: "Revoke an API key",
    request: { params: tenantParams.extend({ key: z.string().min(1).max(64).openapi({ param: { name: "key", in: "path" } }) }) },
    responses: { 204: { description: "Revoked" }, ...adminErrors, ...notFoundError },
  });

  return router()
    .openapi(createKey, async (c) => {
      const t = await requireTenant(c.var.db, c.req.valid("param").tenant);
      const body = c.req.valid("json") as { name?: string; key?: string } | undefined;
      const name = body?.name ?? null;
      const key = body?.key ?? newApiKey();
      const row = { id: newId("key"), tenantId: t.id, keyHash: await sha256Hex(key), prefix: key.slice(0, 10), name, createdAt: Date.now(), revokedAt: null };
      if (body?.key && (await tenantsRepo.keyExists(c.var.db, row.keyHash))) throw ApiError.conflict("conflict", "this key is already registered", "key");
      await tenantsRepo.insertKey(c.var.db, row);
      return c.json({ id: row.id, key, prefix: row.prefix, name, created_at: iso(row.createdAt), revoked_at: null }, 201);
    })
    .openapi(revokeKey, async (c) => {
      const { tenant, key } = c.req.valid("param");
      if (!(await tenantsRepo.revokeKey(c.var.db, tenant, key, Date.now()))) throw ApiError.notFound("no such live key for this tenant", "key");
      return c.body(null, 204);
    });
}
