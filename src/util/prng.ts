// The one seeded pseudo-random generator (mulberry32): random walks and the uniform baseline of
// kmc simulate, reproducible from their seed.

/** Uniform numbers in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform pick among n (0..n-1). */
export function uniformPick(rand: () => number): (n: number) => number {
  return (n) => Math.floor(rand() * n);
}
