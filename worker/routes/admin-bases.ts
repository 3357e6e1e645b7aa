// Basis artifacts: POST /admin/bases (upload what `pref train` writes; immutable once stored), GET /admin/bases,
// GET /admin/bases/{basis} (the artifact back, as uploaded),
// and PUT /admin/default-basis (the service-wide default, used by tenants that have not activated one).
import { createRoute, z } from "@hono/zod-openapi";
import { basisArtifactSchema, loadBasisArtifact, rowsOf } from "../../core/artifact.ts";
import { gaussianFromCovariance } from "../../core/index.ts";
import { CoreError } from "../../core/types.ts";
import type { Config } from "../config.ts";
import { basesRepo } from "../db/repos/bases.ts";
import type { BasisRow } from "../db/schema.ts";
import { ApiError } from "../errors.ts";
import { idSlug } from "../ids.ts";
import { router } from "../router.ts";
import { conflictError, jsonBody, jsonResponse, notFoundError, unprocessableError } from "../schemas.ts";
import { adminErrors, adminSecurity, adminTags, iso } from "./admin-shared.ts";

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

const basisView = (b: Pick<BasisRow, "id" | "embedderId" | "d" | "J" | "labels" | "isDefault" | "uploadedAt">) => ({
  id: b.id,
  embedder: { id: b.embedderId, d: b.d },
  J: b.J,
  labels: b.labels ?? null,
  default: b.isDefault,
  uploaded_at: iso(b.uploadedAt),
});

/** The artifact back from its stored row: the matrices, and the rest of the document as it was uploaded. */
function artifactOf(row: BasisRow) {
  const meta = row.meta as Record<string, unknown>;
  return {
    ...meta,
    id: row.id,
    embedder: { id: row.embedderId, d: row.d },
    J: row.J,
    W: rowsOf(row.W, row.J, row.d),
    mu0: Array.from(row.mu0),
    sigma0: rowsOf(row.sigma0, row.J, row.J),
    labels: row.labels ?? null,
  };
}

export function adminBasisRoutes(_cfg: Config) {
  const uploadBasis = createRoute({
    method: "post",
    path: "/admin/bases",
    tags: adminTags,
    security: adminSecurity,
    summary: "Upload a basis artifact (the format `pref train` writes)",
    request: { body: jsonBody(basisArtifactSchema) },
    responses: { 201: jsonResponse(Basis, "Stored"), ...adminErrors, ...conflictError, ...unprocessableError },
  });
  const listBases = createRoute({
    method: "get",
    path: "/admin/bases",
    tags: adminTags,
    security: adminSecurity,
    summary: "List basis artifacts",
    responses: { 200: jsonResponse(z.object({ bases: z.array(Basis) }), "All bases"), ...adminErrors },
  });
  const getBasis = createRoute({
    method: "get",
    path: "/admin/bases/{basis}",
    tags: adminTags,
    security: adminSecurity,
    summary: "A basis artifact as uploaded (what `pref push --if-better` compares a candidate against)",
    request: { params: z.object({ basis: idSlug.openapi({ param: { name: "basis", in: "path" } }) }) },
    responses: { 200: jsonResponse(basisArtifactSchema, "The artifact"), ...adminErrors, ...notFoundError },
  });
  const setDefault = createRoute({
    method: "put",
    path: "/admin/default-basis",
    tags: adminTags,
    security: adminSecurity,
    summary: "Set (or with null, clear) the service-wide default basis, used by tenants that have not activated one",
    request: { body: jsonBody(z.strictObject({ basis: idSlug.nullable() })) },
    responses: { 200: jsonResponse(z.object({ basis: z.string().nullable() }), "Set"), ...adminErrors, ...notFoundError },
  });

  return router()
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
    .openapi(getBasis, async (c) => {
      const id = c.req.valid("param").basis;
      const row = await basesRepo.get(c.var.db, id);
      if (!row) throw ApiError.notFound(`unknown basis ${JSON.stringify(id)}`, "basis");
      return c.json(artifactOf(row) as never, 200);
    })
    .openapi(setDefault, async (c) => {
      const { basis } = c.req.valid("json");
      if (basis !== null && !(await basesRepo.exists(c.var.db, basis))) throw ApiError.notFound(`unknown basis ${JSON.stringify(basis)}`, "basis");
      await basesRepo.setDefault(c.var.db, basis);
      return c.json({ basis }, 200);
    });
}
