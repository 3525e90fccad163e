// A counterexample rebuilt from its path: the path followed on the model (src/trace/follow.ts,
// the one path follower) and the violation it ends in worded as the search words it. The
// parallel search finds positions, not messages, and rebuilds each counterexample here;
// symmetry's real paths (reduction/symmetry-path.ts) word theirs with violationMessage.

import type { BlockedThread, Step, TransitionSystem } from '../model/system.js';
import type { Property } from '../property/types.js';
import { followPath, type FollowedStep } from '../trace/follow.js';
import type { Evaluator } from './evaluate.js';
import { deadlockMessage } from './expand.js';
import type { FoundViolation } from './search.js';

/**
 * How `property` is violated at the end of a path: in its last step (`last`: the state before,
 * the action, what the step fired) for step properties and assertions, in the final state for
 * invariants and deadlock. Undefined when it is not violated there.
 */
export function violationMessage(
  model: TransitionSystem,
  evaluator: Evaluator,
  property: Property,
  final: Int32Array,
  last: { before: Int32Array; action: Step; fired: readonly string[] } | undefined,
): { message: string; blocked?: BlockedThread[] } | undefined {
  switch (property.kind) {
    case 'invariant':
      return { message: evaluator.explain(property, final) };
    case 'step':
      return last && evaluator.steps(last.before, last.action).includes(property) ? { message: evaluator.explain(property, last.before, last.action) } : undefined;
    case 'assertion':
      return last && last.fired.includes(property.tag) ? { message: `${property.tag} fired in '${last.action.label}' (${model.threadNames[last.action.thread]})` } : undefined;
    case 'deadlock': {
      if (!model.isDeadlock(final, 0)) return undefined;
      const blocked = model.blocked(final);
      return { message: deadlockMessage(blocked), blocked };
    }
  }
}

/**
 * The counterexample of `property` along `path` on the model itself. `atStep`: the violation
 * shows in the path's last step (a step property or an assertion); otherwise in its final state.
 */
export function violationAlong(model: TransitionSystem, evaluator: Evaluator, property: Property, path: number[], atStep: boolean): FoundViolation {
  let lastStep: FollowedStep | undefined;
  const final = followPath(model, path, (s) => void (lastStep = s));
  const last = atStep && lastStep ? { before: lastStep.before, action: lastStep.action, fired: lastStep.outcome.fired } : undefined;
  const found = violationMessage(model, evaluator, property, final, last);
  const v: FoundViolation = { property, path, message: found?.message ?? property.doc };
  if (found?.blocked) v.blocked = found.blocked;
  return v;
}
