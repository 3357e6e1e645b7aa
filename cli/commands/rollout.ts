// `pref push` and `pref rollback`: roll a trained basis out to a tenant, and back (cli/service/rollout.ts).
import type { Command } from "commander";
import { integer, integerList, nonNegative } from "../options.ts";
import { note } from "../progress.ts";
import { pushBasis, rollbackBasis } from "../service/rollout.ts";
import { addServiceFlags, type ServiceFlags } from "./service-flags.ts";

export function registerRollout(program: Command): void {
  addServiceFlags(program.command("push").description("upload a trained basis to a service and, with --activate, serve it to a tenant"))
    .requiredOption("--basis <file>", "basis.json written by `pref train` (its run directory is used by --if-better)")
    .option("--activate", "activate it for the tenant", false)
    .option("--if-better", "only when it beats the tenant's active basis by --margin on the run's held-out users (pref eval --compare)", false)
    .option("--margin <m>", "accuracy it must win by (95% lower bound of the paired difference)", nonNegative, 0.01)
    .option("--seeds <n>", "pool/test splits per user in the comparison", integer(1, 100), 3)
    .option("--queries <list>", "numbers of answers k the comparison averages over (k > 0)", integerList, [0, 5, 10, 20])
    .addHelpText("after", "\nExample:\n  npx pref push --url $URL --admin-token $ADMIN_TOKEN --tenant acme --basis runs/acme/basis.json --activate --if-better --margin 0.01")
    .action(async (o: ServiceFlags & { basis: string; activate: boolean; ifBetter: boolean; margin: number; seeds: number; queries: number[] }) => {
      const r = await pushBasis(o);
      note(`${r.basis}: ${r.uploaded ? "uploaded" : "already on the service"}${r.activated ? `, now active for ${o.tenant}` : ""}`);
    });

  addServiceFlags(program.command("rollback").description("re-activate the basis a tenant served before its current one"))
    .addHelpText("after", "\nExample:\n  npx pref rollback --url $URL --admin-token $ADMIN_TOKEN --tenant acme")
    .action(async (o: ServiceFlags) => {
      const r = await rollbackBasis(o);
      note(`tenant ${o.tenant}: ${r.replaced ?? "the service default"} -> ${r.basis ?? "the service default"}`);
    });
}
