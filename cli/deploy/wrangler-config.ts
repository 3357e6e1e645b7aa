// The deployed environment's settings, read the way wrangler reads them (its own parser, environment rules
// applied), and the one edit the deploy makes to wrangler.toml: the D1 database id, written over the placeholder.
import { readFileSync, writeFileSync } from "node:fs";
import { unstable_readConfig } from "wrangler";
import { DeployError } from "./steps.ts";

export const D1_BINDING = "DB";
const PLACEHOLDER_ID = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;

export interface EnvironmentConfig {
  configPath: string;
  env: string;
  /** The Worker's name in this environment, e.g. pref-edge-staging. */
  workerName: string;
  database: { name: string; id: string | null };
  vars: Record<string, string>;
  hasAiBinding: boolean;
}

export function readEnvironment(configPath: string, env: string): EnvironmentConfig {
  let config: ReturnType<typeof unstable_readConfig>;
  try {
    config = unstable_readConfig({ config: configPath, env }, { hideWarnings: true });
  } catch (err) {
    throw new DeployError(`${configPath}: ${(err as Error).message}`);
  }
  const d1 = config.d1_databases.find((d: { binding: string }) => d.binding === D1_BINDING);
  if (!d1?.database_name)
    throw new DeployError(`${configPath} has no D1 database with binding "${D1_BINDING}" and a database_name in [env.${env}] (see docs/deploy.md)`);
  const id = d1.database_id && !PLACEHOLDER_ID.test(d1.database_id) ? d1.database_id : null;
  const vars = Object.fromEntries(Object.entries(config.vars).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  return { configPath, env, workerName: config.name ?? "", database: { name: d1.database_name, id }, vars, hasAiBinding: Boolean(config.ai) };
}

/**
 * Writes `id` as the database_id of [[env.<env>.d1_databases]] (binding DB), changing only that line, so the
 * operator's comments and layout stay. Refuses a table it cannot find rather than guessing.
 */
export function recordDatabaseId(configPath: string, env: string, id: string): void {
  const lines = readFileSync(configPath, "utf8").split("\n");
  const header = `[[env.${env}.d1_databases]]`;
  let start = -1;
  for (let i = 0; i < lines.length && start < 0; i++) {
    if (lines[i].trim() !== header) continue;
    const end = tableEnd(lines, i);
    if (lines.slice(i + 1, end).some((l) => /^\s*binding\s*=\s*"DB"/.test(l))) start = i;
  }
  if (start < 0) throw new DeployError(`${configPath}: no ${header} table with binding = "${D1_BINDING}" to record the database id in (docs/deploy.md)`);
  const end = tableEnd(lines, start);
  const idLine = lines.slice(start + 1, end).findIndex((l) => /^\s*database_id\s*=/.test(l));
  const line = `database_id = "${id}"`;
  if (idLine >= 0) lines[start + 1 + idLine] = line;
  else lines.splice(start + 1, 0, line);
  writeFileSync(configPath, lines.join("\n"));
  const check = readEnvironment(configPath, env);
  if (check.database.id !== id) throw new DeployError(`${configPath}: wrote database_id ${id} for [env.${env}] but wrangler reads ${check.database.id}`);
}

function tableEnd(lines: string[], header: number): number {
  for (let i = header + 1; i < lines.length; i++) if (/^\s*\[/.test(lines[i])) return i;
  return lines.length;
}
