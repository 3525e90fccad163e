// The orchestrator: runs one check on a piscina pool of N workers and turns their reports into
// the same CheckResult the sequential check() returns (stats.workers = N). The main thread
// does no searching: it owns the shared control block, watches time, memory and the interrupt
// signal, samples progress once a second, and at the end rebuilds each counterexample from the
// level ranks and words its message by following the path on the model (src/engine/follow.ts;
// under symmetry the path runs through canonical states: it is then rebuilt into a path of the
// model itself, as the sequential search does, src/engine/reduction/symmetry-path.ts). With
// liveness properties it joins the state graph the workers recorded (graph-join.ts) and runs the
// fair-cycle analysis on it, in this thread, after the search.

import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { searchesGraphOnce, type CheckOptions } from '../engine/check.js';
import { isPlan, planCheck, type CheckPlan, type PlanOptions } from '../engine/plan.js';
import { errorResult, errorResultOf, resultOf, runInfo, type ErrorResult } from '../engine/result-builder.js';
import { Budget, limitsOf } from '../engine/limits.js';
import { isLiveness, livenessOf, mergeLivenessResult, splitForLiveness, unknownVerdicts, withLiveness } from '../engine/liveness/run.js';
import type { StateGraph } from '../engine/liveness/graph.js';
import type { LivenessProperty } from '../property/types.js';
import { joinGraph } from './graph-join.js';
import type { GraphPart } from './graph-part.js';
import { mergeCounts, type CoverageCounts } from '../engine/coverage.js';
import { makeEvaluator, type Evaluator } from '../engine/evaluate.js';
import { violationAlong } from '../engine/follow.js';
import type { CheckResult, StopReason } from '../engine/result.js';
import type { Progress, SearchOutcome } from '../engine/search.js';
import { Reductions } from '../engine/reduction/reductions.js';
import { reportWithoutPor } from '../engine/reduction/summary.js';
import { realViolation } from '../engine/reduction/symmetry-path.js';
import type { ModelDef } from '../model/types.js';
import { generatedFor } from '../model/straight.js';
import { compileSteps } from '../model/compile.js';
import type { Property, PropertySet } from '../property/types.js';
import { ModelError, UsageError } from '../util/errors.js';
import { B, Control, G, STOP } from './control.js';
import { bestPerProperty, maxBranching } from './level-search.js';
import { workerEntry } from './paths.js';
import type { DedupKind, LevelResume, LevelTask, ModelSource, SequentialReductions, SequentialTask, SwarmTask, WorkerReport, WorkerTask } from './protocol.js';
import { LevelCheckpointer, loadLevelCheckpoint, resumeLevelSearch, type LoadedLevelCheckpoint } from './checkpoint.js';
import type { SwarmBase, SwarmMemberReport } from '../random/swarm.js';
import { LevelRanks } from './ranks.js';
import { graphIdsOf, sharedTable } from './shared-table.js';
import { longTimeout } from '../util/timer.js';
import { hasOwnKey, ownKey } from '../util/own.js';

export interface ParallelTarget {
  /** The model and its properties, as loaded in this thread (to compile it and name its properties). */
  model: ModelDef;
  properties: PropertySet | readonly Property[];
  /** Where the workers load the same model from. */
  source: ModelSource;
  /**
   * The plan resolved from the same model, properties and options (variant, params, property),
   * when the caller has it (the CLI): then this thread does not compile the model again.
   */
  plan?: CheckPlan | undefined;
}

/**
 * The check's plan, validated once: the one the target carries, else resolved here from the
 * options. The plan is the one source of what is checked (the model, its variant, parameters,
 * selected properties and step semantics): every task the workers get says what the plan says.
 * Options that contradict a plan the target carries are an error result, never a check of
 * something else than the caller planned.
 */
