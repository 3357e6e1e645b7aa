// POST /v1/questions/next: which pair of these candidates should we ask this user about? (services/questions.ts)
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../router.ts";
import { embeddingBody } from "../embedding-body.ts";
import type { Config } from "../config.ts";
import { embedAll, embedderFor } from "../embedders/index.ts";
import { jsonBody, jsonResponse, personalizationErrors, schemas } from "../schemas.ts";
import { userContext } from "../services/context.ts";
import { userPosterior } from "../services/user-state.ts";
import { runInBackground } from "../background.ts";
import { countUsage } from "../metrics/usage.ts";
import { answeredPairs, exclusionMask, nextQuestion, QUESTION_CRITERIA } from "../services/questions.ts";
import { lazyTextHashes } from "../services/hashes.ts";

export function questionRoutes(cfg: Config) {
  const s = schemas(cfg);

  const QuestionRequest = z
    .strictObject({
      user: s.userId,
      prompt: s.prompt,
      candidates: s.candidates(2),
      criterion: z
        .enum(QUESTION_CRITERIA)
        .default("pref")
        .openapi({
          description:
            "pref: max s'(m)^2 z^T H^-1 z (variance of the preference probability, the paper's); infogain: max 0.5 log(1 + s'(m) z^T H^-1 z); random: a uniformly random pair",
        }),
    })
    .openapi("QuestionRequest");

  const QuestionResponse = z
    .object({
      ask: z.boolean().openapi({ description: "False once the budget is spent, the user is confident enough, or every pair was already asked" }),
      a: z.number().int(),
      b: z.number().int(),
      uncertainty: z.number().openapi({ description: "sd of the preference probability of pair (a, b) under the posterior" }),
      reason: z.enum(["ask", "budget", "confident", "exhausted"]),
    })
    .openapi("QuestionResponse");

  const route = createRoute({
    method: "post",
    path: "/v1/questions/next",
    middleware: [embeddingBody] as const,
    tags: ["personalization"],
    summary: "Pick the most informative pair of candidates to ask the user about",
    description: `Pairs this user already answered for the same prompt are skipped. Budget: ${cfg.questionBudget} answered comparisons; threshold: ${cfg.questionThreshold}.`,
    security: [{ tenantKey: [] }],
    request: { body: jsonBody(QuestionRequest) },
    responses: {
      200: jsonResponse(QuestionResponse, "The next question, or ask = false"),
      ...personalizationErrors,
    },
  });

  return router().openapi(route, async (c) => {
    const body = c.req.valid("json");
    const n = body.candidates.length;
    const context = await userContext(c, body.user);
    const { db, core, session, basis } = context;
    const fields = body.candidates.map((_, i) => `candidates.${i}`);
    const [E, current, answered] = await Promise.all([
      embedAll(body.candidates, fields, embedderFor(session.tenant, c.env, cfg), basis.d, { caller: session.tenant.id, maxTextBytes: cfg.maxTextBytes }),
      userPosterior(context, body.user),
      answeredPairs(context, c.env, body.user, lazyTextHashes(c.env, session.tenant.id, "prompt", body.prompt)),
    ]);
    const question = nextQuestion(core, cfg, {
      posterior: current.posterior,
      phi: core.project(basis.id, E, n),
      n,
      criterion: body.criterion,
      exclude: await exclusionMask(E, n, basis.d, answered),
      feedbackCount: current.feedbackCount,
    });
    runInBackground(c, "usage_count_failed", countUsage(db, session.tenant.id, question.ask ? "questions_asked" : "questions_declined"));
    return c.json(question, 200);
  });
}
