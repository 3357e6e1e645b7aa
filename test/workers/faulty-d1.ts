// The real D1 binding with failures injected, for the D1-failure tests. Statements run on the real database; a
// "failing" batch really runs, with one more statement that makes SQLite abort the whole transaction, and then
// reports the transient error a network or storage fault would give: so the test sees exactly what the real
// database kept of a batch that failed.

export type Fault = "none" | "queries" | "batch" | "hang" | "sql";

const TRANSIENT = "D1_ERROR: Network connection lost.";

export class FaultyD1 {
  fault: Fault = "none";
  constructor(readonly real: D1Database) {}

  prepare(query: string) {
    return new FaultyStatement(this, this.real.prepare(query));
  }

  async batch(statements: FaultyStatement[]) {
    const inner = statements.map((s) => s.inner);
    if (this.fault === "hang") return new Promise<never>(() => undefined);
    if (this.fault === "batch") {
      // Real statements, then one that fails: SQLite rolls the whole batch back.
      await this.real.batch([...inner, this.real.prepare("insert into __no_such_table__ values (1)")]).catch(() => undefined);
      throw new Error(TRANSIENT);
    }
    return this.real.batch(inner);
  }

  exec(query: string) {
    return this.real.exec(query);
  }
}

class FaultyStatement {
  constructor(
    private readonly db: FaultyD1,
    readonly inner: D1PreparedStatement,
  ) {}
  bind(...values: unknown[]) {
    return new FaultyStatement(this.db, this.inner.bind(...values));
  }
  private async run_<T>(call: () => Promise<T>): Promise<T> {
    if (this.db.fault === "hang") return new Promise<never>(() => undefined);
    if (this.db.fault === "queries") throw new Error(TRANSIENT);
    if (this.db.fault === "sql") throw new Error("D1_ERROR: no such column: mean_v2: SQLITE_ERROR");
    return call();
  }
  first<T>(column?: string) {
    return this.run_(() => (column === undefined ? this.inner.first<T>() : this.inner.first<T>(column)));
  }
  run<T>() {
    return this.run_(() => this.inner.run<T>());
  }
  all<T>() {
    return this.run_(() => this.inner.all<T>());
  }
  raw<T>(options?: { columnNames?: boolean }) {
    return this.run_(() => this.inner.raw<T>(options as { columnNames: false }));
  }
}
