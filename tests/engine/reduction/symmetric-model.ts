// Random SYMMETRIC models for symmetry reduction: K copies of one random thread program over a
// state with one entry per thread (`own[i]`), shared counters and spinlocks (whose holder is a
// thread index), and properties that treat the threads alike. The threads are declared
// interchangeable (SymmetryDef), which for these models is true by construction: a thread only
// ever uses its own index to pick its entry of `own` and to take a lock. With `locals`, each
// thread also has a thread-local variable `mine` (read and written by its own steps only, and
// by a property through s.local), which symmetry moves with the thread without a declaration.

import fc from 'fast-check';
import { choice, defineModel, END, step, thread, type ActionDef, type LocationDef, type ModelDef, type StepEnv } from '../../../src/model/index.js';
import { lockRef, spinLock, spinlock, spinUnlock, type Spinlock } from '../../../src/kernel/index.js';
import { assertion, deadlockFree, defineProperties, invariant, type Property, type PropertySet } from '../../../src/property/index.js';

export type SymState = { own: number[]; shared: number; other: number; l0: Spinlock; l1: Spinlock };

type Expr = { k: 'own' } | { k: 'shared' } | { k: 'other' } | { k: 'c'; v: number } | { k: 'maxOwn' } | { k: 'countOwn'; v: number } | { k: 'mine' };
type Cond = { k: 'lt'; a: Expr; b: Expr } | { k: 'eq'; a: Expr; b: Expr } | { k: 'not'; c: Cond } | { k: 'locked'; l: number };
type Stmt = { k: 'setOwn'; e: Expr } | { k: 'setShared'; e: Expr } | { k: 'setOther'; e: Expr } | { k: 'setMine'; e: Expr } | { k: 'warn'; c: Cond } | { k: 'bug'; c: Cond };
type Act = { guard: Cond | null; run: Stmt[]; next: number | null };
type Loc = { k: 'step'; a: Act; end: boolean } | { k: 'choice'; as: Act[] } | { k: 'lock'; l: number } | { k: 'unlock'; l: number };

export interface SymSpec {
  threads: number;
  mod: number;
  program: Loc[];
  props: { k: 'inv'; c: Cond }[];
  /** Each thread has the local `mine` (absent in older specs: no locals). */
  locals?: boolean;
}

const expr: fc.Arbitrary<Expr> = fc.oneof(
  fc.constant({ k: 'own' as const }),
  fc.constant({ k: 'shared' as const }),
  fc.constant({ k: 'other' as const }),
  fc.record({ k: fc.constant('c' as const), v: fc.nat({ max: 2 }) }),
  fc.constant({ k: 'maxOwn' as const }),
  fc.record({ k: fc.constant('countOwn' as const), v: fc.nat({ max: 2 }) }),
  fc.constant({ k: 'mine' as const }),
);
const cond: fc.Arbitrary<Cond> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('lt' as const), a: expr, b: expr }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constant('eq' as const), a: expr, b: expr }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constant('not' as const), c: fc.record({ k: fc.constant('eq' as const), a: expr, b: expr }) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('locked' as const), l: fc.nat({ max: 1 }) }), weight: 1 },
);
const stmt: fc.Arbitrary<Stmt> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('setOwn' as const), e: expr }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constant('setShared' as const), e: expr }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constant('setOther' as const), e: expr }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('setMine' as const), e: expr }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('warn' as const), c: cond }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('bug' as const), c: cond }), weight: 1 },
);
const act: fc.Arbitrary<Act> = fc.record({
  guard: fc.oneof({ arbitrary: fc.constant(null), weight: 2 }, { arbitrary: cond, weight: 1 }),
  run: fc.array(stmt, { maxLength: 2 }),
  next: fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: fc.integer({ min: -1, max: 3 }), weight: 1 }),
});
const loc: fc.Arbitrary<Loc> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('step' as const), a: act, end: fc.boolean() }), weight: 4 },
  { arbitrary: fc.record({ k: fc.constant('choice' as const), as: fc.array(act, { minLength: 2, maxLength: 2 }) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('lock' as const), l: fc.nat({ max: 1 }) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('unlock' as const), l: fc.nat({ max: 1 }) }), weight: 1 },
);
export const symSpec: fc.Arbitrary<SymSpec> = fc.record({
  threads: fc.integer({ min: 2, max: 3 }),
  mod: fc.integer({ min: 2, max: 3 }),
  program: fc.array(loc, { minLength: 1, maxLength: 4 }),
  props: fc.array(fc.record({ k: fc.constant('inv' as const), c: cond }), { maxLength: 2 }),
  locals: fc.boolean(),
});

const mod = (v: number, m: number) => ((v % m) + m) % m;

