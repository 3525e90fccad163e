// The coordinator of a distributed run: creates the run on Redis (or resumes it: everything it
// needs is in Redis, so a coordinator that died is replaced by running the same check again),
// then drives the level-synchronous breadth-first search:
//
//   settle depth L: merge the shards' sorted sets of depth L by edge key (the smallest edge key
//     that reaches each state, kept by the INSERT script): that order is the order in which the
//     sequential search stores the states of depth L (src/parallel/ranks.ts says why), so a
//     state's position in it is its rank; write the keys in rank order (the parent links of
//     depth L) and the non-halted states, with their ranks, as chunks on the level's stream;
//   expand depth L: the workers take the chunks (worker.ts); wait until every chunk has its
//     done marker;
//   then settle depth L+1, until a depth has no states (or --first has its violation).
//
// The phase (level, stage, chunks) is written after each step is complete, and each step is
// redone from the start when a coordinator resumes inside it, so a crash anywhere leaves a
// state from which the same run continues to the same result. At the end the counterexamples
// are rebuilt from the parent links, exactly as the parallel search does, and the run's keys
// are deleted; a run stopped early (Ctrl-C, --max-time, --max-states) stays in Redis.

import type { Candidate } from '../parallel/protocol.js';
import { comesBefore } from '../parallel/level-search.js';
import { makeEvaluator, type Evaluator } from '../engine/evaluate.js';
import { violationAlong } from '../engine/follow.js';
import { realViolation } from '../engine/reduction/symmetry-path.js';
import { reportWithoutPor } from '../engine/reduction/summary.js';
import { resultOf } from '../engine/result-builder.js';
import type { CheckResult, StopReason } from '../engine/result.js';
import type { Progress, SearchOutcome } from '../engine/search.js';
import { residentBytes } from '../engine/limits.js';
import type { ModelDef } from '../model/types.js';
import type { Property } from '../property/types.js';
import { hashHi, hashLo } from '../util/hash.js';
import { fingerprintKey, packChunk, packState } from './chunk.js';
import { masters, RedisLost, script, sleep, type Client } from './connection.js';
import { identityDigest, identityMismatch } from '../engine/run-identity.js';
import { anyShardLeft, damage, discardRun, RunDamaged } from './integrity.js';
import { GROUP, RANKS_PER_SEGMENT, RUNS_KEY, RunKeys } from './keys.js';
import { identityOf, metaFields, parseMeta, setupRun, type RunMeta, type RunSource } from './run.js';

/** States per frontier chunk: small enough that a lost chunk costs little, big enough that Redis round trips do not dominate. */
const CHUNK = 128;
/** Members read per ZRANGE page while merging the shards. */
const PAGE = 4096;
/** States fetched per HMGET round while settling. */
const WINDOW = 2048;
const POLL_MS = 5;
/** How often the coordinator checks, while it waits for a level, that the run's data is whole. */
const WHOLE_EVERY_MS = 250;
export const DEFAULT_SHARDS = 16;
export const DEFAULT_CLAIM_AFTER_MS = 30_000;

export interface WorkerBeat {
  name: string;
  level: number;
  chunks: number;
  states: number;
  transitions: number;
  rss: number;
  /** Milliseconds since its last heartbeat. */
  ageMs: number;
}

export interface DistributedProgress extends Progress {
  /** Workers heard from in the last 5 seconds. */
  workers: number;
  beats: WorkerBeat[];
}

