// Level ranks (src/parallel/ranks.ts): rank and select are inverse over any set of keys, ranks
// follow key order, and path() walks the parent links back to the initial state.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LevelRanks, popcount, wordOf } from '../../src/parallel/ranks.js';

describe('level ranks', () => {
  it('popcount counts bits of any int32', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (x) => {
        expect(popcount(x)).toBe([...(x >>> 0).toString(2)].filter((b) => b === '1').length);
      }),
    );
  });

  it('the rank of a key is the number of smaller keys, and select is its inverse', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 400 }), fc.integer(), (K, parents, seed) => {
        const { ranks, levels } = LevelRanks.allocate();
        const r = new LevelRanks(ranks, levels, K);
        r.prepare(1, parents);
        const space = parents * K;
        const keys = new Set<number>();
        let x = seed | 0;
        for (let i = 0; i < space; i++) {
          x = (Math.imul(x, 1103515245) + 12345) | 0;
          if ((x >>> 16) % 3 === 0) keys.add(i);
        }
        for (const k of keys) r.setBit(1, k);
        expect(r.seal(1)).toBe(keys.size);
        const sorted = [...keys].sort((a, b) => a - b);
        sorted.forEach((k, i) => {
          expect(r.rank(1, k)).toBe(i);
          expect(r.select(1, i)).toBe(k);
        });
        expect(r.size(1)).toBe(keys.size);
      }),
      { numRuns: 200 },
    );
  });

  it('keys marked by several workers, each in its own marker, rank as if marked in one bitmap, level after level', () => {
    // The markers of a level lie where the next level's words and markers go: a seal that did
    // not merge them all, or a prepare that did not clear them, gives wrong ranks here.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 }),
        fc.integer(),
        (K, markers, parentCounts, seed) => {
          const { ranks, levels } = LevelRanks.allocate(markers);
          const r = new LevelRanks(ranks, levels, K);
          expect(r.markers).toBe(markers);
          let x = seed | 0;
          const next = () => (x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 16;
          const sealed: number[][] = [];
          parentCounts.forEach((parents, l) => {
            r.prepare(l + 1, parents);
            const keys: number[] = [];
            for (let k = 0; k < parents * K; k++) if (next() % 3 === 0) keys.push(k);
            for (const k of keys) r.setBit(l + 1, k, next() % markers);
            expect(r.seal(l + 1)).toBe(keys.length);
            sealed.push(keys);
          });
          // Every level still reads right after the later ones were marked and sealed.
          sealed.forEach((keys, l) => {
            expect(r.size(l + 1)).toBe(keys.length);
            keys.forEach((k, i) => {
              expect(r.rank(l + 1, k)).toBe(i);
              expect(r.select(l + 1, i)).toBe(k);
            });
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('path() follows the smallest keys back to depth 0', () => {
    // Depth 0: one state. Depth 1: its actions 0 and 2 (K = 3): ranks 0 and 1.
    // Depth 2: (rank 1, action 1) -> key 4 and (rank 0, action 2) -> key 2: ranks by key: 2 -> 0, 4 -> 1.
    const { ranks, levels } = LevelRanks.allocate();
    const r = new LevelRanks(ranks, levels, 3);
    r.prepare(1, 1);
    r.setBit(1, 0);
    r.setBit(1, 2);
    expect(r.seal(1)).toBe(2);
    r.prepare(2, 2);
    r.setBit(2, 1 * 3 + 1);
    r.setBit(2, 0 * 3 + 2);
    expect(r.seal(2)).toBe(2);
    expect(r.path(0, 0)).toEqual([]);
    expect(r.path(1, 1)).toEqual([2]);
    expect(r.path(2, 0)).toEqual([0, 2]);
    expect(r.path(2, 1)).toEqual([2, 1]);
    expect(r.rank(2, 4)).toBe(1);
  });

  it('keys of 2^31 and more (levels of hundreds of millions of edges) find their word', () => {
    // A real level that wide needs a bitmap of 256 MiB or more: the arithmetic is tested alone.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (key) => {
        expect(wordOf(key)).toBe(Math.floor(key / 32));
      }),
    );
    expect(wordOf(2 ** 31 - 1)).toBe(2 ** 26 - 1);
    expect(wordOf(2 ** 31)).toBe(2 ** 26);
  });
});