export function buildSymmetricModel(spec: SymSpec, declare = true): { model: ModelDef<SymState>; properties: PropertySet<SymState> } {
  const { threads: K, mod: M } = spec;
  const locks = [lockRef<SymState>('L0', (s) => s.l0), lockRef<SymState>('L1', (s) => s.l1)];
  // `mine` is the thread's local; a property (no thread of its own) reads it as 0.
  const ev = (e: Expr, s: any, self: number, local?: { mine?: number }): number => {
    switch (e.k) {
      case 'mine':
        return local?.mine ?? 0;
      case 'own':
        return s.own[self];
      case 'shared':
        return s.shared;
      case 'other':
        return s.other;
      case 'c':
        return e.v;
      case 'maxOwn':
        return Math.max(...s.own);
      case 'countOwn':
        return s.own.filter((v: number) => v === e.v).length;
    }
  };
  const test = (c: Cond, s: any, self: number, local?: { mine?: number }): boolean => {
    switch (c.k) {
      case 'lt':
        return ev(c.a, s, self, local) < ev(c.b, s, self, local);
      case 'eq':
        return ev(c.a, s, self, local) === ev(c.b, s, self, local);
      case 'not':
        return !test(c.c, s, self, local);
      case 'locked':
        return (c.l === 0 ? s.l0 : s.l1).holder !== -1;
    }
  };
  const exec = (st: Stmt, d: any, env: StepEnv) => {
    const self = env.self;
    const local = env.local as { mine?: number };
    switch (st.k) {
      case 'setOwn':
        d.own[self] = mod(ev(st.e, d, self, local), M);
        return;
      case 'setShared':
        d.shared = mod(ev(st.e, d, self, local), M);
        return;
      case 'setOther':
        d.other = mod(ev(st.e, d, self, local) + 1, M);
        return;
      case 'setMine':
        if (spec.locals) local.mine = mod(ev(st.e, d, self, local) + 1, M);
        return;
      case 'warn':
        env.warnOn(test(st.c, d, self, local), 'warn');
        return;
      case 'bug':
        env.bugOn(test(st.c, d, self, local), 'bug');
        return;
    }
  };
  const n = spec.program.length;
  const ids = spec.program.map((_, i) => `L${i}`);
  const target = (i: number) => (i < 0 ? END : ids[mod(i, n)]!);
  const action = (a: Act, label: string): ActionDef<SymState> => {
    const out: ActionDef<SymState> = { label };
    if (a.guard) {
      const g = a.guard;
      out.guard = (s, env) => test(g, s, env.self, env.local);
    }
    if (a.run.length) out.run = (d, env) => a.run.forEach((st) => exec(st, d, env));
    if (a.next !== null) out.next = target(a.next);
    return out;
  };
  const program: LocationDef<SymState>[] = spec.program.map((l, i) => {
    switch (l.k) {
      case 'step':
        return { id: ids[i]!, actions: [action(l.a, `f${i}: step`)], ...(l.end ? { end: true } : {}) };
      case 'choice':
        return choice<SymState>(ids[i]!, l.as.map((a, k) => action(a, `f${i}: alt ${k}`)));
      case 'lock':
        return spinLock<SymState>(ids[i]!, `f${i}`, locks[l.l]!);
      case 'unlock':
        return spinUnlock<SymState>(ids[i]!, `f${i}`, locks[l.l]!);
    }
  });
  const names = Array.from({ length: K }, (_, i) => `worker${i}`);
  const model = defineModel<SymState>({
    name: 'symmetric',
    doc: 'a random symmetric model',
    params: {},
    variants: { only: '' },
    build: () => ({
      init: { own: Array.from({ length: K }, () => 0), shared: 0, other: 0, l0: spinlock(), l1: spinlock() },
      threads: names.map((name) => thread<SymState, any>(name, program.map((p) => ({ ...p })), spec.locals ? { locals: { mine: 0 } } : {})),
      ...(declare
        ? {
            symmetry: [
              { name: 'workers', members: names.map((_, i) => i), threads: (i: number) => [names[i]!], indexed: ['own'], threadValues: ['l0.holder', 'l1.holder'] },
            ],
          }
        : {}),
    }),
  });
  const props: Property<SymState>[] = spec.props.map((p, i) =>
    // The invariant is evaluated for every thread in the role of `self`: symmetric by construction.
    invariant<SymState>(`inv${i}`, 'random symmetric invariant', (s) => names.every((_, t) => !test(p.c, s.vars, t))),
  );
  props.push(
    invariant<SymState>('not-all-one', 'the threads never all have own = 1', (s) => !s.vars.own.every((v) => v === 1)),
    invariant<SymState>('mine-zero', 'every thread\'s mine stays 0 (a local, read through s.local)', (s) => names.every((_, t) => (s.local<{ mine?: number }>(t).mine ?? 0) === 0)),
    assertion('warn', 'WARN_ON', 'warn'),
    assertion('bug', 'BUG_ON', 'bug'),
    assertion('unlock-L0', 'unlock by owner', 'spin_unlock(&L0) by a non-owner'),
    assertion('unlock-L1', 'unlock by owner', 'spin_unlock(&L1) by a non-owner'),
    deadlockFree(),
  );
  return { model, properties: defineProperties<SymState>('symmetric', props) };
}