export interface CoordinatorOptions {
  client: Client;
  def: ModelDef;
  properties: readonly Property[];
  source: RunSource;
  /** The file whose closure of relative imports is hashed into the run's identity (src/engine/run-identity.ts). */
  sourceFile: string;
  kmcVersion: string;
  variant?: string | undefined;
  params: Record<string, string | number | boolean>;
  /** The safety properties to check (liveness is not searched here). */
  property: string[];
  symmetry: boolean;
  preemptionBound?: number | undefined;
  maxDepth?: number | undefined;
  maxStates?: number | undefined;
  maxTimeMs?: number | undefined;
  first?: boolean | undefined;
  shards?: number | undefined;
  claimAfterMs?: number | undefined;
  /** Parent keys per segment of parent links (tests make it small, to cross segments): below the settle window, or a multiple of it. */
  rankSegment?: number | undefined;
  signal?: AbortSignal | undefined;
  /**
   * Called once the run exists on Redis (start local workers then): `resumed` where it goes on
   * from, `discarded` why a damaged run of the same identity was deleted to start over.
   */
  onRun?: ((id: string, resumed: { level: number; stage: string } | undefined, discarded?: string) => void | Promise<void>) | undefined;
  onProgress?: ((p: DistributedProgress) => void) | undefined;
  progressIntervalMs?: number | undefined;
}

export interface DistributedOutcome {
  result: CheckResult;
  id: string;
  /** The run stays in Redis (stopped early): the same command resumes it. */
  kept: boolean;
  /** Redis figures for bench/: bytes used over all masters at the end (before cleanup), commands processed. */
  redisBytes: number;
  workersSeen: number;
}

