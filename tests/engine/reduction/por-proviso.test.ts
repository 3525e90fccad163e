// The cycle proviso of the breadth-first reduced search (src/engine/reduction/por.ts, C3): a
// state is expanded fully only when a successor through its reduced set was stored at a depth no
// greater than its own (a possible cycle), not whenever the successor is already stored (a
// diamond of independent steps closing one level further down, which is no cycle).

import { describe, expect, it } from 'vitest';
import { check, type CheckOptions } from '../../../src/engine/check.js';
import { defineModel, spawn, step, threadKind } from '../../../src/model/index.js';
import { assertion, defineProperties, deadlockFree } from '../../../src/property/index.js';

const POR: CheckOptions = { por: true, porSeed: { states: 0, walks: 0 } };

type S = { lock: number; count: number };
type L = { work: number };

/** k threads that take a lock, count, drop it and then work on their own, `rounds` times. */
const lockers = (k: number, rounds: number) =>
  defineModel<S>({
    name: 'lockers',
    doc: 'a lock and thread-local work',
    params: {},
    variants: { only: '' },
    build: () => {
      const worker = threadKind<S, L>('worker', { work: 0 }, [
        step<S, L>('lock', 'spin_lock(&l)', { guard: (s) => s.lock === 0, run: (d, env) => void (d.lock = env.self + 1) }),
        step<S, L>('count', 'count++', { run: (d, env) => { env.warnOn(d.lock !== env.self + 1, 'unlocked'); d.count += 1; } }),
        step<S, L>('unlock', 'spin_unlock(&l)', { run: (d) => void (d.lock = 0) }),
        step<S, L>('work', 'work++ (thread-local)', { run: (_d, env) => void (env.local.work += 1), next: (_s, env) => (env.local.work < rounds ? 'lock' : 'done') }),
        step<S, L>('done', 'return', {}),
      ]);
      return { init: { lock: 0, count: 0 }, threads: Array.from({ length: k }, (_, i) => spawn(worker, `t${i}`)) };
    },
  });

const props = defineProperties<S>('lockers', [assertion('unlocked', 'count++ runs under the lock', 'unlocked'), deadlockFree()]);

describe('the cycle proviso of the breadth-first reduced search', () => {
  it('lets diamonds of independent steps close without expanding fully', () => {
    const m = lockers(3, 2);
    const plain = check(m, props, { property: ['unlocked', 'deadlock'] });
    const por = check(m, props, { ...POR, property: ['unlocked', 'deadlock'] });
    expect(plain.status).toBe('verified');
    expect(por.status).toBe('verified');
    if (plain.status !== 'verified' || por.status !== 'verified') return;
    expect(plain.stats.states).toBe(648);
    // With "any successor already stored" as the proviso: 487 states.
    expect(por.stats.states).toBe(228);
  });
});
