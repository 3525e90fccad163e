// Built-in lockdep: lock steps of registered classes record their order with no hook in the model,
// and the ready-made lock-order property reports an inversion with both chains.
import { describe, expect, it } from 'vitest';
import { defineModel, thread } from '../../src/model/index.js';
import { spinlock, lockRef, spinLock, spinUnlock, mutex, mutexLock, mutexUnlock, lockdep, type LockOrder, type Spinlock, type LockRef } from '../../src/kernel/index.js';
import { defineProperties } from '../../src/property/index.js';
import { lockOrderProperty } from '../../properties/index.js';
import { check } from '../../src/engine/index.js';
import { compileModel, compileSteps } from '../../src/model/compile.js';

type S = { a: Spinlock; b: Spinlock; c: Spinlock; gate: Spinlock; lockdep: LockOrder };
const A = lockRef<S>('A', (s) => s.a);
const B = lockRef<S>('B', (s) => s.b);
const C = lockRef<S>('C', (s) => s.c);
const GATE = lockRef<S>('gate', (s) => s.gate);
const LOCKDEP = lockdep<S>((s) => s.lockdep, [A, B, C]);

// Each thread takes its locks in order, optionally all under a common gate (then no schedule
// deadlocks, but lockdep still reports an inconsistent order).
function path(name: string, locks: LockRef<S>[], gate: boolean, sleeping = false) {
  const take = sleeping ? mutexLock<S> : spinLock<S>;
  const drop = sleeping ? mutexUnlock<S> : spinUnlock<S>;
  const body = [
    ...locks.map((l, i) => take(`l${i}`, name, l)),
    ...[...locks].reverse().map((l, i) => drop(`u${i}`, name, l)),
  ];
  return thread<S>(name, gate ? [spinLock('gate', name, GATE), ...body, spinUnlock('ungate', name, GATE)] : body);
}

const model = defineModel({
  name: 'lockdep',
  doc: 'lock orders, built-in lockdep',
  params: {},
  variants: { ordered: 'A then B everywhere', abba: 'A->B and B->A, no gate', 'abba-gated': 'A->B and B->A under a gate', cycle3: 'A->B, B->C, C->A under a gate', mutex: 'ABBA with mutexes under a gate' },
  build({ variant }) {
    const init = { a: spinlock(), b: spinlock(), c: mutex(), gate: spinlock(), lockdep: LOCKDEP.initial() };
    switch (variant) {
      case 'ordered':
        return { init, threads: [path('t0', [A, B], false), path('t1', [A, B], false)] };
      case 'abba':
        return { init, threads: [path('t0', [A, B], false), path('t1', [B, A], false)] };
      case 'abba-gated':
        return { init, threads: [path('t0', [A, B], true), path('t1', [B, A], true)] };
      case 'mutex':
        return { init, threads: [path('t0', [A, C], true, true), path('t1', [C, A], true, true)] };
      default:
        return { init, threads: [path('t0', [A, B], true), path('t1', [B, C], true), path('t2', [C, A], true)] };
    }
  },
});
const props = defineProperties<S>('lockdep', [lockOrderProperty(LOCKDEP)]);

describe('built-in lockdep', () => {
  it('the step compiler leaves the acquisitions of registered classes to the general path (which records the order), and compiles the rest', () => {
    const m = compileSteps(compileModel(model, { variant: 'abba-gated' }));
    const at = (label: string) => m.allActions.filter((a) => a.label === label).map((a) => a.straightRecipe !== undefined);
    expect(at('t0: spin_lock(&A)')).toEqual([false]);
    expect(at('t0: spin_lock(&gate)')).toEqual([true]);
    expect(at('t0: spin_unlock(&A)')).toEqual([true]);
  });

  it('one order everywhere: lock-order holds (and was exercised)', () => {
    const r = check(model, props, { variant: 'ordered' });
    expect(r.status).toBe('verified');
  });

  it('ABBA without a gate: both the deadlock and the inversion, with both chains', () => {
    const r = check(model, props, { variant: 'abba' });
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    expect(r.violations.map((v) => v.property).sort()).toEqual(['deadlock', 'lock-order']);
    const v = r.violations.find((x) => x.property === 'lock-order')!;
    expect(v.message).toBe(
      'possible circular locking dependency: t1 is trying to acquire A (t1: spin_lock(&A)) while holding B (new chain B -> A); existing chain A -> B, recorded earlier in this run',
    );
    // t0 takes and drops A and B (4 steps), t1 takes B, and the path ends with the offending spin_lock(&A).
    expect(v.path).toHaveLength(6);
  });

  it('ABBA under a gate: no deadlock, still the inversion (as lockdep reports it)', () => {
    const r = check(model, props, { variant: 'abba-gated' });
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    expect(r.violations.map((v) => v.property)).toEqual(['lock-order']);
  });

  it('a three-lock cycle is found through the chain', () => {
    const r = check(model, props, { variant: 'cycle3' });
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    expect(r.violations[0]!.message).toMatch(/while holding C \(new chain C -> A\); existing chain A -> B -> C,/);
  });

  it('mutexes record their order too', () => {
    const r = check(model, props, { variant: 'mutex' });
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    expect(r.violations[0]!.message).toMatch(/trying to acquire A \(t1: mutex_lock\(&A\)\) while holding C \(new chain C -> A\); existing chain A -> C,/);
  });

  it('a lock registered with two trackers is an error', () => {
    expect(() => lockdep<S>((s) => s.lockdep, [A])).toThrow('lockdep: lock A is already registered with another tracker');
  });
});

describe('lock-order without registered acquisitions', () => {
  it('is "holds, not exercised" when no registered lock is ever taken', () => {
    type T = { g: Spinlock; lockdep: LockOrder };
    const G = lockRef<T>('g', (s) => s.g);
    const OTHER = lockRef<T>('other', (s) => s.g);
    const DEP = lockdep<T>((s) => s.lockdep, [OTHER]);
    const m = defineModel({
      name: 'unregistered',
      doc: 'takes only an unregistered lock',
      params: {},
      variants: { only: '' },
      build: () => ({
        init: { g: spinlock(), lockdep: DEP.initial() },
        threads: [thread<T>('t0', [spinLock('l', 't0', G), spinUnlock('u', 't0', G)])],
      }),
    });
    const r = check(m, defineProperties<T>('unregistered', [lockOrderProperty(DEP)]), {});
    expect(r.status).toBe('verified');
    if (r.status !== 'verified') return;
    expect(r.properties.find((p) => p.name === 'lock-order')).toMatchObject({ status: 'holds', notExercised: expect.any(String) });
  });
});
