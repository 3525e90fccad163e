// Runs one check for the CLI: resolves its plan once (the model compiled, which the report needs
// too, and the properties selected), picks where it searches, and wires progress output and the
// interrupt. A check of one worker's plan searches on this thread first (ON_THREAD_STATES: a small
// model is done before a pool could start); otherwise, or when that search is larger, a search
// backend (src/parallel/backend.ts) on the worker pool, this thread free for progress and Ctrl-C.

import { isAbsolute } from 'node:path';
import { availableParallelism } from 'node:os';
import type { CompiledModel } from '../model/compile.js';
import { isPlan, planCheck } from '../engine/plan.js';
import { checkPlan } from '../engine/check.js';
import type { CheckResult } from '../engine/result.js';
import type { Progress } from '../engine/search.js';
import { limitsOf, type Limits } from '../engine/limits.js';
import type { ModelSource, ParallelChecker } from '../parallel/index.js';
import { defaultMaxMemory } from '../parallel/memory.js';
import { UsageError } from '../util/errors.js';
import type { Io } from './io.js';
import type { ModelEntry } from '../property/registry.js';
import { ProgressPrinter } from './progress.js';
import { checkDeterminism } from './determinism.js';
import { openStepCache } from './step-cache.js';
import { checkpointConfig, type CheckpointFlags } from './checkpoint.js';
import { displayPath } from '../util/display-path.js';
import { seconds } from '../util/format.js';
import { symmetryByDefault, withReductionNote as noted } from './symmetry-default.js';

/** The limits (maxMemory defaults to 80% of the machine's memory, defaultMaxMemory) and how to run. */
export interface RunCheckOptions extends Limits {
  variant?: string | undefined;
  params?: Record<string, string>;
  property?: string[];
  quiet?: boolean;
  /** Worker threads (default: one per core); ignored when `checker` is given. */
  workers?: number | undefined;
  /** A pool to reuse across checks (kmc check --all); otherwise one is made for this check. */
  checker?: ParallelChecker | undefined;
  progressIntervalMs?: number | undefined;
  /**
   * State-space reductions. Symmetry (default on) and the preemption bound run in the parallel
   * search; partial-order reduction (default off, README "Big state spaces") in one worker only.
   */
  por?: boolean | undefined;
  symmetry?: boolean | undefined;
  preemptionBound?: number | undefined;
  shortest?: boolean | undefined;
  /** Run every step's recipe under immer's produce (the reference semantics), in the sequential or the parallel search. */
  reference?: boolean | undefined;
  /** The module of the registry the entry comes from (ModelRegistry.module), for the worker threads. */
  registry?: string | undefined;
  /** --checkpoint DIR (and kmc resume): the search, sequential or parallel, saved now and then. */
  checkpoint?: CheckpointFlags | undefined;
  /**
   * A stop request the caller listens for (kmc check --all, one for all its runs side by side):
   * then this check does not listen to io.onInterrupt itself.
   */
  signal?: AbortSignal | undefined;
  /** The states a one-worker check searches on this thread before it goes to the pool (default ON_THREAD_STATES; 0: none). */
  onThreadStates?: number | undefined;
  io: Io;
}

export interface RunCheckOutcome {
  result: CheckResult;
  model: CompiledModel | undefined;
  /** Ctrl-C was pressed during this check. */
  interrupted: boolean;
}

const MAX_WORKERS = 256;

export function defaultWorkers(): number {
  return availableParallelism();
}

/** Where worker threads load an entry's model: the registry's module, or the user's file. */
export function modelSource(entry: ModelEntry, registry: string | undefined): ModelSource {
  if (isAbsolute(entry.source) || entry.source.startsWith('file:')) return { kind: 'file', module: entry.source };
  if (registry === undefined) throw new UsageError(`model ${entry.model.name} (${entry.source}) comes from a registry that worker threads cannot import`);
  return { kind: 'bundled', registry, source: entry.source };
}

/**
 * A check of one worker's plan (no --workers, or --workers 1) searches on this thread first, up
 * to this many states in each of its searches, and starts no pool at all when that is the whole
 * run: starting the pool's threads and loading the model into each costs more than the search of
 * a small model (the bundled models' smaller variants, 300-15,000 states: bench/startup.ts). A
 * larger run is searched again from the start on the pool; what this thread searched is the
 * price, a fraction of a second. Deterministic: which search ran depends on the state counts only.
 * A --por run, which the pool would give one worker too, searches here to its end.
 */
