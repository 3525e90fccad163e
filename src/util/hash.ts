// 64-bit fingerprints of packed states, as two 32-bit lanes computed in one pass: each lane is a
// murmur3-style mix over the int32 words with its own seed (the same mixed word feeds both), then
// its own finalizer; the pair is the fingerprint. Equal arrays give equal fingerprints; the
// collision estimate in `collisionProbability` assumes the 64 bits behave as uniformly random
// (tests/util/hash.test.ts checks collision rates on structured states).

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/**
 * Both lanes in one pass: returns the high lane and leaves the low lane in `hash64.lo`.
 *
 * Four words a round, then the rest one at a time: the same function of the words (the same
 * fingerprints) as one word a round. Node 20's optimizing compiler checks the array's map and
 * reloads its length and data pointer at each access in a loop, and only once for a straight run
 * of accesses; with the loop's own test and stack check that was about 27 instructions a word in
 * the search's hottest function (bench/README.md, "The small run's one-worker and reduced search",
 * session 11).
 */
export function hash64(words: Int32Array): number {
  const length = words.length;
  let h1 = 0x9747b28c | 0;
  let h2 = 0x2545f491 | 0;
  let i = 0;
  for (const end = length - 3; i < end; i += 4) {
    const w0 = words[i]!;
    const w1 = words[i + 1]!;
    const w2 = words[i + 2]!;
    const w3 = words[i + 3]!;
    let k = Math.imul(w0, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 ^= k;
    h2 = (h2 << 13) | (h2 >>> 19);
    h2 = (Math.imul(h2, 5) + 0xe6546b64) | 0;
    k = Math.imul(w1, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 ^= k;
    h2 = (h2 << 13) | (h2 >>> 19);
    h2 = (Math.imul(h2, 5) + 0xe6546b64) | 0;
    k = Math.imul(w2, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 ^= k;
    h2 = (h2 << 13) | (h2 >>> 19);
    h2 = (Math.imul(h2, 5) + 0xe6546b64) | 0;
    k = Math.imul(w3, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 ^= k;
    h2 = (h2 << 13) | (h2 >>> 19);
    h2 = (Math.imul(h2, 5) + 0xe6546b64) | 0;
  }
  for (; i < length; i++) {
    let k = Math.imul(words[i]!, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 ^= k;
    h2 = (h2 << 13) | (h2 >>> 19);
    h2 = (Math.imul(h2, 5) + 0xe6546b64) | 0;
  }
  hash64.lo = fmix(h2 ^ length);
  return fmix(h1 ^ length);
}
hash64.lo = 0;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** High 32 bits of the fingerprint of `words`. */
export function hashHi(words: Int32Array): number {
  return hash64(words);
}

/** Low 32 bits of the fingerprint of `words`. */
export function hashLo(words: Int32Array): number {
  hash64(words);
  return hash64.lo;
}

/** The fingerprint as a 16-digit hex string (for reports and traces). */
export function fingerprintHex(words: Int32Array): string {
  return hashHi(words).toString(16).padStart(8, '0') + hashLo(words).toString(16).padStart(8, '0');
}

/**
 * Probability that at least two of `n` distinct states share a 64-bit fingerprint
 * (birthday bound, n(n-1)/2 / 2^64), the figure TLC reports as "calculated" collision odds.
 */
export function collisionProbability(n: number): number {
  return (n * (n - 1)) / 2 / 2 ** 64;
}
