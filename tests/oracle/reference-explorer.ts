// A deliberately naive reference explorer: the semantics of src/model/types.ts re-implemented
// from scratch, to check the engine against. It shares no code with src/engine,
// src/model/compile.ts or src/model/layout.ts: states are plain objects updated with immer's
// `produce` (auto-freeze on, so a recipe or guard that writes where it must not throws), keyed
// by a canonical JSON string in a Set, explored breadth-first level by level. It is slow and
// obviously correct; it is the oracle for tests/oracle/*.test.ts and the textbook tests.
//
// The semantics it encodes (each is a line of src/model/types.ts or the brief):
//   - a state is the location of every thread (a location id, or END) plus the variables, plus
//     each thread's local variables (ThreadDef.locals): part of the variables, under
//     `$local.<thread name>` for the threads that declare any (the state object shows that key);
//     a thread's guards, recipes and `next` get its own as env.local (a frozen `{}` for a thread
//     without), on the same immer draft as the globals;
//   - every thread starts at its first location (END if its program is empty);
//   - the enabled actions of a state, in canonical order: thread by thread, and within the
//     location of a thread its actions in order, those whose guard holds; a path is the index
//     of the action taken in that list at each step;
//   - a step runs its recipe on a draft of the variables; WARN_ON(cond) fires its tag and the step
//     completes; BUG_ON(cond) fires its tag, abandons the rest of the recipe (what it wrote
//     before stays: the oops happens in that state) and the state reached has no successors;
//   - a model's gates (System.gates: stop_machine, the freezer) are global conditions: an action
//     is enabled when every gate allows it (given its location id, label, tags and thread kind)
//     and its guard holds;
//   - a step is shown (traces, step properties, gates) as its label, then ` [note]` if it has one;
//   - `next` is a location id, END, or a function of the state after the recipe; by default
//     the next location in the thread's list, END after the last;
//   - a state where the kernel oopsed is not the same state as the same variables and locations
//     in a kernel that still runs: the halt is part of a state's identity;
//   - invariants hold in every reachable state (halted ones included); step properties hold of
//     the state before every step; an assertion is violated when a step fires its tag (a tag no
//     property declares is a model error); a deadlock is a state, not halted, with no enabled
//     action where some thread has not ended and is not at an end location.

import { produce, freeze } from 'immer';
import { END, type ActionDef, type Gate, type LocationDef, type ModelDef, type ParamValues, type StepEnv, type ThreadDef } from '../../src/model/index.js';
import type { Property, PropertySet, StateInfo, StepInfo } from '../../src/property/index.js';

export interface RefState {
  /** Location id of each thread, or END. */
  readonly at: readonly string[];
  /** The variables, deep-frozen plain data. */
  readonly vars: unknown;
  /** A BUG_ON fired on the way here: no successors. */
  readonly halted: boolean;
}

export interface RefAction {
  thread: number;
  location: LocationDef<any>;
  action: ActionDef<any>;
}

export interface RefStep {
  state: RefState;
  fired: string[];
}

export interface RefOptions {
  variant?: string;
  params?: ParamValues;
  /** Give up (truncated: true) beyond this many distinct states. */
  maxStates?: number;
}

export interface RefPropertyResult {
  name: string;
  kind: Property['kind'];
  status: 'holds' | 'violated';
  /** Length of the shortest path to a violation (steps from the initial state). */
  shortest?: number;
}

export interface RefResult {
  /** Distinct states (halted ones included). */
  states: number;
  /** Steps executed. */
  transitions: number;
  /** Greatest depth of any state. */
  diameter: number;
  properties: Record<string, RefPropertyResult>;
  truncated: boolean;
  /** A step, guard or next threw, or fired an undeclared tag. */
  error?: string;
}

const BUG = Symbol('reference BUG_ON');
const NO_LOCALS: object = Object.freeze({});

/** The variables with the threads' locals under `$local.<thread name>` (unchanged when none has any). */
function withLocalVars(init: unknown, threads: readonly ThreadDef<any, any>[]): unknown {
  const named = threads.filter((t) => t.locals !== undefined).map((t) => [t.name, t.locals] as const);
  return named.length === 0 ? init : { ...(init as object), $local: Object.fromEntries(named) };
}

/** Canonical JSON: object keys sorted, so equal data gives equal strings whatever the key order. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function stateKey(s: RefState): string {
  return canonical({ at: s.at, vars: s.vars, halted: s.halted });
}

/** One model, built for one variant and parameter set, as plain-object semantics. */
export class RefSystem {
  readonly variant: string;
  readonly params: ParamValues;
  readonly threads: ThreadDef<any>[];
  readonly gates: Gate<any>[];
  readonly threadNames: string[];
  readonly init: RefState;
  private fired: string[] = [];
  private halted = false;
  private readonly envs: Omit<StepEnv, 'local'>[];

