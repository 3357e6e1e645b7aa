// The WASM core against the TypeScript reference: same results within 1e-9 (relative to each output's scale)
// on random problems over the sizes the service uses.
import { beforeAll, describe, expect, it } from "vitest";
import { type Cores, Rng, expectClose, expectCloseScalar, getCores, randomBasis, randomEmbeddings, randomGaussian, randomObservations } from "./core-fixtures.ts";

const Js = [1, 2, 5, 16, 64];
const ds = [8, 384, 512, 768];
const Ns = [1, 2, 16, 64];

let c: Cores;
beforeAll(async () => {
  c = await getCores();
});

describe("projection and scores", () => {
  for (const J of Js) {
    it(`J=${J}: project, score, fold, scoreFolded for every d and N`, () => {
      for (const d of ds) {
        const rng = new Rng(1000 * J + d);
        const basis = randomBasis(rng, `parity-${J}-${d}`, J, d);
        c.wasm.loadBasis(basis);
        c.ref.loadBasis(basis);
        const post = randomGaussian(rng, J);
        for (const N of Ns) {
          const E = randomEmbeddings(rng, N, d);
          const what = `J=${J} d=${d} N=${N}`;
          expectClose(c.wasm.project(basis.id, E, N), c.ref.project(basis.id, E, N), 1e-9, `${what} project`);
          const sw = c.wasm.score(basis.id, post, E, N);
          const sr = c.ref.score(basis.id, post, E, N);
          expectClose(sw.mean, sr.mean, 1e-9, `${what} mean`);
          expectClose(sw.sd, sr.sd, 1e-9, `${what} sd`);
          const fw = c.wasm.fold(basis.id, post.mean);
          expectClose(fw, c.ref.fold(basis.id, post.mean), 1e-9, `${what} fold`);
          const folded = c.wasm.scoreFolded(fw, E, N);
          expectClose(folded, c.ref.scoreFolded(fw, E, N), 1e-9, `${what} scoreFolded`);
          // The folded path ranks exactly like the mean score.
          expectClose(folded, sr.mean, 1e-9, `${what} folded == mean`);
        }
        c.wasm.unloadBasis(basis.id);
        c.ref.unloadBasis(basis.id);
      }
    });
  }
});

describe("posterior updates", () => {
  for (const J of Js) {
    it(`J=${J}: fitPosterior (cold, warm, soft labels, weights) and addObservation over seeds`, () => {
      for (let seed = 1; seed <= 12; seed++) {
        const rng = new Rng(7919 * seed + J);
        const prior = randomGaussian(rng, J);
        const n = [0, 1, 3 * J, 200][seed % 4];
        const obs = randomObservations(rng, J, n, seed % 2 ? 1 : 3);
        const fw = c.wasm.fitPosterior(prior, obs);
        const fr = c.ref.fitPosterior(prior, obs);
        const what = `J=${J} seed=${seed} n=${n}`;
        expect(fw.converged && fr.converged, what).toBe(true);
        expect(Math.abs(fw.iterations - fr.iterations), `${what} iterations`).toBeLessThanOrEqual(1);
        expectClose(fw.posterior.mean, fr.posterior.mean, 1e-9, `${what} mean`);
        expectClose(fw.posterior.precisionChol, fr.posterior.precisionChol, 1e-9, `${what} chol`);

        const init = rng.normals(J);
        const ww = c.wasm.fitPosterior(prior, obs, { init });
        const wr = c.ref.fitPosterior(prior, obs, { init });
        expectClose(ww.posterior.mean, wr.posterior.mean, 1e-9, `${what} warm mean`);
        expectClose(ww.posterior.mean, fr.posterior.mean, 1e-9, `${what} warm == cold`);

        // Capped iterations: both stop at the same iterate.
        const cw = c.wasm.fitPosterior(prior, obs, { maxIterations: 1, init });
        const cr = c.ref.fitPosterior(prior, obs, { maxIterations: 1, init });
        expect(cw.iterations).toBe(cr.iterations);
        expect(cw.converged).toBe(cr.converged);
        expectClose(cw.posterior.mean, cr.posterior.mean, 1e-9, `${what} capped mean`);

        const z = rng.normals(J, 2);
        for (const label of [1, 0, 0.5]) {
          const aw = c.wasm.addObservation(fr.posterior, z, label, 1.5);
          const ar = c.ref.addObservation(fr.posterior, z, label, 1.5);
          expectClose(aw.mean, ar.mean, 1e-9, `${what} add mean`);
          expectClose(aw.precisionChol, ar.precisionChol, 1e-9, `${what} add chol`);
        }
      }
    });
  }
});

describe("pair selection and Thompson draws", () => {
  for (const J of Js) {
    it(`J=${J}: selectPair (both criteria, with and without exclusions) and samplePosterior`, () => {
      for (const N of Ns) {
        for (let seed = 1; seed <= 6; seed++) {
          const rng = new Rng(31 * seed + 1009 * N + J);
          const post = randomGaussian(rng, J);
          const phi = rng.normals(N * J);
          const exclude = new Uint8Array(N * N).map(() => (rng.uniform() < 0.3 ? 1 : 0));
          for (const criterion of ["pref", "infogain"] as const) {
            for (const mask of [undefined, exclude]) {
              const pw = c.wasm.selectPair(post, phi, N, criterion, mask);
              const pr = c.ref.selectPair(post, phi, N, criterion, mask);
              const what = `J=${J} N=${N} seed=${seed} ${criterion} mask=${!!mask}`;
              if (pr === null) {
                expect(pw, what).toBeNull();
                continue;
              }
              expect(pw, what).not.toBeNull();
              expect([pw!.a, pw!.b], what).toEqual([pr.a, pr.b]);
              expectCloseScalar(pw!.value, pr.value, 1e-9, `${what} value`);
              expectCloseScalar(pw!.mean, pr.mean, 1e-9, `${what} mean`);
              expectCloseScalar(pw!.variance, pr.variance, 1e-9, `${what} variance`);
            }
          }
        }
      }
      for (let seed = 0; seed < 20; seed++) {
        const rng = new Rng(seed + 77 * J);
        const post = randomGaussian(rng, J);
        const s = (seed * 2654435761) | 0; // spread over the 32-bit range, negative ones included
        expectClose(c.wasm.samplePosterior(post, s), c.ref.samplePosterior(post, s), 1e-12, `J=${J} sample seed=${s}`);
      }
    });
  }
});
