// A shared fingerprint table: one open-addressing hash table in a SharedArrayBuffer that every
// worker inserts into with compare-and-swap; whoever claims a state's slot first stores it (in
// the shared frontier, frontier.ts, from which any worker takes work). No messages, but every
// claim is atomic. The default for two or more workers, where it measured faster than
// partitioned ownership (bench/README.md); one worker uses the partitioned scheme.
//
// The layout is the sequential visited set's (src/engine/visited.ts), shared: the table holds
// one int32 per slot, the state's id + 1 in the low k bits (2^k slots; ids stay below 15/16
// of 2^k) and the high 32 - k bits of the bucket hash above them as a tag, so a probe passes over
// a slot whose tag differs without reading any fingerprint and a new state's probe reads one
// cache line of the table. The 64-bit fingerprint of state `id` is at fp[2id], fp[2id+1] and
// its smallest incoming edge key of its level at edge[id] (unsigned 32 bits; wider keys are an
// error here, the partitioned scheme has no such limit). A slot is 4 bytes, not the 16 (claim
// word, both lanes, key) of the table before it, whose slots were written by every worker.
//
// Collisions, exactly as in the sequential search: a slot's tag is only a filter; a state is
// the stored one when its full 64-bit fingerprint equals the stored fingerprint (both lanes
// compared). Two different states with equal 64-bit fingerprints are one state (the hash
// compaction the run's collision probability reports); nothing else is merged.
//
// Claiming, and two workers inserting the same state: a worker takes ids in blocks from the
// header's counter (its own range, so nobody else writes them), writes the fingerprint and the
// key at its next id with plain stores, then compare-and-swaps the empty slot to tag|(id+1).
// The compare-and-swap publishes them: a worker that reads the slot with Atomics.load sees the
// fingerprint written before it (JavaScript's memory model: the sequentially consistent write
// synchronises with the read of it). Slots only go from empty to filled, and every insert of a
// fingerprint probes the same sequence from the same bucket, so of two workers inserting one
// state exactly one compare-and-swap wins, on the first slot of the sequence that was empty;
// the loser reads the winner's id from the value its compare-and-swap returned, finds its
// fingerprint equal, and keeps its own id for its next state. Both agree on the id in the slot.
// Keys: a duplicate of a state of the level being built (its id at or above the level's first
// id) lowers the key with a compare-and-swap loop (Atomics has no min), so the smallest wins.
//
// Growth only at level ends. Ids come in blocks that each worker drops at the end of a level,
// so the ids of a level are one range above those of earlier levels (a few of each level's ids
// are left unused, holding id 0's fingerprint so that a grow can tell them). At the end of a
// level the last worker to arrive, every other waiting at the barrier, makes room for the next
// level's worst case: every state of the level just sealed (`size`) expanded with all K of its
// actions enabled, each successor new (`prepare`, called from the level search's decision).
// It doubles the buffer as needed and rebuilds the slots alone, from the ids in order (reading
// the fingerprints in order, not at random); fingerprints and keys do not move (their ids are
// stable). So no worker ever pauses during a level, and no claim can find the table beyond
// 15/16 load: the bound is met at that load, the expected growth (twice the level's states) at
// 3/4. Only at the largest buffer V8 makes (4 GiB, about 250 million states: 15/16 of 2^28 slots) may a level run
// out of ids: then the run stops, reported incomplete by the memory bound, rather than drop a
// state silently. The fingerprint and key arrays sized for the worst case cost address space,
// not memory (untouched pages are not resident); the slots, touched at random, do. bytes()
// counts the slots and the ids handed out.
//
// Buffer (int32 words): the header, fp (2 * limit), edge (limit), slots (capacity), where limit
// = 15/16 of the capacity. A grow keeps fp where it is and moves the rest up.

import { STOP, type Control } from './control.js';
import type { Dedup, NewStateSink } from './dedup.js';

const TWO32 = 2 ** 32;
const H_REGISTERED = 0;
const H_CAPACITY = 1;
/** The next id to hand out (every id below it is in use or left unused by a dropped block). */
const H_NEXT = 2;
/** The first id of the level being built: ids at or above it were claimed in this level. */
const H_LEVEL_START = 3;
/** Ids per block handed to a worker in this level. */
const H_STEP = 4;
/** The last two level ends: (depth, ids below which are the states of depth <= it) pairs. */
const H_ENDS = 5;
const HEADER = 16;
/** The largest growable SharedArrayBuffer V8 (Node 20) makes. */
const MAX_BYTES = 2 ** 32;
const MIN_SLOTS = 16;
const MAX_STEP = 64;
const PHI = 0x9e3779b1;

