// The vertical lift axis both charts share: symmetric around zero (no lift), wide enough for every interval, with
// gridlines that carry their value (data-value) so the drawing can be read back exactly.
import { s } from "../app/dom.js";
import { tickPoints } from "./format.js";

/** The smallest "round" bound (in accuracy units) at least as large as every |value|; at least 5 points. */
export function liftBound(groups) {
  const extremes = groups.flatMap((g) => [g.lift.value, g.lift.low, g.lift.high]).filter((v) => v !== null);
  const widest = Math.max(0.05, ...extremes.map(Math.abs));
  return [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1].find((b) => b >= widest) ?? widest;
}

/** y(value) over [top, bottom] for lifts in [-bound, bound]; draws gridlines and tick labels left of `left`. */
export function drawLiftAxis(svg, { bound, top, bottom, left, right }) {
  const y = (v) => top + ((bound - v) / (2 * bound)) * (bottom - top);
  for (const tick of [-bound, -bound / 2, 0, bound / 2, bound]) {
    svg.append(s("line", { x1: left, x2: right, y1: y(tick), y2: y(tick), class: tick === 0 ? "zero" : "grid", "data-value": tick }));
    svg.append(s("text", { x: left - 6, y: y(tick) + 4, class: "tick", "text-anchor": "end", text: tickPoints(tick) }));
  }
  svg.append(s("text", { x: 4, y: top - 10, class: "axis-title", text: "Lift (personal − population accuracy)" }));
  return y;
}

/** Size the SVG to its container's pixel width, so text stays readable on a phone instead of being scaled down. */
export function sizeChart(svg, height, minWidth = 320) {
  svg.replaceChildren();
  const width = Math.max(minWidth, Math.round(svg.parentElement.clientWidth || 720));
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  return width;
}
