// What the level-synchronous search needs from a deduplication scheme. Two implement it:
// partitioned.ts (each state has an owner worker; successors travel to it) and shared-table.ts
// (one lock-free table all workers insert into). bench/README.md has the measurements.

/** Where a scheme hands the states that are new at the level being built (a frontier.ts entry for those not halted). */
export interface NewStateSink {
  /**
   * `state` (valid only during the call) is stored for the first time, as this worker's `i`-th
   * new state of the level; `halted` states (a BUG_ON fired) are stored but never expanded.
   */
  added(state: Int32Array, i: number, halted: boolean): void;
}

export interface Dedup {
  /** States this worker stores (its share of the distinct states). */
  readonly size: number;
  /** This worker's new states in the level being built. */
  readonly newCount: number;
  /** States from now on are at depth `level`. */
  beginLevel(level: number): void;
  /**
   * A successor reached by the edge with key `edge` (see ranks.ts); hi/lo is its fingerprint.
   * It ends up with exactly one worker, which keeps the smallest edge key among all offers.
   * Returns the state's id in the shared table (stored now or before; -1 when the offer waits in
   * the spill for the level's end), or -1 for a scheme without one (partitioned).
   */
  offer(state: Int32Array, hi: number, lo: number, edge: number, halted: boolean): number;
  /** Called between expansions (the partitioned scheme reads its mail). */
  poll(): void;
  /**
   * This worker has expanded all its states of the level: exchange until every offer of the
   * level has reached its worker. Afterwards the new states and their edge keys are final.
   * False when the run was stopped meanwhile.
   */
  finishLevel(): boolean;
  /**
   * Called by the last worker at a level end, every other waiting at the barrier, before the
   * next level begins: it stores at most `maxNew` new states, and about `expected` (the shared
   * table grows here, never during a level).
   */
  prepare?(maxNew: number, expected: number): void;
  /** Recording the state graph (shared table only): see SharedTableDedup.takeReplayed and settleIds. */
  takeReplayed?(): number[];
  settleIds?(idOf: (i: number, key: number) => number): void;
  /** The smallest edge key that reached this worker's `i`-th new state of the level. */
  edgeOf(i: number): number;
  /** Bytes of this worker's part of the visited set (the frontier and the ranks are counted apart). */
  bytes(): number;
  /**
   * A resumed run, before the first level: this worker stores `count` states of earlier depths
   * (partitioned: these fingerprints, hi/lo pairs; the shared table was filled by the
   * orchestrator, and they are only counted).
   */
  restore(count: number, fingerprints: Uint32Array | undefined): void;
  /** A checkpoint: the fingerprints (hi/lo pairs) of this worker's first `count` stored states; undefined for the shared table (the orchestrator reads it). */
  fingerprints(count: number): Uint32Array | undefined;
}

/** The owner of a fingerprint among `workers`: the top bits of the high lane (the visited set's buckets use the low bits). */
export function ownerOf(hi: number, workers: number): number {
  return ((hi >>> 16) * workers) >>> 16;
}
