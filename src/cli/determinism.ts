// Steps must be deterministic: a step is a function of the state (no Math.random(), Date.now(),
// counters outside the state). kmc stores each state once and explores its successors once; a
// step that gives different successors on different runs makes "every interleaving" a sample,
// and replay of a counterexample could fail. Before a search, a sample of the reachable states
// (breadth first from the initial state) has each enabled step run several times, and its guards
// evaluated twice; any difference is a broken model (exit 2), named by thread and statement.
//
// On the same states it checks the step compiler's code against the model's own functions: each
// guard of the actions at the threads' locations that compiled code decided, against the model's
// guard (evaluated by a footprint recorder, which shares no code with the compiled path), and each
// successor a compiled recipe made, against the general path's (the step run again in place, on
// the scratch tree). The compiler reads a function's source, but a declared form
// (declareStraight) or a gate's forAction is the model's word for what a function computes; one
// that is wrong would make the search run other code than the model's, silently. A difference is
// a ModelError naming the step (exit 2), before the search starts. Likewise each invariant the
// compiler compiled (its verdict, where the compiled code decided) against the property's own
// function evaluated on the state's view, on every sampled state (and each liveness property's p
// and q, compiled for the state graph's labels); each step property's `when` and `then` compiled
// for a step, against its own, for every enabled step of each sampled state.
//
// Every step the probe runs on the scratch tree is also checked for a store to a key of a state
// array that is no index (`d.arr[NaN] = 1`), which the tree cannot hold and the search checks on
// each action's first steps only (compile.ts checkArrayStores): on the sample, such a store is
// the step's error whichever run of the action it is.

import { ArrayStoreError, PC_END, type CompiledAction, type CompiledModel } from '../model/compile.js';
import type { FootprintRecorder } from '../model/system.js';
import { compileAntecedents, compileInvariants, compileStepAntecedents, makeEvaluator, type CompiledProperty } from '../engine/evaluate.js';
import type { LivenessProperty, Property, StateInfo, StepInfo } from '../property/types.js';
import { compileLivenessPredicates } from '../engine/liveness/analyse.js';
import { compileStepConsequents, type CompiledConsequent } from '../property/consequents.js';
import { stepConsequent } from '../property/define.js';
import { ModelError } from '../util/errors.js';
import { thousands } from '../util/format.js';

export interface DeterminismProbe {
  /** States sampled (default 400). */
  states?: number;
  /** The properties the search will check: their compiled invariants are compared with their own functions. */
  properties?: readonly Property[] | undefined;
}

/**
 * On how many of the sampled states (the first, breadth first) compiled guards are compared with
 * the model's: the recorder evaluates each guard at the threads' locations, which on kvm-hotplug
 * cost about 13 ms warm for all 400 states at load 25 (a quarter of that here); recipes are compared on all of them.
 */
const GUARD_STATES = 100;

/** How many times each sampled step is run again and compared with its first run. */
const RERUNS = 4;

