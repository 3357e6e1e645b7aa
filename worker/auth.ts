// Authentication. Tenant API keys are checked inside each route's single D1 read (the key's hash is joined with
// the tenant and the user's row), so this middleware only extracts and hashes the bearer token.
import { createMiddleware } from "hono/factory";
import { safeEqual, sha256Hex } from "./crypto.ts";
import type { AppEnv } from "./env.ts";
import { ApiError } from "./errors.ts";

function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

/** /v1: requires `Authorization: Bearer <tenant API key>`; sets c.var.keyHash. */
export const tenantAuth = createMiddleware<AppEnv>(async (c, next) => {
  const key = bearer(c.req.header("authorization"));
  if (!key || key.length > 256) throw ApiError.unauthorized();
  c.set("keyHash", await sha256Hex(key));
  await next();
});

/** /admin: requires `Authorization: Bearer <ADMIN_TOKEN>` (a secret; unset = no admin access). */
export const adminAuth = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearer(c.req.header("authorization"));
  const expected = c.env.ADMIN_TOKEN;
  if (!token || !expected || !(await safeEqual(token, expected))) throw ApiError.unauthorized("missing or invalid admin token");
  await next();
});
