// An embedder id names the whole embedding recipe, because a basis is only valid with exactly the vectors it was
// trained on:   <model>:<text>[:<windows>]
//   model    use-lite-512            the offline Universal Sentence Encoder Lite (sees only ~128 tokens)
//            openai:<model-name>     any OpenAI-compatible /v1/embeddings endpoint serving <model-name>
//            vectors                 precomputed: each response *is* its embedding, written as a JSON array of
//                                    numbers (synthetic benchmarks, tests, embeddings computed elsewhere)
//   text     response                the response alone (measured best)
//            prompt+response         prompt, a blank line, then the response
//   windows  (use-lite only) atoms joined by "+", each embedded separately and concatenated (d = 512 x atoms):
//            head      the first 128 tokens: what the model sees of a whole text (the default)
//            tailN     the last N tokens (N <= 128; "tail" = tail128): where closing questions and sign-offs live
//            chunks    the mean over consecutive 128-token chunks of the whole text
// e.g. "use-lite-512:response", "use-lite-512:response:head+tail64", "openai:text-embedding-3-small:response".
// The text part is applied by whoever has the prompt (composeText); the window part by the embedder itself, so an
// embeddings server keyed by this id receives the composed text and does the rest.
import { CliError } from "../errors.ts";

export type TextPart = "response" | "prompt+response";
export type WindowAtom = { kind: "head" } | { kind: "tail"; tokens: number } | { kind: "chunks" };

export interface Recipe {
  id: string;
  model: { kind: "use-lite"; name: "use-lite-512"; d: 512 } | { kind: "openai"; name: string } | { kind: "vectors"; name: "vectors" };
  text: TextPart;
  windows: WindowAtom[];
}

export const USE_LITE = "use-lite-512";
export const USE_LITE_MAX_TOKENS = 128;
export const DEFAULT_EMBEDDER = "use-lite-512:response:head+tail64+chunks";
const TEXTS: TextPart[] = ["response", "prompt+response"];

export const EMBEDDER_HELP =
  'embedder id "<model>:<text>[:<windows>]": model use-lite-512, openai:<model-name> or vectors; text response | prompt+response; ' +
  "windows (use-lite only) head | tailN | chunks joined by + (e.g. use-lite-512:response:head+tail64)";

function parseAtom(atom: string, id: string): WindowAtom {
  if (atom === "head") return { kind: "head" };
  if (atom === "chunks") return { kind: "chunks" };
  const tail = /^tail(\d*)$/.exec(atom);
  if (tail) {
    const tokens = tail[1] === "" ? USE_LITE_MAX_TOKENS : Number(tail[1]);
    if (tokens < 1 || tokens > USE_LITE_MAX_TOKENS) throw new CliError(`unknown embedder "${id}": tail window must be 1-128 tokens`);
    return { kind: "tail", tokens };
  }
  throw new CliError(`unknown embedder "${id}": unknown window "${atom}" (${EMBEDDER_HELP})`);
}

export function parseRecipe(id: string): Recipe {
  const parts = id.split(":");
  const bad = (why: string): never => {
    throw new CliError(`unknown embedder "${id}": ${why} (${EMBEDDER_HELP})`);
  };
  if (parts[0] === USE_LITE) {
    if (parts.length < 2 || parts.length > 3) bad("expected use-lite-512:<text>[:<windows>]");
    const text = parts[1] as TextPart;
    if (!TEXTS.includes(text)) bad(`unknown text part "${parts[1]}"`);
    const windows = parts.length === 3 ? parts[2].split("+").map((a) => parseAtom(a, id)) : [{ kind: "head" } as const];
    return { id, model: { kind: "use-lite", name: USE_LITE, d: 512 }, text, windows };
  }
  if (parts[0] === "vectors") {
    if (parts.length !== 2 || parts[1] !== "response") bad('expected "vectors:response"');
    return { id, model: { kind: "vectors", name: "vectors" }, text: "response", windows: [{ kind: "head" }] };
  }
  if (parts[0] === "openai") {
    // The model name may itself contain colons (e.g. "nomic-embed-text:latest"): the text part is the last segment.
    if (parts.length < 3) bad("expected openai:<model-name>:<text>");
    const text = parts[parts.length - 1] as TextPart;
    if (!TEXTS.includes(text)) bad(`unknown text part "${text}"`);
    const name = parts.slice(1, -1).join(":");
    if (!name) bad("missing model name");
    return { id, model: { kind: "openai", name }, text, windows: [{ kind: "head" }] };
  }
  return bad(`unknown model "${parts[0]}"`);
}

/** The text an embedder receives for (prompt, response) under a recipe. */
export function composeText(text: TextPart, prompt: string, response: string): string {
  return text === "prompt+response" ? `${prompt}\n\n${response}` : response;
}

/** Cache key of one window atom: the vectors it yields depend on the model and the atom only. */
export function atomKey(recipe: Recipe, atom: WindowAtom): string {
  if (recipe.model.kind === "openai") return `openai_${recipe.model.name}`;
  return `${recipe.model.name}_${atom.kind === "tail" ? `tail${atom.tokens}` : atom.kind}`;
}
