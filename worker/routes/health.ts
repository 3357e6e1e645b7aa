// GET /health (no auth): instantiates the WASM core and runs one D1 query (the default basis id).
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../router.ts";
import type { Config } from "../config.ts";
import { basesRepo } from "../db/repos/bases.ts";

const Health = z
  .object({
    status: z.enum(["ok", "error"]),
    version: z.string(),
    core: z.enum(["wasm", "error"]),
    db: z.enum(["ok", "error"]),
    basis: z.string().nullable().openapi({ description: "The service's default (active) basis id" }),
  })
  .openapi("Health");

const HealthError = Health.extend({
  error: z.object({ code: z.literal("unavailable"), message: z.string(), field: z.enum(["core", "db"]) }),
}).openapi("HealthError");

const route = createRoute({
  method: "get",
  path: "/health",
  tags: ["service"],
  summary: "Liveness: the WASM core instantiates and D1 answers",
  responses: {
    200: { description: "Healthy", content: { "application/json": { schema: Health } } },
    503: { description: "A part failed; `error.field` names it", content: { "application/json": { schema: HealthError } } },
  },
});

const reason = (r: PromiseSettledResult<unknown>) => (r.status === "rejected" ? String((r.reason as Error)?.message ?? r.reason) : "");

export function healthRoutes(cfg: Config) {
  return router().openapi(route, async (c) => {
    const [core, db] = await Promise.allSettled([c.var.core(), basesRepo.defaultId(c.var.db)]);
    const body = {
      version: cfg.version,
      core: core.status === "fulfilled" && core.value.kind === "wasm" ? ("wasm" as const) : ("error" as const),
      db: db.status === "fulfilled" ? ("ok" as const) : ("error" as const),
      basis: db.status === "fulfilled" ? db.value : null,
    };
    if (body.core === "wasm" && body.db === "ok") return c.json({ status: "ok" as const, ...body }, 200);
    const field = body.core !== "wasm" ? ("core" as const) : ("db" as const);
    const message = field === "core" ? `WASM core failed: ${reason(core) || "not the wasm core"}` : `D1 failed: ${reason(db)}`;
    console.error(`health: ${message}`);
    return c.json({ status: "error" as const, ...body, error: { code: "unavailable" as const, message, field } }, 503);
  });
}
