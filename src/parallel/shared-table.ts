// A shared fingerprint table: one open-addressing hash table in a SharedArrayBuffer that every
// worker inserts into with compare-and-swap; whoever claims a state's slot first stores it (in
// the shared frontier, frontier.ts, from which any worker takes work). No messages, but every
// insert is atomic and the table
// cannot grow while workers probe it, so its capacity is fixed when the run starts (an insert
// beyond 7/8 load is an error naming the capacity). Kept as the measured alternative to
// partitioned ownership (bench/README.md).
//
// A slot is four int32 words: tag (0 empty, -1 being written, depth+1 when ready), the two
// fingerprint lanes, and the smallest edge key seen at that depth (unsigned 32 bits; wider keys
// are an error here, the partitioned scheme has no such limit).

import { B, type Control } from './control.js';
import type { Dedup, NewStateSink } from './dedup.js';

const SLOT = 4;
const TWO32 = 2 ** 32;

export function sharedTable(slots: number): SharedArrayBuffer {
  let cap = 1024;
  while (cap < slots) cap *= 2;
  return new SharedArrayBuffer(cap * SLOT * 4);
}

export class SharedTableDedup implements Dedup {
  private readonly t: Int32Array;
  private readonly mask: number;
  private readonly limit: number;
  private level = 0;
  private tag = 1;
  private owned = 0;
  private slots = new Int32Array(1024);
  private count = 0;

  constructor(
    table: SharedArrayBuffer,
    private readonly control: Control,
    private readonly sink: NewStateSink,
  ) {
    this.t = new Int32Array(table);
    const cap = this.t.length / SLOT;
    this.mask = cap - 1;
    this.limit = Math.floor((cap / 8) * 7);
  }

  get size(): number {
    return this.owned;
  }

  get newCount(): number {
    return this.count;
  }

  beginLevel(level: number): void {
    this.level = level;
    this.tag = level + 1;
    this.count = 0;
  }

  offer(state: Int32Array, hi: number, lo: number, edge: number, halted: boolean): void {
    if (edge >= TWO32) throw new RangeError(`shared-table: edge key ${edge} of depth ${this.level} does not fit in 32 bits (use the partitioned scheme)`);
    const t = this.t;
    const hiW = hi | 0;
    const loW = lo | 0;
    const tag = this.tag;
    let i = ((lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask) * SLOT;
    for (let probes = 0; ; probes++) {
      if (probes > this.mask) throw this.full();
      let cur = Atomics.load(t, i);
      if (cur === 0) {
        if (Atomics.compareExchange(t, i, 0, -1) === 0) {
          t[i + 1] = hiW;
          t[i + 2] = loW;
          t[i + 3] = edge | 0;
          Atomics.store(t, i, tag);
          this.claimed(state, i, halted);
          return;
        }
        cur = Atomics.load(t, i);
      }
      while (cur === -1) cur = Atomics.load(t, i);
      if (t[i + 1] === hiW && t[i + 2] === loW) {
        if (cur === tag) this.lower(i + 3, edge);
        return;
      }
      i = (i + SLOT) & (this.mask * SLOT + SLOT - 1);
    }
  }

  /** Keep the smallest edge key: a compare-and-swap loop (Atomics has no min). */
  private lower(at: number, edge: number): void {
    const t = this.t;
    for (;;) {
      const old = Atomics.load(t, at);
      if (edge >= old >>> 0) return;
      if (Atomics.compareExchange(t, at, old, edge | 0) === old) return;
    }
  }

  private claimed(state: Int32Array, slot: number, halted: boolean): void {
    if (this.count === this.slots.length) {
      const grown = new Int32Array(this.slots.length * 2);
      grown.set(this.slots);
      this.slots = grown;
    }
    const i = this.count++;
    this.slots[i] = slot;
    this.owned++;
    this.sink.added(state, i, halted);
  }

  poll(): void {
    // Nothing arrives by message; the table's load is checked here, between expansions.
    if (this.control.sum(B.states) > this.limit) throw this.full();
  }

  private full(): Error {
    return new RangeError(`shared-table: the fingerprint table (${this.mask + 1} slots) is full; give it more slots`);
  }

  finishLevel(): boolean {
    // Another worker may still lower the key of a state this worker claimed: wait for all.
    return this.control.barrier();
  }

  edgeOf(i: number): number {
    return Atomics.load(this.t, this.slots[i]! + 3) >>> 0;
  }

  bytes(): number {
    return this.t.byteLength / this.control.workers + this.slots.byteLength;
  }
}
