/**
 * `fn`, run once on the next turn of the event loop however often it is asked for before then: what arrives in one
 * network read (the choices of one answer, reads already buffered) is handled together.
 */
export function onNextTurn(fn: () => void): () => void {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      fn();
    }, 0);
  };
}
