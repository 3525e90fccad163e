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
// cache line of the table. The 64-bit fingerprint of state `id` and its smallest incoming edge
// key of its level (unsigned 32 bits; wider keys are an error here, the partitioned scheme has no such limit). A slot is 4 bytes, not the 16 (claim
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
// synchronises with the read of it). A probe reads slots with plain reads and reads atomically
// only a slot whose tag matches and whose id is of the level being built (ids of earlier
// levels were published by the barriers since). Slots only go from empty to filled, and every insert of a
// fingerprint probes the same sequence from the same bucket, so of two workers inserting one
// state exactly one compare-and-swap wins, on the first slot of the sequence that was empty;
// the loser reads the winner's id from the value its compare-and-swap returned, finds its
// fingerprint equal, and keeps its own id for its next state. Both agree on the id in the slot.
// Keys: a duplicate of a state of the level being built (its id at or above the level's first
// id) lowers the key with a compare-and-swap loop (Atomics has no min), so the smallest wins.
//
// Growth at level ends. Ids come in blocks that each worker drops at the end of a level, so the
// ids of a level are one range above those of earlier levels (a few of each level's ids are left
// unused, holding id 0's fingerprint so that a grow can tell them). At the end of a level the
// last worker to arrive, every other waiting at the barrier, makes room for the next level's
// expected new states (twice the level just sealed, at 3/4 load: `prepare`, called from the
// level search's decision). It doubles the buffer as needed and rebuilds the slots alone, from
// the ids in order (reading the fingerprints in order, not at random). No worker pauses during
// a level.
//
// A level that stores more than that room: a worker that finds no free id (the table at 15/16
// load) for a state the table does not hold keeps the offer (the state, its fingerprint, key
// and halted flag) in a list of its own, the spill, and goes on. At the level's end the last
// worker at finishLevel's barrier grows the table for every spilled offer, and each worker
// offers its spill again (duplicates among them meet in the table as any two offers do, and keep
// the smallest key); a second barrier settles those keys. So a level of any size completes,
// up to the largest buffer V8 makes (4 GiB, about 250 million states: 15/16 of 2^28 slots);
// there a worker out of ids stops the run, reported incomplete by the memory bound, rather than
// drop a state silently. Sizing for the level's worst case instead (every state's K successors
// new, K = 75 on kvm-hotplug) made the slots several times what the states need, all resident
// (the rebuild touches every slot). bytes() counts what the table has written: the slots and
// the ids handed out, the spill aside (it lives only until its level's end).
//
// Buffer (int32 words): the header, the slots (capacity), then per id its fingerprint's high and
// low lanes and its edge key (3 * limit, limit = 15/16 of the capacity). A grow moves the ids up
// past the new slots, which cover the old slots and the start of the old ids: every page a
// smaller table wrote is part of the larger one's slots or its ids in use, so nothing written
// before lies unused and resident.

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
/** Offers the workers spilled in the level being built (added before finishLevel's barrier, cleared after the replay). */
const H_SPILLED = 9;
/**
 * A word only `warmLower` writes (its value means nothing): each worker lowers it once a level,
 * so that `lower`'s compare-and-swap has run before offer is optimized (see beginLevel).
 */
const H_SCRATCH = 15;
const HEADER = 16;
/** Words per id: the fingerprint's high and low lanes, the edge key. */
const ID_WORDS = 3;
/** The largest growable SharedArrayBuffer V8 (Node 20) makes. */
const MAX_BYTES = 2 ** 32;
const MIN_SLOTS = 16;
const MAX_STEP = 64;
const PHI = 0x9e3779b1;

/** Ids a table of `capacity` slots holds at most: 15/16 of them (linear probing is slow there, but correct). */
function limitOf(capacity: number): number {
  return capacity - capacity / 16;
}

/** Int32 words of a table of `capacity` slots. */
function wordsOf(capacity: number): number {
  return HEADER + capacity + ID_WORDS * limitOf(capacity);
}

