// Chat test plumbing inside workerd: the fake upstream (a real HTTP server in the vitest process, scripted over
// HTTP), the openai-embedder endpoint faked at the fetch level with the planted-style embedding, and tenants
// whose upstream points at the fake.
import { inject, vi } from "vitest";
import type { RecordedCall, RemoteScript } from "../support/fake-upstream.ts";
import type { BasisArtifact } from "../../core/artifact.ts";
import { STYLE_EMBEDDER_ID, styleBasis, styleEmbedding } from "../support/planted-style.ts";
import { admin, call, unique } from "./helpers.ts";

export const upstreamUrl = () => inject("fakeUpstreamUrl");
const control = (path: string) => upstreamUrl().replace(/\/v1$/, "") + path;

export const fakeUpstream = {
  async script(script: RemoteScript): Promise<void> {
    const res = await fetch(control("/__fake/script"), { method: "POST", body: JSON.stringify(script) });
    if (!res.ok) throw new Error(`scripting the fake upstream: ${res.status}`);
  },
  async calls(): Promise<RecordedCall[]> {
    return (await fetch(control("/__fake/calls")).then((r) => r.json())) as RecordedCall[];
  },
};

/**
 * The tenant's `openai` embedder endpoint (EMBEDDINGS_URL = http://embeddings.fake/...) answers with styleEmbedding.
 * Returns the texts of each call it answered, in order.
 */
export function fakeEmbeddings(): string[][] {
  const calls: string[][] = [];
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    if (new URL(req.url).host !== "embeddings.fake") return realFetch(input, init);
    const { input: texts } = (await req.json()) as { input: string[] };
    calls.push(texts);
    return Response.json({ data: texts.map((text, index) => ({ index, embedding: styleEmbedding(text) })) });
  });
  return calls;
}

export const STYLE_BASIS_ID = "chat-test-style-basis";

export interface ChatTenant {
  tenant: string;
  key: string;
}

/** A tenant on the planted-style basis with a text embedder; upstream settings as given (null: none of its own). */
export async function chatTenant(
  upstream: Record<string, unknown> | null = {},
  embedderKind = "openai",
  basis: BasisArtifact = styleBasis(STYLE_BASIS_ID),
  embedderModel = "style",
): Promise<ChatTenant> {
  const up = await admin("POST", "/admin/bases", basis);
  if (up.status !== 201 && up.status !== 409) throw new Error(`basis: ${up.status} ${JSON.stringify(up.body)}`);
  const t = await admin("POST", "/admin/tenants", { name: unique("chat"), embedder: { kind: embedderKind, id: STYLE_EMBEDDER_ID, model: embedderModel }, basis: basis.id });
  if (t.status !== 201) throw new Error(`tenant: ${t.status} ${JSON.stringify(t.body)}`);
  const k = await admin("POST", `/admin/tenants/${t.body.id}/keys`, {});
  if (upstream) {
    const set = await admin("PUT", `/admin/tenants/${t.body.id}/upstream`, { url: upstreamUrl(), model: "fake-model", ...upstream });
    if (set.status !== 200) throw new Error(`upstream: ${set.status} ${JSON.stringify(set.body)}`);
  }
  return { tenant: t.body.id, key: k.body.key };
}

export const chat = (key: string, body: Record<string, unknown>) => call("POST", "/v1/chat/completions", { key, body });

export const ask = (content: string, extra: Record<string, unknown> = {}) => ({ model: "any", messages: [{ role: "user", content }], ...extra });

/** Plants "prefers enthusiastic answers" (or the opposite) in a user through /v1/feedback. */
export async function plantEnthusiasm(key: string, user: string, likes: boolean, times = 4): Promise<void> {
  for (let i = 0; i < times; i++) {
    const loud = `That is a great question ${i}! Here it is!`;
    const calm = `Here is the answer to question ${i}.`;
    const res = await call("POST", "/v1/feedback", {
      key,
      body: { user, prompt: `training prompt ${i}`, chosen: likes ? loud : calm, rejected: likes ? calm : loud },
    });
    if (res.status !== 200) throw new Error(`feedback: ${res.status} ${JSON.stringify(res.body)}`);
  }
}
