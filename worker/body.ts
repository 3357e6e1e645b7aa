// Request body guards for JSON routes: size limit (413), media type (415), and JSON parsing (400 malformed_json,
// field "body"). The parsed body is cached by Hono, so the zod validator that runs next reuses it.
import { createMiddleware } from "hono/factory";
import { bodyLimit } from "hono/body-limit";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env.ts";
import { ApiError } from "./errors.ts";

const jsonType = /^application\/([\w.-]+\+)?json$/i;

export function jsonGuard(maxBytes: number): MiddlewareHandler<AppEnv>[] {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `body exceeds ${maxBytes} bytes`, "body");
    },
  });
  const parse = createMiddleware<AppEnv>(async (c, next) => {
    const method = c.req.method;
    // No body at all: the route's validator decides (a required body then fails with 400).
    if (method === "GET" || method === "HEAD" || method === "DELETE" || !c.req.raw.body) return next();
    const type = (c.req.header("content-type") ?? "").split(";")[0].trim();
    if (!jsonType.test(type)) throw new ApiError(415, "unsupported_media_type", "body must be application/json", "body");
    try {
      await c.req.json();
    } catch {
      throw new ApiError(400, "malformed_json", "request body is not valid JSON", "body");
    }
    await next();
  });
  return [limit, parse];
}
