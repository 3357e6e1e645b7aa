// Admin routes (Authorization: Bearer <ADMIN_TOKEN>): tenants, their API keys, basis artifacts and activation.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../router.ts";
import { basisArtifactSchema, loadBasisArtifact } from "../../core/artifact.ts";
import { gaussianFromCovariance } from "../../core/index.ts";
import { CoreError } from "../../core/types.ts";
import type { Config } from "../config.ts";
import { newApiKey, newId, sha256Hex } from "../crypto.ts";
import { basesRepo } from "../db/repos/bases.ts";
import { tenantsRepo } from "../db/repos/tenants.ts";
import { EMBEDDER_KINDS, type BasisRow, type TenantRow } from "../db/schema.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { idSlug, tenantParams } from "../ids.ts";
import { conflictError, ErrorSchema, jsonBody, jsonResponse, notFoundError, unprocessableError } from "../schemas.ts";
import { limitsView, TenantLimitsSchema } from "./admin-limits.ts";
import { TenantUpstreamSchema, upstreamView } from "./admin-upstream.ts";

const iso = (ms: number) => new Date(ms).toISOString();
const slug = idSlug;

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
    created_at: z.string(),
  })
  .openapi("Tenant");

const ApiKey = z
  .object({
    id: z.string(),
    prefix: z.string(),
    name: z.string().nullable(),
    created_at: z.string(),
    revoked_at: z.string().nullable(),
  })
  .openapi("ApiKey");

const Basis = z
  .object({
    id: z.string(),
    embedder: z.object({ id: z.string(), d: z.number().int() }),
    J: z.number().int(),
    labels: z.array(z.string()).nullable(),
    default: z.boolean(),
    uploaded_at: z.string(),
  })
  .openapi("Basis");

const tenantView = (t: TenantRow) => ({
  id: t.id,
  name: t.name,
  embedder: { kind: t.embedderKind, id: t.embedderId, model: t.embedderModel },
  basis: t.basisId,
  upstream: upstreamView(t),
  limits: limitsView(t),
  created_at: iso(t.createdAt),
});
const basisView = (b: Pick<BasisRow, "id" | "embedderId" | "d" | "J" | "labels" | "isDefault" | "uploadedAt">) => ({
  id: b.id,
  embedder: { id: b.embedderId, d: b.d },
  J: b.J,
  labels: b.labels ?? null,
  default: b.isDefault,
  uploaded_at: iso(b.uploadedAt),
});

const errors = {
  400: { description: "Invalid request", content: { "application/json": { schema: ErrorSchema } } },
  401: { description: "Missing or wrong admin token", content: { "application/json": { schema: ErrorSchema } } },
};
const security = [{ adminToken: [] }];
const tags = ["admin"];

