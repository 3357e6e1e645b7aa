// `npm start` as a newcomer runs it: one command, then health, rank with plain text and feedback work; Ctrl-C
// (SIGINT to the process group, as a terminal sends it) stops everything it started.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, projectRoot, waitForHttp } from "../../scripts/processes.ts";

const key = "pk_smoke_test_key_000000000000000";
let group: number | undefined;
let exited: Promise<number | string | null> | undefined;
let home: string | undefined;

// On a failed assertion, still stop what npm start started: SIGINT lets it stop its own services.
afterAll(async () => {
  if (group) {
    try {
      process.kill(-group, "SIGINT");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    } catch {
      // already stopped
    }
  }
  if (home) rmSync(home, { recursive: true, force: true });
});

const processesOnPort = (port: number) =>
  execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(`--port ${port}`) || line.includes(`127.0.0.1:${port}`));

describe("npm start", () => {
  it("serves rank and feedback on text out of the box, and Ctrl-C stops everything", async () => {
    const port = await freePort();
    home = mkdtempSync(path.join(tmpdir(), "pref-start-"));
    const child = spawn("npm", ["start"], {
      cwd: projectRoot,
      env: { ...process.env, PREF_PORT: String(port), PREF_DEV_KEY: key, PREF_ADMIN_TOKEN: "smoke-admin-token", PREF_STATE_DIR: path.join(home, "d1"), XDG_CONFIG_HOME: home },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    group = child.pid;
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    // npm itself dies of the SIGINT (as in a terminal); what matters is that it exits and leaves nothing behind.
    exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal)));

    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/health`, 120_000);
    // Health answers before seeding ends: wait for the banner that follows it.
    const deadline = Date.now() + 60_000;
    while (!output.includes("PReF Edge is running") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(output).toContain(key);

    const health = (await (await fetch(`${url}/health`)).json()) as { basis: unknown };
    expect(health).toMatchObject({ status: "ok", core: "wasm", db: "ok" });
    expect(typeof health.basis).toBe("string");

    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const prompt = "How do I boil an egg?";
    const candidates = ["Boil it for eight minutes.", "Place the egg in boiling water for about eight minutes, then cool it in ice water so it peels easily."];
    const rank = await fetch(`${url}/v1/rank`, { method: "POST", headers, body: JSON.stringify({ user: "smoke", prompt, candidates }) });
    expect(rank.status).toBe(200);
    const ranked = (await rank.json()) as { basis: string; ranking: { index: number }[] };
    expect(ranked.ranking.map((r) => r.index).sort()).toEqual([0, 1]);
    expect(ranked.basis).toBe(health.basis);

    const feedback = await fetch(`${url}/v1/feedback`, {
      method: "POST",
      headers,
      body: JSON.stringify({ user: "smoke", prompt, chosen: candidates[0], rejected: candidates[1] }),
    });
    expect(feedback.status).toBe(200);
    expect(((await feedback.json()) as { user: { feedback_count: number } }).user.feedback_count).toBe(1);

    process.kill(-child.pid!, "SIGINT");
    expect([0, "SIGINT"]).toContain(await exited);
    await new Promise((r) => setTimeout(r, 500));
    expect(processesOnPort(port)).toEqual([]);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    group = undefined;
  }, 240_000);
});
