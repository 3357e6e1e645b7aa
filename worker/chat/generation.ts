// One chat request's upstream generation: started (possibly before the request's read is done, chat/plans.ts),
// timed (the upstream's own time, which x-pref-overhead-ms leaves out), abortable, and feeding each candidate to
// the embedder the moment it arrives (chat/arrivals.ts), and streamed choices still being written to an embedder
// that can start on them (chat/partial-hints.ts).
import { candidateCounts, forwardedBody, type ChatRequest } from "./request.ts";
import { ArrivalEmbedder } from "./arrivals.ts";
import { PartialHints } from "./partial-hints.ts";
import type { ChatPlan } from "./plans.ts";
import { generateCandidates, type GenerationResult } from "../upstream/client.ts";
import { upstreamApiError } from "../upstream/faults.ts";
import { upstreamModel } from "../upstream/settings.ts";
import { UpstreamError } from "../upstream/types.ts";

export interface GenerationRun {
  plan: ChatPlan;
  counts: { generate: number; returned: number };
  /** The candidates, in arrival order; rejects with the API error of an upstream failure. */
  result: Promise<GenerationResult>;
  arrivals: ArrivalEmbedder;
  partials: PartialHints;
  /** Wall time of the generation (from its start to its last candidate), once `result` has settled. */
  upstreamMs(): number;
  /** Stops the upstream calls and ignores whatever they still bring. */
  abort(): void;
}

export function startGeneration(plan: ChatPlan, body: ChatRequest): GenerationRun {
  const counts = candidateCounts(body, plan.upstream.defaultN);
  const controller = new AbortController();
  const arrivals = new ArrivalEmbedder();
  const partials = new PartialHints();
  const t0 = Date.now();
  let t1: number | null = null;
  const result = generateCandidates({ ...plan.upstream.config, model: upstreamModel(plan.upstream, body.model) }, forwardedBody(body), counts.generate, {
    signal: controller.signal,
    onCandidate: (candidate) => arrivals.add(candidate.text),
    onGrow: (key, chars, text) => partials.grew(key, chars, text),
  })
    .catch((err: unknown) => {
      throw err instanceof UpstreamError ? upstreamApiError(err) : err;
    })
    .finally(() => {
      t1 = Date.now();
    });
  // Awaited by the handler, or abandoned when the request fails first: never an unhandled rejection.
  result.catch(() => undefined);
  return {
    plan,
    counts,
    result,
    arrivals,
    partials,
    upstreamMs: () => (t1 ?? Date.now()) - t0,
    abort() {
      arrivals.close();
      partials.close();
      controller.abort();
    },
  };
}
