// Linear-memory management. Layout (addresses grow upwards):
//   [0, heapStart)              static data of this module
//   [heapStart, residentTop)    resident bases, placed and freed by the TypeScript facade
//   [residentTop, arena top)    scratch arena: reset to residentTop at the start of every call, holds that call's
//                               inputs, workspace and outputs, so memory stops growing once the largest call ran.
// Nothing here uses the AssemblyScript managed heap (runtime "stub", no `new`).

const ALIGN_MASK: usize = 15; // 16-byte alignment suits v128 loads.

let arenaTop: usize = 0;
let exhausted = false;

@inline function alignUp(p: usize): usize {
  return (p + ALIGN_MASK) & ~ALIGN_MASK;
}

/** First address free for the facade (resident bases start here). */
export function heapStart(): usize {
  return alignUp(__heap_base);
}

/** Grows linear memory so that [0, end) is addressable. Returns false if the engine refuses. */
export function ensureMemory(end: usize): bool {
  const have = <usize>memory.size() << 16;
  if (end <= have) return true;
  const pages = <i32>((end - have + 0xffff) >>> 16);
  return memory.grow(pages) >= 0;
}

/** Starts a fresh scratch arena at `base` (the facade passes the top of the resident region). */
export function arenaReset(base: usize): void {
  arenaTop = alignUp(max<usize>(base, heapStart()));
  exhausted = false;
}

/** True once an allocation failed since the last reset: allocate a batch, then check once. */
export function arenaExhausted(): bool {
  return exhausted;
}

/** Bump-allocates `bytes` (16-byte aligned) from the scratch arena; 0 when memory cannot grow. */
export function arenaAlloc(bytes: usize): usize {
  const p = arenaTop;
  const end = alignUp(p + bytes);
  if (end < p || !ensureMemory(end)) {
    exhausted = true;
    return 0;
  }
  arenaTop = end;
  return p;
}

/** f64 elements helper: arenaAlloc(count * 8). */
export function arenaAllocF64(count: i32): usize {
  return arenaAlloc(<usize>count << 3);
}
