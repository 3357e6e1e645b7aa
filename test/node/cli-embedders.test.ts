// Embedders: recipe ids, the content-addressed cache, the OpenAI-compatible client (against a local fake server),
// and the offline USE-lite windows.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VectorCache, textHash } from "../../cli/embedders/cache.ts";
import { createEmbedder } from "../../cli/embedders/index.ts";
import { composeText, parseRecipe } from "../../cli/embedders/recipe.ts";
import { embedWindow, embedWithLibrary, windowTokens } from "../../cli/embedders/use-lite.ts";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pref-embed-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("recipe ids", () => {
  it("parse the model, the text part and the windows", () => {
    expect(parseRecipe("use-lite-512:response").windows).toEqual([{ kind: "head" }]);
    expect(parseRecipe("use-lite-512:response:head+tail64").windows).toEqual([{ kind: "head" }, { kind: "tail", tokens: 64 }]);
    expect(parseRecipe("use-lite-512:prompt+response:chunks").text).toBe("prompt+response");
    expect(parseRecipe("openai:nomic-embed-text:latest:response").model).toEqual({ kind: "openai", name: "nomic-embed-text:latest" });
    expect(() => parseRecipe("use-lite-512")).toThrow(/unknown embedder/);
    expect(() => parseRecipe("use-lite-512:response:tail500")).toThrow(/1-128 tokens/);
    expect(() => parseRecipe("use-lite-512:title")).toThrow(/unknown text part/);
    expect(composeText("prompt+response", "Q?", "A.")).toBe("Q?\n\nA.");
    expect(composeText("response", "Q?", "A.")).toBe("A.");
  });
});

describe("vector cache", () => {
  it("persists vectors by content hash and drops a torn record", () => {
    const cdir = path.join(dir, "cache1");
    const c = new VectorCache(cdir, "m_head");
    c.put(textHash("a"), Float32Array.from([1, 2, 3]));
    c.put(textHash("b"), Float32Array.from([4, 5, 6]));
    c.flush();
    const file = path.join(cdir, "m_head.bin");
    fs.appendFileSync(file, Buffer.alloc(10)); // a crash mid-record
    const again = new VectorCache(cdir, "m_head");
    expect(again.size).toBe(2);
    expect(Array.from(again.get(textHash("b"))!)).toEqual([4, 5, 6]);
    again.put(textHash("c"), Float32Array.from([7, 8, 9]));
    again.flush();
    expect(new VectorCache(cdir, "m_head").size).toBe(3);
    expect(() => again.put(textHash("d"), Float32Array.from([1]))).toThrow(/expected 3/);
  });
});

