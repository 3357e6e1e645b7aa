// Profile: what the server knows about this user (GET /v1/users/{user}): the weight on each base reward with its
// uncertainty, and the number of answers. Refreshed after every answer.
import { messageOf } from "./api.js";
import { byId, h, say } from "./dom.js";
import { baseName, drawProfileChart } from "./profile-chart.js";

export function setupProfile({ api, identity }) {
  const svg = byId("profile-chart");
  const summary = byId("profile-summary");
  const tableBody = byId("profile-table-body");
  const status = byId("profile-status");
  let weights = null;
  let generation = 0;

  function render(profile) {
    weights = profile?.weights ?? null;
    const figure = byId("profile-figure");
    figure.hidden = !weights;
    if (!profile) {
      summary.textContent = "No answers yet: this user is ranked by the population model. Answer a question to start a profile.";
      summary.dataset.count = "0";
      tableBody.replaceChildren();
      return;
    }
    const n = profile.feedback_count;
    summary.textContent = `${n} ${n === 1 ? "answer" : "answers"} · basis ${profile.basis} · ${profile.weights.length} base rewards`;
    summary.dataset.count = String(n);
    drawProfileChart(svg, weights);
    tableBody.replaceChildren(
      ...weights.map((w) => h("tr", {}, h("th", { scope: "row", text: baseName(w) }), h("td", { text: w.mean.toFixed(3) }), h("td", { text: w.sd.toFixed(3) }))),
    );
  }

  async function refresh() {
    const mine = ++generation;
    try {
      const profile = await api.profile(identity.user());
      if (mine !== generation) return null;
      render(profile);
      say(status, "");
      return profile;
    } catch (err) {
      if (mine === generation) say(status, messageOf(err), "error");
      throw err;
    }
  }

  // Redraw at a new width (phone rotation, window resize) without asking the server again. Only on a width
  // change: redrawing changes the height, which would otherwise notify the observer again.
  let drawnWidth = 0;
  new ResizeObserver(([entry]) => {
    const width = Math.round(entry.contentRect.width);
    if (!weights || width === drawnWidth) return;
    drawnWidth = width;
    drawProfileChart(svg, weights);
  }).observe(svg.parentElement);

  return { refresh };
}
