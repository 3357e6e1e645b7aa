// What a user's Durable Object sends to the archive queue (user-object.ts -> archive.ts): each comparison, with
// its progressive-validation increments for the metrics rollup; and each deletion of a user.
import type { MetricsIncrement } from "../metrics/progressive.ts";

export interface ComparisonMessage {
  kind: "comparison";
  tenantId: string;
  userId: string;
  /** The comparison id: the consumer is idempotent by it. */
  id: string;
  /** Its position in the user's own log. */
  userSeq: number;
  promptHash: string;
  /** As stored ("F:" + base64 float32 when exact, else base64 float64). */
  chosen: string;
  rejected: string;
  label: number;
  embedderId: string;
  basisId: string;
  createdAt: number;
  pPersonal: number;
  pPopulation: number;
  feedbackCountBefore: number;
  /** Null for a comparison moved in from another store (counted there when it was recorded). */
  metrics: { day: number; increment: MetricsIncrement } | null;
}

export interface DeleteMessage {
  kind: "delete";
  tenantId: string;
  userId: string;
  id: string;
  at: number;
}

export type ArchiveMessage = ComparisonMessage | DeleteMessage;

/** Cloudflare Queues' limits on one sendBatch: 100 messages and 256 KB (less a margin for per-message overhead). */
export const QUEUE_BATCH_MESSAGES = 100;
export const QUEUE_BATCH_BYTES = 240_000;

const encoder = new TextEncoder();

/** The messages in order, cut into batches the queue accepts (one message is at most ~90 KB: two d = 4,096 vectors). */
export function queueBatches(messages: readonly ArchiveMessage[]): ArchiveMessage[][] {
  const batches: ArchiveMessage[][] = [];
  let batch: ArchiveMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = encoder.encode(JSON.stringify(m)).byteLength;
    if (batch.length > 0 && (batch.length === QUEUE_BATCH_MESSAGES || bytes + size > QUEUE_BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(m);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