/**
 * Ids a table of `capacity` slots holds at most: 15/16 of them. Only a level that reaches the
 * worst case its level end sized the table for comes near that load (linear probing is slow
 * there, but correct); the expected growth is sized for 3/4 (`loadFor`).
 */
function limitOf(capacity: number): number {
  return capacity - capacity / 16;
}

/** Int32 words of a table of `capacity` slots. */
function wordsOf(capacity: number): number {
  return HEADER + 3 * limitOf(capacity) + capacity;
}

const slotsAt = (capacity: number): number => HEADER + 3 * limitOf(capacity);
const edgeAt = (capacity: number): number => HEADER + 2 * limitOf(capacity);

/** The smallest capacity (a power of two, at least `from`) holding `ids` ids. */
function capacityFor(ids: number, from: number): number {
  let cap = Math.max(MIN_SLOTS, from);
  while (limitOf(cap) < ids) cap *= 2;
  return cap;
}

/** The smallest capacity (a power of two, at least `from`) holding `ids` ids at 3/4 load. */
function loadFor(ids: number, from: number): number {
  let cap = Math.max(MIN_SLOTS, from);
  while ((cap / 4) * 3 < ids) cap *= 2;
  return cap;
}

/** The buffer of a table of at least `slots` slots (a power of two); `maxSlots` bounds its growth (tests). */
export function sharedTable(slots: number, maxSlots = MAX_BYTES): SharedArrayBuffer {
  let cap = capacityFor(0, MIN_SLOTS);
  while (cap < slots) cap *= 2;
  let max = cap;
  while (max * 2 <= maxSlots && wordsOf(max * 2) * 4 <= MAX_BYTES) max *= 2;
  const Growable = SharedArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => SharedArrayBuffer;
  const buf = new Growable(wordsOf(cap) * 4, { maxByteLength: wordsOf(max) * 4 });
  const t = new Int32Array(buf);
  t[H_CAPACITY] = cap;
  t[H_STEP] = 1;
  t[H_ENDS] = t[H_ENDS + 2] = -1;
  return buf;
}

/** Record, in a table nobody is claiming in, that the states of depth <= `level` have the ids below the counter. */
function markEnd(t: Int32Array, level: number): void {
  const at = H_ENDS + 2 * (level & 1);
  Atomics.store(t, at + 1, Atomics.load(t, H_NEXT));
  Atomics.store(t, at, level);
}

/**
 * A resumed run at the end of depth `level`: a new table holding these fingerprints (hi/lo
 * pairs, the states of depths <= level), made before any worker uses it, with room for the
 * next level's worst case (`maxNew` new states) since the run expands that level first (`workers` take ids in blocks).
 */
export function restoredTable(fingerprints: Uint32Array, level: number, maxNew: number, slots: number, workers: number, expected = maxNew): SharedArrayBuffer {
  const n = fingerprints.length / 2;
  // As prepare: room for the ids the workers' blocks (MAX_STEP each) may leave unused.
  const buf = sharedTable(Math.max(capacityFor(n + maxNew + workers * MAX_STEP, slots), loadFor(n + expected, slots)));
  const t = new Int32Array(buf);
  const cap = t[H_CAPACITY]!;
  new Uint32Array(buf, HEADER * 4, fingerprints.length).set(fingerprints);
  placeAll(t, cap, n);
  t[H_NEXT] = t[H_LEVEL_START] = n;
  t[H_STEP] = MAX_STEP;
  markEnd(t, level);
  return buf;
}

/**
 * Put ids 0..n-1 (their fingerprints written) in the zeroed slots of a table of `cap` slots
 * nobody else is using, in id order: the fingerprints are read one after the other, not at
 * random. An id whose fingerprint is already in (an unused id, which holds id 0's) is left out.
 */
function placeAll(t: Int32Array, cap: number, n: number): void {
  const mask = cap - 1;
  const slots = slotsAt(cap);
  next: for (let id = 0; id < n; id++) {
    const hiW = t[HEADER + 2 * id]!;
    const loW = t[HEADER + 2 * id + 1]!;
    const h = loW ^ Math.imul(hiW, PHI);
    const tag = h & ~mask;
    let i = h & mask;
    for (let cur = t[slots + i]!; cur !== 0; cur = t[slots + i]!) {
      if ((cur & ~mask) === tag) {
        const other = (cur & mask) - 1;
        if (t[HEADER + 2 * other] === hiW && t[HEADER + 2 * other + 1] === loW) continue next;
      }
      i = (i + 1) & mask;
    }
    t[slots + i] = tag | (id + 1);
  }
}