export function planFor(target: ParallelTarget, o: PlanOptions): CheckPlan | ErrorResult {
  const plan = target.plan;
  if (!plan) return planCheck(target.model, target.properties, o);
  const m = plan.model;
  const wrong: string[] = [];
  if (plan.def !== target.model) wrong.push(`the plan is of model ${plan.def.name}, the target's model is ${target.model.name}`);
  if (o.variant !== undefined && o.variant !== m.variant) wrong.push(`variant ${o.variant} (the plan's is ${m.variant})`);
  for (const [name, value] of Object.entries(o.params ?? {}))
    if (!hasOwnKey(m.params, name) || String(ownKey(m.params, name)) !== String(value))
      wrong.push(`parameter ${name}=${value} (${hasOwnKey(m.params, name) ? `the plan's is ${name}=${ownKey(m.params, name)}` : 'the plan has no such parameter'})`);
  const selected = plan.selected.map((p) => p.name);
  if (o.property !== undefined && o.property.length > 0 && o.property.join('\n') !== selected.join('\n'))
    wrong.push(`properties ${o.property.join(', ')} (the plan checks ${selected.join(', ') || 'none'})`);
  if ((o.reference === true) !== m.reference) wrong.push(`${o.reference === true ? 'reference' : 'fast'} step semantics (the plan's model runs steps on the ${m.reference ? 'reference' : 'fast'} path)`);
  if (wrong.length > 0) return errorResult(runInfo(m), `the check's options contradict its plan: ${wrong.join('; ')}`);
  return plan;
}

/**
 * What every task of a plan says the check is: the model's variant, parameters, semantics and
 * selected properties; and the model's generated step code, which each worker takes instead of
 * generating it again when it derives the same keys (straight.ts, generatedFor). The steps not
 * yet compiled here are compiled first: this thread's generator is warm (the plan's determinism
 * probe ran it), a worker's would be cold, W times (bench/README.md, "session 9").
 */
function taskModel(plan: CheckPlan) {
  return {
    variant: plan.model.variant,
    params: { ...plan.model.params },
    reference: plan.model.reference,
    property: plan.selected.map((p) => p.name),
    generated: generatedFor(compileSteps(plan.model).layout),
  };
}

export interface ParallelProgress extends Progress {
  workers: number;
}

export interface ParallelCheckOptions extends Omit<CheckOptions, 'interrupted' | 'onProgress'> {
  /** Aborting it stops every worker; the result is marked incomplete ('interrupted'). */
  signal?: AbortSignal | undefined;
  /**
   * Polled, with `signal`, by the work this thread does itself after the workers' search: the
   * liveness analysis of the graph they recorded, during which this thread's event loop (which
   * would deliver an abort of `signal`) does not turn. The check is interrupted once it returns true.
   */
  interrupted?: (() => boolean) | undefined;
  onProgress?: ((p: ParallelProgress) => void) | undefined;
  /** How often onProgress is called (default 1000 ms). */
  progressIntervalMs?: number | undefined;
  dedup?: DedupKind | undefined;
  /**
   * shared-table only: the table's initial size in slots (default 2^16, a power of two; it holds
   * 15/16 of that in states). At each level end it grows, if need be, for the next level's
   * expected new states (twice the level just sealed, at 3/4 load), not for its worst case; a
   * level that outgrows that spills, and the table grows at that level's end (shared-table.ts).
   */
  tableSlots?: number | undefined;
  /**
   * shared-table only: levels of fewer states than this are expanded by one worker while the
   * others wait parked (default SOLO_BELOW; 0: every level by all). Tests set it to force solo
   * phases anywhere; the result is the same for any value.
   */
  soloBelow?: number | undefined;
  /** Diagnostics (bench/): each worker's report (states, transitions, time waiting at level ends). */
  onWorkerReports?: ((reports: readonly WorkerReport[]) => void) | undefined;
  /** Diagnostics (tests): the state graph the parallel search recorded, before its analysis. */
  onGraph?: ((g: StateGraph) => void) | undefined;
}

const STOP_REASON: Record<number, StopReason> = {
  [STOP.interrupted]: 'interrupted',
  [STOP.maxStates]: 'max-states',
  [STOP.maxTime]: 'max-time',
  [STOP.maxMemory]: 'max-memory',
};

const MEMORY_CHECK_MS = 250;

/**
 * Levels of fewer states than this are expanded by one worker of a parallel run (shared table;
 * level-search.ts): below it, two workers meeting at the level's end cost more than they gain
 * (bench/README.md "Small levels and the start of a two-worker run").
 */
export const SOLO_BELOW = 1024;

/** A pool of N worker threads that runs parallel checks, one at a time. */
export class ParallelChecker {
  private readonly pool: Piscina<WorkerTask, WorkerReport>;
  private busy = false;
  /** Set when the pool itself failed (a worker that cannot even start): every run then fails with it. */
  private broken: Error | undefined;
  private onBroken: ((e: Error) => void) | undefined;

  /**
   * `soloBelow`: the default of ParallelCheckOptions.soloBelow for this pool's checks (tests of
   * the multi-worker paths on small models set 0: every level by all workers).
   */
  constructor(
    readonly workers: number,
    private readonly defaults: { soloBelow?: number | undefined } = {},
  ) {
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, not ${workers}`);
    const entry = workerEntry();
    this.pool = new Piscina<WorkerTask, WorkerReport>({
      filename: entry.filename,
      workerData: entry.workerData,
      minThreads: workers,
      maxThreads: workers,
      concurrentTasksPerWorker: 1,
      idleTimeout: 2 ** 31 - 1,
      // The search threads never format a model's step locations (reports are rendered on the
      // calling thread): loading every module's source map there is start-up time for nothing.
      execArgv: process.execArgv.filter((a) => a !== '--enable-source-maps'),
    });
    // A worker failing outside any task would otherwise be an unhandled 'error' event (a crash
    // with a stack trace) and could leave tasks queued for a thread that never comes.
    this.pool.on('error', (e: Error) => {
      this.broken = e;
      this.onBroken?.(e);
    });
  }

  /** Run tasks on the pool; rejects as soon as the pool breaks instead of waiting for them. */
  private runTasks(tasks: { task: WorkerTask; transferList: MessagePort[] }[], onFailure: () => void): Promise<PromiseSettledResult<WorkerReport>[]> {
    if (this.broken) return Promise.reject(this.broken);
    const broken = new Promise<never>((_, reject) => {
      this.onBroken = (e) => {
        onFailure();
        reject(e);
      };
    });
    const all = Promise.allSettled(
      tasks.map(({ task, transferList }) =>
        this.pool.run(task, { transferList }).catch((e: unknown) => {
          // A worker that dies (not a model error: those come back in its report) must not leave the others waiting.
          onFailure();
          throw e;
        }),
      ),
    );
    return Promise.race([all, broken]).finally(() => (this.onBroken = undefined));
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }

  async check(target: ParallelTarget, options: ParallelCheckOptions = {}): Promise<CheckResult> {
    // Liveness needs the state graph. The shared-table search records it where the sequential
    // search would record it in one search (no reduction that runs, no preemption bound, no
    // checkpoint: searchesGraphOnce), and not with --first: then one parallel search checks every
    // property, its graph the sequential one (graph-part.ts). Elsewhere the safety properties
    // are searched in parallel (reduced, bounded, checkpointed), the liveness ones by the
    // engine's check() in one worker (src/engine/liveness/run.ts), without reductions, and the
    // result says so.
    const plan = planFor(target, options);
    if (!isPlan(plan)) return plan;
    return this.checkPlanned(plan, target.source, options);
  }

  /** check() of a resolved plan; `once`: searchesGraphOnce's answer for it, when the caller has it already. */
  private async checkPlanned(plan: CheckPlan, source: ModelSource, options: ParallelCheckOptions, once?: boolean): Promise<CheckResult> {
    const split = splitForLiveness(plan.selected);
    if (split === undefined) return this.checkSafety(plan, source, options);
    if (this.recordsGraph(plan, options, once)) return this.checkSafety(plan, source, options, false, split.liveness);
    // A checkpointed safety search is saved when it ends: a run stopped during the liveness
    // search (which is not checkpointed) resumes with it, not with the safety search.
    const base = split.safety.length > 0 ? await this.checkSafety({ ...plan, selected: split.safety }, source, options, options.checkpoint !== undefined) : undefined;
    if (base?.status === 'error' || (base !== undefined && options.signal?.aborted)) return base;
    // A safety search stopped by the memory or time limit, or interrupted, has used up what the user
    // allowed: a second search for liveness would pass the limit again (the supervisor then kills
    // the run without statistics). Its liveness properties stay unknown.
    const spent = base && (base.status === 'violated' || base.status === 'incomplete') ? base.stoppedBy : undefined;
    if (base && (spent === 'max-memory' || spent === 'max-time' || spent === 'interrupted')) {
      const unknown = split.liveness.map((p) => ({ name: p.name, kind: p.kind, doc: p.doc, status: 'unknown' as const }));
      const skipped: CheckResult = { status: 'incomplete', run: base.run, stats: base.stats, properties: unknown, stoppedBy: spent };
      return mergeLivenessResult(base, skipped, plan.selected, `liveness (${split.liveness.map((p) => p.name).join(', ')}) not checked: the search stopped (${spent}) before the separate liveness search could run`);
    }
    const live = await this.runSequential({ ...plan, selected: split.liveness }, source, { ...options, por: false, symmetry: false, checkpoint: undefined });
    let note = `liveness (${split.liveness.map((p) => p.name).join(', ')}) checked by one worker of ${this.workers} on the full state graph, without reductions: the parallel search records the graph only unreduced, and partial-order and symmetry reduction are not sound for liveness here`;
    if (options.checkpoint) note += '; the liveness search is not checkpointed: the safety search was saved when it ended, and a run stopped during the liveness search resumes with it';
    return mergeLivenessResult(base, live, plan.selected, note);
  }

  /**
   * The check as `kmc check` runs it on this pool (the parallel backend, backend.ts): where the
   * sequential check() of the plan is one search that records the state graph and checks every
   * property on the way (src/engine/check.ts, checkWithLiveness; searchesGraphOnce), that search in
   * one worker where check() would search the same graph twice (the parallel safety search, then
   * the liveness search in one worker: --first, or the partitioned scheme); everywhere else
   * check(), whose shared-table search records the graph itself. The result of the one search is
   * check()'s own (stats.workers = 1) and its liveness notes say what ran where.
   */
  async checkSearchingOnce(target: ParallelTarget, options: ParallelCheckOptions = {}): Promise<CheckResult> {
    const plan = planFor(target, options);
    if (!isPlan(plan)) return plan;
    if (this.workers === 1 || !plan.selected.some((p) => p.kind === 'liveness')) return this.checkPlanned(plan, target.source, options);
    // Asked once (with symmetry it builds the reducer to see whether it reduces anything).
    const once = searchesGraphOnce(plan.model, plan.all, plan.selected, options).once;
    if (!once || this.recordsGraph(plan, options, once)) return this.checkPlanned(plan, target.source, options, once);
    const one = await this.runSequential(plan, target.source, options);
    if (one.status === 'error' || one.liveness === undefined) return one;
    const note = `one search of the state graph, in one worker of ${this.workers}, checked every property: liveness needs the whole graph, which the parallel search records only with the shared table and without --first, and the search that records it checks the safety properties too (a parallel safety search first would search the same graph twice)`;
    return { ...one, liveness: { ...one.liveness, notes: [...one.liveness.notes, note] } };
  }

  /**
   * Whether the parallel search of this plan records the state graph for its liveness
   * properties: the shared table (the default on two or more workers), where the sequential check() is one
   * search of the graph (check.ts searchesGraphOnce), without --first (the level search ends the level
   * where the sequential one stops at once: their cut graphs differ) and not resumed.
   */
  private recordsGraph(plan: CheckPlan, o: ParallelCheckOptions, once?: boolean): boolean {
    const dedup = o.dedup ?? (this.workers === 1 ? 'partitioned' : 'shared-table');
    return dedup === 'shared-table' && o.first !== true && (once ?? searchesGraphOnce(plan.model, plan.all, plan.selected, o).once);
  }

  /** The level search of the plan's safety properties, or with `liveness` of all of them on the graph it records. */
  private async checkSafety(plan: CheckPlan, source: ModelSource, options: ParallelCheckOptions, saveAtEnd = false, liveness?: readonly LivenessProperty[]): Promise<CheckResult> {
    if (this.busy) throw new Error('ParallelChecker runs one check at a time');
    this.busy = true;
    try {
      return await this.run(plan, source, options, saveAtEnd, liveness);
    } finally {
      this.busy = false;
    }
  }

  /**
   * The engine's sequential check() (with partial-order reduction, which the parallel search
   * does not do) in one worker of the pool: the main thread stays free, so progress, the memory
   * bound and Ctrl-C work as for a parallel run. The result is check()'s own (stats.workers = 1).
   */
  async checkSequential(target: ParallelTarget, options: ParallelCheckOptions & SequentialReductions = {}): Promise<CheckResult> {
    const plan = planFor(target, options);
    if (!isPlan(plan)) return plan;
    return this.runSequential(plan, target.source, options);
  }

  private async runSequential(plan: CheckPlan, source: ModelSource, options: ParallelCheckOptions & SequentialReductions): Promise<CheckResult> {
    if (this.busy) throw new Error('ParallelChecker runs one check at a time');
    this.busy = true;
    try {
      const { all } = plan;
      const { control: controlBuf, board } = Control.allocate(1);
      const control = new Control(controlBuf, board, 1);
      const o = { ...options, maxTimeMs: undefined };
      const watch = this.watch(control, o, 1);
      const task: SequentialTask = {
        mode: 'sequential',
        reductions: {
          por: options.por,
          symmetry: options.symmetry,
          preemptionBound: options.preemptionBound,
          shortest: options.shortest,
        },
        index: 0,
        workers: 1,
        source,
        ...taskModel(plan),
        propertyNames: all.map((p) => p.name),
        limits: limitsOf(options),
        control: controlBuf,
        board,
        ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
      };
      let report: WorkerReport;
      try {
        const [settled] = await this.runTasks([{ task, transferList: [] }], () => control.stop(STOP.error));
        if (settled!.status === 'rejected') throw settled!.reason;
        report = settled!.value;
      } catch (e) {
        return errorResultOf(runInfo(plan.model), e, 'worker 0 failed: ');
      } finally {
        watch.stop();
      }
      if (report.error) {
        return errorResult(runInfo(plan.model), report.error.message, report.error.step);
      }
      const result = report.result!;
      // The memory bound is watched from here too (the search reads it only once a second).
      if (control.stopCode === STOP.maxMemory && (result.status === 'incomplete' || result.status === 'violated') && result.stoppedBy === 'interrupted')
        result.stoppedBy = 'max-memory';
      return result;
    } finally {
      this.busy = false;
    }
  }

  /**
   * Members of a swarm random search (src/random/swarm.ts) spread over the pool's workers, each
   * running its share one after the other; the reports in member order. Members are independent
   * and deterministic, so which worker runs which changes nothing in their reports.
   */
  async swarm(target: ParallelTarget, o: { variant?: string | undefined; params: Record<string, string>; property?: readonly string[] | undefined; base: SwarmBase; members: readonly number[] }): Promise<SwarmMemberReport[]> {
    if (this.busy) throw new Error('ParallelChecker runs one check at a time');
    this.busy = true;
    try {
      const plan = planFor(target, { variant: o.variant, params: o.params, property: o.property });
      if (!isPlan(plan)) throw new ModelError(plan.status === 'error' ? plan.message : 'the model does not build');
      const W = Math.min(this.workers, o.members.length);
      const { control: controlBuf, board } = Control.allocate(W);
      const control = new Control(controlBuf, board, W);
      const tasks = Array.from({ length: W }, (_, index) => {
        const task: SwarmTask = {
          mode: 'swarm',
          index,
          workers: W,
          source: target.source,
          ...taskModel(plan),
          propertyNames: plan.all.map((p) => p.name),
          limits: {},
          control: controlBuf,
          board,
          swarm: o.base,
          members: o.members.filter((_, k) => k % W === index),
        };
        return { task, transferList: [] as MessagePort[] };
      });
      const settled = await this.runTasks(tasks, () => control.stop(STOP.error));
      const out: SwarmMemberReport[] = [];
      for (const [i, s] of settled.entries()) {
        if (s.status === 'rejected') throw new Error(`worker ${i} failed: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}`);
        if (s.value.error) throw new ModelError(s.value.error.message);
        out.push(...(s.value.swarm ?? []));
      }
      return out.sort((a, b) => a.index - b.index);
    } finally {
      this.busy = false;
    }
  }

  private watch(control: Control, o: ParallelCheckOptions, W: number): Watch {
    // Its hooks serve the analysis this thread runs after the search (run()); the timers below
    // read the board and the clock themselves.
    const onProgress = o.onProgress;
    const budget = new Budget(o, { signal: o.signal, interrupted: o.interrupted, onProgress: onProgress && ((p) => onProgress({ ...p, workers: W })) });
    const timers: NodeJS.Timeout[] = [];
    timers.push(
      setInterval(() => {
        if (budget.rss() > budget.maxMemory) control.stop(STOP.maxMemory);
      }, MEMORY_CHECK_MS),
    );
    // longTimeout: a --max-time beyond setTimeout's 24.8 days (600h) must not fire at once
    const cancelMaxTime = Number.isFinite(budget.maxTimeMs) ? longTimeout(() => control.stop(STOP.maxTime), budget.remainingMs()) : undefined;
    if (onProgress) {
      timers.push(
        setInterval(() => {
          const rss = budget.rss();
          // A sequential task's liveness analysis, after its search (src/engine/liveness/meter.ts).
          const pass = control.global(G.analysisPass);
          onProgress({
            states: control.sum(B.states),
            transitions: control.sum(B.transitions),
            queue: control.sum(B.queue),
            depth: control.max(B.depth),
            elapsedMs: budget.elapsedMs(),
            rss,
            workers: W,
            ...(pass > 0 ? { analysis: { pass, passes: control.global(G.analysisPasses), visited: control.global(G.analysisVisited) } } : {}),
          });
        }, o.progressIntervalMs ?? 1000),
      );
    }
    const onAbort = () => control.stop(STOP.interrupted);
    if (o.signal?.aborted) onAbort();
    o.signal?.addEventListener('abort', onAbort);

    return {
      stop: () => {
        for (const t of timers) clearInterval(t);
        cancelMaxTime?.();
        o.signal?.removeEventListener('abort', onAbort);
      },
      peakRss: () => budget.peakRss,
      budget,
    };
  }

  private async run(plan: CheckPlan, source: ModelSource, o: ParallelCheckOptions, saveAtEnd: boolean, liveness?: readonly LivenessProperty[]): Promise<CheckResult> {
    const { model: base, all } = plan;
    // Recording the graph, the tasks name every selected property; the search looks for the safety ones.
    const selected = liveness ? plan.selected.filter((p) => !isLiveness(p)) : plan.selected;
    // Symmetry and the preemption bound: every worker builds the same reducer (worker.ts); this
    // one turns the paths found into the model's own and says what ran. Partial-order reduction
    // is refused rather than ignored (its cycle proviso needs the visited set at the moment a
    // state is expanded, which no single worker has; the sequential search runs it, in one worker).
    const asked = o.por === true || o.symmetry === true || o.preemptionBound !== undefined;
    let red: Reductions | undefined;
    if (asked) {
      try {
        red = new Reductions(base, all, selected, { por: o.por, symmetry: o.symmetry, preemptionBound: o.preemptionBound });
      } catch (e) {
        if (e instanceof ModelError) return errorResult(runInfo(base), e.message);
        throw e;
      }
      if (red.por) throw new UsageError('the parallel search does not do partial-order reduction: use one worker (the sequential search), or turn it off (--no-por)');
    }
    const model = red?.active ? red.model : base;
    const W = this.workers;
    const dedup = o.dedup ?? (W === 1 ? 'partitioned' : 'shared-table'); // the faster at each count: bench/README.md

    const { control: controlBuf, board } = Control.allocate(W);
    const control = new Control(controlBuf, board, W);
    // Small levels by one worker alone, from the start (while the others load the model; the
    // first worker ready leads: control.ts): only where any worker may store any state (the
    // shared table), and not in a checkpointed run (every worker sends its part at a saved
    // level end).
    const soloBelow = W > 1 && dedup === 'shared-table' && !o.checkpoint ? (o.soloBelow ?? this.defaults.soloBelow ?? SOLO_BELOW) : 0;
    if (soloBelow > 1) control.soloFromStart();
    const rankBufs = LevelRanks.allocate(W);
    const K = maxBranching(base);
    // A resumed run: the saved search restored into the shared structures, and each worker's part of it.
    let saved: LoadedLevelCheckpoint | undefined;
    let resumes: LevelResume[] | undefined;
    let table: SharedArrayBuffer | undefined;
    if (o.checkpoint?.resumeFrom !== undefined) {
      try {
        saved = loadLevelCheckpoint(o.checkpoint.resumeFrom, model.width, K);
      } catch (e) {
        return errorResultOf(runInfo(base), e, 'kmc resume: ');
      }
      ({ resumes, table } = resumeLevelSearch(saved, { workers: W, dedup, ranks: new LevelRanks(rankBufs.ranks, rankBufs.levels, K), tableSlots: o.tableSlots ?? 1 << 16, first: o.first === true }));
    } else table = dedup === 'shared-table' ? sharedTable(o.tableSlots ?? 1 << 16) : undefined;
    const ports: (MessagePort | null)[][] = Array.from({ length: W }, () => Array.from({ length: W }, () => null));
    // Every pair of workers shares a channel (successors for their owner, frontier shares).
    for (let i = 0; i < W; i++)
      for (let j = i + 1; j < W; j++) {
        const ch = new MessageChannel();
        ports[i]![j] = ch.port1;
        ports[j]![i] = ch.port2;
      }

    // Each worker's port to this thread, for its parts of the periodic checkpoints.
    const ckPorts = o.checkpoint ? Array.from({ length: W }, () => new MessageChannel()) : undefined;
    const checkpointer = o.checkpoint
      ? new LevelCheckpointer(o.checkpoint, {
          workers: W,
          width: model.width,
          control,
          ranks: new LevelRanks(rankBufs.ranks, rankBufs.levels, K),
          table,
          elapsedBefore: saved?.header.elapsedMs ?? 0,
          resumedSeq: saved?.header.seq ?? -1,
        })
      : undefined;
    if (checkpointer && ckPorts) checkpointer.listen(ckPorts.map((c) => c.port1));

    const watch = this.watch(control, o, W);
    const common = {
      mode: 'level' as const,
      workers: W,
      source,
      ...taskModel(plan),
      propertyNames: all.map((p) => p.name),
      limits: { ...limitsOf(o), maxTimeMs: undefined },
      ...(red?.active ? { reductions: { symmetry: o.symmetry, preemptionBound: o.preemptionBound } } : {}),
      dedup,
      soloBelow,
      ...(liveness ? { graph: true } : {}),
      control: controlBuf,
      board,
      ranks: rankBufs.ranks,
      levels: rankBufs.levels,
      table,
    };
    let settled: PromiseSettledResult<WorkerReport>[];
    try {
      settled = await this.runTasks(
        Array.from({ length: W }, (_, index) => {
          const mine = ports[index]!;
          const transferList = mine.filter((p): p is MessagePort => p !== null);
          const task: LevelTask = { ...common, index, ports: mine };
          if (ckPorts && o.checkpoint) {
            const port = ckPorts[index]!.port2;
            task.checkpoint = { everyMs: o.checkpoint.everyMs, everyLevels: o.checkpoint.everyLevels, saveFirst: saved === undefined, saveAtEnd, port };
            transferList.push(port);
          }
          if (resumes) task.resume = resumes[index];
          return { task, transferList };
        }),
        () => control.stop(STOP.error),
      );
    } catch (e) {
      return errorResultOf(runInfo(base), e, 'the worker pool failed: ');
    } finally {
      watch.stop();
      for (const c of ckPorts ?? []) c.port1.close();
    }
    if (checkpointer?.failure) return errorResultOf(runInfo(base), checkpointer.failure, `--checkpoint ${o.checkpoint!.dir}: could not write a checkpoint: `);

    const reports: WorkerReport[] = [];
    for (const [i, s] of settled.entries()) {
      if (s.status === 'rejected') {
        return errorResultOf(runInfo(base), s.reason, `worker ${i} failed: `);
      }
      reports.push(s.value);
    }
    const failed = reports.find((r) => r.error);
    if (failed?.error) {
      return errorResult(runInfo(base), failed.error.message, failed.error.step);
    }

    o.onWorkerReports?.(reports);
    const ranks = new LevelRanks(rankBufs.ranks, rankBufs.levels, K);
    const states = reports.reduce((s, r) => s + r.states, 0);
    const code = control.stopCode;
    // The last checkpoint: of the last level end, when the run stopped before its end (or a
    // liveness search follows the finished one).
    if (checkpointer && (code === STOP.interrupted || code === STOP.maxTime || code === STOP.maxMemory || code === STOP.maxStates || (code === STOP.none && saveAtEnd))) {
      try {
        checkpointer.final(reports.map((r) => r.checkpointPart));
      } catch (e) {
        return errorResultOf(runInfo(base), e, `--checkpoint ${o.checkpoint!.dir}: could not write the last checkpoint: `);
      }
    }
    let candidates = bestPerProperty(reports.flatMap((r) => r.candidates));
    if (o.first && candidates.length > 0) {
      // The sequential search stops after the first expansion that shows a violation: keep
      // what that expansion found (the earliest position), as it would.
      const first = candidates[0]!;
      candidates = candidates.filter((c) => c.level === first.level && c.rank === first.rank);
    }
    let stoppedBy: StopReason | undefined = STOP_REASON[code];
    // --first found its violation: that stopped the search (as the sequential one reports, which
    // stops at once where this search ends the level, and may meet the depth bound meanwhile).
    if (stoppedBy === undefined && o.first && candidates.length > 0) stoppedBy = 'first-violation';
    if (stoppedBy === undefined && reports.some((r) => r.depthCut)) stoppedBy = 'max-depth';
    const evaluator = makeEvaluator(model, all, selected);
    const reducer = red?.active ? red : undefined;
    let plainEvaluator: Evaluator | undefined;
    const baseEvaluator = () => (plainEvaluator ??= model === base ? evaluator : makeEvaluator(base, all, selected));
    const outcome: SearchOutcome = {
      states,
      transitions: reports.reduce((s, r) => s + r.transitions, 0),
      diameter: reports.reduce((m, r) => Math.max(m, r.diameter), 0),
      timeMs: (saved?.header.elapsedMs ?? 0) + Math.max(...reports.map((r) => r.searchEnd)) - Math.min(...reports.map((r) => r.searchStart)),
      peakRss: Math.max(watch.peakRss(), ...reports.map((r) => r.peakRss)),
      // Under symmetry a path's indices are into the enabled actions of canonical states:
      // rebuilt into a path of the model itself, as the sequential search does.
      violations: candidates.map((c) => {
        const property = selected[c.property]!;
        const path = c.level < 0 ? [] : ranks.path(c.level, c.rank);
        if (c.choice >= 0) path.push(c.choice);
        if (reducer?.canon) return realViolation(reducer, evaluator, { property, path, message: property.doc });
        // Without symmetry the indices are into the model's own enabled actions (the bound's
        // words change no guard): the path is followed on the model itself.
        return violationAlong(base, baseEvaluator(), property, path, c.choice >= 0);
      }),
      stoppedBy,
    };
    const coverage = reports.reduce<CoverageCounts | undefined>((sum, r) => mergeCounts(sum, r.coverage), undefined);
    if (coverage) outcome.coverage = coverage;
    // The visited set and the parent links (the level ranks), as check() counts its fingerprint
    // table with its parent and choice arrays.
    const storeBytes = reports.reduce((s, r) => s + r.storeBytes, 0) + ranks.bytes();
    const result = resultOf(base, selected, outcome, {
      bytesPerState: states > 0 ? storeBytes / states : 0,
      workers: W,
      reductions: red ? reportWithoutPor(red, outcome.violations.map((v) => v.property.name), o.first === true) : undefined,
    });
    if (!liveness) return result;
    // The liveness properties on the graph the workers recorded: the sequential search's graph
    // (graph-part.ts), analysed here as searchGraph's is (src/engine/liveness/run.ts). A search
    // stopped part-way through a level recorded no whole graph: its liveness stays unknown. The
    // outcome's stop as resultOf left it: a store buffer found full (store-buffer-bound) cut the
    // graph too, which is then never complete (no liveness property holds on it).
    const names = liveness.map((p) => p.name).join(', ');
    const stop = outcome.stoppedBy;
    if (code !== STOP.none) {
      const note = `liveness (${names}) not checked: the search stopped (${stop ?? 'stopped'}) before the state graph it records was whole`;
      return withLiveness(result, plan.selected, unknownVerdicts(liveness, note), { states: 0, edges: 0, graphBytes: 0, bytesPerState: 0, analysisMs: 0, notes: [note] }, stop);
    }
    const parts = reports.map((r) => r.graph);
    if (parts.some((p) => p === undefined)) return errorResult(runInfo(base), 'internal: a worker of a finished search sent no part of the state graph');
    let graph: StateGraph;
    try {
      graph = joinGraph(base, states, parts as GraphPart[], graphIdsOf(table!));
    } catch (e) {
      return errorResultOf(runInfo(base), e, 'the state graph: ');
    }
    o.onGraph?.(graph);
    const note = `the state graph was recorded by the parallel search on ${W} workers (the graph one worker's search records, state for state and edge for edge), and analysed by one thread`;
    // The analysis runs here, after the workers: it polls the run's stops itself (the interrupt,
    // the deadline, the memory bound: the watch's timers have ended) and reports its progress.
    const l = livenessOf({ outcome, graph }, liveness, [note], false, { budget: watch.budget, progressIntervalMs: o.progressIntervalMs, pollEvery: o.analysisPollEvery });
    return withLiveness(result, plan.selected, l.verdicts, l.info, l.stoppedBy);
  }
}


/** Samples progress and memory, enforces the time bound and forwards the interrupt, for one run. */
interface Watch {
  stop(): void;
  peakRss(): number;
  /** The run's clock, memory bound, interrupt and progress sink, for the analysis after the search. */
  budget: Budget;
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