  constructor(readonly def: ModelDef, options: { variant?: string; params?: ParamValues } = {}) {
    const variants = Object.keys(def.variants);
    this.variant = options.variant ?? variants[0]!;
    if (!variants.includes(this.variant)) throw new Error(`reference: no variant ${this.variant}`);
    const params: ParamValues = {};
    for (const [k, spec] of Object.entries(def.params)) params[k] = spec.default;
    for (const [k, v] of Object.entries(options.params ?? {})) {
      if (!(k in def.params)) throw new Error(`reference: no parameter ${k}`);
      params[k] = v;
    }
    this.params = params;
    const system = def.build({ params, variant: this.variant });
    this.threads = system.threads;
    this.gates = system.gates ?? [];
    this.threadNames = system.threads.map((t) => t.name);
    this.envs = this.threadNames.map((name, self) => ({
      thread: name,
      self,
      threadNames: this.threadNames,
      warnOn: (cond: boolean, tag: string) => {
        if (cond) this.fired.push(tag);
      },
      bugOn: (cond: boolean, tag: string) => {
        if (cond) {
          this.fired.push(tag);
          this.halted = true;
          throw BUG;
        }
      },
    }));
    this.init = {
      at: this.threads.map((t) => (t.program.length > 0 ? t.program[0]!.id : END)),
      vars: freeze(structuredClone(withLocalVars(system.init, this.threads)), true),
      halted: false,
    };
  }

  /** Thread t's locals inside `vars` (plain, frozen or a draft); a frozen `{}` when it has none. */
  localOf(vars: unknown, t: number): object {
    const all = (vars as { $local?: Record<string, object> }).$local;
    const name = this.threadNames[t]!;
    return all !== undefined && Object.hasOwn(all, name) ? all[name]! : NO_LOCALS;
  }

  location(s: RefState, t: number): LocationDef<any> | undefined {
    const id = s.at[t]!;
    if (id === END) return undefined;
    const loc = this.threads[t]!.program.find((l) => l.id === id);
    if (!loc) throw new Error(`reference: thread ${this.threadNames[t]} has no location ${id}`);
    return loc;
  }

  enabled(s: RefState): RefAction[] {
    const out: RefAction[] = [];
    for (let t = 0; t < this.threads.length; t++) {
      const location = this.location(s, t);
      if (!location) continue;
      const env = { ...this.envs[t]!, local: this.localOf(s.vars, t) };
      const kind = this.threads[t]!.kind;
      for (const action of location.actions) {
        const info = { id: location.id, label: shownLabel(action), tags: action.tags ?? [], kind };
        if (!this.gates.every((g) => g.allows(s.vars, env, info))) continue;
        if (!action.guard || action.guard(s.vars, env)) out.push({ thread: t, location, action });
      }
    }
    return out;
  }

  step(s: RefState, a: RefAction): RefStep {
    this.fired = [];
    this.halted = false;
    const base = this.envs[a.thread]!;
    const run = a.action.run;
    const vars = produce(s.vars, (d: any) => {
      if (!run) return;
      try {
        run(d, { ...base, local: this.localOf(d, a.thread) });
      } catch (e) {
        if (e !== BUG) throw e;
      }
    });
    const env = { ...base, local: this.localOf(vars, a.thread) };
    const program = this.threads[a.thread]!.program;
    let next: string;
    const n = a.action.next;
    if (n === undefined) {
      const i = program.indexOf(a.location);
      next = i + 1 < program.length ? program[i + 1]!.id : END;
    } else next = typeof n === 'string' ? n : n(vars, env);
    if (next !== END && !program.some((l) => l.id === next))
      throw new Error(`reference: step '${a.action.label}' goes to '${next}', not a location of ${this.threadNames[a.thread]}`);
    const at = [...s.at];
    at[a.thread] = next;
    return { state: { at, vars, halted: this.halted }, fired: this.fired };
  }

  deadlocked(s: RefState): boolean {
    if (s.halted || this.enabled(s).length > 0) return false;
    return s.at.some((id, t) => id !== END && this.location(s, t)!.end !== true);
  }

