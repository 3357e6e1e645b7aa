// The deploy rebuilds the WASM core exactly when build/core.wasm is older than something it is built from.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { coreBuildReason } from "../../cli/deploy/publish.ts";

let root: string;
const at = (file: string, seconds: number) => utimesSync(path.join(root, file), seconds, seconds);
const write = (file: string, seconds: number) => {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), "x");
  at(file, seconds);
};

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "pref-core-build-"));
  write("assembly/index.ts", 1_000);
  write("assembly/linalg/cholesky.ts", 1_000);
  write("asconfig.json", 1_000);
  write("node_modules/assemblyscript/package.json", 1_000);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("coreBuildReason", () => {
  it("builds when there is no core, skips when the core is newer than every input", () => {
    expect(coreBuildReason(root)).toBe("build/core.wasm does not exist");
    write("build/core.wasm", 2_000);
    expect(coreBuildReason(root)).toBeNull();
  });

  it("rebuilds after a source in a subfolder, the settings or the compiler changed", () => {
    write("build/core.wasm", 2_000);
    at("assembly/linalg/cholesky.ts", 3_000);
    expect(coreBuildReason(root)).toBe("assembly changed since build/core.wasm was built");
    at("assembly/linalg/cholesky.ts", 1_000);
    at("asconfig.json", 3_000);
    at("node_modules/assemblyscript/package.json", 3_000);
    expect(coreBuildReason(root)).toBe(`asconfig.json, ${path.join("node_modules", "assemblyscript", "package.json")} changed since build/core.wasm was built`);
  });
});
