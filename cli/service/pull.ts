// `pref pull`: a tenant's comparison log, paged out of the service's export route into a JSON Lines file (gzipped
// when it ends in .gz) that `pref train` and `pref eval` read as it is. Resumable: after every page the file gets the
// page (as one more gzip member: concatenated members are one valid gzip stream) and a cursor beside it records the
// last seq and the file's size, so an interrupted pull, or a later one, fetches only what is new (a page appended
// but not yet recorded is cut off again first).
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { writeFileAtomic } from "../data/jsonl.ts";
import { CliError } from "../errors.ts";
import { startProgress } from "../progress.ts";

export interface PullOptions {
  url: string;
  adminToken: string;
  tenant: string;
  out: string;
  /** Comparisons per request. */
  pageSize: number;
  /** Ask for the tenant's raw user ids instead of their pseudonyms. */
  rawUserIds: boolean;
}

export interface PullResult {
  pulled: number;
  /** Seq of the newest comparison in the file. */
  after: number;
  seconds: number;
}

interface Cursor {
  format: "pref-pull-cursor/1";
  url: string;
  tenant: string;
  raw_user_ids: boolean;
  after: number;
  comparisons: number;
  /** The file's size when `after` was recorded. */
  bytes: number;
}

export const cursorPathOf = (out: string) => `${out}.cursor.json`;

/** The newest seq already in `out` (a file without its cursor, e.g. copied from elsewhere): one pass over it. */
async function lastSeqIn(out: string): Promise<{ after: number; comparisons: number }> {
  let input: NodeJS.ReadableStream = fs.createReadStream(out);
  if (out.endsWith(".gz")) input = input.pipe(zlib.createGunzip());
  let after = 0;
  let comparisons = 0;
  for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
    if (!line.trim()) continue;
    const seq = (JSON.parse(line) as { seq?: unknown }).seq;
    if (typeof seq === "number") {
      after = Math.max(after, seq);
      comparisons++;
    }
  }
  return { after, comparisons };
}

async function startingPoint(o: PullOptions): Promise<Cursor> {
  const fresh: Cursor = { format: "pref-pull-cursor/1", url: o.url, tenant: o.tenant, raw_user_ids: o.rawUserIds, after: 0, comparisons: 0, bytes: 0 };
  if (!fs.existsSync(o.out)) return fresh;
  const cursorFile = cursorPathOf(o.out);
  if (!fs.existsSync(cursorFile)) return { ...fresh, ...(await lastSeqIn(o.out)), bytes: fs.statSync(o.out).size };
  const cursor = JSON.parse(fs.readFileSync(cursorFile, "utf8")) as Cursor;
  if (cursor.tenant !== o.tenant) throw new CliError(`${o.out} holds tenant ${cursor.tenant}'s log, not ${o.tenant}'s: pull into another file`);
  if (cursor.raw_user_ids !== o.rawUserIds) throw new CliError(`${o.out} was pulled ${cursor.raw_user_ids ? "with" : "without"} --raw-user-ids: pull into another file to change that`);
  // A page appended after the cursor was last written (the pull stopped in between) is dropped and fetched again.
  if (fs.statSync(o.out).size > cursor.bytes) fs.truncateSync(o.out, cursor.bytes);
  return cursor;
}

const gzipAsync = promisify(zlib.gzip);
const ATTEMPTS = 4;

/** A GET of one page, tried again on a dropped connection (a GET of the same page is safe to repeat). */
async function fetchPage(url: string, token: string, service: string): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(120_000) });
    } catch (err) {
      if (attempt < ATTEMPTS) {
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
        continue;
      }
      const cause = (err as Error & { cause?: Error }).cause?.message;
      throw new CliError(`cannot reach ${service}: ${(err as Error).message}${cause ? ` (${cause})` : ""}; what was pulled so far is kept, run again to resume`);
    }
  }
}

export async function pullLog(o: PullOptions): Promise<PullResult> {
  const started = performance.now();
  const cursor = await startingPoint(o);
  fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
  const gzip = o.out.endsWith(".gz");
  let bar: ReturnType<typeof startProgress> | null = null;
  let pulled = 0;
  for (;;) {
    const query = new URLSearchParams({ after: String(cursor.after), limit: String(o.pageSize) });
    if (o.rawUserIds) query.set("raw_user_ids", "true");
    if (!bar) query.set("with_remaining", "true"); // the progress bar's total, counted once
    const route = `/admin/tenants/${encodeURIComponent(o.tenant)}/feedback?${query}`;
    const res = await fetchPage(`${o.url.replace(/\/$/, "")}${route}`, o.adminToken, o.url);
    if (res.status !== 200) throw new CliError(`GET ${route} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    const remaining = Number(res.headers.get("x-pref-remaining") ?? "0");
    bar ??= startProgress("pulling comparisons", remaining);
    const text = await res.text();
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    if (lines.length === 0) break;
    let last = cursor.after;
    for (const line of lines) {
      const seq = (JSON.parse(line) as { seq: number }).seq;
      if (!(seq > last)) throw new CliError(`the service sent seq ${seq} after ${last}: the export must be in seq order`);
      last = seq;
    }
    const page = `${lines.join("\n")}\n`;
    // Asynchronous: the event loop keeps serving the connection (a server may close one left idle meanwhile).
    fs.appendFileSync(o.out, gzip ? await gzipAsync(page) : page);
    cursor.after = last;
    cursor.comparisons += lines.length;
    cursor.bytes = fs.statSync(o.out).size;
    writeFileAtomic(cursorPathOf(o.out), JSON.stringify(cursor));
    pulled += lines.length;
    bar.increment(lines.length);
    if (lines.length < o.pageSize) break;
  }
  bar?.stop();
  return { pulled, after: cursor.after, seconds: (performance.now() - started) / 1000 };
}
