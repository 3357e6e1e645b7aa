// GET /docs: a self-contained page rendering /openapi.json (no CDN, works offline).
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>PReF Edge API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#222}
h1{margin-bottom:0}.sub{color:#666;margin-top:.2rem}
details{border:1px solid #ddd;border-radius:6px;margin:.5rem 0;padding:.4rem .8rem}
summary{cursor:pointer}.m{display:inline-block;min-width:4.5em;font-weight:700;font-family:monospace}
.get{color:#1a7f37}.post{color:#0969da}.put{color:#9a6700}.delete{color:#cf222e}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f6f8fa;padding:.6rem;overflow:auto;border-radius:4px}
.tag{color:#666;font-size:12px;margin-left:.5em}
</style></head><body>
<h1>PReF Edge API</h1><p class="sub">Generated from <a href="/openapi.json">/openapi.json</a>. Tenant routes take <code>Authorization: Bearer &lt;API key&gt;</code>; admin routes the admin token.</p>
<div id="ops">Loading...</div>
<script>
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
fetch("/openapi.json").then((r) => r.json()).then((doc) => {
  const resolve = (s) => (s && s.$ref ? doc.components.schemas[s.$ref.split("/").pop()] : s);
  const show = (s) => esc(JSON.stringify(resolve(s), null, 2));
  let html = "<p>" + esc(doc.info.description || "") + "</p>";
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) {
    const body = op.requestBody && op.requestBody.content["application/json"];
    html += '<details><summary><span class="m ' + method + '">' + method.toUpperCase() + "</span> <code>" + esc(path) + "</code> " +
      esc(op.summary || "") + '<span class="tag">' + esc((op.tags || []).join(", ")) + "</span></summary>" +
      (op.description ? "<p>" + esc(op.description) + "</p>" : "") +
      (body ? "<h4>Request body</h4><pre>" + show(body.schema) + "</pre>" : "") +
      "<h4>Responses</h4>" + Object.entries(op.responses).map(([code, r]) => {
        const c = r.content && r.content["application/json"];
        return "<p><b>" + code + "</b> " + esc(r.description || "") + "</p>" + (c && code < 300 ? "<pre>" + show(c.schema) + "</pre>" : "");
      }).join("") + "</details>";
  }
  document.getElementById("ops").innerHTML = html;
}).catch((e) => { document.getElementById("ops").textContent = "Could not load /openapi.json: " + e; });
</script></body></html>`;

export const docsRoutes = new Hono<AppEnv>().get("/docs", (c) => c.html(page));
