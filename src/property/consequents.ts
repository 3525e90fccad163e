// Step properties' `then`, compiled for each step over the packed state (src/model/straight.ts),
// as their `when` is (src/engine/evaluate.ts compileStepAntecedents): the step's thread, index,
// id, label, function and tags are constants there. The determinism probe (src/cli/determinism.ts)
// and the tests compare each with the property's own `then`; the search's evaluator
// (src/engine/evaluate.ts) uses one where the step's compiled `when` holds.

import type { TransitionSystem } from '../model/system.js';
import { stepConsequent } from './define.js';
import type { Property, StepInfo } from './types.js';

/** A step property's `then` compiled for one step: 1 holds, 0 does not, -1 bailed (evaluate `then` itself). */
export type CompiledConsequent = (state: Int32Array) => number;

/**
 * Each selected step property's `then` (one built from `{ when, then }`: stepConsequent) compiled
 * for step `step` (TransitionSystem.compileProperty with the step), by index in `selected`;
 * undefined for anything else, or where it is not compiled.
 */
export function compileStepConsequents(model: TransitionSystem, selected: readonly Property[], step: StepInfo): (CompiledConsequent | undefined)[] {
  return selected.map((p) => compileStepConsequent(model, p, step));
}

/** Step property `p`'s `then` compiled for step `step` (one of compileStepConsequents'), or undefined. */
export function compileStepConsequent(model: TransitionSystem, p: Property, step: StepInfo): CompiledConsequent | undefined {
  const then = p.kind === 'step' ? stepConsequent(p) : undefined;
  return then === undefined ? undefined : model.compileProperty?.(then, step);
}