function same(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function key(s: Int32Array): string {
  return s.join(',');
}

const COMPILED_ADVICE =
  "a form declared with declareStraight, or a gate's forAction, that does not compute what its function computes (fix or remove it); if the model declares none, this is a kmc bug: please report it with the model";

/** The first action at the threads' locations whose compiled guard decided otherwise than the model's guard, if any. */
function guardDisagreement(model: CompiledModel, rec: FootprintRecorder<CompiledAction, unknown>, state: Int32Array): CompiledAction | undefined {
  for (let t = 0; t < model.pcs; t++) {
    const pc = state[t]!;
    if (pc === PC_END) continue;
    for (const action of model.threads[t]!.locations[pc]!.actions) {
      const compiled = action.straightGuard;
      if (compiled === undefined) continue;
      const r = compiled(state);
      if (r < 0) continue; // bailed: the model's guard decides
      let want: boolean;
      try {
        want = rec.guard(state, action);
      } catch {
        return action; // the model's guard throws where the compiled one decided
      }
      if ((r === 1) !== want) return action;
    }
  }
  return undefined;
}

/**
 * The invariants compiled over the packed state (as the search's evaluator compiles them), and a
 * function naming the first whose compiled verdict differs from its own function's on a state
 * (evaluated on the state's view, which shares no code with the compiled path), if any.
 */
function propertyProbe(model: CompiledModel, properties: readonly Property[]): ((state: Int32Array, acts: readonly CompiledAction[], n: number) => Property | undefined) | undefined {
  const invariants = properties.filter((p) => p.kind === 'invariant');
  const compiled = compileInvariants(model, invariants);
  // Each compiled `holds`, and each compiled `when` antecedent (what coverage decides with).
  const whens = compileAntecedents(model, invariants);
  type Fn = (s: StateInfo<unknown>) => boolean;
  const pairs: (readonly [Property, Fn, CompiledProperty])[] = [];
  invariants.forEach((p, i) => {
    if (p.kind !== 'invariant') return;
    if (compiled[i] !== undefined) pairs.push([p, (s) => p.holds(s), compiled[i]!]);
    if (whens[i] !== undefined) pairs.push([p, (s) => p.when!(s), whens[i]!]);
  });
  // Each liveness property's p and q, compiled as the state graph's labels compile them.
  const liveness = properties.filter((p): p is LivenessProperty => p.kind === 'liveness');
  compileLivenessPredicates(model, liveness).forEach(({ p: cp, q: cq }, i) => {
    const p = liveness[i]!;
    if (cp !== undefined) pairs.push([p, (s) => p.p!(s), cp]);
    if (cq !== undefined) pairs.push([p, (s) => p.q!(s), cq]);
  });
  // Each step property's `when` compiled for each enabled step (what the evaluator skips with).
  const steps = properties.filter((p) => p.kind === 'step');
  // And each one's `then` (a property built from { when, then }) compiled for each enabled step.
  const stepWhens = new Map<CompiledAction, { info: StepInfo; whens: (CompiledProperty | undefined)[]; thens: (CompiledConsequent | undefined)[] }>();
  const whensOf = (a: CompiledAction) => {
    let w = stepWhens.get(a);
    if (w === undefined) {
      const info: StepInfo = { thread: model.threadNames[a.thread]!, threadIndex: a.thread, id: a.id, label: a.label, fn: a.fn, tags: a.tags };
      stepWhens.set(a, (w = { info, whens: compileStepAntecedents(model, steps, info), thens: compileStepConsequents(model, steps, info) }));
    }
    return w;
  };
  if (pairs.length === 0 && steps.every((p) => p.kind !== 'step' || p.when === undefined)) return undefined;
  // A `then` that throws where its `when` is false is never evaluated (holds is `!when || then`):
  // only where the property would call it does a throw against a compiled verdict count.
  const thenDiffers = (r: number, then: () => boolean, when: () => boolean): boolean => {
    if (r < 0) return false;
    let own: boolean;
    try {
      own = then();
    } catch {
      try {
        return when();
      } catch {
        return false; // `when` throws: the property's error, the search reports it
      }
    }
    return (r === 1) !== own;
  };
  const ev = makeEvaluator(model, properties, invariants);
  const differs = (r: number, own: () => boolean): boolean => {
    if (r < 0) return false; // bailed: the property's own function decides
    try {
      return (r === 1) !== own();
    } catch {
      return true; // the property throws where the compiled one decided
    }
  };
  return (state, acts, n) => {
    // The state decoded once for every property compared on it (as the search's evaluator does),
    // not once for each: the properties only read their view.
    let view: StateInfo<unknown> | undefined;
    const info = () => (view ??= ev.info(state));
    for (const [p, own, c] of pairs) if (differs(c(state), () => own(info()))) return p;
    for (let i = 0; i < n; i++) {
      const { info: step, whens, thens } = whensOf(acts[i]!);
      for (let j = 0; j < steps.length; j++) {
        const p = steps[j]!;
        const c = whens[j];
        if (c !== undefined && p.kind === 'step' && differs(c(state), () => p.when!(info(), step))) return p;
        const t = thens[j];
        const then = t === undefined ? undefined : stepConsequent(p);
        if (then !== undefined && p.kind === 'step' && thenDiffers(t!(state), () => then(info(), step), () => p.when!(info(), step))) return p;
      }
    }
    return undefined;
  };
}

/** Whether the general path (the step run in place on a copy of `state`) gives `succ`, `fired` and `halted`. */
function treeAgrees(model: CompiledModel, state: Int32Array, action: CompiledAction, succ: Int32Array, fired: string, halted: boolean): boolean {
  const t = state.slice();
  let o;
  try {
    o = model.apply(t, action, t); // in place: never the compiled recipe (compile.ts apply)
  } catch {
    return false;
  }
  return same(t, succ) && o.fired.join(',') === fired && o.halted === halted;
}

/** Throws a ModelError naming the first step found that is not a function of its state, or whose compiled code disagrees with the model's. */
export function checkDeterminism(model: CompiledModel, o: DeterminismProbe = {}): void {
  model.checkArrayStores(true);
  try {
    probe(model, o);
  } finally {
    model.checkArrayStores(false);
  }
}

function probe(model: CompiledModel, o: DeterminismProbe): void {
  const budget = o.states ?? 400;
  const seen = new Set<string>([key(model.init)]);
  const queue: Int32Array[] = [model.init.slice()];
  const acts: CompiledAction[] = [];
  const again: CompiledAction[] = [];
  const a = new Int32Array(model.width);
  const b = new Int32Array(model.width);
  const where = `model ${model.name} variant ${model.variant}`;
  const advice = 'kmc needs every step and guard to be a function of the state alone (no Math.random(), Date.now() or state kept outside the model); see "Trust and safety" in the README';
  const rec = model.recorder({ reads: null, writes: null });
  const wrongProperty = o.properties === undefined ? undefined : propertyProbe(model, o.properties);
  let sampled = 0;
  while (queue.length > 0 && sampled < budget) {
    const state = queue.shift()!;
    sampled++;
    let n: number;
    try {
      n = model.enabled(state, acts);
      const m = model.enabled(state, again);
      if (m !== n || acts.slice(0, n).some((x, i) => x !== again[i]))
        throw new ModelError(`${where}: the enabled steps differ between two evaluations of the same state's guards; ${advice}`);
    } catch (e) {
      if (e instanceof ModelError && e.message.startsWith(where)) throw e;
      return; // a model that throws is reported by the search itself, with its state
    }
    const wrongGuard = sampled <= GUARD_STATES ? guardDisagreement(model, rec, state) : undefined;
    if (wrongGuard !== undefined)
      throw new ModelError(
        `${where}: thread ${model.threadNames[wrongGuard.thread]}, step '${wrongGuard.label}': its compiled guard and the model's guard disagree on a reachable state (${model.locationIds(state).join(' ')}); ${COMPILED_ADVICE}`,
      );
    const wrongProp = wrongProperty?.(state, acts, n);
    if (wrongProp !== undefined)
      throw new ModelError(
        `${where}: property ${wrongProp.name}: its compiled form and the property's own function disagree on a reachable state (${model.locationIds(state).join(' ')}); ${COMPILED_ADVICE}`,
      );
    for (let i = 0; i < n; i++) {
      const act = acts[i]!;
      let fa: string;
      let halted: boolean;
      let differs = false;
      try {
        const first = model.apply(state, act, a);
        fa = first.fired.join(',');
        halted = first.halted;
        // Run again RERUNS times: a step that flips a coin agrees with its first run by chance only
        // 2^-RERUNS of the time, so a short model is not let through by luck.
        for (let r = 0; r < RERUNS && !differs; r++) differs = model.apply(state, act, b).fired.join(',') !== fa || !same(a, b);
      } catch (e) {
        // The search checks each action's first steps only: the sample's finding is reported here.
        if (e instanceof ArrayStoreError) throw new ModelError(`${e.message} (on a reachable state: ${model.locationIds(state).join(' ')})`);
        return;
      }
      if (differs)
        throw new ModelError(
          `${where}: thread ${model.threadNames[act.thread]}, step '${act.label}' gave two different successors for the same state (found after sampling ${thousands(sampled)} states); ${advice}`,
        );
      if (act.straightRecipe !== undefined && !treeAgrees(model, state, act, a, fa, halted))
        throw new ModelError(
          `${where}: thread ${model.threadNames[act.thread]}, step '${act.label}': its compiled recipe and the model's recipe give different successors of a reachable state (${model.locationIds(state).join(' ')}); ${COMPILED_ADVICE}`,
        );
      const k = key(a);
      if (!seen.has(k)) {
        seen.add(k);
        queue.push(a.slice());
      }
    }
  }
}
