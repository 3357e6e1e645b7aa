// Ids that admins choose (tenants, bases): one definition, so an id that can be created can also be managed.
import { z } from "@hono/zod-openapi";
import { notDotSegment } from "./schemas.ts";

export const ID_MAX_LENGTH = 128;

/** 1-128 characters of [A-Za-z0-9._:-], not "." or ".." (a URL parser removes those path segments). */
export const idSlug = z
  .string()
  .min(1)
  .max(ID_MAX_LENGTH)
  .regex(/^[A-Za-z0-9._:-]+$/, `1-${ID_MAX_LENGTH} chars of [A-Za-z0-9._:-]`)
  .refine(notDotSegment, '"." and ".." cannot be ids: URL paths cannot address them');

/** The {tenant} path parameter: exactly the ids POST /admin/tenants accepts (generated ones included). */
export const tenantParams = z.object({ tenant: idSlug.openapi({ param: { name: "tenant", in: "path" } }) });
