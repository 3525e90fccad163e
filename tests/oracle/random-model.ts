// Small random models for differential testing (engine vs reference explorer, views vs immer).
//
// fast-check generates a *spec*: plain data (so a failing case prints readably and shrinks),
// which `buildRandomModel` turns into a ModelDef and its properties through the public model API
// and the kernel's spinlock helpers. A spec has 2-4 threads of up to 4 locations (steps with
// guards, choices of 2-3 actions, spin_lock/spin_unlock of one of up to two locks, static,
// END and computed `next`, some end locations), int/bool/array/object variables kept small
// (every int is reduced modulo its range, so the state space is finite even with loops), and
// recipes that read and write through every part of the API a model uses: fields, array
// elements, whole arrays, sub-objects (in another key order) and arrays of them (swapped,
// copied by spread), array methods, Object.keys/values,
// WARN_ON and BUG_ON, and thread-local variables (`env.local.k`, `env.local.m[i]`) read and
// written by a thread's own guards, recipes and `next`. Indices in a spec (variable, location, lock) are taken modulo what exists,
// so any spec is valid and shrinking never produces a broken one.

import fc from 'fast-check';
import { choice, defineModel, END, step, thread, type ActionDef, type LocationDef, type ModelDef, type StepEnv } from '../../src/model/index.js';
import { lockRef, spinLock, spinlock, spinUnlock, type Spinlock } from '../../src/kernel/index.js';
import { assertion, deadlockFree, defineProperties, invariant, stepProperty, type Property, type PropertySet } from '../../src/property/index.js';

// ---------------------------------------------------------------------------------------------
// Specs

export type IntExpr =
  | { k: 'c'; v: number }
  | { k: 'x'; i: number }
  | { k: 'arr'; idx: IntExpr }
  | { k: 'obj' }
  | { k: 'self' }
  | { k: 'add'; a: IntExpr; b: IntExpr }
  | { k: 'sum' }
  | { k: 'count' }
  | { k: 'indexOf'; v: IntExpr }
  | { k: 'holder'; l: number }
  | { k: 'truthy' }
  | { k: 'q'; idx: IntExpr }
  /** The thread's local `k` (0 when the model has no locals). */
  | { k: 'lk' }
  /** The thread's local array `m`, at an index. */
  | { k: 'lm'; idx: IntExpr };

export type BoolExpr =
  | { k: 't' }
  | { k: 'b'; i: number }
  | { k: 'objb' }
  | { k: 'eq'; a: IntExpr; b: IntExpr }
  | { k: 'lt'; a: IntExpr; b: IntExpr }
  | { k: 'not'; a: BoolExpr }
  | { k: 'and'; a: BoolExpr; b: BoolExpr }
  | { k: 'or'; a: BoolExpr; b: BoolExpr }
  | { k: 'some'; v: IntExpr }
  | { k: 'locked'; l: number };

export type Stmt =
  | { k: 'setx'; i: number; e: IntExpr }
  | { k: 'incx'; i: number }
  | { k: 'setb'; i: number; e: BoolExpr }
  | { k: 'seta'; idx: IntExpr; e: IntExpr }
  | { k: 'setarr'; es: IntExpr[] }
  | { k: 'rot' }
  | { k: 'seto'; a: IntExpr; b: BoolExpr }
  | { k: 'setoa'; e: IntExpr }
  | { k: 'swapq' }
  | { k: 'setq'; idx: IntExpr; a: IntExpr; b: BoolExpr }
  | { k: 'copyq'; idx: IntExpr }
  | { k: 'setqa'; idx: IntExpr; e: IntExpr }
  | { k: 'setlk'; e: IntExpr }
  | { k: 'setlm'; idx: IntExpr; e: IntExpr }
  | { k: 'warn'; c: BoolExpr; tag: number }
  | { k: 'bug'; c: BoolExpr; tag: number }
  | { k: 'if'; c: BoolExpr; then: Stmt[]; else: Stmt[] };

