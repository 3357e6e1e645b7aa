// `pref move-tenant`: move a tenant's users from the D1 store to the Durable-Object store (cli/service/move-tenant.ts).
import type { Command } from "commander";
import { integer } from "../options.ts";
import { note } from "../progress.ts";
import { moveTenant } from "../service/move-tenant.ts";
import { addServiceFlags, type ServiceFlags } from "./service-flags.ts";

export function registerMoveTenant(program: Command): void {
  addServiceFlags(program.command("move-tenant").description("move a tenant's users and logs from D1 to Durable Objects, verified, then switch it (safe to re-run)"))
    .option("--page-size <n>", "users per request", integer(1, 500), 100)
    .option("--after <user>", "resume after this user id")
    .addHelpText("after", "\nExample:\n  npx pref move-tenant --url http://127.0.0.1:8787 --admin-token $ADMIN_TOKEN --tenant acme")
    .action(async (o: ServiceFlags & { pageSize: number; after?: string }) => {
      const r = await moveTenant({ ...o, onPage: (p) => note(`${p.users} users copied and verified (${p.added} comparisons)${p.next ? `, next after ${p.next}` : ""}`) });
      note(`tenant ${o.tenant}: ${r.users} users moved and verified, ${r.added} comparisons copied; now on durable-objects`);
    });
}
