// PUT /admin/tenants/{tenant}/limits: the rate-limit plan and daily quota of the tenant's API keys.
import { createRoute, z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { tenantsRepo } from "../db/repos/tenants.ts";
import type { TenantRow } from "../db/schema.ts";
import { ApiError } from "../errors.ts";
import { tenantParams } from "../ids.ts";
import { availablePlans, PLAN_NAME } from "../limits/rate-limit.ts";
import { router } from "../router.ts";
import { adminErrors, adminSecurity, adminTags } from "./admin-shared.ts";
import { ErrorSchema, jsonBody, jsonResponse, notFoundError } from "../schemas.ts";

export const TenantLimitsSchema = z
  .object({
    rate_limit_plan: z.string().nullable().openapi({ description: "Rate-limit plan of each API key (null = RATE_LIMIT_PLAN)" }),
    daily_quota: z.number().int().nullable().openapi({ description: "Requests per API key per UTC day (null = no quota)" }),
  })
  .openapi("TenantLimits");

export const limitsView = (t: Pick<TenantRow, "rateLimitPlan" | "dailyQuota">) => ({ rate_limit_plan: t.rateLimitPlan, daily_quota: t.dailyQuota });

const LimitsSettings = z
  .strictObject({
    rate_limit_plan: z
      .string()
      .regex(PLAN_NAME, "a plan name ([a-z0-9_])")
      .nullable()
      .optional()
      .openapi({ description: 'A plan this Worker has a RATE_LIMIT_<PLAN> binding for, or "unlimited"; null = the default', example: "standard" }),
    daily_quota: z.number().int().min(1).max(1e12).nullable().optional().openapi({ description: "null = no quota", example: 100000 }),
  })
  .openapi("TenantLimitsSettings", { description: "Replaces both settings: an absent field is null" });

export function adminLimitsRoutes(_cfg: Config) {
  const route = createRoute({
    method: "put",
    path: "/admin/tenants/{tenant}/limits",
    tags: adminTags,
    security: adminSecurity,
    summary: "Set the rate-limit plan and daily quota of the tenant's API keys",
    request: { params: tenantParams, body: jsonBody(LimitsSettings) },
    responses: {
      200: jsonResponse(TenantLimitsSchema, "The tenant's stored limits"),
      ...adminErrors,
      400: { description: "Invalid request (e.g. a plan this Worker cannot enforce)", content: { "application/json": { schema: ErrorSchema } } },
      ...notFoundError,
    },
  });

  return router().openapi(route, async (c) => {
    const { tenant } = c.req.valid("param");
    const b = c.req.valid("json");
    const plans = availablePlans(c.env);
    if (b.rate_limit_plan && !plans.includes(b.rate_limit_plan))
      throw ApiError.badRequest(`rate_limit_plan: this Worker has no plan ${JSON.stringify(b.rate_limit_plan)} (it has: ${plans.join(", ")})`, "rate_limit_plan");
    const settings = { rateLimitPlan: b.rate_limit_plan ?? null, dailyQuota: b.daily_quota ?? null };
    if (!(await tenantsRepo.setLimits(c.var.db, tenant, settings))) throw ApiError.notFound(`unknown tenant ${JSON.stringify(tenant)}`, "tenant");
    return c.json(limitsView(settings), 200);
  });
}
