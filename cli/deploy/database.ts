// The environment's D1 database: created when wrangler.toml still has the placeholder id ("already exists" is
// fine: an earlier run or another checkout made it), then found by name and its id recorded in wrangler.toml.
// An id already in wrangler.toml is the operator's (or an earlier run's) choice and is only checked, never replaced.
import { DeployError } from "./steps.ts";
import { recordDatabaseId, type EnvironmentConfig } from "./wrangler-config.ts";
import { WranglerError, type Wrangler } from "./wrangler-cli.ts";

interface ListedDatabase {
  uuid: string;
  name: string;
}

async function listDatabases(wrangler: Wrangler, cfg: EnvironmentConfig): Promise<ListedDatabase[]> {
  const { stdout } = await wrangler(["d1", "list", "--json", "--config", cfg.configPath], { echo: false });
  try {
    const list = JSON.parse(stdout) as ListedDatabase[];
    if (Array.isArray(list)) return list;
  } catch {
    // fall through
  }
  throw new DeployError(`wrangler d1 list --json did not answer a JSON list:\n${stdout.slice(0, 500)}`);
}

export interface DatabaseOutcome {
  id: string;
  created: boolean;
  recorded: boolean;
}

export async function ensureDatabase(wrangler: Wrangler, cfg: EnvironmentConfig, log: (line: string) => void): Promise<DatabaseOutcome> {
  const { name, id: configured } = cfg.database;
  if (configured) {
    const found = (await listDatabases(wrangler, cfg)).find((d) => d.uuid === configured);
    if (!found)
      throw new DeployError(
        `${cfg.configPath} [env.${cfg.env}] names D1 database ${configured}, which this account does not have (wrangler d1 list). ` +
          `Fix the id, or put back the placeholder 00000000-0000-0000-0000-000000000000 to have the deploy create "${name}".`,
      );
    log(`D1 database ${found.name} (${configured}) exists; wrangler.toml already names it`);
    return { id: configured, created: false, recorded: false };
  }

  let created = true;
  try {
    await wrangler(["d1", "create", name, "--config", cfg.configPath]);
  } catch (err) {
    if (!(err instanceof WranglerError && /already exists/i.test(err.output))) throw err;
    created = false;
    log(`D1 database ${name} already exists: using it`);
  }
  const found = (await listDatabases(wrangler, cfg)).find((d) => d.name === name);
  if (!found) throw new DeployError(`D1 database ${name} is not in wrangler d1 list right after creating it; run the deploy again in a minute`);
  recordDatabaseId(cfg.configPath, cfg.env, found.uuid);
  log(`recorded database_id = "${found.uuid}" for [env.${cfg.env}] in ${cfg.configPath} (commit it, so CI deploys to the same database)`);
  return { id: found.uuid, created, recorded: true };
}
