// The lost wakeup (tests/fixtures/models/lost-wakeup.ts): __set_current_state() without a barrier
// is violated under x86-TSO and lkmm and holds under SC; set_current_state() holds under all three.
import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/index.js';
import model, { properties } from '../fixtures/models/lost-wakeup.js';
import { memoryModelOf } from '../../src/kernel/memory.js';

const run = (variant: string, memory: number, extra: Record<string, number> = {}) => check(model, properties, { variant, params: { memory, ...extra } });

describe('lost wakeup under sc and x86-TSO', () => {
  it('__set_current_state: holds under sc', () => {
    const r = run('__set_current_state', 0);
    expect(r.status).toBe('verified');
    expect(memoryModelOf(r.status === 'error' ? {} : r.run.params)).toBe('sc');
  });

  it('__set_current_state: violated under tso, the waiter asleep for ever with its state store still buffered when the waker looked', () => {
    const r = run('__set_current_state', 1);
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    expect(r.complete).toBe(true);
    expect(r.violations.map((v) => v.property).sort()).toEqual(['deadlock', 'no-lost-wakeup']);
    const v = r.violations.find((x) => x.property === 'no-lost-wakeup')!;
    const labels = v.trace!.steps.map((s) => s.label);
    // The waker's check of p->__state happens before the waiter's buffered store reaches memory.
    const ttwu = labels.findIndex((l) => l.startsWith('try_to_wake_up'));
    const drainOfWaiter = labels.findIndex((l) => l.startsWith("x86-TSO: cpu0's"));
    expect(ttwu).toBeGreaterThanOrEqual(0);
    expect(drainOfWaiter === -1 || drainOfWaiter > ttwu).toBe(true);
  });

  it('set_current_state: holds under sc, tso and lkmm', () => {
    expect(run('set_current_state', 0).status).toBe('verified');
    expect(run('set_current_state', 1).status).toBe('verified');
    expect(run('set_current_state', 2).status).toBe('verified');
  });

  it('__set_current_state: violated under lkmm too', () => {
    const r = run('__set_current_state', 2);
    expect(r.status).toBe('violated');
    expect(r.status === 'violated' && r.violations.map((v) => v.property).sort()).toEqual(['deadlock', 'no-lost-wakeup']);
  });

  it('tso explores more states than sc (the store buffers), and the same verdicts with a larger bound', () => {
    const sc = run('set_current_state', 0);
    const tso = run('set_current_state', 1);
    const tso4 = run('set_current_state', 1, { storeBuffer: 4 });
    if (sc.status === 'error' || tso.status === 'error' || tso4.status === 'error') throw new Error('error');
    expect(tso.stats.states).toBeGreaterThan(sc.stats.states);
    expect(tso4.status).toBe('verified');
  });
});
