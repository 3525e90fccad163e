// Binds a model's properties to a compiled model: evaluates invariants on packed states and
// step properties on the state before a step, without allocating per state.

import type { Step, TransitionSystem } from '../model/system.js';
import { END } from '../model/types.js';
import type { Property, StateInfo, StepInfo } from '../property/types.js';
import { ModelError, UsageError } from '../util/errors.js';
import { CoverageCollector } from './coverage.js';
import { holdsWhereWhenFails } from '../property/define.js';
import { compileStepConsequent, type CompiledConsequent } from '../property/consequents.js';

export interface Evaluator {
  properties: Property[];
  /** The invariants violated in `state` (a shared empty array when none). */
  invariants(state: Int32Array): readonly Property[];
  /** Step properties violated when `action` runs from `state`. */
  steps(state: Int32Array, action: Step): readonly Property[];
  /** The assertion property for a fired tag, or undefined when it is not selected. */
  assertion(tag: string): Property | undefined;
  /** Is this fired tag declared by any property of the model (selected or not)? */
  declared(tag: string): boolean;
  deadlock: Property | undefined;
  /** A StateInfo over `state` (valid until the next call). */
  info(state: Int32Array): StateInfo<unknown>;
  explain(p: Property, state: Int32Array, action?: Step): string;
  /** What the search saw through this evaluator (coverage.ts); absent for a recording one. */
  coverage?: CoverageCollector;
}

/** Select properties by name; unknown names are a usage error naming the valid ones. */
export function selectProperties(all: readonly Property[], names: readonly string[] | undefined, model: string): Property[] {
  if (!names || names.length === 0) return [...all];
  const byName = new Map(all.map((p) => [p.name, p]));
  return names.map((n) => {
    const p = byName.get(n);
    if (!p) throw new UsageError(`model ${model} has no property '${n}'; its properties are: ${all.map((q) => q.name).join(', ')}`);
    return p;
  });
}

/**
 * Footprint recording (src/engine/reduction): properties read the variables through views that
 * report every slot read (a FootprintRecorder's, system.ts), and a read of where a thread is
 * (at, fnAt, ended) is told to `location`, which the reduction code maps to what it records.
 */
export interface RecordingOptions {
  view(state: Int32Array): unknown;
  /** A property read where thread `t` is: its location (`at`), its function (`fnAt`), or whether it ended (`ended`). */
  location(t: number, what: 'at' | 'fn' | 'ended'): void;
}