/** Where the ids begin in a table of `capacity` slots (the slots begin at HEADER). */
const idsAt = (capacity: number): number => HEADER + capacity;

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
 * next level's `expected` new states at 3/4 load, as `prepare` makes (a level that stores more
 * spills, and the table grows at its end). `maxNew` bounds that level; `workers` take ids in blocks.
 */
export function restoredTable(fingerprints: Uint32Array, level: number, maxNew: number, slots: number, workers: number, expected = maxNew): SharedArrayBuffer {
  const n = fingerprints.length / 2;
  const buf = sharedTable(loadFor(n + Math.min(maxNew, expected) + workers * MAX_STEP, slots));
  const t = new Int32Array(buf);
  const cap = t[H_CAPACITY]!;
  const ids = idsAt(cap);
  for (let id = 0; id < n; id++) {
    t[ids + ID_WORDS * id] = fingerprints[2 * id]! | 0;
    t[ids + ID_WORDS * id + 1] = fingerprints[2 * id + 1]! | 0;
  }
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
  const ids = idsAt(cap);
  next: for (let id = 0; id < n; id++) {
    const hiW = t[ids + ID_WORDS * id]!;
    const loW = t[ids + ID_WORDS * id + 1]!;
    const h = loW ^ Math.imul(hiW, PHI);
    const tag = h & ~mask;
    let i = h & mask;
    for (let cur = t[HEADER + i]!; cur !== 0; cur = t[HEADER + i]!) {
      if ((cur & ~mask) === tag) {
        const other = ids + ID_WORDS * ((cur & mask) - 1);
        if (t[other] === hiW && t[other + 1] === loW) continue next;
      }
      i = (i + 1) & mask;
    }
    t[HEADER + i] = tag | (id + 1);
  }
}

/** A checkpoint: the fingerprints (hi/lo pairs) of the states of depth at most `depth` in a table nobody is writing. */
export function tableFingerprints(table: SharedArrayBuffer, depth: number): Uint32Array {
  const t = new Int32Array(table, 0, table.byteLength >> 2);
  const end = t[H_ENDS + 2 * (depth & 1)] === depth ? t[H_ENDS + 2 * (depth & 1) + 1]! : -1;
  if (end < 0) throw new Error(`internal: the shared table has no record of the end of depth ${depth}`);
  const cap = t[H_CAPACITY]!;
  const mask = cap - 1;
  const ids = idsAt(cap);
  const out = new Uint32Array(2 * end);
  let n = 0;
  for (let i = HEADER, stop = i + cap; i < stop; i++) {
    const slot = t[i]!;
    if (slot === 0) continue;
    const id = (slot & mask) - 1;
    if (id >= end) continue;
    out[n++] = t[ids + ID_WORDS * id]!;
    out[n++] = t[ids + ID_WORDS * id + 1]!;
  }
  return out.slice(0, n);
}

/**
 * After a search that recorded the state graph (SharedTableDedup.settleIds at every level end),
 * in a table nobody is writing: the graph id of the state of table id `id`, for every state of a
 * sealed level.
 */
export function graphIdsOf(table: SharedArrayBuffer): (id: number) => number {
  const t = new Int32Array(table, 0, table.byteLength >> 2);
  const base = idsAt(t[H_CAPACITY]!) + 2;
  return (id) => t[base + ID_WORDS * id]!;
}

interface GrowableBuffer extends SharedArrayBuffer {
  grow(newLength: number): void;
  readonly maxByteLength: number;
}

/** Words of a spilled offer before its state: the fingerprint's lanes, the edge key, halted, the state's length. */
const SPILL_HEAD = 5;

