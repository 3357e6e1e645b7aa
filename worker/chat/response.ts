// The chat completion answer in OpenAI's shapes: a chat.completion object, or the same content as
// chat.completion.chunk server-sent events. Choices are best first (choices[0] is the pick, each index its rank),
// and the `pref` extension carries the scores, the event id and the question to ask.
import { z } from "@hono/zod-openapi";
import type { Question } from "../services/questions.ts";

export interface RankedChoice {
  text: string;
  finishReason: string | null;
  score: number;
  sd: number;
}

export interface PrefExtension {
  event_id: string;
  basis: string;
  /** null when the request named no user (population prior). */
  user: { id: string; feedback_count: number } | null;
  /** How much of the user's deviation from the population the ranking used (1 on the basis's known prompts). */
  deviation_weight: number;
  /** Aligned with choices: ranking[i] scores choices[i]. */
  ranking: { index: number; score: number; sd: number }[];
  candidates: { requested: number; received: number; partial: boolean; failures: { kind: string; message: string }[] };
  /** The pair (choice indices) to ask the user about; null without a user, with pref.ask = false, or < 2 choices. */
  question: Question | null;
}

export interface Completion {
  id: string;
  created: number;
  model: string;
  choices: RankedChoice[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  pref: PrefExtension;
}

export function completionBody(c: Completion) {
  return {
    id: c.id,
    object: "chat.completion" as const,
    created: c.created,
    model: c.model,
    choices: c.choices.map((choice, index) => ({
      index,
      message: { role: "assistant" as const, content: choice.text, refusal: null },
      logprobs: null,
      finish_reason: choice.finishReason ?? "stop",
    })),
    usage: c.usage,
    pref: c.pref,
  };
}

/** Characters per content chunk: the text is ready, chunking only keeps streaming clients on their usual path. */
const CHUNK_CHARS = 48;

/** Splits text into pieces of about CHUNK_CHARS code points, never inside a surrogate pair. */
export function contentPieces(text: string): string[] {
  const points = Array.from(text);
  const pieces: string[] = [];
  for (let i = 0; i < points.length; i += CHUNK_CHARS) pieces.push(points.slice(i, i + CHUNK_CHARS).join(""));
  return pieces;
}

/**
 * The SSE `data` payloads of a streamed completion: the pick as choice 0 (role, content pieces, finish_reason),
 * the `pref` extension on the finishing chunk (with the other choices' texts, which the stream does not carry),
 * a usage chunk when asked for (stream_options.include_usage), then [DONE].
 */
export function streamPayloads(c: Completion, includeUsage: boolean): string[] {
  const pick = c.choices[0];
  const base = { id: c.id, object: "chat.completion.chunk" as const, created: c.created, model: c.model };
  const usage = includeUsage ? { usage: null } : {};
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...usage, ...extra });

  const payloads = [chunk({ role: "assistant", content: "" })];
  for (const piece of contentPieces(pick.text)) payloads.push(chunk({ content: piece }));
  const choices = c.choices.map((choice, index) => ({ index, text: choice.text, finish_reason: choice.finishReason ?? "stop" }));
  payloads.push(chunk({}, pick.finishReason ?? "stop", { pref: { ...c.pref, choices } }));
  if (includeUsage) payloads.push(JSON.stringify({ ...base, choices: [], usage: c.usage }));
  payloads.push("[DONE]");
  return payloads;
}

// Documentation schemas (/openapi.json). The handler builds its answer with completionBody / streamPayloads.
const QuestionSchema = z
  .object({
    ask: z.boolean(),
    a: z.number().int().openapi({ description: "Index in choices" }),
    b: z.number().int().openapi({ description: "Index in choices" }),
    uncertainty: z.number(),
    reason: z.enum(["ask", "budget", "confident", "exhausted"]),
  })
  .openapi("ChatQuestion");

export const ChatCompletionSchema = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int().openapi({ description: "Rank: 0 is the best candidate for the user" }),
        message: z.object({ role: z.literal("assistant"), content: z.string(), refusal: z.null() }),
        logprobs: z.null(),
        finish_reason: z.string(),
      }),
    ),
    usage: z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() }).openapi({
      description: "Summed over every upstream call made for the candidates",
    }),
    pref: z
      .object({
        event_id: z.string().openapi({ description: "Pass as /v1/feedback's event_id" }),
        basis: z.string(),
        user: z.object({ id: z.string(), feedback_count: z.number().int() }).nullable(),
        deviation_weight: z.number().openapi({ description: "How much of the user's deviation from the population the ranking used: 1 on a prompt the basis was trained on, the basis's new-prompt weight elsewhere" }),
        ranking: z.array(z.object({ index: z.number().int(), score: z.number(), sd: z.number() })).openapi({ description: "ranking[i] scores choices[i]" }),
        candidates: z.object({
          requested: z.number().int(),
          received: z.number().int(),
          partial: z.boolean().openapi({ description: "True when some upstream calls failed and only the candidates that arrived were ranked" }),
          failures: z.array(z.object({ kind: z.string(), message: z.string() })),
        }),
        question: QuestionSchema.nullable().openapi({
          description:
            "The most informative pair to ask the user about. Send the answer to /v1/feedback: {user, prompt: <the last user message's text>, chosen: choices[x].message.content, rejected: choices[y].message.content, event_id}",
        }),
      })
      .openapi("ChatPrefExtension"),
  })
  .openapi("ChatCompletion");
