// The last step: GET /health on the deployed URL, without credentials, as a monitor would. It must answer ok with
// the version this deploy shipped; an older version still answering (the new one is not served everywhere yet)
// is waited for until the deadline.
export interface HealthReport {
  status: string;
  version: string;
  core: string;
  db: string;
  basis: string | null;
}

async function probe(url: string, expectedVersion: string): Promise<{ ok: HealthReport | null; why: string }> {
  let res: Response;
  try {
    res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    return { ok: null, why: (err as Error).message };
  }
  const text = await res.text();
  let body: HealthReport;
  try {
    body = JSON.parse(text) as HealthReport;
  } catch {
    return { ok: null, why: `${res.status} ${text.slice(0, 300)}` };
  }
  if (res.status !== 200 || body.status !== "ok") return { ok: null, why: `${res.status} ${text.slice(0, 300)}` };
  if (body.version !== expectedVersion) return { ok: null, why: `version ${body.version}, expected ${expectedVersion} (the new version is not served yet)` };
  return { ok: body, why: "" };
}

export async function checkHealth(url: string, expectedVersion: string, deadline: number, pauseMs = 2_000): Promise<HealthReport> {
  for (;;) {
    const { ok, why } = await probe(url, expectedVersion);
    if (ok) return ok;
    if (Date.now() + pauseMs > deadline) throw new Error(`GET ${url}/health is not ok (last answer: ${why})`);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}
