// Bases are immutable once uploaded, so each isolate keeps the ones it uses resident (in the WASM core, keyed by
// id) together with their prior; a miss costs one D1 read. Bounded: the least recently used is evicted.
import type { Gaussian, PrefCore } from "../../core/types.ts";
import { gaussianFromCovariance } from "../../core/index.ts";
import { type BasisArtifact, type KnownPrompts, knownPromptsOf } from "../../core/artifact.ts";
import type { Db } from "../db/client.ts";
import { basesRepo } from "../db/repos/bases.ts";

export interface ResidentBasis {
  id: string;
  embedderId: string;
  d: number;
  J: number;
  labels: string[] | null;
  /** The population prior N(mu0, Sigma0): the posterior of a user with no feedback. */
  prior: Gaussian;
  /** Where a user's deviation counts in full, and its weight elsewhere (pref-basis/3); null: in full everywhere. */
  prompts: KnownPrompts | null;
}

const MAX_RESIDENT = 8;
const resident = new Map<string, Promise<ResidentBasis | null>>();

async function load(db: Db, core: PrefCore, id: string): Promise<ResidentBasis | null> {
  const row = await basesRepo.get(db, id);
  if (!row) return null;
  core.loadBasis({ id: row.id, J: row.J, d: row.d, W: row.W });
  return {
    id: row.id,
    embedderId: row.embedderId,
    d: row.d,
    J: row.J,
    labels: row.labels ?? null,
    prior: gaussianFromCovariance(row.mu0, row.sigma0),
    // Validated against the artifact schema when uploaded; kept with the artifact's other fields.
    prompts: knownPromptsOf((row.meta as Pick<BasisArtifact, "prompts">).prompts),
  };
}

/** The basis, resident in `core`; null if no such basis. */
export function residentBasis(db: Db, core: PrefCore, id: string): Promise<ResidentBasis | null> {
  let entry = resident.get(id);
  if (entry) {
    resident.delete(id); // move to the most-recent end
    resident.set(id, entry);
    return entry;
  }
  entry = load(db, core, id).then(
    (b) => {
      if (!b) resident.delete(id); // do not cache misses: the basis may be uploaded later
      return b;
    },
    (err) => {
      resident.delete(id);
      throw err;
    },
  );
  resident.set(id, entry);
  while (resident.size > MAX_RESIDENT) {
    const oldest = resident.keys().next().value as string;
    resident.delete(oldest);
    core.unloadBasis(oldest);
  }
  return entry;
}
