// What the orchestrator (pool.ts, main thread) and the workers (worker.ts) exchange: the task a
// worker runs and the report it returns. Plain, structured-clonable data only: functions (the
// model, its properties) never cross threads; each worker imports the model module itself.

import type { GraphPart } from './graph-part.js';
import type { MessagePort } from 'node:worker_threads';
import type { CheckResult } from '../engine/result.js';
import type { CoverageCounts } from '../engine/coverage.js';
import type { Limits } from '../engine/limits.js';
import type { CheckpointConfig } from '../engine/checkpoint/session.js';
import type { ModelSource } from '../property/load-model.js';
import type { ParamValues } from '../model/types.js';
import type { GeneratedCode } from '../model/straight.js';
import type { SwarmBase, SwarmMemberReport } from '../random/swarm.js';

/** Where a worker finds the model (the one loader's type: src/property/load-model.ts). */
export type { ModelSource };

/**
 * How workers deduplicate states without a global lock (both measured in bench/README.md).
 *  - partitioned: each state has an owner (by fingerprint); successors are sent to their owner,
 *    which keeps them in a private visited set. The default for one worker.
 *  - shared-table: one lock-free fingerprint table in a growable SharedArrayBuffer, inserted
 *    into with compare-and-swap, grown at level ends. The default for several workers.
 */
export type DedupKind = 'partitioned' | 'shared-table';

/** The state-space reductions of a run (src/engine/reduction). */
export interface SequentialReductions {
  /** Partial-order reduction: the sequential search only. */
  por?: boolean | undefined;
  symmetry?: boolean | undefined;
  preemptionBound?: number | undefined;
  /** With POR: re-search without it to make counterexamples shortest (sequential only). */
  shortest?: boolean | undefined;
  /** Recipes run under immer's produce (CompileOptions.reference; kmc check --reference): in the plan, and so in every task. */
  reference?: boolean | undefined;
}

/**
 * A worker's limits (src/engine/limits.ts). The level search reads maxStates, maxDepth, maxMemory
 * and `first` (stop at the end of the first level with a violation); its time is watched by the
 * orchestrator. The sequential search reads them all.
 */
export type WorkerLimits = Limits;

/** What every task says: which model, variant, parameters and properties, the limits and the control block. */
interface TaskCommon {
  /** This worker's index, 0..workers-1 (worker 0 also does the per-level bookkeeping). */
  index: number;
  workers: number;
  source: ModelSource;
  /** What is checked, as the orchestrator's plan says (pool.ts planFor): the worker compiles the model so. */
  variant: string;
  params: ParamValues;
  /** Step semantics: recipes under immer's produce (CompileOptions.reference; kmc check --reference). */
  reference: boolean;
  /** The step code the orchestrator generated for this model (straight.ts generatedFor): the worker seeds its cache with it before it compiles. */
  generated?: GeneratedCode | undefined;
  /** The selected properties, by name. */
  property: readonly string[];
  /** Names of all the model's properties as the orchestrator loaded them (a consistency check). */
  propertyNames: readonly string[];
  limits: WorkerLimits;
  /** The stop flag and progress board shared with the orchestrator (control.ts). */
  control: SharedArrayBuffer;
  board: SharedArrayBuffer;
}

/** A worker's sealed share of a level's frontier (frontier.ts): `count` entries in these chunks. */
export interface FrontierShare {
  level: number;
  count: number;
  chunks: SharedArrayBuffer[];
}

/** What one worker had done when it arrived at the end of a level (the level's second barrier). */
export interface LevelBoundary {
  /** The depth whose states were all stored and sealed. */
  level: number;
  /** This worker's stored states then (its Dedup's size). */
  stored: number;
  transitions: number;
  diameter: number;
  depthCut: boolean;
  coverage?: CoverageCounts | undefined;
}

/**
 * One worker's part of a level-boundary checkpoint (src/parallel/checkpoint.ts assembles the
 * parts): its last two boundaries (a run stopped at the end of a level may have reached the
 * newer one in some workers only, and the checkpoint is of the boundary every worker reached),
 * every candidate it recorded (those of the boundary are the ones of lower levels), the
 * fingerprints it stores (partitioned: the first `stored` of them are a boundary's; the shared
 * table is read by the orchestrator itself) and its sealed frontier shares of those levels.
 */
export interface LevelCheckpointPart {
  index: number;
  boundaries: LevelBoundary[];
  candidates: Candidate[];
  fingerprints?: Uint32Array | undefined;
  shares: FrontierShare[];
}

/** Where a resumed level search starts: expanding depth `level`, whose states every worker has. */
export interface LevelResume {
  level: number;
  /** The run had already ended (--first, a violation saved): every worker stops at once, as it did. */
  finished?: boolean | undefined;
  /** The states of depths 0..level this worker stores (partitioned: their fingerprints; the shared table was filled by the orchestrator). */
  stored: number;
  fingerprints?: Uint32Array | undefined;
  /** This worker's share of the frontier of depth `level`: entries of frontier.ts (edge key, state). */
  frontier: Int32Array;
  /** Worker 0 only: what the run had found and counted (added to its own). */
  candidates?: Candidate[] | undefined;
  transitions?: number | undefined;
  diameter?: number | undefined;
  depthCut?: boolean | undefined;
  coverage?: CoverageCounts | undefined;
}

