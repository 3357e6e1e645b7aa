// Who is playing: the tenant API key and the end-user id. Kept in this browser's localStorage only; the page
// sends them to nothing but its own origin.
import { byId, say } from "./dom.js";
import { newUserId } from "./ids.js";

const KEY_SLOT = "pref-playground.api-key";
const USER_SLOT = "pref-playground.user-id";

function read(slot) {
  try {
    return localStorage.getItem(slot) ?? "";
  } catch {
    return ""; // storage disabled (private mode, policy): the page still works for this visit
  }
}
function write(slot, value) {
  try {
    localStorage.setItem(slot, value);
  } catch {
    // see read()
  }
}

/**
 * Wires the "You" form. `onChange({ key, user })` runs on load when both are known, and after every save.
 * Returns getters the other sections use.
 */
export function setupIdentity(onChange) {
  const form = byId("identity-form");
  const keyInput = byId("api-key");
  const userInput = byId("user-id");
  const status = byId("identity-status");
  let current = { key: read(KEY_SLOT), user: read(USER_SLOT) || newUserId() };
  keyInput.value = current.key;
  userInput.value = current.user;

  const apply = () => {
    const key = keyInput.value.trim();
    const user = userInput.value.trim();
    if (!key) {
      say(status, "Enter the tenant API key.", "error");
      keyInput.focus();
      return;
    }
    if (!user || user.length > 128) {
      say(status, "The user id must be 1 to 128 characters.", "error");
      userInput.focus();
      return;
    }
    current = { key, user };
    write(KEY_SLOT, key);
    write(USER_SLOT, user);
    say(status, "Checking the key…");
    onChange(current);
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
  byId("new-user").addEventListener("click", () => {
    userInput.value = newUserId();
    apply();
  });
  byId("toggle-key").addEventListener("click", (event) => {
    const show = keyInput.type === "password";
    keyInput.type = show ? "text" : "password";
    event.currentTarget.setAttribute("aria-pressed", String(show));
    event.currentTarget.textContent = show ? "Hide" : "Show";
  });

  if (current.key) queueMicrotask(() => onChange(current));
  else say(status, "Enter your tenant API key to start (npm start prints the local dev key).");
  return { key: () => current.key, user: () => current.user };
}