export async function coordinate(o: CoordinatorOptions): Promise<DistributedOutcome> {
  const t0 = performance.now();
  const { client } = o;
  const setup = setupRun(o.def, o.properties, { variant: o.variant, params: o.params, property: o.property, symmetry: o.symmetry, preemptionBound: o.preemptionBound });
  const identity = identityOf(setup, o.sourceFile, o.kmcVersion, { preemptionBound: o.preemptionBound ?? null, maxDepth: o.maxDepth ?? null, first: o.first === true });
  const id = identityDigest(identity);
  const shards = o.shards ?? DEFAULT_SHARDS;
  const segment = o.rankSegment ?? RANKS_PER_SEGMENT;
  if (segment > WINDOW && segment % WINDOW !== 0) throw new Error(`internal: ${segment} parent keys per segment is not a multiple of the settle window (${WINDOW})`);
  let keys = new RunKeys(id, shards, segment);
  const { model, evaluator } = setup;

  // Resume, or create (starting over when the run on Redis is damaged: integrity.ts).
  let old = parseMeta(await client.hgetall(keys.meta));
  let resumed: { level: number; stage: string } | undefined;
  let discarded: string | undefined;
  if (old) {
    const differs = identityMismatch(old.identity, identity);
    if (differs) throw new Error(`run ${id} on Redis is another run: ${differs}`);
    keys = new RunKeys(id, old.shards, old.rankSegment);
    discarded = await damage(client, keys);
  } else if (await anyShardLeft(client, keys)) discarded = 'its description is gone from Redis, but parts of its visited set remain';
  if (discarded !== undefined) {
    await discardRun(client, id);
    old = undefined;
    keys = new RunKeys(id, shards, segment);
  }
  if (old) {
    const ph = await client.hgetall(keys.phase);
    resumed = { level: Number(ph.level), stage: ph.stage ?? 'settle' };
    await client.hdel(keys.phase, 'stop');
  } else {
    const meta: RunMeta = { identity, source: o.source, variant: o.variant, params: o.params, property: o.property, shards, claimAfterMs: o.claimAfterMs ?? DEFAULT_CLAIM_AFTER_MS, ...(segment !== RANKS_PER_SEGMENT ? { rankSegment: segment } : {}) };
    await Promise.all(Array.from({ length: shards }, (_, s) => client.set(keys.mark(s), id)));
    // The initial state, as depth 0 (edge key 0), and its invariants.
    const init = setup.initial;
    const fp = fingerprintKey(hashHi(init), hashLo(init));
    const s0 = fp.readUInt32BE(4) % shards;
    await script(client, 'kmcInsert', [keys.seen(s0), keys.level(s0, 0), keys.states(s0, 0), keys.count(s0), keys.mark(s0)], [fp, '0', packState(init, false)]);
    const props = new Map(setup.selected.map((p, i) => [p, i] as const));
    evaluator.coverage?.reset();
    const cands: (string | number)[] = [];
    for (const p of evaluator.invariants(init)) cands.push(props.get(p)!, 0, -1, 0, -1, 2);
    await script(client, 'kmcMerge', [keys.best, keys.coverage], [evaluator.coverage ? JSON.stringify(evaluator.coverage.counts(setup.selected)) : '', ...cands]);
    await client.hset(keys.phase, { level: 0, stage: 'settle', diameter: 0 });
    await client.hset(keys.meta, metaFields(meta));
    await client.sadd(RUNS_KEY, id);
  }
  await whole(client, keys);
  await o.onRun?.(id, resumed, discarded);

  let stoppedBy: StopReason | undefined;
  let lastProgress = 0;
  const progressEvery = o.progressIntervalMs ?? 1000;
  const stopIf = async (why: StopReason | undefined) => {
    if (why === undefined) return false;
    stoppedBy = why;
    await client.hset(keys.phase, 'stop', why);
    return true;
  };
  const totalStates = async () => (await Promise.all(Array.from({ length: keys.shards }, (_, s) => client.get(keys.count(s))))).reduce((a, x) => a + Number(x ?? 0), 0);
  const limitReached = async (): Promise<StopReason | undefined> => {
    if (o.signal?.aborted) return 'interrupted';
    if (o.maxTimeMs !== undefined && performance.now() - t0 >= o.maxTimeMs) return 'max-time';
    if (o.maxStates !== undefined && (await totalStates()) >= o.maxStates) return 'max-states';
    return undefined;
  };
  const progress = async (depth: number, queue: number) => {
    if (!o.onProgress || performance.now() - lastProgress < progressEvery) return;
    lastProgress = performance.now();
    const beats = await readBeats(client, keys);
    const transitions = Number((await client.hget(keys.stats, 'transitions')) ?? 0);
    o.onProgress({ states: await totalStates(), transitions, queue, depth, elapsedMs: performance.now() - t0, rss: residentBytes(), workers: beats.filter((b) => b.ageMs < 5000).length, beats });
  };

  for (;;) {
    await whole(client, keys);
    const ph = await client.hgetall(keys.phase);
    const L = Number(ph.level);
    if (ph.stage === 'done') break;
    if (await stopIf(await limitReached())) break;
    if (ph.stage === 'settle') {
      const { size, chunks } = await settle(client, keys, model.width, L);
      // What settle read was whole only if nothing was lost while it read.
      await whole(client, keys);
      const diameter = L > 0 && size > 0 ? L : Number(ph.diameter ?? 0);
      const done = size === 0 || (o.first === true && (await client.hlen(keys.best)) > 0);
      if (done) {
        await client.hset(keys.phase, { stage: 'done', diameter });
        break;
      }
      await client.hset(keys.phase, { level: L, stage: 'expand', chunks, diameter });
      // The level's states are now in its chunks, and the previous level's stream is spent.
      await Promise.all(Array.from({ length: keys.shards }, (_, s) => client.del(keys.level(s, L), keys.states(s, L))));
      if (L > 0) await client.del(keys.stream(L - 1));
      continue;
    }
    // Expanding depth L: wait until every chunk is done.
    const chunks = Number(ph.chunks);
    let stopped = false;
    let lastCheck = performance.now();
    for (;;) {
      if (performance.now() - lastCheck >= WHOLE_EVERY_MS) {
        await whole(client, keys);
        lastCheck = performance.now();
      }
      const done = await client.hlen(keys.done(L));
      if (done >= chunks) break;
      await progress(L, (chunks - done) * CHUNK);
      if (await stopIf(await limitReached())) {
        stopped = true;
        break;
      }
      await sleep(POLL_MS);
    }
    if (stopped) break;
    await client.hset(keys.phase, { level: L + 1, stage: 'settle' });
  }

  // The result.
  const ph = await client.hgetall(keys.phase);
  const states = await totalStates();
  const stats = await client.hgetall(keys.stats);
  const bestRaw = await client.hgetall(keys.best);
  let candidates: Candidate[] = Object.entries(bestRaw).map(([p, v]) => {
    const [length, level, rank, choice, order] = v.split(',').map(Number) as [number, number, number, number, number];
    return { property: Number(p), length, level, rank, choice, order };
  });
  candidates.sort((a, b) => (comesBefore(a, b) ? -1 : comesBefore(b, a) ? 1 : 0));
  if (o.first && candidates.length > 0) {
    // The sequential search stops after the first expansion that shows a violation: keep what
    // that expansion found (the earliest position), as it would.
    const first = candidates[0]!;
    candidates = candidates.filter((c) => c.level === first.level && c.rank === first.rank);
  }
  if (stoppedBy === undefined && stats.depthCut === '1') stoppedBy = 'max-depth';
  if (stoppedBy === undefined && o.first && candidates.length > 0) stoppedBy = 'first-violation';
  const K = setup.K;
  const path = async (level: number, rank: number) => {
    const out: number[] = [];
    for (let l = level, r = rank; l > 0; l--) {
      const at = (r % keys.segment) * 8;
      const b = await client.getrangeBuffer(keys.ranks(l, Math.floor(r / keys.segment)), at, at + 7);
      if (b.length !== 8) throw new RedisLost(`run ${id}: the parent links of depth ${l} are missing from Redis`);
      const key = b.readDoubleLE(0);
      const c = key % K;
      out.push(c);
      r = (key - c) / K;
    }
    return out.reverse();
  };
  const reducer = setup.reducer;
  let plain: Evaluator | undefined;
  const baseEvaluator = () => (plain ??= model === setup.base ? evaluator : makeEvaluator(setup.base, setup.all, setup.selected));
  const violations = [];
  for (const c of candidates) {
    const property = setup.selected[c.property]!;
    const p = c.level < 0 ? [] : await path(c.level, c.rank);
    if (c.choice >= 0) p.push(c.choice);
    violations.push(reducer?.canon ? realViolation(reducer, evaluator, { property, path: p, message: property.doc }) : violationAlong(setup.base, baseEvaluator(), property, p, c.choice >= 0));
  }
  const redisBytes = await usedMemory(client);
  const beats = await readBeats(client, keys);
  // Everything the result is built from has been read: it stands only if nothing was lost.
  await whole(client, keys);
  const outcome: SearchOutcome = {
    states,
    transitions: Number(stats.transitions ?? 0),
    diameter: Number(ph.diameter ?? 0),
    timeMs: performance.now() - t0,
    peakRss: residentBytes(),
    violations,
    stoppedBy,
  };
  if (evaluator.coverage) {
    const cov = await client.hgetall(keys.coverage);
    outcome.coverage = {
      fired: setup.base.allActions.map((_, i) => Number(cov[`f${i}`] ?? 0)),
      reached: Object.keys(cov).filter((k) => k.startsWith('r')).map((k) => k.slice(1)),
      exercised: setup.selected.map((_, i) => cov[`e${i}`] === '1'),
    };
  }
  const result = resultOf(setup.base, setup.selected, outcome, {
    bytesPerState: states > 0 ? redisBytes / states : 0,
    workers: beats.length,
    reductions: reducer ? reportWithoutPor(reducer, violations.map((v) => v.property.name), o.first === true) : undefined,
  });
  const kept = stoppedBy === 'interrupted' || stoppedBy === 'max-time' || stoppedBy === 'max-states';
  if (!kept) {
    await discardRun(client, id);
    await client.srem(RUNS_KEY, id);
  }
  return { result, id, kept, redisBytes, workersSeen: beats.length };
}

