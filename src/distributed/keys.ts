// The Redis keys of one distributed run. Everything lives under the run's id (the digest of its
// identity, src/engine/run-identity.ts), so runs of different models, variants or parameters never meet.
//
// Two kinds of hash tag decide where a key lives in a Redis Cluster (a key's slot is the hash of
// the text between its braces):
//  - the coordination keys share the tag {kmc:ID}: one slot, so one Lua script can read and
//    update the phase, the per-chunk done markers, the counters and the best candidates at once;
//  - the visited set is split into `shards` parts, each with its own tag {kmc:ID:s}: the
//    fingerprints are spread over the cluster's slots (and so its nodes), and one script per
//    batch tests and inserts a batch of one shard's fingerprints atomically; the parent links
//    are cut into segments that take the shards' tags in turn.
// A finished run's keys are found by SCAN (integrity.ts's discardRun), not listed here.

/** The set of runs in progress (their ids), for `kmc worker` to find one to join. */
export const RUNS_KEY = 'kmc:runs';

/** Parent keys per segment of a level's parent links (512 KiB strings). */
export const RANKS_PER_SEGMENT = 65536;

/** The consumer group every worker reads the frontier streams through. */
export const GROUP = 'kmc';

export class RunKeys {
  constructor(
    readonly id: string,
    readonly shards: number,
    /** Parent keys per segment of a level's parent links. */
    readonly segment: number = RANKS_PER_SEGMENT,
  ) {}

  private c(name: string): string {
    return `kmc:{${this.id}}:${name}`;
  }

  /** Hash: what the run is (identity, model source, variant, parameters, properties, limits, shards, K). */
  get meta(): string {
    return this.c('meta');
  }
  /** Hash: level, stage (settle | expand | done), chunks of the level, stop reason, diameter. */
  get phase(): string {
    return this.c('phase');
  }
  /** Hash: transitions, depthCut. */
  get stats(): string {
    return this.c('stats');
  }
  /** Hash: property index -> its earliest candidate "length,level,rank,choice,order". */
  get best(): string {
    return this.c('best');
  }
  /** Hash: coverage counts (f<action index> fired, r<tag> reached, e<property index> exercised). */
  get coverage(): string {
    return this.c('coverage');
  }
  /** Set: the replication IDs of the masters seen while the run was whole (integrity.ts). */
  get masters(): string {
    return this.c('masters');
  }
  /** Hash: worker name -> its last heartbeat (JSON). */
  get workers(): string {
    return this.c('workers');
  }
  /** Hash: chunk id -> the worker that finished it, for the chunks of depth `level`. */
  done(level: number): string {
    return this.c(`done:${level}`);
  }
  /** Stream: the chunks of depth `level` to expand. */
  stream(level: number): string {
    return this.c(`frontier:${level}`);
  }

  private s(shard: number, name: string): string {
    return `kmc:{${this.id}:${shard}}:${name}`;
  }
  /** Set: every fingerprint of the shard seen so far, at any depth. */
  seen(shard: number): string {
    return this.s(shard, 'seen');
  }
  /** Sorted set: the shard's states of depth `level`, scored by their smallest incoming edge key. */
  level(shard: number, level: number): string {
    return this.s(shard, `level:${level}`);
  }
  /** Hash: fingerprint -> packed state (a halted byte, then the words) of the shard's states of depth `level`. */
  states(shard: number, level: number): string {
    return this.s(shard, `states:${level}`);
  }
  /** String (counter): distinct states the shard holds. */
  count(shard: number): string {
    return this.s(shard, 'count');
  }
  /**
   * String: the parent keys (float64, little-endian) of depth `level`'s states of ranks
   * segment*this.segment and on, in rank order. Segments are spread over the shards' hash tags
   * like the visited set (level by level, and segment by segment within a level), so the parent
   * links (8 bytes a state: the part of a run that grows with every state and stays to the end)
   * do not all weigh on one node.
   */
  ranks(level: number, segment: number): string {
    return this.s((level + segment) % this.shards, `ranks:${level}:${segment}`);
  }
  /** String: written when the shard is created; missing means a node lost the shard's data. */
  mark(shard: number): string {
    return this.s(shard, 'mark');
  }
}
