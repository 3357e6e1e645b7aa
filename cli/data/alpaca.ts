// Reader for the AlpacaEval responses data set (docs/data.md): one prompt per line with its 24 model responses.
import fs from "node:fs";
import { DataError } from "../errors.ts";
import { startProgress } from "../progress.ts";
import { assertReadableFile, readJsonLines } from "./jsonl.ts";

export interface PromptResponses {
  id: number;
  prompt: string;
  responses: { generator: string; text: string }[];
}

function validatePromptResponses(value: unknown, file: string, line: number, fallbackId: number): PromptResponses {
  const fail = (field: string | null, reason: string): never => {
    throw new DataError(file, line, field, reason);
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail(null, "expected a JSON object");
  const row = value as Record<string, unknown>;
  if (typeof row.prompt !== "string") fail("prompt", "expected a string");
  if (!Array.isArray(row.responses)) fail("responses", "expected an array");
  const responses = (row.responses as unknown[]).map((r, i) => {
    const resp = r as Record<string, unknown>;
    if (!resp || typeof resp.text !== "string") fail(`responses[${i}].text`, "expected a string");
    return { generator: String(resp.generator ?? `model${i}`), text: resp.text as string };
  });
  return { id: typeof row.id === "number" ? row.id : fallbackId, prompt: row.prompt as string, responses };
}

export async function readPromptResponses(file: string): Promise<PromptResponses[]> {
  assertReadableFile(file);
  const out: PromptResponses[] = [];
  const bar = startProgress("reading responses", fs.statSync(file).size);
  try {
    for await (const { line, value } of readJsonLines(file, (bytes) => bar.increment(bytes))) {
      out.push(validatePromptResponses(value, file, line, out.length));
    }
  } finally {
    bar.stop();
  }
  return out;
}
