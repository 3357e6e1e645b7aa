// Every pointer a reader follows must resolve inside the repository: a file path named in a comment, a doc or the
// README (`worker/services/ranking.ts`, `services/feedback.ts`, `docs/model.md`), a markdown link and its #anchor, a
// bare file name in a comment (`admin-keys.ts`). In code only comments are read, and `docs/` pages named anywhere
// (help texts). What a reader of the repository alone cannot open (notes kept beside it, such as a design document
// in a sibling directory) is not a pointer: the repository carries what it needs in docs/. The data set is the one
// outside thing a command may name, and only as the value of its --data argument.
// `node --import tsx scripts/pointers.ts` lists what does not resolve; test/node/pointers.test.ts keeps it empty.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface DanglingPointer {
  file: string;
  line: number;
  pointer: string;
}

/**
 * Where the tools write (never tracked): a path under them names an output, not a file here. `.github/` is where
 * an operator copies the example workflow to.
 */
const OUTPUTS = ["build/", "dist/", "runs/", ".cache/", ".wrangler/", "test-artifacts/", "node_modules/", "basis/production", ".github/"];
const SCANNED = /\.(ts|mjs|js|md|toml|yml|html|sql)$|^\.ci\/run$/;
const EXTENSIONS = "ts|mjs|js|md|json|sql|toml|wasm|html|css|yml|wat";
// a/b.ext, ./a.ext, ../a/b.ext, with an optional #anchor (dropped)
const PATH = new RegExp(String.raw`(?<![\w@/.:-])((?:\.{1,2}/)*[\w.-]+(?:/[\w.-]+)*\.(?:${EXTENSIONS}))(?![\w/-])`, "g");
const OUTSIDE = /(?<![\w.])\.\.\/(?:\.\.\/)*shared(?:\/[\w./-]*)?(?![\w-])/g;
// An import or export specifier: checked by the compiler, not here.
const SPECIFIER = /^\s*(?:import|export)\b.*\bfrom\s+["']|^\s*import\s*\(|\bimport\(\s*["']/;

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens. */
export function headingAnchors(file: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = fenced ? null : line.match(/^#{1,6}\s+(.*?)\s*#*\s*$/);
    if (!heading) continue;
    const base = heading[1].toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

export function trackedFiles(root: string): string[] {
  return execFileSync("git", ["ls-files", "-co", "--exclude-standard"], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean);
}

export function danglingPointers(root: string): DanglingPointer[] {
  const files = trackedFiles(root);
  const known = new Set(files);
  const suffixes = new Set<string>();
  for (const f of files) {
    const parts = f.split("/");
    for (let i = 0; i < parts.length; i++) suffixes.add(parts.slice(i).join("/"));
  }
  const exists = (from: string, pointer: string): boolean => {
    if (OUTPUTS.some((dir) => pointer.startsWith(dir) || pointer.includes(`/${dir}`))) return true;
    if (pointer.startsWith("./") || pointer.startsWith("../")) {
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(from), pointer));
      return known.has(resolved) || files.some((f) => f.startsWith(`${resolved}/`)) || OUTPUTS.some((dir) => resolved.startsWith(dir));
    }
    // A path from the root, or from a folder a reader of this file knows (services/ranking.ts inside worker/), or a bare
    // file name: some tracked file must end with it.
    return suffixes.has(pointer);
  };
  const found: DanglingPointer[] = [];
  for (const file of files) {
    if (!SCANNED.test(file) || file.startsWith("docs/results/") || file === "package-lock.json") continue;
    const code = /\.(ts|mjs|js)$/.test(file);
    const lines = readFileSync(path.join(root, file), "utf8").split("\n");
    lines.forEach((text, i) => {
      const reported = new Set<string>();
      const report = (pointer: string) => {
        if (!reported.has(pointer)) found.push({ file, line: i + 1, pointer });
        reported.add(pointer);
      };
      if (SPECIFIER.test(text)) return;
      // In code, comments (a string may name a temporary file, a dotted name be an expression), and docs/ pages anywhere.
      const comment = !code || /^\s*(\/\/|\/?\*)/.test(text) ? text : (text.match(/(?:^|\s)\/\/.*$/)?.[0] ?? "");
      // The data set's path may appear where a command takes it: as the value of --data.
      for (const m of comment.matchAll(OUTSIDE)) {
        if (!(m[0].startsWith("../shared/data/") && /--data[ =]\[?$/.test(comment.slice(0, m.index)))) report(m[0]);
      }
      const candidates = code ? [...comment.matchAll(PATH), ...[...text.matchAll(PATH)].filter((m) => m[1].startsWith("docs/"))] : [...text.matchAll(PATH)];
      for (const pointer of new Set(candidates.map((m) => m[1]))) {
        if (/^\.\.\/(?:\.\.\/)*shared\//.test(pointer)) continue; // reported above, or the data set's path
        if (/^[A-Z_$]+\//.test(pointer)) continue; // a placeholder directory: DIR/basis.json, RUN/split.json
        if (!pointer.includes("/") && !/^[\w-]+\.(ts|mjs|md)$/.test(pointer)) continue; // an output's name (eval.json)
        if (!exists(file, pointer)) report(pointer);
      }
      if (!file.endsWith(".md")) return;
      for (const m of text.matchAll(/\]\(([^)\s#]*)(?:#([^)]*))?\)/g)) {
        const [, target, anchor] = m;
        if (/^[a-z]+:/i.test(target) || target.startsWith("/")) continue; // a URL, or a route of the Worker
        if (target && !exists(file, target.startsWith(".") ? target : `./${target}`)) report(target);
        else if (anchor !== undefined && (target === "" || target.endsWith(".md"))) {
          const page = target === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
          if (!headingAnchors(path.join(root, page)).has(anchor)) report(`${target}#${anchor}`);
        }
      }
    });
  }
  return found;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(import.meta.dirname, "..");
  const dangling = danglingPointers(root);
  for (const d of dangling) process.stdout.write(`${d.file}:${d.line}: ${d.pointer}\n`);
  process.exitCode = dangling.length ? 1 : 0;
}
