// A pref-basis/2 artifact with a population row, served as it is: a user with no feedback is ranked by exactly the
// pooled population reward (the prior mean is 1 on that row), answers move the user from there, and a pref-basis/1
// artifact still uploads and serves next to it. A pref-basis/3 artifact's known prompts: a user's deviation counts in
// full on them and only to the new-prompt weight on any other prompt.
import { describe, expect, it } from "vitest";
import { encodeKnownPrompts, promptKey } from "../../core/known-prompts.ts";
import { keyedHash } from "../../worker/keyed-hash.ts";
import { admin, call, dot, env, makeBasis, setupTenant, unique, vectors } from "./helpers.ts";

const d = 8;
const pool = vectors(8, d, 71).map((embedding) => ({ embedding }));

function populationBasis() {
  const base = makeBasis({ d, J: 3, seed: 5, embedderId: "population-emb", priorVariance: 0.5 });
  return { ...base, population: { base: 0 as const, reg: 3 }, mu0: [1, 0, 0] };
}

describe("a basis with a population row", () => {
  it("ranks a user with no feedback by the population reward alone, then personalizes from their answers", async () => {
    const basis = populationBasis();
    const t = await setupTenant({ basis });
    const user = unique("u");
    const fresh = await call("POST", "/v1/rank", { key: t.key, body: { user, prompt: "p", candidates: pool } });
    expect(fresh.status).toBe(200);
    const population = pool.map((c) => dot(basis.W[0], c.embedding));
    for (const r of fresh.body.ranking) expect(r.score).toBeCloseTo(population[r.index], 12);
    expect(fresh.body.ranking.map((r: { index: number }) => r.index)).toEqual(population.map((_, i) => i).sort((a, b) => population[b] - population[a]));

    // The user prefers what the population ranks last over its first, repeatedly: the ranking moves.
    const [best, worst] = [fresh.body.ranking[0].index, fresh.body.ranking.at(-1).index];
    for (let i = 0; i < 6; i++) {
      const res = await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "p", chosen: pool[worst], rejected: pool[best] } });
      expect(res.status).toBe(200);
    }
    const after = await call("POST", "/v1/rank", { key: t.key, body: { user, prompt: "p", candidates: pool } });
    const position = (ranking: { index: number }[], i: number) => ranking.findIndex((r) => r.index === i);
    expect(position(after.body.ranking, worst)).toBeLessThan(position(fresh.body.ranking, worst));
    const profile = await call("GET", `/v1/users/${user}`, { key: t.key });
    expect(profile.body.weights).toHaveLength(3);
  });

  it("a pref-basis/1 artifact still uploads and serves: its new users get the prior mean", async () => {
    const old = { ...makeBasis({ d, J: 2, seed: 6, embedderId: "old-format-emb", mu0: [0.5, -0.25] }), format: "pref-basis/1" };
    const t = await setupTenant({ basis: old as never });
    const res = await call("POST", "/v1/rank", { key: t.key, body: { user: unique("u"), prompt: "p", candidates: pool } });
    expect(res.status).toBe(200);
    for (const r of res.body.ranking) expect(r.score).toBeCloseTo(0.5 * dot(old.W[0], pool[r.index].embedding) - 0.25 * dot(old.W[1], pool[r.index].embedding), 12);
  });

  it("refuses a population row whose prior mean is not the population model", async () => {
    const res = await admin("POST", "/admin/bases", { ...populationBasis(), id: unique("bad"), mu0: [0.9, 0, 0] });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain("mu0");
  });

  it("serves a user's whole deviation on the basis's known prompts and the new-prompt weight of it elsewhere", async () => {
    const basis = { ...populationBasis(), prompts: { known: encodeKnownPrompts([await promptKey("a prompt from training")]), new_prompt_weight: 0.25 } };
    const t = await setupTenant({ basis });
    const user = unique("u");
    for (let i = 0; i < 6; i++) {
      const res = await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "a prompt from training", chosen: pool[i], rejected: pool[7 - i] } });
      expect(res.status).toBe(200);
    }
    const mean: number[] = (await call("GET", `/v1/users/${user}`, { key: t.key })).body.weights.map((w: { mean: number }) => w.mean);
    expect(Math.abs(mean[1]) + Math.abs(mean[2])).toBeGreaterThan(0.05); // the answers moved the user
    const reward = (weights: number[], e: number[]) => weights.reduce((s, w, j) => s + w * dot(basis.W[j], e), 0);
    const scores = async (prompt: string, weight: number) => {
      const res = await call("POST", "/v1/rank", { key: t.key, body: { user, prompt, candidates: pool } });
      expect(res.status).toBe(200);
      expect(res.body.deviation_weight).toBe(weight); // said in the answer
      return new Map<number, number>(res.body.ranking.map((r: { index: number; score: number }) => [r.index, r.score]));
    };
    const known = await scores("a prompt from training", 1);
    const shrunk = [1, 0, 0].map((m0, j) => m0 + 0.25 * (mean[j] - m0));
    const fresh = await scores("a prompt nobody trained on", 0.25);
    pool.forEach((c, i) => {
      expect(known.get(i)).toBeCloseTo(reward(mean, c.embedding), 9);
      expect(fresh.get(i)).toBeCloseTo(reward(shrunk, c.embedding), 9);
    });
  });

  it("knows the prompts of a basis trained on an exported log by the tenant's keyed prompt hash", async () => {
    const plain = populationBasis();
    const t = await setupTenant({ basis: plain });
    const user = unique("u");
    for (let i = 0; i < 6; i++) await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "q", chosen: pool[i], rejected: pool[7 - i] } });
    // What `pref pull` exports as the prompt: the keyed hash; training keys that string like any other prompt.
    const exported = await keyedHash((env as unknown as { HASH_SECRET: string }).HASH_SECRET, t.tenant, "prompt", "an exported prompt");
    const trained = { ...plain, id: unique("from-log"), prompts: { known: encodeKnownPrompts([await promptKey(exported)]), new_prompt_weight: 1 / 64 } };
    expect((await admin("POST", "/admin/bases", trained)).status).toBe(201);
    expect((await admin("PUT", `/admin/tenants/${t.tenant}/basis`, { basis: trained.id })).status).toBe(200);
    const rank = async (prompt: string) => (await call("POST", "/v1/rank", { key: t.key, body: { user, prompt, candidates: pool } })).body.ranking;
    const population = (r: { index: number; score: number }) => dot(plain.W[0], pool[r.index].embedding);
    // Known: the user's own ranking, away from the population's; new: all but 1/64 of the deviation is gone.
    const known = await rank("an exported prompt");
    const fresh = await rank("another prompt");
    expect(Math.max(...known.map((r: { index: number; score: number }) => Math.abs(r.score - population(r))))).toBeGreaterThan(0.01);
    const gap = Math.max(...fresh.map((r: { index: number; score: number }) => Math.abs(r.score - population(r))));
    expect(gap).toBeLessThan(Math.max(...known.map((r: { index: number; score: number }) => Math.abs(r.score - population(r)))) / 32);
  });

  it("refuses known prompts on an older format and known prompts that are not whole 8-byte keys", async () => {
    const old = await admin("POST", "/admin/bases", { ...populationBasis(), format: "pref-basis/2", id: unique("old"), prompts: { known: "", new_prompt_weight: 0.5 } });
    expect(old.status).toBe(400);
    expect(JSON.stringify(old.body)).toContain("prompts");
    const ragged = await admin("POST", "/admin/bases", { ...populationBasis(), id: unique("ragged"), prompts: { known: btoa("1234567"), new_prompt_weight: 0.5 } });
    expect(ragged.status).toBe(400);
    expect(JSON.stringify(ragged.body)).toContain("prompts");
    const zero = await admin("POST", "/admin/bases", { ...populationBasis(), id: unique("zero"), prompts: { known: "", new_prompt_weight: 0 } });
    expect(zero.status).toBe(400);
  });
});
