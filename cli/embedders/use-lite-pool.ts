// USE-lite on every core: a pool of worker threads (use-lite-thread.ts), each with its own copy of the model and
// one window in flight at a time. Windows wait in a FairQueue keyed by client (the embeddings server's caller,
// e.g. a tenant), so no client's backlog holds up another's. A window whose caller gave up (its AbortSignal
// fired) leaves the queue at once; one already running finishes (<= 128 tokens, tens of ms) and is discarded.
import os from "node:os";
import { Worker } from "node:worker_threads";
import { FairQueue } from "./fair-queue.ts";

interface Job {
  tokens: Int32Array;
  client: string;
  resolve(v: Float32Array): void;
  reject(e: Error): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  /** Jobs finished by this thread (to check that every thread takes work). */
  done: number;
}

export interface PoolStats {
  threads: number;
  queued: number;
  completed: number;
  /** Windows dropped from the queue because their caller gave up. */
  dropped: number;
  /** Windows that finished after their caller gave up (their result thrown away). */
  discarded: number;
  perThread: number[];
}

const entry = new URL("./use-lite-thread-entry.mjs", import.meta.url);

export class AbortedError extends Error {
  constructor() {
    super("embedding abandoned by its caller");
    this.name = "AbortError";
  }
}

/** Threads to use: PREF_EMBED_THREADS, else one per core (at most 4: each holds ~300 MB of model). */
export function defaultThreads(): number {
  const env = Number(process.env.PREF_EMBED_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

export class UseLitePool {
  private readonly slots: Slot[] = [];
  private readonly queue = new FairQueue<Job>();
  private nextId = 1;
  private closed = false;
  private readonly counters = { completed: 0, dropped: 0, discarded: 0 };

  /** kernels "library": the threads keep TF.js's own BatchMatMul (for comparing; see use-lite-matmul.ts). */
  constructor(
    readonly threads = defaultThreads(),
    private readonly options: { kernels?: "library" } = {},
  ) {}

  get stats(): PoolStats {
    return { threads: this.threads, queued: this.queue.size, ...this.counters, perThread: this.slots.map((s) => s.done) };
  }

  /** The embedding of one window of token ids (1-128), computed on the next free thread in the client's turn. */
  embed(tokens: ArrayLike<number>, o: { client?: string; signal?: AbortSignal } = {}): Promise<Float32Array> {
    if (this.closed) return Promise.reject(new Error("the embedding pool is closed"));
    if (o.signal?.aborted) return Promise.reject(new AbortedError());
    return new Promise<Float32Array>((resolve, reject) => {
      const job: Job = { tokens: Int32Array.from(tokens), client: o.client ?? "", resolve, reject, signal: o.signal };
      if (o.signal) {
        job.onAbort = () => {
          if (this.queue.remove(job.client, job)) {
            this.counters.dropped++;
            reject(new AbortedError());
          }
        };
        o.signal.addEventListener("abort", job.onAbort, { once: true });
      }
      this.queue.push(job.client, job);
      this.dispatch();
    });
  }

  /** Stops the threads; queued windows fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (let job = this.queue.shift(); job; job = this.queue.shift()) this.finish(job, new Error("the embedding pool closed"));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private dispatch(): void {
    while (this.queue.size > 0) {
      let slot = this.slots.find((s) => s.job === null);
      if (!slot && this.slots.length < this.threads) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref(); // keep the process alive while a window is in flight
      slot.worker.postMessage({ id: this.nextId++, tokens: job.tokens });
    }
  }

  private spawn(): Slot {
    const env = this.options.kernels === "library" ? { ...process.env, PREF_USE_LITE_KERNELS: "library" } : process.env;
    const worker = new Worker(entry, { env });
    const slot: Slot = { worker, job: null, done: 0 };
    worker.unref();
    worker.on("message", (m: { vector?: Float32Array; error?: string }) => {
      const job = slot.job;
      slot.job = null;
      worker.unref(); // an idle thread must not keep the CLI from exiting
      if (job) {
        slot.done++;
        this.finish(job, m.error !== undefined ? new Error(`USE-lite: ${m.error}`) : null, m.vector);
      }
      this.dispatch();
    });
    const fail = (error: Error) => {
      const at = this.slots.indexOf(slot);
      if (at >= 0) this.slots.splice(at, 1); // a fresh thread replaces it on the next dispatch
      if (slot.job) this.finish(slot.job, error);
      slot.job = null;
      if (!this.closed) this.dispatch();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`USE-lite thread exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private finish(job: Job, error: Error | null, vector?: Float32Array): void {
    if (job.onAbort) job.signal!.removeEventListener("abort", job.onAbort);
    if (job.signal?.aborted) {
      this.counters.discarded++;
      job.reject(new AbortedError());
    } else if (error) job.reject(error);
    else {
      this.counters.completed++;
      job.resolve(vector!);
    }
  }
}

let shared: UseLitePool | undefined;

/** The process's pool (created on first use). */
export function useLitePool(): UseLitePool {
  shared ??= new UseLitePool();
  return shared;
}
