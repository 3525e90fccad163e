// Fairness, declared per thread or per step (FairnessSpec), as constraints over the state graph:
// for each fair thread or step, in which states it is enabled and which actions are its steps.
// In a state the search expanded, an action is enabled exactly when the graph has an edge for
// it (the exhaustive search follows every enabled action).

import type { CompiledAction, CompiledModel } from '../../model/compile.js';
import type { Fairness, FairnessSpec, StepInfo } from '../../property/types.js';
import { UsageError } from '../../util/errors.js';
import type { Constraint } from './fair-cycle.js';
import type { StateGraph } from './graph.js';
import type { AnalysisMeter } from './meter.js';

/** The fairness of a thread under a spec (default: weak). */
export function threadFairness(spec: FairnessSpec | undefined, thread: string): Fairness {
  const entries = Object.entries(spec?.threads ?? {});
  for (const [pattern, f] of entries) if (pattern.endsWith('*') ? thread.startsWith(pattern.slice(0, -1)) : pattern === thread) return f;
  return spec?.default ?? 'weak';
}

export function constraintsOf(g: StateGraph, spec: FairnessSpec | undefined, meter?: AnalysisMeter): Constraint[] {
  const model = g.model;
  const out: Constraint[] = [];
  const actionsOf = (want: (a: number) => boolean): Uint8Array => {
    const taken = new Uint8Array(model.allActions.length);
    for (let a = 0; a < taken.length; a++) if (want(a)) taken[a] = 1;
    return taken;
  };
  for (const pattern of Object.keys(spec?.threads ?? {}))
    if (!model.threadNames.some((t) => (pattern.endsWith('*') ? t.startsWith(pattern.slice(0, -1)) : pattern === t)))
      throw new UsageError(`fairness: no thread of ${model.name} matches '${pattern}' (threads: ${model.threadNames.join(', ')})`);
  model.threadNames.forEach((name, t) => {
    const f = threadFairness(spec, name);
    if (f === 'none') return;
    const taken = actionsOf((a) => model.allActions[a]!.thread === t);
    out.push(constraint(f, name, taken, g, meter));
  });
  for (const { step, fairness } of spec?.steps ?? []) {
    const matches = (a: number): boolean => stepMatches(model, model.allActions[a]!, step);
    let any = false;
    for (let a = 0; a < model.allActions.length; a++) {
      if (!matches(a)) continue;
      any = true;
      const act = model.allActions[a]!;
      const taken = actionsOf((b) => b === a);
      out.push(constraint(fairness, `step '${act.label}' (${model.threadNames[act.thread]})`, taken, g, meter));
    }
    if (!any) throw new UsageError(`fairness: no step of ${model.name} matches '${typeof step === 'function' ? 'the given function' : step}'`);
  }
  return out;
}

/** Does a fairness spec's `step` (a name or a predicate) match this action? */
export function stepMatches(model: CompiledModel, act: CompiledAction, step: string | ((s: StepInfo) => boolean)): boolean {
  if (typeof step === 'function') return step({ thread: model.threadNames[act.thread]!, threadIndex: act.thread, id: act.id, label: act.label, fn: act.fn, tags: act.tags });
  return act.id === step || act.label === step || act.fn === step || act.tags.includes(step);
}

/**
 * A constraint whose states where it is enabled are found when first asked for: a search that
 * meets no cycle (a graph without any, fair-cycle.ts) and no state to stay in never asks, and
 * the pass over every state's edges was a sixth of kvm-hotplug's analysis (session 14). The
 * spec was checked before (constraintsOf throws for a pattern that matches nothing, at once).
 */
function constraint(kind: Constraint['kind'], name: string, taken: Uint8Array, g: StateGraph, meter: AnalysisMeter | undefined): Constraint {
  let enabled: Uint8Array | undefined;
  return {
    kind,
    name,
    taken,
    get enabled() {
      return (enabled ??= enabledWhere(g, taken, meter));
    },
  };
}

/** enabled[s] = 1 where some edge of s is a step in `taken`. */
export function enabledWhere(g: StateGraph, taken: Uint8Array, meter: AnalysisMeter | undefined): Uint8Array {
  const enabled = new Uint8Array(g.n);
  for (let s = 0; s < g.n; s++) {
    if (meter !== undefined && --meter.left === 0) meter.poll();
    for (let e = g.start[s]!; e < g.start[s + 1]!; e++)
      if (taken[g.action[e]!]) {
        enabled[s] = 1;
        break;
      }
  }
  return enabled;
}
