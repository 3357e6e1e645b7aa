// Embeddings by content hash, per isolate: the same text embedded again by the same tenant's embedder (a chat
// candidate that comes back as feedback's chosen or rejected, the playground's shipped answers, a retried request)
// costs a SHA-256 instead of an embeddings call. Keyed by tenant, embedder and text, so one tenant's entries are
// never another's, and a change of the tenant's embedder misses. Bounded by bytes (least recently used first out)
// and by age (an endpoint may change the model behind a name).

export const EMBEDDING_CACHE_MAX_BYTES = 8 << 20;
const MAX_BYTES = EMBEDDING_CACHE_MAX_BYTES;
export const EMBEDDING_CACHE_MAX_AGE_MS = 15 * 60_000;
const MAX_AGE_MS = EMBEDDING_CACHE_MAX_AGE_MS;

interface Entry {
  vector: Float64Array;
  at: number;
}

const entries = new Map<string, Entry>();
let bytes = 0;

const encoder = new TextEncoder();

function hex(buffer: ArrayBuffer): string {
  const view = new Uint8Array(buffer);
  let out = "";
  for (let i = 0; i < view.length; i++) out += view[i].toString(16).padStart(2, "0");
  return out;
}

/** The cache key of `text` for `scope` (tenant and embedder): SHA-256 over both, so keys never collide across scopes. */
export async function embeddingKey(scope: string, text: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", encoder.encode(`${scope.length}:${scope}\u0000${text}`)));
}

export function cachedEmbedding(key: string, now = Date.now()): Float64Array | undefined {
  const entry = entries.get(key);
  if (!entry) return undefined;
  entries.delete(key);
  if (now - entry.at > MAX_AGE_MS) {
    bytes -= entry.vector.byteLength;
    return undefined;
  }
  entries.set(key, entry); // most recently used last
  return entry.vector;
}

/** Stores a copy (the caller may reuse its array). */
export function cacheEmbedding(key: string, vector: Float64Array, now = Date.now()): void {
  if (vector.byteLength > MAX_BYTES / 16) return;
  const old = entries.get(key);
  if (old) {
    bytes -= old.vector.byteLength;
    entries.delete(key);
  }
  entries.set(key, { vector: Float64Array.from(vector), at: now });
  bytes += vector.byteLength;
  while (bytes > MAX_BYTES) {
    const [oldest, entry] = entries.entries().next().value as [string, Entry];
    entries.delete(oldest);
    bytes -= entry.vector.byteLength;
  }
}

/** Entries and bytes held (tests). */
export function embeddingCacheSize(): { entries: number; bytes: number } {
  return { entries: entries.size, bytes };
}
