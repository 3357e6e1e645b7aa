// PUT /admin/tenants/{tenant}/upstream: the tenant's own upstream chat LLM, overriding the Worker's UPSTREAM_*
// vars field by field. The key is never sent here: name the secret that holds it (UPSTREAM_API_KEY_<NAME>).
import { createRoute, z } from "@hono/zod-openapi";
import { MAX_CHAT_N, type Config } from "../config.ts";
import { tenantsRepo } from "../db/repos/tenants.ts";
import type { TenantRow } from "../db/schema.ts";
import { ApiError } from "../errors.ts";
import { tenantParams } from "../ids.ts";
import { router } from "../router.ts";
import { adminErrors, adminSecurity, adminTags } from "./admin-shared.ts";
import { jsonBody, jsonResponse, notFoundError } from "../schemas.ts";
import { KEY_SECRET_NAME } from "../upstream/settings.ts";

export const TenantUpstreamSchema = z
  .object({
    url: z.string().nullable().openapi({ description: "OpenAI-compatible base URL including /v1 (null = UPSTREAM_URL)" }),
    model: z.string().nullable().openapi({ description: "null = UPSTREAM_MODEL" }),
    n: z.number().int().nullable().openapi({ description: "Candidates per completion (null = CHAT_DEFAULT_N)" }),
    use_n: z.boolean().nullable().openapi({ description: "Ask for all candidates in one call with `n` (null = UPSTREAM_USE_N)" }),
    key_secret: z.string().nullable().openapi({ description: "Secret holding the upstream key (null = UPSTREAM_API_KEY)" }),
    model_passthrough: z.boolean().nullable().openapi({ description: "Forward the request's `model` (null = false)" }),
  })
  .openapi("TenantUpstream");

export const upstreamView = (t: Pick<TenantRow, "upstreamUrl" | "upstreamModel" | "upstreamN" | "upstreamUseN" | "upstreamKeySecret" | "upstreamModelPassthrough">) => ({
  url: t.upstreamUrl,
  model: t.upstreamModel,
  n: t.upstreamN,
  use_n: t.upstreamUseN,
  key_secret: t.upstreamKeySecret,
  model_passthrough: t.upstreamModelPassthrough,
});

const UpstreamSettings = z
  .strictObject({
    url: z
      .string()
      .max(2048)
      .regex(/^https?:\/\/[^\s/?#]+[^\s]*$/, "an http(s) URL")
      .nullable()
      .optional()
      .openapi({ example: "https://api.openai.com/v1" }),
    model: z.string().min(1).max(256).nullable().optional().openapi({ example: "gpt-4o-mini" }),
    n: z.number().int().min(1).max(MAX_CHAT_N).nullable().optional(),
    use_n: z.boolean().nullable().optional(),
    key_secret: z.string().regex(KEY_SECRET_NAME, "UPSTREAM_API_KEY or UPSTREAM_API_KEY_<A-Z0-9_>").nullable().optional(),
    model_passthrough: z.boolean().nullable().optional(),
  })
  .openapi("TenantUpstreamSettings", { description: "Replaces all of the tenant's upstream settings: an absent or null field falls back to the Worker's vars" });

export function adminUpstreamRoutes(_cfg: Config) {
  const route = createRoute({
    method: "put",
    path: "/admin/tenants/{tenant}/upstream",
    tags: adminTags,
    security: adminSecurity,
    summary: "Set the tenant's upstream chat LLM (overrides UPSTREAM_* per field)",
    request: {
      params: tenantParams,
      body: jsonBody(UpstreamSettings),
    },
    responses: {
      200: jsonResponse(TenantUpstreamSchema, "The tenant's stored upstream settings"),
      ...adminErrors,
      ...notFoundError,
    },
  });

  return router().openapi(route, async (c) => {
    const { tenant } = c.req.valid("param");
    const b = c.req.valid("json");
    const settings = {
      upstreamUrl: b.url ?? null,
      upstreamModel: b.model ?? null,
      upstreamN: b.n ?? null,
      upstreamUseN: b.use_n ?? null,
      upstreamKeySecret: b.key_secret ?? null,
      upstreamModelPassthrough: b.model_passthrough ?? null,
    };
    if (!(await tenantsRepo.setUpstream(c.var.db, tenant, settings))) throw ApiError.notFound(`unknown tenant ${JSON.stringify(tenant)}`, "tenant");
    return c.json(upstreamView(settings), 200);
  });
}
