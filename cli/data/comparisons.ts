// The dataset contract: one comparison per JSON line,
//   {"user": "u17", "prompt": "...", "a": "...", "b": "...", "label": 1}
// label 1 = a preferred, 0 = b preferred, 0.5 = tie. Extra fields are ignored. A bad line stops the read with
// its line number and field, before any caller has written anything.
import { DataError } from "../errors.ts";
import { readJsonLines } from "./jsonl.ts";

export interface Comparison {
  user: string;
  prompt: string;
  a: string;
  b: string;
  label: 0 | 0.5 | 1;
}

const LABELS = new Set([0, 0.5, 1]);

export function validateComparison(value: unknown, file: string, line: number): Comparison {
  const fail = (field: string | null, reason: string): never => {
    throw new DataError(file, line, field, reason);
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail(null, "expected a JSON object");
  const row = value as Record<string, unknown>;
  for (const field of ["user", "prompt", "a", "b"] as const) {
    if (!(field in row)) fail(field, "missing");
    if (typeof row[field] !== "string") fail(field, `expected a string, got ${JSON.stringify(row[field])?.slice(0, 40)}`);
  }
  if ((row.user as string).length === 0) fail("user", "must not be empty");
  // An empty response cannot be embedded (the offline model throws on it), so it cannot be compared either.
  if ((row.a as string).trim().length === 0) fail("a", "empty response (cannot be embedded)");
  if ((row.b as string).trim().length === 0) fail("b", "empty response (cannot be embedded)");
  if (!("label" in row)) fail("label", "missing");
  if (typeof row.label !== "number" || !LABELS.has(row.label)) {
    fail("label", `must be 1 (a preferred), 0 (b preferred) or 0.5 (tie), got ${JSON.stringify(row.label)}`);
  }
  return { user: row.user as string, prompt: row.prompt as string, a: row.a as string, b: row.b as string, label: row.label as 0 | 0.5 | 1 };
}

export async function* readComparisons(file: string, onBytes?: (bytes: number) => void): AsyncGenerator<Comparison & { line: number }> {
  for await (const { line, value } of readJsonLines(file, onBytes)) yield { ...validateComparison(value, file, line), line };
}
