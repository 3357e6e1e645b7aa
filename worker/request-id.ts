// Every response carries x-request-id: the client's own (when it is a sane token) or a new one. The same id is in
// the error body and in every log line of the request, so a client's report can be matched to the logs.

/** A client's request id is echoed when it is 1-128 printable ASCII characters without spaces. */
const CLIENT_ID = /^[\x21-\x7e]{1,128}$/;

export const REQUEST_ID_HEADER = "x-request-id";

function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return `req_${hex}`;
}

/** The request's id: the client's x-request-id if acceptable, else a new random one. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get(REQUEST_ID_HEADER);
  return given !== null && CLIENT_ID.test(given) ? given : newRequestId();
}
