// The D1 schema: the single source of truth. `npm run db:generate` (drizzle-kit) writes migrations/ from it.
//
// Every row that belongs to a tenant carries tenant_id, and every query filters on it.
// Times are epoch milliseconds. Float vectors are base64 text of their little-endian bytes: float64, a Cholesky
// factor packed to its lower triangle, log embeddings as float32 when that is exact (see columns.ts).
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { embedding, f64, lowerTriangular } from "./columns.ts";

export const EMBEDDER_KINDS = ["vectors", "openai", "workers-ai"] as const;

/** Where a tenant's end users (posterior + raw log) live: D1 (this database), or one SQLite-backed Durable Object
 * per user (docs/scale.md). */
export const USER_STORES = ["d1", "durable-objects"] as const;
export type UserStoreKind = (typeof USER_STORES)[number];
export type EmbedderKind = (typeof EMBEDDER_KINDS)[number];

/** A basis artifact (what `pref train` writes), global and immutable once uploaded; activated per tenant. */
export const bases = sqliteTable(
  "bases",
  {
    id: text("id").primaryKey(),
    embedderId: text("embedder_id").notNull(),
    d: integer("d").notNull(),
    J: integer("j").notNull(),
    /** J x d row-major. */
    W: f64("w").notNull(),
    mu0: f64("mu0").notNull(),
    /** J x J row-major prior covariance. */
    sigma0: f64("sigma0").notNull(),
    labels: text("labels", { mode: "json" }).$type<string[] | null>(),
    /** The artifact's remaining fields (format, created_at, training metadata). */
    meta: text("meta", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** The service-wide default basis (used by tenants that have not activated one). At most one row. */
    isDefault: integer("is_default", { mode: "boolean" }).notNull().default(false),
    uploadedAt: integer("uploaded_at").notNull(),
  },
  (t) => [uniqueIndex("bases_one_default").on(t.isDefault).where(sql`is_default = 1`)],
);

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  embedderKind: text("embedder_kind", { enum: EMBEDDER_KINDS }).notNull(),
  /** The embedding recipe this tenant's vectors come from; a basis must have been trained on the same one. */
  embedderId: text("embedder_id").notNull(),
  /** Model name passed to the openai / workers-ai embedder. */
  embedderModel: text("embedder_model"),
  /** Explicitly activated basis; null = the service default. */
  basisId: text("basis_id").references(() => bases.id),
  createdAt: integer("created_at").notNull(),
  // The tenant's upstream chat LLM (/v1/chat/completions); null = the Worker's UPSTREAM_* vars.
  upstreamUrl: text("upstream_url"),
  upstreamModel: text("upstream_model"),
  /** Candidates per chat completion (1-16). */
  upstreamN: integer("upstream_n"),
  upstreamUseN: integer("upstream_use_n", { mode: "boolean" }),
  /** Name of the secret holding this tenant's upstream key (UPSTREAM_API_KEY_<NAME>); keys never live in D1. */
  upstreamKeySecret: text("upstream_key_secret"),
  /** Forward the request's `model` to the upstream instead of the configured model. */
  upstreamModelPassthrough: integer("upstream_model_passthrough", { mode: "boolean" }),
  /** Rate-limit plan of the tenant's API keys (a RATE_LIMIT_<PLAN> binding, or "unlimited"); null = RATE_LIMIT_PLAN. */
  rateLimitPlan: text("rate_limit_plan"),
  /** Requests per API key per UTC day; null = no quota. */
  dailyQuota: integer("daily_quota"),
  /** The tenant's user store (USER_STORES); null = the Worker's PREF_USER_STORE, else "d1". */
  userStore: text("user_store", { enum: USER_STORES }),
});

/** Tenant API keys, stored only as SHA-256 hashes. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    keyHash: text("key_hash").notNull(),
    /** The first characters of the key, to tell keys apart in listings. */
    prefix: text("prefix").notNull(),
    name: text("name"),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_key_hash").on(t.keyHash), index("api_keys_tenant").on(t.tenantId)],
);

/** Requests admitted per API key per UTC day (for daily quotas); written behind by each isolate (limits/quota.ts). */
export const keyUsage = sqliteTable(
  "key_usage",
  {
    keyId: text("key_id")
      .notNull()
      .references(() => apiKeys.id),
    /** Days since 1970-01-01 (UTC). */
    day: integer("day").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.day] })],
);

/** How feedback.prompt_hash and feedback.request_hash were computed (docs/prompt-hashes.md). */
export const HASH_SCHEMES = { sha256: 0, keyed: 1 } as const;

/**
 * One end user of a tenant: the Laplace posterior over their weights in the space of `basis_id`.
 * `observations` caches the feedback log projected on that basis (n rows of [label, z_1..z_J]) so a feedback
 * request can refit exactly from one row read; it is derived data, recomputable from `feedback`.
 */
export const users = sqliteTable(
  "users",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    userId: text("user_id").notNull(),
    basisId: text("basis_id")
      .notNull()
      .references(() => bases.id),
    J: integer("j").notNull(),
    mean: f64("mean").notNull(),
    /** Lower Cholesky factor of the posterior precision, J x J row-major (stored packed: columns.ts). */
    precisionChol: lowerTriangular("precision_chol").notNull(),
    observations: f64("observations").notNull(),
    feedbackCount: integer("feedback_count").notNull(),
    /** Optimistic-concurrency version: every write is `... WHERE version = <read version>`. */
    version: integer("version").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] })],
);

