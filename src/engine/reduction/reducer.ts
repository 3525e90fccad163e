// The hook by which state-space reductions plug into the one search core: the Expander
// (src/engine/expand.ts) consults a Reducer on every state it expands, so breadth-first search,
// bounded runs and whatever else drives an Expander go through the same reductions.
//
// Indices stay indices into the FULL enabled list of the state: a reduced search only follows
// fewer of them, so every path it reports replays on the unreduced model (symmetry, which
// stores one state per orbit, rebuilds real paths at the end: symmetry-path.ts).

import type { CompiledAction } from '../../model/compile.js';
import type { Step } from '../../model/system.js';

/** `A`: the actions of the system searched (the reductions use a compiled model's). */
export interface Reducer<A extends Step = CompiledAction> {
  /** Every expanded state, with its enabled actions and its depth (footprints of the guards: por.ts). */
  visit(state: Int32Array, n: number, actions: readonly A[], depth: number): void;
  /** The indices to follow first, a subset of `chosen` (partial-order reduction's ample set). */
  select(state: Int32Array, n: number, actions: readonly A[], chosen: readonly number[]): readonly number[];
  /** After those ran: the rest of `chosen` when the state must be expanded fully after all (cycle proviso), else none. */
  rest(chosen: readonly number[]): readonly number[];
  /** May `action` be taken from `state`? (false: beyond the preemption bound, not a transition of the bounded system). */
  admit(state: Int32Array, action: A, n: number, actions: readonly A[]): boolean;
  /** Rewrite the successor in place (extra words, canonical form) before the search stores it. */
  successor(state: Int32Array, action: A, next: Int32Array, halted: boolean): void;
  /**
   * The search stored the successor that successor() just rewrote (`isNew`: the search evaluates
   * the invariants on it, which it does on new states only), or found it stored already, under
   * store id `id` (ids follow discovery order): partial-order reduction's cycle proviso reads the
   * id and records the invariants' footprints on new states, so the successor is fingerprinted
   * and looked up once, by the search.
   */
  stored?(id: number, isNew: boolean): void;
}
