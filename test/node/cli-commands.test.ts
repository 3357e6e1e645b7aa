// Every command's bad input fails with a message a person can act on, a non-zero exit code, and no output written.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../../cli/main.ts";

let dir: string;
let stderr: string;
let stdout: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pref-cli-"));
  process.env.PREF_CACHE_DIR = path.join(dir, "cache");
  stderr = "";
  stdout = "";
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.PREF_CACHE_DIR;
  fs.rmSync(dir, { recursive: true, force: true });
});

const vec = (...xs: number[]) => JSON.stringify(xs);
const row = (user: string, prompt: string, a: string, b: string, label: number) => JSON.stringify({ user, prompt, a, b, label });

function writeLines(name: string, lines: string[], gzip = false): string {
  const file = path.join(dir, name);
  const body = lines.join("\n") + "\n";
  fs.writeFileSync(file, gzip ? zlib.gzipSync(body) : body);
  return file;
}

/** A tiny valid dataset: 3 users, 4 prompts, 2-d vector "embeddings". */
function smallData(users = ["u1", "u2", "u3"]): string[] {
  const lines: string[] = [];
  for (let p = 0; p < 4; p++) {
    const [a, b, c] = [vec(p, 1), vec(1, p), vec(-p, 0.5)];
    for (const u of users) {
      lines.push(row(u, `q${p}`, a, b, 1), row(u, `q${p}`, b, c, 0), row(u, `q${p}`, a, c, 0.5));
    }
  }
  return lines;
}

describe("--help", () => {
  it.each(["make-attributes", "embed", "train", "eval", "bench", "serve-embeddings"])("%s --help prints usage and exits 0", async (cmd) => {
    expect(await runCli([cmd, "--help"])).toBe(0);
    expect(stdout).toContain(`Usage: pref ${cmd}`);
  });
});