export function adminRoutes(_cfg: Config) {
  const createTenant = createRoute({
    method: "post",
    path: "/admin/tenants",
    tags,
    security,
    summary: "Create a tenant",
    request: {
      body: jsonBody(
        z
          .strictObject({
            id: slug.optional().openapi({ description: "Tenant id; generated when absent. 409 if it exists." }),
            name: z.string().min(1).max(256),
            embedder: Embedder,
            basis: slug.optional(),
          })
          .openapi("NewTenant"),
      ),
    },
    responses: { 201: jsonResponse(Tenant, "Created"), ...errors, ...notFoundError, ...conflictError },
  });
  const getTenant = createRoute({
    method: "get",
    path: "/admin/tenants/{tenant}",
    tags,
    security,
    summary: "A tenant and its keys (never the keys themselves)",
    request: { params: tenantParams },
    responses: { 200: jsonResponse(Tenant.extend({ keys: z.array(ApiKey) }), "The tenant"), ...errors, ...notFoundError },
  });
  const createKey = createRoute({
    method: "post",
    path: "/admin/tenants/{tenant}/keys",
    tags,
    security,
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
      201: jsonResponse(ApiKey.extend({ key: z.string().openapi({ description: "The key: store it now, it is not retrievable" }) }), "Created"),
      ...errors,
      ...notFoundError,
    },
  });
  const revokeKey = createRoute({
    method: "delete",
    path: "/admin/tenants/{tenant}/keys/{key}",
    tags,
    security,
    summary: "Revoke an API key",
    request: { params: tenantParams.extend({ key: z.string().min(1).max(64).openapi({ param: { name: "key", in: "path" } }) }) },
    responses: { 204: { description: "Revoked" }, ...errors, ...notFoundError },
  });
  const activate = createRoute({
    method: "put",
    path: "/admin/tenants/{tenant}/basis",
    tags,
    security,
    summary: "Activate a basis for a tenant (users are re-fitted from their logs on their next request)",
    request: { params: tenantParams, body: jsonBody(z.strictObject({ basis: slug.nullable() })) },
    responses: { 200: jsonResponse(Tenant, "Activated"), ...errors, ...notFoundError, ...conflictError },
  });
  const uploadBasis = createRoute({
    method: "post",
    path: "/admin/bases",
    tags,
    security,
    summary: "Upload a basis artifact (the format `pref train` writes)",
    request: { body: jsonBody(basisArtifactSchema) },
    responses: { 201: jsonResponse(Basis, "Stored"), ...errors, ...conflictError, ...unprocessableError },
  });
  const listBases = createRoute({
    method: "get",
    path: "/admin/bases",
    tags,
    security,
    summary: "List basis artifacts",
    responses: { 200: jsonResponse(z.object({ bases: z.array(Basis) }), "All bases"), ...errors },
  });
  const setDefault = createRoute({
    method: "put",
    path: "/admin/default-basis",
    tags,
    security,
    summary: "Set (or with null, clear) the service-wide default basis, used by tenants that have not activated one",
    request: { body: jsonBody(z.strictObject({ basis: slug.nullable() })) },
    responses: { 200: jsonResponse(z.object({ basis: z.string().nullable() }), "Set"), ...errors, ...notFoundError },
  });

  const requireTenant = async (db: AppEnv["Variables"]["db"], id: string) => {
    const t = await tenantsRepo.get(db, id);
    if (!t) throw ApiError.notFound(`unknown tenant ${JSON.stringify(id)}`, "tenant");
    return t;
  };
  /** The basis must exist and be trained on the tenant's embedder. */
  const requireCompatibleBasis = async (db: AppEnv["Variables"]["db"], basisId: string, embedderId: string) => {
    const b = await basesRepo.get(db, basisId);
    if (!b) throw ApiError.notFound(`unknown basis ${JSON.stringify(basisId)}`, "basis");
    if (b.embedderId !== embedderId)
      throw ApiError.conflict("embedder_mismatch", `basis ${b.id} was trained on embedder '${b.embedderId}', the tenant's is '${embedderId}'`, "basis");
  };

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
      };
      await tenantsRepo.insert(db, row);
      return c.json(tenantView(row), 201);
    })
    .openapi(getTenant, async (c) => {
      const t = await requireTenant(c.var.db, c.req.valid("param").tenant);
      const keys = await tenantsRepo.keys(c.var.db, t.id);
      return c.json(
        {
          ...tenantView(t),
          keys: keys.map((k) => ({ id: k.id, prefix: k.prefix, name: k.name, created_at: iso(k.createdAt), revoked_at: k.revokedAt ? iso(k.revokedAt) : null })),
        },
        200,
      );
    })
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
    })
    .openapi(activate, async (c) => {
      const db = c.var.db;
      const t = await requireTenant(db, c.req.valid("param").tenant);
      const { basis } = c.req.valid("json");
      if (basis) await requireCompatibleBasis(db, basis, t.embedderId);
      await tenantsRepo.setBasis(db, t.id, basis);
      return c.json(tenantView({ ...t, basisId: basis }), 200);
    })
    .openapi(uploadBasis, async (c) => {
      const { artifact, matrix, mu0, sigma0 } = loadBasisArtifact(c.req.valid("json"));
      try {
        gaussianFromCovariance(mu0, sigma0); // the prior must be usable: Sigma0 symmetric positive definite
      } catch (err) {
        if (err instanceof CoreError) throw ApiError.unprocessable("unprocessable", `sigma0 is not a valid covariance: ${err.message}`, "sigma0");
        throw err;
      }
      const { id, embedder, J, W: _W, mu0: _m, sigma0: _s, labels, ...meta } = artifact;
      const row = {
        id,
        embedderId: embedder.id,
        d: embedder.d,
        J,
        W: matrix.W,
        mu0,
        sigma0,
        labels: labels ?? null,
        meta,
        isDefault: false,
        uploadedAt: Date.now(),
      };
      if (!(await basesRepo.insert(c.var.db, row))) throw ApiError.conflict("conflict", `basis ${id} already exists (bases are immutable: upload under a new id)`, "id");
      return c.json(basisView(row), 201);
    })
    .openapi(listBases, async (c) => c.json({ bases: (await basesRepo.list(c.var.db)).map(basisView) }, 200))
    .openapi(setDefault, async (c) => {
      const { basis } = c.req.valid("json");
      if (basis !== null && !(await basesRepo.exists(c.var.db, basis))) throw ApiError.notFound(`unknown basis ${JSON.stringify(basis)}`, "basis");
      await basesRepo.setDefault(c.var.db, basis);
      return c.json({ basis }, 200);
    });
}