export const ON_THREAD_STATES = 20_000;

/** Whether a check may run on this thread (onThread): one worker's plan, no pool given, not checkpointed. */
function mayRunOnThread(o: RunCheckOptions): boolean {
  return o.onThreadStates !== 0 && !o.checker && !o.checkpoint && (o.workers === undefined || o.workers === 1);
}

/**
 * The pool's code (piscina and the parallel search), loaded when a check first needs a pool: a
 * check on this thread never does (about 0.03 s of CPU of start-up: bench/startup.ts).
 */
const parallel = () => import('../parallel/index.js');

export async function runCheck(entry: ModelEntry, o: RunCheckOptions): Promise<RunCheckOutcome> {
  // The pool's threads start now, so that they boot and import the search code while this thread
  // compiles the plan (start-up: bench/startup.ts). A pool size that is an error is left to be
  // reported where it always was, after the plan's own errors. Not for a check that searches on
  // this thread first: its pool, if it needs one, starts when it does.
  let early: ParallelChecker | undefined;
  if (!o.checker && !mayRunOnThread(o)) {
    const { ParallelChecker } = await parallel();
    try {
      early = new ParallelChecker(poolSize(o));
    } catch {
      early = undefined;
    }
  }
  try {
    return await runCheckOn(entry, o, early);
  } finally {
    await early?.close();
  }
}

