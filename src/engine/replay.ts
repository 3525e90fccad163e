// Replay: one recorded path followed by the one path follower (src/trace/follow.ts), every
// property evaluated along it exactly as a check evaluates it (invariants on each state, step
// properties and assertions on each step, deadlock on each state where nothing can run), through
// the same evaluator (evaluate.ts). evaluatePath needs only the model↔engine contract
// (src/model/system.ts); replayPath adds the trace reports show.
//
// A choice index that is not enabled does not throw: the replay stops there and says which step
// it was and how many actions were enabled. The states for the report are then recomputed by
// expandPath over the steps that ran, and compared with the ones the evaluation saw: a model
// whose steps give different results on the same state is not deterministic, which would make
// every trace meaningless, so that is an error.

import { StepError, type BlockedThread, type Step, type TransitionSystem } from '../model/system.js';
import type { CompiledModel } from '../model/compile.js';
import type { Property } from '../property/types.js';
import { portTrace, type OldStep, type Port } from '../trace/cross-variant.js';
import { expandPath, type Trace } from '../trace/expand.js';
import { walkPath } from '../trace/follow.js';
import { TraceFileError, type DecodedTrace, type TraceDivergence } from '../trace/itf.js';
import { checkShape, compareStates } from '../trace/verify.js';
import { ModelError } from '../util/errors.js';
import { makeEvaluator, type Evaluator } from './evaluate.js';
import { deadlockMessage, firedAssertions } from './expand.js';
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

/** What evaluating the properties along a path found (evaluatePath). */
export interface PathEvaluation {
  /** Violations along the path, by step; each property's first. */
  violations: ReplayViolation[];
  /** The states reached: the initial state, then one per step that ran. */
  states: Int32Array[];
  stop?: ReplayStop;
  /** A model step (or a property) threw: the evaluation stopped there. */
  error?: StepError | ModelError;
}

/**
 * Follow `path` on `system`, evaluating the evaluator's properties on every state and step
 * (the contract alone: a fake system in a test replays like a compiled model).
 */
export function evaluatePath<A extends Step>(system: TransitionSystem<A>, evaluator: Evaluator, path: readonly number[]): PathEvaluation {
  const found = new Map<string, ReplayViolation>();
  const record = (property: Property, step: number, message: () => string, blocked?: BlockedThread[]) => {
    if (found.has(property.name)) return;
    const v: ReplayViolation = { property, step, message: message() };
    if (blocked) v.blocked = blocked;
    found.set(property.name, v);
  };
  const invariants = (state: Int32Array, step: number) => {
    for (const p of evaluator.invariants(state)) record(p, step, () => evaluator.explain(p, state));
  };
  const out: PathEvaluation = { violations: [], states: [system.init] };
  evaluator.coverage?.reset();
  try {
    invariants(system.init, 0);
    walkPath(system, path, {
      state(state, depth, enabled) {
        const deadlock = evaluator.deadlock;
        if (enabled === 0 && deadlock && system.isDeadlock(state, 0)) {
          const blocked = system.blocked(state);
          record(deadlock, depth, () => deadlockMessage(blocked), blocked);
        }
      },
      taking(state, action, index) {
        for (const p of evaluator.steps(state, action)) record(p, index, () => evaluator.explain(p, state, action));
      },
      step({ index, action, after, outcome }) {
        out.states.push(after);
        firedAssertions(system, evaluator, action, outcome.fired, (p, message) => record(p, index, message));
        invariants(after, index);
        // A BUG_ON killed the kernel: nothing runs after it (nor is it a deadlock).
        if (outcome.halted) {
          if (index < path.length) out.stop = { kind: 'halted', step: index };
          return false;
        }
        return true;
      },
      notEnabled(index, choice, enabled) {
        out.stop = { kind: 'not-enabled', step: index, choice, enabled };
      },
    });
  } catch (e) {
    if (!(e instanceof StepError || e instanceof ModelError)) throw e;
    out.error = e;
  }
  out.violations = [...found.values()].sort((a, b) => a.step - b.step);
  return out;
}

/**
 * Replay `path` on `model`, evaluating `selected` (with `all` the model's properties, which
 * declare the assertion tags).
 */
export function replayPath(model: CompiledModel, all: readonly Property[], selected: readonly Property[], path: readonly number[]): ReplayRun {
  const e = evaluatePath(model, makeEvaluator(model, all, selected), path);
  const ran = e.states.length - 1;
  const run: ReplayRun = { model, path: [...path], trace: expandPath(model, path.slice(0, ran)), violations: e.violations };
  if (e.error) run.error = e.error;
  else if (e.stop) run.stop = e.stop;
  e.states.forEach((s, depth) => {
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
