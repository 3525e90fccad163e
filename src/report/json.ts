// The machine-readable form of a result (`--json`): the result itself, with each
// counterexample's path expanded into steps (thread, statement, changed variables).

import type { CompiledModel } from '../model/compile.js';
import { exitCodeOf, type CheckResult } from '../engine/result.js';
import { formatPath } from '../engine/chooser.js';
import { expandPath } from '../trace/expand.js';

export function resultToJson(r: CheckResult, model: CompiledModel | undefined): unknown {
  if (r.status !== 'violated' || !model) return { exitCode: exitCodeOf(r), ...r };
  return {
    exitCode: exitCodeOf(r),
    ...r,
    violations: r.violations.map((v) => {
      const trace = expandPath(model, v.path);
      const last = trace.steps.length ? trace.steps[trace.steps.length - 1]!.state : trace.init;
      return {
        ...v,
        replay: formatPath(v.path),
        steps: trace.steps.map((s) => ({ step: s.index, thread: s.thread, label: s.label, changes: s.changes, fired: s.fired })),
        finalState: { locations: Object.fromEntries(model.threadNames.map((t, i) => [t, model.locationIds(last)[i]])), vars: model.vars(last) },
      };
    }),
  };
}
