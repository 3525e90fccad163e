// From a path through canonical states to a path of the model itself.
//
// A search with symmetry stores one state per orbit, so the choice indices it records are
// indices into the enabled actions of CANONICAL states: following them from the real initial
// state would take other steps. Each step is rebuilt by re-execution: from the real state a
// (whose canonical form is the stored state c), the step k taken from c leads to canonical
// state c'; among a's enabled actions, one leads to a state whose canonical form is c' (the
// image of step k under the permutation that maps c back to a). For the last step of a
// violated step property or assertion, the action must also reproduce the violation (two
// actions may lead into the same orbit and only one break the property). Nothing is trusted:
// if no action matches, it is an internal error, and tests replay every rebuilt path on the
// unreduced model.

import type { CompiledAction } from '../../model/compile.js';
import type { Evaluator } from '../evaluate.js';
import { violationMessage } from '../follow.js';
import type { FoundViolation } from '../search.js';
import type { Reductions } from './reductions.js';

export function realViolation(red: Reductions, evaluator: Evaluator, v: FoundViolation): FoundViolation {
  const model = red.model;
  const w = model.width;
  const canonActs: CompiledAction[] = [];
  const realActs: CompiledAction[] = [];
  const step = (x: Int32Array, action: CompiledAction, n: number, acts: readonly CompiledAction[]) => {
    const next = new Int32Array(w);
    let used = 0;
    if (red.bound) {
      used = red.bound.count(x, action, n, acts);
      if (used < 0) return undefined;
    }
    const outcome = model.apply(x, action, next);
    if (red.bound) {
      next[red.bound.base] = action.thread;
      next[red.bound.base + 1] = used;
    }
    const canonical = next.slice();
    red.canon?.canonicalize(canonical);
    return { next, canonical, outcome };
  };
  const same = (a: Int32Array, b: Int32Array) => a.every((x, i) => x === b[i]);

  let a: Int32Array = model.init.slice();
  const real: number[] = [];
  let lastAction: CompiledAction | undefined;
  let lastFired: readonly string[] = [];
  let before: Int32Array = a;
  v.path.forEach((choice, i) => {
    const c = a.slice();
    red.canon?.canonicalize(c);
    const nc = model.enabled(c, canonActs);
    const want = step(c, canonActs[choice]!, nc, canonActs);
    if (!want) throw new Error(`internal: step ${i + 1} of a reduced path is beyond the preemption bound`);
    const n = model.enabled(a, realActs);
    const last = i === v.path.length - 1;
    let found = -1;
    let foundNext: Int32Array | undefined;
    let foundFired: readonly string[] = [];
    for (let j = 0; j < n && found < 0; j++) {
      const got = step(a, realActs[j]!, n, realActs);
      if (!got || got.outcome.halted !== want.outcome.halted || !same(got.canonical, want.canonical)) continue;
      if (last && v.property.kind === 'step' && !evaluator.steps(a, realActs[j]!).includes(v.property)) continue;
      if (last && v.property.kind === 'assertion' && !got.outcome.fired.includes(v.property.tag)) continue;
      found = j;
      foundNext = got.next;
      foundFired = got.outcome.fired;
    }
    if (found < 0) throw new Error(`internal: step ${i + 1} of a symmetry-reduced path has no counterpart in the model (is the model's symmetry declaration right?)`);
    real.push(found);
    before = a;
    lastAction = realActs[found]!;
    lastFired = foundFired;
    a = foundNext!;
  });

  // The message, about the real states (the canonical ones may number CPUs differently).
  const out: FoundViolation = { property: v.property, path: real, message: v.message };
  const p = v.property;
  const found = violationMessage(model, evaluator, p, a, lastAction && (p.kind === 'step' || p.kind === 'assertion') ? { before, action: lastAction, fired: lastFired } : undefined);
  if (found) out.message = found.message;
  if (p.kind === 'deadlock' && found?.blocked) out.blocked = found.blocked;
  if (p.kind !== 'deadlock' && v.blocked) out.blocked = v.blocked;
  return out;
}
