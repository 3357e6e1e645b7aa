/**
 * An embedding the WASM core decoded from a request body (embedding-body.ts): a view into that request's one buffer
 * of decoded values. The core already checked its values (finite, within the schema's bound, 1 to the schema's
 * maximum count), so the schema checks only the type, and embedAll can use contiguous ones without copying.
 */
export class DecodedVector extends Float64Array {}
