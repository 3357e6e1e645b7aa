// The playground in a real browser against the real local stack: a simulated person with a planted preference
// (shorter answers) onboards through the page, and the page must show the model learning it.
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack.ts";
import { projectRoot } from "../../scripts/processes.ts";
import { FakeUpstream } from "../support/fake-upstream.ts";
import { launchBrowser, type Browser } from "./browser.ts";
import { type Choice, prefersShorter, wordCount } from "./simulated-user.ts";

// Callbacks given to page.evaluate / waitForFunction run in the browser; this project compiles without the DOM lib.
declare const document: any;
declare const window: any;
declare function getComputedStyle(element: unknown): { outlineStyle: string };

const ARTIFACTS = path.join(projectRoot, "test-artifacts");
const COMPARISONS = 10;
/** Shipped prompts the onboarding does not use in its first 10 questions (it walks them with stride 7). */
const TRY_PROMPTS = [4, 10, 12, 17];

let stack: LocalStack;
let upstream: FakeUpstream;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
/** Requests to anything but the local Worker: the page must load nothing from the internet. */
const foreignRequests: string[] = [];
/** The page's last API calls, for the message of a failed wait. */
const apiCalls: string[] = [];

beforeAll(async () => {
  const started = Date.now();
  // A scripted OpenAI-compatible upstream, so "Try it" can also be exercised with a typed prompt (chat).
  upstream = await FakeUpstream.start();
  stack = await startLocalStack({
    quiet: true,
    // A question budget of exactly the comparisons made, so the page must stop asking after the last one.
    vars: { UPSTREAM_URL: upstream.baseUrl, UPSTREAM_MODEL: "fake-model", QUESTION_BUDGET: String(COMPARISONS) },
    ...(process.env.PREF_BASIS ? { basisPath: process.env.PREF_BASIS } : {}),
  });
  browser = await launchBrowser();
  page = browser.page;
  page.on("pageerror", (err) => pageErrors.push(err.message));
  // Every key press and click that reaches the document (capture phase: before the page's own handlers), so a
  // lost answer can be told apart: an input the browser never delivered, or one the page ignored.
  await page.addInitScript(() => {
    window.__inputsSeen = [];
    const name = (el: any) => (el?.id ? `#${el.id}` : el?.tagName);
    const note = (e: { type: string; key?: string; target: unknown }) =>
      window.__inputsSeen.push(`${e.type === "keydown" ? e.key : "click"} on ${name(e.target)}, focus ${name(document.activeElement)}`);
    document.addEventListener("keydown", note, true);
    document.addEventListener("click", note, true);
  });
  page.on("request", (req) => void (req.url().startsWith(`${stack.url}/`) || foreignRequests.push(req.url())));
  const logCall = (req: { url(): string; method(): string }, outcome: string) => {
    const url = new URL(req.url());
    if (!url.pathname.startsWith("/v1/")) return;
    apiCalls.push(`${req.method()} ${url.pathname} ${outcome}`);
    if (apiCalls.length > 8) apiCalls.shift();
  };
  page.on("requestfinished", async (req) => logCall(req, String((await req.response())?.status() ?? "?")));
  page.on("requestfailed", (req) => logCall(req, `failed (${req.failure()?.errorText})`));
  console.log(`local stack + browser up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${stack.url}`);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await upstream?.stop();
});

const text = (selector: string) => page.locator(selector).innerText();
/** Submitting the form marks it busy synchronously, so once the click returns, "not busy" means done. */
async function rankAndWait(): Promise<void> {
  await page.click("#try-run");
  await page.waitForSelector('#try-form[aria-busy="false"]', { timeout: 60_000 });
}
/**
 * One answer, as a person gives it. By keyboard, focus must still be in the onboarding section, where the shortcuts
 * listen (it stays on the button clicked last). An input the browser never delivered to the page is sent once more,
 * and said (an answer was lost twice in CI, cause not seen, never here); one the page received and ignored is the
 * page's bug, and fails.
 */
async function giveAnswer(choice: Choice, by: "keyboard" | "click"): Promise<void> {
  if (by === "keyboard") expect(await page.evaluate(() => document.getElementById("onboarding").contains(document.activeElement))).toBe(true);
  const before = await page.evaluate(() => window.__inputsSeen.length);
  for (let attempt = 1; attempt <= 2; attempt++) {
    if (by === "keyboard") await page.keyboard.press({ a: "a", b: "b", tie: "t" }[choice]);
    else await page.click({ a: "#choose-a", b: "#choose-b", tie: "#choose-tie" }[choice]);
    const delivered = await page
      .waitForFunction((count) => window.__inputsSeen.length > count, before, { timeout: 2_000, polling: 50 })
      .then(() => true, () => false);
    if (delivered) return;
    console.warn(`answer ${choice} by ${by}: the browser did not deliver the input to the page (attempt ${attempt})`);
  }
  throw new Error(`answer ${choice} by ${by}: the browser delivered neither of two inputs to the page`);
}
const onboardingIdle = () => page.waitForSelector('#onboarding[aria-busy="false"]', { timeout: 60_000 });

