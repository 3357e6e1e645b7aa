// Raw f64 element access over linear memory. Pointers come from the arena or the facade and sizes are
// validated before any loop runs, so these plain loads/stores are the reviewed "unchecked" inner-loop path.

// @ts-ignore: decorator
@inline export function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline export function st(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

// @ts-ignore: decorator
@inline export function at(p: usize, i: i32): usize {
  return p + (<usize>i << 3);
}

export function copyF64(dst: usize, src: usize, count: i32): void {
  memory.copy(dst, src, <usize>count << 3);
}

export function fillF64(dst: usize, value: f64, count: i32): void {
  for (let i = 0; i < count; i++) st(dst, i, value);
}
