// Every D1 call goes through this wrapper, so that a database failure is recognisable wherever it surfaces: any
// error a D1 call throws becomes a DbError, and a call that takes longer than the deadline fails as one too.
// errors.ts answers a transient DbError with 503 + x-should-retry: true. Writes are single statements or one
// batch (a transaction), so a failure never leaves half a write behind.

/** A failed D1 call. `transient`: worth retrying (network, overload, timeout), unlike SQL or constraint errors. */
export class DbError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = "DbError";
  }
}

// Errors a retry cannot fix: our SQL or the data violates a constraint (a lost optimistic race among them: the
// repos catch that one by its message before it gets here).
const PERMANENT = /constraint failed|SQLITE_CONSTRAINT|no such (table|column)|syntax error|D1_TYPE_ERROR|D1_COLUMN_NOTFOUND|datatype mismatch|too many SQL variables/i;

function toDbError(err: unknown): DbError {
  if (err instanceof DbError) return err;
  const message = String((err as Error)?.message ?? err);
  return new DbError(message, !PERMANENT.test(message));
}

async function guard<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DbError(`D1 ${what} did not answer within ${timeoutMs} ms`, true)), timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } catch (err) {
    throw toDbError(err);
  } finally {
    clearTimeout(timer);
  }
}

class GuardedStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    private readonly timeoutMs: number,
  ) {}
  bind(...values: unknown[]): GuardedStatement {
    return new GuardedStatement(this.inner.bind(...values), this.timeoutMs);
  }
  first<T>(column?: string): Promise<T | null> {
    return guard(column === undefined ? this.inner.first<T>() : this.inner.first<T>(column), this.timeoutMs, "query");
  }
  run<T>(): Promise<D1Result<T>> {
    return guard(this.inner.run<T>(), this.timeoutMs, "query");
  }
  all<T>(): Promise<D1Result<T>> {
    return guard(this.inner.all<T>(), this.timeoutMs, "query");
  }
  raw<T>(options?: { columnNames?: boolean }): Promise<T[]> {
    return guard(this.inner.raw<T>(options as { columnNames: false }), this.timeoutMs, "query");
  }
}

const unwrap = (s: D1PreparedStatement | GuardedStatement): D1PreparedStatement => (s instanceof GuardedStatement ? s.inner : s);

class GuardedD1 {
  constructor(
    readonly inner: D1Database,
    private readonly timeoutMs: number,
  ) {}
  prepare(query: string): GuardedStatement {
    return new GuardedStatement(this.inner.prepare(query), this.timeoutMs);
  }
  batch<T>(statements: (D1PreparedStatement | GuardedStatement)[]): Promise<D1Result<T>[]> {
    return guard(this.inner.batch<T>(statements.map(unwrap)), this.timeoutMs, "batch");
  }
  exec(query: string): Promise<D1ExecResult> {
    return guard(this.inner.exec(query), this.timeoutMs, "exec");
  }
}

const wrapped = new WeakMap<D1Database, Map<number, D1Database>>();

/** The binding with every call guarded (one wrapper per binding object and deadline). */
export function guardedD1(d1: D1Database, timeoutMs: number): D1Database {
  let byTimeout = wrapped.get(d1);
  if (!byTimeout) wrapped.set(d1, (byTimeout = new Map()));
  let g = byTimeout.get(timeoutMs);
  if (!g) byTimeout.set(timeoutMs, (g = new GuardedD1(d1, timeoutMs) as unknown as D1Database));
  return g;
}