/** A checkpoint: the fingerprints (hi/lo pairs) of the states of depth at most `depth` in a table nobody is writing. */
export function tableFingerprints(table: SharedArrayBuffer, depth: number): Uint32Array {
  const t = new Int32Array(table, 0, table.byteLength >> 2);
  const end = t[H_ENDS + 2 * (depth & 1)] === depth ? t[H_ENDS + 2 * (depth & 1) + 1]! : -1;
  if (end < 0) throw new Error(`internal: the shared table has no record of the end of depth ${depth}`);
  const cap = t[H_CAPACITY]!;
  const mask = cap - 1;
  const out = new Uint32Array(2 * end);
  let n = 0;
  for (let i = slotsAt(cap), stop = i + cap; i < stop; i++) {
    const slot = t[i]!;
    if (slot === 0) continue;
    const id = (slot & mask) - 1;
    if (id >= end) continue;
    out[n++] = t[HEADER + 2 * id]!;
    out[n++] = t[HEADER + 2 * id + 1]!;
  }
  return out.slice(0, n);
}

interface GrowableBuffer extends SharedArrayBuffer {
  grow(newLength: number): void;
  readonly maxByteLength: number;
}

export class SharedTableDedup implements Dedup {
  private readonly buf: GrowableBuffer;
  /** A fixed-length view, made again after each grow (V8 is slower on length-tracking views). */
  private t: Int32Array;
  private capacity = 0;
  private mask = 0;
  /** Where the edge keys and the slots begin in `t`. */
  private edgeBase = 0;
  private slotBase = 0;
  /** This worker's block of ids: the next one to use, and the end. */
  private nextId = 0;
  private endId = 0;
  private levelStart = 0;
  private level = 0;
  private owned = 0;
  /** The ids of this worker's new states of the level being built. */
  private ids = new Int32Array(1024);
  private count = 0;
  /** Times the table grew during this run (seen by this worker). */
  grows = 0;

  constructor(
    table: SharedArrayBuffer,
    private readonly control: Control,
    private readonly sink: NewStateSink,
  ) {
    this.buf = table as GrowableBuffer;
    this.t = this.view();
    const me = Atomics.add(this.t, H_REGISTERED, 1);
    if (me >= control.workers) throw new Error(`shared-table: ${me + 1} workers use a table meant for ${control.workers}`);
    this.refresh();
  }

  private view(): Int32Array {
    return new Int32Array(this.buf, 0, this.buf.byteLength >> 2);
  }

  /** After a grow (by anyone, at a level end): the new buffer length and layout. */
  private refresh(): void {
    if (this.t.length !== this.buf.byteLength >> 2) this.t = this.view();
    const cap = Atomics.load(this.t, H_CAPACITY);
    if (cap === this.capacity) return;
    if (this.capacity !== 0) this.grows++;
    this.capacity = cap;
    this.mask = cap - 1;
    this.edgeBase = edgeAt(cap);
    this.slotBase = slotsAt(cap);
  }

  get size(): number {
    return this.owned;
  }

  get newCount(): number {
    return this.count;
  }

  beginLevel(level: number): void {
    // Every worker is past the level end's barrier: the layout and the level's first id are set.
    this.refresh();
    this.level = level;
    this.count = 0;
    this.levelStart = Atomics.load(this.t, H_LEVEL_START);
    // A block of an earlier level is dropped: its ids would count as that level's.
    this.nextId = this.endId = 0;
  }

  offer(state: Int32Array, hi: number, lo: number, edge: number, halted: boolean): void {
    if (edge >= TWO32) throw new RangeError(`shared-table: edge key ${edge} of depth ${this.level} does not fit in 32 bits (use the partitioned scheme)`);
    const t = this.t;
    const hiW = hi | 0;
    const loW = lo | 0;
    const mask = this.mask;
    const slots = this.slotBase;
    const h = loW ^ Math.imul(hiW, PHI);
    const tag = h & ~mask;
    let i = h & mask;
    for (;;) {
      let cur = Atomics.load(t, slots + i);
      if (cur === 0) {
        if (this.nextId === this.endId && !this.reserve()) {
          // Out of ids: only at the largest buffer (prepare sized the table for the worst case).
          // The run is reported incomplete, and this state is not stored.
          this.control.stop(STOP.maxMemory);
          return;
        }
        const id = this.nextId;
        t[HEADER + 2 * id] = hiW;
        t[HEADER + 2 * id + 1] = loW;
        t[this.edgeBase + id] = edge | 0;
        cur = Atomics.compareExchange(t, slots + i, 0, tag | (id + 1));
        if (cur === 0) {
          this.nextId++;
          this.claimed(state, id, halted);
          return;
        }
        // Another worker claimed this slot first: cur is what it wrote.
      }
      if ((cur & ~mask) === tag) {
        const id = (cur & mask) - 1;
        if (t[HEADER + 2 * id + 1] === loW && t[HEADER + 2 * id] === hiW) {
          if (id >= this.levelStart) this.lower(this.edgeBase + id, edge);
          return;
        }
      }
      i = (i + 1) & mask;
    }
  }

