// A small JSON Schema (OpenAPI 3.1 subset) validator for checking answers against the Worker's own /openapi.json.
// Objects are treated as closed (no undocumented properties) unless the schema says otherwise.
import { call } from "./helpers.ts";

type Schema = Record<string, any>;

let cached: Schema | undefined;
export async function openapiDocument(): Promise<Schema> {
  if (!cached) {
    const res = await call("GET", "/openapi.json");
    if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}`);
    cached = res.body as Schema;
  }
  return cached;
}

const typeOf = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v;

export function validate(doc: Schema, schema: Schema, value: unknown, path = "$"): string[] {
  if (schema.$ref) {
    const name = String(schema.$ref).split("/").pop()!;
    return validate(doc, doc.components.schemas[name], value, path);
  }
  if (schema.allOf) {
    // Merge the parts (e.g. Base.extend(...)) into one closed object schema.
    const parts = (schema.allOf as Schema[]).map((p) => (p.$ref ? doc.components.schemas[String(p.$ref).split("/").pop()!] : p));
    const { allOf: _ignored, ...rest } = schema;
    const merged: Schema = { ...rest, type: "object", properties: {}, required: [] };
    for (const p of parts) {
      Object.assign(merged.properties, p.properties ?? {});
      merged.required.push(...(p.required ?? []));
    }
    return validate(doc, merged, value, path);
  }
  const errors: string[] = [];
  if (schema.anyOf || schema.oneOf) {
    const branches: Schema[] = schema.anyOf ?? schema.oneOf;
    const results = branches.map((b) => validate(doc, b, value, path));
    const ok = results.filter((r) => r.length === 0).length;
    if (schema.anyOf ? ok === 0 : ok !== 1) errors.push(`${path}: matches ${ok} of ${branches.length} alternatives (${results.flat().slice(0, 3).join("; ")})`);
  }
  if (schema.type) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    const t = typeOf(value);
    if (!types.includes(t) && !(t === "integer" && types.includes("number"))) return [...errors, `${path}: expected ${types.join("|")}, got ${t}`];
  }
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  if ("const" in schema && schema.const !== value) errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${path}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(`${path}: longer than ${schema.maxLength}`);
    if (schema.pattern && !new RegExp(schema.pattern, "u").test(value)) errors.push(`${path}: does not match ${schema.pattern}`);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) errors.push(`${path}: not finite`);
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: < ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${path}: > ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((v, i) => errors.push(...validate(doc, schema.items, v, `${path}[${i}]`)));
  }
  if (typeOf(value) === "object" && (schema.properties || schema.type === "object")) {
    const obj = value as Record<string, unknown>;
    const props: Record<string, Schema> = schema.properties ?? {};
    for (const key of schema.required ?? []) if (!(key in obj)) errors.push(`${path}: missing ${key}`);
    for (const [key, v] of Object.entries(obj)) {
      if (props[key]) errors.push(...validate(doc, props[key], v, `${path}.${key}`));
      else if (schema.additionalProperties && typeof schema.additionalProperties === "object")
        errors.push(...validate(doc, schema.additionalProperties, v, `${path}.${key}`));
      else if (schema.additionalProperties !== true) errors.push(`${path}: undocumented property ${key}`);
    }
  }
  return errors;
}

/** Errors of an answer against the documented response of (method, path template, status); [] = conforms. */
export async function answerErrors(method: string, template: string, status: number, body: unknown): Promise<string[]> {
  const doc = await openapiDocument();
  const op = doc.paths?.[template]?.[method.toLowerCase()];
  if (!op) return [`no operation ${method} ${template} in /openapi.json`];
  const response = op.responses?.[String(status)];
  if (!response) return [`status ${status} is not documented for ${method} ${template}`];
  const schema = response.content?.["application/json"]?.schema;
  if (!schema) return body === null || body === "" ? [] : [`${method} ${template} ${status} documents no body`];
  return validate(doc, schema, body);
}

import { expect } from "vitest";
import type { CallResult } from "./helpers.ts";

/** Asserts the answer's status is documented for the operation and its body matches the documented schema. */
export async function expectConforms(res: CallResult, method: string, template: string): Promise<void> {
  expect(await answerErrors(method, template, res.status, res.body), `${method} ${template} -> ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`).toEqual([]);
}
