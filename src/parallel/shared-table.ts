// A shared fingerprint table: one open-addressing hash table in a SharedArrayBuffer that every
// worker inserts into with compare-and-swap; whoever claims a state's slot first stores it (in
// the shared frontier, frontier.ts, from which any worker takes work). No messages, but every
// insert is atomic. The default for two or more workers, where it measured faster than
// partitioned ownership (bench/README.md); one worker uses the partitioned scheme.
//
// The table grows. Its buffer is a growable SharedArrayBuffer (every worker sees the new length)
// and a grow is a pause (control.ts): the worker that needs room asks every peer to park at a
// safepoint (a poll between expansions, running out of reservation, the wait at the end of a
// level), doubles the buffer and rehashes it alone, then lets them go. Room is handed out in reservations counted in the
// table's header, so a claim never takes a slot beyond 3/4 of the capacity: no insert can find
// the table full, however many workers insert at once. When the buffer cannot grow any more
// (4 GiB, the largest growable buffer V8 makes) the run stops, reported incomplete by the memory
// bound, rather than drop a state silently. Its memory is in the process's RSS, which
// --max-memory watches, and in bytes() (the statistics' bytes per state).
//
// Header: how many workers registered (each takes an index for the pause), the capacity in
// slots, the slots reserved. A slot is four int32 words: tag (0 empty, -1 being written, depth+1
// when ready), the two fingerprint lanes, and the smallest edge key seen at that depth (unsigned
// 32 bits; wider keys are an error here, the partitioned scheme has no such limit).

import { STOP, type Control } from './control.js';
import type { Dedup, NewStateSink } from './dedup.js';

const SLOT = 4;
const TWO32 = 2 ** 32;
const H_REGISTERED = 0;
const H_CAPACITY = 1;
const H_RESERVED = 2;
const HEADER = 4;
/** The largest growable SharedArrayBuffer V8 (Node 20) makes. */
const MAX_BYTES = 2 ** 32;
const MIN_SLOTS = 16;

/** Reservable slots of a table of `capacity` slots: 3/4 of them (linear probing slows down past that). */
function limitOf(capacity: number): number {
  return Math.floor((capacity / 4) * 3);
}

/** The buffer of a table of at least `slots` slots (a power of two); `maxSlots` bounds its growth (tests). */
export function sharedTable(slots: number, maxSlots = (MAX_BYTES / 4 - HEADER) / SLOT): SharedArrayBuffer {
  let cap = MIN_SLOTS;
  while (cap < slots) cap *= 2;
  const Growable = SharedArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => SharedArrayBuffer;
  const buf = new Growable((HEADER + cap * SLOT) * 4, { maxByteLength: Math.min(MAX_BYTES, (HEADER + Math.max(cap, maxSlots) * SLOT) * 4) });
  new Int32Array(buf)[H_CAPACITY] = cap;
  return buf;
}

/**
 * A resumed run: a new table holding these fingerprints (hi/lo pairs, the states of earlier
 * depths), made before any worker uses it. They are tagged as depth 0: the tags only tell the
 * level being built from earlier ones, and a resumed run builds depth 1 or more.
 */
export function restoredTable(fingerprints: Uint32Array, slots: number): SharedArrayBuffer {
  const n = fingerprints.length / 2;
  // Room for as many again before the first grow.
  let cap = MIN_SLOTS;
  while (limitOf(cap) < Math.max(slots, 2 * n)) cap *= 2;
  const buf = sharedTable(cap);
  const t = new Int32Array(buf);
  const mask = cap - 1;
  const end = HEADER + cap * SLOT;
  for (let k = 0; k < fingerprints.length; k += 2) {
    const hiW = fingerprints[k]! | 0;
    const loW = fingerprints[k + 1]! | 0;
    let i = HEADER + ((loW ^ Math.imul(hiW, 0x9e3779b1)) & mask) * SLOT;
    while (t[i] !== 0) {
      i += SLOT;
      if (i === end) i = HEADER;
    }
    t[i] = 1;
    t[i + 1] = hiW;
    t[i + 2] = loW;
  }
  t[H_RESERVED] = n;
  return buf;
}

