// The profile chart: one horizontal bar per base reward (the user's posterior mean weight) with a ±1 sd error
// bar. Drawn at the container's pixel width, so text stays readable on a phone instead of being scaled down.
import { s } from "./dom.js";

const ROW = 28;
const ROW_WITH_DETAIL = 38;
const TOP = 24; // room for the axis labels
const fmt = (x) => (Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));

export const baseName = (w) => w.label ?? `base ${w.base + 1}`;

/** "verbose (length, r=0.87)" -> name "verbose" on the first line and "length, r=0.87" smaller below it. */
function splitLabel(label) {
  const m = /^(.*?)\s*\((.+)\)\s*$/.exec(label);
  return m && m[1] ? { name: m[1], detail: m[2] } : { name: label, detail: "" };
}

/** A round bound for the axis, at least `x`, with steps fine enough that the bars use most of the width. */
function niceCeil(x) {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 1.5, 2, 3, 4, 5, 6, 8, 10].map((m) => m * p).find((v) => v >= x);
}

function shorten(text, maxChars) {
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(1, maxChars - 1))}…`;
}

export function drawProfileChart(svg, weights) {
  svg.replaceChildren();
  const labels = weights.map((w) => splitLabel(baseName(w)));
  const row = labels.some((l) => l.detail) ? ROW_WITH_DETAIL : ROW;
  const width = Math.max(280, Math.round(svg.parentElement.clientWidth || 600));
  const height = TOP + row * weights.length + 8;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);

  const labelWidth = Math.min(200, Math.round(width * 0.38));
  const left = labelWidth + 8;
  const right = width - 12;
  const bound = niceCeil(Math.max(...weights.map((w) => Math.abs(w.mean) + w.sd), 1e-9));
  const x = (v) => left + ((v + bound) / (2 * bound)) * (right - left);
  const charsFit = Math.floor(labelWidth / 7.2);
  const detailCharsFit = Math.floor(labelWidth / 6);

  for (const tick of [-bound, -bound / 2, 0, bound / 2, bound]) {
    svg.append(s("line", { x1: x(tick), x2: x(tick), y1: TOP - 4, y2: height - 8, class: tick === 0 ? "zero" : "grid" }));
    svg.append(s("text", { x: x(tick), y: TOP - 10, class: "tick", "text-anchor": "middle", text: fmt(tick) }));
  }

  weights.forEach((w, i) => {
    const yMid = TOP + i * row + row / 2;
    const { name, detail } = labels[i];
    const summary = `${baseName(w)}: weight ${fmt(w.mean)} ± ${fmt(w.sd)}`;
    const g = s("g", { class: "row", "data-base": w.base }, s("title", { text: summary }));
    if (detail) {
      g.append(s("text", { x: labelWidth, y: yMid - 2, "text-anchor": "end", class: "label", text: shorten(name, charsFit) }));
      g.append(s("text", { x: labelWidth, y: yMid + 11, "text-anchor": "end", class: "label-detail", text: shorten(detail, detailCharsFit) }));
    } else g.append(s("text", { x: labelWidth, y: yMid + 4, "text-anchor": "end", class: "label", text: shorten(name, charsFit) }));
    const [x0, x1] = [x(Math.min(0, w.mean)), x(Math.max(0, w.mean))];
    g.append(s("rect", { x: x0, y: yMid - 8, width: Math.max(1, x1 - x0), height: 16, rx: 2, class: w.mean >= 0 ? "bar positive" : "bar negative" }));
    const lo = x(Math.max(-bound, w.mean - w.sd));
    const hi = x(Math.min(bound, w.mean + w.sd));
    g.append(s("line", { x1: lo, x2: hi, y1: yMid, y2: yMid, class: "errorbar" }));
    for (const end of [lo, hi]) g.append(s("line", { x1: end, x2: end, y1: yMid - 6, y2: yMid + 6, class: "errorbar" }));
    svg.append(g);
  });
}
