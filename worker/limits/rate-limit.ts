// Rate limits per API key, by plan. A plan is a Cloudflare rate-limiting binding named RATE_LIMIT_<PLAN>
// (wrangler.toml [[ratelimits]]: a count per key per 60-second window, per Cloudflare location); a tenant's keys
// use the tenant's plan, else RATE_LIMIT_PLAN. Locally (wrangler dev, vitest) Miniflare runs the same bindings in
// memory. "unlimited" is a plan without a binding: no limit.

export const UNLIMITED = "unlimited";
/** Every plan's window (wrangler.toml: period = 60); Retry-After is computed from it. */
export const PERIOD_SECONDS = 60;
export const PLAN_NAME = /^[a-z0-9_]{1,32}$/;

const BINDING = /^RATE_LIMIT_([A-Z0-9_]{1,32})$/;
const bindingName = (plan: string) => `RATE_LIMIT_${plan.toUpperCase()}`;

function isRateLimit(value: unknown): value is RateLimit {
  return typeof (value as RateLimit | undefined)?.limit === "function";
}

/** The binding of a plan, if the Worker has one. */
export function planBinding(env: object, plan: string): RateLimit | undefined {
  const binding = (env as Record<string, unknown>)[bindingName(plan)];
  return isRateLimit(binding) ? binding : undefined;
}

/** The plans this Worker can enforce (one per RATE_LIMIT_* binding), plus "unlimited". */
export function availablePlans(env: object): string[] {
  const plans = Object.entries(env)
    .filter(([name, value]) => BINDING.test(name) && isRateLimit(value))
    .map(([name]) => BINDING.exec(name)![1].toLowerCase());
  return [...plans.sort(), UNLIMITED];
}

/** Seconds until the current window ends (windows are aligned to multiples of the period). */
export function secondsToNextWindow(now = Date.now()): number {
  return Math.max(1, Math.ceil(PERIOD_SECONDS - (now / 1000) % PERIOD_SECONDS));
}
