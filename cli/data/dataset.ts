// A comparisons file loaded into interned, typed form: every distinct user, prompt and (prompt, response) item
// gets an index, so a 100 MB file with heavily repeated texts costs one copy of each text.
import { CliError } from "../errors.ts";
import fs from "node:fs";
import { startProgress } from "../progress.ts";
import { readComparisons } from "./comparisons.ts";
import { assertReadableFile } from "./jsonl.ts";

export interface Item {
  prompt: number;
  text: string;
}

export interface Dataset {
  file: string;
  users: string[];
  prompts: string[];
  /** Distinct (prompt, response) pairs: the unit that gets embedded. */
  items: Item[];
  n: number;
  user: Int32Array;
  prompt: Int32Array;
  a: Int32Array;
  b: Int32Array;
  label: Float64Array;
}

class Interner<K> {
  readonly index = new Map<K, number>();
  readonly values: K[] = [];
  id(key: K): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.values.length;
      this.index.set(key, i);
      this.values.push(key);
    }
    return i;
  }
}

export async function loadDataset(file: string): Promise<Dataset> {
  const users = new Interner<string>();
  const prompts = new Interner<string>();
  const items = new Interner<string>();
  const itemList: Item[] = [];
  const cols = { user: [] as number[], prompt: [] as number[], a: [] as number[], b: [] as number[], label: [] as number[] };
  const itemId = (prompt: number, text: string) => {
    const before = items.values.length;
    const id = items.id(`${prompt}\u0000${text}`);
    if (id === before) itemList.push({ prompt, text });
    return id;
  };
  assertReadableFile(file);
  const bar = startProgress("reading comparisons", fs.statSync(file).size);
  try {
    for await (const row of readComparisons(file, (bytes) => bar.increment(bytes))) {
      const p = prompts.id(row.prompt);
      cols.user.push(users.id(row.user));
      cols.prompt.push(p);
      cols.a.push(itemId(p, row.a));
      cols.b.push(itemId(p, row.b));
      cols.label.push(row.label);
    }
  } finally {
    bar.stop();
  }
  if (cols.user.length === 0) throw new CliError(`${file}: no comparisons found`);
  return {
    file,
    users: users.values,
    prompts: prompts.values,
    items: itemList,
    n: cols.user.length,
    user: Int32Array.from(cols.user),
    prompt: Int32Array.from(cols.prompt),
    a: Int32Array.from(cols.a),
    b: Int32Array.from(cols.b),
    label: Float64Array.from(cols.label),
  };
}