export type NextSpec =
  | { k: 'default' }
  | { k: 'end' }
  | { k: 'to'; loc: number }
  | { k: 'cond'; c: BoolExpr; a: number; b: number }; // a location index, or -1 for END

export interface ActionSpec {
  guard: BoolExpr | null;
  run: Stmt[];
  next: NextSpec;
}

export type LocationSpec =
  | { k: 'step'; action: ActionSpec; end: boolean }
  | { k: 'choice'; actions: ActionSpec[]; end: boolean }
  | { k: 'lock'; l: number; end: boolean }
  | { k: 'unlock'; l: number; next: NextSpec }
  /** spin_lock; the action; spin_unlock: three locations. */
  | { k: 'critical'; l: number; action: ActionSpec };

export type PropSpec =
  | { k: 'inv'; c: BoolExpr }
  | { k: 'mutex'; loc: number }
  | { k: 'step'; thread: number; c: BoolExpr };

export interface ModelSpec {
  /** Range of each int variable x0..xn (values 0..m-1). */
  ints: number[];
  bools: number;
  /** Length of `arr` and the range of its elements. */
  arrLen: number;
  arrMod: number;
  locks: number;
  /** Write the initial state's keys in reverse order (the layout must not care). */
  reverseKeys: boolean;
  /** Every thread has locals `{ k, m: [_, _] }` (k starts at the thread's index). */
  locals: boolean;
  threads: LocationSpec[][];
  props: PropSpec[];
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const small = fc.nat({ max: 3 });

function intExpr(depth: number): fc.Arbitrary<IntExpr> {
  const leaves: fc.Arbitrary<IntExpr>[] = [
    fc.record({ k: fc.constant('c' as const), v: fc.integer({ min: 0, max: 2 }) }),
    fc.record({ k: fc.constant('x' as const), i: small }),
    fc.constant({ k: 'obj' as const }),
    fc.constant({ k: 'self' as const }),
    fc.constant({ k: 'sum' as const }),
    fc.constant({ k: 'count' as const }),
    fc.record({ k: fc.constant('holder' as const), l: small }),
    fc.constant({ k: 'truthy' as const }),
    fc.constant({ k: 'lk' as const }),
  ];
  if (depth <= 0) return fc.oneof(...leaves);
  const sub = intExpr(depth - 1);
  return fc.oneof(
    { arbitrary: fc.oneof(...leaves), weight: 4 },
    { arbitrary: fc.record({ k: fc.constant('arr' as const), idx: sub }), weight: 2 },
    { arbitrary: fc.record({ k: fc.constant('add' as const), a: sub, b: sub }), weight: 1 },
    { arbitrary: fc.record({ k: fc.constant('indexOf' as const), v: sub }), weight: 1 },
    { arbitrary: fc.record({ k: fc.constant('q' as const), idx: sub }), weight: 1 },
    { arbitrary: fc.record({ k: fc.constant('lm' as const), idx: sub }), weight: 1 },
  );
}

function boolExpr(depth: number): fc.Arbitrary<BoolExpr> {
  const ie = intExpr(Math.min(depth, 1));
  const leaves: fc.Arbitrary<BoolExpr>[] = [
    fc.record({ k: fc.constant('b' as const), i: small }),
    fc.constant({ k: 'objb' as const }),
    fc.record({ k: fc.constant('eq' as const), a: ie, b: ie }),
    fc.record({ k: fc.constant('lt' as const), a: ie, b: ie }),
    fc.record({ k: fc.constant('some' as const), v: ie }),
    fc.record({ k: fc.constant('locked' as const), l: small }),
  ];
  if (depth <= 0) return fc.oneof(...leaves);
  const sub = boolExpr(depth - 1);
  return fc.oneof(
    { arbitrary: fc.oneof(...leaves), weight: 4 },
    { arbitrary: fc.record({ k: fc.constant('not' as const), a: sub }), weight: 1 },
    { arbitrary: fc.record({ k: fc.constant('and' as const), a: sub, b: sub }), weight: 1 },
    { arbitrary: fc.record({ k: fc.constant('or' as const), a: sub, b: sub }), weight: 1 },
  );
}

function stmt(depth: number): fc.Arbitrary<Stmt> {
  const ie = intExpr(1);
  const be = boolExpr(1);
  const simple: fc.Arbitrary<Stmt>[] = [
    fc.record({ k: fc.constant('setx' as const), i: small, e: ie }),
    fc.record({ k: fc.constant('incx' as const), i: small }),
    fc.record({ k: fc.constant('setb' as const), i: small, e: be }),
    fc.record({ k: fc.constant('seta' as const), idx: ie, e: ie }),
    fc.record({ k: fc.constant('setarr' as const), es: fc.array(ie, { minLength: 3, maxLength: 3 }) }),
    fc.constant({ k: 'rot' as const }),
    fc.record({ k: fc.constant('seto' as const), a: ie, b: be }),
    fc.record({ k: fc.constant('setoa' as const), e: ie }),
    fc.constant({ k: 'swapq' as const }),
    fc.record({ k: fc.constant('setq' as const), idx: ie, a: ie, b: be }),
    fc.record({ k: fc.constant('copyq' as const), idx: ie }),
    fc.record({ k: fc.constant('setqa' as const), idx: ie, e: ie }),
    fc.record({ k: fc.constant('setlk' as const), e: ie }),
    fc.record({ k: fc.constant('setlm' as const), idx: ie, e: ie }),
  ];
  const assertions: fc.Arbitrary<Stmt>[] = [
    fc.record({ k: fc.constant('warn' as const), c: be, tag: fc.nat({ max: 1 }) }),
    fc.record({ k: fc.constant('bug' as const), c: be, tag: fc.nat({ max: 1 }) }),
  ];
  const base = fc.oneof({ arbitrary: fc.oneof(...simple), weight: 8 }, { arbitrary: fc.oneof(...assertions), weight: 1 });
  if (depth <= 0) return base;
  const body = fc.array(stmt(depth - 1), { maxLength: 2 });
  return fc.oneof(
    { arbitrary: base, weight: 6 },
    { arbitrary: fc.record({ k: fc.constant('if' as const), c: be, then: body, else: body }), weight: 1 },
  );
}

const nextSpec: fc.Arbitrary<NextSpec> = fc.oneof(
  { arbitrary: fc.constant({ k: 'default' as const }), weight: 5 },
  { arbitrary: fc.constant({ k: 'end' as const }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('to' as const), loc: small }), weight: 2 },
  {
    arbitrary: fc.record({ k: fc.constant('cond' as const), c: boolExpr(1), a: fc.integer({ min: -1, max: 3 }), b: fc.integer({ min: -1, max: 3 }) }),
    weight: 2,
  },
);

