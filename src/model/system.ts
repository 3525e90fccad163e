// The model↔engine contract: what the search core (search.ts, expand.ts), the property
// evaluator, the path follower and replay need of a model, and nothing more. A compiled model
// (compile.ts) is one; a test can build a fake one from this interface alone.
//
// Everything else a compiled model carries is metadata for reports, listings, traces and the
// reductions (its definition, variants and parameter declarations, layout, locations, labels
// and notes, symmetry): see CompiledModel. Footprint recording, which partial-order reduction
// needs, is an observer the reduction code passes in (FootprintRecorder), not a channel the
// model shares with every engine.

import { ModelError } from '../util/errors.js';
import type { ParamValues, StepEnv } from './types.js';
import type { SlotSink } from './layout.js';

/** One action as the engine sees it: who takes it, what it is, for traces and properties. */
export interface Step {
  /** Thread index. */
  readonly thread: number;
  /** The location id (the program counter's name) the action is offered at. */
  readonly id: string;
  /** What traces show: the code, then the note if any (`code [note]`). */
  readonly label: string;
  /** The C function it belongs to. */
  readonly fn: string;
  /** Free-form tags read by properties (`might_sleep`, `lock:kvm_lock`). */
  readonly tags: readonly string[];
  /** Its index among all the system's steps, 0..stepCount-1 (coverage counts). */
  readonly ordinal: number;
}

/** Thrown for a step that throws or misbehaves; carries what a report must name. */
export class StepError extends ModelError {
  constructor(
    message: string,
    readonly model: string,
    readonly thread: string,
    readonly label: string,
    readonly state: unknown,
  ) {
    super(message);
  }
}

/** What happened when a step ran. */
export interface StepOutcome {
  /** Tags of the WARN_ON/BUG_ON assertions that fired in this step. */
  fired: string[];
  /** A BUG_ON fired: the state after the step has no successors. */
  halted: boolean;
}

export interface BlockedThread {
  thread: string;
  at: string;
  label: string;
  waitsFor: string;
}

/**
 * A transition system over packed states (Int32Array words of one width). `A` is the system's
 * action type, `S` the type of its variables as properties read them.
 */
export interface TransitionSystem<A extends Step = Step, S = unknown> {
  /** Which system this is: names messages and traces. */
  readonly name: string;
  readonly variant: string;
  readonly params: ParamValues;
  /** Thread index -> name. */
  readonly threadNames: readonly string[];
  /** How many actions the system has in all (Step.ordinal is below it). */
  readonly stepCount: number;
  /** Length of a packed state. */
  readonly width: number;
  /** The initial state (shared: never written). */
  readonly init: Int32Array;
  /** Fill `out` with the enabled actions of `state` in canonical order; returns the count. */
  enabled(state: Int32Array, out: A[]): number;
  /** Apply `action` to `src`, writing the successor into `dst` (same width). */
  apply(src: Int32Array, action: A, dst: Int32Array): StepOutcome;
  /** Is `state`, where `enabledCount` actions are enabled, a deadlock (nothing enabled, some thread not at an end)? */
  isDeadlock(state: Int32Array, enabledCount: number): boolean;
  /** Threads that have not ended and are not at an end location, with what they wait for. */
  blocked(state: Int32Array): BlockedThread[];
  /**
   * The variables of `state` for properties to read (valid until the next call on the system;
   * must not be written: `unchanged` checks).
   */
  view(state: Int32Array): S;
  /** Throws a ModelError naming `who` if the object `view` returned was written to. */
  unchanged(state: Int32Array, who: string): void;
  /** The location id of `thread` in `state` (END once it has ended). */
  locationId(state: Int32Array, thread: number): string;
  /** The C function `thread` is in (its location's), '' once it has ended. */
  fnAt(state: Int32Array, thread: number): string;
  /** Thread `thread`'s local variables inside `vars` (what view returned; `{}` when it has none). */
  localsOf(vars: unknown, thread: number): object;
  /**
   * Told the tag of every WARN_ON/BUG_ON a step evaluates, fired or not (coverage: was an
   * assertion's statement reached?). One listener at a time; null: nobody listens.
   */
  hearAssertions(listener: ((tag: string) => void) | null): void;
  /**
   * A property of one state (an invariant's `holds`) compiled to code over the packed state
   * (1 holds, 0 not, -1 bailed: evaluate it on the view), or undefined when it is not in the step
   * compiler's subset or the system compiles nothing (straight.ts). Optional: without it every
   * property is evaluated on the view. With `step`: a step property's function of (state,
   * step), compiled for that one step (its members constants).
   */
  compileProperty?(
    holds: Function,
    step?: { readonly thread: string; readonly threadIndex: number; readonly id: string; readonly label: string; readonly fn: string; readonly tags: readonly string[] },
  ): ((state: Int32Array) => number) | undefined;
}

/** Where a FootprintRecorder reports slots: read at every access, so the owner may swap them. */
export interface SlotSinks {
  reads: SlotSink | null;
  writes: SlotSink | null;
}

/**
 * Footprint recording, for the reduction code (model.recorder(sinks)): every variable slot read
 * through this recorder's views, guards, recipes and next() goes to `sinks.reads` (when set),
 * every slot written to `sinks.writes` (layout offsets; what a read of where a thread is means,
 * the reduction code decides). Each recorder has views of its own: recording never touches the
 * model's fast path, and one recorder serves a whole run.
 */
export interface FootprintRecorder<A extends Step = Step, S = unknown> {
  /** The variables of `state` as read-only views (a write throws). */
  view(state: Int32Array): S;
  /** Thread `thread`'s environment over those views (env.local included; WARN_ON/BUG_ON are not heard by coverage). */
  env(thread: number): StepEnv;
  /** `action`'s guard (gates included) on `state`, true when it has none. */
  guard(state: Int32Array, action: A): boolean;
  /** `action` applied to `src` through the views into `dst`: same successor as TransitionSystem.apply. */
  apply(src: Int32Array, action: A, dst: Int32Array): StepOutcome;
}
