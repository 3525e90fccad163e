// The example model's verdicts, pinned in vitest with kmc's matchers: the buggy variant loses the
// wakeup (a deadlock), the fixed one holds every property exhaustively.
import { describe, expect, it } from 'vitest';
import { check } from 'kernel-model-checker/vitest';
import model, { properties } from '../models/example.js';

describe('example: a lost wakeup in an open-coded sleep', () => {
  it('buggy: the wakeup can be lost, and the waiter sleeps forever', async () => {
    expect(await check({ model, properties }, { variant: 'buggy' })).toBeViolated('deadlock');
  });

  it('fixed: every property holds in every interleaving', async () => {
    const result = await check({ model, properties }, { variant: 'fixed' });
    expect(result).toHold();
  });
});
