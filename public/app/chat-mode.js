// "Try it" with a typed prompt: only when the Worker has the chat route AND an upstream LLM to call. The route's
// presence comes from /openapi.json. Whether an upstream is configured can differ per tenant and no route says so
// without generating, so the first attempt tells (503 upstream_not_configured) and the page falls back to the
// shipped prompts.

/** True when this Worker serves POST /v1/chat/completions. */
export async function chatRouteExists() {
  try {
    const res = await fetch("/openapi.json");
    if (!res.ok) return false;
    const doc = await res.json();
    return Boolean(doc?.paths?.["/v1/chat/completions"]?.post);
  } catch {
    return false;
  }
}

/** The error that means "no upstream to generate with" rather than a passing failure. */
export const meansNoUpstream = (err) => err?.code === "upstream_not_configured";

/**
 * Generates and ranks answers for this user through the chat route. Its choices come best first and
 * `pref.ranking[i]` scores `choices[i]`, so the ranking indexes the returned candidates directly.
 */
export async function chatRanking(api, user, prompt) {
  const res = await api.chat({ messages: [{ role: "user", content: prompt }], user, pref: { ask: false } });
  const candidates = res.choices.map((choice, i) => ({ generator: `${res.model} #${i + 1}`, text: choice.message.content }));
  return { candidates, ranking: res.pref.ranking, count: res.pref.user?.feedback_count };
}
