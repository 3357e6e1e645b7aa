// Statements compiled once per isolate: drizzle generates the SQL from the schema (with placeholders) the first
// time, and each request only binds values. Used on the hot write path, where building three drizzle queries
// per request would cost more JS time than the rest of the handler.
import { fillPlaceholders } from "drizzle-orm";
import { preparedOnce, type Db } from "./client.ts";

interface Compiled {
  stmt: D1PreparedStatement;
  params: unknown[];
}

/** `build` returns a drizzle query whose values are sql.placeholder(...)s. */
export function compiled(db: Db, key: string, build: () => { toSQL(): { sql: string; params: unknown[] } }): Compiled {
  return preparedOnce(db, `compiled:${key}`, () => {
    const { sql, params } = build().toSQL();
    return { stmt: db.$client.prepare(sql), params };
  });
}

/** The statement with its placeholders filled (values go through the columns' encoders, e.g. f64 -> base64). */
export function bind(c: Compiled, values: Record<string, unknown>): D1PreparedStatement {
  return c.stmt.bind(...(fillPlaceholders(c.params as never, values) as unknown[]));
}
