// A distributed worker: joins a run on Redis (from any machine), checks that it runs the very
// model, variant, parameters, properties and kmc version of the run, then expands chunks of the
// frontier until the run is over. It never imports the coordinator (coordinator.ts).
//
// Per chunk of depth L (read from the level's stream through the consumer group, or claimed
// with XAUTOCLAIM from a worker that held it longer than the run's claim timeout):
//   expand each state (the engine's Expander: deadlock, step properties, assertions, successors,
//     and the reducer for symmetry and the preemption bound) with edge keys rank*K + choice;
//   offer the successors, shard by shard, in batches to the INSERT script (scripts.ts);
//   evaluate the invariants of the successors that are states of depth L+1 (new, or already
//     there: any edge reaching a violating state is a candidate; the smallest is its parent's);
//   FINISH: the chunk's transitions and candidates, once (its done marker); XACK.
// Why expanding a chunk twice keeps every count exact is said in scripts.ts.

import { hostname } from 'node:os';
import { ExhaustiveChooser } from '../engine/chooser.js';
import { Expander, type ExpandHandlers } from '../engine/expand.js';
import { residentBytes } from '../engine/limits.js';
import { HALTED_MARK } from '../engine/search.js';
import type { ModelDef } from '../model/types.js';
import type { CompiledAction } from '../model/compile.js';
import type { Property } from '../property/types.js';
import { hashHi, hashLo } from '../util/hash.js';
import { fingerprintKey, packState, unpackChunk } from './chunk.js';
import { isConnectionError, script, sleep, type Client } from './connection.js';
import { identityMismatch } from '../engine/run-identity.js';
import { sourceDigest } from '../util/source-digest.js';
import { isShardLost } from './integrity.js';
import { GROUP, RUNS_KEY, RunKeys } from './keys.js';
import { identityOf, parseMeta, setupRun, type RunMeta, type RunSetup } from './run.js';

/** Successors per INSERT script call (one shard's). */
const BATCH = 512;
const IDLE_MS = 5;
const HEARTBEAT_MS = 1000;

export interface WorkerOptions {
  client: Client;
  /** The run to join (its id); absent: the only run in progress, waiting for one to start. */
  run?: string | undefined;
  /** This worker's name in the consumer group and in progress lines. */
  name?: string | undefined;
  /**
   * Load the model a run names (the CLI's loader: bundled by name, or a file, possibly --model's),
   * with the file hashed into its identity (the model file, or a bundled model's registry).
   */
  load(meta: RunMeta): Promise<{ def: ModelDef; properties: readonly Property[]; sourceFile: string }>;
  kmcVersion: string;
  /** Give up waiting for a run to join after this long (default: wait for ever). */
  waitMs?: number | undefined;
  log?: ((line: string) => void) | undefined;
  signal?: AbortSignal | undefined;
}

export type WorkerExit =
  | { code: 0; chunks: number; transitions: number; run: string; /** Why the run stopped early (it stays in Redis), if it did. */ stopped?: string }
  | { code: 2; message: string }
  | { code: 3; message: string };

/** Run a worker until its run is over: 0 done, 2 a mismatch (what differs), 3 Redis lost. */
export async function runWorker(o: WorkerOptions): Promise<WorkerExit> {
  try {
    return await work(o);
  } catch (e) {
    if (isShardLost(e)) return { code: 3, message: 'the run lost data on Redis (a shard of its visited set is gone: a node restarted without persistence?); nothing it found stands, and its coordinator stops it' };
    if (isConnectionError(e)) return { code: 3, message: `lost Redis: ${(e as Error).message}; the run stays in Redis and can be resumed` };
    throw e;
  }
}

async function findRun(o: WorkerOptions): Promise<string | undefined> {
  const start = Date.now();
  for (;;) {
    if (o.run) {
      if ((await o.client.exists(new RunKeys(o.run, 1).meta)) === 1) return o.run;
    } else {
      const runs = await o.client.smembers(RUNS_KEY);
      if (runs.length === 1) return runs[0]!;
      if (runs.length > 1) throw new RedisUsage(`${runs.length} runs in progress on this Redis (${runs.join(', ')}): name one with --run`);
    }
    if (o.signal?.aborted || (o.waitMs !== undefined && Date.now() - start > o.waitMs)) return undefined;
    await sleep(200);
  }
}

class RedisUsage extends Error {}