const actionSpec: fc.Arbitrary<ActionSpec> = fc.record({
  guard: fc.oneof({ arbitrary: fc.constant(null), weight: 2 }, { arbitrary: boolExpr(1), weight: 1 }),
  run: fc.array(stmt(1), { maxLength: 3 }),
  next: nextSpec,
});

const locationSpec: fc.Arbitrary<LocationSpec> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('step' as const), action: actionSpec, end: fc.boolean() }), weight: 5 },
  { arbitrary: fc.record({ k: fc.constant('choice' as const), actions: fc.array(actionSpec, { minLength: 2, maxLength: 3 }), end: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('lock' as const), l: small, end: fc.constant(false) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('critical' as const), l: small, action: actionSpec }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('unlock' as const), l: small, next: nextSpec }), weight: 1 },
);

const propSpec: fc.Arbitrary<PropSpec> = fc.oneof(
  fc.record({ k: fc.constant('inv' as const), c: boolExpr(2) }),
  fc.record({ k: fc.constant('mutex' as const), loc: small }),
  fc.record({ k: fc.constant('step' as const), thread: small, c: boolExpr(1) }),
);

export const modelSpec: fc.Arbitrary<ModelSpec> = fc.record({
  ints: fc.array(fc.integer({ min: 2, max: 3 }), { minLength: 1, maxLength: 3 }),
  bools: fc.integer({ min: 1, max: 2 }),
  arrLen: fc.integer({ min: 2, max: 3 }),
  arrMod: fc.integer({ min: 2, max: 3 }),
  locks: fc.integer({ min: 0, max: 2 }),
  reverseKeys: fc.boolean(),
  locals: fc.boolean(),
  threads: fc.array(fc.array(locationSpec, { minLength: 1, maxLength: 5 }), { minLength: 2, maxLength: 4 }),
  props: fc.array(propSpec, { maxLength: 3 }),
});

