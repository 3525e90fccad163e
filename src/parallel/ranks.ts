// Level ranks: the parent links of the parallel search, and what makes its counterexamples the
// ones the sequential search finds.
//
// The sequential breadth-first search stores the states of each depth in a fixed order: by the
// position of the parent in the previous depth, then by the index of the enabled action taken
// (the first edge that reaches a state wins). By induction that is the lexicographic order of
// the states' paths, and each state's parent link is the lexicographically smallest shortest
// path to it. The parallel search reproduces exactly that without a global order of insertion:
//
//  - every state of depth L has a rank, its position in that order (0..N_L-1);
//  - an edge from the state of rank r by action c has the key r*K + c (K bounds the number of
//    enabled actions of any state), so keys order edges as the sequential search meets them;
//  - a state of depth L+1 keeps the smallest key of the edges that reach it (its owner takes
//    the minimum, whatever order the edges arrive in from the workers);
//  - at the end of the level every state's key is set in a bitmap over the key space
//    [0, N_L*K); a state's rank at depth L+1 is the number of keys below its own (a prefix
//    count per block of 8 words plus popcounts), and the key of rank r is found by select.
//
// So the bitmaps are the parent links: the path to (L, r) is select(L, r) = r'*K + c, then the
// path to (L-1, r') and c. Memory: K bits of bitmap and K/32 bits of prefix count per parent,
// about K*(1/8 + 1/32) bytes per state, kept for every level in one growable SharedArrayBuffer
// (the worker deciding at a level end grows it; the others only read the level header it wrote
// before a barrier).
//
// Marking: each worker sets the keys of the states it stored in a bitmap of its own (a
// "marker", beyond the last level's words), with plain stores, and the seal merges the markers
// into the level's bitmap while it counts. Two workers setting bits in one bitmap with atomic ORs
// write the same cache lines all the time (a line of keys covers some 30 parents, which both
// workers expanded): measured at 2 workers, the marking cost five times as much per state as in
// one (bench/README.md, session 8). The markers live past the words in use, so the next level's
// words are written over them (the seal writes every word and count of its level).

const BLOCK_WORDS = 4;
const HEADER_FIELDS = 3; // offset (in words), parents, size
/** Header words: the last level prepared, the words in use; then, in the fields of depth 0 (which has no parents), the markers and the most words ever touched. */
const H_LEVEL = 0;
const H_USED = 1;
const H_MARKERS = 2;
const H_TOUCHED = 3;
const MAX_RANK_BYTES = 2 ** 32;
const MAX_LEVEL_BYTES = 2 ** 26;
const GROW_STEP = 1 << 16;

