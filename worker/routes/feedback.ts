// POST /v1/feedback: "this user preferred `chosen` over `rejected`" (or a tie). The write protocol (read, refit,
// guarded write, retries, the isolate's fast path) is services/feedback.ts.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../router.ts";
import { embeddingBody } from "../embedding-body.ts";
import type { Config } from "../config.ts";
import { jsonBody, jsonResponse, personalizationErrors, schemas } from "../schemas.ts";
import { recordComparison } from "../services/feedback.ts";

const token = (what: string) =>
  z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21-\x7e]+$/, "printable ASCII, no spaces")
    .openapi({ description: what });

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

  return router().openapi(route, async (c) => c.json(await recordComparison(c, cfg, c.req.valid("json")), 200));
}
