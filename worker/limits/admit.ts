// Admission of a /v1 request once its API key is known: the key's rate-limit plan (429 rate_limited), then the
// tenant's daily quota (429 quota_exceeded), each with Retry-After. Rate-limit trouble (a plan without a binding,
// a binding that fails) admits the request and is logged: the limiter must not take the service down.
import type { Context } from "hono";
import { runInBackground } from "../background.ts";
import type { TenantInfo } from "../domain.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { logEvent } from "../log.ts";
import { admitQuota, dayOf, flushUsage, secondsToMidnight } from "./quota.ts";
import { PERIOD_SECONDS, planBinding, secondsToNextWindow, UNLIMITED } from "./rate-limit.ts";

/** `key.usedToday` undefined: this request did not read D1 (the feedback fast path). */
export async function admit(c: Context<AppEnv>, tenant: TenantInfo, key: { id: string; usedToday?: number }): Promise<void> {
  c.var.log.tenant = tenant.id;
  c.var.log.key = key.id;

  const plan = tenant.limits.plan ?? c.var.config.rateLimitPlan;
  if (plan !== UNLIMITED) {
    const binding = planBinding(c.env, plan);
    if (!binding) await logEvent(c, "error", "rate_limit_unenforced", { plan, detail: `no RATE_LIMIT_${plan.toUpperCase()} binding` });
    else {
      const outcome = await binding.limit({ key: key.id }).catch(async (err: unknown) => {
        await logEvent(c, "error", "rate_limit_unenforced", { plan, detail: String((err as Error)?.message ?? err) });
        return { success: true };
      });
      if (!outcome.success) {
        const retryAfter = secondsToNextWindow();
        throw new ApiError(429, "rate_limited", `this API key's rate limit is used up (plan ${plan}, per ${PERIOD_SECONDS} s); retry in ${retryAfter} s`).withHeaders({
          "retry-after": String(retryAfter),
        });
      }
    }
  }

  const quota = tenant.limits.dailyQuota;
  if (quota !== null) {
    const day = dayOf();
    if (!admitQuota(key.id, day, quota, key.usedToday)) {
      const retryAfter = secondsToMidnight();
      throw new ApiError(429, "quota_exceeded", `this API key's daily quota of ${quota} requests is used up; it resets at 00:00 UTC (in ${retryAfter} s)`).withHeaders({
        "retry-after": String(retryAfter),
      });
    }
    runInBackground(c, "quota_flush_failed", flushUsage(c.var.db, key.id, day));
  }
}
