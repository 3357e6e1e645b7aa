// Partial texts (answers mid-stream): the windows a prefix settles are exactly those of every text it begins, and
// the embeddings server computes them ahead so the whole text's request only computes the rest.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { settledWindows, windowTokens } from "../../cli/embedders/use-lite.ts";
import { useLitePool } from "../../cli/embedders/use-lite-pool.ts";
import { makeRng } from "../../cli/rng.ts";
import { startEmbeddingsServer } from "../support/embeddings-server.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Words, punctuation, doubled spaces, newlines, accents and long words: where a cut could change how text splits. */
function awkwardText(seed: number, words: number): string {
  const rng = makeRng(seed);
  const vocabulary = ["the", "answer", "is", "café", "naïve", "unbelievably", "x", "42,", "(see", "below).", "Ｆｕｌｌ", "🙂", "e.g.", "don't", "über"];
  const separators = [" ", " ", " ", " ", "  ", "\n", " \n", ". "];
  let out = "";
  for (let i = 0; i < words; i++) out += vocabulary[Math.floor(rng() * vocabulary.length)] + separators[Math.floor(rng() * separators.length)];
  return out;
}

describe("settledWindows", () => {
  it("settles, at every cut of a text, only windows the whole text has", () => {
    for (const seed of [1, 2, 3]) {
      const text = awkwardText(seed, 400);
      const [head] = windowTokens(text, { kind: "head" });
      const chunks = windowTokens(text, { kind: "chunks" });
      let settledHeadAt = -1;
      for (let cut = 1; cut < text.length; cut += 7) {
        const prefix = text.slice(0, cut);
        const h = settledWindows(prefix, { kind: "head" });
        if (h.length > 0) {
          expect(h).toEqual([head]);
          if (settledHeadAt < 0) settledHeadAt = cut;
        }
        const c = settledWindows(prefix, { kind: "chunks" });
        c.forEach((w, k) => expect(w).toEqual(chunks[k]));
        expect(c.length).toBeLessThan(chunks.length + 1);
        expect(settledWindows(prefix, { kind: "tail", tokens: 64 })).toEqual([]);
      }
      // The head settles well before the text ends (not only at its very end).
      expect(settledHeadAt).toBeGreaterThan(0);
      expect(settledHeadAt).toBeLessThan(text.length / 2);
    }
  });

  it("settles nothing from a prefix of fewer than 128 tokens of complete words", () => {
    expect(settledWindows("Short so far, and still going", { kind: "head" })).toEqual([]);
    expect(settledWindows("x".repeat(5000), { kind: "head" })).toEqual([]); // no complete word yet
  });
});

describe("serve-embeddings with partial texts", () => {
  it("computes a partial text's head ahead; the whole text then costs only its tail, with the same vector", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pref-partial-"));
    dirs.push(dir);
    const server = await startEmbeddingsServer(dir);
    const post = async (body: unknown) => {
      const res = await server.post(body);
      return { status: res.status, body: (await res.json()) as { data: { embedding: number[] }[]; pref_partial?: { windows: number[] } } };
    };
    try {
      const model = "use-lite-512:response:head+tail64";
      const whole = awkwardText(11, 300) + "That is all.";
      const other = awkwardText(12, 300) + "That is all.";
      const computed = () => useLitePool().stats.completed;

      let before = computed();
      const partial = await post({ model, input: [whole.slice(0, whole.length / 2), "Too short yet"], pref_partial: true, user: "t1" });
      expect(partial.status).toBe(200);
      expect(partial.body.data).toEqual([]);
      expect(partial.body.pref_partial).toEqual({ windows: [1, 0] });
      expect(computed() - before).toBe(1);

      before = computed();
      const full = await post({ model, input: [whole], user: "t1" });
      expect(full.status).toBe(200);
      expect(computed() - before).toBe(1); // the tail; the head was done

      // The same vector as computed with no partial text before it: a text never hinted, then this one's twin.
      before = computed();
      const fresh = await post({ model, input: [other], user: "t2" });
      expect(computed() - before).toBe(2);
      const [head] = windowTokens(whole, { kind: "head" });
      const [tail] = windowTokens(whole, { kind: "tail", tokens: 64 });
      const [headVector, tailVector] = await Promise.all([useLitePool().embed(head), useLitePool().embed(tail)]);
      expect(full.body.data[0].embedding).toEqual([...Array.from(headVector), ...Array.from(tailVector)]);
      expect(fresh.body.data[0].embedding).not.toEqual(full.body.data[0].embedding);

      expect((await post({ model, input: ["x"], pref_partial: "yes" })).status).toBe(400);
    } finally {
      await server.close();
    }
  });
});
