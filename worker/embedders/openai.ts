// "openai": any OpenAI-compatible POST /v1/embeddings endpoint (URL in [vars], key in a secret).
import { sha256Hex } from "../crypto.ts";
import { float32BytesToFloat64, strictBase64Bytes } from "../encoding.ts";
import { ApiError } from "../errors.ts";
import { RefusedOption } from "../refused-options.ts";
import type { Embedder } from "./types.ts";

export interface OpenAIEmbedderOptions {
  url: string;
  apiKey?: string;
  model: string;
  timeoutMs?: number;
}

// Vectors are asked for as base64 (little-endian float32, as OpenAI answers with encoding_format=base64): a quarter
// of the bytes of JSON numbers and nothing to parse number by number. An endpoint that refuses the parameter (400 or
// 422) is asked for floats from then on (per isolate and URL); one that ignores it and answers numbers is read as is.
const floatOnly = new RefusedOption();

const unexpected = (what: string) => new ApiError(502, "embedder_error", `embeddings endpoint answered ${what}`);

/** One answered vector: base64 float32, or an array of numbers; null for anything else. */
function vectorOf(embedding: unknown): Float64Array | null {
  if (typeof embedding === "string") {
    const bytes = strictBase64Bytes(embedding);
    return bytes && bytes.byteLength % 4 === 0 ? float32BytesToFloat64(bytes) : null;
  }
  if (!Array.isArray(embedding)) return null;
  const v = new Float64Array(embedding.length);
  for (let i = 0; i < embedding.length; i++) {
    const x: unknown = embedding[i];
    if (typeof x !== "number") return null;
    v[i] = x;
  }
  return v;
}

/** The answer's vectors in input order; throws a 502 on any other shape. */
function vectorsOf(body: unknown, count: number): Float64Array[] {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length !== count) throw unexpected("an unexpected shape");
  const out: Float64Array[] = new Array(count);
  for (const item of data as { index?: unknown; embedding?: unknown }[]) {
    const index = item?.index;
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= count) throw unexpected("an unexpected index");
    const v = vectorOf(item.embedding);
    if (!v) throw unexpected("an unexpected shape");
    out[index] = v;
  }
  if (out.some((v) => v === undefined)) throw new ApiError(502, "embedder_error", "embeddings endpoint skipped an input");
  return out;
}

// OpenAI's `user`: an opaque id of who the request is for. A hash of the tenant: providers learn nothing.
const userOf = async (caller: string | undefined) => (caller ? `t_${(await sha256Hex(`pref-edge/caller\u0000${caller}`)).slice(0, 32)}` : undefined);

/**
 * A model named by a use-lite recipe is served by `pref serve-embeddings`, which takes partial texts
 * (`pref_partial`): the beginnings of answers still being streamed, whose settled windows it computes ahead.
 */
const modelTakesPartialTexts = (model: string) => model.startsWith("use-lite-");

export function openaiEmbedder(o: OpenAIEmbedderOptions): Embedder {
  const headers = { "content-type": "application/json", ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}) };
  /** One POST of `fields` (with the model and the caller's opaque id) to the endpoint. */
  const post = async (fields: Record<string, unknown>, caller: string | undefined): Promise<Response> => {
    const user = await userOf(caller);
    return fetch(o.url, {
      method: "POST",
      headers,
      body: JSON.stringify({ model: o.model, ...fields, ...(user ? { user } : {}) }),
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
  };
  const prefetch = async (partialTexts: string[], { caller }: { caller?: string } = {}): Promise<number[] | null> => {
    try {
      const res = await post({ input: partialTexts, pref_partial: true }, caller);
      const windows = ((await res.json().catch(() => null)) as { pref_partial?: { windows?: unknown } } | null)?.pref_partial?.windows;
      const valid = res.ok && Array.isArray(windows) && windows.length === partialTexts.length && windows.every((w) => typeof w === "number");
      return valid ? (windows as number[]) : null;
    } catch {
      return null;
    }
  };
  return {
    kind: "openai",
    ...(o.url && modelTakesPartialTexts(o.model) ? { prefetch } : {}),
    async embed(texts, { caller } = {}) {
      if (!o.url) throw new ApiError(503, "unavailable", "the embedder is not configured").withDetail("embedder 'openai' needs EMBEDDINGS_URL");
      const embed = async (encoding: "base64" | "float"): Promise<Response> => {
        try {
          return await post({ input: texts, encoding_format: encoding }, caller);
        } catch (err) {
          throw new ApiError(502, "embedder_error", `embeddings endpoint unreachable: ${(err as Error).message}`);
        }
      };
      let res = await embed(floatOnly.has(o.url) ? "float" : "base64");
      if (RefusedOption.isRefusal(res.status) && !floatOnly.has(o.url)) {
        await res.body?.cancel();
        floatOnly.remember(o.url);
        res = await embed("float");
      }
      if (!res.ok) throw new ApiError(502, "embedder_error", `embeddings endpoint answered ${res.status}`);
      return vectorsOf(await res.json().catch(() => null), texts.length);
    },
  };
}
