// Hash-partitioned ownership: every state belongs to one worker, chosen by its fingerprint.
// A worker keeps the states it owns in a private visited set (the engine's FingerprintSet, no
// locks, no atomics) and sends each successor it does not own to the owner, in batches of
// about 128 KiB through the mailbox (mailbox.ts). Who *expands* a state is another matter: the
// owner puts it in the shared frontier (frontier.ts), from which any worker takes work. At the
// end of a level each worker sends every peer an end marker; ports are FIFO, so once a worker
// has every peer's marker it has every successor of the level it owns.

import { FingerprintSet } from '../engine/visited.js';
import type { Control } from './control.js';
import { ownerOf, type Dedup, type NewStateSink } from './dedup.js';
import type { BatchMail, Mailbox } from './mailbox.js';
import { grown } from '../util/grow.js';

/** Per entry: hi, lo, edge (high and low words), halted, then the packed state. */
const HEADER = 5;
/** Words per batch (64 KiB: below malloc's mmap threshold, so batches never cost a mmap/munmap). */
const BATCH_WORDS = 1 << 14;
const TWO32 = 2 ** 32;

export class PartitionedDedup implements Dedup {
  private readonly store = new FingerprintSet(1 << 16);
  private readonly stride: number;
  private readonly perBatch: number;
  private readonly out: (Int32Array<ArrayBuffer> | null)[];
  private readonly outCount: number[];
  private levelStart = 0;
  private level = 0;
  private edges = new Float64Array(1024);
  private ends = 0;
  private readonly scratch: Int32Array;

  constructor(
    private readonly me: number,
    private readonly workers: number,
    private readonly width: number,
    private readonly mailbox: Mailbox,
    private readonly control: Control,
    private readonly sink: NewStateSink,
  ) {
    this.stride = width + HEADER;
    this.scratch = new Int32Array(width);
    this.perBatch = Math.max(16, Math.floor(BATCH_WORDS / this.stride));
    this.out = Array.from({ length: workers }, () => null);
    this.outCount = Array.from({ length: workers }, () => 0);
    mailbox.on.batch = (_, mail) => this.receive(mail);
    mailbox.on.end = (from, mail) => {
      if (mail.level !== this.level) throw new Error(`worker ${this.me}: end of level ${mail.level} from worker ${from} while at level ${this.level}`);
      this.ends++;
    };
  }

  get size(): number {
    return this.store.size;
  }

  get newCount(): number {
    return this.store.size - this.levelStart;
  }

  beginLevel(level: number): void {
    this.level = level;
    this.levelStart = this.store.size;
  }

  offer(state: Int32Array, hi: number, lo: number, edge: number, halted: boolean): number {
    const o = this.workers === 1 ? 0 : ownerOf(hi, this.workers);
    if (o === this.me) {
      this.insert(state, hi, lo, edge, halted);
      return -1;
    }
    let buf = this.out[o];
    if (!buf) buf = this.out[o] = new Int32Array(this.perBatch * this.stride);
    const k = this.outCount[o]!;
    const at = k * this.stride;
    buf[at] = hi;
    buf[at + 1] = lo;
    const eh = Math.floor(edge / TWO32);
    buf[at + 2] = eh;
    buf[at + 3] = edge - eh * TWO32;
    buf[at + 4] = halted ? 1 : 0;
    for (let k = 0, w = this.width, to = at + HEADER; k < w; k++) buf[to + k] = state[k]!;
    this.outCount[o] = k + 1;
    if (k + 1 === this.perBatch) this.flush(o);
    return -1;
  }

  private insert(state: Int32Array, hi: number, lo: number, edge: number, halted: boolean): void {
    const id = this.store.insert(hi, lo, -1, 0);
    if (id >= 0) {
      const i = id - this.levelStart;
      this.edges = grown(this.edges, i + 1);
      this.edges[i] = edge;
      this.sink.added(state, i, halted);
      return;
    }
    const i = -id - 1 - this.levelStart;
    // States of earlier levels have their parent already; at this level keep the smallest key.
    if (i >= 0 && edge < this.edges[i]!) this.edges[i] = edge;
  }

  private flush(o: number): void {
    const buf = this.out[o];
    const n = this.outCount[o]!;
    if (!buf || n === 0) return;
    const data = n === this.perBatch ? buf : buf.slice(0, n * this.stride);
    const mail: BatchMail = { kind: 'batch', n, data };
    this.mailbox.send(o, mail, [data.buffer]);
    if (data === buf) this.out[o] = null;
    this.outCount[o] = 0;
  }

  private receive({ n, data }: BatchMail): void {
    const { stride, width, scratch } = this;
    for (let k = 0, at = 0; k < n; k++, at += stride) {
      const edge = data[at + 2]! * TWO32 + (data[at + 3]! >>> 0);
      // Copied out (not a subarray per entry: no allocation on this path).
      for (let j = 0, from = at + HEADER; j < width; j++) scratch[j] = data[from + j]!;
      this.insert(scratch, data[at]! >>> 0, data[at + 1]! >>> 0, edge, data[at + 4] !== 0);
    }
  }

  poll(): void {
    // Batches arrive through the mailbox, which the search polls.
  }

  finishLevel(): boolean {
    if (this.workers === 1) return !this.control.stopped;
    for (let w = 0; w < this.workers; w++) {
      if (w === this.me) continue;
      this.flush(w);
      this.mailbox.send(w, { kind: 'end', level: this.level });
    }
    const settled = this.mailbox.until(() => this.ends === this.workers - 1);
    this.ends = 0;
    return settled && !this.control.stopped;
  }

  edgeOf(i: number): number {
    return this.edges[i]!;
  }

  bytes(): number {
    // As check() counts its visited set: the table and the used part of the per-state arrays.
    return this.store.bytesPerState() * this.store.size;
  }

  restore(count: number, fingerprints: Uint32Array | undefined): void {
    if (!fingerprints || fingerprints.length !== 2 * count) throw new Error(`internal: worker ${this.me} resumes with ${count} states but ${fingerprints ? fingerprints.length / 2 : 'no'} fingerprints`);
    // Earlier depths: their parents are in the level ranks; the store keeps only that they were seen.
    for (let k = 0; k < fingerprints.length; k += 2) this.store.insert(fingerprints[k]!, fingerprints[k + 1]!, -1, 0);
  }

  fingerprints(count: number): Uint32Array {
    // Ids are in order of insertion: the states stored by a level's end are a prefix.
    return this.store.sections().fp.slice(0, 2 * count);
  }
}
