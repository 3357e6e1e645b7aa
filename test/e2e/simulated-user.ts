// The simulated person of the playground test. Its planted preference: shorter answers are better. It decides
// only from what the page shows (the two answers' visible texts), as a person would.

export type Choice = "a" | "b" | "tie";

export const wordCount = (text: string) => (text.trim() ? text.trim().split(/\s+/).length : 0);

/** Prefers the answer with fewer words; calls it a tie when they are within 5% (or 2 words) of each other. */
export function prefersShorter(answerA: string, answerB: string): Choice {
  const [a, b] = [wordCount(answerA), wordCount(answerB)];
  if (Math.abs(a - b) <= Math.max(2, 0.05 * Math.max(a, b))) return "tie";
  return a < b ? "a" : "b";
}
