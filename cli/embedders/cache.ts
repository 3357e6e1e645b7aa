// Content-addressed embedding cache on disk: one append-only file per (model, window atom), fixed-size records
// [sha256(text) 32 bytes | d float32]. Re-runs never re-embed; a record torn by a crash is dropped on load; two
// processes appending at once stay consistent because each record is written with one O_APPEND write.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HASH_BYTES = 32;

export function defaultCacheDir(): string {
  if (process.env.PREF_CACHE_DIR) return process.env.PREF_CACHE_DIR;
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../.cache/embeddings");
}

export const textHash = (text: string): string => crypto.createHash("sha256").update(text, "utf8").digest("hex");

export class VectorCache {
  private readonly vectors = new Map<string, Float32Array>();
  private pending: Buffer[] = [];
  private dim: number | null = null;
  private readonly file: string;

  constructor(
    readonly dir: string,
    readonly key: string,
  ) {
    this.file = path.join(dir, `${key.replace(/[^A-Za-z0-9._-]/g, "_")}.bin`);
    this.load();
  }

  get d(): number | null {
    return this.dim;
  }

  get size(): number {
    return this.vectors.size;
  }

  private load(): void {
    if (!fs.existsSync(this.file)) return;
    const buf = fs.readFileSync(this.file);
    if (buf.length < 8) return;
    // Header: magic "PVC1" + d as uint32.
    if (buf.toString("latin1", 0, 4) !== "PVC1") throw new Error(`embedding cache ${this.file} is not a cache file`);
    this.dim = buf.readUInt32LE(4);
    const record = HASH_BYTES + 4 * this.dim;
    const count = Math.floor((buf.length - 8) / record);
    // A record torn by a crash would misalign every later append: cut it off.
    if (8 + count * record !== buf.length) fs.truncateSync(this.file, 8 + count * record);
    for (let i = 0; i < count; i++) {
      const off = 8 + i * record;
      const hash = buf.toString("hex", off, off + HASH_BYTES);
      const vec = new Float32Array(this.dim);
      for (let k = 0; k < this.dim; k++) vec[k] = buf.readFloatLE(off + HASH_BYTES + 4 * k);
      this.vectors.set(hash, vec);
    }
  }

  get(hash: string): Float32Array | undefined {
    return this.vectors.get(hash);
  }

  put(hash: string, vec: Float32Array): void {
    if (this.dim === null) this.dim = vec.length;
    if (vec.length !== this.dim) throw new Error(`cache ${this.key}: vector of ${vec.length} dims, expected ${this.dim}`);
    if (this.vectors.has(hash)) return;
    this.vectors.set(hash, vec);
    const rec = Buffer.alloc(HASH_BYTES + 4 * vec.length);
    Buffer.from(hash, "hex").copy(rec, 0);
    for (let k = 0; k < vec.length; k++) rec.writeFloatLE(vec[k], HASH_BYTES + 4 * k);
    this.pending.push(rec);
  }

  /** Appends pending records; called every few seconds of embedding so an interrupted run keeps its work. */
  flush(): void {
    if (this.pending.length === 0 || this.dim === null) return;
    fs.mkdirSync(this.dir, { recursive: true });
    if (!fs.existsSync(this.file)) {
      const header = Buffer.alloc(8);
      header.write("PVC1", 0, "latin1");
      header.writeUInt32LE(this.dim, 4);
      try {
        fs.writeFileSync(this.file, header, { flag: "wx" });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error; // another process created it first
      }
    }
    const fd = fs.openSync(this.file, "a");
    try {
      for (const rec of this.pending) fs.writeSync(fd, rec);
    } finally {
      fs.closeSync(fd);
    }
    this.pending = [];
  }
}
