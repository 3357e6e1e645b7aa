// Bookkeeping of the resident region of wasm memory (bases that stay loaded across calls). It only hands out
// byte ranges: first fit from freed blocks, otherwise at the top; freed blocks coalesce and a free block at the
// top lowers the top, so the scratch arena that starts there can move back down.

const ALIGN = 16;
const alignUp = (x: number): number => Math.ceil(x / ALIGN) * ALIGN;

interface Block {
  ptr: number;
  bytes: number;
}

export class ResidentRegion {
  /** First byte above the resident blocks: where each call's scratch arena starts. */
  top: number;
  private free: Block[] = [];

  constructor(readonly start: number) {
    this.top = alignUp(start);
  }

  /** Reserves `bytes` (rounded up to 16) and returns its offset; the caller makes sure memory covers it. */
  allocate(bytes: number): number {
    const size = alignUp(Math.max(bytes, 1));
    const i = this.free.findIndex((b) => b.bytes >= size);
    if (i >= 0) {
      const block = this.free[i];
      const ptr = block.ptr;
      if (block.bytes === size) this.free.splice(i, 1);
      else {
        block.ptr += size;
        block.bytes -= size;
      }
      return ptr;
    }
    const ptr = this.top;
    this.top += size;
    return ptr;
  }

  release(ptr: number, bytes: number): void {
    const size = alignUp(Math.max(bytes, 1));
    this.free.push({ ptr, bytes: size });
    this.free.sort((a, b) => a.ptr - b.ptr);
    const merged: Block[] = [];
    for (const b of this.free) {
      const last = merged[merged.length - 1];
      if (last && last.ptr + last.bytes === b.ptr) last.bytes += b.bytes;
      else merged.push({ ...b });
    }
    const last = merged[merged.length - 1];
    if (last && last.ptr + last.bytes === this.top) {
      this.top = last.ptr;
      merged.pop();
    }
    this.free = merged;
  }

  /** Bytes held by freed blocks below the top (for tests and diagnostics). */
  get freeBytes(): number {
    return this.free.reduce((s, b) => s + b.bytes, 0);
  }
}