interface ProfileRow {
  label: string;
  mean: number;
  sd: number;
}
async function profileRows(): Promise<ProfileRow[]> {
  return page.$$eval("#profile-table-body tr", (rows) =>
    rows.map((row) => {
      const cells = row.querySelectorAll("th, td");
      return { label: cells[0].textContent ?? "", mean: Number(cells[1].textContent), sd: Number(cells[2].textContent) };
    }),
  );
}
const meanSd = (rows: ProfileRow[]) => rows.reduce((sum, r) => sum + r.sd, 0) / rows.length;

describe("playground", () => {
  it("refuses a bad key with a clear message", async () => {
    await page.goto(stack.url);
    await expect(page.title()).resolves.toBe("PReF Edge playground");
    await page.fill("#api-key", "pk_not_a_real_key");
    await page.fill("#user-id", "e2e-bad-key");
    await page.click("#use-identity");
    await page.waitForFunction(() => document.querySelector("#identity-status")?.textContent?.includes("401"));
    expect(await text("#identity-status")).toMatch(/API key was not accepted \(401/);
  });

  it(`learns a planted preference for shorter answers from ${COMPARISONS} comparisons made on the page`, async () => {
    const user = `e2e-short-${Date.now().toString(36)}`;
    await page.fill("#api-key", stack.devKey);
    await page.fill("#user-id", user);
    await page.click("#use-identity");
    await page.waitForSelector("#question:not([hidden])", { timeout: 60_000 });
    await onboardingIdle();
    expect(await text("#profile-summary")).toMatch(/No answers yet/);

    const sdAfter: number[] = [];
    const choices: string[] = [];
    for (let n = 1; n <= COMPARISONS; n++) {
      if (await page.isVisible("#onboarding-stopped")) {
        // The server may be confident early; a person can keep going.
        await page.click("#keep-going");
        await onboardingIdle();
      }
      expect(await page.isVisible("#question")).toBe(true);
      const choice = prefersShorter(await text("#answer-a-text"), await text("#answer-b-text"));
      choices.push(choice);
      // Half by keyboard shortcut, half by click: both must work.
      await giveAnswer(choice, n % 2 === 0 ? "keyboard" : "click");

      // On a timeout, say what the page said (an error on the status lines, or nothing: the answer never registered).
      await page
        .waitForFunction((count) => document.querySelector("#profile-summary")?.getAttribute("data-count") === String(count), n, { timeout: 60_000 })
        .catch(async (error: Error) => {
          const said = await Promise.all(["#onboarding-status", "#profile-status"].map((s) => page.locator(s).innerText().catch(() => "?")));
          const state = await page.evaluate(() => ({
            focus: `${document.activeElement?.tagName}#${document.activeElement?.id}`,
            pageHasFocus: document.hasFocus(),
            busy: document.querySelector("#onboarding")?.getAttribute("aria-busy"),
            inputs: window.__inputsSeen.slice(-6),
          }));
          throw new Error(
            `answer ${n} (${choice}) not counted: ${error.message}; onboarding says "${said[0]}", profile says "${said[1]}"; ` +
              `page state ${JSON.stringify(state)}; last API calls: ${apiCalls.join(", ")}; page errors: ${pageErrors.join(" | ") || "none"}`,
          );
        });
      await onboardingIdle();
      expect(await text("#answer-count")).toBe(`${n} ${n === 1 ? "answer" : "answers"} so far`);
      expect(await text("#profile-summary")).toMatch(new RegExp(`^${n} answers? · basis `));
      // The chart: one bar and one error bar (3 lines) per base reward, redrawn from the new profile.
      const rows = await profileRows();
      expect(await page.locator("#profile-chart rect.bar").count()).toBe(rows.length);
      expect(await page.locator("#profile-chart line.errorbar").count()).toBe(3 * rows.length);
      sdAfter.push(meanSd(rows));
    }
    expect(await page.isVisible("#onboarding-status[data-kind=error]")).toBe(false);
    // The budget is spent: no more questions suggested, and the page says why; the person may still go on.
    expect(await page.isVisible("#question")).toBe(false);
    expect(await text("#stopped-reason")).toMatch(/question budget/);
    await page.click("#keep-going");
    await page.waitForSelector("#question:not([hidden])");
    await onboardingIdle();

    const rows = await profileRows();
    const uncertainties = await page.$$eval("#uncertainty-chart circle", (dots) => dots.length);
    console.log(`choices: ${choices.join(" ")}\nmean sd after each answer: ${sdAfter.map((x) => x.toFixed(3)).join(" ")}`);
    console.log(`profile: ${rows.map((r) => `${r.label} ${r.mean.toFixed(2)}±${r.sd.toFixed(2)}`).join("; ")}`);
    console.log(`uncertainty: ${await text("#uncertainty-text")} (${uncertainties} points)`);
    expect(uncertainties).toBeGreaterThanOrEqual(COMPARISONS);
    // The profile grows more certain as answers come in.
    expect(sdAfter[COMPARISONS - 1]).toBeLessThan(sdAfter[0]);
    // Labels come from the basis when it has them.
    expect(rows.some((r) => !/^base \d+$/.test(r.label))).toBe(true);

    // Try it: on prompts the onboarding never showed, the pick for this user is shorter than the population's.
    const picks: { prompt: number; mine: number; population: number; mineTop5: number; populationTop5: number; verdict: string }[] = [];
    for (const prompt of TRY_PROMPTS) {
      await page.selectOption("#try-prompt", String(prompt));
      await rankAndWait();
      expect(await text("#try-status")).toBe("");
      const words = async (column: string) => Number(await page.locator(`${column} li.pick`).getAttribute("data-words"));
      const top5 = (column: string) =>
        page.$$eval(`${column} li`, (items) => items.reduce((sum, li) => sum + Number(li.getAttribute("data-words")), 0) / items.length);
      picks.push({
        prompt,
        mine: await words("#try-mine"),
        population: await words("#try-population"),
        mineTop5: await top5("#try-mine"),
        populationTop5: await top5("#try-population"),
        verdict: await text("#try-verdict"),
      });
      expect(await page.locator("#try-mine li").count()).toBe(5);
      expect(await page.locator("#try-population li").count()).toBe(5);
    }
    console.log(
      `try it (words of the pick and mean words of the top 5, personalized vs population):\n${picks
        .map((p) => `  prompt ${p.prompt + 1}: ${p.mine} vs ${p.population}; top 5 ${p.mineTop5} vs ${p.populationTop5}: ${p.verdict}`)
        .join("\n")}`,
    );
    // The population prior's scores are all near zero (its order is close to arbitrary), so one pick may tie or
    // lose by chance; the lists as a whole must lean short everywhere.
    for (const p of picks) expect(p.mineTop5).toBeLessThan(p.populationTop5);
    expect(picks.filter((p) => p.mine < p.population).length).toBeGreaterThanOrEqual(TRY_PROMPTS.length - 1);
    expect(picks.some((p) => /differs from the population model/.test(p.verdict))).toBe(true);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, "playground.png"), fullPage: true });
    // Keyboard focus is visible: tab back to an answer button and capture the onboarding section.
    await page.focus("#choose-tie");
    await page.keyboard.press("Shift+Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("choose-a");
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe("solid");
    await page.locator("#onboarding").screenshot({ path: path.join(ARTIFACTS, "playground-focus.png") });
    // A phone: what its screen shows at each section (a full-page capture would misplace the sticky answer bar).
    await page.setViewportSize({ width: 390, height: 844 });
    for (const section of ["onboarding", "profile", "try-it"]) {
      await page.evaluate((id) => document.getElementById(id)!.scrollIntoView({ block: "start", behavior: "instant" }), section);
      await page.screenshot({ path: path.join(ARTIFACTS, `playground-phone-${section}.png`) });
    }
    // Nothing may be wider than the phone's screen (no sideways scrolling).
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("ranks a typed prompt's generated answers through the chat route, for the user and for the population", async () => {
    // The fake LLM answers with four real answers of one shipped prompt: one short, three long.
    const { prompts } = JSON.parse(readFileSync(path.join(projectRoot, "public", "data", "prompts.json"), "utf8")) as {
      prompts: { prompt: string; responses: { text: string }[] }[];
    };
    const byLength = prompts[5].responses.map((r) => r.text).sort((a, b) => wordCount(a) - wordCount(b));
    const texts = [byLength.at(-1)!, byLength[0], byLength.at(-2)!, byLength.at(-3)!];
    upstream.reset({ texts, supportsN: true });

    await expect(page.isVisible("#try-custom")).resolves.toBe(true);
    await page.fill("#try-custom", prompts[5].prompt);
    await rankAndWait();
    expect(await text("#try-status")).toBe("");
    expect(await text("#try-verdict")).toMatch(/pick/);
    expect(upstream.calls.length).toBeGreaterThan(0);
    expect(await page.locator("#try-mine li").count()).toBe(texts.length);
    const pickWords = Number(await page.locator("#try-mine li.pick").getAttribute("data-words"));
    expect(pickWords).toBe(wordCount(byLength[0]));
    expect(pickWords).toBeLessThanOrEqual(Number(await page.locator("#try-population li.pick").getAttribute("data-words")));
    // Choosing a shipped prompt again clears the typed one.
    await page.selectOption("#try-prompt", "0");
    expect(await page.inputValue("#try-custom")).toBe("");
  });

  it("says the server is down when it is", async () => {
    await stack.stop();
    await page.click("#try-run");
    await page.waitForFunction(() => document.querySelector("#try-status")?.getAttribute("data-kind") === "error", undefined, { timeout: 30_000 });
    expect(await text("#try-status")).toMatch(/Network error: cannot reach the PReF Edge server/);
    expect(pageErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
