// The numeric core, instantiated once per isolate from the bundled WebAssembly module.
import wasmModule from "../build/core.wasm";
import type { PrefCore } from "../core/types.ts";
import { createWasmCore } from "../core/wasm-core.ts";

let instance: Promise<PrefCore> | undefined;

export function getCore(): Promise<PrefCore> {
  instance ??= createWasmCore(wasmModule).catch((err) => {
    instance = undefined; // let the next request try again
    throw err;
  });
  return instance;
}
