// GET /v1/users/{user} (profile), GET /v1/users/{user}/export (everything stored), DELETE /v1/users/{user}.
import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { router } from "../router.ts";
import { rowsOf } from "../../core/artifact.ts";
import type { Config } from "../config.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { commonErrors, conflictError, jsonResponse, notFoundError, schemas } from "../schemas.ts";
import { sessionFor, userContext } from "../services/context.ts";
import { keyedForm } from "../services/hashes.ts";
import { marginalSd } from "../services/posterior.ts";
import { storeFor } from "../stores/select.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** The {user} segment must be valid percent-encoded UTF-8: Hono leaves one it cannot decode as is ("%FF"), which
 * would address another user (the one literally named "%FF"). */
const strictUserSegment = createMiddleware<AppEnv>(async (c, next) => {
  const raw = new URL(c.req.url).pathname.split("/")[3] ?? "";
  try {
    decodeURIComponent(raw);
  } catch {
    throw ApiError.badRequest("user: not valid percent-encoded UTF-8", "user");
  }
  await next();
});

export function userRoutes(cfg: Config) {
  const s = schemas(cfg);

  const Weight = z.object({
    base: z.number().int().openapi({ description: "Index of the base reward" }),
    label: z.string().optional().openapi({ description: "Its name, when the basis has labels" }),
    mean: z.number(),
    sd: z.number(),
  });
  const UserProfile = z
    .object({
      user: z.string(),
      basis: z.string(),
      feedback_count: z.number().int(),
      weights: z.array(Weight),
      updated_at: z.string().openapi({ format: "date-time" }),
    })
    .openapi("UserProfile");

  const UserExport = z
    .object({
      user: z.string(),
      tenant: z.string(),
      state: z.object({
        basis: z.string(),
        J: z.number().int(),
        mean: z.array(z.number()),
        precision_chol: z.array(z.array(z.number())).openapi({ description: "Lower Cholesky factor of the posterior precision" }),
        observations: z
          .array(z.object({ label: z.number(), z: z.array(z.number()) }))
          .openapi({ description: "The log projected on the basis (derived, recomputable)" }),
        feedback_count: z.number().int(),
        version: z.number().int(),
        created_at: z.string(),
        updated_at: z.string(),
      }),
      feedback: z.array(
        z.object({
          id: z.string(),
          created_at: z.string(),
          prompt_hash: z.string().openapi({ description: "Keyed hash (HMAC-SHA-256) of the prompt: matches the same prompt within this tenant, cannot be reversed by guessing without the service's secret" }),
          chosen: z.object({ hash: z.string(), embedding: z.array(z.number()) }).openapi({ description: "The preferred response's embedding and its content hash" }),
          rejected: z.object({ hash: z.string(), embedding: z.array(z.number()) }),
          embedder: z.string(),
          label: z.number().openapi({ description: "1 = chosen preferred, 0.5 = tie" }),
          event_id: z.string().nullable(),
          idempotency_key: z.string().nullable(),
          basis: z.string(),
        }),
      ),
    })
    .openapi("UserExport");

  const tags = ["users"];
  const security = [{ tenantKey: [] }];
  const params = s.userParams;

  const getRoute = createRoute({
    method: "get",
    path: "/v1/users/{user}",
    middleware: [strictUserSegment] as const,
    tags,
    security,
    summary: "What we know about a user: their weights on each base reward, with uncertainty",
    request: { params },
    responses: { 200: jsonResponse(UserProfile, "The user's profile"), ...commonErrors, ...notFoundError, ...conflictError },
  });
  const exportRoute = createRoute({
    method: "get",
    path: "/v1/users/{user}/export",
    middleware: [strictUserSegment] as const,
    tags,
    security,
    summary: "Everything stored about a user",
    request: { params },
    responses: { 200: jsonResponse(UserExport, "The user's data"), ...commonErrors, ...notFoundError },
  });
  const deleteRoute = createRoute({
    method: "delete",
    path: "/v1/users/{user}",
    middleware: [strictUserSegment] as const,
    tags,
    security,
    summary: "Delete everything stored about a user",
    request: { params },
    responses: { 204: { description: "Deleted" }, ...commonErrors, ...notFoundError },
  });

  const unknownUser = (user: string) => ApiError.notFound(`unknown user ${JSON.stringify(user)}`, "user");

  return router()
    .openapi(getRoute, async (c) => {
      const { user: userId } = c.req.valid("param");
      const { store, scope, basis } = await userContext(c, userId);
      const current = await store.current(scope, userId);
      if (!current) throw unknownUser(userId);
      const sd = marginalSd(current.posterior);
      const weights = Array.from(current.posterior.mean, (mean, base) => ({
        base,
        ...(basis.labels?.[base] ? { label: basis.labels[base] } : {}),
        mean,
        sd: sd[base],
      }));
      return c.json(
        { user: userId, basis: basis.id, feedback_count: current.feedbackCount, weights, updated_at: iso(current.updatedAt) },
        200,
      );
    })
    .openapi(exportRoute, async (c) => {
      const { user: userId } = c.req.valid("param");
      const db = c.var.db;
      const { tenant, user: stored } = await sessionFor(c, userId, { observations: true });
      const user = await storeFor(tenant, c.env).exportUser({ db, env: c.env }, tenant, userId, stored);
      if (!user) throw unknownUser(userId);
      const log = user.log;
      const J = user.J;
      const obs = user.observations;
      const observations = Array.from({ length: obs.length / (J + 1) }, (_, i) => ({
        label: obs[i * (J + 1)],
        z: Array.from(obs.subarray(i * (J + 1) + 1, (i + 1) * (J + 1))),
      }));
      return c.json(
        {
          user: userId,
          tenant: tenant.id,
          state: {
            basis: user.basisId,
            J,
            mean: Array.from(user.mean),
            precision_chol: rowsOf(user.precisionChol, J, J),
            observations,
            feedback_count: user.feedbackCount,
            version: user.version,
            created_at: iso(user.createdAt),
            updated_at: iso(user.updatedAt),
          },
          feedback: await Promise.all(log.map(async (f) => ({
            id: f.id,
            created_at: iso(f.createdAt),
            // Only the keyed form leaves the service, also for rows not re-keyed yet (docs/prompt-hashes.md).
            prompt_hash: await keyedForm(c.env, tenant.id, "prompt", f.promptHash, f.hashScheme),
            chosen: { hash: f.chosenHash, embedding: Array.from(f.chosen) },
            rejected: { hash: f.rejectedHash, embedding: Array.from(f.rejected) },
            embedder: f.embedderId,
            label: f.label,
            event_id: f.eventId,
            idempotency_key: f.idempotencyKey,
            basis: f.basisId,
          }))),
        },
        200,
      );
    })
    .openapi(deleteRoute, async (c) => {
      const { user: userId } = c.req.valid("param");
      const db = c.var.db;
      const { tenant } = await sessionFor(c, userId);
      const deleted = await storeFor(tenant, c.env).delete({ db, env: c.env }, tenant, userId);
      if (!deleted) throw unknownUser(userId);
      return c.body(null, 204);
    });
}
