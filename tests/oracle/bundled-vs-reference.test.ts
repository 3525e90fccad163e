// The engine against the reference explorer on every bundled model (each variant, default
// parameters): same verdicts, state counts and shortest violations, and every violation path
// replays to a real violation. A variant whose state space is too large for the slow reference
// is skipped, saying so.

import { describe, expect, it } from 'vitest';
import { bundled } from '../../models/index.js';
import { check } from '../../src/engine/check.js';
import { expectAgreement } from './compare.js';

const MAX_REF_STATES = 15_000;

describe('bundled models: engine vs reference explorer', () => {
  const cases = bundled.flatMap((e) => Object.keys(e.model.variants).map((variant) => [e.model.name, variant, e] as const));
  if (cases.length === 0) it.skip('no bundled model is registered in models/index.ts yet', () => {});
  it.for(cases)('%s --variant %s', ([name, variant, entry], ctx) => {
    const size = check(entry.model, entry.properties, { variant, maxStates: MAX_REF_STATES + 1 });
    if (size.status === 'incomplete' || (size.status === 'violated' && !size.complete))
      ctx.skip(`${name} --variant ${variant} has more than ${MAX_REF_STATES} states: too many for the reference explorer`);
    const { ref } = expectAgreement(entry.model, entry.properties, { variant, maxStates: MAX_REF_STATES });
    expect(ref.truncated).toBe(false);
    expect(ref.states).toBeGreaterThan(0);
  });
});
