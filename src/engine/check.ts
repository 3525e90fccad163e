// check(): the exhaustive breadth-first search of a model, returned as data. assertHolds()
// is the throwing form for tests.

import type { CompiledModel } from '../model/compile.js';
import type { ModelDef } from '../model/types.js';
import type { Property, PropertySet } from '../property/types.js';
import { ModelError } from '../util/errors.js';
import { ExhaustiveChooser } from './chooser.js';
import { makeEvaluator } from './evaluate.js';
import { isPlan, planCheck, propertiesOf, type CheckPlan, type PlanOptions } from './plan.js';
import { StateQueue } from './frontier.js';
import type { CheckResult } from './result.js';
import type { ConflictCount } from './reduction/por.js';
import { errorResult, resultOf, runInfo } from './result-builder.js';
import { searchWithReductions } from './reduction/run.js';
import { Reductions } from './reduction/reductions.js';
import { reportWithoutPor } from './reduction/summary.js';
import { Budget, type Limits } from './limits.js';
import { search, type Progress } from './search.js';
import { FingerprintSet } from './visited.js';
import { withBuiltinLiveness } from '../property/liveness.js';
import { isLiveness, livenessOf, searchGraph, unknownVerdicts, withLiveness } from './liveness/run.js';
import { CheckpointSession, type CheckpointConfig } from './checkpoint/session.js';
import type { MeterOptions } from './liveness/meter.js';

export interface CheckOptions extends PlanOptions, Limits {
  /** Aborting it interrupts the check (reported incomplete, 'interrupted'). */
  signal?: AbortSignal | undefined;
  /** Polled: the check is interrupted once it returns true. */
  interrupted?: () => boolean;
  onProgress?: (p: Progress) => void;
  /** Milliseconds between two progress reports (default 1000). */
  progressIntervalMs?: number | undefined;
  /** States the liveness analysis visits between two polls of the stops (default: liveness/meter.ts; tests make it small). */
  analysisPollEvery?: number | undefined;
  /**
   * State-space reductions (src/engine/reduction). The API searches without them unless asked
   * (its state counts are the model's own); `kmc check` turns symmetry on by default, POR with --por.
   */
  por?: boolean | undefined;
  symmetry?: boolean | undefined;
  /** Explore only interleavings with at most this many preemptions (never verified then). */
  preemptionBound?: number | undefined;
  /** With POR: re-search without it up to the counterexamples' length, so that they are shortest. */
  shortest?: boolean | undefined;
  /** With POR: how much footprints are learned before reducing (see src/engine/reduction/run.ts; for tests). */
  porSeed?: { states?: number; walks?: number; keep?: boolean; blame?: (top: ConflictCount[]) => void } | undefined;
  /**
   * Save the safety search to this directory now and then, or go on from a checkpoint
   * (src/engine/checkpoint). Not with partial-order reduction. Under every memory model: the
   * saved coverage records a store that found its store buffer full, so a resumed run is
   * store-buffer-bound whenever the uninterrupted one is. The liveness search, which needs
   * the whole state graph, runs after the safety search and is not checkpointed itself: the
   * safety search is saved when it ends, so a run stopped during the liveness search resumes
   * with the liveness search (the graph is searched again from the initial state), not the
   * safety search.
   */
  checkpoint?: CheckpointConfig | undefined;
}

export { propertiesOf };

export function check(def: ModelDef, properties: PropertySet | readonly Property[], options: CheckOptions = {}): CheckResult {
  const plan = planCheck(def, properties, options);
  return isPlan(plan) ? checkPlan(plan, options) : plan;
}

/** The sequential search of a resolved plan. */
export function checkPlan(plan: CheckPlan, options: CheckOptions = {}): CheckResult {
  const { model, all, selected } = plan;
  let session: CheckpointSession | undefined;
  if (options.checkpoint) {
    if (options.por) return errorResult(runInfo(model), 'a checkpointed check cannot use partial-order reduction (its passes start the search again): leave --por out');
    session = new CheckpointSession(options.checkpoint);
  }
  if (selected.some(isLiveness)) return checkWithLiveness(model, all, selected, options, session);
  return checkSafety(model, all, selected, options, session);
}

