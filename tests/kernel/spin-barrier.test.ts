// spin_barrier: waits until the lock is seen free, never takes it.
import { describe, expect, it } from 'vitest';
import { defineModel, step, thread } from '../../src/model/index.js';
import { spinlock, lockRef, spinLock, spinUnlock, spinBarrier, type Spinlock } from '../../src/kernel/index.js';
import { defineProperties, invariant, deadlockFree } from '../../src/property/index.js';
import { check } from '../../src/engine/index.js';

type S = { l: Spinlock; inCs: boolean; passedDuringCs: boolean };
const L = lockRef<S>('l', (s) => s.l);

const model = defineModel<S>({
  name: 'barrier',
  doc: 'spin_barrier against a critical section',
  params: {},
  variants: { released: 'holder releases', stuck: 'holder never releases' },
  build({ variant }) {
    const holder = thread<S>('holder', [
      spinLock('lock', 'f', L, { run: (d) => void (d.inCs = true) }),
      ...(variant === 'released' ? [spinUnlock('unlock', 'f', L, { run: (d) => void (d.inCs = false) })] : []),
    ]);
    const waiter = thread<S>('waiter', [
      spinBarrier('barrier', 'g', L, { run: (d) => void (d.passedDuringCs = d.inCs) }),
      step('after', 'g: after the barrier'),
    ]);
    return { init: { l: spinlock(), inCs: false, passedDuringCs: false }, threads: [holder, waiter] };
  },
});
const props = defineProperties<S>('barrier', [
  invariant('not-inside', 'the barrier never passes while the lock is held', (s) => !s.vars.passedDuringCs),
  deadlockFree(),
]);

describe('spinBarrier', () => {
  it('passes only while the lock is free, and does not take it', () => {
    const r = check(model, props, { variant: 'released' });
    expect(r.status).toBe('verified');
  });

  it('waits forever behind a lock never released, naming the holder', () => {
    const r = check(model, props, { variant: 'stuck' });
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    expect(r.violations.map((v) => v.property)).toEqual(['deadlock']);
    expect(r.violations[0]!.blocked?.[0]?.waitsFor).toBe('l to be released, held by holder');
  });
});
