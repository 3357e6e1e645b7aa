// Recording one comparison ("this user preferred `chosen` over `rejected`", or a tie): the write protocol of
// POST /v1/feedback.
// Read (one D1 query: key -> tenant -> user row with its observation cache, plus the idempotency lookup), embed and
// hash the comparison, and hand it to the tenant's user store (stores/), which predicts it, refits exactly (from the
// prior mean: a posterior is a pure function of prior and log) and stores it. The D1 store writes optimistically: a lost race (null) re-reads and retries here. A Durable-Object
// store serializes its user's writes and never loses one.
// D1 store only: when this isolate wrote the user's previous comparison (written-users.ts), the first attempt skips the read: it
// updates what it wrote, and the write's guard also checks what the read would have (key, tenant, basis). So a
// user answering a run of questions costs one D1 round trip per answer, not two.
import type { Context } from "hono";
import type { Config } from "../config.ts";
import { newId, vectorHash } from "../crypto.ts";
import { embedAll, embedderFor, embeddingScope, type CandidateInput } from "../embedders/index.ts";
import type { TenantInfo } from "../domain.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { admit } from "../limits/admit.ts";
import type { ResidentBasis } from "./bases.ts";
import { tenantBasis, userContext } from "./context.ts";
import { matches, textHashes, type TextHashes } from "./hashes.ts";
import { writtenUsers } from "./written-users.ts";
import { writeComparisonD1, type StoredState } from "../stores/d1-record.ts";
import type { ComparisonInput, Recorded } from "../stores/user-store.ts";

/** One comparison as the caller sent it (validated). */
export interface Comparison {
  user: string;
  prompt: string;
  chosen: CandidateInput;
  rejected: CandidateInput;
  tie: boolean;
  event_id?: string;
  idempotency_key?: string;
}

export type { Recorded };

interface Embedded {
  /** The embedder and dimension these came from. */
  by: string;
  /** chosen then rejected, 2 x d. */
  E: Float64Array;
  hashes: [string, string];
}

/** Jittered exponential backoff between optimistic-concurrency retries. */
const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * Math.min(2 ** attempt, 25)));

