// Reference Thompson draw (mirror assembly/sample.ts): lambda = mean + L^-T eps.
import { backSolveTransposed } from "../linalg.ts";
import { Mulberry32, fillStandardNormals } from "../prng.ts";
import { fail } from "../validate.ts";
import { type Gaussian, Status } from "../types.ts";

export function thompsonDraw(g: Gaussian, seed: number): Float64Array {
  const { J } = g;
  const x = new Float64Array(J);
  fillStandardNormals(new Mulberry32(seed), x);
  backSolveTransposed(g.precisionChol, J, x, 0);
  for (let k = 0; k < J; k++) {
    x[k] += g.mean[k];
    if (!Number.isFinite(x[k])) fail(Status.NON_FINITE, "posterior.precisionChol", "the draw is not finite");
  }
  return x;
}
