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
