// The dataset contract: one comparison per JSON line,
//   {"user": "u17", "prompt": "...", "a": "...", "b": "...", "label": 1}
// label 1 = a preferred, 0 = b preferred, 0.5 = tie. Extra fields are ignored. A bad line stops the read with
// its line number and field, before any caller has written anything.
//
// A response may also be given by its embedding alone, as the service's comparison log holds it (no texts):
//   {"user": "...", "prompt_hash": "...", "a": {"embedding": "<base64 float32>"}, "b": {"embedding": [0.1, ...]},
//    "label": 1, "embedder": "use-lite-512:response:head+tail64"}
// `prompt_hash` may stand in for `prompt` (it only groups comparisons by prompt). The embedder that made the vectors
// is named on the line or once for the file by a line of its own, {"embedder": "<id>"}; a file that names two
// embedders is refused, since one basis reads one embedder's vectors.
import { DataError } from "../errors.ts";
import { readJsonLines } from "./jsonl.ts";

export type Response = string | { embedding: Float32Array };

export interface Comparison {
  user: string;
  prompt: string;
  a: Response;
  b: Response;
  label: 0 | 0.5 | 1;
}

/** A comparison of two response texts (what the benchmark generators write). */
export interface TextComparison extends Comparison {
  a: string;
  b: string;
}

export interface ReadComparison extends Comparison {
  line: number;
  /** The embedder the file names (on this line or before it), null if none yet. */
  embedder: string | null;
}

const LABELS = new Set([0, 0.5, 1]);
/** Largest embedding dimension accepted (the service's own limit). */
export const MAX_EMBEDDING_DIMS = 4096;

function embeddingOf(value: unknown, fail: (reason: string) => never): Float32Array {
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "base64");
    // Node's decoder skips characters outside the alphabet, so any of them shows as missing bytes (a regex over
    // every string cost more than the rest of the line's parsing).
    const padding = value.endsWith("==") ? 2 : value.endsWith("=") ? 1 : 0;
    if (value.length % 4 !== 0 || bytes.length !== (value.length / 4) * 3 - padding) fail("embedding: not base64");
    if (bytes.length === 0 || bytes.length % 4 !== 0) fail(`embedding: ${bytes.length} bytes is not a whole number of float32 values`);
    // Copied out of Buffer's shared pool into an aligned buffer of its own (little-endian, as every host we run on).
    const out = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    if (out.length > MAX_EMBEDDING_DIMS) fail(`embedding: ${out.length} dimensions, at most ${MAX_EMBEDDING_DIMS}`);
    for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i])) fail("embedding: a value is not finite");
    return out;
  }
  if (!Array.isArray(value) || value.length === 0) fail("embedding: expected base64 float32 or a non-empty array of numbers");
  const numbers = value as unknown[];
  if (numbers.length > MAX_EMBEDDING_DIMS) fail(`embedding: ${numbers.length} dimensions, at most ${MAX_EMBEDDING_DIMS}`);
  if (!numbers.every((x) => typeof x === "number" && Number.isFinite(x))) fail("embedding: every value must be a finite number");
  return Float32Array.from(numbers as number[]);
}

export function validateComparison(value: unknown, file: string, line: number): Comparison & { embedder: string | null; header: boolean } {
  const fail = (field: string | null, reason: string): never => {
    throw new DataError(file, line, field, reason);
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail(null, "expected a JSON object");
  const row = value as Record<string, unknown>;
  let embedder: string | null = null;
  if ("embedder" in row) {
    if (typeof row.embedder !== "string" || row.embedder.length === 0) fail("embedder", "expected the embedder id as a non-empty string");
    embedder = row.embedder as string;
  }
  if (!("user" in row) && embedder !== null) return { user: "", prompt: "", a: "", b: "", label: 0.5, embedder, header: true };
  for (const field of ["user", "prompt"] as const) {
    if (field === "prompt" && !("prompt" in row) && typeof row.prompt_hash === "string") continue;
    if (!(field in row)) fail(field, "missing");
    if (typeof row[field] !== "string") fail(field, `expected a string, got ${JSON.stringify(row[field])?.slice(0, 40)}`);
  }
  if ((row.user as string).length === 0) fail("user", "must not be empty");
  const response = (field: "a" | "b"): Response => {
    if (!(field in row)) fail(field, "missing");
    const v = row[field];
    if (typeof v === "string") {
      // An empty response cannot be embedded (the offline model throws on it), so it cannot be compared either.
      if (v.trim().length === 0) fail(field, "empty response (cannot be embedded)");
      return v;
    }
    if (v !== null && typeof v === "object" && !Array.isArray(v) && "embedding" in v) {
      return { embedding: embeddingOf((v as { embedding: unknown }).embedding, (reason) => fail(field, reason)) };
    }
    return fail(field, `expected the response text or {"embedding": ...}, got ${JSON.stringify(v)?.slice(0, 40)}`);
  };
  const a = response("a");
  const b = response("b");
  if (!("label" in row)) fail("label", "missing");
  if (typeof row.label !== "number" || !LABELS.has(row.label)) {
    fail("label", `must be 1 (a preferred), 0 (b preferred) or 0.5 (tie), got ${JSON.stringify(row.label)}`);
  }
  const prompt = typeof row.prompt === "string" ? row.prompt : (row.prompt_hash as string);
  return { user: row.user as string, prompt, a, b, label: row.label as 0 | 0.5 | 1, embedder, header: false };
}

/** The comparisons of a file; header lines set the file's embedder and are not yielded. */
export async function* readComparisons(file: string, onBytes?: (bytes: number) => void): AsyncGenerator<ReadComparison> {
  let embedder: string | null = null;
  let namedAt = 0;
  for await (const { line, value } of readJsonLines(file, onBytes)) {
    const row = validateComparison(value, file, line);
    if (row.embedder !== null) {
      if (embedder !== null && row.embedder !== embedder) {
        throw new DataError(file, line, "embedder", `"${row.embedder}" differs from "${embedder}" (line ${namedAt}): one file, one embedder`);
      }
      if (embedder === null) namedAt = line;
      embedder = row.embedder;
    }
    if (row.header) continue;
    if (embedder === null && (typeof row.a !== "string" || typeof row.b !== "string")) {
      throw new DataError(file, line, typeof row.a !== "string" ? "a" : "b", 'an embedding needs the embedder that made it: add "embedder" to the line or a {"embedder": "<id>"} line before it');
    }
    yield { user: row.user, prompt: row.prompt, a: row.a, b: row.b, label: row.label, line, embedder };
  }
}
