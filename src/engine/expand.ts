// Expanding one state: the part of the search every mode shares (sequential, parallel
// workers, random walks; replay shares firedAssertions and deadlockMessage). Computes the enabled actions, checks deadlock, step
// properties and assertions, applies the chosen actions and hands each successor to a sink.
// What happens to successors (deduplication, frontier, ownership by another worker) is the
// caller's business.

import type { BlockedThread, Step, TransitionSystem } from '../model/system.js';
import type { Property } from '../property/types.js';
import { ModelError } from '../util/errors.js';
import type { Chooser } from './chooser.js';
import type { Evaluator } from './evaluate.js';
import type { Reducer } from './reduction/reducer.js';

export interface ExpandHandlers<A extends Step = Step> {
  /** A successor of the expanded state, reached by enabled action `choice`. `next` is reused: copy it to keep it. */
  successor(next: Int32Array, choice: number, halted: boolean, action: A): void;
  /**
   * A violation seen while expanding: `choice` is the action that violated it (-1: the state
   * itself, a deadlock). `message`/`blocked` are computed only when the caller wants them.
   */
  violation(property: Property, choice: number, message: () => string, blocked?: () => BlockedThread[]): void;
}

export class Expander<A extends Step> {
  private readonly actions: A[] = [];
  private readonly next: Int32Array;
  /** Number of transitions computed so far. */
  transitions = 0;

  constructor(
    private readonly model: TransitionSystem<A>,
    private readonly evaluator: Evaluator,
    private readonly chooser: Chooser,
    /** State-space reductions (src/engine/reduction): consulted on every state when present. */
    private readonly reducer?: Reducer<A>,
  ) {
    this.next = new Int32Array(model.width);
  }

  /**
   * Expand `state` at `depth`. Returns the number of enabled actions (0 for a terminal state or
   * a deadlock), or -1 when `depth` is at the depth bound and the state was not expanded.
   *
   * With a reducer (src/engine/reduction), the reducer sees every state (footprints), may narrow
   * the actions followed to an ample set (indices stay indices into the full enabled list, so
   * every path replays on the unreduced model) and ask for the rest afterwards (cycle proviso),
   * may refuse a transition (preemption bound) and rewrites each successor (canonical form,
   * extra words).
   */
  expand(state: Int32Array, depth: number, maxDepth: number, h: ExpandHandlers<A>): number {
    // (No closure in expand or follow, which run per state and per transition: a function that
    // creates one allocates its captured variables on every call. The rare paths that need one
    // are methods of their own.)
    const { model, evaluator, actions } = this;
    const n = model.enabled(state, actions);
    const r = this.reducer;
    r?.visit(state, n, actions, depth);
    if (n === 0) {
      if (evaluator.deadlock && model.isDeadlock(state, 0)) this.deadlocked(state, h);
      return 0;
    }
    if (depth >= maxDepth) return -1;
    const chosen = this.chooser.choose(n, depth, actions);
    if (r === undefined) {
      for (let k = 0; k < chosen.length; k++) this.follow(state, chosen[k]!, n, h);
      return n;
    }
    // The reducer's set, then the rest it asks for after it, through one call of follow: a
    // partial-order reduced search's learning prefix, whose rests are all empty, gives the JIT
    // feedback for this call, which a second loop's call would first reach in the reduced pass
    // (and the expansion, optimized without it, deoptimize there).
    let list = r.select(state, n, actions, chosen);
    for (let round = 0; ; round++) {
      for (let k = 0; k < list.length; k++) this.follow(state, list[k]!, n, h);
      if (round === 1) return n;
      list = r.rest(chosen);
    }
  }

  /** Take enabled action `choice` from `state`: step properties, the step, assertions, the successor. */
  private follow(state: Int32Array, choice: number, n: number, h: ExpandHandlers<A>): void {
    const { model, evaluator, actions, next } = this;
    const r = this.reducer;
    const action = actions[choice]!;
    if (r !== undefined && !r.admit(state, action, n, actions)) return;
    const violated = evaluator.steps(state, action);
    if (violated.length > 0) this.stepViolated(violated, state, action, choice, h);
    const outcome = model.apply(state, action, next);
    this.transitions++;
    if (outcome.fired.length > 0) this.fired(action, outcome.fired, choice, h);
    r?.successor(state, action, next, outcome.halted);
    h.successor(next, choice, outcome.halted, action);
  }

  private deadlocked(state: Int32Array, h: ExpandHandlers<A>): void {
    const { model } = this;
    const copy = state.slice();
    h.violation(this.evaluator.deadlock!, -1, () => deadlockMessage(model.blocked(copy)), () => model.blocked(copy));
  }

  private stepViolated(violated: readonly Property[], state: Int32Array, action: A, choice: number, h: ExpandHandlers<A>): void {
    const { evaluator } = this;
    for (const p of violated) h.violation(p, choice, () => evaluator.explain(p, state, action));
  }

  private fired(action: A, fired: readonly string[], choice: number, h: ExpandHandlers<A>): void {
    firedAssertions(this.model, this.evaluator, action, fired, (p, message) => h.violation(p, choice, message));
  }
}

export function deadlockMessage(blocked: BlockedThread[]): string {
  return `deadlock: no step can run; ${blocked.map((b) => `${b.thread} is stuck at '${b.label}' waiting for ${b.waitsFor}`).join('; ')}`;
}

/**
 * The assertions `action` fired (its outcome's tags), each told to `report` with its message if
 * it is selected; a tag no property of the model declares is a ModelError. Reported in the
 * properties' order, not the order the recipe fired them: every search (the parallel one sorts
 * its candidates so) and replay list the violations of one step alike.
 */
export function firedAssertions(model: TransitionSystem, evaluator: Evaluator, action: Step, fired: readonly string[], report: (p: Property, message: () => string) => void): void {
  if (fired.length === 0) return;
  const rank = (tag: string) => {
    const p = evaluator.assertion(tag);
    return p ? evaluator.properties.indexOf(p) : Number.MAX_SAFE_INTEGER;
  };
  const ordered = fired.length > 1 ? [...fired].sort((a, b) => rank(a) - rank(b)) : fired;
  for (const tag of ordered) {
    const p = evaluator.assertion(tag);
    if (p) report(p, () => `${tag} fired in '${action.label}' (${model.threadNames[action.thread]})`);
    else if (!evaluator.declared(tag)) throw new ModelError(`model ${model.name}: step '${action.label}' fired assertion '${tag}', which no property of the model declares`);
  }
}
