// The cycle proviso of the breadth-first reduced search (src/engine/reduction/por.ts, C3): a
// state is expanded fully only when a successor through its reduced set was stored at a depth no
// greater than its own (a possible cycle), not whenever the successor is already stored (a
// diamond of independent steps closing one level further down, which is no cycle).

import { describe, expect, it } from 'vitest';
import { check, type CheckOptions } from '../../../src/engine/check.js';
import { lockers, lockersProps as props } from '../../fixtures/lockers.js';

const POR: CheckOptions = { por: true, porSeed: { states: 0, walks: 0 } };

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
