// The user store: where a tenant's end users live (their posterior and their raw comparison log), behind one
// interface. Routes and services ask `storeFor(tenant)` (select.ts) and never know which one answers:
//   - d1-store.ts: the tenant's users in the D1 database (the control plane's), for small deployments and `npm start`;
//   - durable-store.ts: one SQLite-backed Durable Object per user, for large tenants (docs/scale.md).
import type { Context } from "hono";
import type { Gaussian, PrefCore } from "../../core/types.ts";
import type { Db } from "../db/client.ts";
import type { ExportRow } from "../db/repos/feedback-export.ts";
import type { UserStoreKind } from "../db/schema.ts";
import type { PosteriorState, StoredUser, TenantInfo } from "../domain.ts";
import type { AppEnv, Bindings } from "../env.ts";
import type { ResidentBasis } from "../services/bases.ts";
import type { TextHashes } from "../services/hashes.ts";

/** The bindings a store reaches its data through. */
export interface StoreAccess {
  db: Db;
  env: Bindings;
}

/** What a store needs to serve one user of one tenant under the tenant's current basis. */
export interface StoreScope {
  c: Context<AppEnv>;
  db: Db;
  core: PrefCore;
  tenant: TenantInfo;
  basis: ResidentBasis;
  /** The user's D1 row, read with the request's session (the D1 store's; other stores ignore it). */
  stored: StoredUser | null;
}

/** The user as rank, questions, chat and the profile see them: the posterior under the tenant's current basis. */
export interface CurrentUser {
  posterior: Gaussian;
  feedbackCount: number;
  updatedAt: number;
}

/** One comparison, validated, embedded and hashed, ready to be stored. */
export interface ComparisonInput {
  /** The comparison's id (idempotency of everything downstream: the archive, the rollups). */
  id: string;
  userId: string;
  /** 1 = chosen preferred, 0.5 = tie. */
  label: number;
  /** chosen then rejected, 2 x d. */
  E: Float64Array;
  chosenHash: string;
  rejectedHash: string;
  /** Keyed hashes of the prompt and of the request ("" without an idempotency key). */
  promptHash: string;
  requestHash: string;
  eventId: string | null;
  idempotencyKey: string | null;
  now: number;
}

export interface Recorded {
  user: { feedback_count: number; version: number };
  /** True when the idempotency key had already been stored (nothing new was written). */
  duplicate: boolean;
}

/** One stored comparison, as a user's export shows it. */
export interface LogEntry {
  id: string;
  createdAt: number;
  promptHash: string;
  hashScheme: number;
  chosen: Float64Array;
  rejected: Float64Array;
  chosenHash: string;
  rejectedHash: string;
  embedderId: string;
  label: number;
  eventId: string | null;
  idempotencyKey: string | null;
  basisId: string;
}

/** Everything stored about a user. */
export interface UserData extends PosteriorState {
  version: number;
  createdAt: number;
  updatedAt: number;
  log: LogEntry[];
}

/** A page of the tenant's comparison log for the retraining export, and where the next one starts. */
export interface ExportPage {
  rows: ExportRow[];
  /** Pass as `after` for the next page; null = nothing more now. */
  next: number | null;
}

export interface UserStore {
  readonly kind: UserStoreKind;
  /** The user's posterior under scope.basis (re-fitted from the raw log and stored back if the basis changed);
   * null for a user the store has nothing about. */
  current(scope: StoreScope, userId: string): Promise<CurrentUser | null>;
  /** Adds one comparison: predicted first (progressive validation), then an exact re-fit of the user's whole log.
   * Null only when an optimistic write lost a race (the D1 store): re-read and call again. */
  record(scope: StoreScope, input: ComparisonInput): Promise<Recorded | null>;
  /** Deletes everything stored about the user; false if there was nothing. */
  delete(access: StoreAccess, tenant: TenantInfo, userId: string): Promise<boolean>;
  /** Everything stored about the user, null if nothing. */
  exportUser(access: StoreAccess, tenant: TenantInfo, userId: string, stored: StoredUser | null): Promise<UserData | null>;
  /** (chosen, rejected) content hashes this user already answered for a prompt. */
  answeredPairs(access: StoreAccess, tenant: TenantInfo, userId: string, prompt: TextHashes): Promise<{ chosen: string; rejected: string }[]>;
  /** The tenant's comparisons after `after`, oldest first, for the retraining export (never a scan of every user). */
  exportPage(access: StoreAccess, tenantId: string, after: number, limit: number): Promise<ExportPage>;
  /** How many comparisons the export has after `after` (for a progress bar; the archive's count includes deleted users'). */
  exportRemaining(access: StoreAccess, tenantId: string, after: number): Promise<number>;
}
