// What a chat request must know before it may call the upstream: the tenant's resolved upstream settings (URL,
// model, key, n). They come from the request's one D1 read, which also checks the key and admits the request, and
// that read would otherwise sit in front of the upstream call. So each isolate remembers, per API key, the plan of
// its last admitted chat request for a short while: a key seen recently starts its upstream call at once, with the
// read running alongside; the read still decides. A refused request (revoked key, rate limit, no basis) aborts the
// call within the read's few ms and forgets the plan; a plan that changed (an admin edited the tenant) aborts the
// call and starts the right one. At worst one aborted upstream call per key and isolate per change.
import type { Config } from "../config.ts";
import type { TenantInfo } from "../domain.ts";
import type { Bindings } from "../env.ts";
import { ApiError } from "../errors.ts";
import { resolveUpstream, type ChatUpstream } from "../upstream/settings.ts";

export interface ChatPlan {
  tenantId: string;
  upstream: ChatUpstream;
}

const TTL_MS = 60_000;
const MAX_PLANS = 1024;
const plans = new Map<string, { plan: ChatPlan; until: number }>();

/** The tenant's plan, or the API error that stops the request before any upstream call. */
export function chatPlan(cfg: Config, tenant: TenantInfo, env: Bindings): ChatPlan {
  const upstream = resolveUpstream(cfg, tenant, env);
  if (tenant.embedderKind === "vectors")
    throw ApiError.unprocessable(
      "text_not_supported",
      "chat needs a text embedder to rank the upstream's answers, and this tenant's embedder is 'vectors' (admin: a tenant with embedder openai or workers-ai)",
    );
  return { tenantId: tenant.id, upstream };
}

/** The plan remembered for this API key (its SHA-256), if recent. */
export function knownPlan(keyHash: string, now = Date.now()): ChatPlan | undefined {
  const entry = plans.get(keyHash);
  if (!entry) return undefined;
  if (now >= entry.until) {
    plans.delete(keyHash);
    return undefined;
  }
  return entry.plan;
}

export function rememberPlan(keyHash: string, plan: ChatPlan, now = Date.now()): void {
  plans.delete(keyHash);
  plans.set(keyHash, { plan, until: now + TTL_MS });
  if (plans.size > MAX_PLANS) plans.delete(plans.keys().next().value as string);
}

export function forgetPlan(keyHash: string): void {
  plans.delete(keyHash);
}

/** Whether a call started under `a` is the call `b` would make (same tenant, endpoint, key, model and counts). */
export function samePlan(a: ChatPlan, b: ChatPlan): boolean {
  const x = a.upstream;
  const y = b.upstream;
  return (
    a.tenantId === b.tenantId &&
    x.defaultN === y.defaultN &&
    x.modelPassthrough === y.modelPassthrough &&
    x.config.baseUrl === y.config.baseUrl &&
    x.config.apiKey === y.config.apiKey &&
    x.config.model === y.config.model &&
    x.config.useN === y.config.useN &&
    x.config.stream === y.config.stream &&
    x.config.timeoutMs === y.config.timeoutMs &&
    x.config.deadlineMs === y.config.deadlineMs &&
    x.config.retries === y.config.retries &&
    x.config.backoffMs === y.config.backoffMs
  );
}
