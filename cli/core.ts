// The numeric core for the offline tools: the same WASM core the Worker runs (build/core.wasm), so evaluation
// measures exactly the posterior, acquisition and scoring code that serves users. PREF_CORE=reference selects the
// plain-TypeScript core (e.g. to cross-check); without a built wasm we fall back to it and say so.
import fs from "node:fs";
import { CORE_WASM_PATH, loadWasmCoreNode } from "../core/node.ts";
import { createReferenceCore } from "../core/reference.ts";
import type { PrefCore } from "../core/types.ts";
import { note } from "./progress.ts";

let cached: Promise<PrefCore> | null = null;

export function loadCore(): Promise<PrefCore> {
  cached ??= (async () => {
    const want = process.env.PREF_CORE ?? "wasm";
    if (want === "reference") return createReferenceCore();
    if (!fs.existsSync(CORE_WASM_PATH)) {
      note(`warning: ${CORE_WASM_PATH} is missing (run \`npm run build:wasm\`); using the TypeScript reference core`);
      return createReferenceCore();
    }
    return loadWasmCoreNode();
  })();
  return cached;
}
