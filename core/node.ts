// Node-only loader of the WASM core (reads build/core.wasm from the repository; run `npm run build:wasm` first).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type WasmCore, createWasmCore } from "./wasm-core.ts";

/** Absolute path of build/core.wasm in this repository. */
export const CORE_WASM_PATH = fileURLToPath(new URL("../build/core.wasm", import.meta.url));

/** Compiles build/core.wasm (or another path) into a WebAssembly.Module. */
export async function compileCoreWasmNode(path: string = CORE_WASM_PATH): Promise<WebAssembly.Module> {
  // The project's ambient types are workerd's, which omit WebAssembly.compile; Node has it.
  const wasm = WebAssembly as unknown as { compile(bytes: Uint8Array): Promise<WebAssembly.Module> };
  return wasm.compile(readFileSync(path));
}

/** A ready WASM core for Node tools and tests. */
export async function loadWasmCoreNode(path: string = CORE_WASM_PATH): Promise<WasmCore> {
  return createWasmCore(await compileCoreWasmNode(path));
}
