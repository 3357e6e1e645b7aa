// The packed storage of lower-triangular matrices (users.precision_chol): exact round trips, and refusals.
import { describe, expect, it } from "vitest";
import { packLowerTriangle, unpackLowerTriangle } from "../../worker/db/columns.ts";
import { Mulberry32 } from "../../core/prng.ts";

function randomLower(J: number, rng: Mulberry32): Float64Array {
  const m = new Float64Array(J * J);
  for (let i = 0; i < J; i++) for (let j = 0; j <= i; j++) m[i * J + j] = (rng.nextU32() / 4294967296 - 0.5) * 10 ** ((rng.nextU32() % 9) - 4);
  return m;
}

describe("packLowerTriangle / unpackLowerTriangle", () => {
  it("round-trips every lower-triangular matrix bit for bit, in J(J+1)/2 entries", () => {
    const rng = new Mulberry32(3);
    for (let J = 1; J <= 24; J++) {
      const m = randomLower(J, rng);
      m[0] = -0; // signed zeros survive too
      const packed = packLowerTriangle(m);
      expect(packed).toHaveLength((J * (J + 1)) / 2);
      const back = unpackLowerTriangle(packed);
      expect(back).toHaveLength(J * J);
      expect(new Uint8Array(back.buffer)).toEqual(new Uint8Array(m.buffer));
    }
  });

  it("refuses to drop a non-zero entry above the diagonal", () => {
    const m = randomLower(4, new Mulberry32(5));
    m[1 * 4 + 3] = 1e-300;
    expect(() => packLowerTriangle(m)).toThrow(/entry \(1, 3\) above the diagonal/);
    m[1 * 4 + 3] = Number.NaN;
    expect(() => packLowerTriangle(m)).toThrow(/above the diagonal/);
  });

  it("refuses lengths that are not a square or not a packed triangle", () => {
    expect(() => packLowerTriangle(new Float64Array(8))).toThrow(/square number/);
    expect(() => unpackLowerTriangle(new Float64Array(4))).toThrow(/not a packed lower triangle/);
    expect(unpackLowerTriangle(new Float64Array(0))).toHaveLength(0);
  });
});