  /** Take the next block of ids from the header's counter, if the table has room for any. */
  private reserve(): boolean {
    const t = this.t;
    const limit = limitOf(this.capacity);
    const step = Atomics.load(t, H_STEP);
    for (let cur = Atomics.load(t, H_NEXT); ; ) {
      const n = Math.min(step, limit - cur);
      if (n <= 0) return false;
      const was = Atomics.compareExchange(t, H_NEXT, cur, cur + n);
      if (was === cur) {
        this.nextId = cur;
        this.endId = cur + n;
        return true;
      }
      cur = was;
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

  private claimed(state: Int32Array, id: number, halted: boolean): void {
    if (this.count === this.ids.length) {
      const more = new Int32Array(this.ids.length * 2);
      more.set(this.ids);
      this.ids = more;
    }
    const i = this.count++;
    this.ids[i] = id;
    this.owned++;
    this.sink.added(state, i, halted);
  }

  poll(): void {
    // Nothing: the table never grows during a level.
  }

  finishLevel(): boolean {
    // Another worker may still lower the key of a state this worker claimed: wait for all.
    // Then no id is claimed until the next level begins (after the level end's second barrier).
    if (!this.control.barrier()) return false;
    // The rest of this worker's block stays unused (the next level's ids lie above this one's):
    // it gets id 0's fingerprint, which a grow, placing ids in order, finds in already.
    const t = this.t;
    for (let id = this.nextId; id < this.endId; id++) {
      t[HEADER + 2 * id] = t[HEADER]!;
      t[HEADER + 2 * id + 1] = t[HEADER + 1]!;
    }
    this.nextId = this.endId = 0;
    markEnd(t, this.level);
    return true;
  }

  /**
   * The last worker at a level end, every other waiting at the barrier: the level the workers
   * build next stores at most `maxNew` new states, and about `expected`. Grow now for that
   * (the bound without fail, the expected count at 3/4 load), and start its ids.
   */
  prepare(maxNew: number, expected = maxNew): void {
    const t = this.t;
    const used = Atomics.load(t, H_NEXT);
    // Blocks small enough that the unused ends (one per worker and level) stay a small share.
    const step = Math.max(8, Math.min(MAX_STEP, Math.floor(Math.min(maxNew, expected) / (16 * this.control.workers))));
    // Room for the bound and for the ids the other workers' blocks may hold unused when the
    // level's last state needs one: without it a level that reaches its bound runs out of ids.
    // The bound at up to 15/16 load (K times a level's states is far more than a level stores:
    // sizing it at 3/4 made the slots two to four times what the states need); the expected
    // new states at 3/4.
    const want = Math.max(capacityFor(used + maxNew + this.control.workers * step, this.capacity), loadFor(used + expected, this.capacity));
    if (want > this.capacity) this.grow(want);
    Atomics.store(t, H_LEVEL_START, used);
    Atomics.store(this.t, H_STEP, step);
  }

  /** Every peer waits at the barrier: grow to `want` slots (or as near as the buffer allows) and rehash. */
  private grow(want: number): void {
    let cap = this.capacity;
    while (cap < want && wordsOf(cap * 2) * 4 <= this.buf.maxByteLength) cap *= 2;
    if (cap === this.capacity) return;
    const used = Atomics.load(this.t, H_NEXT);
    this.buf.grow(wordsOf(cap) * 4);
    this.t = this.view();
    // Fingerprints stay at HEADER; what lay above them (keys of the sealed level, old slots) is
    // not needed: keys are read before the level's end, and the slots are rebuilt from the ids.
    const t = this.t;
    t.fill(0, slotsAt(cap), slotsAt(cap) + cap);
    placeAll(t, cap, used);
    Atomics.store(t, H_CAPACITY, cap);
    this.refresh();
  }

  edgeOf(i: number): number {
    // After the level's settling barrier the keys are final; before it (a stopped run) current.
    return Atomics.load(this.t, this.edgeBase + this.ids[i]!) >>> 0;
  }

  restore(count: number): void {
    this.owned += count;
  }

  fingerprints(): undefined {
    return undefined;
  }

  /** Bytes in use, this worker's share: the slots, the ids handed out (fingerprint and key), and its list of new states. */
  bytes(): number {
    const used = Atomics.load(this.t, H_NEXT);
    return (4 * (HEADER + this.capacity + 3 * used)) / this.control.workers + this.ids.byteLength;
  }
}