async function runCheckOn(entry: ModelEntry, o: RunCheckOptions, early: ParallelChecker | undefined): Promise<RunCheckOutcome> {
  // The plan, once: the model compiled (the report needs it too), the properties selected. Usage
  // errors (bad variant, parameter or property) propagate; a model that fails to build is reported.
  const plan = planCheck(entry.model, entry.properties, { variant: o.variant, params: o.params ?? {}, property: o.property, reference: o.reference });
  if (!isPlan(plan)) return { result: plan, model: undefined, interrupted: false };
  // The step code generated for this model by an earlier run, and what this one adds, kept (src/cli/step-cache.ts).
  const steps = openStepCache(entry.source, plan.model);
  // A step that is not a function of its state is a broken model (exit 2), not a verdict.
  checkDeterminism(plan.model, { properties: plan.selected });

  // Symmetry is on by default in the CLI, partial-order reduction off (1.0-1.25× on the
  // bundled models: README, "Big state spaces"). Symmetry and the bound run in the parallel
  // search; partial-order reduction only in the sequential one, so it takes one worker, never
  // quietly: with --workers N > 1 it is refused (workersFor).
  const por = o.por === true;
  const { symmetry, note: symmetryNote } = symmetryByDefault(o.symmetry !== false, plan.model, plan.selected);
  const reduced = por || symmetry || o.preemptionBound !== undefined;
  // Either search is checkpointed (the sequential one between two expansions, the parallel one
  // at level ends); a resumed run continues in the search its checkpoint holds, the parallel one
  // with any number of workers.
  if (o.checkpoint && por) throw new UsageError('--checkpoint does not go with --por: partial-order reduction restarts its passes, which a checkpoint cannot resume');
  const kind = o.checkpoint?.kind;
  if (kind === 'sequential' && o.workers !== undefined && o.workers > 1)
    throw new UsageError(`--workers ${o.workers}: this checkpoint holds the sequential search, which goes on in one worker (a run checkpointed with --workers 2 or more resumes with any number)`);
  if (por && o.workers !== undefined && o.workers > 1) throw new UsageError(porWorkersError(o.workers));
  // The pool and the backend on it: now, or, for a check that searches on this thread first,
  // only once that search turns out too large.
  const onThread = mayRunOnThread(o);
  let created: ParallelChecker | undefined;
  const onPool = async () => {
    const { ParallelChecker, backendFor, parallelBackend, sequentialBackend } = await parallel();
    const checker = o.checker ?? early ?? (created = new ParallelChecker(poolSize(o)));
    if (por && checker.workers > 1) throw new UsageError(porWorkersError(checker.workers));
    // --reference is in the plan: the model each worker compiles applies steps under produce, in either search.
    const backend = kind === 'sequential' ? sequentialBackend(checker) : kind === 'level' ? parallelBackend(checker) : backendFor(checker, { por });
    return { checker, backend };
  };
  let pool = onThread ? undefined : await onPool();
  const checkpoint = o.checkpoint
    ? checkpointConfig(o.checkpoint, entry, o.registry, plan, {
        model: isAbsolute(entry.source) || entry.source.startsWith('file:') ? entry.source : entry.model.name,
        variant: plan.model.variant,
        params: o.params ?? {},
        property: o.property ?? [],
        maxStates: o.maxStates,
        maxDepth: o.maxDepth,
        first: o.first,
        // What was asked (kmc resume derives the same search from it: symmetryByDefault).
        symmetry: o.symmetry !== false,
        preemptionBound: o.preemptionBound,
        reference: o.reference,
        checkpointEveryMs: o.checkpoint.everyMs,
        workers: pool!.checker.workers,
      })
    : undefined;
  const printer = o.quiet ? undefined : new ProgressPrinter(o.io);
  if (o.checkpoint && !o.quiet)
    o.io.err(
      `kmc: checkpointing to ${displayPath(o.checkpoint.dir)} every ${o.checkpoint.everyMs % 60_000 === 0 ? `${o.checkpoint.everyMs / 60_000}m` : seconds(o.checkpoint.everyMs)} (${pool!.backend.kind === 'sequential' ? 'the sequential search, one worker' : `the parallel search, ${pool!.backend.workers} worker${pool!.backend.workers === 1 ? '' : 's'}, at the end of a level`}; a liveness search after it is not checkpointed, the safety search is saved before it)`,
    );
  if (o.reference === true && !o.quiet) o.io.err(`kmc: --reference: every step's recipe runs under immer's produce on the plain state`);
  const own = o.signal === undefined ? new AbortController() : undefined;
  const signal = o.signal ?? own!.signal;
  const stopListening = own && stopOnInterrupt(o.io, printer, own);
  try {
    const reductions = reduced ? { por, symmetry, preemptionBound: o.preemptionBound, shortest: o.shortest } : {};
    let maxTimeMs = o.maxTimeMs;
    if (onThread) {
      const t0 = performance.now();
      const most = o.onThreadStates ?? ON_THREAD_STATES;
      // Partial-order reduction searches in one worker wherever it runs: on the pool that worker
      // would start the same search again from nothing in a new thread (its model compiled and
      // its code JIT-compiled once more, the 20,000-state prefix that seeds the footprints
      // searched twice), so a reduced run goes on here to its end (bench/README.md, "spin").
      const cap = por || (o.maxStates !== undefined && o.maxStates <= most) ? undefined : most;
      const result = checkPlan(plan, {
        ...limitsOf(o),
        ...(cap !== undefined ? { maxStates: cap } : {}),
        maxMemory: o.maxMemory ?? defaultMaxMemory(),
        ...reductions,
        // A stop request (Ctrl-C, SIGTERM, a limit) reaches this thread's handler between states.
        interrupted: () => (o.io.pollInterrupt?.(), signal.aborted),
        onProgress: printer || o.io.progress ? (p: Progress) => (printer?.update({ ...p, workers: 1 }), o.io.progress?.({ ...p, workers: 1 })) : undefined,
      });
      if (cap === undefined || signal.aborted || !reachedCap(result, cap)) return { result: withProcessPeak(noted(result, symmetryNote), o.checker === undefined), model: plan.model, interrupted: signal.aborted };
      // Larger than a search on this thread: the whole run again on the pool, in the time left.
      if (maxTimeMs !== undefined) maxTimeMs = Math.max(1, maxTimeMs - (performance.now() - t0));
    }
    pool ??= await onPool();
    // The plan says what is checked (model, variant, parameters, properties, semantics); the
    // options say how (limits, reductions, progress, interrupt). The pool validates them once.
    const target = { model: entry.model, properties: entry.properties, source: modelSource(entry, o.registry), plan };
    const options = {
      ...limitsOf({ ...o, maxTimeMs }),
      maxMemory: o.maxMemory ?? defaultMaxMemory(),
      signal,
      // The liveness analysis the pool runs on this thread after its workers' search takes a stop
      // request here (its event loop, which would deliver it, does not turn meanwhile).
      interrupted: () => (o.io.pollInterrupt?.(), signal.aborted),
      onProgress: printer || o.io.progress ? (p: Progress) => (printer?.update(p), o.io.progress?.(p)) : undefined,
      progressIntervalMs: o.progressIntervalMs,
      ...(checkpoint ? { checkpoint } : {}),
    };
    const result = await pool.backend.search(target, { ...options, ...reductions, ...(o.reference === true ? { reference: true } : {}) });
    return { result: withProcessPeak(noted(result, symmetryNote), o.checker === undefined), model: plan.model, interrupted: signal.aborted };
  } finally {
    printer?.finish();
    stopListening?.();
    steps?.save();
    await created?.close();
  }
}

