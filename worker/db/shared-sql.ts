// SQL expressions that more than one query needs, written once: the session read and the guarded write must agree
// on what a tenant's basis is and what a user's newest comparison is.
import { sql } from "drizzle-orm";
import { bases, feedback, tenants } from "./schema.ts";

/** The tenant's activated basis, else the service default (null: none). */
export const effectiveBasisId = sql<string | null>`coalesce(${tenants.basisId}, (select ${bases.id} from ${bases} where ${bases.isDefault} = 1))`;

/** The user's newest log row (the seq is the feedback table's rowid: the (tenant, user, ...) index holds it). */
export const logHeadOf = (tenantId: unknown, userId: unknown) =>
  sql<number | null>`(select max(${feedback.seq}) from ${feedback} where ${feedback.tenantId} = ${tenantId} and ${feedback.userId} = ${userId})`;
