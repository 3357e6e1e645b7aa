// Tiny DOM helpers: build elements without innerHTML, so API and dataset text can never inject markup.

/** h("button", { class: "x", onclick }, "text", child) -> element. `null`/`false` children are skipped. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** The same for SVG elements (attributes only; text via the `text` attr). */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  for (const child of children.flat()) if (child) el.append(child);
  return el;
}

function setAttrs(el, attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") el.textContent = String(value);
    else if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
}

export const byId = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id} in index.html`);
  return el;
};

/** Write a status line; `kind` ("info" | "error" | "ok") styles it. Status elements are aria-live regions. */
export function say(el, message, kind = "info") {
  el.textContent = message;
  el.dataset.kind = kind;
}

export const words = (text) => (text.trim() ? text.trim().split(/\s+/).length : 0);
