// The example CI workflow (docs/examples/github-actions-deploy.yml) calls scripts that exist and hands the deploy
// the credentials it reads, so a team copying it gets a working pipeline.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../scripts/processes.ts";

const workflow = readFileSync(path.join(projectRoot, "docs", "examples", "github-actions-deploy.yml"), "utf8");
const scripts = (JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

describe("the example CI workflow", () => {
  it("deploys staging from main and production from a tag, with npm scripts that exist", () => {
    expect(workflow).toMatch(/push:\n\s+branches: \[main\]\n\s+tags: \["v\*"\]/);
    expect(workflow).toContain(`npm run deploy -- --env "\${{ github.ref_type == 'tag' && 'production' || 'staging' }}"`);
    for (const [, name] of workflow.matchAll(/npm run ([\w:-]+)/g)) expect(Object.keys(scripts)).toContain(name);
    expect(scripts.deploy).toBe("node cli/bin/pref.js deploy");
  });

  it("passes the API token, the account and the admin token from secrets", () => {
    for (const name of ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID", "PREF_ADMIN_TOKEN", "PREF_UPSTREAM_KEY"])
      expect(workflow).toContain(`${name}: \${{ secrets.${name} }}`);
  });
});
