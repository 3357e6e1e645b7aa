// Request body guards for JSON routes: size limit (413) and media type (415). Parsing is left to the route's zod
// validator, the one place the body is read (Hono caches the text, not the parsed value, so parsing here too would
// parse it twice); its "Malformed JSON" failure becomes 400 malformed_json, field "body", in errors.ts.
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
  const mediaType = createMiddleware<AppEnv>(async (c, next) => {
    const method = c.req.method;
    // No body at all: the route's validator decides (a required body then fails with 400).
    if (method === "GET" || method === "HEAD" || method === "DELETE" || !c.req.raw.body) return next();
    const type = (c.req.header("content-type") ?? "").split(";")[0].trim();
    if (!jsonType.test(type)) throw new ApiError(415, "unsupported_media_type", "body must be application/json", "body");
    await next();
  });
  return [limit, mediaType];
}
