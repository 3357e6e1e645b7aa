// The dataset contract: JSON Lines (plain or gzipped), one comparison per line, errors with line numbers and fields.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readComparisons } from "../../cli/data/comparisons.ts";
import { loadDataset } from "../../cli/data/dataset.ts";
import { writeJsonLines } from "../../cli/data/jsonl.ts";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pref-data-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const rows = [
  { user: "u1", prompt: "p", a: "x", b: "y", label: 1 },
  { user: "u2", prompt: "p", a: "y", b: "x", label: 0.5, extra: "ignored" },
  { user: "u1", prompt: "q", a: "x", b: "z", label: 0 },
];

async function collect(file: string) {
  const out = [];
  for await (const r of readComparisons(file)) out.push(r);
  return out;
}

describe("comparison files", () => {
  it("reads plain and gzipped files alike (detected by content), skipping blank lines but counting them", async () => {
    const text = `${JSON.stringify(rows[0])}\n\n${JSON.stringify(rows[1])}\n${JSON.stringify(rows[2])}\n`;
    fs.writeFileSync(path.join(dir, "plain.jsonl"), text);
    fs.writeFileSync(path.join(dir, "zipped.data"), zlib.gzipSync(text));
    const a = await collect(path.join(dir, "plain.jsonl"));
    const b = await collect(path.join(dir, "zipped.data"));
    expect(a).toEqual(b);
    expect(a.map((r) => r.line)).toEqual([1, 3, 4]);
    expect(a[1]).toEqual({ user: "u2", prompt: "p", a: "y", b: "x", label: 0.5, line: 3, embedder: null });
  });

  it("interns users, prompts and (prompt, response) items", async () => {
    writeJsonLines(path.join(dir, "d.jsonl.gz"), rows);
    const d = await loadDataset(path.join(dir, "d.jsonl.gz"));
    expect(d.users).toEqual(["u1", "u2"]);
    expect(d.prompts).toEqual(["p", "q"]);
    // "x" under p and "x" under q are different items (a recipe may embed the prompt too).
    const item = (prompt: number, text: string) => ({ prompt, text, embedded: false });
    expect(d.items).toEqual([item(0, "x"), item(0, "y"), item(1, "x"), item(1, "z")]);
    expect(d.embedder).toBeNull();
    expect(d.vectors).toBeNull();
    expect(Array.from(d.label)).toEqual([1, 0.5, 0]);
  });

  it.each([
    [{ user: "u", prompt: "p", a: "x", b: "y", label: "1" }, 'field "label": must be 1 (a preferred), 0 (b preferred) or 0.5 (tie), got "1"'],
    [{ user: "u", prompt: "p", a: "x", b: "y", label: 0.7 }, 'field "label": must be 1'],
    [{ user: "u", prompt: "p", a: "x", b: "y" }, 'field "label": missing'],
    [{ user: 3, prompt: "p", a: "x", b: "y", label: 1 }, 'field "user": expected a string, got 3'],
    [{ user: "", prompt: "p", a: "x", b: "y", label: 1 }, 'field "user": must not be empty'],
    [{ user: "u", prompt: "p", a: "x", b: "  ", label: 1 }, 'field "b": empty response (cannot be embedded)'],
    [[1, 2], "expected a JSON object"],
  ])("reports %j at its line", async (bad, message) => {
    const file = path.join(dir, "bad.jsonl");
    fs.writeFileSync(file, `${JSON.stringify(rows[0])}\n${JSON.stringify(bad)}\n`);
    await expect(collect(file)).rejects.toThrow(`bad.jsonl:2: ${message}`);
  });

  it("interns embedding-only responses by content into one float32 table, and keeps the file's embedder", async () => {
    const e = (xs: number[]) => ({ embedding: Buffer.from(Float32Array.from(xs).buffer).toString("base64") });
    writeJsonLines(path.join(dir, "log.jsonl"), [
      { embedder: "emb-1" },
      { user: "u1", prompt_hash: "h", a: e([1, 2, 3]), b: { embedding: [4, 5, 6] }, label: 1 },
      { user: "u2", prompt_hash: "h", a: { embedding: [1, 2, 3] }, b: "a text beside them", label: 0 },
    ]);
    const d = await loadDataset(path.join(dir, "log.jsonl"));
    expect(d.embedder).toBe("emb-1");
    expect(d.items.map((it) => it.embedded)).toEqual([true, true, false]);
    // The same vector as base64 and as numbers is one item.
    expect(Array.from(d.a)).toEqual([0, 0]);
    expect(d.vectors!.d).toBe(3);
    expect(Array.from(d.vectors!.data)).toEqual([1, 2, 3, 4, 5, 6, 0, 0, 0]);
  });

  it("reports a missing file and invalid JSON", async () => {
    await expect(collect(path.join(dir, "nope.jsonl"))).rejects.toThrow(/file not found/);
    fs.writeFileSync(path.join(dir, "broken.jsonl"), `${JSON.stringify(rows[0])}\n{"user": \n`);
    await expect(collect(path.join(dir, "broken.jsonl"))).rejects.toThrow(/broken\.jsonl:2: not valid JSON/);
  });
});
