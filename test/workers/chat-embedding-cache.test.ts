// The isolate's embedding cache (worker/embedders/cache.ts) inside workerd: what goes in comes out identical,
// scopes never share entries, and it stays within its byte bound and age.
import { describe, expect, it } from "vitest";
import {
  cacheEmbedding,
  cachedEmbedding,
  EMBEDDING_CACHE_MAX_AGE_MS,
  EMBEDDING_CACHE_MAX_BYTES,
  embeddingCacheSize,
  embeddingKey,
} from "../../worker/embedders/cache.ts";

const vector = (d: number, seed: number) => Float64Array.from({ length: d }, (_, i) => Math.sin(seed * 1000 + i) * 1e3 + 1 / (i + 1));

describe("embedding cache", () => {
  it("returns the identical vector for the same scope and text, a copy of what was stored", async () => {
    const key = await embeddingKey("tenant-a\u0000openai\u0000e1\u0000m", "Four! Easy one!");
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(await embeddingKey("tenant-a\u0000openai\u0000e1\u0000m", "Four! Easy one!")).toBe(key);
    const v = vector(384, 1);
    cacheEmbedding(key, v);
    v[0] = 42; // the caller reuses its array: the entry must not change
    const hit = cachedEmbedding(key);
    expect(hit).toBeDefined();
    expect(Array.from(hit!)).toEqual(Array.from(vector(384, 1)));
  });

  it("keys differ by scope (tenant, embedder) and by text, including text that would join ambiguously", async () => {
    const keys = await Promise.all([
      embeddingKey("tenant-a\u0000openai\u0000e1\u0000m", "hello"),
      embeddingKey("tenant-b\u0000openai\u0000e1\u0000m", "hello"),
      embeddingKey("tenant-a\u0000openai\u0000e2\u0000m", "hello"),
      embeddingKey("tenant-a\u0000openai\u0000e1\u0000m", "hello "),
      embeddingKey("tenant-a\u0000openai\u0000e1", "m\u0000hello"),
    ]);
    expect(new Set(keys).size).toBe(keys.length);
    const v = vector(8, 2);
    cacheEmbedding(keys[0], v);
    for (const other of keys.slice(1)) expect(cachedEmbedding(other)).toBeUndefined();
  });

  it("expires entries older than its age limit", async () => {
    const key = await embeddingKey("scope-age", "old text");
    const t0 = 1_000_000;
    cacheEmbedding(key, vector(16, 3), t0);
    expect(Array.from(cachedEmbedding(key, t0 + EMBEDDING_CACHE_MAX_AGE_MS - 1) ?? [])).toEqual(Array.from(vector(16, 3)));
    expect(cachedEmbedding(key, t0 + EMBEDDING_CACHE_MAX_AGE_MS + 1)).toBeUndefined();
    expect(cachedEmbedding(key, t0 + 1)).toBeUndefined(); // gone, not just hidden
  });

  it("stays within its byte bound, dropping the least recently used first", async () => {
    const d = 1024; // 8 KiB a vector
    const count = Math.ceil((EMBEDDING_CACHE_MAX_BYTES * 1.5) / (d * 8));
    const keys = await Promise.all(Array.from({ length: count }, (_, i) => embeddingKey("scope-bound", `text ${i}`)));
    const now = Date.now();
    cacheEmbedding(keys[0], vector(d, 0), now);
    for (let i = 1; i < count; i++) {
      cacheEmbedding(keys[i], vector(d, i), now);
      if (i % 64 === 0) cachedEmbedding(keys[0], now); // the first one stays in use
      expect(embeddingCacheSize().bytes).toBeLessThanOrEqual(EMBEDDING_CACHE_MAX_BYTES);
    }
    expect(embeddingCacheSize().entries).toBeLessThan(count);
    expect(cachedEmbedding(keys[1], now)).toBeUndefined(); // an early, unused one went first
    expect(Array.from(cachedEmbedding(keys[0], now)!)).toEqual(Array.from(vector(d, 0)));
    expect(Array.from(cachedEmbedding(keys[count - 1], now)!)).toEqual(Array.from(vector(d, count - 1)));
  });
});
