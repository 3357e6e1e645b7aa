// The onboarding progress indicator: the uncertainty of each question asked (sd of the preference probability of
// the most informative pair, from /v1/questions/next), drawn as a falling line. Remembered per user in this browser.
import { byId, s } from "./dom.js";

const slot = (user) => `pref-playground.uncertainty.${user}`;
const fmt = (x) => x.toFixed(3);

export function createUncertaintyMeter() {
  const svg = byId("uncertainty-chart");
  const text = byId("uncertainty-text");
  let user = "";
  let history = [];

  function load(forUser) {
    user = forUser;
    try {
      history = JSON.parse(localStorage.getItem(slot(user)) ?? "[]").filter(Number.isFinite);
    } catch {
      history = [];
    }
    render();
  }

  function record(uncertainty) {
    if (!Number.isFinite(uncertainty)) return;
    history.push(uncertainty);
    history = history.slice(-60); // a long session should not grow storage without bound
    try {
      localStorage.setItem(slot(user), JSON.stringify(history));
    } catch {
      // storage unavailable: the meter still works for this visit
    }
    render();
  }

  function render() {
    svg.replaceChildren();
    if (history.length === 0) {
      text.textContent = "Uncertainty: not measured yet.";
      svg.setAttribute("aria-label", "No questions asked yet");
      return;
    }
    const first = history[0];
    const last = history[history.length - 1];
    const change = first > 0 ? Math.round((100 * (last - first)) / first) : 0;
    text.textContent =
      history.length === 1
        ? `Uncertainty of this question: ${fmt(last)}.`
        : `Uncertainty of this question: ${fmt(last)} (first question: ${fmt(first)}, ${change <= 0 ? "" : "+"}${change}%).`;
    svg.setAttribute("aria-label", `Question uncertainty over ${history.length} questions, from ${fmt(first)} to ${fmt(last)}`);

    const W = 240, H = 48, pad = 4;
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const top = Math.max(...history) || 1;
    const x = (i) => pad + (history.length === 1 ? 0 : (i * (W - 2 * pad)) / (history.length - 1));
    const y = (v) => H - pad - (v / top) * (H - 2 * pad);
    svg.append(s("line", { x1: pad, x2: W - pad, y1: H - pad, y2: H - pad, class: "axis" }));
    const points = history.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    svg.append(s("polyline", { points, class: "trend" }));
    history.forEach((v, i) => svg.append(s("circle", { cx: x(i), cy: y(v), r: i === history.length - 1 ? 3.5 : 2, class: "dot" }, s("title", { text: `question ${i + 1}: ${fmt(v)}` }))));
  }

  return { load, record, get count() { return history.length; } };
}
