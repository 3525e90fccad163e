// The one place a search outcome becomes the public result, for the sequential check (check.ts)
// and the parallel search (src/parallel/pool.ts) alike, and where every error result is made.

import { StepError, type CompiledModel } from '../model/compile.js';
import type { Property } from '../property/types.js';
import { collisionProbability } from '../util/hash.js';
import { expandPath } from '../trace/expand.js';
import type { CheckResult, PropertyStatus, RunInfo, Stats, Violation } from './result.js';
import { attachReductions, markBounded, type ReductionReport } from './reduction/summary.js';
import type { SearchOutcome } from './search.js';
import { holdsStatus, type Coverage, type CoverageCounts } from './coverage.js';
import { STORE_BUFFER_BOUND } from '../kernel/memory.js';

export type ErrorResult = CheckResult & { status: 'error' };

/** What a run was: the compiled model's name, variant and parameters. */
export function runInfo(model: CompiledModel): RunInfo {
  return { model: model.name, variant: model.variant, params: { ...model.params } };
}

/** The run of a model that could not be compiled (its parameters are unknown). */
export function uncompiledRun(name: string, variant: string | undefined): RunInfo {
  return { model: name, variant: variant ?? '', params: {} };
}

/** Where a model step threw: what an error result names. */
export interface StepAt {
  thread: string;
  label: string;
  state: unknown;
}

/** An error result: a message, and where the model's step threw when one did. */
export function errorResult(run: RunInfo, message: string, step?: StepAt): ErrorResult {
  const r: ErrorResult = { status: 'error', run, message };
  if (step) Object.assign(r, { thread: step.thread, label: step.label, state: step.state });
  return r;
}

/** An error result for something thrown (a StepError names its step); `prefix` says by what. */
export function errorResultOf(run: RunInfo, e: unknown, prefix = ''): ErrorResult {
  const message = `${prefix}${e instanceof Error ? e.message : String(e)}`;
  return errorResult(run, message, e instanceof StepError ? e : undefined);
}

export function statesPerSecond(states: number, timeMs: number): number {
  return timeMs > 0 ? (states / timeMs) * 1000 : 0;
}

export interface ResultContext {
  /** Bytes per stored state of the visited set. */
  bytesPerState: number;
  workers: number;
  /** What the reductions did, when any ran (absent: the plain search). */
  reductions?: ReductionReport | undefined;
}

/**
 * A store that found its store buffer full (src/kernel/memory.ts) cut behaviours: the search is
 * then stopped by the bound, never complete (for the safety verdicts here and for the liveness
 * analysis of a recorded graph alike).
 */
export function markStoreBufferBound(outcome: SearchOutcome): void {
  if (outcome.stoppedBy === undefined && outcome.coverage?.reached.includes(STORE_BUFFER_BOUND)) outcome.stoppedBy = 'store-buffer-bound';
}

/** Turn a search outcome into the public result. */
export function resultOf(model: CompiledModel, selected: readonly Property[], outcome: SearchOutcome, ctx: ResultContext): CheckResult {
  const run = runInfo(model);
  if (outcome.error) return errorResultOf(run, outcome.error);
  if (ctx.reductions) markBounded(outcome, ctx.reductions);
  markStoreBufferBound(outcome);
  const stats: Stats = {
    states: outcome.states,
    transitions: outcome.transitions,
    diameter: outcome.diameter,
    timeMs: outcome.timeMs,
    statesPerSecond: statesPerSecond(outcome.states, outcome.timeMs),
    peakMemory: outcome.peakRss,
    bytesPerState: ctx.bytesPerState,
    collisionProbability: collisionProbability(outcome.states),
    workers: ctx.workers,
  };
  const complete = outcome.stoppedBy === undefined;
  const violations: Violation[] = outcome.violations.map((v) => {
    const out: Violation = { property: v.property.name, kind: v.property.kind, path: v.path, message: v.message };
    if (v.blocked) out.blocked = v.blocked;
    // Expanded once here, on the model itself, so that no reporter runs the model again.
    out.trace = expandPath(model, v.path);
    return out;
  });
  const byName = new Map(violations.map((v) => [v.property, v]));
  const properties: PropertyStatus[] = selected.map((p, i) => {
    const v = byName.get(p.name);
    if (v) return { name: p.name, kind: p.kind, doc: p.doc, status: 'violated', violation: v };
    if (!complete) return { name: p.name, kind: p.kind, doc: p.doc, status: 'unknown' };
    return holdsStatus(p, outcome.coverage, i);
  });
  // Shortest first, then in property order.
  violations.sort((a, b) => a.path.length - b.path.length);
  let result: CheckResult;
  if (violations.length > 0) {
    result = { status: 'violated', run, stats, properties, violations, complete };
    if (outcome.stoppedBy) result.stoppedBy = outcome.stoppedBy;
  } else if (!complete) result = { status: 'incomplete', run, stats, properties, stoppedBy: outcome.stoppedBy! };
  else result = { status: 'verified', run, stats, properties };
  if (outcome.coverage) result.coverage = coverageOf(model, outcome.coverage);
  return ctx.reductions ? attachReductions(result, ctx.reductions) : result;
}

/** The coverage of a result, from the model and the counts. */
export function coverageOf(model: CompiledModel, counts: CoverageCounts): Coverage {
  const steps = model.allActions.map((a, i) => ({ thread: model.threadNames[a.thread]!, id: a.id, label: a.label, fired: counts.fired[i] ?? 0 }));
  const symmetric = model.symmetry.flatMap((d) => {
    if (!d.threads) return [];
    const perMember = d.members.map((m) => d.threads!(m));
    const width = Math.min(...perMember.map((t) => t.length));
    return [{ group: d.name, threads: Array.from({ length: width }, (_, j) => perMember.map((t) => t[j]!)) }];
  });
  return { steps, symmetric };
}
