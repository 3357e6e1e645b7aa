// Where the project lives, wherever the deploy is started from.
import path from "node:path";

export const projectRoot = path.resolve(import.meta.dirname, "..", "..");
export const defaultWranglerConfig = path.join(projectRoot, "wrangler.toml");
/** Where `pref production-basis` writes, and so where the deploy looks for a basis first. */
export const PRODUCTION_BASIS = path.join("basis", "production", "basis.json");
