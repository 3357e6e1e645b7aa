// Shared by the diagnostics: every candidate of a benchmark sidecar, embedded, with embeddings and attribute
// scores centred within their prompt (so a probe learns what distinguishes answers, not what the prompt is about).
import { type Judge, loadJudge, sidecarPathFor } from "../attributes/sidecar.ts";
import { embedItems } from "../embedders/embed-items.ts";
import { createEmbedder } from "../embedders/index.ts";

export interface Candidates {
  judge: Judge;
  prompts: string[];
  /** Prompt index of each candidate. */
  promptOf: number[];
  texts: string[];
  d: number;
  /** n x d raw embeddings, and the same centred within prompt. */
  raw: Float64Array;
  centred: Float64Array;
  /** n x A standardised attribute scores, centred within prompt. */
  scores: number[][];
}

export async function embeddedCandidates(dataFile: string, embedderId: string): Promise<Candidates> {
  const judge = loadJudge(sidecarPathFor(dataFile));
  const prompts = judge.sidecar.prompts.map((p) => p.prompt);
  const items = judge.sidecar.prompts.flatMap((p) => p.responses.map((r) => ({ prompt: p.prompt, text: r.text })));
  const { d, vectors } = await embedItems(createEmbedder(embedderId), items, "embedding candidates");
  const centred = Float64Array.from(vectors);
  const scores: number[][] = [];
  const promptOf: number[] = [];
  let off = 0;
  judge.sidecar.prompts.forEach((p, pi) => {
    const n = p.responses.length;
    for (let k = 0; k < d; k++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += centred[(off + i) * d + k] / n;
      for (let i = 0; i < n; i++) centred[(off + i) * d + k] -= m;
    }
    const A = p.responses[0]?.scores.length ?? 0;
    const mean = Array.from({ length: A }, (_, a) => p.responses.reduce((s, r) => s + r.scores[a], 0) / n);
    for (const r of p.responses) {
      scores.push(r.scores.map((v, a) => v - mean[a]));
      promptOf.push(pi);
    }
    off += n;
  });
  return { judge, prompts, promptOf, texts: items.map((i) => i.text), d, raw: vectors, centred, scores };
}
