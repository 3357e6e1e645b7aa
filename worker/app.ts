// The Hono app: middleware, the route modules, the OpenAPI document, and the single error renderer.
import { adminAuth, tenantAuth } from "./auth.ts";
import { jsonGuard } from "./body.ts";
import type { Config } from "./config.ts";
import { getCore } from "./core.ts";
import { getDb } from "./db/client.ts";
import type { PrefCore } from "../core/types.ts";
import { ApiError } from "./errors.ts";
import { logRequest } from "./log.ts";
import { REQUEST_ID_HEADER, requestIdOf } from "./request-id.ts";
import { renderError } from "./render-error.ts";
import { router } from "./router.ts";
import { adminBasisRoutes } from "./routes/admin-bases.ts";
import { adminFeedbackRoutes } from "./routes/admin-feedback.ts";
import { adminKeyRoutes } from "./routes/admin-keys.ts";
import { adminLimitsRoutes } from "./routes/admin-limits.ts";
import { adminMetricsRoutes } from "./routes/admin-metrics.ts";
import { adminMaintenanceRoutes } from "./routes/admin-maintenance.ts";
import { adminArchiveRoutes } from "./routes/admin-archive.ts";
import { adminTenantRoutes } from "./routes/admin-tenants.ts";
import { adminUserStoreRoutes } from "./routes/admin-user-store.ts";
import { adminUpstreamRoutes } from "./routes/admin-upstream.ts";
import { chatRoutes } from "./routes/chat.ts";
import { docsRoutes } from "./routes/docs.ts";
import { feedbackRoutes } from "./routes/feedback.ts";
import { healthRoutes } from "./routes/health.ts";
import { questionRoutes } from "./routes/questions.ts";
import { rankRoutes } from "./routes/rank.ts";
import { userRoutes } from "./routes/users.ts";

export interface AppDependencies {
  core: () => Promise<PrefCore>;
}

export function createApp(cfg: Config, deps: AppDependencies = { core: getCore }) {
  const app = router();

  app.use("*", async (c, next) => {
    const started = Date.now();
    const requestId = requestIdOf(c.req.raw);
    c.set("log", { requestId });
    c.set("config", cfg);
    c.set("db", getDb(c.env.DB, cfg.d1TimeoutMs));
    c.set("core", deps.core);
    c.header(REQUEST_ID_HEADER, requestId);
    await next();
    if (!c.res.headers.has(REQUEST_ID_HEADER)) c.res.headers.set(REQUEST_ID_HEADER, requestId);
    await logRequest(c, started);
  });
  // Authenticate (header only) before reading a body: unauthenticated requests cost nothing to refuse.
  app.use("/v1/*", tenantAuth, jsonGuard(cfg.maxBodyBytes, cfg.bodyTimeoutMs));
  app.use("/admin/*", adminAuth, jsonGuard(cfg.maxAdminBodyBytes, cfg.bodyTimeoutMs));

  const routes = [
    healthRoutes,
    rankRoutes,
    feedbackRoutes,
    questionRoutes,
    userRoutes,
    chatRoutes,
    adminTenantRoutes,
    adminKeyRoutes,
    adminBasisRoutes,
    adminUpstreamRoutes,
    adminLimitsRoutes,
    adminMaintenanceRoutes,
    adminArchiveRoutes,
    adminFeedbackRoutes,
    adminUserStoreRoutes,
    adminMetricsRoutes,
  ];
  for (const routesOf of routes) app.route("/", routesOf(cfg));
  app.route("/", docsRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "tenantKey", { type: "http", scheme: "bearer", description: "A tenant API key" });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", { type: "http", scheme: "bearer", description: "The ADMIN_TOKEN secret" });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "PReF Edge",
      version: cfg.version,
      description:
        "Per-user LLM personalization at the edge: rank candidate responses by a user's learned reward, learn from pairwise feedback, and pick the most informative question to ask.",
    },
  });

  app.notFound((c) => renderError(ApiError.notFound(`no route ${c.req.method} ${new URL(c.req.url).pathname}`), c));
  app.onError(renderError);
  return app;
}

export type App = ReturnType<typeof createApp>;
