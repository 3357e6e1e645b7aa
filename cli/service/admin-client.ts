// A small client of the deployed Worker's admin API. A Worker just deployed (or given a secret) takes a few
// seconds to be served everywhere, and a new workers.dev name longer: until `waitUntilReady` succeeds, network
// errors and 5xx are retried, and 401 too when this run has just set ADMIN_TOKEN.
export interface AdminResponse {
  status: number;
  body: unknown;
  text: string;
}

export class AdminClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async request(method: string, route: string, body?: string | object): Promise<AdminResponse> {
    const res = await fetch(`${this.baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (e.g. an edge error page): keep the text for the message
    }
    return { status: res.status, body: parsed, text };
  }

  /** Calls `route` until it answers 2xx; retryable answers are retried until `deadline` (ms since epoch). */
  async until(method: string, route: string, deadline: number, retry401: boolean, pauseMs = 2_000): Promise<AdminResponse> {
    let last = "";
    for (;;) {
      try {
        const res = await this.request(method, route);
        if (res.status >= 200 && res.status < 300) return res;
        const retryable = res.status >= 500 || (res.status === 401 && retry401) || (res.status === 404 && res.body === null);
        last = `${res.status} ${res.text.slice(0, 300)}`;
        if (!retryable) throw new AdminError(method, route, res);
      } catch (err) {
        if (err instanceof AdminError) throw err;
        last = (err as Error).message;
      }
      if (Date.now() + pauseMs > deadline) throw new Error(`${method} ${this.baseUrl}${route} did not succeed in time (last answer: ${last})`);
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }
}

export class AdminError extends Error {
  constructor(method: string, route: string, readonly response: AdminResponse) {
    super(`${method} ${route} answered ${response.status}: ${response.text.slice(0, 500)}`);
    this.name = "AdminError";
  }
}

export function expectStatus(method: string, route: string, res: AdminResponse, ok: number[]): AdminResponse {
  if (!ok.includes(res.status)) throw new AdminError(method, route, res);
  return res;
}