describe("OpenAI-compatible embedder", () => {
  let server: http.Server;
  let url: string;
  const seen: { model: string; input: string[]; auth?: string }[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const { model, input } = JSON.parse(body);
        seen.push({ model, input, auth: req.headers.authorization });
        const data = (input as string[]).map((t, index) => ({ index, embedding: [t.length, model.length, 1] }));
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ data }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("embeds through the endpoint once, then only from the cache", async () => {
    const opts = { cacheDir: path.join(dir, "cache2"), embedUrl: url, embedKey: "k-123" };
    const e1 = createEmbedder("openai:fake-model:response", opts);
    const v = await e1.embed(["hello", "world!", "hello"]);
    expect(v.map((x) => Array.from(x))).toEqual([[5, 10, 1], [6, 10, 1], [5, 10, 1]]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual({ model: "fake-model", input: ["hello", "world!"], auth: "Bearer k-123" });
    const e2 = createEmbedder("openai:fake-model:response", opts);
    expect(e2.countMissing(["hello", "world!"])).toBe(0);
    await e2.embed(["world!", "hello"]);
    expect(seen).toHaveLength(1);
    // Another model is another cache.
    await createEmbedder("openai:other:response", opts).embed(["hello"]);
    expect(seen).toHaveLength(2);
  });

  it("refuses empty texts and reports an unreachable endpoint", async () => {
    const e = createEmbedder("openai:fake-model:response", { cacheDir: path.join(dir, "cache3"), embedUrl: url });
    await expect(e.embed(["ok", " "])).rejects.toThrow(/text 1 is empty/);
    const down = createEmbedder("openai:fake-model:response", { cacheDir: path.join(dir, "cache3"), embedUrl: "http://127.0.0.1:9/v1" });
    await expect(down.embed(["x"])).rejects.toThrow(/unreachable/);
  });
});

describe("USE-lite windows", () => {
  const long = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} talks about topic ${i % 7}.`).join(" ") + " Would you like to know more?";

  it("the head window is exactly what the library embeds; the tail sees the ending the head cannot", async () => {
    const [head] = windowTokens(long, { kind: "head" });
    expect(head).toHaveLength(128);
    const [tail] = windowTokens(long, { kind: "tail", tokens: 64 });
    expect(tail).toHaveLength(64);
    const chunks = windowTokens(long, { kind: "chunks" });
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.flat().slice(0, 128)).toEqual(head);
    expect(chunks.flat().slice(-64)).toEqual(tail);
    const h = await embedWindow(long, { kind: "head" });
    const lib = await embedWithLibrary(long);
    h.forEach((x, i) => expect(x).toBeCloseTo(lib[i], 6));
    // The library cannot tell two answers apart that differ only after their first ~128 tokens; the tail can.
    const other = long.replace("Would you like to know more?", "That is all.");
    const libOther = await embedWithLibrary(other);
    expect(Array.from(libOther)).toEqual(Array.from(lib));
    const t1 = await embedWindow(long, { kind: "tail", tokens: 64 });
    const t2 = await embedWindow(other, { kind: "tail", tokens: 64 });
    expect(Math.max(...t1.map((x, i) => Math.abs(x - t2[i])))).toBeGreaterThan(0.01);
  });

  it("a head+tail recipe concatenates the windows and caches each", async () => {
    const cacheDir = path.join(dir, "cache4");
    const e = createEmbedder("use-lite-512:response:head+tail64", { cacheDir });
    expect(e.d).toBe(1024);
    const [v] = await e.embed(["Short answer, so both windows see all of it."]);
    expect(v).toHaveLength(1024);
    expect(fs.readdirSync(cacheDir).sort()).toEqual(["use-lite-512_head.bin", "use-lite-512_tail64.bin"]);
    expect(createEmbedder("use-lite-512:response", { cacheDir }).countMissing(["Short answer, so both windows see all of it."])).toBe(0);
    await expect(e.embed([""])).rejects.toThrow(/empty/);
  });
});

describe("serve-embeddings", () => {
  it("serves a recipe over the OpenAI embeddings API, identical to the embedder, and rejects bad requests", async () => {
    const { startEmbeddingsServer } = await import("../support/embeddings-server.ts");
    const server = await startEmbeddingsServer(path.join(dir, "cache5"));
    const { post } = server;
    try {
      const res = await post({ model: "use-lite-512:response:head+tail64", input: ["Is this polite? Thank you!"] });
      expect(res.status).toBe(200);
      const json = (await res.json()) as { data: { index: number; embedding: number[] }[]; model: string };
      expect(json.model).toBe("use-lite-512:response:head+tail64");
      const [direct] = await createEmbedder("use-lite-512:response:head+tail64", { cacheDir: path.join(dir, "cache6") }).embed(["Is this polite? Thank you!"]);
      expect(json.data[0].embedding).toEqual(Array.from(direct));
      // Asked for base64: the same (float32) values as little-endian float32.
      const b64 = (await (await post({ model: "use-lite-512:response:head+tail64", input: ["Is this polite? Thank you!"], encoding_format: "base64" })).json()) as { data: { embedding: string }[] };
      expect(typeof b64.data[0].embedding).toBe("string");
      expect(Array.from(new Float32Array(Uint8Array.from(Buffer.from(b64.data[0].embedding, "base64")).buffer))).toEqual(Array.from(direct));
      expect((await post({ model: "use-lite-512:response", input: ["x"], encoding_format: "binary" })).status).toBe(400);
      expect((await post({ model: "use-lite-512:response", input: [""] })).status).toBe(400);
      expect((await post({ model: "bert:response", input: ["x"] })).status).toBe(404);
      expect((await post({ model: "vectors:response", input: ["[1]"] })).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
