// Builders for properties, so a properties file reads as a list of claims.

import type { AssertionProperty, DeadlockProperty, Invariant, Property, PropertySet, StateInfo, StepInfo, StepProperty } from './types.js';

export function invariant<S>(
  name: string,
  doc: string,
  holds: (s: StateInfo<S>) => boolean,
  explain?: (s: StateInfo<S>) => string,
): Invariant<S> {
  return explain ? { kind: 'invariant', name, doc, holds, explain } : { kind: 'invariant', name, doc, holds };
}

export function stepProperty<S>(
  name: string,
  doc: string,
  holds: (before: StateInfo<S>, step: StepInfo) => boolean,
  explain?: (before: StateInfo<S>, step: StepInfo) => string,
): StepProperty<S> {
  return explain ? { kind: 'step', name, doc, holds, explain } : { kind: 'step', name, doc, holds };
}

/** A BUG_ON/WARN_ON the model's steps raise with this tag. */
export function assertion(name: string, doc: string, tag: string = name): AssertionProperty {
  return { kind: 'assertion', name, doc, tag };
}

export function deadlockFree(doc = 'every thread can finish: no state where an unfinished thread waits forever'): DeadlockProperty {
  return { kind: 'deadlock', name: 'deadlock', doc };
}

export function defineProperties<S>(model: string, properties: Property<S>[]): PropertySet<S> {
  const seen = new Set<string>();
  for (const p of properties) {
    if (seen.has(p.name)) throw new Error(`properties of ${model}: two properties are named '${p.name}'`);
    seen.add(p.name);
  }
  return { model, properties };
}
