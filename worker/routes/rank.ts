// POST /v1/rank: score the candidates for this user, best first. One D1 read (the posterior), one core call.
import { createRoute, z } from "@hono/zod-openapi";
import { runInBackground } from "../background.ts";
import { countUsage } from "../metrics/usage.ts";
import { router } from "../router.ts";
import { embeddingBody } from "../embedding-body.ts";
import type { Config } from "../config.ts";
import { newId } from "../crypto.ts";
import { embedAll, embedderFor } from "../embedders/index.ts";
import { jsonBody, jsonResponse, personalizationErrors, schemas } from "../schemas.ts";
import { deviationWeight, servedPosterior } from "../services/prompt-weight.ts";
import { lazyTextHashes } from "../services/hashes.ts";
import { userPosterior } from "../services/user-state.ts";
import { userContext } from "../services/context.ts";
import { EXPLORE_MODES, rankCandidates } from "../services/ranking.ts";

export function rankRoutes(cfg: Config) {
  const s = schemas(cfg);

  const RankRequest = z
    .strictObject({
      user: s.userId,
      prompt: s.prompt,
      candidates: s.candidates(1),
      explore: z
        .enum(EXPLORE_MODES)
        .default("none")
        .openapi({ description: `none: by posterior mean; ucb: mean + ${cfg.ucbBeta} sd; thompson: by one posterior draw (see seed)` }),
      seed: z.number().int().min(-2147483648).max(4294967295).optional().openapi({ description: "Thompson draw seed (32-bit); random if absent" }),
    })
    .openapi("RankRequest");

  const RankResponse = z
    .object({
      event_id: z.string().openapi({ description: "Pass back with the feedback on this ranking" }),
      basis: z.string(),
      ranking: z
        .array(
          z.object({
            index: z.number().int().openapi({ description: "Position in the request's candidates" }),
            score: z.number().openapi({ description: "The value the ranking is ordered by (the posterior mean reward when explore = none)" }),
            sd: z.number().openapi({ description: "Posterior sd of the candidate's reward" }),
          }),
        )
        .openapi({ description: "Best first" }),
      user: z.object({ feedback_count: z.number().int() }),
      deviation_weight: z.number().openapi({
        description: "How much of the user's deviation from the population this ranking used: 1 on a prompt the basis was trained on, the basis's new-prompt weight elsewhere",
      }),
    })
    .openapi("RankResponse");

  const route = createRoute({
    method: "post",
    path: "/v1/rank",
    middleware: [embeddingBody] as const,
    tags: ["personalization"],
    summary: "Rank candidate responses for a user",
    description: "An unknown user is ranked with the basis's population prior (the non-personalized model).",
    security: [{ tenantKey: [] }],
    request: { body: jsonBody(RankRequest) },
    responses: {
      200: jsonResponse(RankResponse, "Candidates ranked best first"),
      ...personalizationErrors,
    },
  });

  return router().openapi(route, async (c) => {
    const body = c.req.valid("json");
    const context = await userContext(c, body.user);
    const { db, core, session, basis } = context;
    const fields = body.candidates.map((_, i) => `candidates.${i}`);
    const [E, current, weight] = await Promise.all([
      embedAll(body.candidates, fields, embedderFor(session.tenant, c.env, cfg), basis.d, { caller: session.tenant.id, maxTextBytes: cfg.maxTextBytes }),
      userPosterior(context, body.user),
      deviationWeight(basis, c.env, lazyTextHashes(c.env, session.tenant.id, "prompt", body.prompt)),
    ]);
    const ranking = rankCandidates(core, basis, servedPosterior(basis, current.posterior, weight), E, body.candidates.length, { explore: body.explore, seed: body.seed, ucbBeta: cfg.ucbBeta });
    runInBackground(c, "usage_count_failed", countUsage(db, session.tenant.id, "rank"));
    return c.json(
      { event_id: newId("evt", 16), basis: basis.id, ranking, user: { feedback_count: current.feedbackCount }, deviation_weight: weight },
      200,
    );
  });
}
