// 64-bit state fingerprints: equal arrays give equal fingerprints, and on structured inputs
// (small values, like packed states) the lanes behave like random 32-bit hashes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collisionProbability, fingerprintHex, hash64, hashHi, hashLo } from '../../src/util/hash.js';

const words = fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 40 }).map((a) => Int32Array.from(a));

/** Every state of `width` slots with values 0..base-1 (as a model's packed states look). */
function* grid(width: number, base: number): Generator<Int32Array> {
  const n = base ** width;
  for (let i = 0; i < n; i++) {
    const w = new Int32Array(width);
    for (let k = 0, x = i; k < width; k++, x = Math.floor(x / base)) w[k] = x % base;
    yield w;
  }
}

/** The fingerprint of the words i * 7 - 3, i < 24, as hash64 computed it one word a round (main 7ba76ea). */
const FIXED = '5278421165da7dfb';

/** The fingerprint one word a round, as hash64 computed it before it took four words a round: the fingerprints must not change. */
function oneWordARound(words: Int32Array): [number, number] {
  const mix = (h: number, k: number) => {
    h ^= k;
    h = (h << 13) | (h >>> 19);
    return (Math.imul(h, 5) + 0xe6546b64) | 0;
  };
  const fmix = (h: number) => {
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  };
  let h1 = 0x9747b28c | 0;
  let h2 = 0x2545f491 | 0;
  for (let i = 0; i < words.length; i++) {
    let k = Math.imul(words[i]!, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h1 = mix(h1, k);
    h2 = mix(h2, k);
  }
  return [fmix(h1 ^ words.length), fmix(h2 ^ words.length)];
}

describe('fingerprints', () => {
  it('are what one word a round gives, at every length (hash64 takes four a round, then the rest)', () => {
    fc.assert(
      fc.property(words, (w) => {
        const [hi, lo] = oneWordARound(w);
        expect(hash64(w)).toBe(hi);
        expect(hash64.lo).toBe(lo);
      }),
    );
    // A fixed state: a change to the function itself shows here even if the reference copied it.
    expect(fingerprintHex(Int32Array.from({ length: 24 }, (_, i) => i * 7 - 3))).toBe(FIXED);
  });

  it('are equal for equal arrays (copies, subarrays); hash64 gives both lanes in one pass', () => {
    fc.assert(
      fc.property(words, fc.integer({ min: 0, max: 5 }), (w, pad) => {
        const copy = w.slice();
        const inBigger = new Int32Array(w.length + pad);
        inBigger.set(w, pad);
        const sub = inBigger.subarray(pad);
        for (const other of [copy, sub]) {
          expect(hashHi(other)).toBe(hashHi(w));
          expect(hashLo(other)).toBe(hashLo(w));
        }
        expect(hash64(w)).toBe(hashHi(w));
        expect(hash64.lo).toBe(hashLo(w));
        expect(fingerprintHex(w)).toMatch(/^[0-9a-f]{16}$/);
        expect(fingerprintHex(copy)).toBe(fingerprintHex(w));
        expect(hashHi(w)).toBeGreaterThanOrEqual(0);
        expect(hashLo(w)).toBeLessThan(2 ** 32);
      }),
    );
  });

  it('tell apart arrays that differ in one word or only in length', () => {
    fc.assert(
      fc.property(words.filter((w) => w.length > 0), fc.nat(), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (w, at, delta) => {
        const other = w.slice();
        const i = at % w.length;
        other[i] = (other[i]! + delta) | 0;
        expect(fingerprintHex(other)).not.toBe(fingerprintHex(w));
      }),
    );
    expect(fingerprintHex(new Int32Array([0]))).not.toBe(fingerprintHex(new Int32Array([0, 0])));
    expect(fingerprintHex(new Int32Array([]))).not.toBe(fingerprintHex(new Int32Array([0])));
  });

  it('collide about as rarely as random hashes on 262,144 structured states (no 64-bit collision)', () => {
    const n = 4 ** 9;
    const full = new Set<bigint>();
    const hi = new Set<number>();
    const lo = new Set<number>();
    const buckets = new Uint16Array(1 << 16); // the visited table's bucket index for 2^16 buckets
    for (const w of grid(9, 4)) {
      const h = hashHi(w);
      const l = hashLo(w);
      full.add((BigInt(h) << 32n) | BigInt(l));
      hi.add(h);
      lo.add(l);
      buckets[(l ^ Math.imul(h, 0x9e3779b1)) & 0xffff]!++;
    }
    expect(full.size).toBe(n);
    // Birthday bound: about n^2 / 2^33 = 8 collisions expected per 32-bit lane.
    const expected = (n * n) / 2 ** 33;
    expect(n - hi.size).toBeLessThan(expected * 4 + 10);
    expect(n - lo.size).toBeLessThan(expected * 4 + 10);
    // 4 states per bucket on average: no bucket should be wildly overloaded.
    expect(Math.max(...buckets)).toBeLessThan(24);
  });

  it('avalanche: flipping one input bit flips about half of the 64 output bits', () => {
    let flips = 0;
    let trials = 0;
    const popcount = (x: number) => {
      let c = 0;
      for (let v = x >>> 0; v; v &= v - 1) c++;
      return c;
    };
    for (const w of grid(3, 5)) {
      for (let i = 0; i < w.length; i++) {
        for (let bit = 0; bit < 32; bit += 5) {
          const other = w.slice();
          other[i] = other[i]! ^ (1 << bit);
          flips += popcount(hashHi(w) ^ hashHi(other)) + popcount(hashLo(w) ^ hashLo(other));
          trials++;
        }
      }
    }
    expect(flips / trials).toBeGreaterThan(30);
    expect(flips / trials).toBeLessThan(34);
  });

  it('collisionProbability is the birthday bound n(n-1)/2 / 2^64', () => {
    expect(collisionProbability(0) === 0).toBe(true); // (-0 for n = 0: equal to 0)
    expect(collisionProbability(1)).toBe(0);
    expect(collisionProbability(2)).toBe(1 / 2 ** 64);
    expect(collisionProbability(1e9)).toBeCloseTo((1e9 * (1e9 - 1)) / 2 / 2 ** 64, 12);
  });
});
