// Our litmus tests (tests/memory/litmus-shapes.ts) under sc and tso: the checker answers each
// exists clause, and the answer must be the literature's.
import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/index.js';
import { litmusModel, litmusProperties } from '../../src/kernel/litmus.js';
import { SHAPES } from './litmus-shapes.js';

function outcome(shape: (typeof SHAPES)[number], memory: 'sc' | 'tso') {
  const r = check(litmusModel(shape.test, memory), litmusProperties(shape.test));
  if (r.status === 'violated') return 'allowed';
  if (r.status === 'verified') return 'forbidden';
  return `${r.status}${'stoppedBy' in r ? ` (${r.stoppedBy})` : ''}`;
}

describe('litmus tests: the outcomes the literature gives', () => {
  for (const shape of SHAPES) {
    it(`${shape.test.name}: ${shape.sc} under sc, ${shape.tso} under x86-TSO`, () => {
      expect(outcome(shape, 'sc')).toBe(shape.sc);
      expect(outcome(shape, 'tso')).toBe(shape.tso);
    });
  }
});
