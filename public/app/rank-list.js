// One column of the "Try it" comparison: a ranking (from /v1/rank) rendered best first, with each answer's
// generator, score ± sd, length and text (an excerpt, the rest behind a disclosure). Scores get three decimals:
// close answers differ only there.
import { h, words } from "./dom.js";

const EXCERPT_CHARS = 280;

/**
 * @param {HTMLOListElement} list
 * @param {{ index: number, score: number, sd: number }[]} ranking best first
 * @param {{ generator?: string, text: string }[]} candidates in request order
 * @param {number} show how many to list
 */
export function renderRanking(list, ranking, candidates, show = 5) {
  list.replaceChildren(
    ...ranking.slice(0, show).map((r, place) => {
      const c = candidates[r.index];
      const excerpt = c.text.length > EXCERPT_CHARS ? `${c.text.slice(0, EXCERPT_CHARS).trimEnd()}…` : c.text;
      return h(
        "li",
        { class: place === 0 ? "pick" : "runner-up", "data-index": r.index, "data-words": words(c.text) },
        h(
          "div",
          { class: "meta" },
          place === 0 ? h("span", { class: "badge", text: "Pick" }) : null,
          h("strong", { class: "generator", text: c.generator ?? `answer ${r.index + 1}` }),
          h("span", { class: "score", text: `score ${r.score.toFixed(3)} ± ${r.sd.toFixed(2)}` }),
          h("span", { class: "length", text: `${words(c.text)} words` }),
        ),
        h("p", { class: "excerpt", text: excerpt }),
        c.text.length > EXCERPT_CHARS ? h("details", {}, h("summary", { text: "Full answer" }), h("div", { class: "full", text: c.text })) : null,
      );
    }),
  );
}
