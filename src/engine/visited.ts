// The visited set: 64-bit fingerprints in an open-addressing hash table of state ids, with a
// parent link and the choice index per state, so the counterexample is rebuilt at the end by
// walking parents back to the initial state. No objects or strings per state:
//   table   Int32Array, one slot per bucket (0 = empty), load factor at most 3/4. A table of
//           2^k slots holds id + 1 in a slot's low k bits (ids stay below 3/4 of 2^k) and the
//           high 32 - k bits of the bucket hash in the rest: a probe passes over a slot whose
//           tag differs without reading the state's fingerprint, so a new state's probe reads
//           one cache line of the table (linear probing: neighbours share the line) and a
//           stored one's reads that line and its fingerprint, where reading `fp` for every
//           occupied slot on the way cost a cache miss per slot (about 4 per new state at load 2/3).
//           The tag has 12 bits at 2^20 slots, 4 at 2^28: a false match is rare and costs only
//           the fingerprint read that every slot cost before.
//   fp      Uint32Array, the fingerprint of state `id` as (hi, lo) at 2*id, 2*id+1 (one cache
//           line for both halves when a probe compares them)
//   parent  Int32Array, the id of the state it was first reached from (-1 for the initial state)
//   choice  Uint16Array, the index of the enabled action taken from the parent
// About 4/0.56 + 8 + 4 + 2 ≈ 21 bytes per stored state on average (bench/ prints the figure).

import { grown } from '../util/grow.js';

export interface StateStore {
  /** Insert a fingerprint; returns the new id, or -(existing id) - 1 when it was already there. */
  insert(hi: number, lo: number, parent: number, choice: number): number;
  readonly size: number;
  parentOf(id: number): number;
  choiceOf(id: number): number;
  /** Bytes held by the store's arrays. */
  bytes(): number;
}

const MAX_CHOICE = 0xffff;

export class FingerprintSet implements StateStore {
  private table: Int32Array;
  private mask: number;
  private fp: Uint32Array;
  private parent: Int32Array;
  private choice: Uint16Array;
  private count = 0;

  constructor(expected = 1 << 16) {
    let cap = 1024;
    while (cap * 0.75 < expected) cap *= 2;
    this.table = new Int32Array(cap);
    this.mask = cap - 1;
    const ids = Math.max(1024, expected);
    this.fp = new Uint32Array(ids * 2);
    this.parent = new Int32Array(ids);
    this.choice = new Uint16Array(ids);
  }

  get size(): number {
    return this.count;
  }

  insert(hi: number, lo: number, parent: number, choice: number): number {
    const mask = this.mask;
    const h = lo ^ Math.imul(hi, 0x9e3779b1);
    const tag = h & ~mask;
    let i = h & mask;
    const table = this.table;
    const fp = this.fp;
    for (;;) {
      const slot = table[i]!;
      if (slot === 0) break;
      if ((slot & ~mask) === tag) {
        const id = (slot & mask) - 1;
        if (fp[2 * id + 1] === lo && fp[2 * id] === hi) return -id - 1;
      }
      i = (i + 1) & mask;
    }
    if (choice > MAX_CHOICE) throw new RangeError(`more than ${MAX_CHOICE + 1} enabled actions in one state`);
    const id = this.count;
    if (id === this.parent.length) this.growIds();
    this.fp[2 * id] = hi;
    this.fp[2 * id + 1] = lo;
    this.parent[id] = parent;
    this.choice[id] = choice;
    table[i] = tag | (id + 1);
    this.count = id + 1;
    if (this.count > (table.length >>> 2) * 3) this.growTable();
    return id;
  }

  /** Is this fingerprint stored? */
  has(hi: number, lo: number): boolean {
    return this.find(hi, lo) >= 0;
  }

