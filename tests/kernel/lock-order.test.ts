// Lock-order recording: an ABBA pair is reported as soon as both orders have been seen.
import { describe, expect, it } from 'vitest';
import { defineModel, thread } from '../../src/model/index.js';
import {
  spinlock,
  lockRef,
  spinLock,
  spinUnlock,
  lockOrder,
  lockOrderNoteAcquire,
  lockOrderInversion,
  type LockOrder,
  type Spinlock,
} from '../../src/kernel/index.js';
import { defineProperties, invariant } from '../../src/property/index.js';
import { check } from '../../src/engine/index.js';

type S = { a: Spinlock; b: Spinlock; gate: Spinlock; order: LockOrder };
const A = lockRef<S>('A', (s) => s.a);
const B = lockRef<S>('B', (s) => s.b);
const GATE = lockRef<S>('gate', (s) => s.gate);
const CLASSES = [A, B];

// Two threads take A and B; in `abba` the second takes them in the opposite order, but both do so
// under a common gate lock, so the schedule that deadlocks never happens: lockdep reports it anyway.
const model = defineModel<S>({
  name: 'lock-order',
  doc: 'A/B order under a gate',
  params: {},
  variants: { ordered: 'A then B on both paths', abba: 'A then B, and B then A' },
  build({ variant }) {
    const take = (id: string, name: string, ref: typeof A, cls: number) =>
      spinLock<S>(id, name, ref, { run: (d, env) => lockOrderNoteAcquire(d, d.order, CLASSES, cls, env.self) });
    const t = (name: string, first: [typeof A, number], second: [typeof A, number]) =>
      thread<S>(name, [
        spinLock('gate', name, GATE),
        take('l1', name, ...first),
        take('l2', name, ...second),
        spinUnlock('u2', name, second[0]),
        spinUnlock('u1', name, first[0]),
        spinUnlock('ungate', name, GATE),
      ]);
    return {
      init: { a: spinlock(), b: spinlock(), gate: spinlock(), order: lockOrder(2) },
      threads: [t('t0', [A, 0], [B, 1]), variant === 'abba' ? t('t1', [B, 1], [A, 0]) : t('t1', [A, 0], [B, 1])],
    };
  },
});
const props = defineProperties<S>('lock-order', [
  invariant('lock-order', 'A and B in one order', (s) => lockOrderInversion(s.vars.order) === null),
]);

describe('lock order record', () => {
  it('records an edge from each held class, never from the acquired one', () => {
    const vars = { a: { holder: 3 }, b: { holder: 3 }, gate: { holder: -1 }, order: lockOrder(2) };
    lockOrderNoteAcquire(vars as S, vars.order, CLASSES, 1, 3);
    expect(vars.order.after).toEqual([[false, true], [false, false]]);
    expect(lockOrderInversion(vars.order)).toBeNull();
    lockOrderNoteAcquire(vars as S, vars.order, CLASSES, 0, 3);
    expect(lockOrderInversion(vars.order)).toEqual([0, 1]);
  });

  it('holds when every path takes the pair in the same order', () => {
    expect(check(model, props, { variant: 'ordered' }).status).toBe('verified');
  });

  it('reports the inversion even when a gate lock prevents the deadlock itself', () => {
    const r = check(model, props, { variant: 'abba' });
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    // t0 runs its whole section (6 steps), then t1 takes the gate, B, and A.
    expect(r.violations[0]!.path).toHaveLength(9);
  });
});
