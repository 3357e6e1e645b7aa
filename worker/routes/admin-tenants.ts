// Tenants: POST /admin/tenants, GET /admin/tenants (all of them: the metrics page's picker), GET /admin/tenants/{tenant} (with its keys, never the keys themselves) and
// PUT /admin/tenants/{tenant}/basis (activate a basis; users are re-fitted from their logs on their next request)
// and POST /admin/tenants/{tenant}/basis/rollback (re-activate the one before). Every activation is recorded.
// The tenant's upstream and limits have their own files (admin-upstream.ts, admin-limits.ts).
import { createRoute, z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { newId } from "../crypto.ts";
import { type Activation, basisHistoryRepo } from "../db/repos/basis-history.ts";
import { tenantsRepo } from "../db/repos/tenants.ts";
import { EMBEDDER_KINDS, USER_STORES, type TenantRow } from "../db/schema.ts";
import { ApiError } from "../errors.ts";
import { idSlug, tenantParams } from "../ids.ts";
import { router } from "../router.ts";
import { ErrorSchema, conflictError, jsonBody, jsonResponse, notFoundError } from "../schemas.ts";
import { ApiKeySchema, apiKeyView } from "./admin-keys.ts";
import { TenantLimitsSchema, limitsView } from "./admin-limits.ts";
import { adminErrors, adminSecurity, adminTags, iso, requireCompatibleBasis, requireTenant } from "./admin-shared.ts";
import { TenantUpstreamSchema, upstreamView } from "./admin-upstream.ts";

const Embedder = z
  .strictObject({
    kind: z.enum(EMBEDDER_KINDS).openapi({ description: "vectors: callers send embeddings; openai: an OpenAI-compatible endpoint; workers-ai: the AI binding" }),
    id: z.string().min(1).max(128).openapi({ description: "The embedding recipe id; a basis must have been trained on the same", example: "use-lite-512:response" }),
    model: z.string().min(1).max(256).optional().openapi({ description: "Model name for openai / workers-ai (defaults from config)" }),
  })
  .openapi("Embedder");

const Tenant = z
  .object({
    id: z.string(),
    name: z.string(),
    embedder: z.object({ kind: z.enum(EMBEDDER_KINDS), id: z.string(), model: z.string().nullable() }),
    basis: z.string().nullable().openapi({ description: "Explicitly activated basis (null = the service default)" }),
    upstream: TenantUpstreamSchema,
    limits: TenantLimitsSchema,
    user_store: z.enum(USER_STORES).nullable().openapi({ description: "Where the tenant's users live (null = the service default, PREF_USER_STORE; docs/scale.md)" }),
    created_at: z.string(),
  })
  .openapi("Tenant");

const ActivationSchema = z
  .object({
    basis: z.string().nullable().openapi({ description: "The basis activated (null = the service default)" }),
    previous: z.string().nullable(),
    activated_at: z.string(),
    rolled_back_at: z.string().nullable(),
  })
  .openapi("BasisActivation");

const TenantDetail = Tenant.extend({
  active_basis: z.string().nullable().openapi({ description: "The basis the tenant's users are served with now (its own, else the service default)" }),
  basis_history: z.array(ActivationSchema).openapi({ description: "Its basis activations, newest first (at most 20)" }),
  keys: z.array(ApiKeySchema),
});

const activationView = (a: Activation) => ({
  basis: a.basisId,
  previous: a.previousBasisId,
  activated_at: iso(a.activatedAt),
  rolled_back_at: a.rolledBackAt === null ? null : iso(a.rolledBackAt),
});

const tenantView = (t: TenantRow) => ({
  id: t.id,
  name: t.name,
  embedder: { kind: t.embedderKind, id: t.embedderId, model: t.embedderModel },
  basis: t.basisId,
  upstream: upstreamView(t),
  limits: limitsView(t),
  user_store: t.userStore,
  created_at: iso(t.createdAt),
});

export function adminTenantRoutes(_cfg: Config) {
  const createTenant = createRoute({
    method: "post",
    path: "/admin/tenants",
    tags: adminTags,
    security: adminSecurity,
    summary: "Create a tenant",
    request: {
      body: jsonBody(
        z
          .strictObject({
            id: idSlug.optional().openapi({ description: "Tenant id; generated when absent. 409 if it exists." }),
            name: z.string().min(1).max(256),
            embedder: Embedder,
            basis: idSlug.optional(),
            user_store: z.enum(USER_STORES).optional().openapi({ description: "Where its users live (default: the service default). Moving later: POST /admin/tenants/{tenant}/user-store/move" }),
          })
          .openapi("NewTenant"),
      ),
    },
    responses: { 201: jsonResponse(Tenant, "Created"), ...adminErrors, ...notFoundError, ...conflictError },
  });
  const listTenants = createRoute({
    method: "get",
    path: "/admin/tenants",
    tags: adminTags,
    security: adminSecurity,
    summary: "List tenants, oldest first",
    responses: { 200: jsonResponse(z.object({ tenants: z.array(Tenant) }), "All tenants"), ...adminErrors },
  });
  const getTenant = createRoute({
    method: "get",
    path: "/admin/tenants/{tenant}",
    tags: adminTags,
    security: adminSecurity,
    summary: "A tenant and its keys (never the keys themselves)",
    request: { params: tenantParams },
    responses: { 200: jsonResponse(TenantDetail, "The tenant"), ...adminErrors, ...notFoundError },
  });
  const activate = createRoute({
    method: "put",
    path: "/admin/tenants/{tenant}/basis",
    tags: adminTags,
    security: adminSecurity,
    summary: "Activate a basis for a tenant (users are re-fitted from their logs on their next request)",
    request: { params: tenantParams, body: jsonBody(z.strictObject({ basis: idSlug.nullable() })) },
    responses: { 200: jsonResponse(Tenant, "Activated"), ...adminErrors, ...notFoundError, ...conflictError },
  });
  const rollback = createRoute({
    method: "post",
    path: "/admin/tenants/{tenant}/basis/rollback",
    tags: adminTags,
    security: adminSecurity,
    summary: "Re-activate the basis the tenant served before its current activation (users are re-fitted from their logs)",
    request: { params: tenantParams },
    responses: {
      200: jsonResponse(z.object({ tenant: z.string(), basis: z.string().nullable(), replaced: z.string().nullable() }), "Rolled back"),
      ...adminErrors,
      ...notFoundError,
      409: { description: "Nothing to roll back (no live activation)", content: { "application/json": { schema: ErrorSchema } } },
    },
  });

  return router()
    .openapi(createTenant, async (c) => {
      const body = c.req.valid("json");
      const db = c.var.db;
      if (body.basis) await requireCompatibleBasis(db, body.basis, body.embedder.id);
      if (body.id && (await tenantsRepo.get(db, body.id))) throw ApiError.conflict("conflict", `tenant ${JSON.stringify(body.id)} exists`, "id");
      const row: TenantRow = {
        id: body.id ?? newId("tn"),
        name: body.name,
        embedderKind: body.embedder.kind,
        embedderId: body.embedder.id,
        embedderModel: body.embedder.model ?? null,
        basisId: body.basis ?? null,
        createdAt: Date.now(),
        upstreamUrl: null,
        upstreamModel: null,
        upstreamN: null,
        upstreamUseN: null,
        upstreamKeySecret: null,
        upstreamModelPassthrough: null,
        rateLimitPlan: null,
        dailyQuota: null,
        userStore: body.user_store ?? null,
      };
      await tenantsRepo.insert(db, row);
      return c.json(tenantView(row), 201);
    })
    .openapi(listTenants, async (c) => c.json({ tenants: (await tenantsRepo.list(c.var.db)).map(tenantView) }, 200))
    .openapi(getTenant, async (c) => {
      const t = await requireTenant(c.var.db, c.req.valid("param").tenant);
      const [keys, history, active] = await Promise.all([tenantsRepo.keys(c.var.db, t.id), basisHistoryRepo.list(c.var.db, t.id), basisHistoryRepo.effective(c.var.db, t.id)]);
      return c.json({ ...tenantView(t), active_basis: active, basis_history: history.map(activationView), keys: keys.map(apiKeyView) }, 200);
    })
    .openapi(activate, async (c) => {
      const db = c.var.db;
      const t = await requireTenant(db, c.req.valid("param").tenant);
      const { basis } = c.req.valid("json");
      if (basis) await requireCompatibleBasis(db, basis, t.embedderId);
      await basisHistoryRepo.activate(db, t.id, basis, Date.now());
      return c.json(tenantView({ ...t, basisId: basis }), 200);
    })
    .openapi(rollback, async (c) => {
      const db = c.var.db;
      const t = await requireTenant(db, c.req.valid("param").tenant);
      const done = await basisHistoryRepo.rollback(db, t.id, Date.now());
      if (!done) throw ApiError.conflict("conflict", `tenant ${t.id} has no basis activation to roll back`, "tenant");
      return c.json({ tenant: t.id, basis: done.to, replaced: done.from }, 200);
    });
}
