// A held-out user's data for one evaluation setting: their comparisons split into a query pool (what the methods may
// ask about) and a test set (what they are scored on; cli/data/pool-test.ts: by prompt, or by pair when the user has
// too few prompts), plus the test prompts' candidate lists for the best-of-N win rate.
import { type SplitBy, splitPoolTest } from "../data/pool-test.ts";
import { childSeed, makeRng } from "../rng.ts";
import type { EvalContext } from "./context.ts";
import { itemKey } from "./context.ts";

export interface UserSplit {
  user: string;
  /** Pool comparisons: items a/b (context item indices) and the user's label for a over b. */
  poolA: number[];
  poolB: number[];
  poolLabel: number[];
  /** Test comparisons with a decided truth (+1 a better, -1 b better; ties excluded). */
  testA: number[];
  testB: number[];
  testTruth: number[];
  /** Every test comparison with the user's label (ties included): for calibration against observed choices. */
  labelA: number[];
  labelB: number[];
  label: number[];
  /** How pool and test were split (null: the user has fewer than two distinct pairs and cannot be evaluated). */
  by: SplitBy | null;
  /** Test prompts with candidates known to the judge: candidate items and this user's utility of each. */
  winPrompts: { items: number[]; utility: number[] }[];
}

export function splitUser(ctx: EvalContext, userName: string, inSetting: (prompt: number) => boolean, seed: number, setting: string): UserSplit {
  const { data, judge } = ctx;
  const rows = Array.from(ctx.rowsOf(userName)).filter((r) => inSetting(data.prompt[r]) && data.a[r] !== data.b[r]);
  const nItems = data.items.length;
  const { pool, test, by } = splitPoolTest(
    rows.map((r) => data.prompt[r]),
    rows.map((r) => Math.min(data.a[r], data.b[r]) * nItems + Math.max(data.a[r], data.b[r])),
    makeRng(childSeed(seed, setting, userName)),
  );
  const split: UserSplit = { user: userName, poolA: [], poolB: [], poolLabel: [], testA: [], testB: [], testTruth: [], labelA: [], labelB: [], label: [], by, winPrompts: [] };
  const testPrompts = new Set<number>();
  for (const i of pool) {
    const r = rows[i];
    split.poolA.push(data.a[r]);
    split.poolB.push(data.b[r]);
    split.poolLabel.push(data.label[r]);
  }
  for (const i of test) {
    const r = rows[i];
    const a = data.a[r];
    const b = data.b[r];
    split.labelA.push(a);
    split.labelB.push(b);
    split.label.push(data.label[r]);
    testPrompts.add(data.prompt[r]);
    let truth: number;
    if (judge) {
      // The simulated user's noise-free preference, when the benchmark can judge it.
      const prompt = data.prompts[data.prompt[r]];
      const ua = judge.utility(userName, prompt, data.items[a].text);
      const ub = judge.utility(userName, prompt, data.items[b].text);
      truth = ua === undefined || ub === undefined ? labelTruth(data.label[r]) : Math.sign(ua - ub);
    } else truth = labelTruth(data.label[r]);
    if (truth === 0) continue;
    split.testA.push(a);
    split.testB.push(b);
    split.testTruth.push(truth);
  }
  if (judge && judge.users.has(userName)) {
    for (const p of [...testPrompts].sort((x, y) => x - y)) {
      const prompt = data.prompts[p];
      const cands = judge.candidates(prompt);
      const items: number[] = [];
      const utility: number[] = [];
      for (const c of cands) {
        const i = ctx.itemIndex.get(itemKey(prompt, c.text));
        if (i === undefined) continue;
        items.push(i);
        utility.push(judge.utility(userName, prompt, c.text)!);
      }
      if (items.length >= 2) split.winPrompts.push({ items, utility });
    }
  }
  return split;
}

const labelTruth = (label: number) => (label === 1 ? 1 : label === 0 ? -1 : 0);