export function makeEvaluator(model: TransitionSystem, all: readonly Property[], selected: readonly Property[], recording?: RecordingOptions): Evaluator {
  let words: Int32Array = model.init;
  const viewOf = recording ? (state: Int32Array) => recording.view(state) : (state: Int32Array) => model.view(state);
  // The variables of `words`, decoded once per evaluation (model.view); properties only read it.
  let vars: unknown = viewOf(words);
  const load = (state: Int32Array) => {
    words = state;
    vars = viewOf(state);
  };
  const pcRead = recording ? (i: number, what: 'at' | 'fn' | 'ended') => recording.location(i, what) : undefined;
  // Recording views refuse writes themselves; the plain object is compared after the fact.
  const unchanged = recording ? () => {} : (state: Int32Array, who: string) => model.unchanged(state, who);
  const indexOf = (t: string | number): number => {
    if (typeof t === 'number') return t;
    const i = model.threadNames.indexOf(t);
    if (i < 0) throw new Error(`no thread named '${t}' (threads: ${model.threadNames.join(', ')})`);
    return i;
  };
  const info: StateInfo<unknown> = {
    get vars() {
      return vars;
    },
    threads: model.threadNames,
    params: model.params,
    variant: model.variant,
    at(t) {
      const i = indexOf(t);
      pcRead?.(i, 'at');
      return model.locationId(words, i);
    },
    fnAt(t) {
      const i = indexOf(t);
      pcRead?.(i, 'fn');
      return model.fnAt(words, i);
    },
    ended(t) {
      const i = indexOf(t);
      pcRead?.(i, 'ended');
      return model.locationId(words, i) === END;
    },
    local<L extends object>(t: string | number) {
      return model.localsOf(vars, indexOf(t)) as L;
    },
  };
  const invariants = selected.filter((p) => p.kind === 'invariant');
  // Each invariant compiled over the packed state where it can be (straight.ts): evaluated
  // without decoding the state; one that bails, or is not compiled, is evaluated on the view.
  // Compiled on the first evaluation, as steps are (a plan that never searches pays nothing). A
  // recording evaluator evaluates them on its views (their reads are what it records).
  let compiledInvariants: readonly (CompiledProperty | undefined)[] | undefined;
  const stepProps = selected.filter((p) => p.kind === 'step');
  const assertions = new Map(selected.filter((p) => p.kind === 'assertion').map((p) => [p.tag, p] as const));
  const declaredTags = new Set(all.flatMap((p) => (p.kind === 'assertion' ? [p.tag] : [])));
  // Most states violate nothing: return a shared empty array then, a fresh one otherwise.
  const NONE: readonly Property[] = Object.freeze([]);
  const stepInfo = (a: Step): StepInfo => ({
    thread: model.threadNames[a.thread]!,
    threadIndex: a.thread,
    id: a.id,
    label: a.label,
    fn: a.fn,
    tags: a.tags,
  });
  const stepInfos = new Map<Step, StepInfo>();
  const infoOf = (a: Step) => {
    let s = stepInfos.get(a);
    if (!s) stepInfos.set(a, (s = stepInfo(a)));
    return s;
  };
  // Footprint recording evaluates on behalf of another search: it counts nothing.
  const coverage = recording ? undefined : new CoverageCollector(model, selected);
  // The invariants' `when` antecedents compiled over the packed state, by selected index, on
  // the first state that asks (coverage only: a recording evaluator counts nothing). A state is
  // decoded for them only when one that is not compiled (or bails) is still unseen:
  // antecedentInfo loads it on the first such call.
  let compiledAntecedents: readonly (CompiledProperty | undefined)[] | undefined;
  // The step properties' `when`, compiled for each step (its tags, function, thread are
  // constants there) on the step's first use, by selected index; a recording evaluator none.
  const stepWhens = new Map<Step, readonly (CompiledProperty | undefined)[]>();
  const whensOf = (a: Step): readonly (CompiledProperty | undefined)[] => {
    let w = stepWhens.get(a);
    if (w === undefined) stepWhens.set(a, (w = compileStepAntecedents(model, selected, infoOf(a), recording !== undefined, true)));
    return w;
  };
  // Their `then`, compiled likewise (src/property/consequents.ts), used where the compiled `when`
  // holds: the state is then decoded only for a `then` that is not compiled or bails. Each one on
  // the first state where its own `when` holds for the step (null: not yet compiled), so a step
  // whose `when` never holds (a property of sleeping steps, for the others) compiles none.
  const stepThens = new Map<Step, (CompiledConsequent | undefined | null)[]>();
  const thenOf = (a: Step, i: number): CompiledConsequent | undefined => {
    let t = stepThens.get(a);
    if (t === undefined) stepThens.set(a, (t = new Array<CompiledConsequent | undefined | null>(selected.length).fill(null)));
    let c = t[i];
    if (c === null) c = t[i] = recording !== undefined ? undefined : compileStepConsequent(model, selected[i]!, infoOf(a));
    return c;
  };
  const stepIndex = selected.flatMap((p, i) => (p.kind === 'step' ? [i] : []));
  const stepImplication = stepProps.map((p) => holdsWhereWhenFails(p));
  let pendingState: Int32Array = model.init;
  let antecedentsLoaded = false;
  const antecedentInfo = (): StateInfo<unknown> => {
    if (!antecedentsLoaded) {
      load(pendingState);
      antecedentsLoaded = true;
    }
    return info;
  };
  return {
    properties: [...selected],
    ...(coverage ? { coverage } : {}),
    invariants(state) {
      let decoded = false;
      if (coverage?.invariantsPending) {
        pendingState = state;
        antecedentsLoaded = false;
        coverage.state(state, antecedentInfo, (compiledAntecedents ??= compileAntecedents(model, selected)));
        if (antecedentsLoaded) unchanged(state, 'an invariant\'s antecedent');
        decoded = antecedentsLoaded;
      }
      if (invariants.length === 0) return NONE;
      const compiledOnes = (compiledInvariants ??= compileInvariants(model, invariants, recording !== undefined));
      // The view the antecedents decoded (checked unchanged) serves the invariants too.
      let loaded = decoded;
      let out: Property[] | undefined;
      let at: Property | undefined;
      try {
        for (let i = 0; i < invariants.length; i++) {
          const p = (at = invariants[i]!);
          const compiled = compiledOnes[i];
          const r = compiled === undefined ? -1 : compiled(state);
          let holds: boolean;
          if (r >= 0) holds = r === 1;
          else {
            if (!loaded) {
              load(state);
              loaded = true;
            }
            holds = p.holds(info);
          }
          if (!holds) (out ??= []).push(p);
        }
      } catch (e) {
        throw propertyThrew(at!, e);
      }
      if (loaded) unchanged(state, 'an invariant');
      return out ?? NONE;
    },
    steps(state, action) {
      let decoded = false;
      const whens = stepProps.length === 0 && !coverage?.stepsPending ? undefined : whensOf(action);
      if (coverage) {
        coverage.step(action);
        if (coverage.stepsPending) {
          pendingState = state;
          antecedentsLoaded = false;
          coverage.stepProperties(state, antecedentInfo, infoOf(action), whens);
          if (antecedentsLoaded) unchanged(state, 'a step property\'s antecedent');
          decoded = antecedentsLoaded;
        }
      }
      if (stepProps.length === 0) return NONE;
      const si = infoOf(action);
      let loaded = decoded;
      let out: Property[] | undefined;
      let at: Property | undefined;
      try {
        for (let j = 0; j < stepProps.length; j++) {
          const p = (at = stepProps[j]!);
          // `!when || then` where `when`, compiled for this step, is false: it holds; where it is
          // true, `then` decides, compiled when it can be (-1: it bailed, evaluate it below).
          if (stepImplication[j]) {
            const w = whens![stepIndex[j]!]?.(state) ?? -1;
            if (w === 0) continue;
            if (w === 1) {
              const t = thenOf(action, stepIndex[j]!)?.(state) ?? -1;
              if (t >= 0) {
                if (t === 0) (out ??= []).push(p);
                continue;
              }
            }
          }
          if (!loaded) {
            load(state);
            loaded = true;
          }
          if (!p.holds(info, si)) (out ??= []).push(p);
        }
      } catch (e) {
        throw propertyThrew(at!, e, action);
      }
      if (loaded) unchanged(state, 'a step property');
      return out ?? NONE;
    },
    assertion: (tag) => assertions.get(tag),
    declared: (tag) => declaredTags.has(tag),
    deadlock: selected.find((p) => p.kind === 'deadlock'),
    info(state) {
      load(state);
      return info;
    },
    explain(p, state, action) {
      load(state);
      if (p.kind === 'invariant') return p.explain ? p.explain(info) : `invariant ${p.name} is false: ${p.doc}`;
      if (p.kind === 'step' && action) return p.explain ? p.explain(info, infoOf(action)) : `${p.doc}: violated by '${action.label}'`;
      if (p.kind === 'assertion') return `${p.tag} fired`;
      return p.doc;
    },
  };
}

