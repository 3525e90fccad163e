// spin_lock_recursive: the holder may take it again; everyone else spins until the depth is 0.
import { describe, expect, it } from 'vitest';
import { defineModel, thread, END } from '../../src/model/index.js';
import {
  recursiveSpinlock,
  recursiveLockRef,
  spinLockRecursive,
  spinUnlockRecursive,
  unlockByNonOwnerTag,
  UNLOCKED,
  type RecursiveSpinlock,
} from '../../src/kernel/index.js';
import { defineProperties, invariant, assertion, deadlockFree } from '../../src/property/index.js';
import { check } from '../../src/engine/index.js';

type S = { l: RecursiveSpinlock; inside: number[] };
const L = recursiveLockRef<S>('l', (s) => s.l);

// t0 takes l, takes it again (nested), releases twice (or, in `leak`, once); t1 takes it once.
// `reentry-panics` makes the nested take BUG, as Xen's non-recursive mm_lock() does.
const model = defineModel<S>({
  name: 'recursive-lock',
  doc: 'nested spin_lock_recursive',
  params: {},
  variants: { balanced: 'two takes, two releases', leak: 'two takes, one release', 'reentry-panics': 'nested take BUGs', 'foreign-unlock': 't1 unlocks t0s lock' },
  build({ variant }) {
    const enter = (i: number) => (d: { inside: number[] }) => void (d.inside[i] = 1);
    const leave = (i: number) => (d: { inside: number[] }) => void (d.inside[i] = 0);
    const t0 = thread<S>('t0', [
      spinLockRecursive('outer', 'f', L, { run: enter(0) }),
      spinLockRecursive('inner', 'g', L, variant === 'reentry-panics' ? { onReentry: (_d, env) => env.bugOn(true, 'already held') } : {}),
      spinUnlockRecursive('inner_unlock', 'g', L),
      ...(variant === 'leak' ? [] : [spinUnlockRecursive('outer_unlock', 'f', L, { run: leave(0) })]),
    ]);
    const t1 =
      variant === 'foreign-unlock'
        ? thread<S>('t1', [spinUnlockRecursive('unlock', 'h', L)])
        : thread<S>('t1', [spinLockRecursive('lock', 'h', L, { run: enter(1) }), spinUnlockRecursive('unlock', 'h', L, { run: leave(1), next: END })]);
    return { init: { l: recursiveSpinlock(), inside: [0, 0] }, threads: [t0, t1] };
  },
});
const props = defineProperties<S>('recursive-lock', [
  invariant('mutex', 'the two threads are never both inside', (s) => s.vars.inside[0]! + s.vars.inside[1]! <= 1),
  invariant('depth', 'depth is 0 exactly when the lock is free', (s) => (s.vars.l.depth === 0) === (s.vars.l.holder === UNLOCKED)),
  deadlockFree(),
  assertion('already-held', 'nested take of a non-recursive lock', 'already held'),
  assertion('non-owner', 'unlock by a non-owner', unlockByNonOwnerTag('l')),
]);

describe('spinLockRecursive / spinUnlockRecursive', () => {
  it('lets the holder nest, excludes the other thread, and frees at depth 0', () => {
    const r = check(model, props, { variant: 'balanced' });
    expect(r.status).toBe('verified');
  });

  it('a missing release leaves the other thread spinning forever (deadlock names the holder)', () => {
    const r = check(model, props, { variant: 'leak' });
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    const dl = r.violations.find((v) => v.property === 'deadlock');
    expect(dl?.blocked?.map((b) => b.waitsFor)).toEqual(['l, held by t0']);
    expect(r.properties.find((p) => p.name === 'mutex')?.status).toBe('holds');
  });

  it('runs onReentry only on a nested take', () => {
    const r = check(model, props, { variant: 'reentry-panics' });
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    expect(r.violations.map((v) => v.property)).toEqual(['already-held']);
    expect(r.violations[0]!.path).toHaveLength(2);
  });

  it('BUGs on an unlock by a CPU that does not hold it', () => {
    const r = check(model, props, { variant: 'foreign-unlock' });
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    expect(r.violations.map((v) => v.property)).toContain('non-owner');
  });
});
