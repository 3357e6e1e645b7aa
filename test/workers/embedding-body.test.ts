// Large bodies with embeddings are decoded by the WASM core before JSON.parse (worker/embedding-body.ts). Whatever
// the spelling of the numbers, the answer must be the one a plain JSON.parse gives: same scores bit for bit, same
// idempotency fingerprint, same errors with the same fields, and nothing stored from a rejected request.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { DecodedEmbeddings, PrefCore } from "../../core/types.ts";
import { createApp } from "../../worker/app.ts";
import { loadConfig } from "../../worker/config.ts";
import { getCore } from "../../worker/core.ts";
import { ORIGIN, makeBasis, setupTenant, storedCounts, unique, vectors, type TenantSetup } from "./helpers.ts";

const D = 512;
let t: TenantSetup;
/** Arrays the core decoded, per request, through an app whose core records them. */
const decodedPerRequest: number[] = [];

const recordingCore = async (): Promise<PrefCore> => {
  const core = await getCore();
  return new Proxy(core, {
    get(target, prop, receiver) {
      if (prop === "decodeEmbeddingArrays")
        return (body: Uint8Array, limits: { maxDims: number; maxAbs: number }): DecodedEmbeddings => {
          const out = target.decodeEmbeddingArrays(body, limits);
          decodedPerRequest.push(out.spans.length / 4);
          return out;
        };
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
};

let app: ReturnType<typeof createApp>;

async function post(path: string, text: string): Promise<{ status: number; body: any }> {
  const res = await app.request(`${ORIGIN}${path}`, { method: "POST", headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" }, body: text }, env);
  return { status: res.status, body: await res.json() };
}

/** 21+ significant digits of the exact same double (the shortest spelling padded with zeros): left to JSON.parse. */
const longSpelling = (v: number) => {
  const s = JSON.stringify(v);
  if (s.includes("e")) return s;
  return s.includes(".") ? `${s}${"0".repeat(21)}` : `${s}.${"0".repeat(21)}`;
};
/** Vectors with 6 significant digits, as clients usually send them: within the core's fast path. */
const shortVectors = (n: number, seed: number) => vectors(n, D, seed).map((v) => v.map((x) => Number(x.toPrecision(6))));
const spell = (vs: number[][], how: (v: number) => string, sep = ",") => vs.map((v) => `{"embedding":[${v.map(how).join(sep)}]}`).join(",");

beforeAll(async () => {
  t = await setupTenant({ basis: makeBasis({ d: D, J: 4, embedderId: `test-embedder:${D}` }) });
  app = createApp(loadConfig(env), { core: recordingCore });
});

describe("large bodies with embeddings", () => {
  it("rank: fast-path, long and pretty spellings of the same vectors give bit-identical rankings", async () => {
    const cands = shortVectors(6, 11);
    const user = unique("u");
    const head = `{"user":"${user}","prompt":"p","candidates":[`;
    decodedPerRequest.length = 0;
    const fast = await post("/v1/rank", `${head}${spell(cands, JSON.stringify)}]}`);
    const long = await post("/v1/rank", `${head}${spell(cands, longSpelling)}]}`);
    const pretty = await post("/v1/rank", `${head}${spell(cands, JSON.stringify, " ,\n ")}]}`);
    expect([fast.status, long.status, pretty.status]).toEqual([200, 200, 200]);
    // The core decoded every array of the short spellings and left the long one to JSON.parse.
    expect(decodedPerRequest).toEqual([6, 0, 6]);
    expect(long.body.ranking).toEqual(fast.body.ranking);
    expect(pretty.body.ranking).toEqual(fast.body.ranking);
    expect(fast.body.ranking.map((r: { index: number }) => r.index).sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("questions/next: both spellings pick the same pair", async () => {
    const cands = shortVectors(6, 15);
    const head = `{"user":"${unique("u")}","prompt":"p","candidates":[`;
    const fast = await post("/v1/questions/next", `${head}${spell(cands, JSON.stringify)}]}`);
    const long = await post("/v1/questions/next", `${head}${spell(cands, longSpelling)}]}`);
    expect(fast.status).toBe(200);
    expect(long.body).toEqual(fast.body);
  });

  it("feedback: the same comparison in two spellings has one idempotency fingerprint (a replay, not a conflict)", async () => {
    const [a, b] = shortVectors(2, 12);
    const user = unique("u");
    const body = (how: (v: number) => string) =>
      `{"user":"${user}","prompt":"p","chosen":{"embedding":[${a.map(how).join(",")}]},"rejected":{"embedding":[${b.map(how).join(",")}]},"idempotency_key":"k-1"}`;
    const first = await post("/v1/feedback", body(JSON.stringify));
    const again = await post("/v1/feedback", body(longSpelling));
    expect(first).toMatchObject({ status: 200, body: { duplicate: false, user: { feedback_count: 1 } } });
    expect(again).toMatchObject({ status: 200, body: { duplicate: true, user: { feedback_count: 1 } } });
  });

  it("a duplicated key keeps JSON.parse's meaning: the last value wins", async () => {
    const [x, y, z] = shortVectors(3, 13);
    const user = unique("u");
    const dup = await post("/v1/rank", `{"user":"${user}","prompt":"p","candidates":[{"embedding":${JSON.stringify(x)},"embedding":${JSON.stringify(y)}},{"embedding":${JSON.stringify(z)}}]}`);
    const plain = await post("/v1/rank", JSON.stringify({ user, prompt: "p", candidates: [{ embedding: y }, { embedding: z }] }));
    expect(dup.status).toBe(200);
    expect(dup.body.ranking).toEqual(plain.body.ranking);
  });

  it("errors name the same fields as for any body, and nothing is stored", async () => {
    const cands = shortVectors(3, 14);
    const user = unique("u");
    const rank = (candidates: string) => post("/v1/rank", `{"user":"${user}","prompt":"p","candidates":[${candidates}]}`);

    const huge = cands.map((v) => v.slice());
    huge[2][7] = 1e10;
    expect(await rank(spell(huge, JSON.stringify))).toMatchObject({ status: 400, body: { error: { field: "candidates.2.embedding.7" } } });

    // 1e999 is JSON for Infinity: outside the fast path, so JSON.parse reads it and the schema names it.
    const infinite = cands.map((v, i) => `{"embedding":[${v.map((x, k) => (i === 0 && k === 4 ? "1e999" : JSON.stringify(x))).join(",")}]}`).join(",");
    expect(await rank(infinite)).toMatchObject({ status: 400, body: { error: { field: "candidates.0.embedding.4" } } });

    const short = [cands[0], cands[1].slice(1)];
    expect(await rank(spell(short, JSON.stringify))).toMatchObject({ status: 422, body: { error: { code: "dimension_mismatch", field: "candidates.1.embedding" } } });

    expect(await rank(`${spell(cands, JSON.stringify)},{"embedding":[1,2`)).toMatchObject({ status: 400, body: { error: { code: "malformed_json", field: "body" } } });

    // A string shaped like the internal marker is just a bad base64 embedding.
    const forged = `{"embedding":"\\u00001234:0"},${spell(cands, JSON.stringify)}`;
    expect(await rank(forged)).toMatchObject({ status: 400, body: { error: { field: "candidates.0.embedding" } } });

    const before = await storedCounts(t.tenant);
    const bad = await post(
      "/v1/feedback",
      `{"user":"${user}","prompt":"p","chosen":{"embedding":${JSON.stringify(cands[0])}},"rejected":{"embedding":${JSON.stringify(huge[2])}}}`,
    );
    expect(bad).toMatchObject({ status: 400, body: { error: { field: "rejected.embedding.7" } } });
    expect(await storedCounts(t.tenant)).toEqual(before);
  });
});