/** Stop (exit 3) when the run's data on Redis is not whole (integrity.ts): no verdict from damaged data. */
async function whole(client: Client, keys: RunKeys): Promise<void> {
  const why = await damage(client, keys);
  if (why) throw new RunDamaged(`run ${keys.id} lost data: ${why}; nothing it found stands; the same command starts it over (deleting what is left of it)`);
}

/** Settle depth L (see the header): returns its number of states and of chunks. */
async function settle(client: Client, keys: RunKeys, width: number, L: number): Promise<{ size: number; chunks: number }> {
  const stream = keys.stream(L);
  // (The parent links are written with SETRANGE at their ranks' places: a settle redone after a
  // coordinator died in it writes the same bytes again.)
  await client.del(stream, keys.done(L));
  await client.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
  const S = keys.shards;
  const windowSize = Math.min(WINDOW, keys.segment);
  // Per shard: the current page of [member, score, member, score...] and the position in it.
  const pages: Buffer[][] = Array.from({ length: S }, () => []);
  const at = new Array<number>(S).fill(0);
  const offset = new Array<number>(S).fill(0);
  const fill = async (s: number) => {
    pages[s] = await client.zrangeBuffer(keys.level(s, L), offset[s]!, offset[s]! + PAGE - 1, 'WITHSCORES');
    offset[s]! += pages[s]!.length / 2;
    at[s] = 0;
  };
  await Promise.all(Array.from({ length: S }, (_, s) => fill(s)));
  let size = 0;
  let chunks = 0;
  let chunkRanks: number[] = [];
  let chunkStates: Buffer[] = [];
  const flushChunk = async () => {
    if (chunkRanks.length === 0) return;
    await client.xadd(stream, '*', 'chunk', String(chunks), 'states', packChunk(width, chunkRanks, chunkStates));
    chunks++;
    chunkRanks = [];
    chunkStates = [];
  };
  for (;;) {
    // The next window of states in key order.
    const window: { shard: number; fp: Buffer; key: number }[] = [];
    while (window.length < windowSize) {
      let best = -1;
      let bestKey = Infinity;
      for (let s = 0; s < S; s++) {
        if (at[s]! >= pages[s]!.length) continue;
        const k = Number(pages[s]![at[s]! + 1]!.toString());
        if (k < bestKey) {
          bestKey = k;
          best = s;
        }
      }
      if (best < 0) break;
      window.push({ shard: best, fp: pages[best]![at[best]!]!, key: bestKey });
      at[best]! += 2;
      if (at[best]! >= pages[best]!.length && pages[best]!.length === PAGE * 2) await fill(best);
    }
    if (window.length === 0) break;
    // Their states, one HMGET per shard.
    const byShard = new Map<number, number[]>();
    window.forEach((w, i) => byShard.set(w.shard, [...(byShard.get(w.shard) ?? []), i]));
    const stored: Buffer[] = new Array(window.length);
    await Promise.all(
      [...byShard].map(async ([s, idx]) => {
        const got = await client.hmgetBuffer(keys.states(s, L), ...idx.map((i) => window[i]!.fp));
        idx.forEach((i, k) => {
          const b = got[k];
          if (!b) throw new RedisLost(`run ${keys.id}: a state of depth ${L} is missing from shard ${s}`);
          stored[i] = b;
        });
      }),
    );
    const ranks = Buffer.alloc(window.length * 8);
    for (let i = 0; i < window.length; i++) {
      ranks.writeDoubleLE(window[i]!.key, i * 8);
      if (stored[i]![0] === 0) {
        chunkRanks.push(size + i);
        chunkStates.push(stored[i]!);
        if (chunkRanks.length === CHUNK) await flushChunk();
      }
    }
    // A window lies in one segment: windows start at multiples of the window size, which divides the segment's.
    await client.setrange(keys.ranks(L, Math.floor(size / keys.segment)), (size % keys.segment) * 8, ranks);
    size += window.length;
  }
  await flushChunk();
  return { size, chunks };
}

async function readBeats(client: Client, keys: RunKeys): Promise<WorkerBeat[]> {
  const h = await client.hgetall(keys.workers);
  const now = Date.now();
  return Object.entries(h)
    .map(([name, v]) => {
      const b = JSON.parse(v) as Omit<WorkerBeat, 'name' | 'ageMs'> & { at: number };
      return { name, level: b.level, chunks: b.chunks, states: b.states, transitions: b.transitions, rss: b.rss, ageMs: now - b.at };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** used_memory summed over the masters. */
export async function usedMemory(client: Client): Promise<number> {
  let sum = 0;
  for (const m of masters(client)) {
    const info = await m.info('memory');
    sum += Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
  }
  return sum;
}
