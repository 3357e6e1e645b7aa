// The embeddings endpoint of `npm run bench:chat` (the Worker's EMBEDDINGS_URL), for benchmarks only. One
// OpenAI-compatible POST /v1/embeddings that answers by the request's `model` (each bench tenant names its own):
//   bench-stand-in     precomputed vectors at once: what the service itself costs
//   bench-remote-20ms  the same after 20 ms: a production-like remote embedder (one round trip per call)
//   anything else      forwarded to the local USE-lite server (`pref serve-embeddings`), the offline embedder
// Precomputed vectors: a pool of fixed random vectors, handed to texts in turn as the plan registers them, so no
// two candidates of a request share one (which would change which pairs the question may pick).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Mulberry32 } from "../core/prng.ts";
import { readBody, stopServer } from "../scripts/http-stand-in.ts";

export const STAND_IN_MODEL = "bench-stand-in";
export const REMOTE_MODEL = "bench-remote-20ms";
export const REMOTE_LATENCY_MS = 20;
const POOL = 512;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class EmbeddingsStandIn {
  private readonly pool: string[];
  /** The same vectors as base64 float32 (what an endpoint answers to encoding_format=base64). */
  private readonly pool64: string[];
  private readonly assigned = new Map<string, number>();
  private turn = 0;
  private server: Server;
  /** The local USE-lite server's POST /v1/embeddings URL, for the requests this one forwards. */
  useLiteUrl: string | null = null;
  calls = 0;

  private constructor(d: number, server: Server) {
    const rng = new Mulberry32(18);
    // JSON text of each vector, as an endpoint would print float32 values (about 8 significant digits).
    const vectors = Array.from({ length: POOL }, () => Array.from({ length: d }, () => Number(((rng.nextU32() / 2 ** 32) * 2 - 1).toPrecision(8))));
    this.pool = vectors.map((v) => `[${v.join(",")}]`);
    this.pool64 = vectors.map((v) => `"${Buffer.from(Float32Array.from(v).buffer).toString("base64")}"`);
    this.server = server;
  }

  static async start(d: number): Promise<EmbeddingsStandIn> {
    let self: EmbeddingsStandIn | undefined;
    const server = createServer((req, res) => void self!.handle(req, res).catch((e: Error) => res.writeHead(500).end(e.message)));
    server.keepAliveTimeout = 60_000;
    self = new EmbeddingsStandIn(d, server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/embeddings`;
  }

  /** Gives each text (of a request's candidates, in order) the next vector of the pool. */
  register(texts: string[]): void {
    for (const t of texts) if (!this.assigned.has(t)) this.assigned.set(t, this.turn++ % POOL);
  }

  async stop(): Promise<void> {
    await stopServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const body = JSON.parse(raw.toString("utf8")) as { model?: string; input?: string | string[]; encoding_format?: string };
    this.calls++;
    if (body.model !== STAND_IN_MODEL && body.model !== REMOTE_MODEL) return this.forward(raw, res);
    const inputs = typeof body.input === "string" ? [body.input] : (body.input ?? []);
    if (body.model === REMOTE_MODEL) await sleep(REMOTE_LATENCY_MS);
    const pool = body.encoding_format === "base64" ? this.pool64 : this.pool;
    const data = inputs.map((t, index) => `{"object":"embedding","index":${index},"embedding":${pool[this.assigned.get(t) ?? this.turn++ % POOL]}}`);
    res.writeHead(200, { "content-type": "application/json" }).end(`{"object":"list","model":"${body.model}","data":[${data.join(",")}],"usage":{"prompt_tokens":0,"total_tokens":0}}`);
  }

  private async forward(raw: Buffer, res: ServerResponse): Promise<void> {
    if (!this.useLiteUrl) {
      res.writeHead(503, { "content-type": "application/json" }).end('{"error":{"message":"no USE-lite server"}}');
      return;
    }
    const answer = await fetch(this.useLiteUrl, { method: "POST", headers: { "content-type": "application/json" }, body: raw });
    res.writeHead(answer.status, { "content-type": "application/json" }).end(Buffer.from(await answer.arrayBuffer()));
  }
}
