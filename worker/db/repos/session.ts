// The one D1 read at the start of every /v1 request: the API key's hash joined with its tenant, the tenant's
// effective basis, the user's posterior row and (for feedback) an idempotency-key lookup. A missing row means
// the key is unknown or revoked. Everything is scoped by the key's tenant.
import { and, eq, isNull, sql } from "drizzle-orm";
import type { KeyInfo, StoredUser, TenantInfo } from "../../domain.ts";
import { ApiError } from "../../errors.ts";
import { preparedOnce, type Db } from "../client.ts";
import { apiKeys, feedback, keyUsage, tenants, users } from "../schema.ts";
import { effectiveBasisId, logHeadOf } from "../shared-sql.ts";

export interface Session {
  tenant: TenantInfo;
  key: KeyInfo;
  user: StoredUser | null;
  /** The comparison already stored under the request's idempotency key, if any. */
  replay: { userId: string; requestHash: string; hashScheme: number } | null;
}

export interface SessionOptions {
  keyHash: string;
  userId: string;
  observations?: boolean;
  idempotencyKey?: string;
  /** Also load the tenant's upstream chat settings (only chat needs them). */
  upstream?: boolean;
  /** Today (days since 1970-01-01 UTC), for the key's usage. */
  day: number;
}

/** The session query for one variant, with placeholders (keyHash, userId, idempotencyKey, day). */
function buildSessionQuery(db: Db, withObservations: boolean, withReplay: boolean, withUpstream: boolean) {
  const upstream = <T>(column: T) => (withUpstream ? column : sql<null>`null`);
  return db
    .select({
      keyId: apiKeys.id,
      usedToday: sql<number | null>`(select ${keyUsage.count} from ${keyUsage} where ${keyUsage.keyId} = ${apiKeys.id} and ${keyUsage.day} = ${sql.placeholder("day")})`,
      tenantId: tenants.id,
      rateLimitPlan: tenants.rateLimitPlan,
      dailyQuota: tenants.dailyQuota,
      userStore: tenants.userStore,
      embedderKind: tenants.embedderKind,
      embedderId: tenants.embedderId,
      embedderModel: tenants.embedderModel,
      basisId: effectiveBasisId,
      upstreamUrl: upstream(tenants.upstreamUrl),
      upstreamModel: upstream(tenants.upstreamModel),
      upstreamN: upstream(tenants.upstreamN),
      upstreamUseN: upstream(tenants.upstreamUseN),
      upstreamKeySecret: upstream(tenants.upstreamKeySecret),
      upstreamModelPassthrough: upstream(tenants.upstreamModelPassthrough),
      userBasisId: users.basisId,
      J: users.J,
      mean: users.mean,
      precisionChol: users.precisionChol,
      observations: withObservations ? users.observations : sql<null>`null`,
      logHead: withObservations ? logHeadOf(tenants.id, sql.placeholder("userId")) : sql<null>`null`,
      feedbackCount: users.feedbackCount,
      version: users.version,
      createdAt: users.createdAt,
      updatedAt: users.updatedAt,
      // [user_id, request_hash] of the comparison stored under this idempotency key (unique index lookup).
      replay: withReplay
        ? sql<string | null>`(select json_array(${feedback.userId}, ${feedback.requestHash}, ${feedback.hashScheme}) from ${feedback} where ${feedback.tenantId} = ${tenants.id} and ${feedback.idempotencyKey} = ${sql.placeholder("idempotencyKey")})`
        : sql<null>`null`,
    })
    .from(apiKeys)
    .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
    .leftJoin(users, and(eq(users.tenantId, tenants.id), eq(users.userId, sql.placeholder("userId"))))
    .where(and(eq(apiKeys.keyHash, sql.placeholder("keyHash")), isNull(apiKeys.revokedAt)))
    .limit(1);
}

type Prepared = ReturnType<ReturnType<typeof buildSessionQuery>["prepare"]>;

/** Prepared once per isolate and variant: the hot path does not rebuild SQL. */
export const sessionQuery = (db: Db, withObservations: boolean, withReplay: boolean, withUpstream: boolean): Prepared =>
  preparedOnce(db, `session:${withObservations}:${withReplay}:${withUpstream}`, () =>
    buildSessionQuery(db, withObservations, withReplay, withUpstream).prepare(),
  );

type SessionRow = Awaited<ReturnType<Prepared["all"]>>[number];

export function toSession(row: SessionRow | undefined, userId: string, withUpstream: boolean): Session {
  if (!row) throw ApiError.unauthorized();
  const user: StoredUser | null =
    row.userBasisId === null || row.mean === null || row.precisionChol === null
      ? null
      : {
          userId,
          basisId: row.userBasisId,
          J: row.J!,
          mean: row.mean,
          precisionChol: row.precisionChol,
          observations: (row.observations as Float64Array | null) ?? null,
          logHead: row.logHead ?? null,
          feedbackCount: row.feedbackCount!,
          version: row.version!,
          createdAt: row.createdAt!,
          updatedAt: row.updatedAt!,
        };
  return {
    key: { id: row.keyId, usedToday: row.usedToday ?? 0 },
    tenant: {
      id: row.tenantId,
      embedderKind: row.embedderKind,
      embedderId: row.embedderId,
      embedderModel: row.embedderModel,
      basisId: row.basisId,
      upstream: withUpstream
        ? {
            url: row.upstreamUrl,
            model: row.upstreamModel,
            n: row.upstreamN,
            useN: row.upstreamUseN,
            keySecret: row.upstreamKeySecret,
            modelPassthrough: row.upstreamModelPassthrough,
          }
        : null,
      limits: { plan: row.rateLimitPlan, dailyQuota: row.dailyQuota },
      userStore: row.userStore,
    },
    user,
    replay: row.replay ? parseReplay(row.replay) : null,
  };
}

function parseReplay(json: string): Session["replay"] {
  const [userId, requestHash, hashScheme] = JSON.parse(json) as [string, string, number];
  return { userId, requestHash, hashScheme };
}

export async function loadSession(db: Db, o: SessionOptions): Promise<Session> {
  const withReplay = o.idempotencyKey !== undefined;
  const withUpstream = !!o.upstream;
  const rows = await sessionQuery(db, !!o.observations, withReplay, withUpstream).all({
    keyHash: o.keyHash,
    userId: o.userId,
    day: o.day,
    ...(withReplay ? { idempotencyKey: o.idempotencyKey } : {}),
  });
  return toSession(rows[0], o.userId, withUpstream);
}
