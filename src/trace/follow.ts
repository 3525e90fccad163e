// The one path follower: a path (the choice index at each step) followed from the initial state
// on the model itself, every index checked against the enabled actions of the state it is taken
// from. Trace expansion (expand.ts), replay's property evaluation (src/engine/replay.ts) and the
// parallel search's counterexample rebuilding (src/engine/follow.ts) walk paths through it.

import type { Step, StepOutcome, TransitionSystem } from '../model/system.js';
import { UsageError } from '../util/errors.js';

export interface FollowedStep<A extends Step = Step> {
  /** 1-based step number. */
  index: number;
  choice: number;
  before: Int32Array;
  action: A;
  after: Int32Array;
  outcome: StepOutcome;
}

/** What a walk along a path tells its caller (every hook optional). */
export interface PathHooks<A extends Step = Step> {
  /** A state the path reaches (`depth` steps in; the initial state first), with how many actions are enabled there. */
  state?(state: Int32Array, depth: number, enabled: number): void;
  /** Step `index` (1-based) is about to take `action` from `state`. */
  taking?(state: Int32Array, action: A, index: number): void;
  /** A step ran. Returning false ends the walk there (a BUG_ON halted the system). */
  step?(step: FollowedStep<A>): boolean | void;
  /**
   * Step `index` chooses `choice`, but only `enabled` actions are enabled: the walk ends there.
   * Without this hook, that is a UsageError.
   */
  notEnabled?(index: number, choice: number, enabled: number): void;
}

/**
 * Walk `path` from the initial state, telling `hooks` every state and step. Returns the last
 * state reached and how many steps ran (fewer than the path's when a hook ended the walk).
 */
export function walkPath<A extends Step>(model: TransitionSystem<A>, path: readonly number[], hooks: PathHooks<A>): { final: Int32Array; ran: number } {
  const actions: A[] = [];
  let state = model.init;
  for (let i = 0; ; i++) {
    const n = model.enabled(state, actions);
    hooks.state?.(state, i, n);
    if (i === path.length) return { final: state, ran: i };
    const choice = path[i]!;
    if (!Number.isInteger(choice) || choice < 0 || choice >= n) {
      if (hooks.notEnabled) {
        hooks.notEnabled(i + 1, choice, n);
        return { final: state, ran: i };
      }
      throw new UsageError(
        `step ${i + 1} of the path chooses action ${choice}, but ${n === 0 ? 'no action is' : `only actions 0..${n - 1} are`} enabled there (model ${model.name}, variant ${model.variant})`,
      );
    }
    const action = actions[choice]!;
    hooks.taking?.(state, action, i + 1);
    const next = new Int32Array(model.width);
    const outcome = model.apply(state, action, next);
    const go = hooks.step?.({ index: i + 1, choice, before: state, action, after: next, outcome });
    state = next;
    if (go === false) return { final: state, ran: i + 1 };
  }
}

/** Follow `path`; `visit` sees every step. Returns the final state (the initial state for an empty path). */
export function followPath<A extends Step>(model: TransitionSystem<A>, path: readonly number[], visit?: (step: FollowedStep<A>) => void): Int32Array {
  return walkPath(model, path, visit ? { step: (s) => void visit(s) } : {}).final;
}
