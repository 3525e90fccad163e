// The reduced set of a state, remembered by what it depends on. The stubborn closure (por.ts)
// reads the state only through the threads' program counters, which actions are enabled, and
// for a thread with a disabled action the slots its guards read (a read set of the guard memo,
// named by its index there); everything else it reads is the footprints and the invariants not
// yet violated, which the caller keys by clearing the cache when they change. So two states
// that agree on that key get the same reduced set: it is computed once per key. Keys are int32
// tuples of varying length; a value is whether the set is the full one and, if not, the threads
// whose enabled actions it holds (a bit mask).

import { grown } from '../../util/grow.js';

/** Words of keys and values kept (beyond this nothing new is remembered; lookups go on). */
const MAX_WORDS = 1 << 22;

/**
 * A key's hash, computed by whoever writes the key, word by word as it writes it (no second pass
 * over the key): h = KEY_SEED, then h = keyStep(h, word) for each word in order, then keyHash(h).
 */
export const KEY_SEED = 0x811c9dc5 | 0;
export function keyStep(h: number, word: number): number {
  return Math.imul(h ^ word, 0x01000193);
}
export function keyHash(h: number): number {
  return (h ^ (h >>> 15)) | 0;
}

export class SelectCache {
  /** The key being looked up or added, written by the caller: key[0..len). */
  readonly key: Int32Array;
  private table = new Int32Array(1024);
  private mask = 1023;
  /** Entries: [length, key..., full, thread mask words...]. */
  private arena = new Int32Array(4096);
  private used = 0;
  private count = 0;

  constructor(
    maxKey: number,
    /** Words of a thread mask. */
    readonly maskWords: number,
  ) {
    this.key = new Int32Array(maxKey);
  }

  /**
   * The arena offset of key[0..len)'s value (its full flag, then the mask words), or -1. `h` is
   * the key's hash, which the caller computed while it wrote the key (keyHash).
   */
  find(len: number, h: number): number {
    const { table, arena, key } = this;
    let i = h & this.mask;
    for (;;) {
      const e = table[i]!;
      if (e === 0) return -1;
      const base = e - 1;
      if (arena[base] === len) {
        let same = true;
        for (let j = 0; j < len; j++)
          if (arena[base + 1 + j] !== key[j]) {
            same = false;
            break;
          }
        if (same) return base + 1 + len;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** The value at an offset `find` returned: is the set full? */
  full(at: number): boolean {
    return this.arena[at] !== 0;
  }

  /** Is thread t in the set at `at`? */
  has(at: number, t: number): boolean {
    return (this.arena[at + 1 + (t >>> 5)]! & (1 << (t & 31))) !== 0;
  }

  /** Copy the thread mask of the set at `at` into `mask` (maskWords words). */
  maskInto(at: number, mask: Uint32Array): void {
    for (let w = 0; w < this.maskWords; w++) mask[w] = this.arena[at + 1 + w]!;
  }

  /** Remember key[0..len) (not present, hash `h`) with its value: full, or the threads `mask` holds. */
  add(len: number, h: number, full: boolean, mask: Uint32Array): void {
    const need = 2 + len + this.maskWords;
    if (this.used + need > MAX_WORDS) return;
    this.arena = grown(this.arena, this.used + need);
    const a = this.arena;
    const base = this.used;
    a[base] = len;
    a.set(this.key.subarray(0, len), base + 1);
    a[base + 1 + len] = full ? 1 : 0;
    for (let w = 0; w < this.maskWords; w++) a[base + 2 + len + w] = mask[w]! | 0;
    this.used += need;
    this.count++;
    if (this.count * 2 > this.table.length) this.rehash(this.table.length * 2);
    this.insert(h, base + 1);
  }

  private hashAt(base: number): number {
    const a = this.arena;
    const len = a[base]!;
    let h = KEY_SEED;
    for (let i = 0; i < len; i++) h = keyStep(h, a[base + 1 + i]!);
    return keyHash(h);
  }

  private insert(h: number, entry: number): void {
    let i = h & this.mask;
    while (this.table[i] !== 0) i = (i + 1) & this.mask;
    this.table[i] = entry;
  }

  private rehash(size: number): void {
    const old = this.table;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    for (let i = 0; i < old.length; i++) if (old[i] !== 0) this.insert(this.hashAt(old[i]! - 1), old[i]!);
  }

  /** Forget everything (the footprints or the invariants changed). */
  clear(): void {
    if (this.count === 0) return;
    this.table = new Int32Array(1024);
    this.mask = 1023;
    this.used = 0;
    this.count = 0;
  }
}