  /** The id of this fingerprint, or -1 (partial-order reduction's cycle proviso asks before inserting: ids follow discovery order). */
  find(hi: number, lo: number): number {
    const mask = this.mask;
    const h = lo ^ Math.imul(hi, 0x9e3779b1);
    const tag = h & ~mask;
    let i = h & mask;
    const table = this.table;
    const fp = this.fp;
    for (;;) {
      const slot = table[i]!;
      if (slot === 0) return -1;
      if ((slot & ~mask) === tag) {
        const id = (slot & mask) - 1;
        if (fp[2 * id + 1] === lo && fp[2 * id] === hi) return id;
      }
      i = (i + 1) & mask;
    }
  }

  parentOf(id: number): number {
    return this.parent[id]!;
  }

  choiceOf(id: number): number {
    return this.choice[id]!;
  }

  bytes(): number {
    return this.table.byteLength + this.fp.byteLength + this.parent.byteLength + this.choice.byteLength;
  }

  /** The stored part of the arrays, as views (a checkpoint writes them; read them before the next insert). */
  sections(): { fp: Uint32Array; parent: Int32Array; choice: Uint16Array } {
    const n = this.count;
    return { fp: this.fp.subarray(0, 2 * n), parent: this.parent.subarray(0, n), choice: this.choice.subarray(0, n) };
  }

  /** A set holding exactly these states, with these ids, parents and choices (a resumed checkpoint). */
  static restore(fp: Uint32Array, parent: Int32Array, choice: Uint16Array): FingerprintSet {
    const n = parent.length;
    if (fp.length !== 2 * n || choice.length !== n) throw new RangeError('FingerprintSet.restore: the arrays disagree on the number of states');
    const set = new FingerprintSet(n);
    set.fp.set(fp);
    set.parent.set(parent);
    set.choice.set(choice);
    set.count = n;
    set.rehash(set.table.length);
    return set;
  }

  /** Bytes per stored state counting only the used part of the id arrays (what bench reports). */
  bytesPerState(): number {
    if (this.count === 0) return 0;
    return (this.table.byteLength + this.count * (4 + 4 + 4 + 2)) / this.count;
  }

  private growIds(): void {
    const n = this.parent.length * 2;
    this.fp = grown(this.fp, n * 2);
    this.parent = grown(this.parent, n);
    this.choice = grown(this.choice, n);
  }

  private growTable(): void {
    this.rehash(this.table.length * 2);
  }

  private rehash(cap: number): void {
    if (cap > 2 ** 31) throw new RangeError('the visited set cannot grow beyond 2^31 slots');
    const table = new Int32Array(cap);
    const mask = cap - 1;
    const fp = this.fp;
    for (let id = 0; id < this.count; id++) {
      const h = fp[2 * id + 1]! ^ Math.imul(fp[2 * id]!, 0x9e3779b1);
      let i = h & mask;
      while (table[i] !== 0) i = (i + 1) & mask;
      table[i] = (h & ~mask) | (id + 1);
    }
    this.table = table;
    this.mask = mask;
  }
}

/**
 * A store that never deduplicates: every insert is a new id. Random walks and replay use it,
 * so that they share the search core and still have parent links for their traces.
 */
export class PathLog implements StateStore {
  private parent: number[] = [];
  private choice: number[] = [];

  get size(): number {
    return this.parent.length;
  }

  insert(_hi: number, _lo: number, parent: number, choice: number): number {
    this.parent.push(parent);
    this.choice.push(choice);
    return this.parent.length - 1;
  }

  parentOf(id: number): number {
    return this.parent[id]!;
  }

  choiceOf(id: number): number {
    return this.choice[id]!;
  }

  bytes(): number {
    return this.parent.length * 16;
  }
}

/** The choice indices from the initial state to `id`. */
export function pathTo(store: StateStore, id: number): number[] {
  const path: number[] = [];
  for (let cur = id; store.parentOf(cur) >= 0; cur = store.parentOf(cur)) path.push(store.choiceOf(cur));
  return path.reverse();
}
