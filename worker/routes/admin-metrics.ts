// GET /admin/tenants/{tenant}/metrics: is personalization helping this tenant's users? Progressive validation per
// day or per feedback-count bucket (worker/metrics/), from the rollup rows: cheap whatever the log's size.
import { createRoute, z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { metricsRepo } from "../db/repos/metrics.ts";
import { ApiError } from "../errors.ts";
import { idSlug, tenantParams } from "../ids.ts";
import { dayOf } from "../limits/quota.ts";
import { BUCKETS } from "../metrics/progressive.ts";
import { summarize, total } from "../metrics/summary.ts";
import { router } from "../router.ts";
import { adminErrors, adminSecurity, adminTags, requireTenant } from "./admin-shared.ts";
import { jsonResponse, notFoundError } from "../schemas.ts";

const DAY_MS = 86_400_000;
const MAX_DAYS = 3660;
const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/, "an ISO date, e.g. 2026-12-03")
  .refine((s) => Number.isFinite(Date.parse(s)), "a real date")
  .optional();

const Query = z.object({
  from: date.openapi({ description: "First UTC day (default: 30 days before `to`)" }),
  to: date.openapi({ description: "Last UTC day (default: today)" }),
  group: z.enum(["day", "count"]).default("count").openapi({ description: "day, or count: the user's earlier comparisons (0, 1-4, 5-9, 10-19, 20+)" }),
  basis: idSlug.optional().openapi({ description: "Only comparisons that arrived under this basis" }),
});

const Side = z.object({ accuracy: z.number().nullable(), log_loss: z.number().nullable() });
const Group = z.object({
  key: z.string(),
  comparisons: z.number().int(),
  decided: z.number().int(),
  personal: Side,
  population: Side,
  lift: z.object({ value: z.number().nullable(), low: z.number().nullable(), high: z.number().nullable(), stderr: z.number().nullable() }),
});
const MetricsSchema = z
  .object({
    tenant: z.string(),
    group: z.enum(["day", "count"]),
    from: z.string(),
    to: z.string(),
    basis: z.string().nullable(),
    groups: z.array(Group),
    total: Group,
    questions: z.object({ asked: z.number().int(), declined: z.number().int(), answered: z.number().int() }),
    volume: z.object({ rank: z.number().int(), chat: z.number().int() }),
  })
  .openapi("TenantMetrics");

export function adminMetricsRoutes(_cfg: Config) {
  const route = createRoute({
    method: "get",
    path: "/admin/tenants/{tenant}/metrics",
    tags: adminTags,
    security: adminSecurity,
    summary: "Progressive validation: personalized vs population accuracy and log-loss, and the lift, per day or feedback count",
    request: { params: tenantParams, query: Query },
    responses: {
      200: jsonResponse(MetricsSchema, "The tenant's metrics over the range"),
      ...adminErrors,
      ...notFoundError,
    },
  });

  return router().openapi(route, async (c) => {
    const { tenant } = c.req.valid("param");
    const q = c.req.valid("query");
    const db = c.var.db;
    await requireTenant(db, tenant);
    const toDay = q.to ? dayOf(Date.parse(q.to)) : dayOf();
    const fromDay = q.from ? dayOf(Date.parse(q.from)) : toDay - 29;
    if (fromDay > toDay) throw ApiError.badRequest("from: must not be after to", "from");
    if (toDay - fromDay > MAX_DAYS) throw ApiError.badRequest(`from: at most ${MAX_DAYS} days at a time`, "from");
    const [rows, usage] = await Promise.all([metricsRepo.sums(db, tenant, fromDay, toDay, q.group, q.basis), metricsRepo.usage(db, tenant, fromDay, toDay)]);
    const keyOf = (k: number) => (q.group === "day" ? isoDay(k) : BUCKETS[k]);
    const all = total(rows);
    return c.json(
      {
        tenant,
        group: q.group,
        from: isoDay(fromDay),
        to: isoDay(toDay),
        basis: q.basis ?? null,
        groups: rows.map((row) => summarize(keyOf(row.key), row)),
        total: summarize("all", all),
        questions: { asked: usage.questions_asked ?? 0, declined: usage.questions_declined ?? 0, answered: all.comparisons },
        volume: { rank: usage.rank ?? 0, chat: usage.chat ?? 0 },
      },
      200,
    );
  });
}
