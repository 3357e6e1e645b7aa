// The LLM stand-in of `npm run bench:chat`: a real local HTTP server speaking OpenAI's chat completions, for
// benchmarks only. It answers like a generating model: nothing for a time to first token, then each choice's text
// at a fixed token rate (a token counted as 4 characters), cut at the request's max_tokens (finish_reason
// "length"), so choices of different lengths finish at different times. Without `stream` the whole answer comes
// when its longest choice is done, as a real provider's does; with `stream: true` the choices' chunks arrive as they
// are generated (several tokens a chunk: see CHUNK_TOKENS) and each choice's finish_reason when it is done.
// The texts come from a plan: the request's extra `bench` field names an entry, whose texts are handed out in order
// (a call with n takes the next n). It records, per entry, when the first call arrived and the last one finished:
// the upstream's own time, which the benchmark subtracts from what the client saw.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody, stopServer } from "../scripts/http-stand-in.ts";

export interface UpstreamTiming {
  /** Time to the first token of every choice. */
  ttftMs: number;
  tokensPerSecond: number;
}

/** Tokens per streamed chunk. Real providers send about one; this keeps the bench process itself from being the
 * load (16 choices x 8 users of one-token events is tens of thousands of events a second on 2 shared cores). */
export const CHUNK_TOKENS = 8;
const CHARS_PER_TOKEN = 4;

interface Entry {
  texts: string[];
  next: number;
  firstAt: number | null;
  lastAt: number | null;
  open: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export class UpstreamStandIn {
  private readonly entries = new Map<string, Entry>();
  private server: Server;
  calls = 0;

  private constructor(
    private readonly timing: UpstreamTiming,
    server: Server,
  ) {
    this.server = server;
  }

  static async start(timing: UpstreamTiming): Promise<UpstreamStandIn> {
    let self: UpstreamStandIn | undefined;
    const server = createServer((req, res) => void self!.handle(req, res).catch(() => res.destroy()));
    server.keepAliveTimeout = 60_000;
    self = new UpstreamStandIn(timing, server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return self;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  plan(id: string, texts: string[]): void {
    this.entries.set(id, { texts, next: 0, firstAt: null, lastAt: null, open: 0 });
  }

  /** First call's arrival to the last call's last byte, ms; null if the entry saw no finished call. */
  span(id: string): number | null {
    const e = this.entries.get(id);
    return e && e.firstAt !== null && e.lastAt !== null && e.open === 0 ? e.lastAt - e.firstAt : null;
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  async stop(): Promise<void> {
    await stopServer(this.server);
  }

  /** ms until a choice of this text is fully generated (cut at maxTokens), and the text as generated. */
  private generated(text: string, maxTokens: number): { text: string; ms: number; finish: string } {
    const cut = text.length > maxTokens * CHARS_PER_TOKEN;
    const out = cut ? text.slice(0, maxTokens * CHARS_PER_TOKEN) : text;
    const tokens = Math.ceil(out.length / CHARS_PER_TOKEN);
    return { text: out, ms: this.timing.ttftMs + (tokens * 1000) / this.timing.tokensPerSecond, finish: cut ? "length" : "stop" };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const raw = await readBody(req);
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"message":"not found"}}');
      return;
    }
    const body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
    const entry = this.entries.get(String(body.bench));
    if (!entry) {
      res.writeHead(400, { "content-type": "application/json" }).end('{"error":{"message":"unknown bench entry"}}');
      return;
    }
    this.calls++;
    entry.firstAt ??= arrived;
    entry.open++;
    const n = typeof body.n === "number" ? body.n : 1;
    const maxTokens = typeof body.max_tokens === "number" ? body.max_tokens : 4096;
    const choices = Array.from({ length: n }, () => this.generated(entry.texts[entry.next++ % entry.texts.length], maxTokens));
    const base = { id: `chatcmpl-bench-${this.calls}`, created: Math.floor(Date.now() / 1000), model: String(body.model ?? "bench-llm") };
    const usage = { prompt_tokens: 20, completion_tokens: 0, total_tokens: 20 };
    for (const c of choices) usage.completion_tokens += Math.ceil(c.text.length / CHARS_PER_TOKEN);
    usage.total_tokens += usage.completion_tokens;
    try {
      if (body.stream === true) await this.stream(res, arrived, base, choices, usage, (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true);
      else {
        await sleep(arrived + Math.max(...choices.map((c) => c.ms)) - performance.now());
        const response = {
          ...base,
          object: "chat.completion",
          choices: choices.map((c, index) => ({ index, message: { role: "assistant", content: c.text }, logprobs: null, finish_reason: c.finish })),
          usage,
        };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(response));
      }
    } finally {
      entry.open--;
      entry.lastAt = performance.now();
    }
  }

  private async stream(
    res: ServerResponse,
    arrived: number,
    base: { id: string; created: number; model: string },
    choices: { text: string; ms: number; finish: string }[],
    usage: object,
    includeUsage: boolean,
  ): Promise<void> {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const event = (index: number, delta: object, finish: string | null) =>
      `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
    // Every event with its due time; the events due together are written in one piece.
    const due: { at: number; data: string }[] = [];
    const ttft = this.timing.ttftMs;
    const msPerToken = 1000 / this.timing.tokensPerSecond;
    choices.forEach((c, index) => {
      due.push({ at: ttft, data: event(index, { role: "assistant", content: "" }, null) });
      const step = CHUNK_TOKENS * CHARS_PER_TOKEN;
      for (let s = 0; s < c.text.length; s += step) {
        const piece = c.text.slice(s, s + step);
        due.push({ at: ttft + Math.ceil((s + piece.length) / CHARS_PER_TOKEN) * msPerToken, data: event(index, { content: piece }, null) });
      }
      due.push({ at: c.ms, data: event(index, {}, c.finish) });
    });
    due.sort((a, b) => a.at - b.at);
    const end = due[due.length - 1].at;
    if (includeUsage) due.push({ at: end, data: `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage })}\n\n` });
    due.push({ at: end, data: "data: [DONE]\n\n" });
    for (let i = 0; i < due.length; ) {
      await sleep(arrived + due[i].at - performance.now());
      const now = performance.now() - arrived;
      let out = "";
      while (i < due.length && due[i].at <= now + 0.5) out += due[i++].data;
      if (res.destroyed) return;
      res.write(out);
    }
    res.end();
  }
}