/** The search for the safety properties: reduced or plain, checkpointed or not. */
function checkSafety(model: CompiledModel, all: readonly Property[], selected: readonly Property[], options: CheckOptions, session: CheckpointSession | undefined): CheckResult {
  if (options.por || options.symmetry || options.preemptionBound !== undefined) return checkReduced(model, all, selected, options, session);
  const store = session ? session.store() : new FingerprintSet();
  const outcome = search(model, makeEvaluator(model, all, selected), {
    frontier: session ? session.frontier(model.width) : new StateQueue(model.width, 'fifo'),
    store,
    chooser: new ExhaustiveChooser(),
    maxStates: options.maxStates,
    maxDepth: options.maxDepth,
    stopOnFirstViolation: options.first === true,
    budget: budgetOf(options),
    checkpoint: session?.searchCheckpoint(),
  });
  return resultOf(model, selected, outcome, { bytesPerState: store.bytesPerState(), workers: 1 });
}

/**
 * A check with liveness properties (src/engine/liveness/run.ts): without reductions one search
 * records the graph for both; with them, the safety search keeps its reductions and a second,
 * unreduced search records the graph (a preemption bound leaves liveness unknown).
 */
function checkWithLiveness(model: CompiledModel, all: readonly Property[], selected: readonly Property[], options: CheckOptions, session: CheckpointSession | undefined): CheckResult {
  const safety = selected.filter((p) => !isLiveness(p));
  const liveness = selected.filter(isLiveness);
  const { once, inactive } = searchesGraphOnce(model, all, selected, options);
  if (once) {
    const limits = graphLimits(options);
    const g = searchGraph(model, all, safety, liveness, limits);
    const l = livenessOf(g, liveness, [], false, meterOf(options, limits.budget));
    const reductions = inactive ? reportWithoutPor(inactive, g.outcome.violations.map((v) => v.property.name), options.first === true) : undefined;
    return withLiveness(resultOf(model, safety, g.outcome, { bytesPerState: g.bytesPerState, workers: 1, reductions }), selected, l.verdicts, l.info, l.stoppedBy);
  }
  // Saved when it ends: a run stopped during the liveness search below resumes with it.
  if (session) session.saveAtEnd = true;
  const base = checkSafety(model, all, safety, options, session);
  const names = liveness.map((p) => p.name).join(', ');
  if (session && (base.status === 'violated' || base.status === 'incomplete') && (base.stoppedBy === 'interrupted' || base.stoppedBy === 'max-time' || base.stoppedBy === 'max-memory')) {
    // The checkpoint holds the safety search; the liveness search comes after it, on resume.
    const note = `liveness not checked: the checkpointed safety search stopped (${base.stoppedBy}) before it; kmc resume checks ${names} after the safety search`;
    const info = { states: 0, edges: 0, graphBytes: 0, bytesPerState: 0, analysisMs: 0, notes: [note] };
    return withLiveness(base, selected, unknownVerdicts(liveness, note), info, base.stoppedBy);
  }
  if (options.preemptionBound !== undefined) {
    const note = `liveness not checked: a preemption-bounded search explores only part of the state graph (${liveness.map((p) => p.name).join(', ')} unknown)`;
    const info = { states: 0, edges: 0, graphBytes: 0, bytesPerState: 0, analysisMs: 0, notes: [note] };
    return withLiveness(base, selected, unknownVerdicts(liveness, note), info, 'preemption-bound');
  }
  // One deadline for the whole run: the graph search gets what the safety search left.
  const spent = base.status === 'error' ? 0 : base.stats.timeMs;
  const limits = graphLimits({ ...options, maxTimeMs: options.maxTimeMs === undefined ? undefined : Math.max(0, options.maxTimeMs - spent) });
  const g = searchGraph(model, all, [], liveness, limits);
  const off = [options.por ? 'partial-order' : '', options.symmetry ? 'symmetry' : ''].filter(Boolean).join(' and ');
  const why = off ? `, without ${off} reduction (not sound for liveness here)` : ', after the checkpointed safety search';
  const notes = [`liveness checked on the full state graph${why}: a separate search of ${g.graph.n} states`];
  if (session) notes.push(`the liveness search (${names}) is not checkpointed: the safety search was saved when it ended, and a run stopped during the liveness search resumes with it (searching the graph again from the initial state)`);
  const l = livenessOf(g, liveness, notes, true, meterOf(options, limits.budget));
  return withLiveness(base, selected, l.verdicts, l.info, l.stoppedBy);
}