/** A property of one state compiled over the packed state: 1 holds, 0 does not, -1 bailed (evaluate it on the view). */
export type CompiledProperty = (state: Int32Array) => number;

/**
 * Each invariant's `holds` compiled over the packed state (TransitionSystem.compileProperty), or
 * undefined where it is not (outside the compiler's subset, a system that compiles nothing, or a
 * recording evaluator, whose views record the reads). The CLI's determinism probe compares them
 * with the properties' own functions on sampled states.
 */
export function compileInvariants(model: TransitionSystem, invariants: readonly Property[], recording = false): (CompiledProperty | undefined)[] {
  return invariants.map((p) => (recording || p.kind !== 'invariant' ? undefined : model.compileProperty?.(p.holds)));
}

/**
 * Each selected invariant's `when` antecedent compiled over the packed state (as compileInvariants
 * compiles `holds`), by index in `selected`; undefined for anything else, or where it is not
 * compiled. The CLI's determinism probe compares them with the antecedents themselves.
 */
export function compileAntecedents(model: TransitionSystem, selected: readonly Property[]): (CompiledProperty | undefined)[] {
  return selected.map((p) => (p.kind === 'invariant' && p.when !== undefined ? model.compileProperty?.(p.when) : undefined));
}

/**
 * Each selected step property's `when` compiled for step `step` (TransitionSystem.compileProperty
 * with the step), by index in `selected`; undefined for anything else, where it is not compiled,
 * or for a recording evaluator.
 */
export function compileStepAntecedents(model: TransitionSystem, selected: readonly Property[], step: StepInfo, recording = false, untilRefused = false): (CompiledProperty | undefined)[] {
  const out: (CompiledProperty | undefined)[] = selected.map(() => undefined);
  if (recording) return out;
  for (let i = 0; i < selected.length; i++) {
    const p = selected[i]!;
    if (p.kind !== 'step') continue;
    const c = p.when === undefined ? undefined : model.compileProperty?.(p.when, step);
    // `untilRefused` (the evaluator's): a step property that must be evaluated on the decoded
    // state before every such step leaves the others little to save, and compiling them costs
    // (kvm-hotplug: its first check counted 4% more instructions with them, bench/README.md).
    if (c === undefined && untilRefused) return selected.map(() => undefined);
    out[i] = c;
  }
  return out;
}

/** A property that throws is a broken model, named as such (not an anonymous worker error). */
export function propertyThrew(p: Property, e: unknown, action?: Step): ModelError {
  if (e instanceof ModelError) return e;
  const why = e instanceof Error ? e.message : String(e);
  return new ModelError(`property ${p.name} (${p.kind}) threw${action ? ` on step '${action.label}'` : ''}: ${why}`);
}
