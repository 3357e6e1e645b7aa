// The PReF Edge API client: same origin as the page, the tenant key as a bearer token, and errors turned into
// messages a person can act on (bad key, server down) instead of raw statuses.

export class ApiProblem extends Error {
  /** kind: "network" | "auth" | "http" | "no-key"; status 0 when there was no HTTP answer. */
  constructor(kind, status, message, code, detail) {
    super(message);
    this.name = "ApiProblem";
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.detail = detail ?? message; // the server's own words, when it gave some
  }
}

export function createApi(getKey) {
  async function call(method, path, body) {
    const key = getKey();
    if (!key) throw new ApiProblem("no-key", 0, "Enter the tenant API key first (section “You”).");
    let res;
    try {
      res = await fetch(path, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiProblem(
        "network",
        0,
        `Network error: cannot reach the PReF Edge server at ${location.origin}. Is it running? (locally: npm start)`,
      );
    }
    if (res.status === 204) return null;
    const data = await res.json().catch(() => null);
    if (res.status === 401)
      throw new ApiProblem("auth", 401, "The API key was not accepted (401 unauthorized). Check the tenant key; npm start prints the local one.", "unauthorized");
    if (!res.ok) {
      const err = data?.error;
      const detail = err?.message ? `${err.message}${err.field ? ` (field: ${err.field})` : ""}` : res.statusText || "no details";
      throw new ApiProblem("http", res.status, `The server answered ${res.status}: ${detail}`, err?.code, err?.message);
    }
    return data;
  }

  return {
    rank: (user, prompt, candidates) => call("POST", "/v1/rank", { user, prompt, candidates }),
    nextQuestion: (user, prompt, candidates) => call("POST", "/v1/questions/next", { user, prompt, candidates }),
    feedback: (body) => call("POST", "/v1/feedback", body),
    /** The user's profile, or null when the server has never seen this user (404). */
    profile: async (user) => {
      try {
        return await call("GET", `/v1/users/${encodeURIComponent(user)}`);
      } catch (err) {
        if (err instanceof ApiProblem && err.status === 404) return null;
        throw err;
      }
    },
    chat: (body) => call("POST", "/v1/chat/completions", body),
  };
}

/** A message for any error: ApiProblems are already phrased for people; anything else is a bug worth showing. */
export const messageOf = (err) => (err instanceof ApiProblem ? err.message : `Unexpected error: ${err?.message ?? err}`);
