// Worker-thread entry of the USE-lite pool: plain JavaScript, so it loads in any parent (the `pref` binary,
// vitest, tsx), then runs the TypeScript thread module through tsx like cli/bin/pref.js does.
import { register } from "tsx/esm/api";

register();
await import("./use-lite-thread.ts");
