// Our litmus tests (tests/memory/litmus-shapes.ts) under sc and tso: the checker answers each
// exists clause, and the answer must be the literature's.
import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/index.js';
import { litmusModel, litmusProperties } from '../../src/kernel/litmus.js';
import { SHAPES } from './litmus-shapes.js';

function outcome(shape: (typeof SHAPES)[number], memory: 'sc' | 'tso' | 'lkmm', inOrder = false) {
  const r = check(litmusModel(shape.test, memory, { inOrder }), litmusProperties(shape.test));
  if (r.status === 'violated') return 'allowed';
  if (r.status === 'verified') return 'forbidden';
  return `${r.status}${'stoppedBy' in r ? ` (${r.stoppedBy})` : ''}`;
}

describe('litmus tests: the outcomes the literature gives', () => {
  for (const shape of SHAPES) {
    it(`${shape.test.name}: ${shape.sc} under sc, ${shape.tso} under x86-TSO, ${shape.lkmm} under kmc's lkmm${shape.inOrder ? ` (${shape.inOrder} in program order)` : ''}${shape.herd ? ` (herd7: ${shape.herd})` : ''}`, () => {
      expect(outcome(shape, 'sc')).toBe(shape.sc);
      expect(outcome(shape, 'tso')).toBe(shape.tso);
      expect(outcome(shape, 'lkmm')).toBe(shape.lkmm);
      expect(outcome(shape, 'lkmm', true)).toBe(shape.inOrder ?? shape.lkmm);
    });
  }
  it('kmc\'s lkmm differs from herd7 only by forbidding what herd7 allows (it is stronger, never weaker), and allows whatever tso allows; in program order it allows less', () => {
    for (const s of SHAPES) {
      if (s.herd !== undefined) expect([s.test.name, s.lkmm, s.herd]).toEqual([s.test.name, 'forbidden', 'allowed']);
      if (s.tso === 'allowed') expect([s.test.name, s.lkmm]).toEqual([s.test.name, 'allowed']);
      if (s.inOrder !== undefined) expect([s.test.name, s.lkmm, s.inOrder]).toEqual([s.test.name, 'allowed', 'forbidden']);
    }
    // Out-of-order execution is what lets loads be passed: the shapes it allows.
    expect(SHAPES.filter((s) => s.inOrder !== undefined).map((s) => s.test.name)).toEqual(['MP+cmpxchg+cmpxchg-fails', 'MP+wmb+po', 'MP+wmbs', 'LB', 'LB+ctrl+po', 'LB+rmb+wmb']);
    // Store->store reordering and unordered RMWs (lkmm's store buffers), and stores reaching CPUs
    // one at a time (not multi-copy atomic: WRC, IRIW, Z6.0, R+wmb+mb), are what lkmm adds to tso
    // in a model's program order.
    expect(SHAPES.filter((s) => s.tso === 'forbidden' && (s.inOrder ?? s.lkmm) === 'allowed').map((s) => s.test.name)).toEqual(['SB+add', 'SB+cmpxchg-fails', 'MP', 'WRC', 'IRIW', 'WRC+ctrl+rmb', 'Z6.0+locks+mb', 'Z6.0+rel+acq-rel+mb', '2+2W', 'R+mb', 'R+wmb+mb', 'S']);
  });
});
