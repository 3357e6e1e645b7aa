// Endpoints that refused an optional request parameter (base64 embeddings, a streamed answer), remembered per
// isolate and URL so they are asked without it from then on. Bounded: when full, it starts over (an endpoint forgotten
// is asked once more and refuses once more).
const MAX_URLS = 256;

export class RefusedOption {
  private readonly urls = new Set<string>();

  /** A 400 or 422: the endpoint's answer to a parameter it does not take. */
  static isRefusal(status: number): boolean {
    return status === 400 || status === 422;
  }

  has(url: string): boolean {
    return this.urls.has(url);
  }

  remember(url: string): void {
    if (this.urls.size >= MAX_URLS) this.urls.clear();
    this.urls.add(url);
  }
}
