// The nouns the Worker passes between its layers: a tenant as a request sees it, the API key it came with, and a
// user's posterior as stored. Repositories (db/repos/) produce them; services, limits, embedders and the upstream
// client consume them.
import type { EmbedderKind, UserStoreKind } from "./db/schema.ts";

export interface TenantInfo {
  id: string;
  embedderKind: EmbedderKind;
  embedderId: string;
  embedderModel: string | null;
  /** The tenant's activated basis, else the service default; null = none. */
  basisId: string | null;
  /** The tenant's own upstream chat settings (each null = the Worker's default); null unless asked for. */
  upstream: TenantUpstream | null;
  /** Rate-limit plan and daily quota of the tenant's keys (each null = the service default / none). */
  limits: TenantLimits;
  /** Where the tenant's users live; null = the Worker's default (stores/select.ts). */
  userStore: UserStoreKind | null;
}

export interface TenantLimits {
  plan: string | null;
  dailyQuota: number | null;
}

export interface TenantUpstream {
  url: string | null;
  model: string | null;
  n: number | null;
  useN: boolean | null;
  keySecret: string | null;
  modelPassthrough: boolean | null;
}

/** The API key the request came with: its id (never the key) and what it used today (as stored). */
export interface KeyInfo {
  id: string;
  usedToday: number;
}

/** A user's posterior as written: the basis it is in, the Gaussian, the observation cache and the count. */
export interface PosteriorState {
  basisId: string;
  J: number;
  mean: Float64Array;
  precisionChol: Float64Array;
  /** n x (1 + J) rows of [label, z]. */
  observations: Float64Array;
  feedbackCount: number;
}

/** A user's row as read. */
export interface StoredUser {
  userId: string;
  basisId: string;
  J: number;
  mean: Float64Array;
  precisionChol: Float64Array;
  /** n x (1 + J) rows of [label, z]; only loaded when asked for. */
  observations: Float64Array | null;
  /** feedback.seq of the user's newest comparison (with the observations; a guarded write checks it). */
  logHead: number | null;
  feedbackCount: number;
  version: number;
  createdAt: number;
  updatedAt: number;
}
