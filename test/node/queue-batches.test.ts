// What a user's object sends to the archive queue is cut into batches within Cloudflare Queues' limits
// (100 messages, 256 KB per sendBatch), in order, nothing dropped.
import { describe, expect, it } from "vitest";
import { type ArchiveMessage, QUEUE_BATCH_BYTES, QUEUE_BATCH_MESSAGES, queueBatches } from "../../worker/stores/archive-message.ts";

const comparison = (i: number, embeddingChars: number): ArchiveMessage => ({
  kind: "comparison", tenantId: "t", userId: "u", id: `c${i}`, userSeq: i, promptHash: "p", chosen: "A".repeat(embeddingChars), rejected: "B".repeat(embeddingChars),
  label: 1, embedderId: "e", basisId: "b", createdAt: i, pPersonal: 0.5, pPopulation: 0.5, feedbackCountBefore: i, metrics: null,
});
const bytes = (batch: ArchiveMessage[]) => batch.reduce((s, m) => s + new TextEncoder().encode(JSON.stringify(m)).byteLength, 0);

describe("queue batches", () => {
  it("keeps every message in order, each batch within the count and byte limits", () => {
    for (const [n, chars] of [[250, 10], [120, 5_462], [30, 43_691]] as const) {
      // Small messages: 100 per batch. d = 1,024 float32 (5,462 base64 chars each side): ~21 per batch. d = 4,096 float64: 2.
      const messages = Array.from({ length: n }, (_, i) => comparison(i, chars));
      const batches = queueBatches(messages);
      expect(batches.flat().map((m) => m.id)).toEqual(messages.map((m) => m.id));
      for (const b of batches) {
        expect(b.length).toBeLessThanOrEqual(QUEUE_BATCH_MESSAGES);
        expect(bytes(b)).toBeLessThanOrEqual(QUEUE_BATCH_BYTES);
      }
      if (chars === 10) expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
      else expect(batches.length).toBeGreaterThan(Math.ceil(n / QUEUE_BATCH_MESSAGES));
    }
    expect(queueBatches([])).toEqual([]);
  });
});
