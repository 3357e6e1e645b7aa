// GET /health (no auth): each dependency reported (services/health.ts); 503 naming the first that failed.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../router.ts";
import type { Config } from "../config.ts";
import { logEvent } from "../log.ts";
import { checkHealth } from "../services/health.ts";

const Health = z
  .object({
    status: z.enum(["ok", "error"]),
    version: z.string(),
    core: z.enum(["wasm", "error"]),
    db: z.enum(["ok", "error"]),
    embedder: z.enum(["ok", "error", "none"]).openapi({ description: "The embedder of the HEALTH_TENANT tenant (none: not configured, or it takes vectors)" }),
    basis: z.string().nullable().openapi({ description: "The service's default (active) basis id" }),
  })
  .openapi("Health");

const HealthError = Health.extend({
  error: z.object({ code: z.literal("unavailable"), message: z.string(), field: z.enum(["core", "db", "embedder"]), request_id: z.string() }),
}).openapi("HealthError");

const route = createRoute({
  method: "get",
  path: "/health",
  tags: ["service"],
  summary: "Readiness: the WASM core instantiates, D1 answers and (HEALTH_TENANT) the embedder embeds",
  responses: {
    200: { description: "Healthy", content: { "application/json": { schema: Health } } },
    503: { description: "A dependency failed; `error.field` names it", content: { "application/json": { schema: HealthError } } },
  },
});

export function healthRoutes(cfg: Config) {
  return router().openapi(route, async (c) => {
    const { failure, ...parts } = await checkHealth(c.var.core, c.var.db, cfg, c.env);
    const body = { version: cfg.version, ...parts };
    if (!failure) return c.json({ status: "ok" as const, ...body }, 200);
    c.var.log.code = "unavailable";
    await logEvent(c, "error", "health", { field: failure.field, message: failure.message, detail: failure.detail });
    const error = { code: "unavailable" as const, message: failure.message, field: failure.field, request_id: c.var.log.requestId };
    return c.json({ status: "error" as const, ...body, error }, 503);
  });
}
