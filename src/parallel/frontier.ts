// The frontier shared by all workers: the states of the depth being expanded, which any worker
// may take, whoever stored them. Each worker writes the new states it stores into its own
// chunks (SharedArrayBuffers of about 1 MiB), then sends the list of chunks to its peers; the
// next level, workers claim a few entries at a time, with one atomic counter per share. Each
// worker claims from its own share first: the successors of the states it stored are, more
// often than not, states it stored too (the two orders of two independent steps meet at a state
// offered twice by the worker that expanded their common ancestor's successors), so their table
// slots, ids and fingerprints are in its own cache and its own ids need no atomic read
// (shared-table.ts); claiming from one counter over all shares, each worker took every other
// batch of sixteen, and each offer to the table cost more than one worker's (bench/README.md
// "Own shares first", session 14). A worker done with its own share claims from the next
// worker's, and so on round: one whose peer was descheduled for a moment takes that peer's work
// instead of waiting at the end of the level, so the level ends when the last claimed entries
// are expanded, not when the slowest share is.
//
// An entry is [edge key (high, low word), state...]: the key (ranks.ts) gives the state's rank
// once the level's ranks are sealed. Chunks of the level at depth L are reused at depth L+2,
// when every worker has finished expanding depth L.

import { copyWords } from '../engine/frontier.js';
import type { Control } from './control.js';
import type { FrontierMail, Mailbox } from './mailbox.js';
import type { FrontierShare } from './protocol.js';

const CHUNK_BYTES = 1 << 20;
/** Entries claimed at once at most: few enough that the end of a level is even, many enough that the counter is not contended. */
const CLAIM = 16;
/**
 * A claim is at most 1/TAIL of the entries left in its share, so the last claims of a share are
 * small: a worker that takes long over its claim (its code still cold, or its thread
 * descheduled) keeps the others waiting at the level's end for a few states, not sixteen.
 */
const TAIL = 4;
/**
 * A worker's first claims are small too, one more entry for every COLD it has taken: the one
 * that joins after the levels the lead searched alone expands its first states in baseline
 * code, several times slower than the lead (bench/README.md "Two workers on the small system",
 * session 12), and its first claims of sixteen held the lead at the next level ends.
 */
const COLD = 16;
const TWO32 = 2 ** 32;
const NO_CHUNK = new Int32Array(0);
/** TypedArray.prototype.set, called with the target chunk as receiver (push). */
const SET = Int32Array.prototype.set;

interface Share {
  chunks: Int32Array[];
  count: number;
  level: number;
}

export class SharedFrontier {
  private readonly stride: number;
  private readonly perChunk: number;
  /** My chunks, by parity of the level they hold. */
  private readonly mine: SharedArrayBuffer[][] = [[], []];
  private readonly views: Int32Array[][] = [[], []];
  private building = 0;
  private count = 0;
  /** My sealed shares, by parity of their level (a checkpoint saves them). */
  private readonly sealed: (FrontierShare | undefined)[] = [undefined, undefined];
  /** Each worker's share of the level being expanded. */
  private readonly shares: (Share | undefined)[];
  private readonly start: number[];
  /** The entries this worker claimed last, [from, to) in the global numbering. */
  private from = 0;
  private to = 0;
  /** Entries this worker has claimed in all (its first claims are small: COLD). */
  private taken = 0;
  /** The share this worker claims from now: its own first, then the next ones round (claim). */
  private claimShare = 0;
  /** Where the next claimed entry is: its chunk, its offset, and the end of the entries that follow it there (the chunk's or its share's). */
  private readChunk: Int32Array = NO_CHUNK;
  private readAt = 0;
  private readEnd = 0;
  /** Where the next pushed entry goes (writeAt === writeEnd: at the start of a chunk, not yet opened). */
  private writeChunk: Int32Array = NO_CHUNK;
  private writeAt = 0;
  private writeEnd = 0;

  constructor(
    private readonly me: number,
    private readonly workers: number,
    private readonly width: number,
    private readonly control: Control,
    private readonly mailbox: Mailbox,
  ) {
    this.stride = width + 2;
    this.perChunk = Math.max(64, Math.floor(CHUNK_BYTES / 4 / this.stride));
    this.shares = Array.from({ length: workers }, () => undefined);
    this.start = Array.from({ length: workers + 1 }, () => 0);
    mailbox.on.frontier = (from, mail) => this.receive(from, mail);
  }

  /** Entries of the level being built that this worker stored so far. */
  get stored(): number {
    return this.count;
  }

  /** Entries of the level being expanded not yet claimed by anyone. */
  get unclaimed(): number {
    let left = 0;
    for (let w = 0; w < this.workers; w++) left += Math.max(0, this.start[w + 1]! - this.start[w]! - this.control.claimed(w));
    return left;
  }

