// The chat completions request: OpenAI's body (validated where a wrong value would otherwise surface as an
// upstream error) plus the `pref` extension, and what is derived from it: the prompt, how many candidates to
// generate and return, and the body forwarded upstream.
import { z } from "@hono/zod-openapi";
import { MAX_CHAT_N, type Config } from "../config.ts";
import type { Schemas } from "../schemas.ts";
import { EXPLORE_MODES } from "../services/ranking.ts";
import { QUESTION_CRITERIA } from "../services/questions.ts";
import type { ForwardedBody } from "../upstream/client.ts";

const ROLES = ["system", "developer", "user", "assistant", "tool", "function"] as const;

/** Tool calls have no text to embed and rank, so they are refused up front rather than failing upstream. */
const noTools = (field: string) =>
  z
    .unknown()
    .refine((v) => v === undefined || v === null || (Array.isArray(v) && v.length === 0) || v === "none", {
      message: `${field} is not supported: candidates are ranked by their text, tool calls have none`,
    })
    .optional()
    .openapi({ description: "Not supported (tool calls cannot be ranked)" });

export function chatRequestSchema(cfg: Config, s: Schemas) {
  const Message = z
    .looseObject({
      role: z.enum(ROLES),
      content: z
        .union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()])
        .optional()
        .openapi({ description: "Text, or an array of content parts (text parts are used as the prompt)" }),
    })
    .openapi("ChatMessage");

  const chatCount = z.number().int().min(1).max(MAX_CHAT_N).optional();

  const Pref = z
    .strictObject({
      n: chatCount.openapi({ description: `Candidates to generate and rank (default: the tenant's setting, else ${cfg.chatDefaultN}; at most ${MAX_CHAT_N})` }),
      explore: z
        .enum(EXPLORE_MODES)
        .default("none")
        .openapi({ description: `none: best by posterior mean; ucb: mean + ${cfg.ucbBeta} sd; thompson: by one posterior draw` }),
      seed: z.number().int().min(-2147483648).max(4294967295).optional().openapi({ description: "Thompson draw seed" }),
      ask: z.boolean().default(true).openapi({ description: "Include the most informative pair to ask the user about (pref.question)" }),
      criterion: z.enum(QUESTION_CRITERIA).default("pref").openapi({ description: "How pref.question's pair is chosen (as in /v1/questions/next)" }),
    })
    .openapi("ChatPrefOptions");

  return z
    .looseObject({
      messages: z.array(Message).min(1, "at least one message"),
      model: z
        .string()
        .max(256)
        .optional()
        .openapi({ description: "Forwarded upstream only when the tenant allows it or no model is configured; otherwise the configured model is used" }),
      user: s.userId.optional().openapi({
        description:
          "The end user whose preferences rank the candidates. Without it the candidates are ranked by the population prior (not personalized) and no question is asked.",
      }),
      n: chatCount.openapi({ description: "How many choices to return (the best n). At least this many candidates are generated." }),
      stream: z.boolean().default(false).openapi({ description: "Generate and rank all candidates, then stream the pick as chat.completion.chunk events" }),
      stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
      temperature: z.number().min(0).max(2).nullable().optional(),
      top_p: z.number().min(0).max(1).nullable().optional(),
      max_tokens: z.number().int().min(1).nullable().optional(),
      max_completion_tokens: z.number().int().min(1).nullable().optional(),
      stop: z.union([z.string(), z.array(z.string()).max(4)]).nullable().optional(),
      tools: noTools("tools"),
      tool_choice: noTools("tool_choice"),
      functions: noTools("functions"),
      function_call: noTools("function_call"),
      pref: Pref.optional().openapi({ description: "PReF Edge options (an extension; OpenAI clients pass it as an extra body field)" }),
    })
    .openapi("ChatCompletionRequest", { description: "OpenAI's chat completions body; other fields are forwarded upstream as they are." });
}

export type ChatRequest = z.infer<ReturnType<typeof chatRequestSchema>>;

/**
 * The prompt the candidates answer (hashed for feedback, never stored): the text of the last user message, its
 * text parts joined by newlines. The last user turn is what the candidates respond to; earlier turns shape them
 * but hashing the whole conversation would make every turn a new prompt. "" when there is no user message.
 * Send the same text as `prompt` to /v1/feedback.
 */
export function promptOf(messages: ChatRequest["messages"]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role !== "user") continue;
    if (typeof m.content === "string") return m.content;
    if (Array.isArray(m.content))
      return m.content
        .filter((part) => part.type === "text" && typeof part.text === "string")
        .map((part) => part.text as string)
        .join("\n");
    return "";
  }
  return "";
}

/**
 * How many candidates to generate and how many choices to return. `n` keeps OpenAI's meaning of "choices
 * returned" but never lowers the candidate count: a client that always sends n = 1 still gets the best of N.
 */
export function candidateCounts(body: Pick<ChatRequest, "n" | "pref">, tenantDefault: number): { generate: number; returned: number } {
  const generate = body.pref?.n ?? Math.min(Math.max(tenantDefault, body.n ?? 1), MAX_CHAT_N);
  return { generate, returned: Math.min(body.n ?? generate, generate) };
}

/** Fields the Worker controls (model, n, stream) or that are ours (user, pref), and the refused tool fields. */
const NOT_FORWARDED = new Set(["model", "n", "stream", "stream_options", "user", "pref", "tools", "tool_choice", "functions", "function_call", "parallel_tool_calls"]);

/** The caller's body as the upstream gets it (the end user's id is not sent to the upstream). */
export function forwardedBody(body: ChatRequest): ForwardedBody {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!NOT_FORWARDED.has(key) && value !== undefined) out[key] = value;
  return out as ForwardedBody;
}
