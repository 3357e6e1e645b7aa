// One JSON request of the benchmarks to a Worker: a bearer key, a JSON body, the parsed answer, or an error naming
// the route and status. `fetcher` is the global fetch, or a Miniflare's dispatchFetch (its Response is undici's).
export type Fetcher = (url: string, init: RequestInit) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

export async function jsonCall(fetcher: Fetcher, base: string, method: string, route: string, key: string, body?: unknown): Promise<any> {
  const res = await fetcher(`${base}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}
