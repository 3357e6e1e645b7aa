// The flags of every command that talks to a running service's admin API.
import type { Command } from "commander";

export interface ServiceFlags {
  url: string;
  adminToken: string;
  tenant: string;
}

export function addServiceFlags(command: Command): Command {
  return command
    .requiredOption("--url <url>", "the service's base URL, e.g. https://pref-edge.example.workers.dev or http://127.0.0.1:8787")
    .requiredOption("--admin-token <token>", "its ADMIN_TOKEN (env PREF_ADMIN_TOKEN)", process.env.PREF_ADMIN_TOKEN)
    .requiredOption("--tenant <id>", "the tenant");
}
