// Synthetic users written straight into the Durable-Object store, for `npm run bench:scale` (bench/scale.ts): an RPC
// entrypoint of the benchmark's own build of the Worker (bench/scale/worker.ts), never of the deployed one.
import { WorkerEntrypoint } from "cloudflare:workers";
import { Mulberry32 } from "../../core/prng.ts";
import { encodeEmbedding } from "../../worker/db/columns.ts";
import type { Bindings } from "../../worker/env.ts";
import { userObject } from "../../worker/stores/durable-store.ts";

export class StoreSeeder extends WorkerEntrypoint<Bindings> {
  /** Users `user-<from>` .. `user-<to - 1>`, each with `n` random comparisons at dimension d. */
  async seed(tenantId: string, basisId: string, embedderId: string, from: number, to: number, d: number, n: number, concurrency: number): Promise<number> {
    let next = from;
    const one = async (u: number) => {
      const rng = new Mulberry32(u * 7919 + 1);
      const vec = () => encodeEmbedding(Float64Array.from(Float32Array.from({ length: d }, () => (rng.nextU32() / 4294967296) * 2 - 1)));
      const entries = Array.from({ length: n }, (_, i) => ({
        id: `seed-${u}-${i}`, promptHash: `p${i % 5}`, chosen: vec(), rejected: vec(), chosenHash: `c${u}-${i}`, rejectedHash: `r${u}-${i}`, embedderId,
        label: i % 7 === 0 ? 0.5 : 1, eventId: null, idempotencyKey: null, requestHash: "", basisId, createdAt: Date.now(), pPersonal: null, pPopulation: null,
        feedbackCountBefore: i,
      }));
      const userId = `user-${u}`;
      const out = await userObject(this.env, tenantId, userId).importLog({ tenantId, userId }, basisId, entries, { archive: false });
      if ("refused" in out) throw new Error(JSON.stringify(out.refused));
    };
    await Promise.all(Array.from({ length: concurrency }, async () => { while (next < to) await one(next++); }));
    return to - from;
  }

  sizes(tenantId: string, userId: string) {
    return userObject(this.env, tenantId, userId).sizes();
  }
}
