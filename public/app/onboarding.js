// Onboarding: show a shipped prompt and the two of its real answers that /v1/questions/next finds most
// informative, send the person's choice to /v1/feedback, repeat with the next prompt; stop suggesting questions
// once the server says `ask: false`, and say why.
import { messageOf } from "./api.js";
import { byId, say } from "./dom.js";
import { randomToken } from "./ids.js";
import { loadPrompts, onboardingPromptIndex } from "./prompts.js";
import { createUncertaintyMeter } from "./uncertainty-meter.js";

const STOP_REASONS = {
  confident: (q) =>
    `The model is confident about your taste now: even the most uncertain remaining question (uncertainty ${q.uncertainty.toFixed(3)}) is below the server's threshold, so more answers would change little.`,
  budget: () => "You have answered the server's question budget for onboarding; the model has what it asks for.",
  exhausted: () => "You have answered every pair of answers for all the shipped prompts.",
};

const SHORTCUTS = { a: "a", 1: "a", t: "tie", 2: "tie", b: "b", 3: "b" };

export function setupOnboarding({ api, identity, onAnswered }) {
  const section = byId("onboarding");
  const status = byId("onboarding-status");
  const questionBox = byId("question");
  const stoppedBox = byId("onboarding-stopped");
  const countText = byId("answer-count");
  const buttons = { a: byId("choose-a"), tie: byId("choose-tie"), b: byId("choose-b") };
  const meter = createUncertaintyMeter();

  let generation = 0; // bumped when the identity changes: answers to older requests are dropped
  let answered = 0; // the server's feedback count for this user
  let skipped = 0; // prompts passed over because every pair on them was answered
  let question = null; // { item, a, b, idempotencyKey }
  let busy = false;

  const setBusy = (value) => {
    busy = value;
    // aria-disabled instead of disabled: a disabled button drops keyboard focus to <body> after every answer.
    for (const button of Object.values(buttons)) button.setAttribute("aria-disabled", String(value));
    section.setAttribute("aria-busy", String(value));
  };
  const showCount = () => (countText.textContent = `${answered} ${answered === 1 ? "answer" : "answers"} so far`);

  async function next({ force = false } = {}) {
    const mine = generation;
    setBusy(true);
    say(status, "Choosing the most informative pair of answers…");
    try {
      const { prompts } = await loadPrompts();
      for (let tries = 0; tries < prompts.length; tries++) {
        const index = onboardingPromptIndex(answered + skipped, prompts.length);
        const item = prompts[index];
        const q = await api.nextQuestion(identity.user(), item.prompt, item.responses.map((r) => r.text));
        if (mine !== generation) return;
        if (q.reason === "exhausted") {
          skipped++;
          continue;
        }
        if (!q.ask && !force) return stop(q);
        return show(item, index, q);
      }
      stop({ reason: "exhausted", uncertainty: 0 });
    } catch (err) {
      if (mine === generation) say(status, messageOf(err), "error");
    } finally {
      if (mine === generation) setBusy(false);
    }
  }

  function show(item, index, q) {
    question = { item, a: q.a, b: q.b, idempotencyKey: `pg-${randomToken(12)}` };
    meter.record(q.uncertainty);
    byId("question-prompt").textContent = item.prompt;
    byId("question-prompt-number").textContent = `Prompt ${index + 1} of the shipped set`;
    byId("answer-a-text").textContent = item.responses[q.a].text;
    byId("answer-b-text").textContent = item.responses[q.b].text;
    for (const id of ["answer-a-text", "answer-b-text"]) byId(id).scrollTop = 0;
    stoppedBox.hidden = true;
    questionBox.hidden = false;
    say(status, `Which answer is better? Question ${meter.count}.`);
  }

  function stop(q) {
    question = null;
    // The answer buttons are about to disappear: keep keyboard focus in the section instead of losing it to <body>.
    const hadFocus = questionBox.contains(document.activeElement);
    questionBox.hidden = true;
    stoppedBox.hidden = false;
    byId("stopped-reason").textContent = (STOP_REASONS[q.reason] ?? (() => `The server stopped asking (${q.reason}).`))(q);
    say(status, "No more questions suggested.", "ok");
    if (hadFocus) byId("keep-going").focus();
  }

  async function answer(choice) {
    if (!question || busy) return;
    const { item, a, b, idempotencyKey } = question;
    const [first, second] = choice === "b" ? [b, a] : [a, b];
    setBusy(true);
    say(status, "Saving your answer…");
    const mine = generation;
    try {
      const res = await api.feedback({
        user: identity.user(),
        prompt: item.prompt,
        chosen: item.responses[first].text,
        rejected: item.responses[second].text,
        tie: choice === "tie",
        idempotency_key: idempotencyKey, // a retried click on the same question stores once
      });
      if (mine !== generation) return;
      answered = res.user.feedback_count;
      showCount();
      onAnswered(answered);
      await next();
    } catch (err) {
      if (mine !== generation) return;
      say(status, messageOf(err), "error"); // the question stays up: the person can retry
      setBusy(false);
    }
  }

  for (const [choice, button] of Object.entries(buttons)) button.addEventListener("click", () => answer(choice));
  byId("keep-going").addEventListener("click", () => next({ force: true }).then(() => buttons.a.focus()));

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.repeat || questionBox.hidden) return;
    // Only when nothing else wants the key: the page itself, or something inside this section that is not a field.
    const focus = document.activeElement;
    const inHere = focus === document.body || focus === null || section.contains(focus);
    if (!inHere || focus?.closest?.("input, textarea, select, [contenteditable]")) return;
    const choice = SHORTCUTS[event.key.toLowerCase()];
    if (!choice) return;
    event.preventDefault();
    buttons[choice].focus();
    answer(choice);
  });

  /** A new (or returning) user: start from what the server knows about them. */
  function start(feedbackCount) {
    generation++;
    answered = feedbackCount;
    skipped = 0;
    question = null;
    busy = false;
    meter.load(identity.user());
    showCount();
    next();
  }

  return { start };
}