export async function recordComparison(c: Context<AppEnv>, cfg: Config, body: Comparison): Promise<Recorded> {
  const label = body.tie ? 0.5 : 1;
  const keyHash = c.var.keyHash;
  // Fingerprint of the (validated) request, to tell a replay from a reuse of its idempotency key.
  const fingerprint = () =>
    JSON.stringify([body.user, body.prompt, body.chosen, body.rejected, body.tie, body.event_id ?? null], (_k, v) =>
      ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v,
    );
  // Keyed hashes (hashes.ts), under the tenant's key: known once the tenant is.
  let hashed: { tenant: string; prompt: TextHashes; request: TextHashes | null } | undefined;
  const hashesFor = async (tenantId: string) => {
    if (hashed?.tenant !== tenantId) {
      const [prompt, request] = await Promise.all([
        textHashes(c.env, tenantId, "prompt", body.prompt),
        body.idempotency_key ? textHashes(c.env, tenantId, "request", fingerprint()) : null,
      ]);
      hashed = { tenant: tenantId, prompt, request };
    }
    return hashed;
  };

  // The two responses embedded once per embedder and dimension (a retry under a changed tenant re-embeds).
  let embedded: Embedded | undefined;
  const embed = async (tenant: TenantInfo, d: number): Promise<Embedded> => {
    const by = `${tenant.embedderKind}\u0000${tenant.embedderId}\u0000${tenant.embedderModel}\u0000${d}`;
    if (embedded?.by === by) return embedded;
    const E = await embedAll([body.chosen, body.rejected], ["chosen", "rejected"], embedderFor(tenant, c.env, cfg), d, {
      caller: tenant.id,
      maxTextBytes: cfg.maxTextBytes,
      // A chat's candidates come back here as chosen and rejected: embedded once, with the same vectors.
      cacheScope: embeddingScope(tenant, cfg),
    });
    const hashes = await Promise.all([vectorHash(E.subarray(0, d)), vectorHash(E.subarray(d))]);
    if (hashes[0] === hashes[1] && !body.tie)
      throw ApiError.unprocessable("unprocessable", "chosen and rejected are the same response (send tie: true for a tie)", "rejected");
    return (embedded = { by, E, hashes: hashes as [string, string] });
  };

  /** The comparison, embedded and hashed for this tenant and basis, ready for the store. */
  const prepare = async (tenant: TenantInfo, basis: ResidentBasis): Promise<ComparisonInput> => {
    const [{ E, hashes }, { prompt, request }] = await Promise.all([embed(tenant, basis.d), hashesFor(tenant.id)]);
    return {
      id: newId("fb", 16),
      userId: body.user,
      label,
      E,
      chosenHash: hashes[0],
      rejectedHash: hashes[1],
      promptHash: prompt.keyed,
      requestHash: request?.keyed ?? "",
      eventId: body.event_id ?? null,
      idempotencyKey: body.idempotency_key ?? null,
      now: Date.now(),
    };
  };

  // First attempt without the read, from what this isolate last wrote for the user (if it is still usable).
  // (It was written in the tenant's basis, so that basis is the one to update it in.)
  let keyId = "";
  const known = writtenUsers.get(keyHash, body.user);
  if (known) {
    // Admitted like any request (rate limit, quota), by what this isolate knows of the key.
    c.var.log.user = body.user;
    await admit(c, known.tenant, { id: known.keyId });
    keyId = known.keyId;
    const db = c.var.db;
    const core = await c.var.core();
    const basis = await tenantBasis(db, core, known.tenant).catch(() => null);
    if (basis) {
      const stored: StoredState = {
        posterior: { J: known.J, mean: known.mean, precisionChol: known.precisionChol },
        observations: known.observations,
        feedbackCount: known.feedbackCount,
        expected: { version: known.version, logHead: known.logHead },
      };
      // A refusal here (4xx, e.g. a dimension that no longer matches) may come from the remembered tenant being out
      // of date: the read path decides. Failures (5xx: the embedder, the core) are the same either way.
      const answer = await prepare(known.tenant, basis)
        .then((input) => writeComparisonD1(db, core, known.tenant, basis, stored, input, { keyHash, tenant: known.tenant }))
        .then((out) => {
          if (!out) return null;
          writtenUsers.remember(keyHash, body.user, { tenant: known.tenant, keyId, ...out.state, ...out.written });
          return { user: { feedback_count: out.state.feedbackCount, version: out.written.version }, duplicate: false };
        })
        .catch((err) => {
          if (err instanceof ApiError && err.status < 500) return null;
          throw err;
        });
      writtenUsers.outcomes[answer ? "landed" : "reread"]++;
      if (answer) return answer;
    }
  }

  for (let attempt = 1; ; attempt++) {
    // Each attempt reads (a lost race must see the winner's row); only the first is admitted and counted.
    const { session, basis, store, scope } = await userContext(c, body.user, { observations: true, idempotencyKey: body.idempotency_key, admitted: keyId !== "" });
    const { tenant, user } = session;
    keyId = session.key.id;

    // The D1 store's idempotency-key lookup came with the session read (other stores check it where they write).
    if (store.kind === "d1" && session.replay) {
      const { request } = await hashesFor(tenant.id);
      if (!request || !matches(session.replay.requestHash, session.replay.hashScheme, request))
        throw ApiError.conflict("idempotency_conflict", "this idempotency key was used for a different request", "idempotency_key");
      return { user: { feedback_count: user?.feedbackCount ?? 0, version: user?.version ?? 0 }, duplicate: true };
    }

    const answer = await store.record(scope, await prepare(tenant, basis));
    if (answer) return answer;
    if (attempt >= cfg.feedbackAttempts)
      throw ApiError.conflict("conflict", `too many concurrent updates of this user (${attempt} attempts); retry`);
    await backoff(attempt);
  }
}
