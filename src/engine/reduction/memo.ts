// Which evaluations have already been recorded, so that footprint recording (the slow path
// through views) runs only on evaluations it has not seen.
//
// An evaluation (a guard, a step with its step properties, an invariant) is a deterministic
// function of the values it reads, and which slot it reads next depends only on the values it
// has read so far. So if a new state agrees with a recorded evaluation's state on every slot
// that evaluation read, the new evaluation reads the same slots, gets the same values and does
// the same thing: it is the recorded evaluation again, and recording it would teach nothing.
// A memo keeps, per unit (an action, a location's guards, an invariant), the read sets seen and
// for each the tuples of values read; `seen` looks a state up under each read set.

import { grown } from '../../util/grow.js';

/** Tuples of int32 values, all of one arity, in an open-addressing table (exact compare). */
class TupleSet {
  private table: Int32Array;
  private mask: number;
  private arena: Int32Array;
  count = 0;

  constructor(readonly arity: number) {
    this.table = new Int32Array(64);
    this.mask = 63;
    this.arena = new Int32Array(Math.max(16, 32 * arity));
  }

  private hash(state: Int32Array, slots: Int32Array): number {
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < slots.length; i++) h = Math.imul(h ^ state[slots[i]!]!, 0x01000193);
    return (h ^ (h >>> 15)) | 0;
  }

  has(state: Int32Array, slots: Int32Array): boolean {
    const k = this.arity;
    let i = this.hash(state, slots) & this.mask;
    for (;;) {
      const e = this.table[i]!;
      if (e === 0) return false;
      const base = (e - 1) * k;
      let same = true;
      for (let j = 0; j < k; j++)
        if (this.arena[base + j] !== state[slots[j]!]) {
          same = false;
          break;
        }
      if (same) return true;
      i = (i + 1) & this.mask;
    }
  }

  add(state: Int32Array, slots: Int32Array): void {
    if (this.has(state, slots)) return;
    const k = this.arity;
    this.arena = grown(this.arena, (this.count + 1) * k);
    const base = this.count * k;
    for (let j = 0; j < k; j++) this.arena[base + j] = state[slots[j]!]!;
    this.count++;
    this.insert(this.hash(state, slots), this.count);
    if (this.count * 2 > this.table.length) this.grow();
  }

  private insert(h: number, entry: number): void {
    let i = h & this.mask;
    while (this.table[i] !== 0) i = (i + 1) & this.mask;
    this.table[i] = entry;
  }

  private grow(): void {
    const k = this.arity;
    this.table = new Int32Array(this.table.length * 2);
    this.mask = this.table.length - 1;
    for (let e = 1; e <= this.count; e++) {
      let h = 0x811c9dc5 | 0;
      for (let j = 0; j < k; j++) h = Math.imul(h ^ this.arena[(e - 1) * k + j]!, 0x01000193);
      this.insert((h ^ (h >>> 15)) | 0, e);
    }
  }

  bytes(): number {
    return this.table.byteLength + this.arena.byteLength;
  }
}

/** Read sets a unit may have (beyond this, lookups go on but nothing new is remembered). */
export const MAX_SHAPES = 64;
/** Values of a one-slot read set answered from a flag per value (`ReadMemo.small`), without hashing. */
const SMALL = 64;
/** Words of remembered values per unit, beyond which nothing new is remembered. */
const MAX_WORDS = 1 << 22;

export class ReadMemo {
  private shapes: Int32Array[] = [];
  private sets: TupleSet[] = [];
  private words = 0;
  /**
   * The index of the empty read set once an evaluation that read nothing is remembered, else -1.
   * Such an evaluation is the same in every state (it read no value its course could depend
   * on), so every state matches it: no tuple to hash (a third of the memo lookups of bench/spin's
   * reduced run are of guards and steps that read nothing).
   */
  private always = -1;
  /**
   * When the first read set is one slot: that slot, and a flag per value below SMALL saying
   * whether an evaluation that read that value is remembered (exactly what its TupleSet holds for
   * those values). Two thirds of bench/spin's memo lookups are of one slot (a lock word, a
   * counter), with small values: one load instead of hashing and probing.
   */
  private slot1 = -1;
  private readonly small = new Uint8Array(SMALL);

  /**
   * Was an evaluation that read the same values as this state's recorded? Returns the slots it
   * read (which, by the argument above, are exactly what the evaluation reads in `state`), or null.
   */
  seen(state: Int32Array): Int32Array | null {
    const i = this.seenShape(state);
    return i < 0 ? null : this.shapes[i]!;
  }

  /** As `seen`, the index of the read set (`shape(i)`; below MAX_SHAPES), or -1. */
  seenShape(state: Int32Array): number {
    if (this.always >= 0) return this.always;
    const shapes = this.shapes;
    let i = 0;
    if (this.slot1 >= 0) {
      const v = state[this.slot1]!;
      if (v >= 0 && v < SMALL) {
        if (this.small[v] !== 0) return 0;
        i = 1; // not under the first read set: the others are tried
      }
    }
    for (; i < shapes.length; i++) if (this.sets[i]!.has(state, shapes[i]!)) return i;
    return -1;
  }

  /** The read set of index `i` (seenShape, remember). */
  shape(i: number): Int32Array {
    return this.shapes[i]!;
  }

  /**
   * Remember an evaluation in `state` that read exactly `slots` (sorted, distinct). Returns the
   * index of its read set (`shape(i)` equals `slots`), or -1 when the memo is full.
   */
  remember(state: Int32Array, slots: Int32Array): number {
    let i = this.shapes.findIndex((s) => s.length === slots.length && s.every((v, j) => v === slots[j]));
    if (i < 0) {
      if (this.shapes.length >= MAX_SHAPES) return -1;
      i = this.shapes.length;
      this.shapes.push(slots.slice());
      this.sets.push(new TupleSet(slots.length));
      if (i === 0 && slots.length === 1) this.slot1 = slots[0]!;
    }
    if (this.words + slots.length > MAX_WORDS) return i;
    const set = this.sets[i]!;
    const before = set.count;
    set.add(state, this.shapes[i]!);
    if (set.count > before) {
      this.words += Math.max(1, slots.length);
      if (i === 0 && this.slot1 >= 0) {
        const v = state[this.slot1]!;
        if (v >= 0 && v < SMALL) this.small[v] = 1;
      }
    }
    if (slots.length === 0) this.always = i;
    return i;
  }

  bytes(): number {
    return this.sets.reduce((b, s) => b + s.bytes(), 0);
  }
}
