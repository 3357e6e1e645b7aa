// Reads an upstream's streamed chat completion (server-sent chat.completion.chunk events) and hands over each
// choice the moment its finish_reason arrives, so that its embedding can start while the other choices are still
// being generated. A call for n candidates is streamed for this alone: the caller's own stream is the pick, sent
// once every candidate is ranked (routes/chat.ts).
import { UpstreamError, type Candidate } from "./types.ts";

export interface StreamSummary {
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  model?: string;
}

interface ChunkChoice {
  index?: unknown;
  delta?: { content?: unknown } | null;
  finish_reason?: unknown;
}

interface Chunk {
  choices?: unknown;
  usage?: Record<string, unknown> | null;
  model?: unknown;
  error?: { message?: unknown } | null;
}

/** The `data` of one event (its data lines joined), or null for an event without data (a comment, a keep-alive). */
function eventData(event: string): string | null {
  let data: string | null = null;
  for (const line of event.split("\n")) {
    if (!line.startsWith("data:")) continue;
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    data = data === null ? value : `${data}\n${value}`;
  }
  return data;
}

const count = (usage: Record<string, unknown>, key: string) => (typeof usage[key] === "number" ? (usage[key] as number) : 0);

/** A choice's text grew to `chars` characters; `text()` joins what it has so far (call it only when needed). */
export type OnGrow = (index: number, chars: number, text: () => string) => void;

/**
 * Consumes the event stream; `onChoice` gets each finished choice with text (a choice without text, e.g. a tool
 * call, is skipped as in a whole answer), `onGrow` each unfinished choice's growth. A stream that ends before [DONE]
 * with a choice unfinished is a network failure (the choices finished before it stay delivered); an `error` event
 * is the upstream's server error.
 */
export async function readCompletionStream(body: ReadableStream<Uint8Array>, onChoice: (c: Candidate) => void, onGrow?: OnGrow): Promise<StreamSummary> {
  const pieces: string[][] = [];
  const lengths: number[] = [];
  const textSoFar: (() => string)[] = [];
  const finished: boolean[] = [];
  const summary: StreamSummary = { usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } };
  let done = false;
  let buffer = "";

  const finish = (index: number, reason: string | null) => {
    if (finished[index]) return;
    finished[index] = true;
    const text = (pieces[index] ?? []).join("");
    if (text.length > 0) onChoice({ text, finishReason: reason });
  };

  const handle = (data: string) => {
    if (data === "[DONE]") {
      done = true;
      return;
    }
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      throw new UpstreamError("malformed", `upstream streamed invalid JSON: ${data.slice(0, 120)}`);
    }
    if (chunk === null || typeof chunk !== "object") throw new UpstreamError("malformed", "upstream streamed a chunk that is not an object");
    if (chunk.error) throw new UpstreamError("server_error", `upstream failed mid-stream: ${String(chunk.error.message ?? "error").slice(0, 200)}`);
    if (typeof chunk.model === "string") summary.model = chunk.model;
    if (chunk.usage && typeof chunk.usage === "object")
      summary.usage = { prompt_tokens: count(chunk.usage, "prompt_tokens"), completion_tokens: count(chunk.usage, "completion_tokens"), total_tokens: count(chunk.usage, "total_tokens") };
    if (chunk.choices === undefined || chunk.choices === null) return;
    if (!Array.isArray(chunk.choices)) throw new UpstreamError("malformed", "upstream streamed a chunk whose choices is not an array");
    for (const choice of chunk.choices as ChunkChoice[]) {
      const index = choice?.index ?? 0;
      if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index > 1024)
        throw new UpstreamError("malformed", "upstream streamed a choice without a valid index");
      const content = choice.delta?.content;
      if (typeof content === "string") {
        const own = (pieces[index] ??= []);
        own.push(content);
        lengths[index] = (lengths[index] ?? 0) + content.length;
        if (onGrow && content.length > 0 && !finished[index]) onGrow(index, lengths[index], (textSoFar[index] ??= () => own.join("")));
      } else if (content !== undefined && content !== null) throw new UpstreamError("malformed", "upstream streamed a choice whose delta.content is not a string");
      if (typeof choice.finish_reason === "string") finish(index, choice.finish_reason);
    }
  };

  const reader = body.getReader();
  const decoder = new TextDecoder();
  let ended = false;
  try {
    for (;;) {
      const read = await reader.read();
      ended = read.done;
      const value = read.value;
      buffer += ended ? decoder.decode() : decoder.decode(value, { stream: true });
      // Events end with a blank line; lines may end with \r\n.
      if (buffer.includes("\r")) buffer = buffer.replace(/\r\n?/g, "\n");
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const data = eventData(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (data !== null) handle(data);
        if (done) return finishAll();
      }
      if (ended) {
        const data = buffer.trim() === "" ? null : eventData(buffer);
        if (data !== null) handle(data);
        if (done) return finishAll();
        if (pieces.some((p, i) => p !== undefined && !finished[i]))
          throw new UpstreamError("network", "upstream stream ended before every choice finished");
        return summary;
      }
    }
  } finally {
    // Stopped before the end (a failure, or [DONE] with bytes after it): let the connection go.
    if (!ended) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }

  function finishAll(): StreamSummary {
    // [DONE] closes every choice; one that never said why it stopped is taken as it is.
    pieces.forEach((_, i) => finish(i, null));
    return summary;
  }
}
