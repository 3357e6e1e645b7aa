// The playground page: wires the sections together. Identity drives everything; an answer refreshes the profile.
import { createApi, messageOf } from "./api.js";
import { byId, say } from "./dom.js";
import { setupIdentity } from "./identity.js";
import { setupOnboarding } from "./onboarding.js";
import { setupProfile } from "./profile.js";
import { setupTryIt } from "./try-it.js";

let identity; // set below; the sections only read it once the person has entered a key
const api = createApi(() => identity?.key() ?? "");
const currentUser = { user: () => identity.user() };
const profile = setupProfile({ api, identity: currentUser });
const tryIt = setupTryIt({ api, identity: currentUser });
const onboarding = setupOnboarding({
  api,
  identity: currentUser,
  onAnswered: () => profile.refresh().catch(() => {}), // its own status line shows the error
});

identity = setupIdentity(async () => {
  tryIt.reset();
  try {
    const known = await profile.refresh(); // also checks the key: a 401 here is the clearest place to say so
    onboarding.start(known?.feedback_count ?? 0);
    say(byId("identity-status"), `Playing as “${identity.user()}”.`, "ok");
  } catch (err) {
    say(byId("identity-status"), messageOf(err), "error");
  }
});
