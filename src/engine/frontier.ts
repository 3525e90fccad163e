// The frontier: packed states waiting to be expanded, with their id and depth. Breadth-first
// search takes them first-in first-out, depth-first last-in first-out; random walks and
// replay keep one state at a time. States live in chunks of one Int32Array each, so a
// frontier of millions of states is a few hundred typed arrays, not millions of objects.

export interface Frontier {
  push(state: Int32Array, id: number, depth: number): void;
  /** Copy the next state into `into`; returns false when empty. */
  pop(into: Int32Array): boolean;
  /** Id and depth of the state last popped. */
  readonly id: number;
  readonly depth: number;
  readonly size: number;
  /** Bytes held by queued states. */
  bytes(): number;
}

/**
 * Copy `n` words of `src` from `from` into `dst` at `at`, four a round. Node 20's optimizing
 * compiler checks a typed array's map and reloads its length and data pointer at every access
 * inside a loop, but once per straight run of accesses to the same arrays: a state of 24 words
 * copied one a round costs about 30 instructions a word, four a round about 21 (callgrind; the
 * search copies every new state into its frontier and every expanded one out of it).
 */
export function copyWords(dst: Int32Array, at: number, src: Int32Array, from: number, n: number): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    dst[at + k] = src[from + k]!;
    dst[at + k + 1] = src[from + k + 1]!;
    dst[at + k + 2] = src[from + k + 2]!;
    dst[at + k + 3] = src[from + k + 3]!;
  }
  for (; k < n; k++) dst[at + k] = src[from + k]!;
}

/** TypedArray.prototype.set, called with the target as receiver (StateQueue.push). */
const SET = Int32Array.prototype.set;

const CHUNK_ENTRIES = 4096;
const NO_CHUNK = new Int32Array(0);

/** FIFO (breadth-first) or LIFO (depth-first) queue of packed states. */
export class StateQueue implements Frontier {
  private chunks: Int32Array[] = [];
  private head = 0; // entry index of the next pop (FIFO)
  private tail = 0; // entry index of the next push
  private dropped = 0; // chunks released from the front (FIFO)
  private readonly stride: number;
  private readonly chunkWords: number;
  // Where the next push writes (a chunk and a word offset in it), and where the next FIFO pop
  // reads in the first chunk: pushes and pops on the hot path only move these, the entry
  // indices above place a chunk when a cursor crosses into it.
  private writeChunk: Int32Array = NO_CHUNK;
  private writeOff: number;
  private readOff = 0;
  /** A chunk every entry of which was popped, kept for the next chunk the tail needs (FIFO). */
  private spare: Int32Array | undefined = undefined;
  id = -1;
  depth = 0;

  constructor(
    private readonly width: number,
    private readonly order: 'fifo' | 'lifo' = 'fifo',
  ) {
    this.stride = width + 2;
    this.chunkWords = CHUNK_ENTRIES * this.stride;
    this.writeOff = this.chunkWords;
  }

  get size(): number {
    return this.tail - this.head;
  }

  push(state: Int32Array, id: number, depth: number): void {
    let off = this.writeOff;
    if (off === this.chunkWords) off = this.openWriteChunk();
    const chunk = this.writeChunk;
    chunk[off] = id;
    chunk[off + 1] = depth;
    // One native copy at an offset (no view made, unlike subarray() + set(), which a pop would
    // need): 24 words in about 300 instructions against copyWords' 450 (callgrind, bench/README.md
    // "The small run's one-worker and reduced search", session 11). Called through SET: optimized
    // code does not fold `chunk.set` to the method, and its generic load costs about 75
    // instructions more.
    // (A wider array keeps its first `width` words, as before.)
    if (state.length === this.width) SET.call(chunk, state, off + 2);
    else copyWords(chunk, off + 2, state, 0, this.width);
    this.writeOff = off + this.stride;
    this.tail++;
  }

  /** The tail is at a chunk's start: write into that chunk (made when new). Returns the offset, 0. */
  private openWriteChunk(): number {
    const index = Math.floor(this.tail / CHUNK_ENTRIES) - this.dropped;
    let chunk = this.chunks[index];
    if (chunk === undefined) {
      // The chunk the head released last, if any: a breadth-first search releases one at the
      // front about as often as it needs one at the back, and a new one is zeroed memory (page
      // faults, calloc's memset) and garbage to collect.
      chunk = this.spare ?? new Int32Array(this.chunkWords);
      this.spare = undefined;
      this.chunks.push(chunk);
    }
    this.writeChunk = chunk;
    this.writeOff = 0;
    return 0;
  }

  pop(into: Int32Array): boolean {
    if (this.tail === this.head) return false;
    if (this.order === 'lifo') {
      this.popLast(into);
      return true;
    }
    // FIFO: the head is in the first chunk (the ones it passed are released).
    const chunk = this.chunks[0]!;
    const off = this.readOff;
    this.readEntry(chunk, off, into);
    this.head++;
    if (this.head === this.tail) this.reset();
    else if (off + this.stride === this.chunkWords) {
      // Release the chunk the head has passed.
      this.spare = this.chunks.shift();
      this.dropped++;
      this.readOff = 0;
    } else this.readOff = off + this.stride;
    return true;
  }

  private popLast(into: Int32Array): void {
    const entry = --this.tail;
    const chunk = this.chunks[Math.floor(entry / CHUNK_ENTRIES) - this.dropped]!;
    const off = (entry % CHUNK_ENTRIES) * this.stride;
    this.readEntry(chunk, off, into);
    // The next push writes where this entry was.
    this.writeChunk = chunk;
    this.writeOff = off;
    if (this.tail % CHUNK_ENTRIES === 0 && this.chunks.length > Math.floor(this.tail / CHUNK_ENTRIES) + 1) this.chunks.pop();
  }

  /** The entry at `off` of `chunk`: its id and depth into this.id and this.depth, its state's words into `into`. */
  private readEntry(chunk: Int32Array, off: number, into: Int32Array): void {
    this.id = chunk[off]!;
    this.depth = chunk[off + 1]!;
    copyWords(into, 0, chunk, off + 2, this.width);
  }

  /** The queued entries (id, depth, then the state's words), oldest first, as views of the chunks: read them before the next push or pop. */
  segments(): Int32Array[] {
    const out: Int32Array[] = [];
    const s = this.stride;
    for (let e = this.head; e < this.tail; ) {
      const chunkIndex = Math.floor(e / CHUNK_ENTRIES) - this.dropped;
      const from = e % CHUNK_ENTRIES;
      const to = Math.min(CHUNK_ENTRIES, from + (this.tail - e));
      out.push(this.chunks[chunkIndex]!.subarray(from * s, to * s));
      e += to - from;
    }
    return out;
  }

  /** Queue entries in the form segments() gives them. */
  pushEntries(entries: Int32Array): void {
    const s = this.stride;
    if (entries.length % s !== 0) throw new RangeError(`frontier entries of ${entries.length} words are not whole entries of ${s}`);
    for (let off = 0; off < entries.length; off += s) this.push(entries.subarray(off + 2, off + s), entries[off]!, entries[off + 1]!);
  }

  private reset(): void {
    this.chunks = [];
    this.head = 0;
    this.tail = 0;
    this.dropped = 0;
    this.writeChunk = NO_CHUNK;
    this.writeOff = this.chunkWords;
    this.readOff = 0;
  }

  bytes(): number {
    return (this.chunks.length + (this.spare === undefined ? 0 : 1)) * CHUNK_ENTRIES * this.stride * 4;
  }
}
