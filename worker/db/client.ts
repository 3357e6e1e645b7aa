import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { guardedD1 } from "./guarded-d1.ts";
import * as schema from "./schema.ts";

export type Db = DrizzleD1Database<typeof schema> & { $client: D1Database };

// One drizzle instance per D1 binding object (i.e. per isolate), over the guarded binding (guarded-d1.ts).
const instances = new WeakMap<D1Database, Db>();

export function getDb(binding: D1Database, timeoutMs: number): Db {
  const d1 = guardedD1(binding, timeoutMs);
  let db = instances.get(d1);
  if (!db) {
    db = drizzle(d1, { schema }) as Db;
    instances.set(d1, db);
  }
  return db;
}

const preparedCache = new WeakMap<Db, Map<string, unknown>>();

/** A statement built and prepared once per D1 binding (isolate), so hot paths do not rebuild SQL per request. */
export function preparedOnce<T>(db: Db, key: string, build: () => T): T {
  let cache = preparedCache.get(db);
  if (!cache) preparedCache.set(db, (cache = new Map()));
  if (!cache.has(key)) cache.set(key, build());
  return cache.get(key) as T;
}
