// The visited set (FingerprintSet) against a Map oracle, its growth, and the parent links that
// counterexample paths are rebuilt from.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FingerprintSet, PathLog, pathTo } from '../../src/engine/visited.js';

const u32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
// A small pool of fingerprints so that sequences revisit them; some share `lo` or `hi`, and some
// land in the same bucket.
const pool = fc.array(fc.tuple(u32, u32), { minLength: 1, maxLength: 40 }).map((fps) => [
  ...fps,
  ...fps.map(([h, l]) => [h, (l ^ 1) >>> 0] as [number, number]),
  ...fps.map(([h, l]) => [(h ^ 0x80000000) >>> 0, l] as [number, number]),
  ...fps.map(([h]) => [h, (Math.imul(h, 0x9e3779b1) ^ 0x1000) >>> 0] as [number, number]),
]);

describe('FingerprintSet', () => {
  it('behaves like a Map from fingerprint to (id, parent, choice) under any insert sequence', () => {
    fc.assert(
      fc.property(
        pool,
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 0xffff })), { maxLength: 400 }),
        fc.integer({ min: 1, max: 3000 }),
        (fps, ops, expected) => {
          const set = new FingerprintSet(expected);
          const oracle = new Map<string, { id: number; parent: number; choice: number }>();
          for (const [pick, choice] of ops) {
            const [hi, lo] = fps[pick % fps.length]!;
            const key = `${hi}:${lo}`;
            const parent = oracle.size === 0 ? -1 : pick % oracle.size;
            const got = set.insert(hi, lo, parent, choice);
            const known = oracle.get(key);
            if (known) expect(got).toBe(-known.id - 1);
            else {
              expect(got).toBe(oracle.size);
              oracle.set(key, { id: got, parent, choice });
            }
            expect(set.size).toBe(oracle.size);
          }
          for (const { id, parent, choice } of oracle.values()) expect([set.parentOf(id), set.choiceOf(id)]).toEqual([parent, choice]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('grows its table and id arrays from a tiny start without losing anything', () => {
    const set = new FingerprintSet(1);
    const bytes0 = set.bytes();
    const n = 100_000;
    const hiOf = (i: number) => Math.imul(i, 0x9e3779b1) >>> 0;
    const loOf = (i: number) => (i * 7) >>> 0; // many share the low bits: long probe chains
    let wrong = 0;
    for (let i = 0; i < n; i++) if (set.insert(hiOf(i), loOf(i), i - 1, i & 0xffff) !== i) wrong++;
    expect(wrong).toBe(0);
    expect(set.size).toBe(n);
    for (let i = 0; i < n; i += 997) {
      expect(set.insert(hiOf(i), loOf(i), 0, 0)).toBe(-i - 1);
      expect([set.parentOf(i), set.choiceOf(i)]).toEqual([i - 1, i & 0xffff]);
    }
    expect(set.size).toBe(n);
    expect(set.bytes()).toBeGreaterThan(bytes0);
    // Load factor at most 3/4: the table holds at least 4/3 slots of 4 bytes per state.
    expect(set.bytesPerState()).toBeGreaterThanOrEqual(14 + (4 * 4) / 3);
    expect(set.bytesPerState()).toBeLessThan(14 + 4 * 4);
  });

  it('refuses a choice index that does not fit in 16 bits', () => {
    const set = new FingerprintSet();
    expect(set.insert(1, 1, -1, 0xffff)).toBe(0);
    expect(() => set.insert(2, 2, 0, 0x10000)).toThrow(RangeError);
    expect(set.size).toBe(1);
    expect(new FingerprintSet().bytesPerState()).toBe(0);
  });
});

describe('parent links and pathTo', () => {
  it('rebuild the choices from the initial state to any stored state', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat({ max: 9 })), { minLength: 1, maxLength: 200 }), (edges) => {
        // A random tree: state k+1 reached from an earlier state by choice c.
        const set = new FingerprintSet(4);
        const log = new PathLog();
        const paths: number[][] = [[]];
        set.insert(0, 0, -1, 0);
        log.insert(0, 0, -1, 0);
        edges.forEach(([p, c], k) => {
          const parent = p % (k + 1);
          expect(set.insert(k + 1, 12345, parent, c)).toBe(k + 1);
          expect(log.insert(0, 0, parent, c)).toBe(k + 1); // a PathLog never deduplicates
          paths.push([...paths[parent]!, c]);
        });
        for (let id = 0; id < paths.length; id++) {
          expect(pathTo(set, id)).toEqual(paths[id]);
          expect(pathTo(log, id)).toEqual(paths[id]);
        }
        expect(log.size).toBe(paths.length);
        expect(log.bytes()).toBe(paths.length * 16);
      }),
      { numRuns: 100 },
    );
  });
});
