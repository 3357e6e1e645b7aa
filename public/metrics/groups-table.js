// The numbers behind a chart, as a table: the charts' accessible fallback and the operator's exact figures.
import { h } from "../app/dom.js";
import { count, decimal, interval, percent, points } from "./format.js";

function row(g, header) {
  return h(
    "tr",
    { "data-key": g.key },
    h("th", { scope: "row", text: header }),
    h("td", { class: "comparisons", text: count(g.comparisons) }),
    h("td", { class: "decided", text: count(g.decided) }),
    h("td", { class: "personal-accuracy", text: percent(g.personal.accuracy) }),
    h("td", { class: "population-accuracy", text: percent(g.population.accuracy) }),
    h("td", { class: "lift", text: points(g.lift.value) }),
    h("td", { class: "interval", text: interval(g.lift) }),
    h("td", { class: "personal-log-loss", text: decimal(g.personal.log_loss) }),
    h("td", { class: "population-log-loss", text: decimal(g.population.log_loss) }),
  );
}

/** Fills tbody with one row per group and, when given, tfoot with the total over the range. */
export function fillGroupsTable(tbody, groups, total, tfoot) {
  tbody.replaceChildren(...groups.map((g) => row(g, g.key)));
  if (tfoot) tfoot.replaceChildren(...(total ? [row(total, "All")] : []));
}
