// POST /v1/questions/next: which pair of these candidates should we ask this user about?
// Stop rule: ask = false once the user has answered the question budget, or once the most uncertain pair's
// preference-probability sd (s'(m) * sqrt(z^T H^-1 z), delta method) is below the threshold.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../router.ts";
import type { PairChoice, PairCriterion } from "../../core/types.ts";
import type { Config } from "../config.ts";
import { sha256Hex, vectorHash } from "../crypto.ts";
import { usersRepo } from "../db/repos/users.ts";
import { embedAll, embedderFor } from "../embedders/index.ts";
import { commonErrors, conflictError, embedderError, jsonBody, jsonResponse, schemas, unprocessableError } from "../schemas.ts";
import { userContext } from "../services/context.ts";
import { currentPosterior } from "../services/posterior.ts";

/** sd of the preference probability of a pair with predictive mean m and variance s2. */
export function pairUncertainty(choice: Pick<PairChoice, "mean" | "variance">): number {
  const p = 1 / (1 + Math.exp(-choice.mean));
  return p * (1 - p) * Math.sqrt(Math.max(choice.variance, 0));
}

export function questionRoutes(cfg: Config) {
  const s = schemas(cfg);

  const QuestionRequest = z
    .strictObject({
      user: s.userId,
      prompt: s.prompt,
      candidates: s.candidates(2),
      criterion: z
        .enum(["pref", "infogain", "random"])
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
    tags: ["personalization"],
    summary: "Pick the most informative pair of candidates to ask the user about",
    description: `Pairs this user already answered for the same prompt are skipped. Budget: ${cfg.questionBudget} answered comparisons; threshold: ${cfg.questionThreshold}.`,
    security: [{ tenantKey: [] }],
    request: { body: jsonBody(QuestionRequest) },
    responses: {
      200: jsonResponse(QuestionResponse, "The next question, or ask = false"),
      ...commonErrors,
      ...conflictError,
      ...unprocessableError,
      ...embedderError,
    },
  });

  return router().openapi(route, async (c) => {
    const body = c.req.valid("json");
    const n = body.candidates.length;
    const { db, core, session, basis } = await userContext(c, body.user);
    const fields = body.candidates.map((_, i) => `candidates.${i}`);
    const [E, current, answered] = await Promise.all([
      embedAll(body.candidates, fields, embedderFor(session.tenant, c.env, cfg), basis.d),
      currentPosterior(db, core, session.tenant.id, body.user, session.user, basis),
      session.user ? sha256Hex(body.prompt).then((h) => usersRepo.answeredPairs(db, session.tenant.id, body.user, h)) : [],
    ]);

    // Exclude pairs already answered for this prompt (matched by the embeddings' content hashes).
    const exclude = new Uint8Array(n * n);
    if (answered.length > 0) {
      const hashes = await Promise.all(Array.from({ length: n }, (_, i) => vectorHash(E.subarray(i * basis.d, (i + 1) * basis.d))));
      const index = new Map<string, number[]>();
      hashes.forEach((h, i) => index.set(h, [...(index.get(h) ?? []), i]));
      for (const { chosen, rejected } of answered)
        for (const a of index.get(chosen) ?? []) for (const b of index.get(rejected) ?? []) exclude[a * n + b] = exclude[b * n + a] = 1;
    }

    const phi = core.project(basis.id, E, n);
    const best = core.selectPair(current.posterior, phi, n, "pref", exclude);
    if (!best) {
      const any = core.selectPair(current.posterior, phi, n, "pref")!;
      return c.json({ ask: false, a: any.a, b: any.b, uncertainty: pairUncertainty(any), reason: "exhausted" as const }, 200);
    }
    const bestUncertainty = pairUncertainty(best);
    if (current.feedbackCount >= cfg.questionBudget)
      return c.json({ ask: false, a: best.a, b: best.b, uncertainty: bestUncertainty, reason: "budget" as const }, 200);
    if (bestUncertainty < cfg.questionThreshold)
      return c.json({ ask: false, a: best.a, b: best.b, uncertainty: bestUncertainty, reason: "confident" as const }, 200);

    let pick: PairChoice = best;
    if (body.criterion === "infogain") pick = core.selectPair(current.posterior, phi, n, body.criterion as PairCriterion, exclude) ?? best;
    else if (body.criterion === "random") {
      const open: number[] = [];
      for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (!exclude[a * n + b]) open.push(a * n + b);
      const k = open[crypto.getRandomValues(new Uint32Array(1))[0] % open.length];
      // The chosen pair's own predictive mean and variance: select among a mask that leaves only it open.
      const only = new Uint8Array(n * n).fill(1);
      only[k] = only[(k % n) * n + Math.floor(k / n)] = 0;
      pick = core.selectPair(current.posterior, phi, n, "pref", only) ?? best;
    }
    return c.json({ ask: true, a: pick.a, b: pick.b, uncertainty: pairUncertainty(pick), reason: "ask" as const }, 200);
  });
}
