// The orchestrator: runs one check on a piscina pool of N workers and turns their reports into
// the same CheckResult the sequential check() returns (stats.workers = N). The main thread
// does no searching: it owns the shared control block, watches time, memory and the interrupt
// signal, samples progress once a second, and at the end rebuilds each counterexample from the
// level ranks and words its message by replaying the path through the engine's Expander.

import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { propertiesOf, toResult, type CheckOptions } from '../engine/check.js';
import { ReplayChooser } from '../engine/chooser.js';
import { makeEvaluator, selectProperties, type Evaluator } from '../engine/evaluate.js';
import { Expander } from '../engine/expand.js';
import type { CheckResult, StopReason } from '../engine/result.js';
import type { FoundViolation, Progress, SearchOutcome } from '../engine/search.js';
import { compileModel, StepError, type BlockedThread, type CompiledModel } from '../model/compile.js';
import type { ModelDef } from '../model/types.js';
import type { Property, PropertySet } from '../property/types.js';
import { ModelError } from '../util/errors.js';
import { B, Control, STOP } from './control.js';
import { comesBefore, maxBranching } from './level-search.js';
import { workerEntry } from './paths.js';
import type { Candidate, DedupKind, ModelSource, WorkerReport, WorkerTask } from './protocol.js';
import { LevelRanks } from './ranks.js';
import { sharedTable } from './shared-table.js';

export interface ParallelTarget {
  /** The model and its properties, as loaded in this thread (to compile it and name its properties). */
  model: ModelDef;
  properties: PropertySet | readonly Property[];
  /** Where the workers load the same model from. */
  source: ModelSource;
}

export interface ParallelProgress extends Progress {
  workers: number;
}

export interface ParallelCheckOptions extends Omit<CheckOptions, 'interrupted' | 'onProgress'> {
  /** Aborting it stops every worker; the result is marked incomplete ('interrupted'). */
  signal?: AbortSignal | undefined;
  onProgress?: ((p: ParallelProgress) => void) | undefined;
  /** How often onProgress is called (default 1000 ms). */
  progressIntervalMs?: number | undefined;
  dedup?: DedupKind | undefined;
  /** shared-table only: the table's capacity in states (default 2^22). */
  tableSlots?: number | undefined;
}

const STOP_REASON: Record<number, StopReason> = {
  [STOP.interrupted]: 'interrupted',
  [STOP.maxStates]: 'max-states',
  [STOP.maxTime]: 'max-time',
  [STOP.maxMemory]: 'max-memory',
};

const MEMORY_CHECK_MS = 250;

/** A pool of N worker threads that runs parallel checks, one at a time. */
export class ParallelChecker {
  private readonly pool: Piscina<WorkerTask, WorkerReport>;
  private busy = false;

