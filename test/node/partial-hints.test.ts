// Which streamed answers go to the embedder ahead of time, when, and how often (worker/chat/partial-hints.ts).
import { describe, expect, it } from "vitest";
import { FIRST_PARTIAL_CHARS, PartialHints } from "../../worker/chat/partial-hints.ts";

const turn = () => new Promise((r) => setTimeout(r, 5));

/** A PartialHints whose embedder records each call and answers with `answer(texts)`. */
function hints(answer: (texts: string[]) => number[] | null | Error = (t) => t.map(() => 1)) {
  const calls: string[][] = [];
  const h = new PartialHints();
  h.start(async (texts) => {
    calls.push(texts);
    const a = answer(texts);
    if (a instanceof Error) throw a;
    return a;
  });
  // As the stream does: text() reads the choice as it is when the call goes out.
  const live = new Map<string, string>();
  const grow = (key: string, text: string) => {
    live.set(key, text);
    h.grew(key, text.length, () => live.get(key)!);
  };
  return { h, calls, grow };
}

describe("PartialHints", () => {
  it("sends a choice once it is long enough, choices crossing together in one call", async () => {
    const { h, calls, grow } = hints();
    grow("1/0", "a".repeat(FIRST_PARTIAL_CHARS - 1));
    await turn();
    expect(calls).toEqual([]);
    grow("1/0", "a".repeat(FIRST_PARTIAL_CHARS));
    grow("1/1", "b".repeat(FIRST_PARTIAL_CHARS + 5));
    grow("1/0", "a".repeat(FIRST_PARTIAL_CHARS + 50)); // already queued: sent once, as it is by then
    await turn();
    expect(calls).toEqual([["a".repeat(FIRST_PARTIAL_CHARS + 50), "b".repeat(FIRST_PARTIAL_CHARS + 5)]]);
    await turn();
    grow("1/0", "a".repeat(5000)); // settled: never again
    await turn();
    expect(calls).toHaveLength(1);
  });

  it("sends a choice that settled nothing once more, at 1.5x its length", async () => {
    const { h, calls, grow } = hints((t) => t.map(() => 0));
    const at = FIRST_PARTIAL_CHARS;
    grow("1/0", "x".repeat(at));
    await turn();
    await turn();
    grow("1/0", "x".repeat(Math.ceil(at * 1.5) - 1));
    await turn();
    expect(calls).toHaveLength(1);
    grow("1/0", "x".repeat(Math.ceil(at * 1.5)));
    await turn();
    await turn();
    expect(calls).toHaveLength(2);
    grow("1/0", "x".repeat(at * 10));
    await turn();
    expect(calls).toHaveLength(2);
  });

  it("makes at most four calls per request, and none before start or after close; failures are swallowed", async () => {
    const { h, calls, grow } = hints(() => new Error("down"));
    for (let k = 0; k < 10; k++) {
      grow(`1/${k}`, "y".repeat(FIRST_PARTIAL_CHARS));
      await turn();
    }
    await turn();
    expect(calls).toHaveLength(4);

    // Growth before start() (the request's read not done yet) is not sent later on its own account.
    const late = new PartialHints();
    const lateCalls: string[][] = [];
    late.grew("1/0", 10_000, () => "z");
    late.start(async (texts) => (lateCalls.push(texts), [1]));
    await turn();
    expect(lateCalls).toEqual([]);

    const closing = hints();
    closing.grow("1/0", "w".repeat(FIRST_PARTIAL_CHARS));
    closing.h.close(); // before its turn: the queued text is not sent
    await turn();
    expect(closing.calls).toEqual([]);
  });
});
