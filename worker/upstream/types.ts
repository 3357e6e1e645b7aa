// What the upstream client hands back: candidates, and failures as UpstreamError (mapped to API errors by faults.ts).

export type UpstreamFailure = "timeout" | "rate_limited" | "server_error" | "client_error" | "malformed" | "network";

export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamFailure,
    message: string,
    readonly upstreamStatus?: number,
    /** The upstream's Retry-After (429), in seconds. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "UpstreamError";
  }
}

export interface Candidate {
  text: string;
  finishReason: string | null;
}
