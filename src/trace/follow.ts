// The one path follower: a path (the choice index at each step) followed from the initial state
// on the model itself, every index checked against the enabled actions of the state it is taken
// from. Trace expansion (expand.ts, and so replay) and the parallel search's counterexample
// rebuilding (src/engine/follow.ts) walk paths through it.

import type { CompiledAction, CompiledModel, StepOutcome } from '../model/compile.js';
import { UsageError } from '../util/errors.js';

export interface FollowedStep {
  /** 1-based step number. */
  index: number;
  choice: number;
  before: Int32Array;
  action: CompiledAction;
  after: Int32Array;
  outcome: StepOutcome;
}

/** Follow `path`; `visit` sees every step. Returns the final state (the initial state for an empty path). */
export function followPath(model: CompiledModel, path: readonly number[], visit?: (step: FollowedStep) => void): Int32Array {
  const actions: CompiledAction[] = [];
  let state = model.init;
  path.forEach((choice, i) => {
    const n = model.enabled(state, actions);
    if (!Number.isInteger(choice) || choice < 0 || choice >= n)
      throw new UsageError(
        `step ${i + 1} of the path chooses action ${choice}, but ${n === 0 ? 'no action is' : `only actions 0..${n - 1} are`} enabled there (model ${model.name}, variant ${model.variant})`,
      );
    const action = actions[choice]!;
    const next = new Int32Array(model.width);
    const outcome = model.apply(state, action, next);
    visit?.({ index: i + 1, choice, before: state, action, after: next, outcome });
    state = next;
  });
  return state;
}
