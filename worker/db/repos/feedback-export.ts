// The tenant's comparison log in seq order, for the export route: raw column text (no decoding of the stored
// vectors unless they must change form), paged by seq on the (tenant_id, seq) index.
import { and, count, eq, gt } from "drizzle-orm";
import type { Db } from "../client.ts";
import { feedback } from "../schema.ts";

export interface ExportRow {
  seq: number;
  user_id: string;
  prompt_hash: string;
  hash_scheme: number;
  chosen_embedding: string;
  rejected_embedding: string;
  label: number;
  embedder_id: string;
  basis_id: string;
  created_at: number;
  p_personal: number | null;
  p_population: number | null;
  feedback_count_before: number | null;
}

const PAGE_SQL = `select seq, user_id, prompt_hash, hash_scheme, chosen_embedding, rejected_embedding, label, embedder_id, basis_id,
  created_at, p_personal, p_population, feedback_count_before from feedback where tenant_id = ?1 and seq > ?2 order by seq limit ?3`;

export const feedbackExportRepo = {
  page: async (db: Db, tenantId: string, after: number, limit: number): Promise<ExportRow[]> =>
    (await db.$client.prepare(PAGE_SQL).bind(tenantId, after, limit).all<ExportRow>()).results,

  /** Comparisons after `after` (a range count on the index: asked for once per pull, for its progress bar). */
  remaining: async (db: Db, tenantId: string, after: number): Promise<number> =>
    (await db.select({ n: count() }).from(feedback).where(and(eq(feedback.tenantId, tenantId), gt(feedback.seq, after))).get())?.n ?? 0,
};
