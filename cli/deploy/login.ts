// Step 1: wrangler is logged in, and it is clear which account the deploy goes to.
import { DeployError } from "./steps.ts";
import { WranglerError, type Wrangler } from "./wrangler-cli.ts";

export async function checkLogin(wrangler: Wrangler, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  let who: { loggedIn?: boolean; email?: string; authType?: string; accounts?: { id: string; name: string }[] };
  let stdout: string;
  try {
    stdout = (await wrangler(["whoami", "--json"], { echo: false })).stdout;
  } catch (err) {
    // Not logged in: wrangler answers {"loggedIn": false} and exits 1. Anything else is its own error, shown as is.
    if (!(err instanceof WranglerError) || !/"loggedIn":\s*false/.test(err.output)) throw err;
    stdout = '{"loggedIn": false}';
  }
  try {
    who = JSON.parse(stdout);
  } catch {
    throw new DeployError(`wrangler whoami --json did not answer JSON:\n${stdout.slice(0, 500)}`);
  }
  if (!who.loggedIn)
    throw new DeployError("wrangler is not logged in: run `npx wrangler login`, or set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID (docs/deploy.md, \"Prerequisites\")");
  const accounts = who.accounts ?? [];
  const chosen = env.CLOUDFLARE_ACCOUNT_ID;
  if (accounts.length > 1 && !chosen)
    throw new DeployError(`this login sees ${accounts.length} accounts (${accounts.map((a) => `${a.name} ${a.id}`).join(", ")}): set CLOUDFLARE_ACCOUNT_ID to the one to deploy to`);
  const account = accounts.find((a) => a.id === chosen) ?? accounts[0];
  log(`logged in${who.email ? ` as ${who.email}` : ""} (${who.authType ?? "?"})${account ? `, account ${account.name} (${account.id})` : ""}`);
}
