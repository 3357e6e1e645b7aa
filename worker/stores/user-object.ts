// One end user of one tenant in a SQLite-backed Durable Object (the scale-out user store; docs/scale.md): the
// posterior row (the hot path reads only it) and the raw comparison log live together in the object's own SQLite.
// The object serializes its user's writes: every read-modify-write below runs synchronously (no await between the
// read and the commit), so concurrent comparisons apply one after the other, with no optimistic retry loop.
// Each comparison is also put in an outbox in the same transaction and sent to the archive queue after the commit
// (archive.ts: R2 NDJSON and the metrics rollup); an unsent outbox row is retried by the object's alarm, and the
// queue consumer is idempotent by comparison id, so nothing is lost or counted twice.
import { DurableObject } from "cloudflare:workers";
import { phiDifference } from "../../core/phi.ts";
import type { Gaussian, PrefCore } from "../../core/types.ts";
import { getCore } from "../core.ts";
import { getDb } from "../db/client.ts";
import { decodeEmbedding, encodeEmbedding, packLowerTriangle, unpackLowerTriangle } from "../db/columns.ts";
import type { Bindings } from "../env.ts";
import { ApiError } from "../errors.ts";
import { dayOf } from "../limits/quota.ts";
import { metricsIncrement, predictComparison } from "../metrics/progressive.ts";
import { residentBasis, type ResidentBasis } from "../services/bases.ts";
import { appendObservation, checkPosterior, observationsOf } from "../services/posterior.ts";
import { type ArchiveMessage, queueBatches } from "./archive-message.ts";
import { refusalsAsValuesAsync, type RpcResult } from "./rpc-result.ts";
import { USER_OBJECT_SCHEMA } from "./user-object-schema.ts";
import type { ComparisonInput, CurrentUser, LogEntry, Recorded, UserData } from "./user-store.ts";

const OUTBOX_BATCH = 100;
const OUTBOX_RETRY_MS = 10_000;

type StateRow = {
  tenant_id: string;
  user_id: string;
  basis_id: string;
  j: number;
  mean: ArrayBuffer;
  precision_chol: ArrayBuffer;
  observations: ArrayBuffer;
  feedback_count: number;
  version: number;
  created_at: number;
  updated_at: number;
};

type LogRow = {
  seq: number;
  id: string;
  prompt_hash: string;
  chosen: string;
  rejected: string;
  chosen_hash: string;
  rejected_hash: string;
  embedder_id: string;
  label: number;
  event_id: string | null;
  idempotency_key: string | null;
  request_hash: string;
  basis_id: string;
  created_at: number;
};

const f64 = (b: ArrayBuffer) => new Float64Array(b.slice(0));
const bytes = (v: Float64Array) => v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength);

/** One comparison being moved in, as the source store holds it (embeddings in their stored text form; keyed hashes). */
export interface MovedEntry extends Omit<LogEntry, "chosen" | "rejected" | "hashScheme"> {
  chosen: string;
  rejected: string;
  requestHash: string;
  pPersonal: number | null;
  pPopulation: number | null;
  feedbackCountBefore: number | null;
}

/** The moved user as the object now holds it. */
export interface Moved {
  feedbackCount: number;
  /** Entries that were new here. */
  added: number;
  mean: number[];
  precisionChol: number[];
}

export interface UserAddress {
  tenantId: string;
  userId: string;
}

