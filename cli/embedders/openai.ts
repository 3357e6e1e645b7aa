// Any OpenAI-compatible embeddings endpoint (POST {baseUrl}/embeddings {model, input}). The base URL and key come
// from flags or the environment; neither is part of the embedder id (the same model served anywhere is the same
// recipe).
import { CliError } from "../errors.ts";

export interface OpenAiEndpoint {
  baseUrl: string;
  apiKey?: string;
}

export function endpointFromEnv(flags: { embedUrl?: string; embedKey?: string }): OpenAiEndpoint | null {
  const baseUrl = flags.embedUrl ?? process.env.PREF_EMBED_URL ?? process.env.OPENAI_BASE_URL;
  if (!baseUrl) return null;
  return { baseUrl: baseUrl.replace(/\/+$/, ""), apiKey: flags.embedKey ?? process.env.PREF_EMBED_KEY ?? process.env.OPENAI_API_KEY };
}

export async function embedRemote(endpoint: OpenAiEndpoint, model: string, texts: string[]): Promise<Float32Array[]> {
  const url = `${endpoint.baseUrl}/embeddings`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}) },
      body: JSON.stringify({ model, input: texts, encoding_format: "float" }),
    });
  } catch (error) {
    throw new CliError(`embeddings endpoint ${url} unreachable: ${(error as Error).message}`);
  }
  if (!response.ok) throw new CliError(`embeddings endpoint ${url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  const body = (await response.json()) as { data?: { index?: number; embedding?: number[] }[] };
  if (!Array.isArray(body.data) || body.data.length !== texts.length) {
    throw new CliError(`embeddings endpoint ${url}: expected ${texts.length} embeddings in "data"`);
  }
  const out: Float32Array[] = new Array(texts.length);
  body.data.forEach((row, i) => {
    if (!Array.isArray(row.embedding)) throw new CliError(`embeddings endpoint ${url}: data[${i}].embedding is not an array`);
    out[row.index ?? i] = Float32Array.from(row.embedding);
  });
  return out;
}