/**
 * Listen for a stop request (Ctrl-C, or the signal or limit the supervisor names): the progress
 * line ends, kmc says it is stopping the check (the search, or the liveness analysis after it,
 * which polls the same stop), and `stop` aborts (once). Returns the unsubscribe, if the Io listens.
 */
export function stopOnInterrupt(io: Io, printer: ProgressPrinter | undefined, stop: AbortController): (() => void) | undefined {
  return io.onInterrupt?.((why) => {
    if (stop.signal.aborted) return;
    printer?.finish();
    io.err(`kmc: ${why === undefined || why === 'SIGINT' ? 'interrupted' : `stopped by ${why}`}: stopping the check (Ctrl-C again to quit at once)`);
    stop.abort();
  });
}

/** The pool for a check: one worker for a sequential checkpoint, else workersFor. */
function poolSize(o: RunCheckOptions): number {
  return o.checkpoint?.kind === 'sequential' ? 1 : workersFor(o);
}

/** Whether a search on this thread stopped at its cap of `cap` states (in its safety or its liveness search). */
function reachedCap(r: CheckResult, cap: number): boolean {
  if (r.status === 'error') return false;
  return ((r.status === 'violated' || r.status === 'incomplete') && r.stoppedBy === 'max-states') || r.stats.states >= cap || (r.liveness?.states ?? 0) >= cap;
}

function porWorkersError(workers: number): string {
  return `partial-order reduction runs in one worker (its cycle proviso needs the whole visited set at each expansion), not ${workers}: give --workers 1 with --por, or leave --por out`;
}

/**
 * The workers a check runs on: --workers (at most ${MAX_WORKERS}), else one per core; one with
 * --por, which refuses a --workers above one rather than run quietly in one of them.
 */
export function workersFor(o: { workers?: number | undefined; por?: boolean | undefined }): number {
  if (o.workers !== undefined && o.workers > MAX_WORKERS) throw new UsageError(`--workers ${o.workers}: at most ${MAX_WORKERS} (this machine has ${defaultWorkers()} cores)`);
  if (o.por === true) {
    if (o.workers !== undefined && o.workers > 1) throw new UsageError(porWorkersError(o.workers));
    return 1;
  }
  return o.workers ?? defaultWorkers();
}

/**
 * The progress callback for searches that run on this thread (kmc prove): the status line unless
 * `quiet`, and the statistics so far to the supervisor either way.
 */
export function progressFor(io: Io, quiet: boolean | undefined): { onProgress?: (p: Progress) => void } {
  const printer = quiet ? undefined : new ProgressPrinter(io);
  if (!printer && !io.progress) return {};
  return { onProgress: (p) => (printer?.update(p), io.progress?.(p)) };
}

/**
 * The result with its peak memory raised to what the process used. The searches sample the
 * resident set size while they run; what comes after them (the state graph's arrays joined, the
 * fair-cycle analysis) and what falls between two samples (a table's growth) is not sampled, and
 * it can be the run's peak (kvm-hotplug cpus=4 with liveness: 267 MiB sampled, 393 MiB the
 * process's peak; 331 against 641 MiB on 2 workers). A check with a pool of its own is the only
 * check of its process (kmc check, kmc resume): the process's high-water mark is its peak. Runs
 * sharing a pool (kmc check --all's lanes) take the size as the check ends, a sample like the others.
 */
function withProcessPeak(result: CheckResult, ownProcess: boolean): CheckResult {
  if (result.status === 'error') return result;
  const peak = ownProcess ? process.resourceUsage().maxRSS * 1024 : process.memoryUsage.rss();
  if (peak > result.stats.peakMemory) result.stats = { ...result.stats, peakMemory: peak };
  return result;
}
