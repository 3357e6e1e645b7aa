// The embedder flags shared by every command that embeds.
import type { Command } from "commander";
import { DEFAULT_EMBEDDER, EMBEDDER_HELP } from "./recipe.ts";

export interface EmbedderFlags {
  embedder: string;
  embedUrl?: string;
  embedKey?: string;
  cacheDir?: string;
}

export function addEmbedderFlags(command: Command, defaultId: string | null = DEFAULT_EMBEDDER): Command {
  return command
    .option("--embedder <id>", EMBEDDER_HELP, defaultId ?? undefined)
    .option("--embed-url <url>", "OpenAI-compatible embeddings base URL, e.g. http://127.0.0.1:8080/v1 (env PREF_EMBED_URL)")
    .option("--embed-key <key>", "API key for --embed-url (env PREF_EMBED_KEY)")
    .option("--cache-dir <dir>", "embedding cache directory (env PREF_CACHE_DIR; default .cache/embeddings)");
}
