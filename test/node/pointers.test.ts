// Every file path named in a comment, a doc or the README, and every markdown link with its anchor, resolves inside
// the repository, and nothing points at notes outside it (scripts/pointers.ts says what counts as a pointer). A
// renamed or moved file, or a renamed heading, shows up here with every place that still names it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { danglingPointers } from "../../scripts/pointers.ts";
import { projectRoot } from "../../scripts/processes.ts";

describe("pointers in comments and docs", () => {
  it("all resolve inside the repository", () => {
    expect(danglingPointers(projectRoot).map((d) => `${d.file}:${d.line}: ${d.pointer}`)).toEqual([]);
  });

  it("the check finds stale names, dead links and anchors, outside notes and bare names, and accepts what exists", () => {
    const root = mkdtempSync(path.join(tmpdir(), "pref-pointers-"));
    try {
      const write = (file: string, text: string) => {
        mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        writeFileSync(path.join(root, file), text);
      };
      write("worker/services/ranking.ts", "// See services/upstream.ts and worker/env.d.ts; docs/model.md explains.\nexport const x = 1;\n");
      write("worker/routes/rank.ts", '// Thin: services/ranking.ts does the work (DESIGN.md section 4, ../shared/STACK.md).\nimport { x } from "../services/gone.ts";\n');
      write("docs/model.md", "# Model\n[training](training.md), [ranking](../worker/services/ranking.ts), `rank.ts`, `nothere.ts`.\n");
      write("docs/cli.md", "# CLI\n## Data format (the contract)\n```sh\n# not a heading\n```\n[ok](#data-format-the-contract) [gone](#not-a-heading)\n");
      write("docs/api.md", "[format](cli.md#data-format-the-contract), [missing](cli.md#nope)\n");
      write("README.md", "npx pref make-attributes --data ../shared/data/alpacaeval-responses.jsonl.gz\nsee ../shared/data/README.md\n");
      execFileSync("git", ["init", "-q"], { cwd: root });
      const found = danglingPointers(root).map((d) => `${d.file}:${d.line}: ${d.pointer}`);
      expect(found.sort()).toEqual(
        [
          "README.md:2: ../shared/data/README.md",
          "docs/api.md:1: cli.md#nope",
          "docs/cli.md:6: #not-a-heading",
          "docs/model.md:2: nothere.ts",
          "docs/model.md:2: training.md",
          "worker/routes/rank.ts:1: DESIGN.md",
          "worker/routes/rank.ts:1: ../shared/STACK.md",
          "worker/services/ranking.ts:1: services/upstream.ts",
          "worker/services/ranking.ts:1: worker/env.d.ts",
        ].sort(),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
