// Builders for properties, so a properties file reads as a list of claims.

import type { AssertionProperty, DeadlockProperty, Invariant, Property, PropertySet, StateInfo, StepInfo, StepProperty } from './types.js';
import { livelockFree } from './liveness.js';
import { declareBound, declareStraight } from '../model/straight.js';

/**
 * "when A, then B": the invariant `!A || B`, with A declared so that a run in which A never
 * held reports the invariant "holds, not exercised" instead of "holds".
 */
export interface Implication<S> {
  when(s: StateInfo<S>): boolean;
  then(s: StateInfo<S>): boolean;
  /**
   * The names `when` and `then` read from their module (helper functions, constants), for the
   * compiler of properties over the packed state (straight.ts; the same as a step's
   * declareStraight(f, { bind })): each of the two that has no declared form of its own gets
   * `{ bind }`. A helper that calls further helpers declares its own (declareStraight). Only ever
   * used to compile: the functions run as written wherever they are not compiled, and the
   * determinism probe compares the two.
   */
  bind?: Readonly<Record<string, unknown>>;
}


/**
 * `!A || B` for an Implication; its straight form (straight.ts: an invariant compiled over the
 * packed state) is the same with `when` and `then` bound (a method that reads `this` is never
 * compiled: its source is no function expression).
 */
function implies<S>(i: Implication<S>): (s: StateInfo<S>) => boolean {
  const holds = (s: StateInfo<S>) => !i.when(s) || i.then(s);
  const when = declareBound(i.when, i.bind);
  const then = declareBound(i.then, i.bind);
  return declareStraight(holds, { fn: (s: StateInfo<S>) => !when(s) || then(s), bind: { when, then } });
}

/** The same for a step property: `when` picks the steps (and states) it is about. */
export interface StepImplication<S> {
  when(before: StateInfo<S>, step: StepInfo): boolean;
  then(before: StateInfo<S>, step: StepInfo): boolean;
  /** As Implication's. */
  bind?: Readonly<Record<string, unknown>>;
}

/**
 * An invariant: `holds` is true in every reachable state, or, given as `{ when, then }`, every
 * reachable state where `when` holds satisfies `then` (and some state must satisfy `when` for
 * the invariant to count as exercised).
 */
export function invariant<S>(
  name: string,
  doc: string,
  holds: ((s: StateInfo<S>) => boolean) | Implication<S>,
  explain?: (s: StateInfo<S>) => string,
): Invariant<S> {
  const p: Invariant<S> = typeof holds === 'function' ? { kind: 'invariant', name, doc, holds } : { kind: 'invariant', name, doc, holds: implies(holds), when: holds.when };
  if (explain) p.explain = explain;
  return p;
}

/** A step property: `holds` of the state before every step, or `{ when, then }` (see invariant). */
export function stepProperty<S>(
  name: string,
  doc: string,
  holds: ((before: StateInfo<S>, step: StepInfo) => boolean) | StepImplication<S>,
  explain?: (before: StateInfo<S>, step: StepInfo) => string,
): StepProperty<S> {
  let p: StepProperty<S>;
  if (typeof holds === 'function') p = { kind: 'step', name, doc, holds };
  else {
    // `when` and `then` declared for the compiler (declareBound registers each one's form in place).
    declareBound(holds.when, holds.bind);
    declareBound(holds.then, holds.bind);
    p = { kind: 'step', name, doc, holds: (b, step) => !holds.when(b, step) || holds.then(b, step), when: holds.when };
    implications.set(p, holds.then as (before: StateInfo<unknown>, step: StepInfo) => boolean);
  }
  if (explain) p.explain = explain;
  return p;
}

/** The step properties built from `{ when, then }`, and each one's `then`. */
const implications = new WeakMap<object, (before: StateInfo<unknown>, step: StepInfo) => boolean>();

/**
 * Whether step property `p` was built from `{ when, then }` (stepProperty), so its `holds` is
 * `!when || then`: a step whose `when` is false satisfies it, and evaluate.ts need not evaluate
 * it (nor decode the state) where `when`, compiled for the step, is false.
 */
export function holdsWhereWhenFails(p: object): boolean {
  return implications.has(p);
}

/**
 * The `then` of step property `p` built from `{ when, then }` (stepProperty; its `holds` is
 * `!when || then`), or undefined for any other: what the property compiler compiles for each step
 * (compileStepConsequents) beside its `when`.
 */
export function stepConsequent(p: object): ((before: StateInfo<unknown>, step: StepInfo) => boolean) | undefined {
  return implications.get(p);
}

/** A BUG_ON/WARN_ON the model's steps raise with this tag. */
export function assertion(name: string, doc: string, tag: string = name): AssertionProperty {
  return { kind: 'assertion', name, doc, tag };
}

export function deadlockFree(doc = 'every thread can finish: no state where an unfinished thread waits forever'): DeadlockProperty {
  return { kind: 'deadlock', name: 'deadlock', doc };
}

export interface DefinePropertiesOptions {
  /**
   * Deadlock freedom is checked unless opted out here by name: `{ deadlock: false }` (a model
   * whose threads are meant to wait forever). Without it, a set that lists no deadlock property
   * gets `deadlockFree()` appended, so forgetting it never weakens a check silently.
   */
  deadlock?: boolean;
  /**
   * The built-in livelock property (livelockFree()) is checked unless opted out here by name:
   * `{ livelock: false }` (threads meant to spin for ever). Opting out of deadlock does not opt
   * out of livelock, nor the reverse.
   */
  livelock?: boolean;
}

export function defineProperties<S>(model: string, properties: Property<S>[], options: DefinePropertiesOptions = {}): PropertySet<S> {
  const seen = new Set<string>();
  for (const p of properties) {
    if (seen.has(p.name)) throw new Error(`properties of ${model}: two properties are named '${p.name}'`);
    seen.add(p.name);
  }
  return withBuiltins({ model, properties, ...(options.deadlock === false ? { deadlock: false } : {}), ...(options.livelock === false ? { livelock: false } : {}) });
}

/**
 * A property set with the built-in properties every entry point (defineProperties, model files,
 * the vitest helper) checks unless the set opts out of them by name: deadlock freedom added when
 * no property is a deadlock property; the built-in livelock property added explicitly when the
 * set opted out of deadlock only (otherwise the engine adds it beside deadlock:
 * withBuiltinLiveness), so that `{ deadlock: false }` never drops livelock silently.
 */
export function withBuiltins<S>(set: PropertySet<S>): PropertySet<S> {
  if (set.livelock === false && set.properties.some((p) => p.name === 'livelock'))
    throw new Error(`properties of ${set.model}: { livelock: false } opts out of the livelock check, but a property is named 'livelock'`);
  if (set.deadlock !== false) return { ...set, properties: withDeadlock(set.properties) };
  if (set.livelock === false || set.properties.some((p) => p.name === 'livelock')) return { ...set, properties: [...set.properties] };
  return { ...set, properties: [...set.properties, livelockFree() as Property<S>] };
}

/**
 * The properties with deadlock freedom added when none of them is a deadlock property: what every
 * entry point (model files, the vitest helper, defineProperties) checks unless the user opted out.
 */
export function withDeadlock<S>(properties: readonly Property<S>[]): Property<S>[] {
  if (properties.some((p) => p.kind === 'deadlock')) return [...properties];
  if (properties.some((p) => p.name === 'deadlock'))
    throw new Error("a property named 'deadlock' that is not a deadlock property: rename it, or use deadlockFree()");
  return [...properties, deadlockFree()];
}
