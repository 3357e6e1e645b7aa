// Random identifiers. crypto.getRandomValues works on plain http too (crypto.randomUUID needs a secure
// context, and the page may be opened from a phone on the LAN).

export function randomToken(bytes = 8) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export const newUserId = () => `player-${randomToken(4)}`;

/**
 * The population model is the basis prior's mean (the pooled reward model, for a basis with a population row),
 * which is exactly what /v1/rank uses for a user it has never seen.
 * Rank never stores a user, so a fresh random id per call is guaranteed to have no feedback.
 */
export const populationProbeId = () => `population-probe-${randomToken(8)}`;
