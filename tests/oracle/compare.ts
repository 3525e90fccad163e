// Differential checks of the engine against the reference explorer, shared by the random-model
// and textbook tests: same verdict per property, same distinct-state count (and transitions,
// diameter), same shortest-violation length, and every violation path the engine returns
// replays, through src/trace/expand.ts and through the reference's own semantics step by step,
// to a state (or step) where the property indeed fails.

import { expect } from 'vitest';
import { check, type CheckOptions } from '../../src/engine/check.js';
import type { CheckResult, Violation } from '../../src/engine/result.js';
import { compileModel, type CompiledModel } from '../../src/model/compile.js';
import type { ModelDef, ParamValues } from '../../src/model/index.js';
import { withBuiltinLiveness, type Property, type PropertySet } from '../../src/property/index.js';
import { lassoProblem } from './brute-force-lasso.js';
import { expandPath } from '../../src/trace/expand.js';
import { failsAt, shownLabel, propertyList, referenceExplore, RefSystem, type RefAction, type RefResult, type RefState } from './reference-explorer.js';

export interface Agreement {
  result: CheckResult;
  ref: RefResult;
}

/** Run both explorers and expect them to agree; returns both results. */
export function expectAgreement(
  def: ModelDef,
  properties: PropertySet | readonly Property[],
  o: { variant?: string; params?: ParamValues; maxStates?: number } = {},
): Agreement {
  const ref = referenceExplore(def, properties, o);
  const options: CheckOptions = {};
  if (o.variant !== undefined) options.variant = o.variant;
  if (o.params !== undefined) options.params = o.params;
  // Nothing to compare against a truncated reference: the engine then stops at the same bound
  // (an unbounded search of a random model that happens to be huge took minutes, for nothing).
  if (ref.truncated) return { result: check(def, properties, { ...options, maxStates: o.maxStates! }), ref };
  const result = check(def, properties, options);
  if (ref.error !== undefined) {
    expect(result.status, `the reference failed with: ${ref.error}`).toBe('error');
    return { result, ref };
  }
  if (result.status === 'error') throw new Error(`engine error where the reference explored fine: ${result.message}`);
  expect({ states: result.stats.states, transitions: result.stats.transitions, diameter: result.stats.diameter }).toEqual({
    states: ref.states,
    transitions: ref.transitions,
    diameter: ref.diameter,
  });
  // Liveness (the built-in livelock, on wherever deadlock is) has no reference verdict here: its
  // lassos are checked below, its verdicts against brute force in liveness-vs-brute-force.test.ts.
  const engine = Object.fromEntries(
    result.properties.filter((p) => p.kind !== 'liveness').map((p) => [p.name, p.status === 'violated' ? { status: 'violated', shortest: p.violation.path.length } : { status: p.status }]),
  );
  const reference = Object.fromEntries(
    Object.values(ref.properties).filter((p) => p.kind !== 'liveness').map((p) => [p.name, p.status === 'violated' ? { status: 'violated', shortest: p.shortest } : { status: 'holds' }]),
  );
  expect(engine).toEqual(reference);
  const livenessViolated = result.properties.some((p) => p.kind === 'liveness' && p.status === 'violated');
  expect(result.status).toBe(livenessViolated || Object.values(ref.properties).some((p) => p.kind !== 'liveness' && p.status === 'violated') ? 'violated' : 'verified');
  if (result.status === 'violated') {
    expect(result.complete).toBe(true);
    const model = compileModel(def, options);
    const sys = new RefSystem(def, o);
    for (const v of result.violations) expectReplaysToViolation(model, sys, withBuiltinLiveness(propertyList(properties)), v);
  }
  return { result, ref };
}

/**
 * Replay `v.path` with expandPath and, in lock step, with the reference semantics: the same
 * thread and statement at each step, the same state after it; and the property fails at the end.
 */
export function expectReplaysToViolation(model: CompiledModel, sys: RefSystem, properties: readonly Property[], v: Violation): void {
  if (v.kind === 'liveness') {
    expect(lassoProblem(sys, withBuiltinLiveness(properties), v), `${v.property}'s lasso ${v.path.join('/')} (loop at ${v.loop})`).toBe('');
    return;
  }
  const trace = expandPath(model, v.path);
  let state: RefState = sys.init;
  let before: RefState = state;
  let last: RefAction | undefined;
  v.path.forEach((choice, i) => {
    const actions = sys.enabled(state);
    expect(choice, `step ${i + 1} of ${v.property}'s path`).toBeLessThan(actions.length);
    const a = actions[choice]!;
    const step = trace.steps[i]!;
    expect({ thread: step.thread, label: step.label }).toEqual({ thread: sys.threadNames[a.thread], label: shownLabel(a.action) });
    expect(state.halted, `step ${i + 1} of ${v.property}'s path runs from a halted state`).toBe(false);
    before = state;
    last = a;
    state = sys.step(state, a).state;
    expect({ at: model.locationIds(step.state), vars: model.vars(step.state) }).toEqual({ at: state.at, vars: state.vars });
  });
  const p = properties.find((q) => q.name === v.property)!;
  expect(p, `violation of an unknown property ${v.property}`).toBeDefined();
  const fails = p.kind === 'invariant' || p.kind === 'deadlock' ? failsAt(sys, p, state) : last !== undefined && failsAt(sys, p, before, last);
  expect(fails, `${v.property} does not fail where its path leads`).toBe(true);
  if (p.kind === 'assertion') expect(trace.steps.at(-1)!.fired).toContain(p.tag);
}