  /** New states from now on are at depth `level`. */
  beginBuild(level: number): void {
    this.building = level;
    this.count = 0;
    this.writeAt = this.writeEnd = 0;
    // The chunks of this parity are written again: the share of level-2 they held is gone.
    this.sealed[level & 1] = undefined;
  }

  /** A new state (not halted) of the level being built: this worker's `i`-th. */
  push(state: Int32Array, i: number): void {
    // A write cursor in the current chunk (no division per entry, as the sequential queue).
    let at = this.writeAt;
    if (at === this.writeEnd) at = this.openWriteChunk();
    const chunk = this.writeChunk;
    chunk[at] = 0;
    chunk[at + 1] = i;
    // One native copy at an offset, as the sequential queue's push (src/engine/frontier.ts):
    // fewer instructions than copyWords' loop for a state of a few dozen words (bench/README.md
    // "Two workers on the small system", session 12). Called through SET: optimized code does
    // not fold `chunk.set` to the method. A wider array keeps its first `width` words, as before.
    if (state.length === this.width) SET.call(chunk, state, at + 2);
    else copyWords(chunk, at + 2, state, 0, this.width);
    this.writeAt = at + this.stride;
    this.count++;
  }

  /** The count is at a chunk's start: write into that chunk of the building parity (made when new); returns the offset, 0. */
  private openWriteChunk(): number {
    const p = this.building & 1;
    const c = this.count / this.perChunk;
    if (c === this.views[p]!.length) {
      const sab = new SharedArrayBuffer(this.perChunk * this.stride * 4);
      this.mine[p]!.push(sab);
      this.views[p]!.push(new Int32Array(sab));
    }
    this.writeChunk = this.views[p]![c]!;
    this.writeAt = 0;
    this.writeEnd = this.perChunk * this.stride;
    return 0;
  }

  /** The level's keys are final: write each entry's key, and send this share to every peer. */
  seal(edgeOf: (i: number) => number): void {
    this.writeKeys(edgeOf);
    this.publish();
  }

  /**
   * Write each entry's final key. A function of its own, apart from publish: V8 compiles this
   * loop while it runs (on-stack replacement), and a worker that joins at a large level does so
   * at its first calls, before publish has type feedback; compiled with it, that code was
   * thrown away at publish (bench/README.md "session 11").
   */
  private writeKeys(edgeOf: (i: number) => number): void {
    const p = this.building & 1;
    const views = this.views[p]!;
    const stride = this.stride;
    // Chunk by chunk (no division per entry); keys below 2^32 (all of the shared table's) take
    // no floating-point split.
    for (let c = 0, left = this.count; left > 0; c++) {
      const chunk = views[c]!;
      const n = Math.min(left, this.perChunk);
      left -= n;
      for (let at = 0, end = n * stride; at < end; at += stride) {
        const key = edgeOf(chunk[at + 1]!);
        if (key < TWO32) {
          chunk[at] = 0;
          chunk[at + 1] = key | 0;
        } else {
          const hi = Math.floor(key / TWO32);
          chunk[at] = hi;
          chunk[at + 1] = key - hi * TWO32;
        }
      }
    }
  }

  /** Send my share of the level being built to every peer (its keys written). */
  private publish(): void {
    const p = this.building & 1;
    const used = Math.ceil(this.count / this.perChunk);
    const mail: FrontierMail = { kind: 'frontier', level: this.building, count: this.count, chunks: this.mine[p]!.slice(0, used) };
    for (let w = 0; w < this.workers; w++) if (w !== this.me) this.mailbox.send(w, mail);
    this.shares[this.me] = { chunks: this.views[p]!.slice(0, used), count: this.count, level: this.building };
    this.sealed[p] = { level: this.building, count: this.count, chunks: mail.chunks };
  }

  /**
   * A resumed run: `entries` (edge key, then state, as sealed entries are) are my share of the
   * frontier of depth `level`, sealed and sent to every peer as if built here.
   */
  restore(level: number, entries: Int32Array): void {
    this.beginBuild(level);
    const stride = this.stride;
    if (entries.length % stride !== 0) throw new RangeError(`frontier entries of ${entries.length} words are not whole entries of ${stride}`);
    const p = level & 1;
    for (let off = 0; off < entries.length; off += stride) {
      const c = Math.floor(this.count / this.perChunk);
      if (c === this.views[p]!.length) {
        const sab = new SharedArrayBuffer(this.perChunk * stride * 4);
        this.mine[p]!.push(sab);
        this.views[p]!.push(new Int32Array(sab));
      }
      this.views[p]![c]!.set(entries.subarray(off, off + stride), (this.count % this.perChunk) * stride);
      this.count++;
    }
    this.publish();
  }

