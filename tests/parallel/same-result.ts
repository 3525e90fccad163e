// The comparison every agreement test makes: a parallel result against the sequential one.
// Same verdict, same distinct states, transitions and diameter, the same property statuses and
// the same counterexamples (the very paths, not only their lengths), and the worker count.

import { expect } from 'vitest';
import type { CheckResult } from '../../src/engine/result.js';

/** What must not depend on how the search was run. */
export function essence(r: CheckResult): unknown {
  if (r.status === 'error') return { status: r.status, message: r.message, thread: r.thread, label: r.label, state: r.state };
  return {
    status: r.status,
    states: r.stats.states,
    transitions: r.stats.transitions,
    diameter: r.stats.diameter,
    properties: r.properties.map((p) => `${p.name}: ${p.status}`),
    violations: r.status === 'violated' ? r.violations.map((v) => ({ property: v.property, path: v.path.join('/'), message: v.message, blocked: v.blocked })) : [],
    stoppedBy: r.status === 'incomplete' || r.status === 'violated' ? (r.stoppedBy ?? null) : null,
  };
}

export function expectSameResult(parallel: CheckResult, sequential: CheckResult, workers: number, what: string): void {
  expect(essence(parallel), `${what} with ${workers} worker(s)`).toEqual(essence(sequential));
  if (parallel.status !== 'error') expect(parallel.stats.workers).toBe(workers);
}
