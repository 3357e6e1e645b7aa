// x-request-id on every answer (the client's own when acceptable), in every error body and every log line; the
// logs are JSON lines that never contain prompt or response text or raw user ids.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ask, chat, chatTenant, fakeEmbeddings, fakeUpstream } from "./chat-helpers.ts";
import { admin, call } from "./helpers.ts";
import { captureLogs } from "./logs.ts";

afterEach(() => vi.restoreAllMocks());

const GENERATED = /^req_[0-9a-f]{24}$/;

describe("request ids", () => {
  it("every answer carries one, errors carry it in the body too, and each request gets its own", async () => {
    const answers = await Promise.all([
      call("GET", "/health"),
      call("GET", "/openapi.json"),
      call("GET", "/no/such/route"),
      call("POST", "/v1/rank", { body: {} }),
      call("POST", "/v1/rank", { key: "pk_whatever_000000000000000", raw: "x", headers: { "content-type": "text/plain" } }),
      call("GET", "/admin/bases", { key: "wrong" }),
      admin("GET", "/admin/bases"),
    ]);
    const ids = answers.map((r) => r.headers.get("x-request-id"));
    ids.forEach((id) => expect(id).toMatch(GENERATED));
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of answers.filter((r) => r.status >= 400)) expect(r.body.error.request_id).toBe(r.headers.get("x-request-id"));
  });

  it("echoes the client's id when it is a sane token, and replaces one that is not", async () => {
    const mine = await call("POST", "/v1/rank", { body: {}, headers: { "x-request-id": "client-abc_123.x" } });
    expect(mine.headers.get("x-request-id")).toBe("client-abc_123.x");
    expect(mine.body.error.request_id).toBe("client-abc_123.x");
    for (const bad of ["has spaces", "x".repeat(129), "tab\there"]) {
      const res = await call("GET", "/health", { headers: { "x-request-id": bad } });
      expect(res.headers.get("x-request-id")).toMatch(GENERATED);
    }
  });
});

describe("logs", () => {
  it("are JSON lines with the request id, route templates and hashed users, and never the texts or raw user ids", async () => {
    fakeEmbeddings();
    const SECRET = { user: "alice.secret-user@example.com", prompt: "PROMPT-TEXT-never-logged", a: "CANDIDATE-A-never-logged", b: "CANDIDATE-B-never-logged", answer: "UPSTREAM-ANSWER-never-logged" };
    const t = await chatTenant({});
    const other = await chatTenant({});
    await fakeUpstream.script({ texts: [SECRET.answer, `${SECRET.answer} 2`] });
    const logs = captureLogs();

    const responses = [
      await call("POST", "/v1/rank", { key: t.key, body: { user: SECRET.user, prompt: SECRET.prompt, candidates: [SECRET.a, SECRET.b] } }),
      await call("POST", "/v1/feedback", { key: t.key, body: { user: SECRET.user, prompt: SECRET.prompt, chosen: SECRET.a, rejected: SECRET.b } }),
      await call("POST", "/v1/questions/next", { key: t.key, body: { user: SECRET.user, prompt: SECRET.prompt, candidates: [SECRET.a, SECRET.b, "third"] } }),
      await chat(t.key, ask(SECRET.prompt, { user: SECRET.user })),
      await call("GET", `/v1/users/${encodeURIComponent(SECRET.user)}`, { key: t.key }),
      await call("GET", `/v1/users/${encodeURIComponent(SECRET.user)}/export`, { key: t.key }),
      await call("POST", "/v1/feedback", { key: t.key, body: { user: SECRET.user, prompt: SECRET.prompt, chosen: SECRET.a, rejected: SECRET.a } }), // 422
      await call("POST", "/v1/rank", { key: other.key, body: { user: SECRET.user, prompt: SECRET.prompt, candidates: [SECRET.a] } }),
      await call("DELETE", `/v1/users/${encodeURIComponent(SECRET.user)}`, { key: t.key }),
      await call("GET", `/v1/users/${encodeURIComponent(SECRET.user)}`, { key: t.key }), // 404
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 422, 200, 204, 404]);

    const text = logs.text();
    for (const secret of Object.values(SECRET)) expect(text).not.toContain(secret);
    expect(text).not.toContain(encodeURIComponent(SECRET.user));
    const lines = logs.lines();
    expect(lines.every((l) => !("unparsed" in l))).toBe(true);
    expect(lines.every((l) => typeof l.request_id === "string" && typeof l.ts === "string" && typeof l.level === "string")).toBe(true);

    const access = lines.filter((l) => l.event === "request");
    expect(access.map((l) => l.request_id)).toEqual(responses.map((r) => r.headers.get("x-request-id")));
    expect(access.map((l) => l.route)).toEqual([
      "/v1/rank",
      "/v1/feedback",
      "/v1/questions/next",
      "/v1/chat/completions",
      "/v1/users/:user",
      "/v1/users/:user/export",
      "/v1/feedback",
      "/v1/rank",
      "/v1/users/:user",
      "/v1/users/:user",
    ]);
    expect(access.map((l) => l.status)).toEqual(responses.map((r) => r.status));
    expect(access[6]).toMatchObject({ level: "warn", code: "unprocessable" });
    // The same user is the same hash within a tenant, another in another tenant; never the id itself.
    const hashes = access.map((l) => l.user as string);
    hashes.forEach((h) => expect(h).toMatch(/^[0-9a-f]{16}$/));
    expect(new Set([...hashes.slice(0, 7), ...hashes.slice(8)]).size).toBe(1);
    expect(hashes[7]).not.toBe(hashes[0]);
    expect(access[0]).toMatchObject({ tenant: t.tenant, key: expect.stringMatching(/^key_/), ms: expect.any(Number) });
  });
});
