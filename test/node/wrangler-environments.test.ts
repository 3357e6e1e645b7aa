// The deployed environments in wrangler.toml, read as wrangler reads them: each its own Worker and D1 database,
// with the AI binding and every var the top level (local dev) has, since wrangler inherits neither bindings nor
// vars; and one version everywhere, so /health tells which release answers.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { readEnvironment } from "../../cli/deploy/wrangler-config.ts";
import { loadConfig } from "../../worker/config.ts";
import type { Bindings } from "../../worker/env.ts";
import { projectRoot } from "../../scripts/processes.ts";

const configPath = path.join(projectRoot, "wrangler.toml");
const top = unstable_readConfig({ config: configPath }, { hideWarnings: true });
const version = (JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { version: string }).version;

describe("wrangler.toml environments", () => {
  const envs = ["staging", "production"].map((env) => readEnvironment(configPath, env));

  it("are separate Workers with separate D1 databases and the AI binding", () => {
    expect(envs.map((e) => e.workerName)).toEqual(["pref-edge-staging", "pref-edge-production"]);
    expect(new Set(envs.map((e) => e.database.name)).size).toBe(2);
    const ids = envs.map((e) => e.database.id).filter(Boolean);
    expect(new Set(ids).size).toBe(ids.length);
    expect(envs.every((e) => e.hasAiBinding)).toBe(true);
    // Local development keeps its own (local-only) database and no AI binding (it would call the remote service).
    expect(top.d1_databases.map((d: { binding: string; database_name?: string }) => [d.binding, d.database_name])).toEqual([["DB", "pref-edge"]]);
    expect(top.ai).toBeUndefined();
  });

  it("declare every var of the top level, with valid values and the package's version", () => {
    const topVars = top.vars as Record<string, string>;
    expect(topVars.PREF_VERSION).toBe(version);
    for (const env of envs) {
      expect(Object.keys(env.vars).sort()).toEqual(Object.keys(topVars).sort());
      expect(env.vars.PREF_VERSION).toBe(version);
      expect(() => loadConfig(env.vars as unknown as Bindings)).not.toThrow();
    }
  });
});