async function work(o: WorkerOptions): Promise<WorkerExit> {
  const { client } = o;
  let id: string | undefined;
  try {
    id = await findRun(o);
  } catch (e) {
    if (e instanceof RedisUsage) return { code: 2, message: e.message };
    throw e;
  }
  if (id === undefined) return { code: 2, message: o.run ? `no run ${o.run} on this Redis` : 'no run in progress on this Redis' };
  const meta = parseMeta(await client.hgetall(new RunKeys(id, 1).meta));
  if (!meta) return { code: 2, message: `run ${id} has no description on this Redis` };
  const keys = new RunKeys(id, meta.shards);
  const loaded = await o.load(meta);
  const refuse = (what: string): WorkerExit => ({ code: 2, message: `this worker does not run the model of run ${id}: ${what}` });
  const sides = { then: 'in the run', now: 'in this worker' };
  const run = meta.identity;
  // The model's name and source first: another model may not even have the run's variant.
  if (loaded.def.name !== run.model) return refuse(`the model differs: ${run.model} ${sides.then}, ${loaded.def.name} ${sides.now}`);
  const sha = sourceDigest(loaded.sourceFile);
  if (sha !== run.sourceSha256) return refuse(`the model file (source hash) differs: sha256 ${run.sourceSha256.slice(0, 12)}… ${sides.then}, ${sha.slice(0, 12)}… ${sides.now}`);
  let setup: RunSetup;
  try {
    setup = setupRun(loaded.def, loaded.properties, {
      variant: meta.variant,
      params: meta.params,
      property: meta.property,
      symmetry: run.search?.symmetry ?? false,
      preemptionBound: run.search?.preemptionBound ?? undefined,
    });
  } catch (e) {
    return refuse(`its model does not build with the run's variant, parameters and properties: ${(e as Error).message}`);
  }
  const mine = identityOf(setup, loaded.sourceFile, o.kmcVersion, { preemptionBound: run.search?.preemptionBound ?? null, maxDepth: run.search?.maxDepth ?? null, first: run.search?.first ?? false });
  const differs = identityMismatch(run, mine, sides);
  if (differs) return refuse(differs);

  const name = o.name ?? `${hostname()}:${process.pid}`;
  o.log?.(`kmc worker ${name}: joined run ${id} (${meta.identity.model}${meta.identity.variant ? ` / ${meta.identity.variant}` : ''})`);
  const w = new ChunkWorker(client, keys, setup, meta, name);
  let lastBeat = 0;
  for (;;) {
    if (o.signal?.aborted) return { code: 3, message: 'interrupted' };
    if (Date.now() - lastBeat >= HEARTBEAT_MS) {
      lastBeat = Date.now();
      await w.heartbeat();
    }
    const phase = await client.hgetall(keys.phase);
    if (phase.stage === undefined) {
      // The coordinator deleted the run: it is over.
      return { code: 0, chunks: w.chunks, transitions: w.transitions, run: id };
    }
    if (phase.stage === 'done' || phase.stop) {
      await w.heartbeat();
      return { code: 0, chunks: w.chunks, transitions: w.transitions, run: id, ...(phase.stop ? { stopped: phase.stop } : {}) };
    }
    if (phase.stage !== 'expand') {
      await sleep(IDLE_MS);
      continue;
    }
    const level = Number(phase.level);
    if (!(await w.next(level))) await sleep(IDLE_MS);
  }
}

type StreamEntry = [id: Buffer, fields: Buffer[]];

class ChunkWorker {
  chunks = 0;
  transitions = 0;
  private states = 0;
  private level = -1;
  private readonly expander: Expander<CompiledAction>;
  private readonly state: Int32Array;
  private readonly propIndex: Map<Property, number>;
  /** The successors of the chunk being expanded. */
  private succ: { fp: Buffer; key: number; state: Int32Array; halted: boolean; choice: number; rank: number }[] = [];
  private cands = new Map<number, number[]>();
  private depth = 0;
  private rank = 0;
  private depthCut = false;
  private readonly handlers: ExpandHandlers;

  constructor(
    private readonly client: Client,
    private readonly keys: RunKeys,
    private readonly setup: RunSetup,
    private readonly meta: RunMeta,
    private readonly name: string,
  ) {
    this.expander = new Expander(setup.model, setup.evaluator, new ExhaustiveChooser(), setup.reducer);
    this.state = new Int32Array(setup.model.width);
    this.propIndex = new Map(setup.selected.map((p, i) => [p, i] as const));
    const K = setup.K;
    this.handlers = {
      successor: (s, choice, halted) => {
        // Halted (BUG_ON) states are marked in the fingerprint, as in the sequential search.
        const h = hashHi(s);
        const hi = halted ? (h ^ HALTED_MARK) >>> 0 : h;
        this.succ.push({ fp: fingerprintKey(hi, hashLo(s)), key: this.rank * K + choice, state: s.slice(), halted, choice, rank: this.rank });
      },
      violation: (p, choice) => {
        this.candidate(this.propIndex.get(p)!, choice < 0 ? this.depth : this.depth + 1, this.depth, this.rank, choice, p.kind === 'assertion' ? 1 : 0);
      },
    };
  }

  /** Keep the earlier of two candidates of one property (the order of parallel/level-search.ts's comesBefore). */
  private candidate(property: number, length: number, level: number, rank: number, choice: number, order: number): void {
    const c = [length, level, rank, choice, order];
    const b = this.cands.get(property);
    if (b === undefined || before(c, b)) this.cands.set(property, c);
  }

  async heartbeat(): Promise<void> {
    const beat = { level: this.level, chunks: this.chunks, states: this.states, transitions: this.transitions, rss: residentBytes(), at: Date.now() };
    await script(this.client, 'kmcBeat', [this.keys.phase, this.keys.workers], [this.name, JSON.stringify(beat)]);
  }

