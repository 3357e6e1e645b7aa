// `pref pull`: a tenant's comparison log from a running service, for `pref train` / `pref eval` (cli/service/pull.ts).
import type { Command } from "commander";
import { integer } from "../options.ts";
import { note } from "../progress.ts";
import { pullLog } from "../service/pull.ts";
import { addServiceFlags, type ServiceFlags } from "./service-flags.ts";

export function registerPull(program: Command): void {
  addServiceFlags(program.command("pull").description("page a tenant's comparison log out of the service into JSON Lines (resumable)"))
    .requiredOption("--out <file>", "file to write (gzipped when it ends in .gz); an existing one is resumed")
    .option("--page-size <n>", "comparisons per request", integer(1, 10_000), 5_000)
    .option("--raw-user-ids", "the tenant's raw user ids instead of pseudonyms (keyed hashes)", false)
    .addHelpText("after", "\nExample:\n  npx pref pull --url https://pref.example.workers.dev --admin-token $ADMIN_TOKEN --tenant acme --out acme.jsonl.gz")
    .action(async (o: ServiceFlags & { out: string; pageSize: number; rawUserIds: boolean }) => {
      const r = await pullLog({ ...o, rawUserIds: o.rawUserIds });
      note(`pulled ${r.pulled} comparisons in ${r.seconds.toFixed(1)} s (${Math.round(r.pulled / Math.max(r.seconds, 1e-3))}/s); ${o.out} now ends at seq ${r.after}`);
    });
}