/**
 * Whether check() checks a selection with liveness properties in one search, which records the
 * graph and checks the safety properties on the way: without a reduction that runs, a preemption
 * bound (liveness is then unknown, after the bounded safety search) or a checkpoint (the safety
 * search is saved, the graph searched after it). Symmetry alone on a model it cannot reduce (no
 * interchangeable members declared, or none at these parameters) is the plain search: one search,
 * instead of the same search twice (kmc check --all: 11 of its 19 runs), and `inactive` is its
 * reducer, for the report of the reductions asked for. Not with --first under symmetry, whose
 * liveness search runs on past the safety search's first violation. The parallel search records
 * the graph in the same cases (src/parallel/pool.ts).
 */
export function searchesGraphOnce(
  model: CompiledModel,
  all: readonly Property[],
  selected: readonly Property[],
  o: Pick<CheckOptions, 'por' | 'symmetry' | 'preemptionBound' | 'first'> & { checkpoint?: unknown },
): { once: boolean; inactive?: Reductions } {
  if (o.por === true || o.preemptionBound !== undefined || o.checkpoint !== undefined) return { once: false };
  if (o.symmetry !== true) return { once: true };
  if (o.first === true) return { once: false };
  const red = reducerOrNone(model, all, selected.filter((p) => !isLiveness(p)));
  return red !== undefined && !red.active ? { once: true, inactive: red } : { once: false };
}

/** The symmetry reducer, or undefined for a declaration it refuses (checkReduced reports that error). */
function reducerOrNone(model: CompiledModel, all: readonly Property[], safety: readonly Property[]): Reductions | undefined {
  try {
    return new Reductions(model, all, safety, { symmetry: true });
  } catch (e) {
    if (e instanceof ModelError) return undefined;
    throw e;
  }
}

function checkReduced(model: CompiledModel, all: readonly Property[], selected: readonly Property[], options: CheckOptions, session?: CheckpointSession): CheckResult {
  let r;
  try {
    r = searchWithReductions(model, all, selected, {
      por: options.por,
      symmetry: options.symmetry,
      preemptionBound: options.preemptionBound,
      shortest: options.shortest,
      seedStates: options.porSeed?.states,
      seedWalks: options.porSeed?.walks,
      keepPor: options.porSeed?.keep,
      blame: options.porSeed?.blame,
      maxStates: options.maxStates,
      maxDepth: options.maxDepth,
      first: options.first === true,
      budget: budgetOf(options),
      checkpoint: session,
    });
  } catch (e) {
    if (e instanceof ModelError) return errorResult(runInfo(model), e.message);
    throw e;
  }
  return resultOf(model, selected, r.outcome, { bytesPerState: r.bytesPerState, workers: 1, reductions: r.summary });
}

/** The limits of the search that records the graph. */
function graphLimits(options: CheckOptions) {
  return { maxStates: options.maxStates, maxDepth: options.maxDepth, stopOnFirstViolation: options.first === true, budget: budgetOf(options), progressIntervalMs: options.progressIntervalMs };
}

/** The stops and progress of the analysis of the graph: the graph search's budget, so one deadline for both. */
function meterOf(options: CheckOptions, budget: Budget): MeterOptions {
  return { budget, progressIntervalMs: options.progressIntervalMs, pollEvery: options.analysisPollEvery };
}

/** A check's budget: its limits, interrupt and progress sink. */
function budgetOf(options: CheckOptions): Budget {
  return new Budget(options, { signal: options.signal, interrupted: options.interrupted, onProgress: options.onProgress });
}

export class CheckFailure extends Error {
  constructor(readonly result: CheckResult) {
    super(describeFailure(result));
    this.name = 'CheckFailure';
  }
}

function describeFailure(r: CheckResult): string {
  switch (r.status) {
    case 'verified':
      return 'verified';
    case 'violated':
      return `${r.run.model} (${r.run.variant}): ${r.violations.map((v) => `${v.property} violated after ${v.path.length} steps: ${v.message}`).join('; ')}`;
    case 'incomplete':
      return `${r.run.model} (${r.run.variant}): search incomplete (${r.stoppedBy}) after ${r.stats.states} states: not verified`;
    case 'error':
      return `${r.run.model}: ${r.message}`;
  }
}

/** Throws unless the exhaustive search verifies every selected property. */
export function assertHolds(def: ModelDef, properties: PropertySet | readonly Property[], options: CheckOptions = {}): CheckResult & { status: 'verified' } {
  const r = check(def, properties, options);
  if (r.status !== 'verified') throw new CheckFailure(r);
  return r;
}
