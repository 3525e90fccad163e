// The reductions of one run, as the Reducer the Expander consults: partial-order reduction
// (por.ts), symmetry (symmetry.ts) and the preemption bound (preemption.ts), each optional.
// Order on a successor: the bound's extra words first (they are part of the state), then the
// canonical form, then what partial-order reduction checks on the state the search will store.

import type { CompiledAction, CompiledModel } from '../../model/compile.js';
import type { TransitionSystem } from '../../model/system.js';
import type { Property } from '../../property/types.js';
import type { Reducer } from './reducer.js';
import { Canonicalizer } from './symmetry.js';
import { PartialOrder } from './por.js';
import { PreemptionBound } from './preemption.js';

export interface ReductionOptions {
  /** Partial-order reduction. */
  por?: boolean | undefined;
  /** Symmetry reduction over the members the model declares. */
  symmetry?: boolean | undefined;
  /** Explore only interleavings with at most this many preemptions. */
  preemptionBound?: number | undefined;
}

const NONE: readonly number[] = Object.freeze([]);

export class Reductions implements Reducer {
  /** The system the search runs on: the model, or with the bound its states carry two more words. */
  readonly model: TransitionSystem<CompiledAction>;
  readonly canon: Canonicalizer | null;
  por: PartialOrder | null;
  readonly bound: PreemptionBound | null;
  /** Why a requested reduction does not run (for the report). */
  readonly notes: string[] = [];
  private actions: readonly CompiledAction[] = NONE as never;
  private state: Int32Array = new Int32Array(0);
  /** The successor successor() rewrote last, which stored() reports on. */
  private next: Int32Array = new Int32Array(0);

  constructor(base: CompiledModel, all: readonly Property[], selected: readonly Property[], o: ReductionOptions) {
    const k = o.preemptionBound;
    if (k !== undefined && (!Number.isInteger(k) || k < 0)) throw new RangeError(`preemption bound must be a non-negative integer, not ${k}`);
    this.bound = k === undefined ? null : new PreemptionBound(base.width, k);
    this.model = this.bound ? withBoundWords(base, this.bound) : base;
    let canon: Canonicalizer | null = null;
    if (o.symmetry) {
      if (base.symmetry.length === 0) this.notes.push('symmetry: the model declares no interchangeable members');
      else {
        canon = new Canonicalizer(base, base.symmetry, this.bound ? ['thread', 'plain'] : []);
        if (!canon.active) canon = null;
      }
    }
    this.canon = canon;
    if (o.por && this.bound) {
      // Ample sets preserve reachable states up to reordering, not the number of preemptions a
      // path needs (Coons, Musuvathi & McKinley, "Bounded partial-order reduction", OOPSLA 2013).
      this.notes.push('partial-order reduction: off under --preemption-bound (a reordered path may need more preemptions)');
      this.por = null;
    } else this.por = o.por ? new PartialOrder(base, all, selected, canon ? canon.slotMaps() : null) : null;
  }

  /** Partial-order reduction off from now on (run.ts gives up on it when it cannot help). */
  withoutPor(): void {
    this.por = null;
  }

  get active(): boolean {
    return this.por !== null || this.canon !== null || this.bound !== null;
  }

  /** The initial state of the search (with the bound's words, canonical). */
  initial(): Int32Array {
    const s = this.model.init.slice();
    this.canon?.canonicalize(s);
    return s;
  }

  /** The greatest depth expanded so far in this search (run.ts compares it). */
  depth = 0;

  visit(state: Int32Array, _n: number, _actions: readonly CompiledAction[], depth: number): void {
    if (depth > this.depth) this.depth = depth;
    if (this.por) {
      this.por.expanding(depth);
      this.por.visitGuards(state);
    }
  }

  select(state: Int32Array, _n: number, actions: readonly CompiledAction[], chosen: readonly number[]): readonly number[] {
    this.actions = actions;
    this.state = state;
    return this.por ? this.por.select(state, actions, chosen) : chosen;
  }

  rest(chosen: readonly number[]): readonly number[] {
    return this.por ? this.por.rest(this.state, this.actions, chosen) : NONE;
  }

  admit(state: Int32Array, action: CompiledAction, n: number, actions: readonly CompiledAction[]): boolean {
    if (this.bound && !this.bound.admit(state, action, n, actions)) return false;
    this.por?.visitStep(state, action);
    return true;
  }

  successor(_state: Int32Array, action: CompiledAction, next: Int32Array, halted: boolean): void {
    this.bound?.write(action, next);
    this.canon?.canonicalize(next);
    if (this.por) {
      this.next = next;
      this.por.successor(halted);
    }
  }

  stored(id: number, isNew: boolean): void {
    if (this.por === null) return;
    // The search evaluates the invariants on a state it stores now, and only then: those are
    // the evaluations partial-order reduction must know to conform (por.ts). A successor found
    // stored was recorded when it was new (half or more of the successors, looked up in the
    // invariants' memo for nothing before).
    if (isNew) this.por.visitInvariants(this.next);
    this.por.stored(id);
  }
}

/**
 * The model as a transition system whose states carry the bound's words after the model's own
 * (the model's steps read and write only their own words; PreemptionBound.write fills the rest
 * of each successor). Built from the contract (system.ts) member by member: nothing of the
 * model's metadata, which describes the narrower states, comes along.
 */
function withBoundWords(model: CompiledModel, bound: PreemptionBound): TransitionSystem<CompiledAction> {
  const init = new Int32Array(model.width + 2); // the last thread that ran, the preemptions used
  init.set(model.init);
  bound.init(init);
  return {
    name: model.name,
    variant: model.variant,
    params: model.params,
    threadNames: model.threadNames,
    stepCount: model.stepCount,
    width: init.length,
    init,
    enabled: (state, out) => model.enabled(state, out),
    apply: (src, action, dst) => model.apply(src, action, dst),
    isDeadlock: (state, n) => model.isDeadlock(state, n),
    blocked: (state) => model.blocked(state),
    view: (state) => model.view(state),
    unchanged: (state, who) => model.unchanged(state, who),
    locationId: (state, thread) => model.locationId(state, thread),
    fnAt: (state, thread) => model.fnAt(state, thread),
    localsOf: (vars, thread) => model.localsOf(vars, thread),
    hearAssertions: (listener) => model.hearAssertions(listener),
  };
}
