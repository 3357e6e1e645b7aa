// Upstream failures as API errors. The caller did nothing wrong, so none is a 4xx of its own making, except
// 429: the upstream asked us to slow down, and passing that on (with its Retry-After) lets OpenAI clients back
// off and retry by themselves. Failures a retry cannot fix say so (x-should-retry: false, which the openai clients
// obey; they retry every other 5xx and 429 on their own).
import { ApiError } from "../errors.ts";
import { UpstreamError } from "./client.ts";

export const NO_RETRY = { "x-should-retry": "false" };

export function upstreamApiError(e: UpstreamError): ApiError {
  switch (e.kind) {
    case "timeout":
      return new ApiError(504, "upstream_timeout", e.message);
    case "rate_limited": {
      const error = new ApiError(429, "upstream_rate_limited", `${e.message} (after retries)`);
      return e.retryAfterSeconds !== undefined ? error.withHeaders({ "retry-after": String(e.retryAfterSeconds) }) : error;
    }
    case "server_error":
      return new ApiError(502, "upstream_error", `${e.message} (after retries)`);
    case "malformed":
      return new ApiError(502, "upstream_malformed", e.message).withHeaders(NO_RETRY);
    case "client_error":
      // Not the caller's 4xx: a wrong upstream key must not look like a wrong PReF key (401) to the client.
      return new ApiError(502, "upstream_rejected", e.message).withHeaders(NO_RETRY);
    case "network":
      return new ApiError(502, "upstream_unreachable", e.message);
  }
}