// ---------------------------------------------------------------------------------------------
// Building a model from a spec

/** The state of a random model (its keys exist or not depending on the spec). */
export type RState = Record<string, number | boolean | number[] | { a: number; b: boolean } | { a: number; b: boolean }[] | Spinlock>;

const mod = (v: number, m: number) => ((v % m) + m) % m;

export interface RandomModel {
  model: ModelDef<RState>;
  properties: PropertySet<RState>;
}

export function buildRandomModel(spec: ModelSpec, name = 'random'): RandomModel {
  const nInts = spec.ints.length;
  const { bools, arrLen, arrMod, locks } = spec;
  const xName = (i: number) => `x${mod(i, nInts)}`;
  const xMod = (i: number) => spec.ints[mod(i, nInts)]!;
  const bName = (i: number) => `b${mod(i, bools)}`;
  const lock = (l: number) => (locks === 0 ? undefined : `l${mod(l, locks)}`);
  const refs = Array.from({ length: locks }, (_, l) => lockRef<RState>(`L${l}`, (s) => s[`l${l}`] as Spinlock));

  // Expressions read through `s`: an immer draft, a frozen plain state or a view.
  const int = (e: IntExpr, s: any, env: StepEnv): number => {
    switch (e.k) {
      case 'c':
        return e.v;
      case 'x':
        return s[xName(e.i)];
      case 'arr':
        return s.arr[mod(int(e.idx, s, env), arrLen)];
      case 'obj':
        return s.obj.a;
      case 'self':
        return env.self;
      case 'add':
        return int(e.a, s, env) + int(e.b, s, env);
      case 'sum':
        return s.arr.reduce((p: number, c: number) => p + c, 0);
      case 'count':
        return s.arr.filter((v: number) => v > 0).length;
      case 'indexOf':
        return s.arr.indexOf(int(e.v, s, env)) + 1;
      case 'holder': {
        const l = lock(e.l);
        return l === undefined ? 0 : s[l].holder + 1;
      }
      case 'truthy':
        return Object.values(s.obj).filter(Boolean).length + Object.keys(s).length;
      case 'q':
        return s.q[mod(int(e.idx, s, env), 2)].a;
      // (Properties evaluate expressions with an env whose locals are `{}`: they read 0.)
      case 'lk':
        return (env.local as any).k ?? 0;
      case 'lm':
        return (env.local as any).m?.[mod(int(e.idx, s, env), 2)] ?? 0;
    }
  };
  const bool = (e: BoolExpr, s: any, env: StepEnv): boolean => {
    switch (e.k) {
      case 't':
        return true;
      case 'b':
        return s[bName(e.i)];
      case 'objb':
        return s.obj.b;
      case 'eq':
        return int(e.a, s, env) === int(e.b, s, env);
      case 'lt':
        return int(e.a, s, env) < int(e.b, s, env);
      case 'not':
        return !bool(e.a, s, env);
      case 'and':
        return bool(e.a, s, env) && bool(e.b, s, env);
      case 'or':
        return bool(e.a, s, env) || bool(e.b, s, env);
      case 'some': {
        const v = int(e.v, s, env);
        return s.arr.some((x: number) => x === v);
      }
      case 'locked': {
        const l = lock(e.l);
        return l !== undefined && s[l].holder !== -1;
      }
    }
  };
  const exec = (st: Stmt, d: any, env: StepEnv): void => {
    switch (st.k) {
      case 'setx':
        d[xName(st.i)] = mod(int(st.e, d, env), xMod(st.i));
        return;
      case 'incx':
        d[xName(st.i)] = (d[xName(st.i)] + 1) % xMod(st.i);
        return;
      case 'setb':
        d[bName(st.i)] = bool(st.e, d, env);
        return;
      case 'seta':
        d.arr[mod(int(st.idx, d, env), arrLen)] = mod(int(st.e, d, env), arrMod);
        return;
      case 'setarr':
        d.arr = Array.from({ length: arrLen }, (_, i) => mod(int(st.es[i % st.es.length]!, d, env), arrMod));
        return;
      case 'rot':
        d.arr = [...d.arr.slice(1), d.arr[0]];
        return;
      case 'seto':
        // Keys in the other order than the initial state's.
        d.obj = { b: bool(st.b, d, env), a: mod(int(st.a, d, env), 3) };
        return;
      case 'setoa':
        d.obj.a = mod(int(st.e, d, env), 3);
        return;
      case 'swapq':
        // Reads both items before writing either (views must not alias).
        d.q = [d.q[1], d.q[0]];
        return;
      case 'setq':
        d.q[mod(int(st.idx, d, env), 2)] = { b: bool(st.b, d, env), a: mod(int(st.a, d, env), 2) };
        return;
      case 'copyq':
        // A copy by spread (C struct assignment); `d.q[0] = d.obj` would alias under immer.
        d.q[mod(int(st.idx, d, env), 2)] = { ...d.obj, a: mod(d.obj.a, 2) };
        return;
      case 'setqa':
        d.q[mod(int(st.idx, d, env), 2)].a = mod(int(st.e, d, env), 2);
        return;
      case 'setlk':
        if (spec.locals) (env.local as any).k = mod(int(st.e, d, env), 3);
        return;
      case 'setlm':
        if (spec.locals) (env.local as any).m[mod(int(st.idx, d, env), 2)] = mod(int(st.e, d, env), 2);
        return;
      case 'warn':
        env.warnOn(bool(st.c, d, env), `warn${st.tag}`);
        return;
      case 'bug':
        env.bugOn(bool(st.c, d, env), `bug${st.tag}`);
        return;
      case 'if':
        for (const s of bool(st.c, d, env) ? st.then : st.else) exec(s, d, env);
        return;
    }
  };

  const threads = spec.threads.map((locs, t) => {
    // Location ids first (a `critical` spec is three locations), so that every `next` can name any.
    const firstId: number[] = [];
    let count = 0;
    for (const loc of locs) {
      firstId.push(count);
      count += loc.k === 'critical' ? 3 : 1;
    }
    const ids = Array.from({ length: count }, (_, i) => `L${i}`);
    const target = (i: number) => (i < 0 ? END : ids[mod(i, ids.length)]!);
    const next = (n: NextSpec): ActionDef<RState>['next'] => {
      switch (n.k) {
        case 'default':
          return undefined;
        case 'end':
          return END;
        case 'to':
          return target(n.loc);
        case 'cond':
          return (s, env) => (bool(n.c, s, env) ? target(n.a) : target(n.b));
      }
    };
    const action = (a: ActionSpec, label: string): ActionDef<RState> => {
      const out: ActionDef<RState> = { label, tags: [`t${t}`] };
      if (a.guard) {
        const g = a.guard;
        out.guard = (s, env) => bool(g, s, env);
      }
      if (a.run.length) out.run = (d, env) => a.run.forEach((st) => exec(st, d, env));
      const n = next(a.next);
      if (n !== undefined) out.next = n;
      return out;
    };
    const program: LocationDef<RState>[] = locs.flatMap((loc, i): LocationDef<RState>[] => {
      const at = firstId[i]!;
      const id = ids[at]!;
      const fn = `f${t}_${i}`;
      const ref = locks === 0 ? undefined : refs[mod('l' in loc ? loc.l : 0, locks)]!;
      switch (loc.k) {
        case 'step':
          return [{ id, actions: [action(loc.action, `${fn}: step`)], ...(loc.end ? { end: true } : {}) }];
        case 'choice':
          return [choice<RState>(id, loc.actions.map((a, k) => action(a, `${fn}: alt ${k}`)), { end: loc.end })];
        case 'lock':
          return [ref ? spinLock<RState>(id, fn, ref) : step<RState>(id, `${fn}: nop`)];
        case 'unlock': {
          const n = loc.next.k === 'to' || loc.next.k === 'end' ? (next(loc.next) as string) : undefined;
          return [ref ? spinUnlock<RState>(id, fn, ref, n === undefined ? {} : { next: n }) : step<RState>(id, `${fn}: nop`)];
        }
        case 'critical': {
          const body = action({ ...loc.action, next: { k: 'default' } }, `${fn}: critical section`);
          return [
            ref ? spinLock<RState>(id, fn, ref) : step<RState>(id, `${fn}: nop`),
            { id: ids[at + 1]!, actions: [body] },
            ref ? spinUnlock<RState>(ids[at + 2]!, fn, ref) : step<RState>(ids[at + 2]!, `${fn}: nop`),
          ];
        }
      }
    });
    return thread<RState, any>(`t${t}`, program, spec.locals ? { locals: { k: t % 3, m: [0, 0] } } : {});
  });

  const init = (): RState => {
    const entries: [string, RState[string]][] = [];
    spec.ints.forEach((_, i) => entries.push([`x${i}`, 0]));
    for (let i = 0; i < bools; i++) entries.push([`b${i}`, false]);
    entries.push(['arr', Array.from({ length: arrLen }, () => 0)]);
    entries.push(['obj', { a: 0, b: false }]);
    entries.push(['q', [{ a: 0, b: false }, { b: false, a: 0 }]]);
    for (let l = 0; l < locks; l++) entries.push([`l${l}`, spinlock()]);
    if (spec.reverseKeys) entries.reverse();
    return Object.fromEntries(entries);
  };

  const model = defineModel<RState>({
    name,
    doc: 'a random model',
    params: {},
    variants: { only: 'the spec as generated' },
    build: () => ({ init: init(), threads }),
  });

  const env0 = (self: number): StepEnv => ({ thread: `t${self}`, self, threadNames: threads.map((t) => t.name), local: {}, warnOn() {}, bugOn() {} });
  const props: Property<RState>[] = spec.props.map((p, i): Property<RState> => {
    switch (p.k) {
      case 'inv':
        return invariant<RState>(`inv${i}`, 'random invariant', (s) => bool(p.c, s.vars, env0(0)));
      case 'mutex':
        return invariant<RState>(`mutex${i}`, `threads 0 and 1 are not both at L${p.loc}`, (s) => !(s.at(0) === `L${p.loc}` && s.at(1) === `L${p.loc}`) || s.ended(0));
      case 'step': {
        const t = mod(p.thread, threads.length);
        return stepProperty<RState>(`step${i}`, `steps of t${t} run only when the condition holds`, (s, st) =>
          st.threadIndex !== t || s.fnAt(t) !== st.fn || bool(p.c, s.vars, env0(t)),
        );
      }
    }
  });
  props.push(
    assertion('warn0', 'WARN_ON 0'),
    assertion('warn1', 'WARN_ON 1'),
    assertion('bug0', 'BUG_ON 0'),
    assertion('bug1', 'BUG_ON 1'),
    ...refs.map((r) => assertion(`unlock-${r.name}`, `spin_unlock(&${r.name}) only by its owner`, `spin_unlock(&${r.name}) by a non-owner`)),
    deadlockFree(),
  );
  return { model, properties: defineProperties<RState>(name, props) };
}
