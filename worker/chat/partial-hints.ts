// Streamed answers, embedded ahead: an embedder that can use the beginning of a text (the local use-lite server,
// whose head window is settled once an answer holds ~128 tokens of complete words) is sent each streamed choice's
// text once it is long enough, so that window is computed while the rest of the answer is still being generated;
// when the whole answer comes, only what its end changes is left. Best effort: a hint that fails or comes late
// costs its own call and nothing else, and the embeddings the request ranks with are the whole texts' as always.
import { onNextTurn } from "./next-turn.ts";

/** Sends partial texts to the embedder; answers how many windows each settled (0: too short yet), null if unknown. */
export type SendPartials = (texts: string[]) => Promise<number[] | null>;

/**
 * Characters after which a streamed answer is first sent. Measured on AlpacaEval answers, the head window settles
 * after 480 characters at the median and 640 at the 99th percentile (docs/chat-latency.md); a text that had not
 * settled is sent once more at 1.5x its length.
 */
export const FIRST_PARTIAL_CHARS = 560;
const RETRY_FACTOR = 1.5;
const SENDS_PER_CHOICE = 2;
/** Calls per request at most (subrequests are counted): choices that cross together share one. */
const MAX_CALLS = 4;

export class PartialHints {
  private send: SendPartials | null = null;
  /** Per choice: the length at which to send it next (Infinity: not again). */
  private readonly sendAt = new Map<string, number>();
  private readonly sends = new Map<string, number>();
  private queued = new Map<string, () => string>();
  private calls = 0;
  private closed = false;

  /** The tenant's embedder takes partial texts: choices long enough from now on are sent. */
  start(send: SendPartials): void {
    this.send = send;
  }

  /** Nothing more is wanted (the request ended or failed). */
  close(): void {
    this.closed = true;
    this.queued.clear();
  }

  /** A streamed choice (key) grew to `chars` characters. Cheap unless it crosses its sending length. */
  grew(key: string, chars: number, text: () => string): void {
    if (this.closed || this.send === null || this.calls >= MAX_CALLS) return;
    if (chars < (this.sendAt.get(key) ?? FIRST_PARTIAL_CHARS)) return;
    this.sendAt.set(key, Infinity);
    this.queued.set(key, text);
    this.flushSoon();
  }

  /** Choices that cross in the same turn of the event loop (one network read) share a call. */
  private readonly flushSoon = onNextTurn(() => this.flush());

  private flush(): void {
    if (this.closed || this.send === null || this.queued.size === 0 || this.calls >= MAX_CALLS) return;
    const batch = [...this.queued];
    this.queued = new Map();
    this.calls++;
    const texts = batch.map(([, text]) => text());
    // Never awaited: the request does not wait for these.
    void this.send(texts).then(
      (windows) =>
        batch.forEach(([key], i) => {
          const sends = (this.sends.get(key) ?? 0) + 1;
          this.sends.set(key, sends);
          // Nothing settled yet (short tokens, a long word at the end): once more when the text is longer.
          if (windows?.[i] === 0 && sends < SENDS_PER_CHOICE) this.sendAt.set(key, Math.ceil(texts[i].length * RETRY_FACTOR));
        }),
      () => undefined,
    );
  }
}
