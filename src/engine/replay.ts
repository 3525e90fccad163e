// Replay: following one recorded path through the one search core (search.ts) with a
// ReplayChooser, a PathLog store and a one-state frontier, so that every property is evaluated
// along the replay exactly as in a check (invariants on each state, step properties and
// assertions on each step, deadlock on each state where nothing can run).
//
// A choice index that is not enabled does not throw out of the search: the replay stops there
// and says which step it was and how many actions were enabled. The states for the report are
// then recomputed by expandPath over the steps that ran, and compared with the ones the search
// core pushed: a model whose steps give different results on the same state is not
// deterministic, which would make every trace meaningless, so that is an error.

import { StepError, type BlockedThread, type CompiledModel } from '../model/compile.js';
import type { Property } from '../property/types.js';
import { portTrace, type OldStep, type Port } from '../trace/cross-variant.js';
import { expandPath, type Trace } from '../trace/expand.js';
import { TraceFileError, type DecodedTrace, type TraceDivergence } from '../trace/itf.js';
import { checkShape, compareStates } from '../trace/verify.js';
import { ModelError, UsageError } from '../util/errors.js';
import { ReplayChooser, type Chooser } from './chooser.js';
import { makeEvaluator } from './evaluate.js';
import { OneStateFrontier } from './one-state-frontier.js';
import { search } from './search.js';
import { PathLog } from './visited.js';
import { replayLasso } from './liveness/lasso-check.js';
import { isLiveness } from './liveness/run.js';
import { withBuiltinLiveness } from '../property/liveness.js';

export interface ReplayViolation {
  property: Property;
  /** Steps after which it shows: the step that broke it, or the state (0: the initial state). */
  step: number;
  message: string;
  blocked?: BlockedThread[];
}

/** Why a replay stopped before the end of its path. */
export type ReplayStop =
  /** Step `step` (1-based) chooses action `choice`, but only `enabled` actions are enabled. */
  | { kind: 'not-enabled'; step: number; choice: number; enabled: number }
  /** A BUG_ON fired in step `step`: the kernel is dead, yet the path goes on. */
  | { kind: 'halted'; step: number };

export interface ReplayRun {
  model: CompiledModel;
  path: number[];
  /** The steps that ran (all of the path unless `stop` or `error`), with their states. */
  trace: Trace;
  /** Violations along the replay, by step. */
  violations: ReplayViolation[];
  stop?: ReplayStop;
  /** A model step threw. */
  error?: StepError | ModelError;
}

/** Follows the path; an index that is not enabled ends the replay instead of throwing. */
class StoppingReplayChooser implements Chooser {
  private readonly inner: ReplayChooser;
  stop: { depth: number; n: number } | undefined;
  constructor(path: readonly number[]) {
    this.inner = new ReplayChooser(path);
  }
  choose(n: number, depth: number): readonly number[] {
    try {
      return this.inner.choose(n, depth);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      this.stop = { depth, n };
      return [];
    }
  }
}

/**
 * Replay `path` on `model`, evaluating `selected` (with `all` the model's properties, which
 * declare the assertion tags).
 */
export function replayPath(model: CompiledModel, all: readonly Property[], selected: readonly Property[], path: readonly number[]): ReplayRun {
  const pushed: Int32Array[] = [];
  const frontier = new OneStateFrontier(model.width, (s, _id, depth) => void (pushed[depth] = s.slice()));
  const store = new PathLog();
  const chooser = new StoppingReplayChooser(path);
  const outcome = search(model, makeEvaluator(model, all, selected), { frontier, store, chooser });
  const ran = Math.max(0, store.size - 1);
  const run: ReplayRun = {
    model,
    path: [...path],
    trace: expandPath(model, path.slice(0, ran)),
    violations: outcome.violations
      .map((v): ReplayViolation => {
        const r: ReplayViolation = { property: v.property, step: v.path.length, message: v.message };
        if (v.blocked) r.blocked = v.blocked;
        return r;
      })
      .sort((a, b) => a.step - b.step),
  };
  if (outcome.error) run.error = outcome.error;
  else if (ran < path.length) {
    if (chooser.stop) run.stop = { kind: 'not-enabled', step: chooser.stop.depth + 1, choice: path[chooser.stop.depth]!, enabled: chooser.stop.n };
    // No action at all was enabled: the core saw a terminal state (or a deadlock) and never asked.
    else if (pushed.length === ran + 1) run.stop = { kind: 'not-enabled', step: ran + 1, choice: path[ran]!, enabled: 0 };
    // The last state was stored but not pushed: a BUG_ON halted it.
    else run.stop = { kind: 'halted', step: ran };
  }
  pushed.forEach((s, depth) => {
    const again = depth === 0 ? run.trace.init : run.trace.steps[depth - 1]?.state;
    if (again && !sameState(s, again))
      throw new ModelError(`model ${model.name} is not deterministic: step ${depth} of the path gave two different states when run twice`);
  });
  return run;
}

