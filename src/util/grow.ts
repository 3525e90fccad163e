// The one growable typed array: doubling capacity, so appends cost O(1) amortised. Used by the
// visited set's id arrays, the POR memo's arena and the parallel store's parent edges.

type TypedArray = Int32Array | Uint32Array | Uint16Array | Float64Array;

/**
 * `a` itself when it holds at least `length` elements, else a copy of it in a new array of the
 * same type, at least twice as long.
 */
export function grown<T extends TypedArray>(a: T, length: number): T {
  if (length <= a.length) return a;
  let n = Math.max(1, a.length * 2);
  while (n < length) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
