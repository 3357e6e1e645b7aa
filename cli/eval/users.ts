// A held-out user's data for one evaluation setting: their comparisons split by prompt into a query pool (what the
// methods may ask about) and a test set (what they are scored on), plus the test prompts' candidate lists for the
// best-of-N win rate. Splitting by prompt keeps every test prompt unseen by the user's own queries.
import { childSeed, makeRng, shuffle } from "../rng.ts";
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
  /** Test prompts with candidates known to the judge: candidate items and this user's utility of each. */
  winPrompts: { items: number[]; utility: number[] }[];
}

export function splitUser(ctx: EvalContext, userName: string, inSetting: (prompt: number) => boolean, seed: number, setting: string): UserSplit {
  const { data, judge } = ctx;
  const u = data.users.indexOf(userName);
  const rows: number[] = [];
  if (u >= 0) for (let r = 0; r < data.n; r++) if (data.user[r] === u && inSetting(data.prompt[r]) && data.a[r] !== data.b[r]) rows.push(r);
  const prompts = [...new Set(rows.map((r) => data.prompt[r]))].sort((a, b) => a - b);
  shuffle(prompts, makeRng(childSeed(seed, setting, userName)));
  const poolPrompts = new Set(prompts.slice(0, Math.ceil(prompts.length / 2)));
  const split: UserSplit = { user: userName, poolA: [], poolB: [], poolLabel: [], testA: [], testB: [], testTruth: [], winPrompts: [] };
  const testPrompts = new Set<number>();
  for (const r of rows) {
    const a = data.a[r];
    const b = data.b[r];
    if (poolPrompts.has(data.prompt[r])) {
      split.poolA.push(a);
      split.poolB.push(b);
      split.poolLabel.push(data.label[r]);
      continue;
    }
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
