import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { generateAttributes } from "../../cli/attributes/generate.ts";
import { ATTRIBUTES, rawScores } from "../../cli/attributes/scorers.ts";
import { loadJudge, sidecarPathFor, writeSidecar } from "../../cli/attributes/sidecar.ts";
import { simulatedUsers } from "../../cli/attributes/users.ts";
import type { PromptResponses } from "../../cli/data/alpaca.ts";

const score = (name: string, text: string) => rawScores(text)[ATTRIBUTES.findIndex((a) => a.name === name)];

describe("attribute scorers (the judges)", () => {
  it("each rule moves in the direction of its first pole", () => {
    expect(score("length", "word ".repeat(200))).toBeGreaterThan(score("length", "A short answer."));
    expect(score("elicitation", "Here is the answer. Would you like more examples?")).toBe(1);
    expect(score("elicitation", "Here is the answer. Let me know if you need anything else.")).toBe(0.5);
    expect(score("elicitation", "Here is the answer.")).toBe(0);
    expect(score("politeness", "Thank you for asking! I hope this helps, please ask again.")).toBeGreaterThan(score("politeness", "Do it like this."));
    expect(score("enthusiasm", "This is amazing! I love it!")).toBeGreaterThan(score("enthusiasm", "This works."));
    expect(score("confidence", "This is definitely and clearly the answer.")).toBeGreaterThan(score("confidence", "It might perhaps possibly be the answer."));
    expect(score("formality", "Furthermore, the methodology demonstrates considerable effectiveness.")).toBeGreaterThan(score("formality", "Yeah, it's gonna be cool, don't worry!"));
    expect(score("humour", "Haha, that's a funny joke!")).toBeGreaterThan(score("humour", "The capital of France is Paris."));
  });

  it("there are 84 users, one pole of each of two different attributes", () => {
    const users = simulatedUsers();
    expect(users).toHaveLength(84);
    expect(new Set(users.map((u) => u.id)).size).toBe(84);
    for (const u of users) expect(u.likes[0].attribute).not.toBe(u.likes[1].attribute);
  });
});

describe("make-attributes generator", () => {
  const prompts: PromptResponses[] = Array.from({ length: 6 }, (_, p) => ({
    id: p,
    prompt: `prompt ${p}`,
    responses: [
      { generator: "m0", text: `Short answer ${p}.` },
      { generator: "m1", text: `A much longer answer ${p} that goes on and on, clearly. Would you like more?` },
      { generator: "m2", text: `Thank you! I hope this helps ${p}, it might be amazing!` },
      { generator: "m3", text: "" },
      { generator: "m4", text: `Furthermore, consequently, the considerations ${p} are substantial and noteworthy.` },
    ],
  }));

  it("shares every pair across many users, never uses an empty response, and labels follow the judges when beta is large", () => {
    const bench = generateAttributes(prompts, { prompts: 6, seed: 3, pairsPerPrompt: 4, labelsPerPair: 30, beta: 1e6, consensus: 0, source: "test" });
    expect(bench.comparisons).toHaveLength(6 * 4 * 30);
    expect(bench.comparisons.every((c) => c.a.length > 0 && c.b.length > 0)).toBe(true);
    const perPair = new Map<string, number>();
    for (const c of bench.comparisons) perPair.set(`${c.prompt}|${c.a}|${c.b}`, (perPair.get(`${c.prompt}|${c.a}|${c.b}`) ?? 0) + 1);
    expect([...perPair.values()].every((n) => n === 30)).toBe(true);
    expect(bench.agreement).toBe(1);
  });

  it("is reproducible for a seed and the sidecar judges exactly what generated the labels", () => {
    const a = generateAttributes(prompts, { prompts: 6, seed: 5, pairsPerPrompt: 3, labelsPerPair: 10, beta: 1e6, consensus: 0, source: "t" });
    const b = generateAttributes(prompts, { prompts: 6, seed: 5, pairsPerPrompt: 3, labelsPerPair: 10, beta: 1e6, consensus: 0, source: "t" });
    expect(a.comparisons).toEqual(b.comparisons);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pref-attr-"));
    const file = sidecarPathFor(path.join(dir, "attrs.jsonl.gz"));
    expect(file.endsWith("attrs.judge.json.gz")).toBe(true);
    writeSidecar(file, a.sidecar);
    const judge = loadJudge(file);
    fs.rmSync(dir, { recursive: true, force: true });
    for (const c of a.comparisons) {
      const diff = judge.utility(c.user, c.prompt, c.a)! - judge.utility(c.user, c.prompt, c.b)!;
      expect(c.label).toBe(diff === 0 ? 0.5 : diff > 0 ? 1 : 0);
    }
    expect(judge.candidates("prompt 0")).toHaveLength(4); // the empty response is not a candidate
  });

  it("consensus users share a taste on top of their poles, and the sidecar judges it", () => {
    const users = simulatedUsers(2);
    const mean = users[0].weights.map((_, k) => users.reduce((s, u) => s + u.weights[k], 0) / users.length);
    // The poles cancel over the 84 users, leaving the shared direction at length 2.
    expect(Math.hypot(...mean)).toBeCloseTo(2, 10);
    expect(simulatedUsers(0).every((u) => Math.hypot(...u.weights) === Math.SQRT2)).toBe(true);
    const bench = generateAttributes(prompts, { prompts: 6, seed: 5, pairsPerPrompt: 3, labelsPerPair: 10, beta: 1e6, consensus: 2, source: "t" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pref-attr-"));
    const file = sidecarPathFor(path.join(dir, "attrs.jsonl.gz"));
    writeSidecar(file, bench.sidecar);
    const judge = loadJudge(file);
    fs.rmSync(dir, { recursive: true, force: true });
    for (const c of bench.comparisons) {
      const diff = judge.utility(c.user, c.prompt, c.a)! - judge.utility(c.user, c.prompt, c.b)!;
      expect(c.label).toBe(diff === 0 ? 0.5 : diff > 0 ? 1 : 0);
    }
  });
});