/** A checkpointed level search: every worker sends its part at a saved boundary and waits until it is written. */
export interface LevelCheckpointTask {
  /** Milliseconds between two saves (worker 0 decides at level ends). */
  everyMs: number;
  /** Or every this many levels (tests). */
  everyLevels?: number | undefined;
  /** Save at the first level end (a new run, not a resumed one). */
  saveFirst: boolean;
  /** Return a part also when the search ends (a liveness search follows, and the safety search is saved first). */
  saveAtEnd: boolean;
  /** To the orchestrator: this worker's parts. */
  port: MessagePort;
}

/** This worker's share of the level-synchronous search (symmetry and the preemption bound only). */
export interface LevelTask extends TaskCommon {
  mode: 'level';
  checkpoint?: LevelCheckpointTask | undefined;
  resume?: LevelResume | undefined;
  reductions?: Pick<SequentialReductions, 'symmetry' | 'preemptionBound'> | undefined;
  dedup: DedupKind;
  ranks: SharedArrayBuffer;
  levels: SharedArrayBuffer;
  /** shared-table only. */
  table?: SharedArrayBuffer | undefined;
  /**
   * shared-table only, 0 for none: a level of fewer states than this is expanded by worker 0
   * alone while the others are parked (level-search.ts); the run starts so when above 1.
   */
  soloBelow: number;
  /** partitioned only: ports[j] is the channel to worker j (null for this worker itself). */
  ports: (MessagePort | null)[];
  /**
   * shared-table only, unreduced, not resumed: record this worker's part of the state graph
   * (graph-part.ts) for the liveness properties among `property`, which are then not searched
   * for (the safety ones are; the orchestrator analyses the joined graph).
   */
  graph?: boolean | undefined;
}

/**
 * The engine's check() (the only search that does partial-order reduction) in this one worker,
 * so that the main thread stays free for progress and Ctrl-C.
 */
export interface SequentialTask extends TaskCommon {
  mode: 'sequential';
  reductions?: SequentialReductions | undefined;
  /** Save the search now and then, or go on from a checkpoint (src/engine/checkpoint). */
  checkpoint?: CheckpointConfig | undefined;
}

/** Members of a swarm random search (src/random/swarm.ts), run one after the other by this worker. */
export interface SwarmTask extends TaskCommon {
  mode: 'swarm';
  swarm: SwarmBase;
  members: number[];
}

export type WorkerTask = LevelTask | SequentialTask | SwarmTask;

/**
 * A violation as a position in the level-synchronous search: found while expanding the state of
 * rank `rank` at depth `level` (level -1: the initial state itself), by its enabled action
 * `choice` (-1: the state itself, a deadlock). `length` is the length of the path to it.
 */
export interface Candidate {
  /** Index of the property among the selected ones. */
  property: number;
  length: number;
  level: number;
  rank: number;
  choice: number;
  /** Within one action: step properties (0) are checked before assertions (1), before invariants of the successor (2). */
  order: number;
}

export interface WorkerError {
  message: string;
  /** Set when a model step threw (StepError): what the report must name. */
  step?: { model: string; thread: string; label: string; state: unknown };
}

export interface WorkerReport {
  index: number;
  states: number;
  transitions: number;
  diameter: number;
  depthCut: boolean;
  peakRss: number;
  /** Bytes of this worker's part of the visited set. */
  storeBytes: number;
  /** Epoch milliseconds when the search started and ended in this worker. */
  searchStart: number;
  searchEnd: number;
  /** Milliseconds spent at level ends: the last exchanges and the barriers (waiting for slower workers). */
  waitMs: number;
  /** Times parked, and milliseconds parked, while the lead expanded small levels alone (level-search.ts). */
  parks: number;
  parkedMs: number;
  /** This worker was the lead: the one that expands small levels alone (control.ts; worker 0 unless the run started alone). */
  lead?: boolean;
  candidates: Candidate[];
  /** What this worker's part of the search saw (steps run, properties exercised), to be added up. */
  coverage?: CoverageCounts;
  /** Step bodies this task generated, and those it took from the orchestrator's code instead (TaskCommon.generated). */
  straight?: { generated: number; seeded: number };
  error?: WorkerError;
  /** sequential only: the whole result, as check() returned it. */
  result?: CheckResult;
  /** level, checkpointed: this worker's part of the checkpoint of the run's last boundary. */
  checkpointPart?: LevelCheckpointPart | undefined;
  /** level, recording the graph, when the search was not stopped: this worker's part of it. */
  graph?: GraphPart | undefined;
  /** swarm only: the members' reports. */
  swarm?: SwarmMemberReport[];
}