export class SharedTableDedup implements Dedup {
  private readonly buf: GrowableBuffer;
  /** A fixed-length view, made again after each grow (V8 is slower on length-tracking views). */
  private t: Int32Array;
  private capacity = 0;
  private mask = 0;
  /** Where the ids begin in `t`. */
  private idBase = 0;
  /** This worker's block of ids: the next one to use, and the end. */
  private nextId = 0;
  private endId = 0;
  /** Ids per block in the level being built (the header's step, read at its start). */
  private step = 1;
  /**
   * Blocks of the level being built that are this worker's, by index (id - levelStart) / step:
   * a match with one of its own ids needs no atomic read (it wrote the fingerprint itself). Only
   * whole blocks at a multiple of the step are marked (a block cut short by the table's limit,
   * and those after it, are not): then a marked index covers this worker's ids only.
   */
  private mine = new Uint8Array(64);
  private mineUsed = 0;
  private levelStart = 0;
  /**
   * Does a match with an id of a block marked mine skip the atomic read (isMine)? Not while
   * the lead searches alone (see beginLevel).
   */
  private trustMarks = false;
  private level = 0;
  private owned = 0;
  /**
   * The ids of this worker's new states of the level being built. Small at first, so that its
   * growth in claimed() runs at a worker's first few dozen new states, before offer is
   * optimized (it then has type feedback, and a later growth is no deoptimization).
   */
  private ids = new Int32Array(16);
  private count = 0;
  /** Offers of the level being built that found no free id: SPILL_HEAD words and the state each (the spill). */
  private spill = new Int32Array(0);
  private spillWords = 0;
  private spilled = 0;
  /** Offering the spill again: out of ids now means out of memory. */
  private replaying = false;
  /** Recording the graph: the ids the replay gave the spilled offers (takeReplayed). */
  private replayedIds: number[] | undefined;
  /** Times the table grew during this run (seen by this worker). */
  grows = 0;
  /** Levels in which this worker spilled offers (the table grew at their ends). */
  spills = 0;

  constructor(
    table: SharedArrayBuffer,
    private readonly control: Control,
    private readonly sink: NewStateSink,
    /** The search records the state graph: the replay keeps the ids it gives spilled offers. */
    recordsGraph = false,
  ) {
    if (recordsGraph) this.replayedIds = [];
    this.buf = table as GrowableBuffer;
    this.t = this.view();
    // Each field that a level end stores again (the view after a grow, the lists made larger)
    // is stored a second time now: V8 takes a field stored once for a constant, and the
    // first store after offer has been optimized on that assumption throws that code away
    // (a lazy deoptimization, bench/README.md "session 11").
    this.t = this.view();
    this.ids = new Int32Array(this.ids.length);
    this.mine = new Uint8Array(this.mine.length);
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
    this.idBase = idsAt(cap);
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
    this.levelStart = Atomics.load(this.t, H_LEVEL_START);
    this.step = Atomics.load(this.t, H_STEP);
    this.mine.fill(0, 0, this.mineUsed);
    this.mineUsed = 0;
    // Room for the level's block marks made here, once a level, not when a block needs it: a
    // branch that first runs in offer's optimized code has no type feedback there, and V8
    // throws that code away on it (a deoptimization, then a second compile of offer:
    // bench/README.md "session 11"). The level's blocks are at most its ids over the step.
    const blocks = Math.ceil(Math.max(0, limitOf(this.capacity) - this.levelStart) / this.step);
    if (blocks > this.mine.length) this.mine = new Uint8Array(blocks);
    this.count = 0;
    // A block of an earlier level is dropped: its ids would count as that level's.
    this.nextId = this.endId = 0;
    // Two paths of offer that only a second worker's states take: the atomic read of a peer's
    // id and a key lowered by compare-and-swap (one worker alone expands in rank order, so its
    // first key of a state is its smallest). The lead optimizes offer during the levels it
    // searches alone, and a path that first runs in optimized code has no type feedback there:
    // V8 throws that code away when it does (two deoptimizations, and two more compiles of
    // offer, in each two-worker run: bench/README.md "Two workers on the small system",
    // session 12). So while the lead is alone its matches with its own ids take the atomic read
    // too (a few thousand reads a run; an atomic read is never wrong, the marks only save it),
    // and every worker takes the compare-and-swap path once a level, on a word nobody reads.
    this.trustMarks = !this.control.solo;
    this.warmLower();
  }

