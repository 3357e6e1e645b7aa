// POST /v1/feedback: "this user preferred `chosen` over `rejected`" (or a tie).
// Read (one D1 query: key -> tenant -> user row with its observation cache, plus the idempotency lookup),
// update (exact Laplace refit over all of the user's observations, warm-started, in the WASM core), and write
// (one D1 batch: guarded posterior upsert + log row). A lost optimistic race re-reads and retries.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../router.ts";
import { embeddingBody } from "../embedding-body.ts";
import type { Config } from "../config.ts";
import { newId, sha256Hex, vectorHash } from "../crypto.ts";
import { usersRepo } from "../db/repos/users.ts";
import { embedAll, embedderFor } from "../embedders/index.ts";
import { ApiError } from "../errors.ts";
import { jsonBody, jsonResponse, personalizationErrors, schemas } from "../schemas.ts";
import { userContext } from "../services/context.ts";
import { appendObservation, checkPosterior, currentPosterior, observationsOf } from "../services/posterior.ts";

const token = (what: string) =>
  z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21-\x7e]+$/, "printable ASCII, no spaces")
    .openapi({ description: what });

/** Jittered exponential backoff between optimistic-concurrency retries. */
const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * Math.min(2 ** attempt, 25)));

export function feedbackRoutes(cfg: Config) {
  const s = schemas(cfg);

  const FeedbackRequest = z
    .strictObject({
      user: s.userId,
      prompt: s.prompt,
      chosen: s.candidate,
      rejected: s.candidate,
      tie: z.boolean().default(false).openapi({ description: "Neither is preferred (a soft 0.5 label)" }),
      event_id: token("The rank event this comparison answers (from /v1/rank)").optional(),
      idempotency_key: token("The same key twice stores once (per tenant)").optional(),
    })
    .openapi("FeedbackRequest");

  const FeedbackResponse = z
    .object({
      user: z.object({ feedback_count: z.number().int(), version: z.number().int() }),
      duplicate: z.boolean().openapi({ description: "True when the idempotency key had already been stored" }),
    })
    .openapi("FeedbackResponse");

  const route = createRoute({
    method: "post",
    path: "/v1/feedback",
    middleware: [embeddingBody] as const,
    tags: ["personalization"],
    summary: "Record a comparison and update the user's posterior",
    security: [{ tenantKey: [] }],
    request: { body: jsonBody(FeedbackRequest) },
    responses: {
      200: jsonResponse(FeedbackResponse, "Stored (or a replay of a stored idempotency key)"),
      ...personalizationErrors,
    },
  });

  return router().openapi(route, async (c) => {
    const body = c.req.valid("json");
    const label = body.tie ? 0.5 : 1;
    // Fingerprint of the (validated) request, to tell a replay from a reuse of its idempotency key.
    const fingerprint = () =>
      JSON.stringify([body.user, body.prompt, body.chosen, body.rejected, body.tie, body.event_id ?? null], (_k, v) =>
        ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v,
      );
    const [requestHash, promptHash] = await Promise.all([body.idempotency_key ? sha256Hex(fingerprint()) : "", sha256Hex(body.prompt)]);
    let embedded: { E: Float64Array; d: number; hashes: [string, string] } | undefined;

    for (let attempt = 1; ; attempt++) {
      const { db, core, session, basis } = await userContext(c, body.user, { observations: true, idempotencyKey: body.idempotency_key });
      const { tenant, user } = session;

      if (session.replay) {
        if (session.replay.requestHash !== requestHash)
          throw ApiError.conflict("idempotency_conflict", "this idempotency key was used for a different request", "idempotency_key");
        return c.json({ user: { feedback_count: user?.feedbackCount ?? 0, version: user?.version ?? 0 }, duplicate: true }, 200);
      }

      if (embedded?.d !== basis.d) {
        const E = await embedAll([body.chosen, body.rejected], ["chosen", "rejected"], embedderFor(tenant, c.env, cfg), basis.d);
        const hashes = await Promise.all([vectorHash(E.subarray(0, basis.d)), vectorHash(E.subarray(basis.d))]);
        if (hashes[0] === hashes[1] && !body.tie)
          throw ApiError.unprocessable("unprocessable", "chosen and rejected are the same response (send tie: true for a tie)", "rejected");
        embedded = { E, d: basis.d, hashes: hashes as [string, string] };
      }
      const { E, d, hashes } = embedded;

      // The user's observations in this basis (re-fitted from the log if the tenant's basis changed), plus this one.
      const current = await currentPosterior(db, core, tenant.id, body.user, user, basis, { persist: false });
      const phi = core.project(basis.id, E, 2);
      const z = phi.slice(0, basis.J);
      for (let j = 0; j < basis.J; j++) z[j] -= phi[basis.J + j];
      const rows = appendObservation(current.observations ?? new Float64Array(0), z, label);
      const fit = core.fitPosterior(basis.prior, observationsOf(rows, basis.J), { init: current.posterior.mean });
      checkPosterior(fit.posterior);

      const now = Date.now();
      const expected = user?.version ?? 0;
      const won = await usersRepo.write(
        db,
        tenant.id,
        body.user,
        expected,
        {
          basisId: basis.id,
          J: basis.J,
          mean: fit.posterior.mean,
          precisionChol: fit.posterior.precisionChol,
          observations: rows,
          feedbackCount: current.feedbackCount + 1,
        },
        now,
        {
          id: newId("fb", 16),
          tenantId: tenant.id,
          userId: body.user,
          promptHash,
          chosen: E.slice(0, d),
          rejected: E.slice(d, 2 * d),
          chosenHash: hashes[0],
          rejectedHash: hashes[1],
          embedderId: tenant.embedderId,
          label,
          eventId: body.event_id ?? null,
          idempotencyKey: body.idempotency_key ?? null,
          requestHash,
          basisId: basis.id,
          createdAt: now,
        },
      );
      if (won) return c.json({ user: { feedback_count: current.feedbackCount + 1, version: expected + 1 }, duplicate: false }, 200);
      if (attempt >= cfg.feedbackAttempts)
        throw ApiError.conflict("conflict", `too many concurrent updates of this user (${attempt} attempts); retry`);
      await backoff(attempt);
    }
  });
}
