// Chart 2: the lift per UTC day (line and dots) inside its 95% interval (shaded band), over the chosen range. Days
// without comparisons break the line rather than being bridged: a gap is "no data", not a trend.
import { s } from "../app/dom.js";
import { describeGroup } from "./format.js";
import { drawLiftAxis, liftBound, sizeChart } from "./lift-axis.js";

const HEIGHT = 280;
const TOP = 34;
const BOTTOM = 220;
const LEFT = 78;
const DAY_MS = 86_400_000;
const dayNumber = (iso) => Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);

/** Runs of consecutive days, each drawn as one band and one line. */
function runsOf(days) {
  const runs = [];
  for (const d of days) {
    const run = runs.at(-1);
    if (run && d.n === run.at(-1).n + 1) run.push(d);
    else runs.push([d]);
  }
  return runs;
}

export function drawLiftOverTime(svg, groups, range) {
  const width = sizeChart(svg, HEIGHT);
  const right = width - 16;
  const y = drawLiftAxis(svg, { bound: liftBound(groups), top: TOP, bottom: BOTTOM, left: LEFT, right });
  const [first, last] = [dayNumber(range.from), dayNumber(range.to)];
  // One day alone sits in the middle; otherwise the range spans the width.
  const x = (n) => (last === first ? (LEFT + right) / 2 : LEFT + ((n - first) / (last - first)) * (right - LEFT));
  for (const [n, iso] of [[first, range.from], [last, range.to]])
    svg.append(s("text", { x: x(n), y: BOTTOM + 18, "text-anchor": first === last ? "middle" : n === first ? "start" : "end", class: "label", text: iso }));

  const days = groups.filter((g) => g.lift.value !== null).map((g) => ({ g, n: dayNumber(g.key) }));
  for (const run of runsOf(days)) {
    const banded = run.filter((d) => d.g.lift.low !== null && d.g.lift.high !== null);
    if (banded.length > 1) {
      const upper = banded.map((d) => `${x(d.n)},${y(d.g.lift.high)}`);
      const lower = banded.map((d) => `${x(d.n)},${y(d.g.lift.low)}`).reverse();
      svg.append(s("polygon", { points: [...upper, ...lower].join(" "), class: "band" }));
    }
    if (run.length > 1) svg.append(s("polyline", { points: run.map((d) => `${x(d.n)},${y(d.g.lift.value)}`).join(" "), class: "trend" }));
  }
  for (const { g, n } of days) {
    const mark = s("g", { class: "day", "data-key": g.key, "data-comparisons": g.comparisons, "data-lift": g.lift.value, "data-low": g.lift.low, "data-high": g.lift.high });
    mark.append(s("title", { text: describeGroup(g.key, g) }));
    // A short interval bar on every day too, so a lone day (no neighbour to make a band with) still shows it.
    if (g.lift.low !== null && g.lift.high !== null) mark.append(s("line", { x1: x(n), x2: x(n), y1: y(g.lift.low), y2: y(g.lift.high), class: "errorbar" }));
    mark.append(s("circle", { cx: x(n), cy: y(g.lift.value), r: 4, class: "lift" }));
    svg.append(mark);
  }
  svg.append(s("text", { x: (LEFT + right) / 2, y: BOTTOM + 36, "text-anchor": "middle", class: "axis-title", text: "Day (UTC)" }));
}
