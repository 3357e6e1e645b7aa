// The Worker's log lines, captured: it runs in this isolate, so its console is this one.
import { vi } from "vitest";

export interface Captured {
  /** Every line written, parsed (a line that is not JSON is kept as { unparsed: text }). */
  lines(): Record<string, any>[];
  /** Everything written, as one string (to check what must never appear). */
  text(): string;
}

export function captureLogs(): Captured {
  const raw: string[] = [];
  for (const method of ["log", "info", "warn", "error", "debug"] as const)
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void raw.push(args.map(String).join(" ")));
  return {
    lines: () =>
      raw.map((line) => {
        try {
          return JSON.parse(line) as Record<string, any>;
        } catch {
          return { unparsed: line };
        }
      }),
    text: () => raw.join("\n"),
  };
}
