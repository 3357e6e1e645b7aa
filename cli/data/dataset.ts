// A comparisons file loaded into interned, typed form: every distinct user, prompt and (prompt, response) item
// gets an index, so a 100 MB file with heavily repeated texts costs one copy of each text. Responses given by their
// embedding (the service's log) are interned by content and their vectors kept in one float32 table.
import crypto from "node:crypto";
import fs from "node:fs";
import { CliError } from "../errors.ts";
import { startProgress } from "../progress.ts";
import { type Response, readComparisons } from "./comparisons.ts";
import { assertReadableFile } from "./jsonl.ts";

export interface Item {
  prompt: number;
  /** The response text, or for an embedding-only response a content key ("#" + hash of its vector). */
  text: string;
  /** True when the response came as an embedding: its vector is row `item index` of `Dataset.vectors`. */
  embedded: boolean;
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
  /** The embedder the file names (required when responses come as embeddings), else null. */
  embedder: string | null;
  /** items x d float32, when any response came as an embedding (rows of text items are zero until embedded). */
  vectors: { d: number; data: Float32Array } | null;
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

/** Largest vector table (a resizable buffer grows in place, so loading never holds two copies). */
const MAX_VECTOR_BYTES = 2 ** 32 - 8;

/** Row-per-item float32 table that grows in place as items arrive. */
class VectorTable {
  private buffer: ArrayBuffer | null = null;
  private view: Float32Array | null = null;
  d = 0;
  put(row: number, v: Float32Array, where: () => string): void {
    if (!this.buffer) {
      this.d = v.length;
      this.buffer = new ArrayBuffer(0, { maxByteLength: MAX_VECTOR_BYTES });
    }
    if (v.length !== this.d) throw new CliError(`${where()}: embedding has ${v.length} dimensions, earlier ones ${this.d}`);
    this.reserve(row + 1);
    this.view!.set(v, row * this.d);
  }
  reserve(rows: number): void {
    if (!this.buffer) return;
    const need = rows * this.d * 4;
    if (need <= this.buffer.byteLength) return;
    if (need > MAX_VECTOR_BYTES) throw new CliError(`the embeddings of ${rows} distinct responses at d = ${this.d} exceed ${MAX_VECTOR_BYTES} bytes`);
    const row = this.d * 4;
    const grown = Math.ceil((this.buffer.byteLength * 1.5) / row) * row;
    this.buffer.resize(Math.min(MAX_VECTOR_BYTES - (MAX_VECTOR_BYTES % row), Math.max(need, grown)));
    this.view = new Float32Array(this.buffer);
  }
  table(rows: number): { d: number; data: Float32Array } | null {
    if (!this.buffer) return null;
    this.reserve(rows);
    return { d: this.d, data: new Float32Array(this.buffer, 0, rows * this.d) };
  }
}

export async function loadDataset(file: string): Promise<Dataset> {
  const users = new Interner<string>();
  const prompts = new Interner<string>();
  const items = new Interner<string>();
  const itemList: Item[] = [];
  const table = new VectorTable();
  const cols = { user: [] as number[], prompt: [] as number[], a: [] as number[], b: [] as number[], label: [] as number[] };
  let embedder: string | null = null;
  let line = 0;
  const itemId = (prompt: number, response: Response) => {
    const embedded = typeof response !== "string";
    const text = embedded ? `#${crypto.createHash("sha1").update(new Uint8Array(response.embedding.buffer)).digest("base64")}` : response;
    const before = items.values.length;
    const id = items.id(`${prompt}\u0000${text}`);
    if (id === before) {
      itemList.push({ prompt, text, embedded });
      if (embedded) table.put(id, response.embedding, () => `${file}:${line}`);
    }
    return id;
  };
  assertReadableFile(file);
  const bar = startProgress("reading comparisons", fs.statSync(file).size);
  try {
    for await (const row of readComparisons(file, (bytes) => bar.increment(bytes))) {
      line = row.line;
      embedder = row.embedder;
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
    embedder,
    vectors: table.table(itemList.length),
  };
}
