// GET /admin/tenants/{tenant}/feedback: the tenant's comparison log as NDJSON in seq order, resumable from any seq
// (what `pref pull` pages through into a file `pref train` reads). Streamed in small pages from the tenant's user
// store (D1's log table, or the R2 archive of a Durable-Object tenant), so a large export holds a few hundred rows in
// memory at a time.
import { createRoute, z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { tenantParams } from "../ids.ts";
import { router } from "../router.ts";
import { adminErrors, adminSecurity, adminTags, requireTenant } from "./admin-shared.ts";
import { notFoundError } from "../schemas.ts";
import { ExportLines } from "../services/feedback-export.ts";
import { storeFor } from "../stores/select.ts";

/** Rows per D1 query while streaming. */
const READ_PAGE = 500;
export const MAX_EXPORT_LIMIT = 10_000;

const flag = z
  .enum(["true", "false", "1", "0"])
  .optional()
  .transform((v) => v === "true" || v === "1");

const Query = z.object({
  after: z.coerce.number().int().min(0).default(0).openapi({ description: "Return comparisons with seq greater than this (0: from the start)" }),
  limit: z.coerce.number().int().min(1).max(MAX_EXPORT_LIMIT).default(1000).openapi({ description: `At most this many (1-${MAX_EXPORT_LIMIT})` }),
  raw_user_ids: flag.openapi({ description: "The tenant's raw user ids instead of pseudonyms (keyed hashes)" }),
  with_remaining: flag.openapi({ description: "Also count the comparisons after `after` (header x-pref-remaining)" }),
});

export function adminFeedbackRoutes(_cfg: Config) {
  const route = createRoute({
    method: "get",
    path: "/admin/tenants/{tenant}/feedback",
    tags: adminTags,
    security: adminSecurity,
    summary: "Export the tenant's comparisons as NDJSON in seq order (resumable with `after`)",
    request: { params: tenantParams, query: Query },
    responses: {
      200: {
        description:
          "One JSON object per line: seq, user (pseudonym unless raw_user_ids), prompt_hash, a and b ({embedding: base64 float32}; a = chosen), label (1, or 0.5 for a tie), embedder, basis, created_at, p_personal, p_population, feedback_count",
        content: { "application/x-ndjson": { schema: z.string() } },
      },
      ...adminErrors,
      ...notFoundError,
    },
  });

  return router().openapi(route, async (c) => {
    const { tenant } = c.req.valid("param");
    const q = c.req.valid("query");
    const db = c.var.db;
    const row = await requireTenant(db, tenant);
    // The tenant's user store pages its log: D1's table, or the archive the Durable Objects feed (stores/).
    const store = storeFor(row, c.env);
    const lines = new ExportLines(c.env, tenant, q.raw_user_ids);
    const headers: Record<string, string> = { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store" };
    if (q.with_remaining) headers["x-pref-remaining"] = String(await store.exportRemaining({ db, env: c.env }, tenant, q.after));
    const encoder = new TextEncoder();
    let after = q.after;
    let left = q.limit;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const page = left > 0 ? await store.exportPage({ db, env: c.env }, tenant, after, Math.min(READ_PAGE, left)) : { rows: [], next: null };
        const rows = page.rows;
        if (rows.length === 0) return controller.close();
        const text: string[] = [];
        for (const r of rows) text.push(await lines.line(r));
        controller.enqueue(encoder.encode(`${text.join("\n")}\n`));
        after = rows[rows.length - 1].seq;
        left -= rows.length;
        if (page.next === null) left = 0;
      },
    });
    return new Response(body, { status: 200, headers }) as never;
  });
}
