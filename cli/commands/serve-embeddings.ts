// `pref serve-embeddings`: a local OpenAI-compatible embeddings server (POST /v1/embeddings) for the offline
// recipes, so the Worker (or anything else) can embed exactly as a basis was trained: the request's `model` is the
// embedder id (e.g. "use-lite-512:response:head+tail64") and `input` the composed text(s). Uses the same cache.
// Shared by every tenant of a local stack, so no caller may hold it up: requests run concurrently on the thread
// pool, whose windows are served in turns per caller (the request's `user`, which the Worker sets to the tenant,
// else the caller's address); a window costs at most 128 tokens of work whatever the text; and a request whose
// caller hangs up has its remaining windows dropped.
//
// One extension: `"pref_partial": true` says the inputs are the beginnings of texts still being written (answers
// mid-stream). The server then computes only the windows that the rest of each text cannot change (the head, once
// a text holds enough complete words) and answers how many (`pref_partial.windows`, per input) with no vectors; the
// whole text's request later finds them done. The Worker sends it for use-lite recipes (docs/chat-latency.md).
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Command } from "commander";
import { type Embedder, createEmbedder } from "../embedders/index.ts";
import { parseRecipe } from "../embedders/recipe.ts";
import { embedSettledWindows } from "../embedders/use-lite.ts";
import { integer } from "../options.ts";
import { note } from "../progress.ts";

const MAX_INPUTS = 256;
/** Per input text: 4x the Worker's own text limit (32 KB); the chunks window reads all of it, the others do not. */
export const MAX_INPUT_CHARS = 128 * 1024;
const MAX_BODY_BYTES = 8 << 20;
/** Time to receive a whole request (headers and body). */
const REQUEST_TIMEOUT_MS = 30_000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function createEmbeddingsServer(options: { cacheDir?: string } = {}): http.Server {
  const embedders = new Map<string, Embedder>();

  const embedderFor = (model: unknown): Embedder => {
    if (typeof model !== "string" || model.length === 0) throw new HttpError(400, '"model" must be an embedder id, e.g. "use-lite-512:response"');
    let e = embedders.get(model);
    if (!e) {
      let kind: string;
      try {
        kind = parseRecipe(model).model.kind;
      } catch (error) {
        throw new HttpError(404, (error as Error).message);
      }
      if (kind !== "use-lite") throw new HttpError(404, `this server only serves use-lite-512 recipes, not "${model}"`);
      e = createEmbedder(model, options);
      embedders.set(model, e);
    }
    return e;
  };

  // base64 only carries float32: a vector that is not exactly float32 is answered as numbers (clients read both).
  const base64Float32 = (v: ArrayLike<number>): string | null => {
    const f32 = Float32Array.from(v);
    for (let i = 0; i < f32.length; i++) if (f32[i] !== v[i]) return null;
    return Buffer.from(f32.buffer).toString("base64");
  };

  const handle = async (req: http.IncomingMessage, body: string, signal: AbortSignal): Promise<unknown> => {
    if (req.method === "GET" && req.url === "/v1/models") {
      return { object: "list", data: ["use-lite-512:response", "use-lite-512:response:head+tail64", "use-lite-512:response:head+tail64+chunks"].map((id) => ({ id, object: "model", owned_by: "pref" })) };
    }
    if (req.method !== "POST" || req.url !== "/v1/embeddings") throw new HttpError(404, "POST /v1/embeddings or GET /v1/models");
    let parsed: { model?: unknown; input?: unknown; user?: unknown; encoding_format?: unknown; pref_partial?: unknown };
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new HttpError(400, "body is not JSON");
    }
    const inputs = typeof parsed.input === "string" ? [parsed.input] : parsed.input;
    if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > MAX_INPUTS || inputs.some((t) => typeof t !== "string")) {
      throw new HttpError(400, `"input" must be a string or an array of 1-${MAX_INPUTS} strings`);
    }
    const empty = inputs.findIndex((t) => (t as string).trim().length === 0);
    if (empty >= 0) throw new HttpError(400, `input ${empty} is empty: an empty text cannot be embedded`);
    const long = inputs.findIndex((t) => (t as string).length > MAX_INPUT_CHARS);
    if (long >= 0) throw new HttpError(400, `input ${long} is longer than ${MAX_INPUT_CHARS} characters`);
    if (parsed.encoding_format !== undefined && parsed.encoding_format !== "float" && parsed.encoding_format !== "base64") {
      throw new HttpError(400, `"encoding_format" must be "float" or "base64"`);
    }
    if (parsed.pref_partial !== undefined && typeof parsed.pref_partial !== "boolean") throw new HttpError(400, `"pref_partial" must be a boolean`);
    const embedder = embedderFor(parsed.model);
    const client = typeof parsed.user === "string" && parsed.user !== "" ? `user:${parsed.user}` : `addr:${req.socket.remoteAddress}`;
    if (parsed.pref_partial === true) {
      // Only use-lite recipes are served (embedderFor), so the recipe's windows are use-lite windows.
      const windows = await embedSettledWindows(inputs as string[], embedder.recipe.windows, { client, signal });
      return { object: "list", model: embedder.id, data: [], pref_partial: { windows }, usage: { prompt_tokens: 0, total_tokens: 0 } };
    }
    const vectors = await embedder.embed(inputs as string[], { client, signal });
    return {
      object: "list",
      model: embedder.id,
      data: vectors.map((v, index) => ({ object: "embedding", index, embedding: parsed.encoding_format === "base64" ? base64Float32(v) ?? Array.from(v) : Array.from(v) })),
      usage: { prompt_tokens: 0, total_tokens: 0 },
    };
  };

  const send = (res: http.ServerResponse, status: number, out: unknown) => {
    if (res.destroyed) return;
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(out));
  };
  const sendError = (res: http.ServerResponse, status: number, message: string) =>
    send(res, status, { error: { message, type: status >= 500 ? "server_error" : "invalid_request_error" } });

  const server = http.createServer((req, res) => {
    // The caller hung up before its answer: drop its windows that have not run yet.
    const abandoned = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) abandoned.abort();
    });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        sendError(res, 413, `body exceeds ${MAX_BODY_BYTES} bytes`);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      handle(req, Buffer.concat(chunks).toString("utf8"), abandoned.signal)
        .then((out) => send(res, 200, out))
        .catch((error: Error) => {
          if (abandoned.signal.aborted) return; // nobody is listening
          sendError(res, error instanceof HttpError ? error.status : 500, error.message);
        });
    });
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = Math.min(server.headersTimeout, REQUEST_TIMEOUT_MS);
  return server;
}

export function registerServeEmbeddings(program: Command): void {
  program
    .command("serve-embeddings")
    .description("serve the offline embedding recipes as an OpenAI-compatible POST /v1/embeddings (model = embedder id)")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--port <port>", "port", integer(0, 65535), 8080)
    .option("--cache-dir <dir>", "embedding cache directory (env PREF_CACHE_DIR)")
    .addHelpText("after", '\nExample:\n  npx pref serve-embeddings --port 8080\n  curl -s localhost:8080/v1/embeddings -d \'{"model":"use-lite-512:response:head+tail64","input":["Hello!"]}\'')
    .action(async (o: { host: string; port: number; cacheDir?: string }) => {
      const server = createEmbeddingsServer(o);
      await new Promise<void>((resolve) => server.listen(o.port, o.host, resolve));
      const { port } = server.address() as AddressInfo;
      note(`serving POST http://${o.host}:${port}/v1/embeddings (model = embedder id); Ctrl-C to stop`);
      await new Promise<void>((resolve) => process.once("SIGINT", () => server.close(() => resolve())));
    });
}
