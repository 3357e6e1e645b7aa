// POST /v1/chat/completions: OpenAI-compatible. Asks the upstream LLM for N candidates, embeds them with the
// tenant's embedder, ranks them for the `user` and answers best first; with stream: true, the pick is streamed
// once everything is ranked. The upstream call starts before the request's read when the key was seen recently
// (chat/plans.ts), the user's posterior is read while the upstream generates, and candidates are embedded as they
// arrive (chat/arrivals.ts): docs/chat-latency.md.
import { createRoute } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { runInBackground } from "../background.ts";
import { startGeneration, type GenerationRun } from "../chat/generation.ts";
import { chatPlan, forgetPlan, knownPlan, rememberPlan, samePlan, type ChatPlan } from "../chat/plans.ts";
import { chatRequestSchema, promptOf } from "../chat/request.ts";
import { ChatCompletionSchema, completionBody, streamPayloads, type Completion } from "../chat/response.ts";
import type { Config } from "../config.ts";
import { newId } from "../crypto.ts";
import { embedderFor, embeddingScope, embedTexts } from "../embedders/index.ts";
import { countUsage } from "../metrics/usage.ts";
import { router } from "../router.ts";
import { commonErrors, conflictError, ErrorSchema, jsonBody, schemas, unprocessableError } from "../schemas.ts";
import { userContext } from "../services/context.ts";
import { userPosterior } from "../services/user-state.ts";
import { answeredPairs, exclusionMask, nextQuestion, type Question } from "../services/questions.ts";
import { deviationWeight, servedPosterior } from "../services/prompt-weight.ts";
import { lazyTextHashes } from "../services/hashes.ts";
import { rankCandidates } from "../services/ranking.ts";
import type { GenerationResult } from "../upstream/client.ts";

const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: ErrorSchema } } });

