// The training comparisons in the shape the factorisation works on: distinct response pairs (rows of the preference
// matrix, each with its embedding difference) x training users (columns), plus the flat observation list.
// Pairs are unordered: (a, b) and (b, a) are one row, stored as (lo, hi) with the label flipped when needed.
import type { Dataset } from "../data/dataset.ts";

export interface PairObservations {
  /** Number of distinct pairs (P) and of users (U: columns are indices into `users`). */
  P: number;
  U: number;
  users: number[];
  /** Item indices of each pair, lo < hi. */
  lo: Int32Array;
  hi: Int32Array;
  n: number;
  pair: Int32Array;
  col: Int32Array;
  /** Label of lo over hi. */
  label: Float64Array;
  /** The dataset row of each observation (its prompt, for splits). */
  row: Int32Array;
}

export function collectPairs(data: Dataset, users: number[], keep: (row: number) => boolean): PairObservations {
  const colOf = new Map(users.map((u, c) => [u, c]));
  const pairIndex = new Map<number, number>();
  const lo: number[] = [];
  const hi: number[] = [];
  const pair: number[] = [];
  const col: number[] = [];
  const label: number[] = [];
  const rows: number[] = [];
  const nItems = data.items.length;
  for (let r = 0; r < data.n; r++) {
    const c = colOf.get(data.user[r]);
    if (c === undefined || !keep(r)) continue;
    const a = data.a[r];
    const b = data.b[r];
    if (a === b) continue; // identical texts: no information
    const l = Math.min(a, b);
    const h = Math.max(a, b);
    const key = l * nItems + h;
    let p = pairIndex.get(key);
    if (p === undefined) {
      p = lo.length;
      pairIndex.set(key, p);
      lo.push(l);
      hi.push(h);
    }
    pair.push(p);
    col.push(c);
    label.push(a === l ? data.label[r] : 1 - data.label[r]);
    rows.push(r);
  }
  return {
    P: lo.length,
    U: users.length,
    users,
    lo: Int32Array.from(lo),
    hi: Int32Array.from(hi),
    n: pair.length,
    pair: Int32Array.from(pair),
    col: Int32Array.from(col),
    label: Float64Array.from(label),
    row: Int32Array.from(rows),
  };
}
