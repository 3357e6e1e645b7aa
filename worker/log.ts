// Structured logs: one JSON object per line, always with the request id. What may appear is decided here, not
// at call sites: no prompt or response text is ever passed in, user ids only as a keyed hash (tenant-scoped,
// so the same person in two tenants does not link up), paths only as route templates (/v1/users/:user).
import type { Context } from "hono";
import { routePath } from "hono/route";
import type { LogLevel } from "./config.ts";
import type { AppEnv } from "./env.ts";
import { keyedHash } from "./keyed-hash.ts";

const levels: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function writeLog(level: LogLevel, line: Record<string, unknown>): void {
  const text = JSON.stringify({ ts: new Date().toISOString(), level, ...line });
  if (level === "error") console.error(text);
  else if (level === "warn") console.warn(text);
  else console.log(text);
}

/** The fields every line of this request carries (user id hashed with the deployment's key). */
async function requestFields(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const r = c.var.log;
  const out: Record<string, unknown> = { request_id: r.requestId };
  if (r.tenant) out.tenant = r.tenant;
  if (r.key) out.key = r.key;
  if (r.user !== undefined && r.tenant && c.env.HASH_SECRET) out.user = (await keyedHash(c.env.HASH_SECRET, r.tenant, "log-user", r.user)).slice(0, 16);
  return out;
}

/** A line about this request (event name plus fields that carry no user text). */
export async function logEvent(c: Context<AppEnv>, level: LogLevel, event: string, fields: Record<string, unknown> = {}): Promise<void> {
  if (levels[level] < levels[c.var.config.logLevel]) return;
  writeLog(level, { event, ...(await requestFields(c)), ...fields });
}

/** The access line written when the request ends: route template, status, time, error code. */
export async function logRequest(c: Context<AppEnv>, started: number): Promise<void> {
  const status = c.res.status;
  const level: LogLevel = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
  await logEvent(c, level, "request", {
    method: c.req.method,
    route: routePath(c, -1) || "unmatched",
    status,
    ms: Date.now() - started,
    ...(c.var.log.code ? { code: c.var.log.code } : {}),
  });
}