function sameState(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One line saying why a replay stopped early. */
export function describeStop(stop: ReplayStop): string {
  if (stop.kind === 'halted') return `a BUG_ON fired in step ${stop.step}, so no step can follow it, yet the path goes on`;
  return stop.enabled === 0
    ? `step ${stop.step} chooses action ${stop.choice}, but no action is enabled there (every thread has finished or is blocked)`
    : `step ${stop.step} chooses action ${stop.choice}, but only ${stop.enabled === 1 ? 'action 0 is' : `actions 0..${stop.enabled - 1} are`} enabled there`;
}

/**
 * Replay a decoded trace file on its model and check it: the shape, every recorded step and
 * state against the re-executed ones, that the path runs to its end, and that the violation
 * the file claims is the one the replay finds (when that property is selected). Throws a
 * TraceFileError naming the first difference.
 */
export function replayTraceFile(model: CompiledModel, all: readonly Property[], selected: readonly Property[], t: DecodedTrace): ReplayRun {
  checkShape(model, t);
  const run = replayPath(model, all, selected, t.meta.path);
  compareStates(model, t, run.trace);
  if (run.error) return run;
  if (run.stop)
    throw new TraceFileError(`trace file ${t.file} does not replay on model ${model.name} variant ${model.variant}: ${describeStop(run.stop)}`, { kind: 'path', step: run.stop.step });
  if (t.loop !== undefined) {
    const problem = followLasso(run, all, selected, t.loop);
    if (problem) throw new TraceFileError(`trace file ${t.file} is no lasso on model ${model.name} variant ${model.variant}: ${problem}`, { kind: 'path', step: run.path.length });
  }
  const claim = t.meta.violation;
  if (claim) {
    // The file and the model first disagree at the earlier of the claimed step and the model's.
    const at = (step: number): TraceDivergence => ({ kind: 'violation', step });
    if (!withBuiltinLiveness(all).some((p) => p.name === claim.property))
      throw new TraceFileError(`trace file ${t.file} claims property '${claim.property}' is violated, but model ${model.name} has no such property`, at(claim.step));
    if (selected.some((p) => p.name === claim.property)) {
      const found = run.violations.find((v) => v.property.name === claim.property);
      if (!found)
        throw new TraceFileError(
          `trace file ${t.file} claims ${claim.property} is violated after ${claim.step} steps, but replaying its ${run.path.length} steps ${claim.property} holds throughout`,
          at(claim.step),
        );
      if (found.step !== claim.step)
        throw new TraceFileError(`trace file ${t.file} claims ${claim.property} is violated after ${claim.step} steps, but the replay finds it after ${found.step}`, at(Math.min(claim.step, found.step)));
    }
  }
  return run;
}

export interface VariantReplay {
  /** How the old steps were placed on the patched model. */
  port: Port;
  /** The resulting path replayed on the patched model (properties evaluated along it). */
  run: ReplayRun;
}

/** Run a replayed interleaving on another variant (matching rule: src/trace/cross-variant.ts). */
export function replayOnVariant(from: ReplayRun, target: CompiledModel, all: readonly Property[], selected: readonly Property[]): VariantReplay {
  const old: OldStep[] = from.trace.steps.map((s) => {
    const loc = from.model.threads[s.threadIndex]!.locations.find((l) => l.id === s.id);
    return { thread: s.thread, label: s.label, id: s.id, alt: Math.max(0, loc?.actions.findIndex((a) => a.label === s.label) ?? 0) };
  });
  const port = portTrace(old, target);
  return { port, run: replayPath(target, all, selected, port.path) };
}

/**
 * Follow a lasso (a liveness counterexample: after `path[0..loop)` the rest of the path loops
 * back to the same state, src/engine/liveness/lasso-check.ts): the selected liveness properties
 * it breaks join the run's violations at its last step. Returns why it is no lasso, if it is not.
 */
export function followLasso(run: ReplayRun, all: readonly Property[], selected: readonly Property[], loop: number): string | undefined {
  const ev = makeEvaluator(run.model, all, []);
  const r = replayLasso(run.model, selected.filter(isLiveness), run.path, loop, (w) => ev.info(w));
  if (r.problem) return r.problem;
  for (const v of r.violated) run.violations.push({ property: v.property, step: run.path.length, message: v.message });
  return undefined;
}
