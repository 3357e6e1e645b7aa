// The operator's metrics page: admin token -> tenant list -> the tenant's progressive-validation metrics (per
// feedback-count bucket and per day), its usage and its basis history. Everything comes from this origin's admin API.
import { messageOf } from "../app/api.js";
import { byId, h, say } from "../app/dom.js";
import { createAdminApi } from "./admin-api.js";
import { fillGroupsTable } from "./groups-table.js";
import { drawLiftByCount } from "./lift-by-count-chart.js";
import { drawLiftOverTime } from "./lift-over-time-chart.js";
import { fillBasisFilter, showBasis, showUsage } from "./overview.js";
import { readStored, setupToken, writeStored } from "./token.js";

const TENANT_SLOT = "pref-metrics.tenant";
const DAY_MS = 86_400_000;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

const tenantSelect = byId("tenant");
const basisSelect = byId("basis-filter");
const results = byId("results");
const filtersStatus = byId("filters-status");
let shown = null; // the metrics on screen, kept to redraw the charts after a resize
let request = 0; // only the latest request may draw: switching tenants quickly must not show an older answer

// The API's own default range: the last 30 UTC days.
byId("to").value = isoDay(Date.now());
byId("from").value = isoDay(Date.now() - 29 * DAY_MS);

const token = setupToken(loadTenants);
const api = createAdminApi(() => token.token());

function clearResults() {
  request++;
  shown = null;
  results.hidden = true;
  results.removeAttribute("data-tenant");
}

async function loadTenants(current) {
  const status = byId("token-status");
  clearResults();
  tenantSelect.replaceChildren();
  if (!current) {
    say(status, "Enter the admin token (npm start prints the local one).");
    return;
  }
  say(status, "Checking the token…");
  try {
    const tenants = await api.tenants();
    tenantSelect.replaceChildren(...tenants.map((t) => h("option", { value: t.id, text: t.name === t.id ? t.id : `${t.name} (${t.id})` })));
    if (tenants.length === 0) {
      say(status, "The token works, but there are no tenants yet (POST /admin/tenants).", "ok");
      return;
    }
    say(status, `Token accepted: ${tenants.length} ${tenants.length === 1 ? "tenant" : "tenants"}.`, "ok");
    const remembered = readStored(TENANT_SLOT);
    tenantSelect.value = tenants.some((t) => t.id === remembered) ? remembered : tenants[0].id;
    await loadMetrics();
  } catch (err) {
    say(status, messageOf(err), "error");
  }
}

function drawCharts() {
  if (!shown) return;
  drawLiftByCount(byId("lift-by-count-chart"), shown.byCount.groups);
  drawLiftOverTime(byId("lift-over-time-chart"), shown.byDay.groups, shown.byDay);
}

async function loadMetrics() {
  const tenant = tenantSelect.value;
  if (!tenant) return;
  const from = byId("from").value;
  const to = byId("to").value;
  if (from && to && from > to) {
    say(filtersStatus, "The range is backwards: “from” must not be after “to”.", "error");
    return;
  }
  const mine = ++request;
  results.setAttribute("aria-busy", "true");
  say(filtersStatus, `Loading the metrics of ${tenant}…`);
  try {
    const query = { from, to, basis: basisSelect.value };
    const [detail, byCount, byDay] = await Promise.all([api.tenant(tenant), api.metrics(tenant, "count", query), api.metrics(tenant, "day", query)]);
    if (mine !== request) return;
    fillBasisFilter(basisSelect, detail);
    showBasis(detail);
    showUsage(byCount);
    fillGroupsTable(byId("count-table-body"), byCount.groups, byCount.total, byId("count-table-total"));
    fillGroupsTable(byId("day-table-body"), byDay.groups);
    results.hidden = false; // drawn after showing: the charts take their container's width
    shown = { byCount, byDay };
    drawCharts();
    byId("count-empty").hidden = byCount.groups.length > 0;
    byId("day-empty").hidden = byDay.groups.length > 0;
    results.dataset.tenant = tenant;
    say(filtersStatus, `${tenant}: ${byCount.total.comparisons.toLocaleString("en-US")} comparisons from ${byCount.from} to ${byCount.to}.`, "ok");
  } catch (err) {
    if (mine !== request) return;
    shown = null;
    results.hidden = true; // never leave another tenant's or range's numbers under an error
    say(filtersStatus, messageOf(err), "error");
  } finally {
    if (mine === request) results.setAttribute("aria-busy", "false");
  }
}

tenantSelect.addEventListener("change", () => {
  writeStored(TENANT_SLOT, tenantSelect.value);
  basisSelect.value = ""; // another tenant's bases mean nothing here
  loadMetrics();
});
byId("filters-form").addEventListener("submit", (event) => {
  event.preventDefault();
  loadMetrics();
});
// Charts are drawn at the container's pixel width: redraw after a resize settles.
let resizeTimer;
addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(drawCharts, 200);
});
