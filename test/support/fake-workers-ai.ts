// A stand-in for Workers AI's OpenAI-compatible REST endpoint (POST /client/v4/accounts/{account}/ai/v1/embeddings),
// which needs a Cloudflare account: a real local HTTP server that checks the account, token and model and answers
// deterministic 16-d "embeddings" of surface features (length, punctuation, politeness words, hashed words), enough
// signal for the trainer to find base rewards. Records every request.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const FAKE_EMBEDDING_D = 16;

export function featureEmbedding(text: string): number[] {
  const lower = text.toLowerCase();
  const words = lower.split(/\s+/).filter(Boolean);
  const count = (re: RegExp) => (text.match(re) ?? []).length;
  const e = [
    Math.log1p(text.length) / 8,
    Math.tanh(count(/!/g) / 3),
    Math.tanh(count(/\?/g) / 2),
    Math.tanh(count(/\n/g) / 10),
    Math.tanh(count(/\d/g) / 20),
    Math.tanh(count(/^\s*[-*\d]+[.)]?\s/gm) / 5),
    /\b(please|thank|glad|happy|hope)\b/.test(lower) ? 1 : 0,
    /\b(sorry|unfortunately|cannot|can't)\b/.test(lower) ? 1 : 0,
    /\?\s*$/.test(text.trim()) ? 1 : 0,
    Math.tanh(words.length / 150),
  ];
  const hashed = new Array<number>(FAKE_EMBEDDING_D - e.length).fill(0);
  for (const w of words) {
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619) >>> 0;
    hashed[h % hashed.length] += 1 / Math.sqrt(words.length);
  }
  return [...e, ...hashed];
}

export interface FakeWorkersAi {
  /** The API base, as CLOUDFLARE_API_BASE_URL (…/client/v4). */
  apiBase: string;
  requests: { path: string; authorization: string | undefined; model: unknown; inputs: number }[];
  close(): Promise<void>;
}

export async function startFakeWorkersAi(account: string, token: string): Promise<FakeWorkersAi> {
  const requests: FakeWorkersAi["requests"] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const send = (status: number, json: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
      let parsed: { model?: unknown; input?: unknown } = {};
      try {
        parsed = JSON.parse(body);
      } catch {
        // answered below
      }
      const inputs = typeof parsed.input === "string" ? [parsed.input] : Array.isArray(parsed.input) ? (parsed.input as string[]) : [];
      requests.push({ path: req.url ?? "", authorization: req.headers.authorization, model: parsed.model, inputs: inputs.length });
      if (req.method !== "POST" || req.url !== `/client/v4/accounts/${account}/ai/v1/embeddings`) return send(404, { success: false, errors: [{ code: 7003, message: "No route for that URI" }] });
      if (req.headers.authorization !== `Bearer ${token}`) return send(401, { success: false, errors: [{ code: 10000, message: "Authentication error" }] });
      if (typeof parsed.model !== "string" || !parsed.model.startsWith("@cf/")) return send(400, { success: false, errors: [{ code: 5007, message: `No such model ${parsed.model}` }] });
      if (inputs.length === 0 || inputs.length > 100) return send(400, { success: false, errors: [{ code: 5006, message: "input: 1-100 texts" }] });
      send(200, { object: "list", model: parsed.model, data: inputs.map((t, index) => ({ object: "embedding", index, embedding: featureEmbedding(t) })) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiBase: `http://127.0.0.1:${port}/client/v4`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
