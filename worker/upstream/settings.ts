// Which upstream LLM a tenant's chat completions go to: the tenant's own settings field by field (admin:
// PUT /admin/tenants/{tenant}/upstream), else the Worker's UPSTREAM_* vars. Keys are secrets, never stored in D1:
// a tenant may only name which secret holds its key, and only a secret of the UPSTREAM_API_KEY family, so that no
// tenant setting can send another secret (ADMIN_TOKEN, EMBEDDINGS_API_KEY) to a URL of its choosing.
import { MAX_CHAT_N, type Config } from "../config.ts";
import type { TenantInfo } from "../domain.ts";
import type { Bindings } from "../env.ts";
import { ApiError } from "../errors.ts";
import type { UpstreamConfig } from "./client.ts";
import { takesPartialTexts } from "../embedders/index.ts";
import { NO_RETRY } from "./faults.ts";

export const DEFAULT_KEY_SECRET = "UPSTREAM_API_KEY";
export const KEY_SECRET_NAME = /^UPSTREAM_API_KEY(_[A-Z0-9_]{1,64})?$/;

export interface ChatUpstream {
  /** The upstream call settings; `model` is the configured model ("" = none configured). */
  config: UpstreamConfig;
  /** Candidates per completion when the request does not say. */
  defaultN: number;
  /** Forward the request's `model` instead of the configured one. */
  modelPassthrough: boolean;
}

/** What an API caller is told: no settings, variable or secret names (those are for the operator, in the logs). */
export const NOT_CONFIGURED = "chat completions are not available for this tenant: no LLM is configured (contact the service operator)";

/** What the operator is told, in the logs (and docs/configuration.md). */
export const NOT_CONFIGURED_HELP =
  "no upstream LLM is configured for chat completions. Set the Worker vars UPSTREAM_URL (an OpenAI-compatible base URL " +
  "including /v1, e.g. https://api.openai.com/v1, or http://127.0.0.1:11434/v1 for Ollama) and UPSTREAM_MODEL, and the " +
  "secret UPSTREAM_API_KEY (`wrangler secret put UPSTREAM_API_KEY`) if the upstream needs a key; or per tenant: " +
  "PUT /admin/tenants/{tenant}/upstream {\"url\", \"model\"}. Locally: PREF_UPSTREAM_URL=... PREF_UPSTREAM_MODEL=... npm start.";

export function resolveUpstream(cfg: Config, tenant: TenantInfo, env: Bindings): ChatUpstream {
  const own = tenant.upstream;
  if (!own) throw new Error("the session was loaded without the tenant's upstream settings (loadSession { upstream: true })");
  const baseUrl = own.url ?? cfg.upstream.url;
  const notConfigured = (detail: string) => new ApiError(503, "upstream_not_configured", NOT_CONFIGURED).withHeaders(NO_RETRY).withDetail(detail);
  if (!baseUrl) throw notConfigured(NOT_CONFIGURED_HELP);

  const secretName = own.keySecret ?? DEFAULT_KEY_SECRET;
  // Checked again here: the admin route validates the name, but a row may have been written by other means.
  if (!KEY_SECRET_NAME.test(secretName)) throw notConfigured(`tenant ${tenant.id}: upstream key secret '${secretName}' is not an UPSTREAM_API_KEY_* name`);
  const apiKey = (env as unknown as Record<string, unknown>)[secretName];
  if (own.keySecret && typeof apiKey !== "string")
    throw notConfigured(`tenant ${tenant.id}: upstream key secret ${secretName} is not set (wrangler secret put ${secretName})`);

  return {
    config: {
      baseUrl,
      apiKey: typeof apiKey === "string" && apiKey !== "" ? apiKey : undefined,
      model: own.model ?? cfg.upstream.model,
      timeoutMs: cfg.upstream.timeoutMs,
      deadlineMs: cfg.upstream.deadlineMs,
      retries: cfg.upstream.retries,
      backoffMs: cfg.upstream.backoffMs,
      useN: own.useN ?? cfg.upstream.useN,
      // Streaming costs the Worker CPU; it pays where the embedder can start on answers still being written.
      stream: cfg.upstream.stream === "auto" ? takesPartialTexts(tenant, env, cfg) : cfg.upstream.stream,
    },
    defaultN: Math.min(own.n ?? cfg.chatDefaultN, MAX_CHAT_N),
    modelPassthrough: own.modelPassthrough ?? false,
  };
}

/**
 * The model to ask for: the request's when the tenant allows passthrough (or nothing is configured, e.g. a local
 * llama.cpp server that ignores it), else the configured one.
 */
export function upstreamModel(upstream: ChatUpstream, requested: string | undefined): string {
  if (requested && (upstream.modelPassthrough || !upstream.config.model)) return requested;
  return upstream.config.model;
}
