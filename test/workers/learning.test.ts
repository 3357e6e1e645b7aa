// Learning end to end: a simulated user with a planted preference answers 15 questions/next pairs; afterwards
// rank orders held-out candidates by that user's true utility much better than before (measured).
import { describe, expect, it } from "vitest";
import { call, dot, makeBasis, phiOf, setupTenant, unique, vectors } from "./helpers.ts";

const d = 8;
const J = 3;

/** Fraction of candidate pairs the ranking orders like the true utilities (1 = perfect, 0.5 = chance). */
function pairwiseAgreement(ranking: { index: number }[], utility: number[]): number {
  const position = new Map(ranking.map((r, k) => [r.index, k]));
  let agree = 0;
  let total = 0;
  for (let a = 0; a < utility.length; a++)
    for (let b = a + 1; b < utility.length; b++) {
      total++;
      const rankedFirst = position.get(a)! < position.get(b)! ? a : b;
      const better = utility[a] > utility[b] ? a : b;
      if (rankedFirst === better) agree++;
    }
  return agree / total;
}

describe("learning end to end", () => {
  it("15 answered questions make rank follow the user's planted preference", async () => {
    // The population prior leans the other way from this user: the non-personalized ranking is poor for them.
    const planted = [2.0, -1.5, 1.0];
    const basis = makeBasis({ d, J, seed: 77, mu0: [-0.6, 0.4, -0.3] });
    const t = await setupTenant({ basis });
    const user = unique("learner");
    const utility = (e: number[]) => dot(planted, phiOf(basis, e));

    const heldOut = vectors(16, d, 501);
    const heldOutUtility = heldOut.map(utility);
    const rankHeldOut = async () => {
      const res = await call("POST", "/v1/rank", { key: t.key, body: { user, prompt: "held-out", candidates: heldOut.map((embedding) => ({ embedding })) } });
      expect(res.status).toBe(200);
      return pairwiseAgreement(res.body.ranking, heldOutUtility);
    };
    const before = await rankHeldOut();

    const pool = vectors(12, d, 502);
    let asked = 0;
    for (let round = 0; round < 15; round++) {
      const candidates = pool.map((embedding) => ({ embedding }));
      const q = await call("POST", "/v1/questions/next", { key: t.key, body: { user, prompt: "training", candidates } });
      expect(q.status).toBe(200);
      expect(q.body.ask, JSON.stringify(q.body)).toBe(true);
      asked++;
      // The simulated user answers by their planted utility.
      const [a, b] = [q.body.a, q.body.b];
      const [chosen, rejected] = utility(pool[a]) >= utility(pool[b]) ? [a, b] : [b, a];
      const fb = await call("POST", "/v1/feedback", {
        key: t.key,
        body: { user, prompt: "training", chosen: candidates[chosen], rejected: candidates[rejected], idempotency_key: `${user}-${round}` },
      });
      expect(fb.status).toBe(200);
      expect(fb.body.user.feedback_count).toBe(round + 1);
    }
    const after = await rankHeldOut();
    console.log(`pairwise agreement with the planted preference on 16 held-out candidates: before ${before.toFixed(3)}, after ${asked} answers ${after.toFixed(3)}`);
    expect(before).toBeLessThan(0.5);
    expect(after).toBeGreaterThan(0.85);
    expect(after - before).toBeGreaterThan(0.4);

    // The learned weights point the planted way.
    const profile = await call("GET", `/v1/users/${user}`, { key: t.key });
    const mean = profile.body.weights.map((w: { mean: number }) => w.mean);
    const cosine = dot(mean, planted) / Math.sqrt(dot(mean, mean) * dot(planted, planted));
    expect(cosine).toBeGreaterThan(0.9);
  });
});