describe("bad input", () => {
  it("train: a missing data file", async () => {
    const out = path.join(dir, "run");
    expect(await runCli(["train", "--data", path.join(dir, "nope.jsonl"), "--out", out, "--embedder", "vectors:response"])).toBe(2);
    expect(stderr).toMatch(/file not found: .*nope\.jsonl/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it("train: a malformed line is reported with its line number and field, and nothing is written", async () => {
    const lines = smallData();
    lines[6] = JSON.stringify({ user: "u1", prompt: "q", a: vec(1, 2), b: vec(2, 1), label: 2 });
    const file = writeLines("bad.jsonl.gz", lines, true);
    const out = path.join(dir, "run");
    expect(await runCli(["train", "--data", file, "--out", out, "--embedder", "vectors:response", "--bases", "1"])).toBe(2);
    expect(stderr).toContain("bad.jsonl.gz:7: field \"label\": must be 1 (a preferred), 0 (b preferred) or 0.5 (tie), got 2");
    expect(fs.existsSync(out)).toBe(false);
  });

  it("train: invalid JSON and a missing field", async () => {
    const lines = smallData();
    lines[2] = "{not json";
    expect(await runCli(["train", "--data", writeLines("a.jsonl", lines), "--out", path.join(dir, "r"), "--embedder", "vectors:response"])).toBe(2);
    expect(stderr).toMatch(/a\.jsonl:3: not valid JSON/);
    const lines2 = smallData();
    lines2[4] = JSON.stringify({ user: "u1", prompt: "q", a: vec(1, 2), label: 1 });
    expect(await runCli(["train", "--data", writeLines("b.jsonl", lines2), "--out", path.join(dir, "r"), "--embedder", "vectors:response"])).toBe(2);
    expect(stderr).toContain('b.jsonl:5: field "b": missing');
  });

  it("train: an empty response cannot be embedded", async () => {
    const lines = smallData();
    lines[1] = row("u1", "q", "", vec(1, 1), 1);
    expect(await runCli(["train", "--data", writeLines("e.jsonl", lines), "--out", path.join(dir, "r"), "--embedder", "vectors:response"])).toBe(2);
    expect(stderr).toContain('e.jsonl:2: field "a": empty response (cannot be embedded)');
  });

  it("train and embed: an unknown embedder", async () => {
    const file = writeLines("d.jsonl", smallData());
    expect(await runCli(["train", "--data", file, "--out", path.join(dir, "r"), "--embedder", "word2vec:response"])).toBe(2);
    expect(stderr).toContain('unknown embedder "word2vec:response": unknown model "word2vec"');
    expect(await runCli(["embed", "--data", file, "--embedder", "use-lite-512:response:middle"])).toBe(2);
    expect(stderr).toContain('unknown window "middle"');
    expect(await runCli(["embed", "--data", file, "--embedder", "openai:some-model:response"])).toBe(2);
    expect(stderr).toContain("needs an endpoint");
  });

  it("train: J larger than the data supports", async () => {
    const file = writeLines("d.jsonl", smallData(["u1", "u2", "u3", "u4", "u5"]));
    const out = path.join(dir, "run");
    expect(await runCli(["train", "--data", file, "--out", out, "--embedder", "vectors:response", "--bases", "6", "--holdout", "0.2"])).toBe(2);
    expect(stderr).toMatch(/--bases 6 is more than the \d training users with comparisons can identify/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it("train: J larger than the embedding dimension", async () => {
    const file = writeLines("d.jsonl", smallData(["u1", "u2", "u3", "u4", "u5"]));
    expect(await runCli(["train", "--data", file, "--out", path.join(dir, "r"), "--embedder", "vectors:response", "--bases", "3", "--holdout", "0"])).toBe(2);
    expect(stderr).toContain("--bases 3 is larger than the embedding dimension 2");
  });

  it("train: a dataset with one user", async () => {
    const file = writeLines("one.jsonl", smallData(["only"]));
    const out = path.join(dir, "run");
    expect(await runCli(["train", "--data", file, "--out", out, "--embedder", "vectors:response", "--bases", "1"])).toBe(2);
    expect(stderr).toContain("the data has 1 user; a basis needs comparisons from at least 2 users");
    expect(fs.existsSync(out)).toBe(false);
  });

  it("train: an empty file and out-of-range flags", async () => {
    expect(await runCli(["train", "--data", writeLines("empty.jsonl", []), "--out", path.join(dir, "r"), "--embedder", "vectors:response"])).toBe(2);
    expect(stderr).toContain("no comparisons found");
    expect(await runCli(["train", "--data", "x", "--out", "y", "--bases", "0"])).not.toBe(0);
    expect(stderr).toContain("option '--bases <J>' argument '0' is invalid");
  });

  it("eval: a missing run directory, and a run without held-out users", async () => {
    expect(await runCli(["eval", "--run", path.join(dir, "missing")])).toBe(2);
    expect(stderr).toContain("run directory not found");
    const file = writeLines("d.jsonl", smallData(["u1", "u2", "u3", "u4"]));
    const out = path.join(dir, "all");
    expect(await runCli(["train", "--data", file, "--out", out, "--embedder", "vectors:response", "--bases", "1", "--holdout", "0"])).toBe(0);
    expect(await runCli(["eval", "--run", out])).toBe(2);
    expect(stderr).toContain("trained with --holdout 0: there are no held-out users to evaluate");
    expect(fs.existsSync(path.join(out, "eval.json"))).toBe(false);
  });

  it("train: embeddings from two embedders in one file, and an --embedder other than the data's", async () => {
    const e = (xs: number[]) => ({ embedding: Buffer.from(Float32Array.from(xs).buffer).toString("base64") });
    const line = (embedder: string) => JSON.stringify({ user: "u1", prompt_hash: "h1", a: e([1, 0]), b: e([0, 1]), label: 1, embedder });
    const mixed = writeLines("mixed.jsonl", [line("m1"), line("m1"), line("m2")]);
    expect(await runCli(["train", "--data", mixed, "--out", path.join(dir, "r"), "--bases", "1"])).toBe(2);
    expect(stderr).toContain('mixed.jsonl:3: field "embedder": "m2" differs from "m1" (line 1): one file, one embedder');
    const one = writeLines("one.jsonl", [line("m1"), line("m1")]);
    expect(await runCli(["train", "--data", one, "--out", path.join(dir, "r"), "--bases", "1", "--embedder", "vectors:response"])).toBe(2);
    expect(stderr).toContain('holds embeddings from "m1", not "vectors:response"');
    const anonymous = writeLines("anon.jsonl", [JSON.stringify({ user: "u1", prompt: "p", a: e([1, 0]), b: "text", label: 1 })]);
    expect(await runCli(["train", "--data", anonymous, "--out", path.join(dir, "r"), "--bases", "1"])).toBe(2);
    expect(stderr).toContain('anon.jsonl:1: field "a": an embedding needs the embedder that made it');
    const bad = writeLines("bad64.jsonl", [JSON.stringify({ embedder: "m1" }), JSON.stringify({ user: "u1", prompt: "p", a: { embedding: "AAAA=" }, b: e([1, 2]), label: 1 })]);
    expect(await runCli(["train", "--data", bad, "--out", path.join(dir, "r"), "--bases", "1"])).toBe(2);
    expect(stderr).toContain('bad64.jsonl:2: field "a": embedding: not base64');
    expect(fs.existsSync(path.join(dir, "r"))).toBe(false);
  });

  it("eval: when no held-out user has two distinct pairs, it says so and exits non-zero", async () => {
    // Every user compares the same single pair: nothing is left to test on once it is in the pool.
    const lines: string[] = [];
    for (let u = 0; u < 10; u++) for (let r = 0; r < 3; r++) lines.push(row(`u${u}`, "which would you rather watch?", vec(1, 0), vec(0, 1), u % 2));
    for (let u = 0; u < 10; u++) lines.push(row(`u${u}`, "which would you rather watch?", vec(1, 1), vec(0, 1), 1));
    const out = path.join(dir, "run");
    expect(await runCli(["train", "--data", writeLines("one-pair.jsonl", lines.slice(0, 30)), "--out", out, "--embedder", "vectors:response", "--bases", "1", "--holdout", "0.3"])).toBe(0);
    expect(await runCli(["eval", "--run", out])).toBe(2);
    expect(stderr).toMatch(/none of the 3 held-out users can be evaluated: each needs comparisons on at least two distinct response pairs/);
    expect(fs.existsSync(path.join(out, "eval.json"))).toBe(false);
  });

  it("eval: a corrupt basis artifact", async () => {
    const out = path.join(dir, "run");
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, "basis.json"), JSON.stringify({ format: "pref-basis/1", id: "x" }));
    expect(await runCli(["eval", "--run", out])).toBe(2);
    expect(stderr).toContain("is not a valid basis artifact");
  });

  it("make-attributes: a missing file and a malformed line", async () => {
    const out = path.join(dir, "attrs.jsonl");
    expect(await runCli(["make-attributes", "--data", path.join(dir, "none.jsonl.gz"), "--out", out])).toBe(2);
    expect(stderr).toContain("file not found");
    const file = writeLines("resp.jsonl", [JSON.stringify({ id: 0, prompt: "p", responses: [{ generator: "g", text: "t" }] }), JSON.stringify({ id: 1, prompt: 5, responses: [] })]);
    expect(await runCli(["make-attributes", "--data", file, "--out", out])).toBe(2);
    expect(stderr).toContain('resp.jsonl:2: field "prompt": expected a string');
    expect(fs.existsSync(out)).toBe(false);
  });
});