  info(s: RefState): StateInfo<any> {
    const index = (t: string | number) => {
      const i = typeof t === 'number' ? t : this.threadNames.indexOf(t);
      if (i < 0 || i >= this.threadNames.length) throw new Error(`reference: no thread ${t}`);
      return i;
    };
    return {
      vars: s.vars,
      threads: this.threadNames,
      params: this.params,
      variant: this.variant,
      at: (t) => s.at[index(t)]!,
      fnAt: (t) => {
        const loc = this.location(s, index(t));
        return loc ? fnOf(loc.actions[0]!) : '';
      },
      ended: (t) => s.at[index(t)] === END,
      local: <L extends object>(t: string | number) => this.localOf(s.vars, index(t)) as L,
    };
  }

  stepInfo(a: RefAction): StepInfo {
    return {
      thread: this.threadNames[a.thread]!,
      threadIndex: a.thread,
      id: a.location.id,
      label: shownLabel(a.action),
      fn: fnOf(a.action),
      tags: a.action.tags ?? [],
    };
  }
}

/** A step as traces and properties see it: the code, then ` [note]` when the step has a note. */
export function shownLabel(a: ActionDef<any>): string {
  return a.note === undefined || a.note === '' ? a.label : `${a.label} [${a.note}]`;
}

function fnOf(a: ActionDef<any>): string {
  if (a.fn !== undefined) return a.fn;
  const colon = a.label.indexOf(':');
  return colon > 0 ? a.label.slice(0, colon).trim() : '';
}

export function propertyList(p: PropertySet | readonly Property[]): readonly Property[] {
  return Array.isArray(p) ? p : (p as PropertySet).properties;
}

/** Does property `p` fail in state `s` (invariants, deadlock) or at step `a` from `s` (step properties, assertions)? */
export function failsAt(sys: RefSystem, p: Property, s: RefState, a?: RefAction): boolean {
  switch (p.kind) {
    case 'invariant':
      return !p.holds(sys.info(s));
    case 'deadlock':
      return sys.deadlocked(s);
    case 'step':
      return a !== undefined && !p.holds(sys.info(s), sys.stepInfo(a));
    case 'assertion':
      return a !== undefined && sys.step(s, a).fired.includes(p.tag);
    case 'liveness':
      // Not a property of one state or step: tests/oracle/brute-force-lasso.ts checks those.
      return false;
  }
}

/** Exhaustive breadth-first exploration: verdict, shortest violation length per property, counts. */
export function referenceExplore(def: ModelDef, properties: PropertySet | readonly Property[], options: RefOptions = {}): RefResult {
  const props = propertyList(properties);
  const sys = new RefSystem(def, options);
  const maxStates = options.maxStates ?? 200_000;
  const result: RefResult = { states: 0, transitions: 0, diameter: 0, properties: {}, truncated: false };
  for (const p of props) result.properties[p.name] = { name: p.name, kind: p.kind, status: 'holds' };
  const violated = (p: Property, length: number) => {
    const r = result.properties[p.name]!;
    if (r.status === 'holds' || length < r.shortest!) Object.assign(r, { status: 'violated', shortest: length });
  };
  const invariants = props.filter((p) => p.kind === 'invariant');
  const stepProps = props.filter((p) => p.kind === 'step');
  const deadlock = props.find((p) => p.kind === 'deadlock');
  const tags = new Map(props.flatMap((p) => (p.kind === 'assertion' ? [[p.tag, p] as const] : [])));

  const seen = new Set<string>();
  const discover = (s: RefState, depth: number): boolean => {
    const k = stateKey(s);
    if (seen.has(k)) return false;
    seen.add(k);
    result.diameter = Math.max(result.diameter, depth);
    for (const p of invariants) if (failsAt(sys, p, s)) violated(p, depth);
    return true;
  };

  try {
    discover(sys.init, 0);
    let level: RefState[] = [sys.init];
    for (let depth = 0; level.length > 0; depth++) {
      const nextLevel: RefState[] = [];
      for (const s of level) {
        const actions = sys.enabled(s);
        if (deadlock && sys.deadlocked(s)) violated(deadlock, depth);
        for (const a of actions) {
          for (const p of stepProps) if (failsAt(sys, p, s, a)) violated(p, depth + 1);
          const { state, fired } = sys.step(s, a);
          result.transitions++;
          for (const tag of fired) {
            const p = tags.get(tag);
            if (!p) throw new Error(`step '${a.action.label}' fired '${tag}', which no property declares`);
            violated(p, depth + 1);
          }
          if (discover(state, depth + 1) && !state.halted) nextLevel.push(state);
          if (seen.size > maxStates) {
            result.truncated = true;
            result.states = seen.size;
            return result;
          }
        }
      }
      level = nextLevel;
    }
  } catch (e) {
    result.error = e instanceof Error ? e.message : String(e);
  }
  result.states = seen.size;
  return result;
}