/**
 * The append-only comparison log. Each row is self-contained (both embeddings), enough to recompute any posterior
 * under any basis trained on the same embedder.
 */
export const feedback = sqliteTable(
  "feedback",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    userId: text("user_id").notNull(),
    /** Keyed hash of the prompt text (the text itself is not stored): HMAC-SHA-256 under a per-tenant key derived
     * from the HASH_SECRET secret, of the text's SHA-256; plain SHA-256 in rows with hash_scheme 0. */
    promptHash: text("prompt_hash").notNull(),
    /** The two embeddings (as float32 when that is exact: columns.ts), and their content hashes (SHA-256 of the
     * float64 bytes; identify a response). */
    chosen: embedding("chosen_embedding").notNull(),
    rejected: embedding("rejected_embedding").notNull(),
    chosenHash: text("chosen_hash").notNull(),
    rejectedHash: text("rejected_hash").notNull(),
    embedderId: text("embedder_id").notNull(),
    /** 1 = chosen preferred, 0.5 = tie. */
    label: real("label").notNull(),
    eventId: text("event_id"),
    idempotencyKey: text("idempotency_key"),
    /** Keyed hash of the request (like prompt_hash), to tell a replay from a different request reusing an
     * idempotency key; "" without an idempotency key. */
    requestHash: text("request_hash").notNull(),
    /** 0: prompt_hash and request_hash are plain SHA-256 (rows from before keyed hashing, until re-keyed);
     * 1: keyed (HASH_SCHEMES). */
    hashScheme: integer("hash_scheme").notNull().default(0),
    /** The basis the user's posterior was in when this comparison arrived (informational). */
    basisId: text("basis_id").notNull(),
    createdAt: integer("created_at").notNull(),
    /**
     * Progressive validation (docs/metrics.md): the likelihood of the user's answer predicted before it updated
     * anything, under their posterior as it was (p_personal) and under the basis's prior (p_population, what a user
     * with no answers gets); and how many comparisons the user had given before. Null in rows from before they were
     * recorded.
     */
    pPersonal: real("p_personal"),
    pPopulation: real("p_population"),
    feedbackCountBefore: integer("feedback_count_before"),
  },
  (t) => [
    uniqueIndex("feedback_id").on(t.id),
    index("feedback_user").on(t.tenantId, t.userId, t.promptHash),
    uniqueIndex("feedback_idempotency").on(t.tenantId, t.idempotencyKey),
    // The export pages through one tenant's log in seq order.
    index("feedback_tenant_seq").on(t.tenantId, t.seq),
  ],
);

/**
 * The progressive-validation rollup: per tenant, UTC day, feedback-count bucket and basis, sums over the comparisons
 * recorded (written in the same batch as each comparison), so /metrics reads a few rows, never the log.
 * "correct": the favoured side was chosen (a prediction of exactly 1/2, or a tie, counts half); ties are counted in
 * `comparisons` and the log-losses but not in `decided` or the accuracies. lift = personal - population correctness
 * per decided comparison, with its sum of squares for the interval.
 */
export const feedbackMetrics = sqliteTable(
  "feedback_metrics",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    day: integer("day").notNull(),
    /** Feedback-count bucket: 0, 1-4, 5-9, 10-19, 20+ as 0..4 (metrics.ts). */
    bucket: integer("bucket").notNull(),
    basisId: text("basis_id").notNull(),
    comparisons: integer("comparisons").notNull(),
    decided: integer("decided").notNull(),
    personalCorrect: real("personal_correct").notNull(),
    populationCorrect: real("population_correct").notNull(),
    personalLogLoss: real("personal_log_loss").notNull(),
    populationLogLoss: real("population_log_loss").notNull(),
    liftSquares: real("lift_squares").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.day, t.bucket, t.basisId] })],
);

/** Requests per tenant, UTC day and kind (rank, chat, questions asked and declined), written behind (usage.ts). */
export const usageDaily = sqliteTable(
  "usage_daily",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    day: integer("day").notNull(),
    kind: text("kind").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.day, t.kind] })],
);

/**
 * Every basis activation of a tenant, newest last (basis null = the service default). Rollback marks the newest
 * live one rolled back and re-activates the one before it.
 */
export const basisActivations = sqliteTable(
  "basis_activations",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    basisId: text("basis_id"),
    /** The tenant's explicit basis before this activation (what rollback returns to when nothing older is live). */
    previousBasisId: text("previous_basis_id"),
    activatedAt: integer("activated_at").notNull(),
    rolledBackAt: integer("rolled_back_at"),
  },
  (t) => [index("basis_activations_tenant").on(t.tenantId, t.seq)],
);

export type BasisRow = typeof bases.$inferSelect;
export type TenantRow = typeof tenants.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type FeedbackRow = typeof feedback.$inferSelect;

/**
 * Comparisons of Durable-Object tenants the archive consumer has already taken (stores/archive.ts): the queue may
 * redeliver, and a comparison must reach the R2 archive and the metrics rollup once. Pruned after ARCHIVE_SEEN_DAYS
 * (longer than any redelivery), so it stays a few days of comparisons, not the whole log.
 */
export const archiveSeen = sqliteTable(
  "archive_seen",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    day: integer("day").notNull(),
  },
  (t) => [index("archive_seen_day").on(t.day)],
);

/** Users of Durable-Object tenants deleted after their comparisons were archived: the export leaves them out. */
export const archiveTombstones = sqliteTable(
  "archive_tombstones",
  {
    tenantId: text("tenant_id").notNull(),
    userId: text("user_id").notNull(),
    deletedAt: integer("deleted_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] })],
);
