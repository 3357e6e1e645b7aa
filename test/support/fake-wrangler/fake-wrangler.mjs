// A stand-in for wrangler talking to a Cloudflare account, for tests of `pref deploy` (there is no account here).
// It answers the commands the deploy uses as wrangler 4.86 does (same output shapes, same errors: "already
// exists", a placeholder database id, an unknown Worker), keeps the account's state in a JSON file, and records
// every call. State and log live in $FAKE_WRANGLER_STATE/state.json and calls.jsonl. Secret values are kept only
// as SHA-256 digests, so a test can check them without the stand-in writing them to disk.
// The state's `url` is what `deploy` reports as the Worker's workers.dev URL (a local stack stands in for it), and
// `fail: {match, stderr, code}` makes the first command whose arguments start with `match` fail.
import { createHash, randomUUID } from "node:crypto";
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const dir = process.env.FAKE_WRANGLER_STATE;
if (!dir) {
  process.stderr.write("fake wrangler: FAKE_WRANGLER_STATE is not set\n");
  process.exit(2);
}
const statePath = path.join(dir, "state.json");
const state = JSON.parse(readFileSync(statePath, "utf8"));
const args = process.argv.slice(2);
const save = () => writeFileSync(statePath, JSON.stringify(state, null, 2));
const out = (s) => process.stdout.write(`${s}\n`);
const fail = (message, code = 1) => {
  process.stderr.write(`\n✘ [ERROR] ${message}\n\n`);
  process.exit(code);
};
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const readStdin = () => {
  try {
    return readFileSync(0, "utf8");
  } catch {
    return "";
  }
};

const stdin = args[0] === "secret" && args[1] === "put" ? readStdin() : "";
appendFileSync(path.join(dir, "calls.jsonl"), `${JSON.stringify({ args, stdinBytes: Buffer.byteLength(stdin) })}\n`);

if (state.fail && args.join(" ").startsWith(state.fail.match)) {
  process.stderr.write(state.fail.stderr);
  process.exit(state.fail.code ?? 1);
}

/** The bits of the wrangler config the stand-in needs, read with the same rules as the deploy's config. */
function readConfig() {
  const file = flag("--config") ?? "wrangler.toml";
  const text = readFileSync(file, "utf8");
  const env = flag("--env");
  const top = /^name\s*=\s*"([^"]+)"/m.exec(text)?.[1];
  const lines = text.split("\n");
  const header = lines.findIndex((l) => l.trim() === `[[env.${env}.d1_databases]]`);
  const table = [];
  for (let i = header + 1; header >= 0 && i < lines.length && !lines[i].trim().startsWith("["); i++) table.push(lines[i]);
  const value = (key) => table.map((l) => new RegExp(`^\\s*${key}\\s*=\\s*"([^"]*)"`).exec(l)?.[1]).find(Boolean);
  return {
    dir: path.dirname(file),
    worker: env ? `${top}-${env}` : top,
    db: { name: value("database_name"), id: value("database_id"), migrations: value("migrations_dir") ?? "migrations" },
  };
}

const account = state.account;
const command = args.filter((a) => !a.startsWith("-")).slice(0, 3).join(" ");

if (args[0] === "whoami") {
  if (!state.loggedIn) {
    out(JSON.stringify({ loggedIn: false }));
    process.exit(1);
  }
  out(JSON.stringify({ loggedIn: true, authType: "User API Token", email: account.email, accounts: [{ id: account.id, name: account.name }] }, null, 2));
} else if (args[0] === "d1" && args[1] === "list") {
  const list = state.databases.map(({ uuid, name, created_at }) => ({ uuid, name, created_at, version: "production", num_tables: 0, file_size: 12288 }));
  out(JSON.stringify(list, null, 2));
} else if (args[0] === "d1" && args[1] === "create") {
  const name = args[2];
  if (state.databases.some((d) => d.name === name)) fail("A database with that name already exists");
  const db = { uuid: randomUUID(), name, created_at: new Date().toISOString(), applied: [] };
  state.databases.push(db);
  save();
  out(`✅ Successfully created DB '${name}' in region WEUR`);
  out("Created your new D1 database.\n");
  out("To access your new D1 Database in your Worker, add the following snippet to your configuration file:");
  out(`[[d1_databases]]\nbinding = "${name.replace(/-/g, "_")}"\ndatabase_name = "${name}"\ndatabase_id = "${db.uuid}"`);
} else if (command === "d1 migrations apply") {
  const cfg = readConfig();
  const db = state.databases.find((d) => d.uuid === cfg.db.id);
  if (!db) fail(`A request to the Cloudflare API (/accounts/${account.id}/d1/database/${cfg.db.id}/query) failed.\n  The database ${cfg.db.id} could not be found [code: 7404]`);
  const all = readdirSync(path.join(cfg.dir, cfg.db.migrations)).filter((f) => f.endsWith(".sql")).sort();
  const todo = all.filter((f) => !db.applied.includes(f));
  if (todo.length === 0) {
    out("✅ No migrations to apply!");
  } else {
    out(`Migrations to be applied:\n${todo.map((f) => `│ ${f} │`).join("\n")}`);
    out(`🌀 Executing on remote database ${db.name} (${db.uuid}):`);
    db.applied.push(...todo);
    save();
    for (const f of todo) out(`│ ${f} │ ✅ │`);
  }
} else if (args[0] === "deploy") {
  const cfg = readConfig();
  if (!state.databases.some((d) => d.uuid === cfg.db.id))
    fail(
      "You must use a real database in the database_id configuration. You can find your databases using 'wrangler d1 list', or read how to develop locally with D1 here: https://developers.cloudflare.com/d1/configuration/local-development",
    );
  const worker = (state.workers[cfg.worker] ??= { deployments: 0, secrets: {} });
  worker.deployments++;
  save();
  const versionId = randomUUID();
  if (process.env.WRANGLER_OUTPUT_FILE_PATH)
    appendFileSync(
      process.env.WRANGLER_OUTPUT_FILE_PATH,
      `${JSON.stringify({ type: "deploy", version: 1, worker_name: cfg.worker, worker_tag: "tag", version_id: versionId, targets: [state.url], wrangler_environment: flag("--env"), timestamp: new Date().toISOString() })}\n`,
    );
  out("Total Upload: 948.62 KiB / gzip: 182.99 KiB");
  out(`Uploaded ${cfg.worker} (3.02 sec)`);
  out(`Deployed ${cfg.worker} triggers (1.10 sec)`);
  out(`  ${state.url}`);
  out(`Current Version ID: ${versionId}`);
} else if (args[0] === "secret" && args[1] === "list") {
  const cfg = readConfig();
  const worker = state.workers[cfg.worker];
  if (!worker)
    fail(
      `Worker "${cfg.worker}" (env: ${flag("--env")}) not found.\n\nIf this is a new Worker, run \`wrangler deploy\` first to create it.\nOtherwise, check that the Worker name is correct and you're logged into the right account.`,
    );
  out(JSON.stringify(Object.keys(worker.secrets).map((name) => ({ name, type: "secret_text" })), null, "  "));
} else if (args[0] === "secret" && args[1] === "put") {
  const cfg = readConfig();
  const worker = (state.workers[cfg.worker] ??= { deployments: 0, secrets: {} });
  worker.secrets[args[2]] = createHash("sha256").update(stdin.trimEnd()).digest("hex");
  save();
  out(`🌀 Creating the secret for the Worker "${cfg.worker}" `);
  out(`✨ Success! Uploaded secret ${args[2]}`);
} else {
  fail(`fake wrangler: no stand-in for \`wrangler ${args.join(" ")}\``, 2);
}
