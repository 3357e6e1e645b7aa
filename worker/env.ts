// The Worker's typed environment. Bindings and [vars] come from `npm run cf-typegen`
// (worker/worker-configuration.d.ts); secrets and optional bindings that wrangler.toml does not declare are added
// here, and what Hono keeps per request (Variables).
import type { Config, UndeclaredVars } from "./config.ts";
import type { Db } from "./db/client.ts";
import type { ApiError } from "./errors.ts";
import type { PrefCore } from "../core/types.ts";

export interface Bindings extends CloudflareBindings, UndeclaredVars {
  /** Secret: bearer token of the /admin routes. Unset = admin routes answer 401. */
  ADMIN_TOKEN?: string;
  /** Secret: API key of the OpenAI-compatible embeddings endpoint. */
  EMBEDDINGS_API_KEY?: string;
  /** Optional Workers AI binding (embedder "workers-ai"); add `[ai] binding = "AI"` to wrangler.toml. */
  AI?: Ai;
  /** Secret: key of the keyed hashes (prompt hashes, request fingerprints, user ids in logs); required to store
   * feedback. Never change it once data is stored (docs/prompt-hashes.md). */
  HASH_SECRET?: string;
  /** Secret: API key of the upstream chat LLM (a tenant may name another secret, UPSTREAM_API_KEY_<NAME>). */
  UPSTREAM_API_KEY?: string;
}

/** What the logs may say about who made a request; filled in as the request learns it (log.ts writes it out). */
export interface RequestLog {
  requestId: string;
  tenant?: string;
  /** API key id (never the key or its hash). */
  key?: string;
  /** Raw user id: hashed when written out, never written as is. */
  user?: string;
  /** Error code when the answer is an error. */
  code?: string;
}

export interface Variables {
  config: Config;
  db: Db;
  /** The numeric core (instantiated once per isolate); injectable so a failing core can be tested. */
  core: () => Promise<PrefCore>;
  /** SHA-256 (hex) of the presented tenant API key; the key is checked by the request's single D1 read. */
  keyHash: string;
  /** The request id and what the logs may say about the request (log.ts). */
  log: RequestLog;
  /** The request body as received (body.ts), for JSON routes. */
  body?: Uint8Array;
  /** Why c.req.json() failed, when it was not malformed JSON (the validator reports every failure as that). */
  bodyError?: ApiError;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