  /** Lower the scratch word: `lower`'s compare-and-swap runs (see beginLevel). */
  private warmLower(): void {
    this.t[H_SCRATCH] = -1;
    this.lower(H_SCRATCH, 0);
  }

  /** Is `id` (of the level being built) in a block this worker took whole? */
  private isMine(id: number): boolean {
    const b = Math.floor((id - this.levelStart) / this.step);
    return b < this.mineUsed && this.mine[b] === 1;
  }

  offer(state: Int32Array, hi: number, lo: number, edge: number, halted: boolean): number {
    if (edge >= TWO32) throw new RangeError(`shared-table: edge key ${edge} of depth ${this.level} does not fit in 32 bits (use the partitioned scheme)`);
    const t = this.t;
    const hiW = hi | 0;
    const loW = lo | 0;
    const mask = this.mask;
    const ids = this.idBase;
    const h = loW ^ Math.imul(hiW, PHI);
    const tag = h & ~mask;
    let i = h & mask;
    for (;;) {
      // A plain read (Atomics.load is a call into a builtin in Node 20's V8, about ten times a
      // plain read, and this runs per probed slot: bench/README.md "session 9"). A slot only goes
      // from empty to filled, and an aligned int32 read does not tear: a stale 0 makes the
      // compare-and-swap below fail and return what is there; a filled slot is final.
      let cur = t[HEADER + i]!;
      if (cur === 0) {
        if (this.nextId === this.endId && !this.reserve()) {
          // No id left at this size: the state waits in the spill for the level's end.
          this.keep(state, hiW, loW, edge, halted);
          return -1;
        }
        const id = this.nextId;
        const at = ids + ID_WORDS * id;
        t[at] = hiW;
        t[at + 1] = loW;
        t[at + 2] = edge | 0;
        cur = Atomics.compareExchange(t, HEADER + i, 0, tag | (id + 1));
        if (cur === 0) {
          this.nextId++;
          this.claimed(state, id, halted);
          return id;
        }
        // Another worker claimed this slot first: cur is what it wrote.
      }
      if ((cur & ~mask) === tag) {
        const id = (cur & mask) - 1;
        const at = ids + ID_WORDS * id;
        // An id of this level may be another worker's, claimed since this level's barrier: read
        // its slot atomically (the read of that worker's compare-and-swap orders its fingerprint
        // before the plain reads below). An id of an earlier level was published by a barrier;
        // this worker's own ids it wrote itself.
        // (Marks trusted only when a peer may store states too: see beginLevel.)
        if (id >= this.levelStart && (!this.isMine(id) || !this.trustMarks)) Atomics.load(t, HEADER + i);
        if (t[at + 1] === loW && t[at] === hiW) {
          if (id >= this.levelStart) this.lower(at + 2, edge);
          return id;
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
        const from = cur - this.levelStart;
        if (n === step && from % step === 0) this.markMine(from / step);
        return true;
      }
      cur = was;
    }
  }

  private markMine(b: number): void {
    // beginLevel made room for every block of the level's ids; a replay of spilled offers
    // after a grow may take blocks beyond them, which stay unmarked (their ids read atomically).
    if (b >= this.mine.length) return;
    this.mine[b] = 1;
    if (b >= this.mineUsed) this.mineUsed = b + 1;
  }

  /** An offer the table has no id for now: kept for the level's end, or, when the table can grow no more, the run stops. */
  private keep(state: Int32Array, hiW: number, loW: number, edge: number, halted: boolean): void {
    if (this.replaying || wordsOf(this.capacity * 2) * 4 > this.buf.maxByteLength) {
      // Only at the largest buffer: the run is reported incomplete, and this state is not stored.
      this.control.stop(STOP.maxMemory);
      return;
    }
    const need = this.spillWords + SPILL_HEAD + state.length;
    if (need > this.spill.length) {
      const more = new Int32Array(Math.max(need, 2 * this.spill.length, 1024));
      more.set(this.spill.subarray(0, this.spillWords));
      this.spill = more;
    }
    const s = this.spill;
    const at = this.spillWords;
    s[at] = hiW;
    s[at + 1] = loW;
    s[at + 2] = edge | 0;
    s[at + 3] = halted ? 1 : 0;
    s[at + 4] = state.length;
    s.set(state, at + SPILL_HEAD);
    this.spillWords = need;
    this.spilled++;
  }

  /** Keep the smallest edge key: a compare-and-swap loop (Atomics has no min). */
  private lower(at: number, edge: number): void {
    const t = this.t;
    // A plain first read: keys only go down, so a stale one is too high, and the
    // compare-and-swap then fails and returns the current key.
    for (let old = t[at]!; ; ) {
      if (edge >= old >>> 0) return;
      const was = Atomics.compareExchange(t, at, old, edge | 0);
      if (was === old) return;
      old = was;
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

  /**
   * The rest of this worker's block stays unused (the next ids handed out lie above it): it
   * gets id 0's fingerprint, which a grow, placing ids in order, finds in already. Nobody else
   * writes these ids, so this may run while other workers still claim.
   */
  private dropBlock(): void {
    const t = this.t;
    const ids = this.idBase;
    for (let id = this.nextId; id < this.endId; id++) {
      t[ids + ID_WORDS * id] = t[ids]!;
      t[ids + ID_WORDS * id + 1] = t[ids + 1]!;
    }
    this.nextId = this.endId = 0;
  }

  finishLevel(): boolean {
    this.dropBlock();
    if (this.spilled > 0) {
      this.spills++;
      Atomics.add(this.t, H_SPILLED, this.spilled);
    }
    // Another worker may still lower the key of a state this worker claimed: wait for all.
    // Then no id is claimed until the next level begins (after the level end's second barrier),
    // or, when any worker spilled, until the last to arrive has grown the table for the spills.
    if (!this.control.barrier(undefined, () => this.growForSpills())) return false;
    // A grow there moved the ids: also a stopped run reads its keys (edgeOf) at their new place.
    this.refresh();
    // Every worker added its spills before arriving, and nobody clears them before the next barrier: all read the same.
    if (Atomics.load(this.t, H_SPILLED) > 0) {
      this.replay();
      // The replayed states' keys are final when every worker has offered its spill.
      if (!this.control.barrier(undefined, () => Atomics.store(this.t, H_SPILLED, 0))) return false;
    }
    markEnd(this.t, this.level);
    return true;
  }

  /** Offer this worker's spill again, into the table grown for it. */
  private replay(): void {
    const s = this.spill;
    this.replaying = true;
    for (let at = 0, end = this.spillWords; at < end; ) {
      const from = at + SPILL_HEAD;
      const to = from + s[at + 4]!;
      const id = this.offer(s.subarray(from, to), s[at]! >>> 0, s[at + 1]! >>> 0, s[at + 2]! >>> 0, s[at + 3] === 1);
      this.replayedIds?.push(id);
      at = to;
    }
    this.replaying = false;
    // The spill's memory goes back: a spill is rare (a level far above its expected size).
    this.spill = new Int32Array(0);
    this.spillWords = this.spilled = 0;
    this.dropBlock();
  }

  /**
   * The last worker at finishLevel's barrier, every other waiting there, their blocks dropped:
   * when any worker spilled, room for every spilled offer (some are duplicates: the bound).
   */
  private growForSpills(): void {
    const spilled = Atomics.load(this.t, H_SPILLED);
    if (spilled === 0) return;
    const used = Atomics.load(this.t, H_NEXT);
    const step = Atomics.load(this.t, H_STEP);
    this.grow(capacityFor(used + spilled + this.control.workers * step, this.capacity));
  }

  /**
   * The last worker at a level end, every other waiting at the barrier: the level the workers
   * build next stores at most `maxNew` new states, and about `expected`. Grow now for the
   * expected count at 3/4 load (a level that stores more spills; its end grows the table), and
   * start its ids.
   */
  prepare(maxNew: number, expected = maxNew): void {
    const used = Atomics.load(this.t, H_NEXT);
    const want = Math.min(maxNew, expected);
    // Blocks small enough that the unused ends (one per worker and level) stay a small share.
    const step = Math.max(8, Math.min(MAX_STEP, Math.floor(want / (16 * this.control.workers))));
    const cap = loadFor(used + want + this.control.workers * step, this.capacity);
    if (cap > this.capacity) this.grow(cap);
    Atomics.store(this.t, H_LEVEL_START, used);
    Atomics.store(this.t, H_STEP, step);
  }

  /** Every peer waits at a barrier: grow to `want` slots (or as near as the buffer allows) and rehash. */
  private grow(want: number): void {
    let cap = this.capacity;
    while (cap < want && wordsOf(cap * 2) * 4 <= this.buf.maxByteLength) cap *= 2;
    if (cap === this.capacity) return;
    const used = Atomics.load(this.t, H_NEXT);
    const from = this.idBase;
    this.buf.grow(wordsOf(cap) * 4);
    this.t = this.view();
    const t = this.t;
    // The ids move up past the new slots (copyWithin copies overlapping ranges as if through a
    // copy); the slots, which now cover the old slots and the start of the old ids, are rebuilt.
    t.copyWithin(idsAt(cap), from, from + ID_WORDS * used);
    t.fill(0, HEADER, HEADER + cap);
    placeAll(t, cap, used);
    Atomics.store(t, H_CAPACITY, cap);
    this.refresh();
  }

  edgeOf(i: number): number {
    // After the level's settling barrier the keys are final; before it (a stopped run) current.
    // A plain read: after the barrier every lowering is visible; before it (stopped) any current value does.
    return this.t[this.idBase + ID_WORDS * this.ids[i]! + 2]! >>> 0;
  }

  restore(count: number): void {
    this.owned += count;
  }

  /**
   * A search that records the state graph (graph-part.ts): the ids of the offers this worker
   * spilled, in the order offer returned -1 for them, once its replay at the level's end gave
   * them one (the recorder patches its edges with them). Empty when nothing spilled.
   */
  takeReplayed(): number[] {
    const ids = this.replayedIds ?? [];
    this.replayedIds = [];
    return ids;
  }

  /**
   * A search that records the state graph, after the barrier that sealed the level's ranks: the
   * key word of each of this worker's new states of the level becomes its final id in the whole
   * graph (`idOf(i, key)`, which the sequential search gives it: ranks.ts), so that after the
   * search an edge's table id reads its target's graph id (graphIdsOf). Nothing reads the key of
   * a sealed level's state again: keys are lowered and read (edgeOf) in the level being built only.
   */
  settleIds(idOf: (i: number, key: number) => number): void {
    this.refresh();
    const t = this.t;
    const base = this.idBase + 2;
    for (let i = 0; i < this.count; i++) {
      const at = base + ID_WORDS * this.ids[i]!;
      t[at] = idOf(i, t[at]! >>> 0);
    }
  }

  fingerprints(): undefined {
    return undefined;
  }

  /** Bytes in use, this worker's share: the slots, the ids handed out (fingerprint and key), and its list of new states. */
  bytes(): number {
    const used = Atomics.load(this.t, H_NEXT);
    return (4 * (HEADER + this.capacity + ID_WORDS * used)) / this.control.workers + this.ids.byteLength;
  }
}
