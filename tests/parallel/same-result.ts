// The comparison every agreement test makes: a parallel result against the sequential one.
// Same verdict, same distinct states, transitions and diameter, the same property statuses and
// the same counterexamples (the very paths, not only their lengths), and the worker count.

import { expect } from 'vitest';
import type { CheckResult } from '../../src/engine/result.js';
import { compileModel } from '../../src/model/compile.js';
import type { ModelDef } from '../../src/model/types.js';
import type { Property } from '../../src/property/types.js';
import { expectReplaysToViolation } from '../oracle/compare.js';
import { RefSystem } from '../oracle/reference-explorer.js';

/** What must not depend on how the search was run. */
export function essence(r: CheckResult): unknown {
  if (r.status === 'error') return { status: r.status, message: r.message, thread: r.thread, label: r.label, state: r.state };
  return {
    status: r.status,
    states: r.stats.states,
    transitions: r.stats.transitions,
    diameter: r.stats.diameter,
    properties: r.properties.map((p) => `${p.name}: ${p.status}${p.status === 'holds' && p.notExercised !== undefined ? ', not exercised' : ''}`),
    // How often each step ran: the workers' counts add up to the sequential search's.
    fired: r.coverage?.steps.map((s) => s.fired) ?? null,
    violations: r.status === 'violated' ? r.violations.map((v) => ({ property: v.property, path: v.path.join('/'), message: v.message, blocked: v.blocked })) : [],
    stoppedBy: r.status === 'incomplete' || r.status === 'violated' ? (r.stoppedBy ?? null) : null,
  };
}

export function expectSameResult(parallel: CheckResult, sequential: CheckResult, workers: number, what: string): void {
  expect(essence(parallel), `${what} with ${workers} worker(s)`).toEqual(essence(sequential));
  if (parallel.status !== 'error') expect(parallel.stats.workers).toBe(workers);
}

export interface Replay {
  def: ModelDef;
  properties: readonly Property[];
  variant?: string;
  params?: Record<string, number | boolean>;
}

/** Same result as the sequential search, same reductions and shortest flags; every counterexample replays on the unreduced model. */
export function expectSameReduced(parallel: CheckResult, sequential: CheckResult, workers: number, what: string, replay: Replay): void {
  expectSameResult(parallel, sequential, workers, what);
  if (parallel.status === 'error' || sequential.status === 'error') return;
  expect(parallel.reductions, `${what}: reductions with ${workers} worker(s)`).toEqual(sequential.reductions);
  if (parallel.status !== 'violated' || sequential.status !== 'violated') return;
  expect(parallel.violations.map((v) => v.shortest)).toEqual(sequential.violations.map((v) => v.shortest));
  const options = { variant: replay.variant, params: replay.params ?? {} };
  const model = compileModel(replay.def, options);
  const sys = new RefSystem(replay.def, options);
  for (const v of parallel.violations) expectReplaysToViolation(model, sys, replay.properties, v);
}
