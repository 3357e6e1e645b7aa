// The admin token field: kept in this browser's localStorage only (like the playground's API key), sent to
// nothing but this origin. A shared computer should not keep it: "Forget" removes it.
import { byId } from "../app/dom.js";

const TOKEN_SLOT = "pref-metrics.admin-token";

export function readStored(slot) {
  try {
    return localStorage.getItem(slot) ?? "";
  } catch {
    return ""; // storage disabled (private mode, policy): the page still works for this visit
  }
}
export function writeStored(slot, value) {
  try {
    if (value) localStorage.setItem(slot, value);
    else localStorage.removeItem(slot);
  } catch {
    // see readStored()
  }
}

/** Wires the token form; `onSave(token)` runs after each save and on load when a token is stored. */
export function setupToken(onSave) {
  const input = byId("admin-token");
  let current = readStored(TOKEN_SLOT);
  input.value = current;

  byId("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    current = input.value.trim();
    writeStored(TOKEN_SLOT, current);
    onSave(current);
  });
  byId("forget-token").addEventListener("click", () => {
    current = "";
    input.value = "";
    writeStored(TOKEN_SLOT, "");
    onSave(current);
  });
  byId("toggle-token").addEventListener("click", (event) => {
    const show = input.type === "password";
    input.type = show ? "text" : "password";
    event.currentTarget.setAttribute("aria-pressed", String(show));
    event.currentTarget.textContent = show ? "Hide" : "Show";
  });

  if (current) queueMicrotask(() => onSave(current));
  return { token: () => current };
}
