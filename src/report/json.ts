// The machine-readable form of a result (`--json`): the result itself, with each
// counterexample's path expanded into steps (thread, statement, changed variables).

import type { CompiledModel } from '../model/compile.js';
import { exitCodeOf, type CheckResult } from '../engine/result.js';
import { formatPath } from '../engine/chooser.js';
import { traceOf } from '../trace/expand.js';
import type { Violation } from '../engine/result.js';
import { countsOf, unreached } from './coverage.js';
import { verdictWord } from './holds.js';

/**
 * `coverage`: keep the per-step counts (`kmc check --coverage`) and add the steps that never ran;
 * without it they are left out. Every property carries its verdict in words ("holds, not
 * exercised" for a vacuous one) next to its status.
 */
export function resultToJson(r: CheckResult, model: CompiledModel | undefined, o: { coverage?: boolean } = {}): unknown {
  if (r.status === 'error') return { exitCode: exitCodeOf(r), ...r };
  const { coverage, ...rest } = r;
  const base = {
    exitCode: exitCodeOf(r),
    ...rest,
    ...(r.status === 'violated' ? { violations: r.violations.map(withoutTrace) } : {}),
    properties: r.properties.map((p) => ({ ...(p.status === 'violated' ? { ...p, violation: withoutTrace(p.violation) } : p), verdict: verdictWord(p) })),
    ...(o.coverage ? { coverage: coverage ? { of: countsOf(r), ...coverage, unreached: unreached(r) } : null } : {}),
  };
  if (r.status !== 'violated' || !model) return base;
  return {
    ...base,
    violations: r.violations.map((v) => {
      const trace = traceOf(model, v);
      const last = trace.steps.length ? trace.steps[trace.steps.length - 1]!.state : trace.init;
      return {
        ...withoutTrace(v),
        replay: formatPath(v.path),
        steps: trace.steps.map((s) => ({ step: s.index, thread: s.thread, label: s.label, changes: s.changes, fired: s.fired, ...(s.buffered !== undefined ? { buffered: s.buffered } : {}) })),
        finalState: { locations: Object.fromEntries(model.threadNames.map((t, i) => [t, model.locationIds(last)[i]])), vars: model.vars(last) },
      };
    }),
  };
}

/** A violation as JSON shows it: its path and steps, not the packed states of its trace. */
function withoutTrace(v: Violation): Omit<Violation, 'trace'> {
  const { trace: _, ...rest } = v;
  return rest;
}
