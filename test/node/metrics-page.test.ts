// The operator's metrics page without a browser: every file it loads exists in public/ (so the Worker's [assets]
// serves it) and comes from this origin; and its number formatting and chart scale say what the API says.
// The page in a real browser against the real stack: test/e2e/metrics.e2e.ts.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../scripts/processes.ts";
// @ts-expect-error plain browser JS, no types
import { interval, percent, points } from "../../public/metrics/format.js";
// @ts-expect-error plain browser JS, no types
import { liftBound } from "../../public/metrics/lift-axis.js";

const PUBLIC = path.join(projectRoot, "public");
const read = (urlPath: string) => readFileSync(path.join(PUBLIC, urlPath), "utf8");

describe("metrics page assets", () => {
  it("loads only files that exist in public/, from this origin, modules included", () => {
    const html = read("metrics.html");
    const pending = [...html.matchAll(/(?:src|href)="([^"#]+\.(?:js|css))"/g)].map((m) => m[1]);
    expect(pending.length).toBeGreaterThan(1);
    const seen = new Set<string>();
    while (pending.length > 0) {
      const ref = pending.pop()!;
      if (seen.has(ref)) continue;
      seen.add(ref);
      expect(ref, "same origin, no CDN").toMatch(/^\/[^/]/);
      expect(existsSync(path.join(PUBLIC, ref)), ref).toBe(true);
      if (ref.endsWith(".js")) for (const m of read(ref).matchAll(/\bfrom "([^"]+)"/g)) pending.push(new URL(m[1], `http://page${ref}`).pathname);
    }
    expect([...seen]).toEqual(expect.arrayContaining(["/metrics/main.js", "/metrics/metrics.css", "/app/dom.js", "/app/api.js"]));
  });

  it("is linked from the playground, and links back", () => {
    expect(read("index.html")).toContain('href="/metrics.html"');
    expect(read("metrics.html")).toContain('href="/"');
  });
});

describe("metrics page numbers", () => {
  it("writes accuracies as percentages and lifts as signed points, a dash where the API has none", () => {
    expect(percent(0.712345)).toBe("71.2%");
    expect(percent(null)).toBe("–");
    expect(points(0.0456)).toBe("+4.6 pts");
    expect(points(-0.012)).toBe("−1.2 pts");
    expect(points(0)).toBe("0.0 pts");
    expect(interval({ value: 0.05, low: -0.01, high: 0.11 })).toBe("−1.0 pts to +11.0 pts");
    expect(interval({ value: 0.05, low: null, high: null })).toBe("–");
  });

  it("scales the lift axis to cover every interval, symmetric around zero", () => {
    const group = (value: number | null, low: number | null, high: number | null) => ({ lift: { value, low, high } });
    expect(liftBound([group(0.01, -0.02, 0.03)])).toBe(0.05);
    expect(liftBound([group(0.1, -0.05, 0.27)])).toBe(0.3);
    expect(liftBound([group(-0.4, -0.6, -0.2)])).toBe(0.75);
    expect(liftBound([group(null, null, null)])).toBe(0.05);
  });
});
