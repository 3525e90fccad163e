// Builders for liveness properties (what must eventually happen in every fair infinite run).
// src/engine/liveness checks them on the state graph; see LivenessProperty for the forms.

import type { FairnessSpec, LivenessProperty, Property, PropertySet, StateInfo } from './types.js';
import { declareBound } from '../model/straight.js';

type Pred<S> = (s: StateInfo<S>) => boolean;
interface Options {
  fairness?: FairnessSpec;
  /**
   * The names p and q read from their module (helper functions, constants), for the compiler of
   * properties over the packed state, as an invariant's `bind` (define.ts Implication): each of
   * p and q without a declared form of its own gets `{ bind }`. The graph's labels run p and q on
   * every state the search stores, compiled where they compile; the determinism probe compares
   * the compiled ones with the functions.
   */
  bind?: Readonly<Record<string, unknown>>;
}

const make = <S>(form: LivenessProperty['form'], name: string, doc: string, o: Options, p?: Pred<S>, q?: Pred<S>): LivenessProperty<S> => {
  const out: LivenessProperty<S> = { kind: 'liveness', form, name, doc };
  if (p) out.p = declareBound(p, o.bind);
  if (q) out.q = declareBound(q, o.bind);
  if (o.fairness) out.fairness = o.fairness;
  return out;
};

/** <>p: every fair run reaches a state where p holds. */
export function eventually<S>(name: string, doc: string, p: Pred<S>, o: Options = {}): LivenessProperty<S> {
  return make('eventually', name, doc, o, p);
}

/** []<>p: in every fair run p holds again and again (infinitely often). */
export function alwaysEventually<S>(name: string, doc: string, p: Pred<S>, o: Options = {}): LivenessProperty<S> {
  return make('always-eventually', name, doc, o, p);
}

/** <>[]p: every fair run reaches a point from which p holds for ever. */
export function eventuallyAlways<S>(name: string, doc: string, p: Pred<S>, o: Options = {}): LivenessProperty<S> {
  return make('eventually-always', name, doc, o, p);
}

/** p ~> q (TLA+'s leads-to): whenever p holds, q holds then or later, in every fair run. */
export function leadsTo<S>(name: string, doc: string, p: Pred<S>, q: Pred<S>, o: Options = {}): LivenessProperty<S> {
  return make('leads-to', name, doc, o, p, q);
}

/** The step tag that marks progress (SPIN's progress labels): see livelockFree. */
export const PROGRESS = 'progress';
/** The step tag that marks a busy-wait: a thread idling at an end location that spins there is not idle. */
export const SPIN = 'spin';

/**
 * No livelock or starvation: no reachable fair cycle in which some thread neither ends, nor
 * rests at an end location (an idle loop, a handler waiting for work), nor takes a step tagged
 * 'progress'. The spinner `while (!READ_ONCE(cond)) cpu_relax();` whose waker never sets cond is
 * one. On by default (see withBuiltinLiveness); declare it yourself to give it a fairness; opt
 * out by name: defineProperties(..., { livelock: false }), or `kmc check --no-livelock`.
 */
export function livelockFree(o: Options & { doc?: string } = {}): LivenessProperty {
  return make('livelock', 'livelock', o.doc ?? 'every thread makes progress: no fair cycle in which an unfinished thread never ends, idles or makes progress', o);
}

/**
 * The properties with the built-in livelock property added when deadlock is checked and the
 * model declares no property named 'livelock' (livelock is on by default, like deadlock),
 * unless the property set opts out of it by name ({ livelock: false }). The entry points
 * (defineProperties, model files, the vitest helper) add it themselves to a set that opted out
 * of deadlock only (src/property/define.ts, withBuiltins), so the two opt-outs are independent.
 */
export function withBuiltinLiveness<S>(properties: PropertySet<S> | readonly Property<S>[]): Property<S>[] {
  const all: readonly Property<S>[] = Array.isArray(properties) ? properties : (properties as PropertySet<S>).properties;
  if (!Array.isArray(properties) && (properties as PropertySet<S>).livelock === false) return [...all];
  if (!all.some((p) => p.kind === 'deadlock') || all.some((p) => p.name === 'livelock')) return [...all];
  const i = all.findIndex((p) => p.kind === 'deadlock');
  return [...all.slice(0, i + 1), livelockFree() as Property<S>, ...all.slice(i + 1)];
}
