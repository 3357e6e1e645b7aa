// Embedding chat candidates as they arrive. The upstream hands over each candidate when it is done (a streamed
// choice's finish, a single call's answer); candidates that arrive together (one network read, one whole answer)
// go to the embedder in one batched call, started at once and run alongside the rest of the generation. When the
// last candidate is in, only the embeddings still in flight are waited for: the overhead after the upstream is one
// embeddings call, not one per candidate, and not all of them.
import { onNextTurn } from "./next-turn.ts";

/** Embeds a batch of candidate texts; `rows` are their arrival indices (for error fields). */
export type EmbedBatch = (texts: string[], rows: number[]) => Promise<Float64Array>;

export class ArrivalEmbedder {
  private readonly texts: string[] = [];
  private pending: number[] = [];
  private readonly batches: Promise<void>[] = [];
  private rows: Float64Array[] = [];
  private embed: EmbedBatch | null = null;
  private d = 0;
  private failure: { error: unknown } | null = null;
  private closed = false;

  get count(): number {
    return this.texts.length;
  }

  /** A candidate arrived (index = arrival order). Buffered until start() when the embedder is not known yet. */
  add(text: string): void {
    if (this.closed) return;
    this.pending.push(this.texts.length);
    this.texts.push(text);
    this.schedule();
  }

  /** The tenant's embedder is known (the request's read is done): embed what has arrived and what will. */
  start(d: number, embed: EmbedBatch): void {
    this.d = d;
    this.embed = embed;
    this.schedule();
  }

  /** Nothing more is wanted (the request failed or was superseded): later arrivals are ignored. */
  close(): void {
    this.closed = true;
    this.pending = [];
  }

  /** The n x d matrix of the first `n` arrivals, once their embeddings are in; the first embedder failure otherwise. */
  async matrix(n: number): Promise<Float64Array> {
    if (!this.embed) throw new Error("ArrivalEmbedder.matrix before start");
    this.flush();
    await Promise.all(this.batches);
    if (this.failure) throw this.failure.error;
    const out = new Float64Array(n * this.d);
    for (let i = 0; i < n; i++) out.set(this.rows[i], i * this.d);
    return out;
  }

  // Arrivals close together (the choices of one answer, of one network read, or of reads already buffered) share
  // one call: the batch goes out on the next turn of the event loop, after the reads that are ready.
  private schedule(): void {
    if (this.embed && this.pending.length > 0 && !this.closed) this.flushSoon();
  }

  private readonly flushSoon = onNextTurn(() => this.flush());

  private flush(): void {
    if (!this.embed || this.pending.length === 0 || this.closed) return;
    const rows = this.pending;
    this.pending = [];
    const d = this.d;
    const batch = this.embed(
      rows.map((i) => this.texts[i]),
      rows,
    ).then(
      (E) => rows.forEach((row, k) => (this.rows[row] = E.subarray(k * d, (k + 1) * d))),
      (error: unknown) => {
        this.failure ??= { error };
      },
    );
    this.batches.push(batch);
  }
}
