// The Worker's secrets: each one that is not set yet is set from the environment or from the operator's answer,
// through `wrangler secret put` on stdin. One that is already set is left alone (it may have been rotated by
// hand) unless the operator asks to replace it (--update-secrets) and gives a value.
import type { AskSecret } from "./ask.ts";
import type { EnvironmentConfig } from "./wrangler-config.ts";
import type { Wrangler } from "./wrangler-cli.ts";

export interface WantedSecret {
  name: string;
  /** From the environment (or resolved earlier); null = ask, if there is a terminal. */
  value: string | null;
  /** What the secret is for, shown when asking or skipping. */
  purpose: string;
  required: boolean;
  /** A fresh value for a secret nobody needs to know (set only when it is missing: never rotated by a re-run). */
  generate?: () => string;
}

export interface SecretsOutcome {
  put: string[];
  kept: string[];
  skipped: string[];
}

async function existingSecrets(wrangler: Wrangler, cfg: EnvironmentConfig): Promise<Set<string>> {
  const { stdout } = await wrangler(["secret", "list", "--env", cfg.env, "--config", cfg.configPath, "--format", "json"], { echo: false });
  const list = JSON.parse(stdout) as { name: string }[];
  return new Set(list.map((s) => s.name));
}

export async function ensureSecrets(
  wrangler: Wrangler,
  cfg: EnvironmentConfig,
  wanted: WantedSecret[],
  options: { update: boolean; ask: AskSecret; log: (line: string) => void },
): Promise<SecretsOutcome> {
  const outcome: SecretsOutcome = { put: [], kept: [], skipped: [] };
  const existing = await existingSecrets(wrangler, cfg);
  for (const secret of wanted) {
    if (existing.has(secret.name) && !(options.update && secret.value)) {
      options.log(`${secret.name}: already set on ${cfg.workerName}, left as it is${secret.value ? " (--update-secrets replaces it)" : ""}`);
      outcome.kept.push(secret.name);
      continue;
    }
    const value = secret.value || secret.generate?.() || (await options.ask(`${secret.name} (${secret.purpose}; empty = skip):`)) || null;
    if (!value) {
      if (secret.required) throw new Error(`${secret.name} is not set on ${cfg.workerName} and no value was given (${secret.purpose})`);
      options.log(`${secret.name}: not set (${secret.purpose}); skipped`);
      outcome.skipped.push(secret.name);
      continue;
    }
    await wrangler(["secret", "put", secret.name, "--env", cfg.env, "--config", cfg.configPath], { input: value });
    outcome.put.push(secret.name);
  }
  return outcome;
}