export class UserObject extends DurableObject<Bindings> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    for (const statement of USER_OBJECT_SCHEMA) this.sql.exec(statement);
  }

  private async basis(basisId: string): Promise<{ core: PrefCore; basis: ResidentBasis }> {
    const core = await getCore();
    const basis = await residentBasis(getDb(this.env.DB, Number(this.env.D1_TIMEOUT_MS ?? 10_000)), core, basisId);
    if (!basis) throw ApiError.conflict("no_basis", `basis ${basisId} does not exist`, "basis");
    return { core, basis };
  }

  private state(): StateRow | null {
    return (this.sql.exec<StateRow>("select * from state where k = 1").toArray()[0] as StateRow | undefined) ?? null;
  }

  /** The state in `basis` (synchronous): stored, or re-fitted from the raw log (and stored) if the basis changed. */
  private stateIn(core: PrefCore, basis: ResidentBasis): StateRow | null {
    const row = this.state();
    if (!row || row.basis_id === basis.id) return row;
    const log = this.sql.exec<{ chosen: string; rejected: string; label: number }>("select chosen, rejected, label from log order by seq").toArray();
    const { d, J } = basis;
    const rows = new Float64Array(log.length * (J + 1));
    log.forEach((f, i) => {
      const E = new Float64Array(2 * d);
      const [a, b] = [decodeEmbedding(f.chosen), decodeEmbedding(f.rejected)];
      if (a.length !== d || b.length !== d) throw ApiError.conflict("embedder_mismatch", `stored feedback has embeddings of length ${a.length}; basis ${basis.id} expects d=${d}`);
      E.set(a, 0);
      E.set(b, d);
      rows[i * (J + 1)] = f.label;
      phiDifference(core.project(basis.id, E, 2), J, 0, 1, rows, i * (J + 1) + 1);
    });
    const fit = log.length === 0 ? { posterior: basis.prior } : core.fitPosterior(basis.prior, observationsOf(rows, J));
    checkPosterior(fit.posterior);
    this.sql.exec(
      "update state set basis_id = ?, j = ?, mean = ?, precision_chol = ?, observations = ?, version = version + 1 where k = 1",
      basis.id,
      J,
      bytes(fit.posterior.mean),
      bytes(packLowerTriangle(fit.posterior.precisionChol)),
      bytes(rows),
    );
    return this.state();
  }

  private gaussian(row: StateRow): Gaussian {
    return { J: row.j, mean: f64(row.mean), precisionChol: unpackLowerTriangle(f64(row.precision_chol)) };
  }

  /** The user's posterior under `basisId`; null if this object holds no user. */
  current(basisId: string): Promise<RpcResult<CurrentUser | null>> {
    return refusalsAsValuesAsync(() => this.currentIn(basisId));
  }

  private async currentIn(basisId: string): Promise<CurrentUser | null> {
    if (!this.state()) return null;
    const { core, basis } = await this.basis(basisId);
    const row = this.ctx.storage.transactionSync(() => this.stateIn(core, basis));
    if (!row) return null;
    return { posterior: this.gaussian(row), feedbackCount: row.feedback_count, updatedAt: row.updated_at };
  }

  /** Adds one comparison (idempotent by idempotency key and by comparison id). */
  record(at: UserAddress, basisId: string, embedderId: string, input: ComparisonInput): Promise<RpcResult<Recorded>> {
    return refusalsAsValuesAsync(() => this.recordIn(at, basisId, embedderId, input));
  }

  private async recordIn(at: UserAddress, basisId: string, embedderId: string, input: ComparisonInput): Promise<Recorded> {
    const { core, basis } = await this.basis(basisId);
    // From here to the commit nothing awaits: this object's writes are serialized.
    const outcome = this.ctx.storage.transactionSync((): { recorded: Recorded; message?: ArchiveMessage } => {
      const replay = this.replay(input);
      if (replay) return { recorded: replay };
      const row = this.stateIn(core, basis);
      const { d, J } = basis;
      const before: Gaussian = row ? this.gaussian(row) : basis.prior;
      const observations = row ? f64(row.observations) : new Float64Array(0);
      const count = row?.feedback_count ?? 0;
      const z = phiDifference(core.project(basis.id, input.E, 2), J, 0, 1);
      const prediction = predictComparison(before, basis.prior, z, input.label);
      const rows = appendObservation(observations, z, input.label);
      const fit = core.fitPosterior(basis.prior, observationsOf(rows, J));
      checkPosterior(fit.posterior);
      const [chosen, rejected] = [encodeEmbedding(input.E.slice(0, d)), encodeEmbedding(input.E.slice(d, 2 * d))];
      const seq = this.sql.exec<{ seq: number }>(
        `insert into log (id, prompt_hash, chosen, rejected, chosen_hash, rejected_hash, embedder_id, label, event_id, idempotency_key,
           request_hash, basis_id, created_at, p_personal, p_population, feedback_count_before)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning seq`,
        input.id, input.promptHash, chosen, rejected, input.chosenHash, input.rejectedHash, embedderId, input.label, input.eventId,
        input.idempotencyKey, input.requestHash, basis.id, input.now, prediction.personal, prediction.population, count,
      ).one().seq;
      const version = (row?.version ?? 0) + 1;
      this.sql.exec(
        `insert into state (k, tenant_id, user_id, basis_id, j, mean, precision_chol, observations, feedback_count, version, created_at, updated_at)
         values (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (k) do update set basis_id = excluded.basis_id, j = excluded.j, mean = excluded.mean, precision_chol = excluded.precision_chol,
           observations = excluded.observations, feedback_count = excluded.feedback_count, version = excluded.version, updated_at = excluded.updated_at`,
        at.tenantId, at.userId, basis.id, J, bytes(fit.posterior.mean), bytes(packLowerTriangle(fit.posterior.precisionChol)), bytes(rows),
        count + 1, version, row?.created_at ?? input.now, input.now,
      );
      const message: ArchiveMessage = {
        kind: "comparison",
        tenantId: at.tenantId,
        userId: at.userId,
        id: input.id,
        userSeq: seq,
        promptHash: input.promptHash,
        chosen,
        rejected,
        label: input.label,
        embedderId,
        basisId: basis.id,
        createdAt: input.now,
        pPersonal: prediction.personal,
        pPopulation: prediction.population,
        feedbackCountBefore: count,
        metrics: { day: dayOf(input.now), increment: metricsIncrement(prediction, input.label, count) },
      };
      this.sql.exec("insert into outbox (id, body) values (?, ?)", input.id, JSON.stringify(message));
      return { recorded: { user: { feedback_count: count + 1, version }, duplicate: false }, message };
    });
    if (outcome.message) await this.send([outcome.message]);
    return outcome.recorded;
  }

  /**
   * Moving a user here from another store (services/move-tenant.ts): adds the log entries it does not hold yet (by
   * comparison id: re-running a move adds nothing twice, and comparisons that arrived here meanwhile stay), then
   * re-fits the posterior exactly from the whole log under `basisId` and stores it. The moved comparisons go to the
   * archive too (their metrics were counted where they were first recorded); `archive: false` is for synthetic
   * users written straight into the store by `npm run bench:scale`, which have no archive to join.
   */
  importLog(at: UserAddress, basisId: string, entries: MovedEntry[], { archive = true }: { archive?: boolean } = {}): Promise<RpcResult<Moved>> {
    return refusalsAsValuesAsync(async () => {
      const { core, basis } = await this.basis(basisId);
      const { moved, messages } = this.ctx.storage.transactionSync(() => {
        const messages: ArchiveMessage[] = [];
        for (const e of entries) {
          if (this.sql.exec("select 1 from log where id = ?", e.id).toArray().length > 0) continue;
          const seq = this.sql.exec<{ seq: number }>(
            `insert into log (id, prompt_hash, chosen, rejected, chosen_hash, rejected_hash, embedder_id, label, event_id, idempotency_key,
               request_hash, basis_id, created_at, p_personal, p_population, feedback_count_before)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning seq`,
            e.id, e.promptHash, e.chosen, e.rejected, e.chosenHash, e.rejectedHash, e.embedderId, e.label, e.eventId, e.idempotencyKey,
            e.requestHash, e.basisId, e.createdAt, e.pPersonal, e.pPopulation, e.feedbackCountBefore,
          ).one().seq;
          messages.push({
            kind: "comparison", tenantId: at.tenantId, userId: at.userId, id: e.id, userSeq: seq, promptHash: e.promptHash, chosen: e.chosen,
            rejected: e.rejected, label: e.label, embedderId: e.embedderId, basisId: e.basisId, createdAt: e.createdAt,
            pPersonal: e.pPersonal ?? NaN, pPopulation: e.pPopulation ?? NaN, feedbackCountBefore: e.feedbackCountBefore ?? -1, metrics: null,
          });
          if (archive) this.sql.exec("insert into outbox (id, body) values (?, ?)", e.id, JSON.stringify(messages[messages.length - 1]));
          else messages.pop();
        }
        const n = this.sql.exec<{ n: number; first: number | null; last: number | null }>("select count(*) as n, min(created_at) as first, max(created_at) as last from log").one();
        if (n.n === 0) return { moved: { feedbackCount: 0, added: 0, mean: [] as number[], precisionChol: [] as number[] }, messages };
        // A placeholder row in another basis makes stateIn re-fit from the log and store the result.
        this.sql.exec(
          `insert into state (k, tenant_id, user_id, basis_id, j, mean, precision_chol, observations, feedback_count, version, created_at, updated_at)
           values (1, ?, ?, '', 0, x'', x'', x'', ?, 0, ?, ?)
           on conflict (k) do update set basis_id = '', feedback_count = excluded.feedback_count, updated_at = max(updated_at, excluded.updated_at)`,
          at.tenantId, at.userId, n.n, n.first, n.last,
        );
        const row = this.stateIn(core, basis)!;
        const g = this.gaussian(row);
        return { moved: { feedbackCount: row.feedback_count, added: messages.length, mean: Array.from(g.mean), precisionChol: Array.from(g.precisionChol) }, messages };
      });
      await this.send(messages);
      return moved;
    });
  }

  /** The stored comparison under this idempotency key: a replay (duplicate) or a conflict; null if none. */
  private replay(input: ComparisonInput): Recorded | null {
    if (!input.idempotencyKey) return null;
    const prior = this.sql.exec<{ request_hash: string }>("select request_hash from log where idempotency_key = ?", input.idempotencyKey).toArray()[0];
    if (!prior) return null;
    if (prior.request_hash !== input.requestHash)
      throw ApiError.conflict("idempotency_conflict", "this idempotency key was used for a different request", "idempotency_key");
    const row = this.state();
    return { user: { feedback_count: row?.feedback_count ?? 0, version: row?.version ?? 0 }, duplicate: true };
  }

  /** Sends outbox messages in batches the queue accepts; what fails stays in the outbox for the alarm. */
  private async send(messages: ArchiveMessage[]): Promise<void> {
    for (const batch of queueBatches(messages)) {
      try {
        await this.env.ARCHIVE_QUEUE.sendBatch(batch.map((body) => ({ body, contentType: "json" as const })));
        for (const m of batch) this.sql.exec("delete from outbox where id = ?", m.id);
      } catch (err) {
        console.warn(JSON.stringify({ msg: "archive_send_failed", error: String(err) }));
        if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
        return;
      }
    }
  }

  override async alarm(): Promise<void> {
    const pending = this.sql.exec<{ body: string }>(`select body from outbox order by rowid limit ${OUTBOX_BATCH}`).toArray();
    if (pending.length > 0) await this.send(pending.map((r) => JSON.parse(r.body) as ArchiveMessage));
    // More than one batch was waiting: the next one goes at once (a failed send has already set a later alarm).
    if (pending.length === OUTBOX_BATCH && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  /** Deletes the user: state, log and outbox in one step; the archive learns of it through the queue. */
  async remove(at: UserAddress): Promise<boolean> {
    const existed = this.state() !== null;
    const message: ArchiveMessage = { kind: "delete", tenantId: at.tenantId, userId: at.userId, id: `del-${crypto.randomUUID()}`, at: Date.now() };
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("delete from state");
      this.sql.exec("delete from log");
      this.sql.exec("delete from outbox");
      if (existed) this.sql.exec("insert into outbox (id, body) values (?, ?)", message.id, JSON.stringify(message));
    });
    if (existed) await this.send([message]);
    return existed;
  }

  /** Everything stored about the user; null if nothing. */
  exportUser(): UserData | null {
    const row = this.state();
    if (!row) return null;
    const log = this.sql.exec<LogRow>("select * from log order by seq").toArray().map(
      (f): LogEntry => ({
        id: f.id,
        createdAt: f.created_at,
        promptHash: f.prompt_hash,
        hashScheme: 1,
        chosen: decodeEmbedding(f.chosen),
        rejected: decodeEmbedding(f.rejected),
        chosenHash: f.chosen_hash,
        rejectedHash: f.rejected_hash,
        embedderId: f.embedder_id,
        label: f.label,
        eventId: f.event_id,
        idempotencyKey: f.idempotency_key,
        basisId: f.basis_id,
      }),
    );
    const g = this.gaussian(row);
    return {
      basisId: row.basis_id,
      J: row.j,
      mean: g.mean,
      precisionChol: g.precisionChol,
      observations: f64(row.observations),
      feedbackCount: row.feedback_count,
      version: row.version,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      log,
    };
  }

  /** (chosen, rejected) content hashes of the comparisons answered for a prompt (its keyed hash). */
  answeredPairs(promptHash: string): { chosen: string; rejected: string }[] {
    return this.sql
      .exec<{ chosen: string; rejected: string }>("select chosen_hash as chosen, rejected_hash as rejected from log where prompt_hash = ?", promptHash)
      .toArray();
  }

  /** Bytes of this object's database, and of the state row the hot path reads (docs/scale.md, bench:scale). */
  sizes(): { database: number; hot: number } {
    const hot = this.sql
      .exec<{ n: number | null }>("select length(tenant_id) + length(user_id) + length(basis_id) + length(mean) + length(precision_chol) + length(observations) + 6 * 8 as n from state")
      .toArray()[0]?.n;
    return { database: this.ctx.storage.sql.databaseSize, hot: hot ?? 0 };
  }
}
