// A pref-basis/2 artifact with a population row, served as it is: a user with no feedback is ranked by exactly the
// pooled population reward (the prior mean is 1 on that row), answers move the user from there, and a pref-basis/1
// artifact still uploads and serves next to it.
import { describe, expect, it } from "vitest";
import { admin, call, dot, makeBasis, setupTenant, unique, vectors } from "./helpers.ts";

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
});
