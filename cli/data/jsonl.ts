// Line-by-line reading of JSON Lines files, plain or gzipped (detected by the gzip magic bytes, not the name),
// with 1-based line numbers for error messages. Blank lines are skipped but still counted.
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import zlib from "node:zlib";
import { CliError, DataError } from "../errors.ts";

export interface JsonLine {
  line: number;
  value: unknown;
}

export function assertReadableFile(file: string, what = "file"): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new CliError(`${what} not found: ${file}`);
  }
  if (!stat.isFile()) throw new CliError(`${what} is not a regular file: ${file}`);
}

function isGzip(file: string): boolean {
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(2);
    const n = fs.readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads a JSON Lines file; `onBytes` reports progress through the file on disk (compressed bytes for .gz). */
export async function* readJsonLines(file: string, onBytes?: (bytes: number) => void): AsyncGenerator<JsonLine> {
  assertReadableFile(file);
  const raw = fs.createReadStream(file);
  if (onBytes) raw.on("data", (chunk) => onBytes(chunk.length));
  const stream = isGzip(file) ? raw.pipe(zlib.createGunzip()) : raw;
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new DataError(file, line, null, `not valid JSON (${(error as Error).message})`);
      }
      yield { line, value };
    }
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new CliError(`${file}: cannot read after line ${line}: ${(error as Error).message}`);
  } finally {
    lines.close();
    raw.destroy();
  }
}

/** Writes JSON Lines atomically (temp file + rename), gzipped when the name ends in .gz. */
export function writeJsonLines(file: string, rows: Iterable<unknown>): void {
  const parts: string[] = [];
  for (const row of rows) parts.push(JSON.stringify(row));
  const body = Buffer.from(parts.join("\n") + "\n");
  writeFileAtomic(file, file.endsWith(".gz") ? zlib.gzipSync(body, { level: 6 }) : body);
}

export function writeFileAtomic(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}
