// Properties: what must hold in every reachable state, at every step, or of the whole run.
// A model's properties live in properties/<model>.ts, apart from the model, so a user can add
// one without touching the model.

import type { ParamValues } from '../model/types.js';

/** What a property sees of a state: the variables (read-only) and where each thread is. */
export interface StateInfo<S> {
  readonly vars: S;
  readonly threads: readonly string[];
  readonly params: ParamValues;
  readonly variant: string;
  /** Location id of a thread (by name or index); END when it has ended. */
  at(thread: string | number): string;
  /** The C function of the statement the thread is about to run ('' when ended). */
  fnAt(thread: string | number): string;
  ended(thread: string | number): boolean;
  /**
   * A thread's local variables (ThreadDef.locals; `{}` when it has none), read-only: a property
   * about a loop counter or a task's preempt count reads `s.local('cpu1/worker').i`.
   */
  local<L extends object = Record<string, any>>(thread: string | number): Readonly<L>;
}

/** The step about to run, for step properties. */
export interface StepInfo {
  readonly thread: string;
  readonly threadIndex: number;
  readonly id: string;
  readonly label: string;
  readonly fn: string;
  readonly tags: readonly string[];
}

interface Common {
  /** Unique within the model; what `--property NAME` selects. */
  name: string;
  /** One line: what the property says, in kernel terms. */
  doc: string;
}

/** Holds in every reachable state. */
export interface Invariant<S> extends Common {
  kind: 'invariant';
  holds(s: StateInfo<S>): boolean;
  /**
   * The antecedent of a "when A, then B" invariant (`holds` is then `!A || B`): the property is
   * exercised only if some reachable state satisfies it; otherwise it holds vacuously and is
   * reported "holds, not exercised" (src/engine/coverage.ts). Absent: every state exercises it.
   */
  when?(s: StateInfo<S>): boolean;
  /** Optional: why it fails in `s`, for the report. */
  explain?(s: StateInfo<S>): string;
}

/** Holds of the state just before every step that runs (a precondition on statements). */
export interface StepProperty<S> extends Common {
  kind: 'step';
  holds(before: StateInfo<S>, step: StepInfo): boolean;
  /**
   * The steps the property is about (and the states it asks of them): exercised only if some
   * step that ran satisfied it; otherwise "holds, not exercised". Absent: every step exercises it.
   */
  when?(before: StateInfo<S>, step: StepInfo): boolean;
  explain?(before: StateInfo<S>, step: StepInfo): string;
}

/** A BUG_ON/WARN_ON inside a step, by the tag the step passes to env.warnOn / env.bugOn. */
export interface AssertionProperty extends Common {
  kind: 'assertion';
  tag: string;
}

/** Every thread either ends or stops at a valid end location. */
export interface DeadlockProperty extends Common {
  kind: 'deadlock';
}

/**
 * How the scheduler treats a thread or a step in the infinite runs liveness properties speak of
 * (src/engine/liveness): 'weak' (a thread enabled continuously from some point on eventually
 * runs: a user task on a fair scheduler), 'strong' (enabled infinitely often, it eventually runs:
 * an interrupt handler whose line keeps being raised) or 'none' (may never run: a device).
 */
export type Fairness = 'weak' | 'strong' | 'none';

export interface FairnessSpec {
  /** Threads not named in `threads` (default 'weak'). */
  default?: Fairness;
  /** Per thread, by exact name, or by a prefix ending in '*' ('irq/*'). The first match wins. */
  threads?: Record<string, Fairness>;
  /**
   * Per step: every action whose location id, label, C function or one of whose tags equals
   * `step` (or for which the function returns true) is fair on its own, apart from its thread.
   */
  steps?: { step: string | ((s: StepInfo) => boolean); fairness: 'weak' | 'strong' }[];
}

/**
 * A property of the infinite runs (TLA+'s temporal formulas, checked on the state graph under
 * fairness, with lasso counterexamples):
 *   livelock            no fair cycle in which some unfinished thread never makes progress
 *   eventually          <>p  from the initial state
 *   always-eventually   []<>p
 *   eventually-always   <>[]p
 *   leads-to            p ~> q, that is [](p => <>q)
 * A run that stops (no step can run) stays in its last state for ever (stuttering).
 */
export interface LivenessProperty<S = any> extends Common {
  kind: 'liveness';
  form: 'livelock' | 'eventually' | 'always-eventually' | 'eventually-always' | 'leads-to';
  p?: (s: StateInfo<S>) => boolean;
  /** leads-to only: the consequent. */
  q?: (s: StateInfo<S>) => boolean;
  fairness?: FairnessSpec;
}

export type Property<S = any> = Invariant<S> | StepProperty<S> | AssertionProperty | DeadlockProperty | LivenessProperty<S>;

export interface PropertySet<S = any> {
  /** The model these properties are about. */
  model: string;
  properties: Property<S>[];
  /** false: the user opted out of the deadlock check (defineProperties(..., { deadlock: false })). */
  deadlock?: false;
  /** false: the user opted out of the built-in livelock check (defineProperties(..., { livelock: false })). */
  livelock?: false;
}