  constructor(readonly workers: number) {
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, not ${workers}`);
    const entry = workerEntry();
    this.pool = new Piscina<WorkerTask, WorkerReport>({
      filename: entry.filename,
      workerData: entry.workerData,
      minThreads: workers,
      maxThreads: workers,
      concurrentTasksPerWorker: 1,
      idleTimeout: 2 ** 31 - 1,
    });
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }

  async check(target: ParallelTarget, options: ParallelCheckOptions = {}): Promise<CheckResult> {
    if (this.busy) throw new Error('ParallelChecker runs one check at a time');
    this.busy = true;
    try {
      return await this.run(target, options);
    } finally {
      this.busy = false;
    }
  }

  private async run(target: ParallelTarget, o: ParallelCheckOptions): Promise<CheckResult> {
    const def = target.model;
    let model: CompiledModel;
    try {
      model = compileModel(def, o);
    } catch (e) {
      if (e instanceof ModelError) return { status: 'error', run: { model: def.name, variant: o.variant ?? '', params: {} }, message: e.message };
      throw e;
    }
    const all = propertiesOf(target.properties as PropertySet | Property[]);
    const selected = selectProperties(all, o.property, def.name);
    const W = this.workers;
    const dedup = o.dedup ?? 'partitioned';

    const { control: controlBuf, board } = Control.allocate(W);
    const control = new Control(controlBuf, board, W);
    const rankBufs = LevelRanks.allocate();
    const table = dedup === 'shared-table' ? sharedTable(o.tableSlots ?? 1 << 22) : undefined;
    const ports: (MessagePort | null)[][] = Array.from({ length: W }, () => Array.from({ length: W }, () => null));
    if (dedup === 'partitioned')
      for (let i = 0; i < W; i++)
        for (let j = i + 1; j < W; j++) {
          const ch = new MessageChannel();
          ports[i]![j] = ch.port1;
          ports[j]![i] = ch.port2;
        }

    const start = performance.now();
    let peakRss = process.memoryUsage.rss();
    const maxMemory = o.maxMemory ?? Infinity;
    const timers: NodeJS.Timeout[] = [];
    timers.push(
      setInterval(() => {
        const rss = process.memoryUsage.rss();
        peakRss = Math.max(peakRss, rss);
        if (rss > maxMemory) control.stop(STOP.maxMemory);
      }, MEMORY_CHECK_MS),
    );
    if (o.maxTimeMs !== undefined && Number.isFinite(o.maxTimeMs)) timers.push(setTimeout(() => control.stop(STOP.maxTime), o.maxTimeMs));
    if (o.onProgress) {
      const onProgress = o.onProgress;
      timers.push(
        setInterval(() => {
          const rss = process.memoryUsage.rss();
          peakRss = Math.max(peakRss, rss);
          onProgress({
            states: control.sum(B.states),
            transitions: control.sum(B.transitions),
            queue: control.sum(B.queue),
            depth: control.max(B.depth),
            elapsedMs: performance.now() - start,
            rss,
            workers: W,
          });
        }, o.progressIntervalMs ?? 1000),
      );
    }
    const onAbort = () => control.stop(STOP.interrupted);
    if (o.signal?.aborted) onAbort();
    o.signal?.addEventListener('abort', onAbort);

    const base = {
      workers: W,
      source: target.source,
      variant: o.variant,
      params: o.params ?? {},
      property: o.property,
      propertyNames: all.map((p) => p.name),
      limits: { maxStates: o.maxStates, maxDepth: o.maxDepth, maxMemory: o.maxMemory, first: o.first === true },
      dedup,
      control: controlBuf,
      board,
      ranks: rankBufs.ranks,
      levels: rankBufs.levels,
      table,
    };
    let settled: PromiseSettledResult<WorkerReport>[];
    try {
      settled = await Promise.allSettled(
        Array.from({ length: W }, (_, index) => {
          const mine = ports[index]!;
          const task: WorkerTask = { ...base, index, ports: mine };
          // A worker that dies (not a model error: those come back in its report) must not leave the others waiting.
          return this.pool.run(task, { transferList: mine.filter((p): p is MessagePort => p !== null) }).catch((e: unknown) => {
            control.stop(STOP.error);
            throw e;
          });
        }),
      );
    } finally {
      for (const t of timers) clearInterval(t);
      o.signal?.removeEventListener('abort', onAbort);
    }

    const reports: WorkerReport[] = [];
    for (const [i, s] of settled.entries()) {
      if (s.status === 'rejected') {
        const e = s.reason as Error;
        return { status: 'error', run: runOf(model), message: `worker ${i} failed: ${e?.message ?? String(e)}` };
      }
      reports.push(s.value);
    }
    const failed = reports.find((r) => r.error);
    if (failed?.error) {
      const e = failed.error;
      const outcome = emptyOutcome();
      outcome.error = e.step ? new StepError(e.message, e.step.model, e.step.thread, e.step.label, e.step.state) : new ModelError(e.message);
      return toResult(model, selected, outcome, 0, W);
    }

    const ranks = new LevelRanks(rankBufs.ranks, rankBufs.levels, maxBranching(model));
    const states = reports.reduce((s, r) => s + r.states, 0);
    const code = control.stopCode;
    let candidates = bestPerProperty(reports.flatMap((r) => r.candidates));
    if (o.first && candidates.length > 0) {
      // The sequential search stops after the first expansion that shows a violation: keep
      // what that expansion found (the earliest position), as it would.
      const first = candidates[0]!;
      candidates = candidates.filter((c) => c.level === first.level && c.rank === first.rank);
    }
    let stoppedBy: StopReason | undefined = STOP_REASON[code];
    if (stoppedBy === undefined && reports.some((r) => r.depthCut)) stoppedBy = 'max-depth';
    if (stoppedBy === undefined && o.first && candidates.length > 0) stoppedBy = 'first-violation';
    const evaluator = makeEvaluator(model, all, selected);
    const outcome: SearchOutcome = {
      states,
      transitions: reports.reduce((s, r) => s + r.transitions, 0),
      diameter: reports.reduce((m, r) => Math.max(m, r.diameter), 0),
      timeMs: Math.max(...reports.map((r) => r.searchEnd)) - Math.min(...reports.map((r) => r.searchStart)),
      peakRss: Math.max(peakRss, ...reports.map((r) => r.peakRss)),
      violations: candidates.map((c) => violationOf(model, evaluator, selected[c.property]!, c, ranks)),
      stoppedBy,
    };
    const storeBytes = reports.reduce((s, r) => s + r.storeBytes, 0) + ranks.bytes();
    return toResult(model, selected, outcome, states > 0 ? storeBytes / states : 0, W);
  }
}

/** Run one check on a fresh pool of `workers` threads (default: one per core). */
export async function checkParallel(target: ParallelTarget, options: ParallelCheckOptions & { workers: number }): Promise<CheckResult> {
  const checker = new ParallelChecker(options.workers);
  try {
    return await checker.check(target, options);
  } finally {
    await checker.close();
  }
}

function runOf(model: CompiledModel) {
  return { model: model.name, variant: model.variant, params: { ...model.params } };
}

function emptyOutcome(): SearchOutcome {
  return { states: 0, transitions: 0, diameter: 0, timeMs: 0, peakRss: 0, violations: [], stoppedBy: undefined };
}

/** Each property's earliest candidate over all workers, in the order the sequential search finds them. */
function bestPerProperty(all: Candidate[]): Candidate[] {
  const best = new Map<number, Candidate>();
  for (const c of all) {
    const b = best.get(c.property);
    if (!b || comesBefore(c, b)) best.set(c.property, c);
  }
  return [...best.values()].sort((a, b) => (comesBefore(a, b) ? -1 : comesBefore(b, a) ? 1 : 0));
}

/**
 * The counterexample of a candidate: its path from the level ranks, and its message and blocked
 * threads as the Expander words them when it replays the last step (or the final state).
 */
function violationOf(model: CompiledModel, evaluator: Evaluator, property: Property, c: Candidate, ranks: LevelRanks): FoundViolation {
  const path = c.level < 0 ? [] : ranks.path(c.level, c.rank);
  if (c.choice >= 0) path.push(c.choice);
  const expander = new Expander(model, evaluator, new ReplayChooser(path));
  let state = model.init;
  let message: string | undefined;
  let blocked: BlockedThread[] | undefined;
  for (let depth = 0; depth <= path.length; depth++) {
    let after: Int32Array | undefined;
    const last = depth === path.length - 1;
    expander.expand(state, depth, Infinity, {
      successor: (s) => void (after = s.slice()),
      violation: (p, choice, msg, blk) => {
        if (p !== property || message !== undefined) return;
        // Step properties and assertions show on the last step; a deadlock in the final state.
        if ((last && choice === c.choice && c.choice >= 0) || (depth === path.length && choice < 0)) {
          message = msg();
          if (blk) blocked = blk();
        }
      },
    });
    if (depth === path.length || !after) break;
    state = after;
  }
  if (property.kind === 'invariant') message = evaluator.explain(property, state);
  const v: FoundViolation = { property, path, message: message ?? property.doc };
  if (blocked) v.blocked = blocked;
  return v;
}
