// The USE-lite thread pool and the local embeddings server on it: every thread takes work and computes what the
// model computes in this thread; clients take turns; abandoned work leaves the queue.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { embedTokens } from "../../cli/embedders/use-lite-model.ts";
import { UseLitePool, useLitePool } from "../../cli/embedders/use-lite-pool.ts";
import { useLiteTokenizer } from "../../cli/embedders/use-lite-tokenizer.ts";
import { startEmbeddingsServer } from "../support/embeddings-server.ts";

const tok = useLiteTokenizer();
const windowOf = (i: number) => tok.head(`Answer number ${i}: boil the egg for ${i} minutes, then cool it.`, 128);

const pools: UseLitePool[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("USE-lite thread pool", () => {
  it("runs windows on two threads, each giving exactly the model's embedding", async () => {
    const pool = new UseLitePool(2);
    pools.push(pool);
    const windows = Array.from({ length: 8 }, (_, i) => windowOf(i));
    const vectors = await Promise.all(windows.map((w) => pool.embed(w)));
    expect(pool.stats.perThread).toHaveLength(2);
    expect(pool.stats.perThread.every((n) => n > 0)).toBe(true);
    for (let i = 0; i < windows.length; i += 3) expect(Array.from(vectors[i])).toEqual(Array.from(await embedTokens(windows[i])));
  });

  it("serves clients in turns: one client's backlog does not hold up another's window", async () => {
    const pool = new UseLitePool(1);
    pools.push(pool);
    await pool.embed(windowOf(0)); // the thread is up
    const finished: string[] = [];
    const flood = Array.from({ length: 12 }, (_, i) => pool.embed(windowOf(i), { client: "noisy" }).then(() => finished.push(`noisy${i}`)));
    const quiet = pool.embed(windowOf(99), { client: "quiet" }).then(() => finished.push("quiet"));
    await Promise.all([...flood, quiet]);
    // noisy0 was already running, noisy1 was next in the ring; then it is quiet's turn.
    expect(finished.indexOf("quiet")).toBeLessThanOrEqual(2);
  });

  it("drops the queued windows of a caller that gave up, and finishes the others", async () => {
    const pool = new UseLitePool(1);
    pools.push(pool);
    await pool.embed(windowOf(0));
    const gaveUp = new AbortController();
    const abandoned = Array.from({ length: 10 }, (_, i) => pool.embed(windowOf(i), { client: "a", signal: gaveUp.signal }));
    const kept = pool.embed(windowOf(50), { client: "b" });
    gaveUp.abort();
    const outcomes = await Promise.allSettled(abandoned);
    expect(outcomes.every((o) => o.status === "rejected" && (o.reason as Error).name === "AbortError")).toBe(true);
    expect((await kept).length).toBe(512);
    // At most the one running when it gave up was computed; it was thrown away.
    expect(pool.stats.dropped).toBeGreaterThanOrEqual(9);
    expect(pool.stats.dropped + pool.stats.discarded).toBe(10);
  });
});

describe("serve-embeddings under load", () => {
  it("drops a request's windows when its caller hangs up, and answers others meanwhile", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pref-pool-"));
    dirs.push(dir);
    const server = await startEmbeddingsServer(dir);
    const post = server.post;
    try {
      const model = "use-lite-512:response:chunks";
      // 40 texts x ~4 chunk windows each, from one caller who hangs up at once.
      const texts = Array.from({ length: 40 }, (_, i) => Array.from({ length: 400 }, (_, k) => `w${(k * 7 + i) % 97}`).join(" "));
      const before = useLitePool().stats;
      const hangUp = new AbortController();
      const abandoned = post({ model, input: texts, user: "flooder" }, hangUp.signal).catch((e: Error) => e);
      const windows = texts.reduce((n, t) => n + Math.ceil(tok.all(t).length / 128), 0);
      while (useLitePool().stats.completed === before.completed) await new Promise((r) => setTimeout(r, 5));
      hangUp.abort(); // as soon as its first window is done
      expect(await abandoned).toBeInstanceOf(Error);
      // Another caller is served while (and after) the first one's work is dropped.
      const res = await post({ model: "use-lite-512:response", input: ["A short answer."], user: "other" });
      expect(res.status).toBe(200);
      const after = useLitePool().stats;
      // Most of its windows were never computed: the queued ones were dropped, the rest never queued.
      expect(after.dropped - before.dropped).toBeGreaterThan(0);
      expect(after.completed - before.completed).toBeLessThan(windows / 4);
      // Bounds: an oversized input is refused before any work.
      expect((await post({ model, input: ["x".repeat(128 * 1024 + 1)] })).status).toBe(400);
    } finally {
      await server.close();
    }
  });
});
