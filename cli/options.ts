// Option parsers for commander: a bad value fails with the flag's name and the accepted range.
import { InvalidArgumentError } from "commander";

export const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer in [${min}, ${max}]`);
    return n;
  };

export const fraction =
  (min = 0, max = 1) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n >= max + 1e-12) throw new InvalidArgumentError(`expected a number in [${min}, ${max})`);
    return n;
  };

export const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number");
  return n;
};

export const nonNegative = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a number >= 0");
  return n;
};

export const integerList = (value: string): number[] => {
  const list = value.split(",").map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new InvalidArgumentError("expected a comma-separated list of integers >= 0, e.g. 0,1,2,5,10");
  }
  return [...new Set(list)].sort((a, b) => a - b);
};

/** A positive number, or "auto" (chosen by the tool). */
export const positiveOrAuto = (value: string): number | "auto" => (value === "auto" ? "auto" : positive(value));
