// The operator's metrics page in a real browser against the real local stack: comparisons made through the API,
// then the page must chart and tabulate exactly what GET /admin/tenants/{t}/metrics says, keep the admin token
// across a reload, and say clearly when the token is wrong, the tenant is gone or the server is down.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_BASIS_PATH, startLocalStack, type LocalStack } from "../../scripts/local-stack.ts";
import { projectRoot } from "../../scripts/processes.ts";
import { launchBrowser, type Browser } from "./browser.ts";
import { adminCall, makeMetricsTenant, type MetricsTenant } from "./metrics-data.ts";

// Callbacks given to page.evaluate / $$eval run in the browser; this project compiles without the DOM lib.
declare const document: any;
declare const Option: any;
declare const Event: any;

const ARTIFACTS = path.join(projectRoot, "test-artifacts");
const BUCKETS = ["0", "1-4", "5-9", "10-19", "20+"];
const USERS = 4;
const PER_USER = 24; // past 20: every feedback-count bucket gets comparisons

let stack: LocalStack;
let browser: Browser;
let page: Page;
let data: MetricsTenant;
const pageErrors: string[] = [];
const foreignRequests: string[] = [];

beforeAll(async () => {
  const started = Date.now();
  // No embeddings server: the test tenant sends vectors. Isolated: other wrangler dev runs cannot reload this one.
  stack = await startLocalStack({ quiet: true, embeddings: false, isolated: true, basisPath: DEFAULT_BASIS_PATH });
  data = await makeMetricsTenant({ url: stack.url, adminToken: stack.adminToken, basisPath: DEFAULT_BASIS_PATH, users: USERS, perUser: PER_USER });
  // Request volume is written behind the answers: wait until the API counts what was sent.
  for (let i = 0; i < 100; i++) {
    const m = await metricsApi("day");
    if (m.volume.rank >= 2 && m.questions.asked >= 1) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  browser = await launchBrowser();
  page = browser.page;
  page.on("pageerror", (err) => pageErrors.push(err.message));
  page.on("request", (req) => void (req.url().startsWith(`${stack.url}/`) || foreignRequests.push(req.url())));
  console.log(`stack, ${data.comparisons} comparisons and browser ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

function metricsApi(group: "count" | "day", query: Record<string, string> = {}) {
  const params = new URLSearchParams({ group, ...query });
  return adminCall(stack.url, stack.adminToken, "GET", `/admin/tenants/${data.tenant}/metrics?${params}`);
}

const text = (selector: string) => page.locator(selector).innerText();
/** "71.2%", "+4.6 pts", "−1.2 pts", "1,234", "0.693" -> the number as the page means it (fractions for % and pts). */
function shown(value: string): number {
  const clean = value.replace("−", "-").replace(/,/g, "").trim();
  if (clean.endsWith("%") || clean.endsWith(" pts")) return Number.parseFloat(clean) / 100;
  return Number(clean);
}
/** A page figure rounded to `step` must be within half a step of the API's value. */
function expectShown(value: string, expected: number | null, step: number, what: string) {
  if (expected === null) return expect(value, what).toBe("–");
  expect(Math.abs(shown(value) - expected), `${what}: page ${value}, API ${expected}`).toBeLessThanOrEqual(step / 2 + 1e-9);
}
async function showsTenant(tenant: string) {
  await page.waitForSelector(`#results[data-tenant="${tenant}"][aria-busy="false"]`, { timeout: 30_000 });
}

/** Every row of a groups table as cell texts by class name. */
function tableRows(selector: string): Promise<Record<string, string>[]> {
  return page.$$eval(`${selector} tr`, (rows) =>
    rows.map((row: any) => Object.fromEntries([["key", row.dataset.key], ...[...row.querySelectorAll("td")].map((td: any) => [td.className, td.textContent])])),
  );
}
function expectTableMatches(rows: Record<string, string>[], groups: any[]) {
  expect(rows.map((r) => r.key)).toEqual(groups.map((g) => g.key));
  rows.forEach((row, i) => {
    const g = groups[i];
    expect(shown(row.comparisons), `${g.key} comparisons`).toBe(g.comparisons);
    expect(shown(row.decided), `${g.key} decided`).toBe(g.decided);
    expectShown(row["personal-accuracy"], g.personal.accuracy, 0.001, `${g.key} personal accuracy`);
    expectShown(row["population-accuracy"], g.population.accuracy, 0.001, `${g.key} population accuracy`);
    expectShown(row["personal-log-loss"], g.personal.log_loss, 0.001, `${g.key} personal log-loss`);
    expectShown(row["population-log-loss"], g.population.log_loss, 0.001, `${g.key} population log-loss`);
    expectShown(row.lift, g.lift.value, 0.001, `${g.key} lift`);
    if (g.lift.low === null) expect(row.interval).toBe("–");
    else {
      const [low, high] = row.interval.split(" to ");
      expectShown(low, g.lift.low, 0.001, `${g.key} low`);
      expectShown(high, g.lift.high, 0.001, `${g.key} high`);
    }
  });
}

interface Mark {
  key: string;
  comparisons: number;
  lift: number | null;
  /** The dot's and the error bar's ends read back through the axis's own gridlines, in lift units. */
  dot: number | null;
  barEnds: number[];
}
/** Reads a chart's marks back from the drawing: pixel positions turned into values by the gridlines' scale. */
async function chartMarks(svg: string, markClass: string): Promise<Mark[]> {
  return page.$eval(
    svg,
    (el: any, cls: string) => {
      const grid = [...el.querySelectorAll("line[data-value]")].map((l: any) => ({ v: Number(l.dataset.value), y: Number(l.getAttribute("y1")) }));
      const [a, b] = [grid[0], grid[grid.length - 1]];
      const valueAt = (y: number) => a.v + ((y - a.y) * (b.v - a.v)) / (b.y - a.y);
      return [...el.querySelectorAll(`g.${cls}`)].map((g: any) => {
        const dot = g.querySelector("circle");
        const bar = g.querySelector("line.errorbar:not(.cap)");
        return {
          key: g.dataset.key,
          comparisons: Number(g.dataset.comparisons),
          lift: g.dataset.lift === undefined ? null : Number(g.dataset.lift),
          dot: dot ? valueAt(Number(dot.getAttribute("cy"))) : null,
          barEnds: bar ? [valueAt(Number(bar.getAttribute("y1"))), valueAt(Number(bar.getAttribute("y2")))].sort((x, y) => x - y) : [],
        };
      });
    },
    markClass,
  );
}
function expectChartMatches(marks: Mark[], groups: any[]) {
  const drawn = groups.filter((g) => g.lift.value !== null);
  expect(marks.map((m) => m.key)).toEqual(drawn.map((g) => g.key));
  marks.forEach((m, i) => {
    const g = drawn[i];
    expect(m.comparisons).toBe(g.comparisons);
    expect(m.dot!).toBeCloseTo(g.lift.value, 6);
    if (g.lift.low === null) expect(m.barEnds).toEqual([]);
    else {
      expect(m.barEnds[0]).toBeCloseTo(g.lift.low, 6);
      expect(m.barEnds[1]).toBeCloseTo(g.lift.high, 6);
    }
  });
}

describe("metrics page", () => {
  it("refuses a wrong admin token with the 401 message and shows no numbers", async () => {
    await page.goto(`${stack.url}/metrics.html`);
    await expect(page.title()).resolves.toBe("PReF Edge metrics");
    await page.fill("#admin-token", "not-the-admin-token");
    await page.click("#save-token");
    await page.waitForSelector('#token-status[data-kind="error"]');
    expect(await text("#token-status")).toMatch(/admin token was not accepted \(401 unauthorized\)/);
    expect(await page.isVisible("#results")).toBe(false);
    expect(await page.locator("#tenant option").count()).toBe(0);
  });

  it("charts and tabulates exactly what the metrics API returns", async () => {
    await page.fill("#admin-token", stack.adminToken);
    await page.click("#save-token");
    await page.waitForSelector('#token-status[data-kind="ok"]');
    const tenants = await page.$$eval("#tenant option", (options) => options.map((o: any) => o.value));
    expect(tenants).toEqual(expect.arrayContaining([stack.tenant, data.tenant]));
    await page.selectOption("#tenant", data.tenant);
    await showsTenant(data.tenant);

    const range = { from: await page.inputValue("#from"), to: await page.inputValue("#to") };
    const [byCount, byDay, detail] = await Promise.all([
      metricsApi("count", range),
      metricsApi("day", range),
      adminCall(stack.url, stack.adminToken, "GET", `/admin/tenants/${data.tenant}`),
    ]);
    // The data is what the test made: every bucket, one day, the personal model ahead once users have answered.
    expect(byCount.groups.map((g: any) => g.key)).toEqual(BUCKETS);
    expect(byCount.total.comparisons).toBe(data.comparisons);
    expect(byDay.groups.map((g: any) => g.key)).toEqual([range.to]);
    console.log(`lift by bucket: ${byCount.groups.map((g: any) => `${g.key} ${g.lift.value} [${g.lift.low}, ${g.lift.high}] n=${g.comparisons}`).join("; ")}`);

    expectChartMatches(await chartMarks("#lift-by-count-chart", "bucket"), byCount.groups);
    // Comparisons per bucket: bar heights in proportion to the counts.
    const bars = await page.$$eval("#lift-by-count-chart rect.volume", (rects) => rects.map((r: any) => Number(r.getAttribute("height"))));
    const most = Math.max(...byCount.groups.map((g: any) => g.comparisons));
    expect(bars).toHaveLength(byCount.groups.length);
    bars.forEach((height, i) => expect(height / Math.max(...bars)).toBeCloseTo(byCount.groups[i].comparisons / most, 6));
    expectTableMatches(await tableRows("#count-table-body"), byCount.groups);
    expectTableMatches(await tableRows("#count-table-total"), [{ ...byCount.total, key: "all" }]);

    expectChartMatches(await chartMarks("#lift-over-time-chart", "day"), byDay.groups);
    expectTableMatches(await tableRows("#day-table-body"), byDay.groups);

    expect(shown(await text("#questions-asked"))).toBe(byCount.questions.asked);
    expect(shown(await text("#questions-answered"))).toBe(byCount.questions.answered);
    expect(shown(await text("#questions-declined"))).toBe(byCount.questions.declined);
    expect(shown(await text("#volume-rank"))).toBe(byCount.volume.rank);
    expect(shown(await text("#volume-chat"))).toBe(byCount.volume.chat);
    expect(byCount.volume.rank).toBe(2);

    expect(await text("#active-basis")).toBe(detail.active_basis);
    expect(detail.active_basis).toBe(data.laterBasis);
    const history = await page.$$eval("#basis-history-body tr td:first-child", (cells) => cells.map((c: any) => c.textContent));
    expect(history).toEqual(detail.basis_history.map((a: any) => a.basis ?? "service default"));
    expect(history[0]).toBe(data.laterBasis);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, "metrics.png"), fullPage: true });
    // A phone: the charts are redrawn to its width and nothing makes the page scroll sideways (wide tables scroll
    // inside their own box).
    const wide = Number(await page.getAttribute("#lift-by-count-chart", "width"));
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction((w) => Number(document.querySelector("#lift-by-count-chart").getAttribute("width")) < w, wide);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expectChartMatches(await chartMarks("#lift-by-count-chart", "bucket"), byCount.groups);
    await page.screenshot({ path: path.join(ARTIFACTS, "metrics-phone.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(pageErrors).toEqual([]);
  });

  it("filters by basis: all comparisons under the served one, none under the one activated after them", async () => {
    // Submitting marks the results busy synchronously, so once the click returns, "not busy" means drawn.
    await page.selectOption("#basis-filter", data.servedBasis);
    await page.click("#show-metrics");
    await showsTenant(data.tenant);
    expect(await text("#range-shown")).toContain(`basis ${data.servedBasis} only`);
    expect(shown(await text("#count-table-total .comparisons"))).toBe(data.comparisons);

    await page.selectOption("#basis-filter", data.laterBasis);
    await page.click("#show-metrics");
    await showsTenant(data.tenant);
    expect(await text("#range-shown")).toContain(`basis ${data.laterBasis} only`);
    const none = await metricsApi("count", { basis: data.laterBasis });
    expect(none.total.comparisons).toBe(0);
    expect(await page.isVisible("#count-empty")).toBe(true);
    expect(await page.locator("#count-table-body tr").count()).toBe(0);
    expect(await page.locator("#lift-by-count-chart g.bucket").count()).toBe(0);
    await page.selectOption("#basis-filter", "");
    await page.click("#show-metrics");
    await showsTenant(data.tenant);
    expect(await text("#range-shown")).toContain("all bases");
  });

  it("over several days draws one band per run of consecutive days and leaves a gap for a day without data", async () => {
    // The stack's comparisons all fall on today, so the page's own chart module draws made-up days here.
    const days = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-05", "2026-11-06"];
    const groups = days.map((key, i) => {
      const value = (i - 2) / 20;
      return { key, comparisons: 10 + i, decided: 10 + i, lift: { value, low: value - 0.1 - i / 100, high: value + 0.05 } };
    });
    const drawn = await page.evaluate(
      async ({ groups, module }) => {
        // Imported by the browser itself (a literal import() here would be rewritten by vitest's transform).
        const { drawLiftOverTime } = await new Function("m", "return import(m)")(module);
        const svg = document.querySelector("#lift-over-time-chart");
        drawLiftOverTime(svg, groups, { from: groups[0].key, to: groups[groups.length - 1].key });
        const grid = [...svg.querySelectorAll("line[data-value]")].map((l: any) => ({ v: Number(l.dataset.value), y: Number(l.getAttribute("y1")) }));
        const [a, b] = [grid[0], grid[grid.length - 1]];
        const valueAt = (y: number) => a.v + ((y - a.y) * (b.v - a.v)) / (b.y - a.y);
        const pointsOf = (el: any) => el.getAttribute("points").split(" ").map((p: string) => p.split(",").map(Number));
        return {
          bands: [...svg.querySelectorAll("polygon.band")].map((el: any) => pointsOf(el).map(([x, y]: number[]) => [x, valueAt(y)])),
          lines: [...svg.querySelectorAll("polyline.trend")].map((el: any) => pointsOf(el).map(([x, y]: number[]) => [x, valueAt(y)])),
        };
      },
      { groups, module: "/metrics/lift-over-time-chart.js" },
    ) as { bands: number[][][]; lines: number[][][] };
    const runs = [groups.slice(0, 3), groups.slice(3)];
    expect(drawn.lines.map((line) => line.map(([, v]) => v))).toEqual(runs.map((run) => run.map((g) => expect.closeTo(g.lift.value, 6))));
    // Each band: the highs left to right, then the lows right to left.
    drawn.bands.forEach((band, r) => {
      const expected = [...runs[r].map((g) => g.lift.high), ...runs[r].map((g) => g.lift.low).reverse()];
      expect(band.map(([, v]) => v)).toEqual(expected.map((v) => expect.closeTo(v, 6)));
    });
    expect(drawn.bands).toHaveLength(2);
    // Days are placed in time: the missing day leaves twice the usual step between the runs.
    const xs = drawn.lines.flat().map(([x]) => x);
    expect(xs[3] - xs[2]).toBeCloseTo(2 * (xs[1] - xs[0]), 6);
    // Back to the real numbers.
    await page.click("#show-metrics");
    await showsTenant(data.tenant);
  });

  it("keeps the admin token and the tenant across a reload", async () => {
    await page.reload();
    expect(await page.inputValue("#admin-token")).toBe(stack.adminToken);
    await showsTenant(data.tenant);
    expect(await page.inputValue("#tenant")).toBe(data.tenant);
    expect(await page.locator("#lift-by-count-chart g.bucket").count()).toBe(BUCKETS.length);
  });

  it("says the tenant is gone (404) and the server is down, in words", async () => {
    // A tenant the server does not know, as if it was deleted after the list was loaded: the real 404.
    await page.evaluate(() => {
      const select = document.querySelector("#tenant");
      select.append(new Option("deleted meanwhile", "no-such-tenant"));
      select.value = "no-such-tenant";
      select.dispatchEvent(new Event("change"));
    });
    await page.waitForSelector('#filters-status[data-kind="error"]');
    expect(await text("#filters-status")).toMatch(/Tenant “no-such-tenant” was not found \(404\)/);
    expect(await page.isVisible("#results")).toBe(false);

    await stack.stop();
    await page.selectOption("#tenant", data.tenant);
    await page.waitForFunction(() => document.querySelector("#filters-status")?.textContent?.startsWith("Network error"), undefined, { timeout: 30_000 });
    expect(await text("#filters-status")).toMatch(/Network error: cannot reach the PReF Edge server/);
    expect(pageErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
