// The D1 user store: a tenant's users in the control plane's D1 database (the `users` row with its observation
// cache, the append-only `feedback` log), written with optimistic concurrency (db/repos/users.ts). The user's row
// comes with the request's one session read (db/repos/session.ts), so rank reads D1 once.
import { feedbackExportRepo } from "../db/repos/feedback-export.ts";
import { usersRepo } from "../db/repos/users.ts";
import { currentPosterior } from "../services/posterior.ts";
import { writtenUsers } from "../services/written-users.ts";
import { writeComparisonD1 } from "./d1-record.ts";
import type { UserStore } from "./user-store.ts";

export const d1Store: UserStore = {
  kind: "d1",

  async current({ db, core, tenant, basis, stored }, userId) {
    if (!stored) return null;
    const current = await currentPosterior(db, core, tenant.id, userId, stored, basis);
    return { posterior: current.posterior, feedbackCount: current.feedbackCount, updatedAt: stored.updatedAt };
  },

  async record({ c, db, core, tenant, basis, stored }, input) {
    const current = await currentPosterior(db, core, tenant.id, input.userId, stored, basis, { persist: false });
    const stateBefore = {
      posterior: current.posterior,
      observations: current.observations ?? new Float64Array(0),
      feedbackCount: current.feedbackCount,
      expected: { version: stored?.version ?? 0, logHead: current.logHead },
    };
    const out = await writeComparisonD1(db, core, tenant, basis, stateBefore, input);
    if (!out) return null;
    const keyId = c.var.log.key ?? "";
    writtenUsers.remember(c.var.keyHash, input.userId, { tenant, keyId, ...out.state, ...out.written });
    return { user: { feedback_count: out.state.feedbackCount, version: out.written.version }, duplicate: false };
  },

  async delete({ db }, tenant, userId) {
    const deleted = await usersRepo.delete(db, tenant.id, userId);
    // Not needed for correctness (a write built on it would find the row gone and fall back), only to spare that.
    writtenUsers.forget(tenant.id, userId);
    return deleted;
  },

  async exportUser({ db }, tenant, userId, stored) {
    if (!stored) return null;
    const log = await usersRepo.logQuery(db, tenant.id, userId);
    return {
      basisId: stored.basisId,
      J: stored.J,
      mean: stored.mean,
      precisionChol: stored.precisionChol,
      observations: stored.observations ?? new Float64Array(0),
      feedbackCount: stored.feedbackCount,
      version: stored.version,
      createdAt: stored.createdAt,
      updatedAt: stored.updatedAt,
      log: log.map((f) => ({
        id: f.id,
        createdAt: f.createdAt,
        promptHash: f.promptHash,
        hashScheme: f.hashScheme,
        chosen: f.chosen,
        rejected: f.rejected,
        chosenHash: f.chosenHash,
        rejectedHash: f.rejectedHash,
        embedderId: f.embedderId,
        label: f.label,
        eventId: f.eventId,
        idempotencyKey: f.idempotencyKey,
        basisId: f.basisId,
      })),
    };
  },

  answeredPairs: ({ db }, tenant, userId, prompt) => usersRepo.answeredPairs(db, tenant.id, userId, prompt),

  async exportPage({ db }, tenantId, after, limit) {
    const rows = await feedbackExportRepo.page(db, tenantId, after, limit);
    return { rows, next: rows.length < limit ? null : rows[rows.length - 1].seq };
  },

  exportRemaining: ({ db }, tenantId, after) => feedbackExportRepo.remaining(db, tenantId, after),
};
