// `pref production-basis`: train a basis for the embedder a deployed Worker uses, from the shipped benchmark data.
import path from "node:path";
import { Option, type Command } from "commander";
import { PRODUCTION_BASIS, projectRoot } from "../deploy/paths.ts";
import { OPENAI_DEFAULT_MODEL, WORKERS_AI_DEFAULT_MODEL, runProductionBasis, type ProductionBasisOptions } from "../deploy/production-basis.ts";
import { integer } from "../options.ts";

export function registerProductionBasis(program: Command): void {
  program
    .command("production-basis")
    .description("train a basis for a production embedder (Workers AI or an OpenAI-compatible API) from the shipped benchmark, for npm run deploy")
    .addOption(new Option("--embedder <kind>", "the embedder the deployed tenant will use").choices(["workers-ai", "openai"]).default("workers-ai"))
    .option("--model <name>", `embedding model (default ${WORKERS_AI_DEFAULT_MODEL} for workers-ai, ${OPENAI_DEFAULT_MODEL} for openai)`)
    .option("--embed-url <url>", "OpenAI-compatible embeddings base URL (default: Workers AI's for CLOUDFLARE_ACCOUNT_ID; env PREF_EMBED_URL or https://api.openai.com/v1 for openai)")
    .addOption(
      new Option("--data <file>", "prompts with responses to build the benchmark from").default(
        path.join(projectRoot, "..", "shared", "data", "alpacaeval-responses.jsonl.gz"),
        "../shared/data/alpacaeval-responses.jsonl.gz",
      ),
    )
    .addOption(new Option("--out <dir>", "run directory for basis.json").default(path.join(projectRoot, path.dirname(PRODUCTION_BASIS)), path.dirname(PRODUCTION_BASIS)))
    .addOption(new Option("--work-dir <dir>", "where the benchmark comparisons are kept between runs").default(path.join(projectRoot, ".cache", "production-basis"), ".cache/production-basis"))
    .option("--prompts <n>", "benchmark prompts (240 = all, as for the default basis)", integer(2), 240)
    .option("--bases <J>", "number of personal base rewards (the basis serves one more: the population reward)", integer(1, 63), 8)
    .option("--cache-dir <dir>", "embedding cache directory (env PREF_CACHE_DIR; default .cache/embeddings)")
    .addHelpText(
      "after",
      `
Keys come from the environment: CLOUDFLARE_API_TOKEN (+ CLOUDFLARE_ACCOUNT_ID) for workers-ai, PREF_EMBED_KEY or
OPENAI_API_KEY for openai. Embedding the benchmark's ~5,700 responses costs about 1.7 M tokens (Workers AI
bge-base: ~$0.11, about one day's free allocation); vectors are cached, so a re-run costs nothing.

Examples:
  CLOUDFLARE_ACCOUNT_ID=... CLOUDFLARE_API_TOKEN=... npx pref production-basis
  npm run deploy -- --basis ${PRODUCTION_BASIS}`,
    )
    .action(async (o: ProductionBasisOptions) => {
      const basisFile = await runProductionBasis(o);
      process.stdout.write(`\nWrote ${basisFile}. Deploy it: npm run deploy -- --basis ${basisFile}\n`);
    });
}
