// Try it: rank answers for this user and, side by side, for the population model (what /v1/rank gives a user with
// no feedback: with a basis that has a population row, the pooled reward model of every training user). Shipped prompts rank their real AlpacaEval answers; a typed prompt
// goes through /v1/chat/completions when an upstream LLM is configured.
import { ApiProblem, messageOf } from "./api.js";
import { byId, h, say, words } from "./dom.js";
import { populationProbeId } from "./ids.js";
import { loadPrompts } from "./prompts.js";
import { renderRanking } from "./rank-list.js";
import { chatRanking, chatRouteExists, meansNoUpstream } from "./chat-mode.js";

export function setupTryIt({ api, identity }) {
  const form = byId("try-form");
  const select = byId("try-prompt");
  const custom = byId("try-custom");
  const customRow = byId("try-custom-row");
  const status = byId("try-status");
  const verdict = byId("try-verdict");
  const results = byId("try-results");
  let busy = false;

  loadPrompts()
    .then(({ prompts }) => {
      select.replaceChildren(...prompts.map((p, i) => h("option", { value: i, text: `${i + 1}. ${p.prompt.length > 90 ? `${p.prompt.slice(0, 89)}…` : p.prompt}` })));
    })
    .catch((err) => say(status, `Could not load the shipped prompts: ${err.message}`, "error"));
  chatRouteExists().then((exists) => (customRow.hidden = !exists));
  // A typed prompt wins over the list; picking from the list means the person wants the list again.
  select.addEventListener("change", () => (custom.value = ""));

  /** `personal`: the user's ranking when the chat route already made it; else /v1/rank makes it. */
  async function personalAndPopulation(prompt, candidates, personal) {
    const texts = candidates.map((c) => c.text);
    const [mine, population] = await Promise.all([
      personal ?? api.rank(identity.user(), prompt, texts).then((r) => ({ ranking: r.ranking, count: r.user.feedback_count })),
      api.rank(populationProbeId(), prompt, texts),
    ]);
    return { mine: mine.ranking, population: population.ranking, count: mine.count };
  }

  async function run() {
    const typed = !customRow.hidden && custom.value.trim();
    if (typed) {
      try {
        const { candidates, ranking, count } = await chatRanking(api, identity.user(), typed);
        const ranked = await personalAndPopulation(typed, candidates, { ranking, count });
        return { candidates, ...ranked };
      } catch (err) {
        if (!meansNoUpstream(err)) throw err;
        customRow.hidden = true;
        throw new ApiProblem("no-upstream", err.status, `Typed prompts are off: ${err.detail} Meanwhile, pick a shipped prompt.`);
      }
    }
    const { prompts } = await loadPrompts();
    const item = prompts[Number(select.value) || 0];
    return { candidates: item.responses, ...(await personalAndPopulation(item.prompt, item.responses)) };
  }

  function show({ candidates, mine, population, count }) {
    renderRanking(byId("try-mine"), mine, candidates);
    renderRanking(byId("try-population"), population, candidates);
    results.hidden = false;
    const pick = candidates[mine[0].index];
    const popPick = candidates[population[0].index];
    const describe = (c) => `${c.generator ?? "an answer"} (${words(c.text)} words)`;
    verdict.textContent =
      count === 0
        ? "You have no answers yet, so your ranking is the population model's. Answer a few questions and try again."
        : mine[0].index === population[0].index
          ? `Same pick as the population model: ${describe(pick)}.`
          : `Your pick, ${describe(pick)}, differs from the population model's, ${describe(popPick)}.`;
    verdict.dataset.differs = String(mine[0].index !== population[0].index);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    form.setAttribute("aria-busy", "true");
    say(status, "Ranking…");
    try {
      show(await run());
      say(status, ""); // the verdict (a live region too) is the news; one announcement, not two
    } catch (err) {
      say(status, messageOf(err), "error");
    } finally {
      busy = false;
      form.setAttribute("aria-busy", "false");
    }
  });

  /** A different user: old results describe someone else. */
  function reset() {
    results.hidden = true;
    verdict.textContent = "";
    say(status, "");
  }

  return { reset };
}
