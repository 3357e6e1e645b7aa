// The judging sidecar written beside a simulated benchmark (attrs.jsonl -> attrs.judge.json): everything eval needs
// to judge any response of the benchmark for any simulated user (each prompt's candidate responses with their
// standardised attribute scores, and each user's two poles). Only eval reads it, never train or the featurizer.
import fs from "node:fs";
import zlib from "node:zlib";
import { z } from "zod";
import { CliError } from "../errors.ts";
import { writeFileAtomic } from "../data/jsonl.ts";
import { type SimulatedUser, utility } from "./users.ts";

export const SIDECAR_FORMAT = "pref-attributes-judge/2";
/** Version 1 had no weights (every user liked exactly their two poles); it still loads. */
const SIDECAR_FORMATS = ["pref-attributes-judge/1", SIDECAR_FORMAT] as const;

const sidecarSchema = z.object({
  format: z.enum(SIDECAR_FORMATS),
  source: z.string(),
  seed: z.number(),
  beta: z.number(),
  /** Strength of the shared taste (0: every user is their two poles only). */
  consensus: z.number().optional(),
  attributes: z.array(z.object({ name: z.string(), poles: z.tuple([z.string(), z.string()]), rule: z.string() })),
  standardization: z.object({ mean: z.array(z.number()), sd: z.array(z.number()) }),
  users: z.array(
    z.object({
      id: z.string(),
      likes: z.array(z.object({ attribute: z.number().int(), sign: z.union([z.literal(1), z.literal(-1)]) })),
      weights: z.array(z.number()).optional(),
    }),
  ),
  prompts: z.array(
    z.object({
      prompt: z.string(),
      responses: z.array(z.object({ generator: z.string(), text: z.string(), scores: z.array(z.number()) })),
    }),
  ),
});

export type Sidecar = z.infer<typeof sidecarSchema>;

/** attrs.jsonl -> attrs.judge.json, attrs.jsonl.gz -> attrs.judge.json.gz. */
export function sidecarPathFor(dataFile: string): string {
  const gz = dataFile.endsWith(".gz");
  const base = dataFile.replace(/\.gz$/, "").replace(/\.jsonl?$/, "");
  return `${base}.judge.json${gz ? ".gz" : ""}`;
}

export function writeSidecar(file: string, sidecar: Sidecar): void {
  const body = Buffer.from(JSON.stringify(sidecarSchema.parse(sidecar)));
  writeFileAtomic(file, file.endsWith(".gz") ? zlib.gzipSync(body) : body);
}

/** Judges responses for simulated users: noise-free utilities from the precomputed attribute scores. */
export interface Judge {
  sidecar: Sidecar;
  users: Map<string, SimulatedUser>;
  /** Utility of a response to a prompt for a user, or undefined when the sidecar does not know the text. */
  utility(user: string, prompt: string, text: string): number | undefined;
  /** Every scored candidate of a prompt (empty responses are never candidates). */
  candidates(prompt: string): { text: string; scores: number[] }[];
}

export function loadJudge(file: string): Judge {
  let sidecar: Sidecar;
  try {
    const raw = fs.readFileSync(file);
    sidecar = sidecarSchema.parse(JSON.parse((file.endsWith(".gz") ? zlib.gunzipSync(raw) : raw).toString("utf8")));
  } catch (error) {
    throw new CliError(`judging sidecar ${file} is unreadable: ${(error as Error).message.slice(0, 300)}`);
  }
  const nAttributes = sidecar.attributes.length;
  const weightsOf = (u: Sidecar["users"][number]) => {
    if (u.weights) return u.weights;
    const w = new Array<number>(nAttributes).fill(0);
    for (const l of u.likes) w[l.attribute] += l.sign;
    return w;
  };
  const users = new Map(sidecar.users.map((u) => [u.id, { id: u.id, likes: u.likes, weights: weightsOf(u) } as SimulatedUser]));
  const byPrompt = new Map<string, Map<string, number[]>>();
  for (const p of sidecar.prompts) byPrompt.set(p.prompt, new Map(p.responses.map((r) => [r.text, r.scores])));
  return {
    sidecar,
    users,
    utility(user, prompt, text) {
      const u = users.get(user);
      const scores = byPrompt.get(prompt)?.get(text);
      return u && scores ? utility(u, scores) : undefined;
    },
    candidates(prompt) {
      return [...(byPrompt.get(prompt)?.entries() ?? [])].map(([text, scores]) => ({ text, scores }));
    },
  };
}
