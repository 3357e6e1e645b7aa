// `pref deploy` (also `npm run deploy`): the guided path from a logged-in wrangler to a serving deployment.
import { Option, type Command } from "commander";
import { askOnTerminal } from "../deploy/ask.ts";
import { CliError } from "../errors.ts";
import { defaultWranglerConfig, PRODUCTION_BASIS } from "../deploy/paths.ts";
import type { DeployOptions } from "../deploy/run.ts";
import { EMBEDDER_KINDS } from "../deploy/tenant-embedder.ts";
import { integer } from "../options.ts";

export function registerDeploy(program: Command): void {
  program
    .command("deploy")
    .description("deploy to your Cloudflare account: D1, migrations, WASM build, Worker, secrets, basis, first tenant and key, health check")
    .addOption(new Option("--env <name>", "wrangler environment (each has its own Worker and D1 database)").default("staging"))
    .option("--basis <file>", `basis artifact to upload and give the tenant (default ${PRODUCTION_BASIS} if present, else the shipped basis/default/basis.json)`)
    .addOption(new Option("--embedder <kind>", "the tenant's embedder (default: chosen from the basis's embedder id)").choices(EMBEDDER_KINDS))
    .option("--tenant <id>", "the tenant to create if it does not exist", "main")
    .option("--tenant-name <name>", "its display name (default: the id)")
    .option("--url <url>", "the Worker's public URL, when wrangler does not print one (custom domain or route)")
    .option("--update-secrets", "replace secrets that are already set with the values given in the environment", false)
    .option("--wait <seconds>", "how long to wait for a fresh deployment to be served", integer(1, 3600), 180)
    .addOption(new Option("--config <file>", "wrangler configuration").default(defaultWranglerConfig, "the project's wrangler.toml"))
    .addHelpText(
      "after",
      `
Secrets come from the environment or, on a terminal, are asked for; they are never written to disk:
  PREF_ADMIN_TOKEN   the Worker's ADMIN_TOKEN (required; set on the first deploy, the same value afterwards)
  PREF_UPSTREAM_KEY  UPSTREAM_API_KEY, the chat LLM's key (optional)
  PREF_EMBED_KEY     EMBEDDINGS_API_KEY, for a tenant on an OpenAI-compatible embeddings API (optional)
Re-running is safe: what exists is kept (database, secrets, basis, tenant, keys). See docs/deploy.md.

Examples:
  npm run deploy                                   # staging, interactive
  npm run deploy -- --env production --basis basis/production/basis.json`,
    )
    .action(async (o: DeployOptions) => {
      // Loaded on use: it reads wrangler.toml with wrangler's own parser, whose import takes seconds. The deploy
      // builds and uploads this repository's Worker, so it needs a checkout with its dev dependencies (wrangler,
      // the AssemblyScript compiler), which a production install of the CLI does not have.
      const { runDeploy } = await import("../deploy/run.ts").catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ERR_MODULE_NOT_FOUND" && /'wrangler'/.test(err.message))
          throw new CliError("pref deploy runs from a checkout of the repository after `npm ci` (it needs wrangler, a dev dependency)");
        throw err;
      });
      await runDeploy(o, {
        log: (line) => process.stderr.write(`${line}\n`),
        out: (text) => process.stdout.write(text),
        ask: askOnTerminal,
        env: process.env,
      });
    });
}