export function chatRoutes(cfg: Config) {
  const ChatRequest = chatRequestSchema(cfg, schemas(cfg));

  const route = createRoute({
    method: "post",
    path: "/v1/chat/completions",
    tags: ["chat"],
    summary: "OpenAI-compatible chat completion, personalized: N upstream candidates ranked for the user, best first",
    description:
      "Point an OpenAI client at this Worker (base URL .../v1, a tenant API key as its key) and pass the end user's id as `user`. " +
      "Headers: x-pref-basis, x-pref-feedback-count, x-pref-overhead-ms (time PReF Edge added: total minus upstream), " +
      "x-pref-candidates (received/requested), x-pref-event-id. The prompt for feedback is the last user message.",
    security: [{ tenantKey: [] }],
    request: { body: jsonBody(ChatRequest) },
    responses: {
      200: {
        description: "Choices best first (JSON), or with stream: true the pick as chat.completion.chunk server-sent events ending in [DONE]",
        content: { "application/json": { schema: ChatCompletionSchema }, "text/event-stream": { schema: { type: "string" } } },
      },
      ...commonErrors,
      ...conflictError,
      ...unprocessableError,
      429: errorResponse(
        "The API key's rate limit or daily quota is used up (rate_limited, quota_exceeded), or the upstream rate-limited us and retries did not help (upstream_rate_limited); Retry-After when known",
      ),
      502: errorResponse("The upstream failed (5xx after retries, malformed answer, refused request, unreachable) or the embedder failed"),
      503: errorResponse("No upstream LLM is configured for this tenant (upstream_not_configured), or the database is unavailable (db_unavailable)"),
      504: errorResponse("The upstream did not answer within UPSTREAM_TIMEOUT_MS"),
    },
  });

  return router().openapi(route, async (c) => {
    const started = Date.now();
    const body = c.req.valid("json");
    const userId = body.user;
    const keyHash = c.var.keyHash;
    // A key seen recently in this isolate: its upstream call starts now, alongside the request's read (plans.ts).
    const known = knownPlan(keyHash, started);
    let run: GenerationRun | null = known ? startGeneration(known, body) : null;
    const abandon = (err: unknown): never => {
      run?.abort();
      forgetPlan(keyHash);
      throw err;
    };

    // No user: the population prior ranks, and nothing is read or written for anyone ("" matches no user row).
    const context = await userContext(c, userId, { upstream: true }).catch(abandon);
    const { db, core, session, basis } = context;
    const { tenant } = session;
    let plan: ChatPlan;
    try {
      plan = chatPlan(cfg, tenant, c.env);
    } catch (err) {
      return abandon(err);
    }
    rememberPlan(keyHash, plan);
    if (!run || !samePlan(run.plan, plan)) {
      run?.abort();
      run = startGeneration(plan, body);
    }
    const generation = run;

    const prompt = promptOf(body.messages);
    // The question path and the deviation weight both hash the prompt: once.
    const promptHashes = lazyTextHashes(c.env, tenant.id, "prompt", prompt);
    const counts = generation.counts;
    const options = body.pref ?? { explore: "none" as const, ask: true, criterion: "pref" as const, seed: undefined };
    const wantQuestion = userId !== undefined && options.ask && counts.returned >= 2;

    // Candidates are embedded as they arrive, in batches, through the isolate's embedding cache.
    const embedder = embedderFor(tenant, c.env, cfg);
    // Upstream answers are not held to the text limit: each is embedded by its first and last MAX_TEXT_BYTES / 2.
    const embedOptions = { caller: tenant.id, maxTextBytes: cfg.maxTextBytes, cacheScope: embeddingScope(tenant, cfg) };
    generation.arrivals.start(basis.d, (texts) => embedTexts(texts, embedder, basis.d, embedOptions));
    if (embedder.prefetch) generation.partials.start((texts) => embedder.prefetch!(texts, { caller: tenant.id }));

    let result: GenerationResult, current: Awaited<ReturnType<typeof userPosterior>>, answered: Awaited<ReturnType<typeof answeredPairs>>, weight: number;
    try {
      [result, current, answered, weight] = await Promise.all([
        generation.result,
        userPosterior(context, userId),
        wantQuestion ? answeredPairs(context, c.env, userId!, promptHashes) : [],
        deviationWeight(basis, c.env, promptHashes),
      ]);
    } catch (err) {
      generation.abort();
      throw err;
    }
    const upstreamMs = generation.upstreamMs();

    const texts = result.candidates.map((candidate) => candidate.text);
    const E = await generation.arrivals.matrix(texts.length);
    const ranking = rankCandidates(core, basis, servedPosterior(basis, current.posterior, weight), E, texts.length, {
      explore: options.explore,
      seed: options.seed,
      ucbBeta: cfg.ucbBeta,
    }).slice(0, counts.returned);

    let question: Question | null = null;
    if (wantQuestion && ranking.length >= 2) {
      // The question's a and b index the returned choices, so work on their embeddings in rank order.
      const m = ranking.length;
      const ranked = new Float64Array(m * basis.d);
      ranking.forEach((r, i) => ranked.set(E.subarray(r.index * basis.d, (r.index + 1) * basis.d), i * basis.d));
      question = nextQuestion(core, cfg, {
        posterior: current.posterior,
        phi: core.project(basis.id, ranked, m),
        n: m,
        criterion: options.criterion,
        exclude: await exclusionMask(ranked, m, basis.d, answered),
        feedbackCount: current.feedbackCount,
      });
    }

    const eventId = newId("evt", 16);
    const received = result.candidates.length;
    const completion: Completion = {
      id: `chatcmpl-${eventId}`,
      created: Math.floor(started / 1000),
      model: result.model,
      choices: ranking.map((r) => ({ text: texts[r.index], finishReason: result.candidates[r.index].finishReason, score: r.score, sd: r.sd })),
      usage: result.usage,
      pref: {
        event_id: eventId,
        basis: basis.id,
        user: userId === undefined ? null : { id: userId, feedback_count: current.feedbackCount },
        deviation_weight: weight,
        ranking: ranking.map((r, index) => ({ index, score: r.score, sd: r.sd })),
        candidates: {
          requested: counts.generate,
          received,
          partial: received < counts.generate,
          failures: result.failures.map((f) => ({ kind: f.kind, message: f.message })),
        },
        question,
      },
    };

    c.header("x-pref-basis", basis.id);
    c.header("x-pref-feedback-count", String(current.feedbackCount));
    c.header("x-pref-candidates", `${received}/${counts.generate}`);
    c.header("x-pref-event-id", eventId);
    // What we added: the request's wall time so far minus the time the upstream was generating.
    c.header("x-pref-overhead-ms", String(Math.max(0, Date.now() - started - upstreamMs)));
    runInBackground(c, "usage_count_failed", countUsage(db, tenant.id, "chat"));

    if (!body.stream) return c.json(completionBody(completion), 200);
    // Everything is computed: the stream only writes ready payloads, so it cannot fail or stall half way.
    const payloads = streamPayloads(completion, body.stream_options?.include_usage === true);
    return streamSSE(c, async (stream) => {
      for (const data of payloads) await stream.writeSSE({ data });
    });
  });
}