/** A checkpoint: the fingerprints (hi/lo pairs) of the states of depth at most `depth` in a table nobody is writing. */
export function tableFingerprints(table: SharedArrayBuffer, depth: number): Uint32Array {
  const t = new Int32Array(table, 0, table.byteLength >> 2);
  const cap = t[H_CAPACITY]!;
  const out = new Uint32Array(2 * Math.max(0, t[H_RESERVED]!));
  let n = 0;
  for (let i = HEADER, end = HEADER + cap * SLOT; i < end; i += SLOT) {
    const tag = t[i]!;
    if (tag <= 0 || tag > depth + 1) continue;
    out[n++] = t[i + 1]!;
    out[n++] = t[i + 2]!;
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
  private reserveStep = 1;
  /** Slots this worker may still claim without asking (its reservation). */
  private reserved = 0;
  /** This worker's index among the table's users (for the pause). */
  private readonly me: number;
  private level = 0;
  private tag = 1;
  private owned = 0;
  /** This worker's new states of the level being built: slot, fingerprint, and (once final) edge key. */
  private slots = new Int32Array(1024);
  private his = new Int32Array(1024);
  private los = new Int32Array(1024);
  private edges = new Float64Array(1024);
  private count = 0;
  /** The capacity when the level began: slots recorded under another capacity have moved. */
  private levelCapacity = 0;
  /** The level's edge keys are final and copied into `edges`. */
  private resolved = false;
  /** Times the table grew during this run (seen by this worker). */
  grows = 0;

  constructor(
    table: SharedArrayBuffer,
    private readonly control: Control,
    private readonly sink: NewStateSink,
  ) {
    this.buf = table as GrowableBuffer;
    this.t = this.view();
    this.me = Atomics.add(this.t, H_REGISTERED, 1);
    if (this.me >= control.workers) throw new Error(`shared-table: ${this.me + 1} workers use a table meant for ${control.workers}`);
    this.refresh();
  }

  private view(): Int32Array {
    return new Int32Array(this.buf, 0, this.buf.byteLength >> 2);
  }

  /** After a grow (by anyone): the new buffer length and capacity; reservations are void. */
  private refresh(): void {
    if (this.t.length !== this.buf.byteLength >> 2) this.t = this.view();
    const cap = Atomics.load(this.t, H_CAPACITY);
    if (cap === this.capacity) return;
    // The grow counted the slots in use afresh: what this worker had reserved is void.
    if (this.capacity !== 0) this.grows++;
    this.capacity = cap;
    this.mask = cap - 1;
    this.reserveStep = Math.max(1, Math.min(256, Math.floor(limitOf(cap) / (8 * this.control.workers))));
    this.reserved = 0;
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
    this.levelCapacity = this.capacity;
    this.resolved = false;
  }

  offer(state: Int32Array, hi: number, lo: number, edge: number, halted: boolean): void {
    if (edge >= TWO32) throw new RangeError(`shared-table: edge key ${edge} of depth ${this.level} does not fit in 32 bits (use the partitioned scheme)`);
    // No safepoint here (poll is one): until a grower's peers have all parked it only waits, and
    // every claim is covered by a reservation, so inserting meanwhile is safe.
    for (;;) {
      if (this.insert(state, hi | 0, lo | 0, edge, halted)) return;
      // No room left: grow (or wait for whoever grows). Stopped meanwhile: the run is reported
      // incomplete, and this state is not stored (nor needed).
      if (!this.makeRoom() && this.control.stopped) return;
    }
  }

  /** Store or merge the offer; false when it needs a slot and no room is reserved. */
  private insert(state: Int32Array, hiW: number, loW: number, edge: number, halted: boolean): boolean {
    const t = this.t;
    const tag = this.tag;
    const end = HEADER + this.capacity * SLOT;
    let i = HEADER + ((loW ^ Math.imul(hiW, 0x9e3779b1)) & this.mask) * SLOT;
    for (;;) {
      let cur = Atomics.load(t, i);
      if (cur === 0) {
        if (this.reserved === 0 && !this.reserve()) return false;
        if (Atomics.compareExchange(t, i, 0, -1) === 0) {
          t[i + 1] = hiW;
          t[i + 2] = loW;
          t[i + 3] = edge | 0;
          Atomics.store(t, i, tag);
          this.reserved--;
          this.claimed(state, i, hiW, loW, halted);
          return true;
        }
        cur = Atomics.load(t, i);
      }
      while (cur === -1) cur = Atomics.load(t, i);
      if (t[i + 1] === hiW && t[i + 2] === loW) {
        if (cur === tag) this.lower(i + 3, edge);
        return true;
      }
      i += SLOT;
      if (i === end) i = HEADER;
    }
  }

  /** Take the next reservation from the header's count, if the table has room for it. */
  private reserve(): boolean {
    const n = this.reserveStep;
    if (Atomics.add(this.t, H_RESERVED, n) + n <= limitOf(this.capacity)) {
      this.reserved = n;
      return true;
    }
    Atomics.sub(this.t, H_RESERVED, n);
    return false;
  }

  /** Grow the table, or park while another worker does. False when nothing grew (stopped, or at the size limit). */
  private makeRoom(): boolean {
    const id = this.control.requestPause();
    if (id === 0) {
      if (this.control.safepoint(this.me)) this.refresh();
      return true;
    }
    let grew = false;
    try {
      if (this.control.awaitParked(this.me, id)) grew = this.grow();
    } finally {
      this.control.endPause();
    }
    this.refresh();
    return grew;
  }

  /** Every peer is parked: double the capacity and rehash in place. */
  private grow(): boolean {
    const cap = this.capacity;
    const bytes = (HEADER + 2 * cap * SLOT) * 4;
    if (bytes > this.buf.maxByteLength) {
      this.control.stop(STOP.maxMemory);
      return false;
    }
    const old = this.t.slice(HEADER, HEADER + cap * SLOT);
    this.buf.grow(bytes);
    const t = (this.t = this.view());
    t.fill(0, HEADER, HEADER + cap * SLOT);
    const mask = 2 * cap - 1;
    const end = HEADER + 2 * cap * SLOT;
    let used = 0;
    for (let k = 0; k < old.length; k += SLOT) {
      if (old[k] === 0) continue;
      let i = HEADER + ((old[k + 2]! ^ Math.imul(old[k + 1]!, 0x9e3779b1)) & mask) * SLOT;
      while (t[i] !== 0) {
        i += SLOT;
        if (i === end) i = HEADER;
      }
      t[i] = old[k]!;
      t[i + 1] = old[k + 1]!;
      t[i + 2] = old[k + 2]!;
      t[i + 3] = old[k + 3]!;
      used++;
    }
    Atomics.store(t, H_RESERVED, used);
    Atomics.store(t, H_CAPACITY, 2 * cap);
    return true;
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

  private claimed(state: Int32Array, slot: number, hiW: number, loW: number, halted: boolean): void {
    if (this.count === this.slots.length) {
      const n = this.slots.length * 2;
      this.slots = grown(this.slots, new Int32Array(n));
      this.his = grown(this.his, new Int32Array(n));
      this.los = grown(this.los, new Int32Array(n));
      this.edges = grown(this.edges, new Float64Array(n));
    }
    const i = this.count++;
    this.slots[i] = slot;
    this.his[i] = hiW;
    this.los[i] = loW;
    this.owned++;
    this.sink.added(state, i, halted);
  }

  poll(): void {
    if (this.control.pausing() && this.control.safepoint(this.me)) this.refresh();
  }

  finishLevel(): boolean {
    // Another worker may still lower the key of a state this worker claimed, or grow the table:
    // wait for all (parking for a grow meanwhile), then copy this level's final keys.
    const settled = this.control.barrier(() => this.poll());
    if (!settled) return false;
    this.refresh();
    for (let i = 0; i < this.count; i++) this.edges[i] = this.currentEdge(i);
    this.resolved = true;
    return true;
  }

  /** The key in the table now of this worker's `i`-th new state of the level. */
  private currentEdge(i: number): number {
    if (this.capacity === this.levelCapacity) return Atomics.load(this.t, this.slots[i]! + 3) >>> 0;
    // The table grew during the level: the state moved; find it again.
    const t = this.t;
    const hiW = this.his[i]!;
    const loW = this.los[i]!;
    const end = HEADER + this.capacity * SLOT;
    let at = HEADER + ((loW ^ Math.imul(hiW, 0x9e3779b1)) & this.mask) * SLOT;
    for (let probes = 0; probes < this.capacity; probes++) {
      if (Atomics.load(t, at) === 0) break;
      if (t[at + 1] === hiW && t[at + 2] === loW) return Atomics.load(t, at + 3) >>> 0;
      at += SLOT;
      if (at === end) at = HEADER;
    }
    throw new Error(`internal: shared-table lost a state of depth ${this.level}`);
  }

  edgeOf(i: number): number {
    if (this.resolved) return this.edges[i]!;
    // Stopped part-way through the level: a grow that is under way ends in bounded time (none
    // starts once the run is stopped); the keys read afterwards are the current ones.
    this.control.awaitNoPause();
    this.refresh();
    return this.currentEdge(i);
  }

  restore(count: number): void {
    this.owned += count;
  }

  fingerprints(): undefined {
    return undefined;
  }

  bytes(): number {
    return this.buf.byteLength / this.control.workers + this.slots.byteLength + this.his.byteLength + this.los.byteLength + this.edges.byteLength;
  }
}

function grown<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
