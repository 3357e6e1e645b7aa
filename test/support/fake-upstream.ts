// A real local HTTP server speaking the OpenAI chat-completions protocol, for tests only. Each test scripts
// its behaviour: which texts to answer with, whether `n` is honoured, and faults (delay, status codes,
// malformed JSON). It records every request so tests can assert what the Worker sent.
// It also answers POST /v1/embeddings with the planted-style toy embedding, and can be scripted from another
// process (tests running inside workerd) over HTTP: POST /__fake/script {script}, GET /__fake/calls.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { styleEmbedding } from "./planted-style.ts";
import { readBody, stopServer } from "../../scripts/http-stand-in.ts";

/** Gap between scripted streamed finishes (separate network reads for the Worker). */
const FINISH_GAP_MS = 15;

export type Fault =
  | { kind: "status"; status: number; retryAfterSeconds?: number; delayMs?: number }
  | { kind: "delay"; ms: number }
  | { kind: "malformed" }
  | { kind: "hang-body" };

export interface UpstreamScript {
  /** Candidate texts handed out in order (wrapping around). */
  texts: string[];
  /** Honour `n` (OpenAI, vLLM) or always answer with one choice (Ollama, llama.cpp). */
  supportsN: boolean;
  /** Faults applied to the first calls, in order (null: that call succeeds); later calls succeed. */
  faults: (Fault | null)[];
  /** Answer `stream: true` with server-sent events (default), or ignore it and answer whole (some providers). */
  streams?: boolean;
  /** Refuse `stream: true` with a 400, as a server that does not know `stream_options` does. */
  refusesStream?: boolean;
  /** Streamed answers: the order in which the choices finish (choice indices), each finish its own network write
   * FINISH_GAP_MS after the one before; default: in index order, all in one write. */
  finishOrder?: number[];
  /** Streamed answers: break the stream (close the connection without [DONE]) after this many choices finished. */
  breakAfter?: number;
  /** A fault applied to every call after the scripted ones (e.g. to make some parallel calls fail). */
  persistentFault?: Fault | ((callIndex: number) => Fault | undefined);
}

/** What can be scripted over HTTP (no functions). */
export type RemoteScript = Partial<Omit<UpstreamScript, "persistentFault"> & { persistentFault: Fault }>;

export interface RecordedCall {
  body: Record<string, unknown>;
  authorization: string | undefined;
}

export class FakeUpstream {
  readonly calls: RecordedCall[] = [];
  script: UpstreamScript = { texts: ["Hello."], supportsN: true, faults: [] };
  private cursor = 0;
  private server: Server;

  private constructor(server: Server) {
    this.server = server;
  }

  static async start(): Promise<FakeUpstream> {
    let instance: FakeUpstream | undefined;
    const server = createServer((req, res) => void instance!.handle(req, res));
    instance = new FakeUpstream(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return instance;
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  reset(script: Partial<UpstreamScript>): void {
    this.script = { texts: ["Hello."], supportsN: true, faults: [], ...script };
    this.calls.length = 0;
    this.cursor = 0;
  }

  async stop(): Promise<void> {
    await stopServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const json = () => JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
    const reply = (status: number, value: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
    if (req.method === "POST" && req.url === "/__fake/script") {
      this.reset(json() as RemoteScript);
      return void reply(200, { ok: true });
    }
    if (req.method === "GET" && req.url === "/__fake/calls") return void reply(200, this.calls);
    if (req.method === "POST" && req.url?.endsWith("/embeddings")) {
      const input = json().input as string[];
      return void reply(200, { object: "list", data: input.map((text, index) => ({ object: "embedding", index, embedding: styleEmbedding(text) })) });
    }
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "not found" } }));
      return;
    }
    const body = json();
    const callIndex = this.calls.length;
    this.calls.push({ body, authorization: req.headers.authorization });
    const persistent = this.script.persistentFault;
    const fault =
      callIndex < this.script.faults.length
        ? this.script.faults[callIndex]
        : typeof persistent === "function"
          ? persistent(callIndex)
          : persistent;

    if (fault?.kind === "status") {
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (fault.retryAfterSeconds !== undefined) headers["retry-after"] = String(fault.retryAfterSeconds);
      res.writeHead(fault.status, headers).end(JSON.stringify({ error: { message: `scripted ${fault.status}` } }));
      return;
    }
    if (fault?.kind === "malformed") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"choices": [ {"message": ');
      return;
    }
    if (fault?.kind === "hang-body") {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"choices": [');
      return; // never finishes: the client's deadline must fire
    }
    if (fault?.kind === "delay") await new Promise((r) => setTimeout(r, fault.ms));
    if (body.stream === true && this.script.refusesStream) {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "unknown field: stream_options" } }));
      return;
    }

    const requested = typeof body.n === "number" ? body.n : 1;
    const count = this.script.supportsN ? requested : 1;
    const choices = Array.from({ length: count }, (_, index) => ({
      index,
      message: { role: "assistant", content: this.nextText() },
      finish_reason: "stop",
    }));
    if (body.stream === true && this.script.streams !== false) return this.stream(res, callIndex, body, choices);
    const response = {
      id: `chatcmpl-fake-${callIndex}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: String(body.model ?? "fake-model"),
      choices,
      usage: { prompt_tokens: 10, completion_tokens: 20 * count, total_tokens: 10 + 20 * count },
    };
    if (!res.destroyed) res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(response));
  }

  private async stream(res: ServerResponse, callIndex: number, body: Record<string, unknown>, choices: { index: number; message: { content: string } }[]): Promise<void> {
    const base = { id: `chatcmpl-fake-${callIndex}`, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model: String(body.model ?? "fake-model") };
    const event = (index: number, delta: object, finish: string | null) =>
      `data: ${JSON.stringify({ ...base, choices: [{ index, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
    res.writeHead(200, { "content-type": "text/event-stream" });
    // Every choice's text in two pieces, interleaved, then the finishes in the scripted order.
    let head = "";
    for (const c of choices) head += event(c.index, { role: "assistant", content: "" }, null);
    for (const c of choices) head += event(c.index, { content: c.message.content.slice(0, 3) }, null);
    for (const c of choices) head += event(c.index, { content: c.message.content.slice(3) }, null);
    res.write(head);
    const order = this.script.finishOrder?.filter((i) => i < choices.length) ?? choices.map((c) => c.index);
    for (const i of choices.map((c) => c.index)) if (!order.includes(i)) order.push(i);
    const usage = { prompt_tokens: 10, completion_tokens: 20 * choices.length, total_tokens: 10 + 20 * choices.length };
    const tail = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage ? `data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n` : "";
    const broken = this.script.breakAfter;
    if (!this.script.finishOrder && broken === undefined) {
      res.end(`${order.map((i) => event(i, {}, "stop")).join("")}${tail}data: [DONE]\n\n`);
      return;
    }
    for (let k = 0; k < order.length; k++) {
      // The stream ends early, without [DONE]: the choices not finished yet never will.
      if (broken !== undefined && k >= broken) return void res.end();
      if (this.script.finishOrder && k > 0) await new Promise((r) => setTimeout(r, FINISH_GAP_MS));
      if (res.destroyed) return;
      res.write(event(order[k], {}, "stop"));
    }
    if (!res.destroyed) res.end(`${tail}data: [DONE]\n\n`);
  }

  private nextText(): string {
    const text = this.script.texts[this.cursor % this.script.texts.length];
    this.cursor++;
    return text;
  }
}
