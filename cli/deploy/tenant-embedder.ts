// Which embedder the deployed tenant gets, from the basis it will use. A basis reads only the vectors of the exact
// recipe it was trained on (its embedder.id); the Worker can compute a recipe's vectors itself only for a remote
// model (Workers AI, or an OpenAI-compatible API) over the response text alone. Anything else is refused here,
// before any account is touched, with what to do instead.
import { DeployError } from "./steps.ts";

export const EMBEDDER_KINDS = ["workers-ai", "openai", "vectors"] as const;
export type EmbedderKind = (typeof EMBEDDER_KINDS)[number];

export interface TenantEmbedder {
  kind: EmbedderKind;
  /** Always the basis's embedder.id: the API refuses a basis whose id differs from the tenant's. */
  id: string;
  model?: string;
}

type Recipe =
  | { model: "remote"; name: string; text: string }
  | { model: "use-lite"; text: string }
  | { model: "vectors" }
  | { model: "unknown" };

function parseRecipe(id: string): Recipe {
  const parts = id.split(":");
  if (parts[0] === "openai" && parts.length >= 3) return { model: "remote", name: parts.slice(1, -1).join(":"), text: parts[parts.length - 1] };
  if (parts[0] === "use-lite-512" && parts.length >= 2) return { model: "use-lite", text: parts[1] };
  if (parts[0] === "vectors") return { model: "vectors" };
  return { model: "unknown" };
}

export interface EmbedderContext {
  basisFile: string;
  env: string;
  vars: Record<string, string>;
  hasAiBinding: boolean;
}

const TRAIN_HINT = (env: string) =>
  `  - train a basis for a production embedder from the shipped benchmark data (docs/deploy.md, "Embedder and basis"):\n` +
  `      npx pref production-basis --embedder workers-ai      # needs CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN\n` +
  `      npm run deploy -- --env ${env} --basis basis/production/basis.json\n` +
  `  - or keep this basis and have your callers send embeddings of that recipe themselves: --embedder vectors`;

export function chooseTenantEmbedder(embedderId: string, requested: EmbedderKind | undefined, ctx: EmbedderContext): TenantEmbedder {
  const recipe = parseRecipe(embedderId);
  const trainedOn = `${ctx.basisFile} was trained on embedder "${embedderId}"`;
  if (requested === "vectors") return { kind: "vectors", id: embedderId };

  if (recipe.model === "use-lite") {
    if (requested !== "openai")
      throw new DeployError(
        `${trainedOn}: the offline USE-lite model, which runs in Node (npm start's embeddings server), not in a Worker. ` +
          `A deployed tenant could not turn text into the vectors this basis reads. Choose one:\n${TRAIN_HINT(ctx.env)}\n` +
          `  - or serve the recipe yourself (npx pref serve-embeddings, reachable from Cloudflare), set EMBEDDINGS_URL in [env.${ctx.env}.vars] and pass --embedder openai`,
      );
  } else if (recipe.model === "vectors" || recipe.model === "unknown") {
    throw new DeployError(`${trainedOn}, which no Worker embedder computes; only --embedder vectors (callers send the vectors) can use it.`);
  }
  if ((recipe.model === "remote" || recipe.model === "use-lite") && recipe.text !== "response")
    throw new DeployError(
      `${trainedOn}, which embeds the prompt with the response; the Worker embeds each candidate's text alone, so its vectors would not match. ` +
        `Train on the response alone (the recipe ends in ":response") or pass --embedder vectors.`,
    );

  const model = recipe.model === "remote" ? recipe.name : embedderId; // a recipe server takes the recipe id as the model
  const kind = requested ?? (model.startsWith("@cf/") ? "workers-ai" : "openai");
  if (kind === "workers-ai") {
    if (!model.startsWith("@cf/"))
      throw new DeployError(`${trainedOn}; Workers AI serves "@cf/..." models only. Pass --embedder openai for an OpenAI-compatible API, or train on a Workers AI model:\n${TRAIN_HINT(ctx.env)}`);
    if (!ctx.hasAiBinding) throw new DeployError(`embedder workers-ai needs the AI binding: add [env.${ctx.env}.ai] binding = "AI" to wrangler.toml`);
    return { kind, id: embedderId, model };
  }
  if (!ctx.vars.EMBEDDINGS_URL)
    throw new DeployError(
      `embedder openai (model "${model}") needs the endpoint: set EMBEDDINGS_URL in [env.${ctx.env}.vars] of wrangler.toml to the full URL of its ` +
        `POST /v1/embeddings (e.g. https://api.openai.com/v1/embeddings); its key comes from PREF_EMBED_KEY as the secret EMBEDDINGS_API_KEY.`,
    );
  return { kind: "openai", id: embedderId, model };
}
