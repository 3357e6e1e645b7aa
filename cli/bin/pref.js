#!/usr/bin/env node
// The `pref` binary: runs the TypeScript entry through tsx so `npx pref <cmd>` works with no build step.
import { register } from "tsx/esm/api";

// `pref eval ... | head` closes stdout early: that is not an error.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});
register();
const { runCli } = await import("../main.ts");
process.exitCode = await runCli(process.argv.slice(2));
