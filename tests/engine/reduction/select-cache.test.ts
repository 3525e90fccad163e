// The reduced-set cache (src/engine/reduction/select-cache.ts): keys of any length, exact
// compare, values kept apart, growth, clear.
import { describe, expect, it } from 'vitest';
import { KEY_SEED, keyHash, keyStep, SelectCache } from '../../../src/engine/reduction/select-cache.js';

/** Write `key` as the caller does: its words and, word by word, its hash. */
const put = (c: SelectCache, key: number[]): [number, number] => {
  c.key.set(key);
  return [key.length, keyHash(key.reduce(keyStep, KEY_SEED))];
};

describe('SelectCache', () => {
  it('finds what was added under the exact key, with its value', () => {
    const c = new SelectCache(8, 2);
    c.add(...put(c, [1, 2, 3]), false, Uint32Array.of(0b101, 1 << 1)); // threads 0, 2, 33
    c.add(...put(c, [1, 2]), true, new Uint32Array(2));
    const at = c.find(...put(c, [1, 2, 3]));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(c.full(at)).toBe(false);
    expect([0, 1, 2, 32, 33].map((t) => c.has(at, t))).toEqual([true, false, true, false, true]);
    expect(c.full(c.find(...put(c, [1, 2])))).toBe(true);
    expect(c.find(...put(c, [1, 2, 4]))).toBe(-1);
    expect(c.find(...put(c, [1]))).toBe(-1);
  });

  it('tells keys apart by their words when their hashes are equal', () => {
    const c = new SelectCache(4, 1);
    const same = (key: number[]): [number, number] => (c.key.set(key), [key.length, 12345]);
    c.add(...same([1, 2, 3]), false, Uint32Array.of(1));
    c.add(...same([3, 2, 1]), false, Uint32Array.of(2));
    c.add(...same([1, 2]), true, Uint32Array.of(0));
    expect(c.has(c.find(...same([1, 2, 3])), 0)).toBe(true);
    expect(c.has(c.find(...same([3, 2, 1])), 1)).toBe(true);
    expect(c.has(c.find(...same([3, 2, 1])), 0)).toBe(false);
    expect(c.full(c.find(...same([1, 2])))).toBe(true);
    expect(c.find(...same([1, 2, 4]))).toBe(-1);
  });

  it('keeps thousands of keys through growth, and forgets them on clear', () => {
    const c = new SelectCache(4, 1);
    for (let i = 0; i < 5000; i++) c.add(...put(c, [i, i * 7, -i]), i % 3 === 0, Uint32Array.of(i & 0xff));
    for (let i = 0; i < 5000; i += 97) {
      const at = c.find(...put(c, [i, i * 7, -i]));
      expect(at).toBeGreaterThanOrEqual(0);
      expect(c.full(at)).toBe(i % 3 === 0);
      expect(c.has(at, 0)).toBe((i & 1) !== 0);
    }
    c.clear();
    expect(c.find(...put(c, [0, 0, 0]))).toBe(-1);
  });
});
