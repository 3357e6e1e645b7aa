// Column types shared by the schema. Numeric state (posteriors, embeddings, basis matrices) is stored as the
// base64 text of its little-endian float64 bytes: an exact round trip, and cheap on D1's wire format, which
// carries parameters and results as JSON (a BLOB travels as an array of byte numbers, ~3.6 characters a byte and
// validated element by element locally; base64 text is 1.33 characters a byte in one JSON string).
import { customType } from "drizzle-orm/sqlite-core";
import { base64ToFloat64, float64ToBase64 } from "../encoding.ts";

/** A Float64Array stored as base64 text of its little-endian bytes. */
export const f64 = customType<{ data: Float64Array; driverData: string }>({
  dataType: () => "text",
  toDriver: float64ToBase64,
  fromDriver: (value) => base64ToFloat64(String(value)),
});
