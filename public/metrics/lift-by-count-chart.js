// Chart 1: the lift in each feedback-count bucket (a dot) with its 95% interval (error bar), and below it the
// comparisons behind each bucket (bars): the interval only means something next to how many comparisons made it.
import { s } from "../app/dom.js";
import { count, describeGroup } from "./format.js";
import { drawLiftAxis, liftBound, sizeChart } from "./lift-axis.js";

const HEIGHT = 348;
const TOP = 34;
const LIFT_BOTTOM = 220;
const BARS_TOP = 280;
const BARS_BOTTOM = 322;
const LEFT = 78;

export function drawLiftByCount(svg, groups) {
  const width = sizeChart(svg, HEIGHT);
  const right = width - 12;
  const y = drawLiftAxis(svg, { bound: liftBound(groups), top: TOP, bottom: LIFT_BOTTOM, left: LEFT, right });
  const slot = (right - LEFT) / Math.max(1, groups.length);
  const most = Math.max(1, ...groups.map((g) => g.comparisons));
  svg.append(s("text", { x: 4, y: BARS_TOP - 8, class: "axis-title", text: "Comparisons per bucket" }));

  groups.forEach((g, i) => {
    const x = LEFT + slot * (i + 0.5);
    const mark = s("g", {
      class: "bucket",
      "data-key": g.key,
      "data-comparisons": g.comparisons,
      "data-lift": g.lift.value,
      "data-low": g.lift.low,
      "data-high": g.lift.high,
    });
    mark.append(s("title", { text: describeGroup(`${g.key} earlier answers`, g) }));
    if (g.lift.low !== null && g.lift.high !== null) {
      const [lo, hi] = [y(g.lift.low), y(g.lift.high)];
      mark.append(s("line", { x1: x, x2: x, y1: lo, y2: hi, class: "errorbar" }));
      for (const end of [lo, hi]) mark.append(s("line", { x1: x - 7, x2: x + 7, y1: end, y2: end, class: "errorbar cap" }));
    }
    if (g.lift.value !== null) mark.append(s("circle", { cx: x, cy: y(g.lift.value), r: 5, class: "lift" }));
    mark.append(s("text", { x, y: LIFT_BOTTOM + 18, "text-anchor": "middle", class: "label", text: g.key }));
    const barHeight = ((BARS_BOTTOM - BARS_TOP) * g.comparisons) / most;
    mark.append(s("rect", { x: x - Math.min(24, slot / 3), y: BARS_BOTTOM - barHeight, width: Math.min(48, (2 * slot) / 3), height: barHeight, class: "volume" }));
    mark.append(s("text", { x, y: BARS_BOTTOM + 16, "text-anchor": "middle", class: "count", text: count(g.comparisons) }));
    svg.append(mark);
  });
  svg.append(s("text", { x: (LEFT + right) / 2, y: LIFT_BOTTOM + 36, "text-anchor": "middle", class: "axis-title", text: "The user's earlier answers (feedback count)" }));
}
