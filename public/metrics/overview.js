// The tenant at a glance: questions asked vs answered, request volume, the overall lift, and which basis served
// its users (the active one and its activation history: a lift change often lines up with a basis change).
import { byId, h } from "../app/dom.js";
import { count, interval, points } from "./format.js";

const set = (id, text) => void (byId(id).textContent = text);

export function showUsage(metrics) {
  const { questions, volume, total } = metrics;
  set("questions-asked", count(questions.asked));
  set("questions-answered", count(questions.answered));
  set("questions-declined", count(questions.declined));
  set("volume-rank", count(volume.rank));
  set("volume-chat", count(volume.chat));
  set("total-lift", points(total.lift.value));
  set("total-interval", interval(total.lift));
  set("range-shown", `${metrics.from} to ${metrics.to}${metrics.basis ? `, basis ${metrics.basis} only` : ", all bases"}`);
}

export function showBasis(tenant) {
  set("active-basis", tenant.active_basis ?? "none (no basis available)");
  const rows = tenant.basis_history.map((a) =>
    h(
      "tr",
      {},
      h("td", { text: a.basis ?? "service default" }),
      h("td", { text: a.previous ?? "service default" }),
      h("td", { text: a.activated_at.replace("T", " ").slice(0, 19) }),
      h("td", { text: a.rolled_back_at ? `rolled back ${a.rolled_back_at.replace("T", " ").slice(0, 19)}` : "" }),
    ),
  );
  byId("basis-history-body").replaceChildren(...rows);
  byId("basis-history-empty").hidden = rows.length > 0;
}

/** The basis filter offers every basis the tenant has served (active first), plus "all". */
export function fillBasisFilter(select, tenant) {
  const keep = select.value;
  const ids = [tenant.active_basis, tenant.basis, ...tenant.basis_history.flatMap((a) => [a.basis, a.previous])].filter(Boolean);
  const options = [h("option", { value: "", text: "All bases" }), ...[...new Set(ids)].map((id) => h("option", { value: id, text: id }))];
  select.replaceChildren(...options);
  select.value = [...select.options].some((o) => o.value === keep) ? keep : "";
}
