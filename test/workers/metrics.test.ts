// Progressive validation: every comparison is predicted before it updates anything, by the user's posterior and by
// the basis's prior; the predictions go into the log row and the tenant's rollup, and /metrics aggregates them.
import { describe, expect, it } from "vitest";
import { predictive } from "../../core/gaussian.ts";
import { admin, call, makeBasis, refitFromExport, setupTenant, unique, vectors } from "./helpers.ts";

const d = 8;
const pool = vectors(12, d, 91);
const basis = () => makeBasis({ d, J: 3, seed: 9, embedderId: "metrics-emb", priorVariance: 2 });

/** A planted user: prefers the candidate with the larger first embedding coordinate. */
async function answer(key: string, user: string, i: number, tie = false) {
  const [a, b] = [pool[i % 12], pool[(i * 5 + 3) % 12]];
  const [chosen, rejected] = a[0] >= b[0] ? [a, b] : [b, a];
  const res = await call("POST", "/v1/feedback", { key, body: { user, prompt: `p${i}`, chosen: { embedding: chosen }, rejected: { embedding: rejected }, tie } });
  expect(res.status).toBe(200);
}

describe("progressive validation", () => {
  it("stores each comparison's prediction by the posterior before it and by the prior", async () => {
    const b = basis();
    const t = await setupTenant({ basis: b });
    const user = unique("u");
    for (let i = 0; i < 7; i++) await answer(t.key, user, i, i === 4);
    const exported = (await call("GET", `/v1/users/${encodeURIComponent(user)}/export`, { key: t.key })).body;
    const log = (await admin("GET", `/admin/tenants/${t.tenant}/feedback?raw_user_ids=true`)).body as unknown as string;
    const rows = log
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(7);
    const { z } = refitFromExport(b, exported);
    rows.forEach((row, k) => {
      expect(row.feedback_count).toBe(k);
      // The posterior before comparison k: the exact refit of the first k comparisons.
      const before = refitFromExport(b, { ...exported, feedback: exported.feedback.slice(0, k) }).fit.posterior;
      const prior = refitFromExport(b, { ...exported, feedback: [] }).fit.posterior;
      const zk = z.subarray(k * 3, k * 3 + 3);
      const likelihood = (p: number) => (row.label === 1 ? p : Math.sqrt(p * (1 - p)));
      expect(row.p_personal).toBeCloseTo(likelihood(predictive(k === 0 ? prior : before, zk).probability), 6);
      expect(row.p_population).toBeCloseTo(likelihood(predictive(prior, zk).probability), 10);
    });
    // No answers yet: the personal prediction is the population's.
    expect(rows[0].p_personal).toBeCloseTo(rows[0].p_population, 10);
  });

  it("/metrics: per feedback-count bucket and per day, with the lift and its interval, questions and volume", async () => {
    const t = await setupTenant({ basis: basis() });
    const users = [unique("a"), unique("b"), unique("c")];
    for (const user of users) for (let i = 0; i < 12; i++) await answer(t.key, user, i, i === 6);
    const candidates = pool.slice(0, 4).map((embedding) => ({ embedding }));
    expect((await call("POST", "/v1/rank", { key: t.key, body: { user: users[0], prompt: "x", candidates } })).status).toBe(200);
    expect((await call("POST", "/v1/questions/next", { key: t.key, body: { user: unique("new"), prompt: "x", candidates } })).status).toBe(200);

    const byCount = await admin("GET", `/admin/tenants/${t.tenant}/metrics?group=count`);
    expect(byCount.status).toBe(200);
    const groups = byCount.body.groups as any[];
    expect(groups.map((g) => g.key)).toEqual(["0", "1-4", "5-9", "10-19"]);
    expect(groups.map((g) => g.comparisons)).toEqual([3, 12, 15, 6]);
    expect(byCount.body.total.comparisons).toBe(36);
    expect(byCount.body.total.decided).toBe(33); // three ties
    // With no answers the user gets the population model: the bucket "0" shows no lift at all.
    expect(groups[0].lift.value).toBe(0);
    expect(groups[0].personal).toEqual(groups[0].population);
    for (const g of groups) {
      expect(g.personal.accuracy).toBeGreaterThanOrEqual(0);
      expect(g.personal.accuracy).toBeLessThanOrEqual(1);
      expect(g.personal.log_loss).toBeGreaterThan(0);
      if (g.decided > 1) {
        expect(g.lift.low).toBeLessThanOrEqual(g.lift.value);
        expect(g.lift.high).toBeGreaterThanOrEqual(g.lift.value);
      }
    }
    // The lift is personalized minus population accuracy.
    const late = groups[3];
    expect(late.lift.value).toBeCloseTo(late.personal.accuracy - late.population.accuracy, 6);

    const byDay = await admin("GET", `/admin/tenants/${t.tenant}/metrics?group=day`);
    expect(byDay.body.groups).toHaveLength(1);
    expect(byDay.body.groups[0].key).toBe(new Date().toISOString().slice(0, 10));
    expect(byDay.body.groups[0].comparisons).toBe(36);
    expect(byDay.body.questions.answered).toBe(36);

    // Request volume is written behind (about a second later).
    let volume = byDay.body;
    for (let i = 0; i < 40 && (volume.volume.rank < 1 || volume.questions.asked < 1); i++) {
      await new Promise((r) => setTimeout(r, 100));
      volume = (await admin("GET", `/admin/tenants/${t.tenant}/metrics?group=day`)).body;
    }
    expect(volume.volume.rank).toBe(1);
    expect(volume.questions.asked).toBe(1);
  });

  it("refuses a bad range and group, and an unknown tenant", async () => {
    const t = await setupTenant({ basis: basis() });
    for (const q of ["group=week", "from=2026-13-40", "from=2026-12-05&to=2026-12-01", "basis=.."]) {
      const res = await admin("GET", `/admin/tenants/${t.tenant}/metrics?${q}`);
      expect(res.status, q).toBe(400);
    }
    expect((await admin("GET", `/admin/tenants/${unique("none")}/metrics`)).status).toBe(404);
  });
});