  /** My sealed shares still held (of the last two levels sealed), for a checkpoint. */
  sealedShares(): FrontierShare[] {
    return this.sealed.filter((s): s is FrontierShare => s !== undefined);
  }

  private receive(from: number, mail: FrontierMail): void {
    // A worker that was parked reads, when it joins, shares of levels it never expanded: older
    // than what it holds (the empty share of a level the lead built alone), and ignored.
    const held = this.shares[from];
    if (held !== undefined && held.level > mail.level) return;
    this.shares[from] = { chunks: mail.chunks.map((c) => new Int32Array(c)), count: mail.count, level: mail.level };
  }

  /**
   * Make the sealed level at depth `level` the one to claim from (after the barrier that
   * follows every seal, and after the claim counter was reset). `builtBy`: the worker that built
   * the level alone (the lead, level-search.ts), so every other share of it is empty and none is
   * sent; -1 when all did. False when stopped meanwhile.
   */
  beginExpand(level: number, builtBy = -1): boolean {
    if (builtBy >= 0) for (let w = 0; w < this.workers; w++) if (w !== builtBy) this.shares[w] = { chunks: [], count: 0, level };
    const arrived = () => this.shares.every((s) => s !== undefined && s.level === level);
    if (!this.mailbox.until(arrived)) return false;
    this.start[0] = 0;
    for (let w = 0; w < this.workers; w++) this.start[w + 1] = this.start[w]! + this.shares[w]!.count;
    this.from = this.to = 0;
    this.claimShare = this.me;
    return true;
  }

  /** Copy the next state to expand into `into` and return its edge key; -1 when the level is done. */
  claim(into: Int32Array): number {
    // One call site of locate, reached by every claim's first entry: a second one only for a
    // claim that crosses a chunk's or a share's end would first run in optimized code, which
    // has no feedback for it and is thrown away there (V8's "insufficient type feedback").
    let relocate = this.readAt === this.readEnd;
    if (this.from === this.to) {
      // From my own share first, then the next ones round (the header says why). Without
      // branches (Math.min/max) in the sizing: a branch first taken in optimized code would
      // throw that code away. The count left is read before the claim, so it may be stale: a
      // claim is only a share of the work, any size gives the same result.
      let g = 0;
      let n = 0;
      for (;;) {
        const w = this.claimShare;
        const count = this.start[w + 1]! - this.start[w]!;
        const left = count - this.control.claimed(w);
        n = Math.max(1, Math.min(CLAIM, 1 + Math.floor(this.taken / COLD), Math.floor(left / TAIL)));
        g = left > 0 ? this.control.claim(w, n) : count;
        if (g < count) {
          n = Math.min(n, count - g);
          g += this.start[w]!;
          break;
        }
        // This share is all claimed: the next one, until every share was tried since my own.
        this.claimShare = w + 1 === this.workers ? 0 : w + 1;
        if (this.claimShare === this.me) return -1;
      }
      this.from = g;
      this.to = g + n;
      this.taken += n;
      relocate = true;
    }
    if (relocate) this.locate(this.from);
    this.from++;
    // A read cursor: consecutive claimed entries lie one after the other in a chunk, so only
    // the first of a claim and a chunk's or share's end look the entry up.
    const chunk = this.readChunk;
    const at = this.readAt;
    this.readAt = at + this.stride;
    copyWords(into, 0, chunk, at + 2, this.width);
    return chunk[at]! * TWO32 + (chunk[at + 1]! >>> 0);
  }

  /** Point the read cursor at entry `g` of the level (global numbering, below the shares' sum). */
  private locate(g: number): void {
    // The increment runs at least once: a lead that searched alone while its own share was the
    // first had never run it, and met it first in optimized code when a peer's share came next
    // (a deoptimization of claim: bench/README.md "Two workers on the small system", session 12).
    let w = -1;
    do w++;
    while (g >= this.start[w + 1]!);
    const share = this.shares[w]!;
    const off = g - this.start[w]!;
    const c = Math.floor(off / this.perChunk);
    this.readChunk = share.chunks[c]!;
    this.readAt = (off - c * this.perChunk) * this.stride;
    this.readEnd = Math.min(this.perChunk, share.count - c * this.perChunk) * this.stride;
  }
}

/** The entries of sealed shares (edge key, then state), as views of their chunks: read them while nobody builds that level's parity again. */
export function shareEntries(share: FrontierShare, width: number): Int32Array[] {
  const stride = width + 2;
  const out: Int32Array[] = [];
  let left = share.count;
  for (const c of share.chunks) {
    if (left === 0) break;
    const perChunk = c.byteLength / 4 / stride;
    const n = Math.min(left, perChunk);
    out.push(new Int32Array(c, 0, n * stride));
    left -= n;
  }
  if (left !== 0) throw new Error(`internal: a frontier share of ${share.count} entries has room for ${share.count - left}`);
  return out;
}
