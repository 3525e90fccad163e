// Views are an optimisation, not a semantics: every step of every bundled model (each variant,
// default parameters), of the textbook models and of random models gives through the packed
// views exactly what immer's `produce` gives on the plain state. See tests/helpers/view-equivalence.ts.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bundled } from '../../models/index.js';
import { abba, lostUpdate, peterson } from '../fixtures/textbook.js';
import { expectViewsMatchProduce } from '../helpers/view-equivalence.js';
import { buildRandomModel, modelSpec } from '../oracle/random-model.js';

const LIMIT = 2000;

describe('views vs produce on the bundled models', () => {
  const cases = bundled.flatMap((e) => Object.keys(e.model.variants).map((variant) => [e.model.name, variant, e] as const));
  if (cases.length === 0) it.skip('no bundled model is registered in models/index.ts yet', () => {});
  it.each(cases)('%s --variant %s: every step along BFS (up to 2000 states)', (_name, variant, entry) => {
    const stats = expectViewsMatchProduce(entry.model, { variant }, LIMIT);
    expect(stats.transitions).toBeGreaterThan(0);
  });
});

describe('views vs produce on the textbook models', () => {
  it.each([
    ['peterson', 'correct', peterson, { rounds: 2 }],
    ['peterson', 'broken', peterson, { rounds: 2 }],
    ['abba', 'abba', abba, {}],
    ['abba', 'ordered', abba, {}],
    ['lost-update', 'racy', lostUpdate, { threads: 3 }],
  ] as const)('%s --variant %s: every step', (_name, variant, def, params) => {
    const stats = expectViewsMatchProduce(def, { variant, params }, LIMIT);
    expect(stats.states).toBeGreaterThan(10);
  });
});

describe('views vs produce on random models', () => {
  it('every step of 150 random models (up to 500 states each)', () => {
    let transitions = 0;
    fc.assert(
      fc.property(modelSpec, (spec) => {
        transitions += expectViewsMatchProduce(buildRandomModel(spec).model, {}, 500).transitions;
      }),
      { numRuns: 150 },
    );
    expect(transitions).toBeGreaterThan(1000);
  });
});
