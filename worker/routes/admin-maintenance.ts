// POST /admin/maintenance/rekey-hashes: re-keys feedback rows stored with plain SHA-256 prompt and request hashes
// (before keyed hashing) to the keyed form, a batch per call; run it until `remaining` is 0 (docs/prompt-hashes.md).
import { createRoute, z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { legacyHashesRepo } from "../db/repos/legacy-hashes.ts";
import { keyedFromSha256 } from "../keyed-hash.ts";
import { router } from "../router.ts";
import { adminErrors, adminSecurity, adminTags } from "./admin-shared.ts";
import { ErrorSchema, jsonBody, jsonResponse } from "../schemas.ts";
import { hashSecret } from "../services/hashes.ts";

const RekeyRequest = z
  .strictObject({ limit: z.number().int().min(1).max(1000).default(500).openapi({ description: "Rows to re-key in this call" }) })
  .openapi("RekeyRequest");

const RekeyResult = z
  .object({
    rekeyed: z.number().int(),
    remaining: z.number().int().openapi({ description: "Rows still in the plain form: call again until 0" }),
  })
  .openapi("RekeyResult");

export function adminMaintenanceRoutes(_cfg: Config) {
  const route = createRoute({
    method: "post",
    path: "/admin/maintenance/rekey-hashes",
    tags: adminTags,
    security: adminSecurity,
    summary: "Re-key stored prompt and request hashes written before keyed hashing (plain SHA-256)",
    request: { body: { ...jsonBody(RekeyRequest), required: false } },
    responses: {
      200: jsonResponse(RekeyResult, "Re-keyed a batch"),
      ...adminErrors,
      503: { description: "HASH_SECRET is not set", content: { "application/json": { schema: ErrorSchema } } },
    },
  });

  return router().openapi(route, async (c) => {
    const secret = hashSecret(c.env);
    const { limit } = (c.req.valid("json") as { limit?: number } | undefined) ?? {};
    const db = c.var.db;
    const rows = await legacyHashesRepo.oldest(db, limit ?? 500);
    const rekeyed = await Promise.all(
      rows.map(async (r) => ({
        seq: r.seq,
        promptHash: await keyedFromSha256(secret, r.tenantId, "prompt", r.promptHash),
        requestHash: r.requestHash === "" ? "" : await keyedFromSha256(secret, r.tenantId, "request", r.requestHash),
      })),
    );
    await legacyHashesRepo.rekey(db, rekeyed);
    return c.json({ rekeyed: rekeyed.length, remaining: await legacyHashesRepo.remaining(db) }, 200);
  });
}