export function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** A growable SharedArrayBuffer (ES2024; the project's lib is ES2023, Node 20 has them). */
interface GrowableBuffer extends SharedArrayBuffer {
  grow(newLength: number): void;
  readonly maxByteLength: number;
}
const Growable = SharedArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => GrowableBuffer;

/** The bitmap word of a key (keys may exceed 2^32). */
export function wordOf(key: number): number {
  return key < 0x80000000 ? key >>> 5 : Math.floor(key / 32);
}

export class LevelRanks {
  private words: Int32Array;
  private header: Float64Array;
  /** The level whose extent is cached below (setBit and rank are called once per state). */
  private cachedLevel = -1;
  private cachedOff = 0;
  private cachedWords = 0;
  /** Where the cached level's markers begin (each cachedWords long). */
  private cachedMarks = 0;
  /** Workers that mark keys, each in its own bitmap. */
  readonly markers: number;
  private readonly ranks: GrowableBuffer;
  private readonly levels: GrowableBuffer;

  /** Shared buffers for one run of `markers` workers (each marks its keys apart): grown on demand, up to 4 GiB of bitmaps. */
  static allocate(markers = 1): { ranks: SharedArrayBuffer; levels: SharedArrayBuffer } {
    if (!Number.isInteger(markers) || markers < 1) throw new RangeError(`ranks: ${markers} markers`);
    const levels = new Growable(GROW_STEP, { maxByteLength: MAX_LEVEL_BYTES });
    new Float64Array(levels)[H_MARKERS] = markers;
    return { ranks: new Growable(0, { maxByteLength: MAX_RANK_BYTES }), levels };
  }

  constructor(
    ranks: SharedArrayBuffer,
    levels: SharedArrayBuffer,
    /** Bound on the number of enabled actions of any state. */
    readonly K: number,
  ) {
    this.ranks = ranks as GrowableBuffer;
    this.levels = levels as GrowableBuffer;
    this.words = new Int32Array(ranks, 0, ranks.byteLength >> 2);
    this.header = new Float64Array(levels, 0, levels.byteLength >> 3);
    this.markers = this.header[H_MARKERS]! || 1;
  }

  private refresh(): void {
    // Fixed-length views of the buffers' current lengths, made again when one has grown (by
    // any worker, between levels): V8 reads and writes through length-tracking views of a
    // growable buffer more slowly, and rank and setBit run once per state. Made again at
    // every call (a few per level), not only after a grow: a branch taken only after a grow
    // first runs in optimized code (the frontier's key pass inlines setBit and this), which has no
    // type feedback for it and is thrown away there (bench/README.md "session 11").
    this.words = new Int32Array(this.ranks, 0, this.ranks.byteLength >> 2);
    this.header = new Float64Array(this.levels, 0, this.levels.byteLength >> 3);
  }

  private slot(level: number): number {
    return 2 + level * HEADER_FIELDS;
  }

  /** Bytes of bitmaps, prefix counts and markers held (touched: the buffer's room for growth beyond them is not resident). */
  bytes(): number {
    this.refresh();
    return Math.max(this.header[H_TOUCHED]!, this.header[H_USED]!) * 4;
  }

  /** Worker 0, between levels: room for the keys of depth `level`, whose parents are the `parents` states of depth level-1. */
  prepare(level: number, parents: number): void {
    this.refresh();
    const bits = parents * this.K;
    const nWords = Math.max(1, Math.ceil(bits / 32));
    const blocks = Math.ceil(nWords / BLOCK_WORDS);
    const offset = this.header[H_USED]!;
    const end = offset + nWords + blocks;
    // The markers follow: room for them, zeroed (they may hold the last level's).
    const marksEnd = end + this.markers * nWords;
    if (marksEnd * 4 > MAX_RANK_BYTES)
      throw new RangeError(`the parent links of depth ${level} (${parents} parents x ${this.K} actions) do not fit in 4 GiB`);
    if (marksEnd * 4 > this.ranks.byteLength) this.ranks.grow(Math.min(MAX_RANK_BYTES, Math.max(marksEnd * 4, Math.ceil((marksEnd * 4 * 1.25) / GROW_STEP) * GROW_STEP)));
    const s = this.slot(level);
    if ((s + HEADER_FIELDS) * 8 > this.levels.byteLength) {
      if ((s + HEADER_FIELDS) * 8 > MAX_LEVEL_BYTES) throw new RangeError(`more than ${Math.floor(MAX_LEVEL_BYTES / 8 / HEADER_FIELDS)} levels`);
      this.levels.grow(Math.min(MAX_LEVEL_BYTES, this.levels.byteLength * 2));
    }
    this.refresh();
    this.words.fill(0, end, marksEnd);
    this.cachedLevel = -1;
    this.header[s] = offset;
    this.header[s + 1] = parents;
    this.header[s + 2] = -1;
    this.header[H_USED] = end;
    this.header[H_LEVEL] = level;
    this.header[H_TOUCHED] = Math.max(this.header[H_TOUCHED]!, marksEnd);
  }

  /**
   * Worker `marker` (0..markers-1), after prepare and before seal: mark the key of a state of
   * depth `level` that it stored. Only that worker writes its marker, so a plain store does;
   * the barrier before the seal makes it visible to whoever seals.
   */
  setBit(level: number, key: number, marker = 0): void {
    if (level !== this.cachedLevel) this.cache(level);
    const w = wordOf(key);
    this.words[this.cachedMarks + marker * this.cachedWords + w]! |= 1 << (key - w * 32);
  }

  /**
   * Make depth `level` the one rank and setBit read (its extent, the views after a grow): the
   * level search calls it once a level, before the loops that call them, so that their branch
   * that does it is never first taken inside those loops' optimized code (where it had no type
   * feedback in a worker that joined at a large level, and threw that code away:
   * bench/README.md "session 11"). They still do it themselves when it was not called.
   */
  focus(level: number): void {
    if (level > 0) this.cache(level);
  }

  private cache(level: number): void {
    this.refresh();
    const { off, nWords } = this.extent(level);
    this.cachedLevel = level;
    this.cachedOff = off;
    this.cachedWords = nWords;
    this.cachedMarks = off + nWords + Math.ceil(nWords / BLOCK_WORDS);
  }

  /**
   * The worker deciding at a level end, once every worker has marked its keys of the level:
   * merge the markers into the level's bitmap and write its prefix counts; returns the number
   * of states.
   */
  seal(level: number): number {
    this.refresh();
    const s = this.slot(level);
    const { off, nWords } = this.extent(level);
    const words = this.words;
    const prefix = off + nWords;
    const marks = prefix + Math.ceil(nWords / BLOCK_WORDS);
    const M = this.markers;
    let count = 0;
    for (let w = 0; w < nWords; w++) {
      if (w % BLOCK_WORDS === 0) words[prefix + w / BLOCK_WORDS] = count;
      let x = words[marks + w]!;
      for (let m = 1, at = marks + nWords + w; m < M; m++, at += nWords) x |= words[at]!;
      words[off + w] = x;
      count += popcount(x);
    }
    this.header[s + 2] = count;
    return count;
  }

  private extent(level: number): { off: number; nWords: number } {
    const s = this.slot(level);
    const off = this.header[s]!;
    const parents = this.header[s + 1]!;
    return { off, nWords: Math.max(1, Math.ceil((parents * this.K) / 32)) };
  }

  /** Number of states of depth `level` (after seal; depth 0 has the initial state only). */
  size(level: number): number {
    if (level === 0) return 1;
    this.refresh();
    return this.header[this.slot(level) + 2]!;
  }

  /** The rank at depth `level` of the state whose smallest incoming edge key is `key`. */
  rank(level: number, key: number): number {
    if (level === 0) return 0;
    if (level !== this.cachedLevel) this.cache(level);
    const off = this.cachedOff;
    const nWords = this.cachedWords;
    const words = this.words;
    const w = wordOf(key);
    const bit = key - w * 32;
    const block = Math.floor(w / BLOCK_WORDS);
    let r = words[off + nWords + block]!;
    for (let i = block * BLOCK_WORDS; i < w; i++) r += popcount(words[off + i]!);
    return r + (bit === 0 ? 0 : popcount(words[off + w]! & (-1 >>> (32 - bit))));
  }

  /** The key of the state of rank `rank` at depth `level` (the inverse of rank). */
  select(level: number, rank: number): number {
    this.refresh();
    const { off, nWords } = this.extent(level);
    const words = this.words;
    const blocks = Math.ceil(nWords / BLOCK_WORDS);
    const prefix = off + nWords;
    // The last block whose prefix count is <= rank.
    let lo = 0;
    let hi = blocks - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (words[prefix + mid]! <= rank) lo = mid;
      else hi = mid - 1;
    }
    let left = rank - words[prefix + lo]!;
    for (let w = lo * BLOCK_WORDS; w < nWords; w++) {
      let x = words[off + w]!;
      const c = popcount(x);
      if (left >= c) {
        left -= c;
        continue;
      }
      for (let b = 0; b < 32; b++, x >>>= 1) {
        if ((x & 1) === 0) continue;
        if (left === 0) return w * 32 + b;
        left--;
      }
    }
    throw new RangeError(`no state of rank ${rank} at depth ${level}`);
  }

  /**
   * The parent links of depths 1..`level`, all sealed (a checkpoint): each level's header
   * (offset, parents, size) and the words up to the end of the last one. They do not depend on
   * the number of workers.
   */
  snapshot(level: number): { levels: number[]; words: Int32Array } {
    this.refresh();
    const levels: number[] = [];
    let end = 0;
    for (let l = 1; l <= level; l++) {
      const s = this.slot(l);
      if (this.header[s + 2]! < 0) throw new Error(`internal: the ranks of depth ${l} are not sealed`);
      levels.push(this.header[s]!, this.header[s + 1]!, this.header[s + 2]!);
      const { off, nWords } = this.extent(l);
      end = off + nWords + Math.ceil(nWords / BLOCK_WORDS);
    }
    return { levels, words: this.words.slice(0, end) };
  }

  /** Fresh buffers only, before any worker uses them: the parent links a snapshot saved. */
  restore(snap: { levels: readonly number[]; words: Int32Array }): void {
    const n = snap.levels.length / HEADER_FIELDS;
    if (!Number.isInteger(n)) throw new RangeError('ranks snapshot: the level headers are not whole');
    const end = snap.words.length;
    if (end * 4 > MAX_RANK_BYTES) throw new RangeError('ranks snapshot: larger than 4 GiB');
    if (end * 4 > this.ranks.byteLength) this.ranks.grow(Math.ceil((end * 4) / GROW_STEP) * GROW_STEP);
    const need = (this.slot(n) + HEADER_FIELDS) * 8;
    if (need > MAX_LEVEL_BYTES) throw new RangeError(`ranks snapshot: more than ${Math.floor(MAX_LEVEL_BYTES / 8 / HEADER_FIELDS)} levels`);
    if (need > this.levels.byteLength) this.levels.grow(Math.min(MAX_LEVEL_BYTES, Math.ceil(need / GROW_STEP) * GROW_STEP));
    this.refresh();
    this.words.set(snap.words);
    for (let l = 1; l <= n; l++) for (let k = 0; k < HEADER_FIELDS; k++) this.header[this.slot(l) + k] = snap.levels[(l - 1) * HEADER_FIELDS + k]!;
    this.header[H_USED] = end;
    this.header[H_LEVEL] = n;
    this.cachedLevel = -1;
  }

  /** The choice indices from the initial state to the state of rank `rank` at depth `level`. */
  path(level: number, rank: number): number[] {
    const path: number[] = [];
    for (let l = level, r = rank; l > 0; l--) {
      const key = this.select(l, r);
      const c = key % this.K;
      path.push(c);
      r = (key - c) / this.K;
    }
    return path.reverse();
  }
}