  /** Expand one chunk of depth `level` if there is one to take; false when none is. */
  async next(level: number): Promise<boolean> {
    this.level = level;
    const stream = this.keys.stream(level);
    const read = (await this.client.xreadgroupBuffer('GROUP', GROUP, this.name, 'COUNT', 1, 'STREAMS', stream, '>').catch(noGroup)) as [Buffer, StreamEntry[]][] | null;
    let entry: StreamEntry | undefined = read?.[0]?.[1]?.[0];
    if (!entry) {
      // Nothing new: take over a chunk another worker has held too long (it died, or is stuck).
      const claimed = (await xautoclaimBuffer(this.client, stream, this.name, this.meta.claimAfterMs).catch(noGroup)) as [Buffer, StreamEntry[]] | null;
      entry = claimed?.[1]?.[0];
    }
    if (!entry) return false;
    await this.expandChunk(level, entry);
    await this.client.xack(stream, GROUP, entry[0]);
    return true;
  }

  private async expandChunk(level: number, [, fields]: StreamEntry): Promise<void> {
    const f = new Map<string, Buffer>();
    for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!.toString(), fields[i + 1]!);
    const chunkId = f.get('chunk')!.toString();
    // Finished already (by whoever held it before): nothing to add.
    if ((await this.client.hexists(this.keys.done(level), chunkId)) === 1) return;
    const { model, evaluator } = this.setup;
    const chunk = unpackChunk(f.get('states')!, model.width);
    this.succ = [];
    this.cands = new Map();
    this.depthCut = false;
    this.depth = level;
    const before = this.expander.transitions;
    evaluator.coverage?.reset();
    for (let i = 0; i < chunk.count; i++) {
      this.rank = chunk.rank(i);
      chunk.state(i, this.state);
      if (this.expander.expand(this.state, level, this.meta.identity.search?.maxDepth ?? Infinity, this.handlers) < 0) this.depthCut = true;
    }
    const transitions = this.expander.transitions - before;

    // Offer the successors to their shards, batch by batch, all batches in one pipeline.
    const S = this.meta.shards;
    const byShard: number[][] = Array.from({ length: S }, () => []);
    for (let i = 0; i < this.succ.length; i++) byShard[this.succ[i]!.fp.readUInt32BE(4) % S]!.push(i);
    // (separate calls: ioredis pipelines them per node by itself, enableAutoPipelining in connection.ts)
    const calls: Promise<unknown>[] = [];
    const batches: number[][] = [];
    for (let s = 0; s < S; s++) {
      const mine = byShard[s]!;
      for (let b = 0; b < mine.length; b += BATCH) {
        const part = mine.slice(b, b + BATCH);
        const args: (Buffer | string)[] = [];
        for (const i of part) {
          const x = this.succ[i]!;
          args.push(x.fp, String(x.key), packState(x.state, x.halted));
        }
        calls.push(script(this.client, 'kmcInsert', [this.keys.seen(s), this.keys.level(s, level + 1), this.keys.states(s, level + 1), this.keys.count(s), this.keys.mark(s)], args));
        batches.push(part);
      }
    }
    const replies = await Promise.all(calls);
    for (let b = 0; b < batches.length; b++) {
      const part = batches[b]!;
      const fl = replies[b] as number[];
      for (let k = 0; k < part.length; k++) {
        const x = this.succ[part[k]!]!;
        if (fl[k] === 1) this.states++;
        if (fl[k] === 0) continue;
        // A state of depth L+1: its invariants (the candidate with this edge; the state's own,
        // smallest, edge gives the earliest of them, as in the sequential search).
        const violated = evaluator.invariants(x.state);
        for (const p of violated) this.candidate(this.propIndex.get(p)!, level + 1, level, x.rank, x.choice, 2);
      }
    }
    // This chunk's coverage (counted with its transitions, once).
    const cov = evaluator.coverage ? JSON.stringify(evaluator.coverage.counts(this.setup.selected)) : '';
    const cargs: (string | number)[] = [level, chunkId, transitions, this.depthCut ? 1 : 0, this.name, cov];
    for (const [p, c] of this.cands) cargs.push(p, ...c);
    await script(this.client, 'kmcFinish', [this.keys.phase, this.keys.done(level), this.keys.stats, this.keys.best, this.keys.coverage], cargs);
    this.chunks++;
    this.transitions += transitions;
    this.succ = [];
  }
}

function before(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/** The level's stream may be gone (the coordinator moved on and deleted it): nothing to read. */
function noGroup(e: unknown): null {
  if (e instanceof Error && /NOGROUP|no such key/i.test(e.message)) return null;
  throw e;
}

/**
 * XAUTOCLAIM with binary replies. ioredis defines xautoclaimBuffer at run time but not in its
 * types, and its callBuffer('XAUTOCLAIM', ...) loses the command name under auto-pipelining.
 */
function xautoclaimBuffer(c: Client, stream: string, consumer: string, minIdleMs: number): Promise<unknown> {
  const f = (c as unknown as { xautoclaimBuffer: (...a: (string | number)[]) => Promise<unknown> }).xautoclaimBuffer;
  return f.call(c, stream, GROUP, consumer, minIdleMs, '0-0', 'COUNT', 1);
}
