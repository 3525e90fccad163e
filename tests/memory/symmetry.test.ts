// Symmetry reduction on a model with store buffers (src/kernel/memory-symmetry.ts): the buffers
// move with their CPU, so the reduced search is sound under tso and lkmm (before, a permutation
// moved the threads without their buffers: a CPU read another's buffered store as its own, the
// search reported a violation the model does not have and could not rebuild its path); a
// declaration whose members are not the CPUs whose buffers their threads use is refused.
import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/index.js';
import { checkAutomorphism } from '../engine/reduction/automorphism.js';
import { symmetricCpus, neverZero, visibleOnceRead } from './symmetric-cpus.js';

const MEMORY = { sc: 0, tso: 1, lkmm: 2 } as const;

function run(o: Parameters<typeof symmetricCpus>[0], memory: keyof typeof MEMORY, symmetry: boolean, props = [neverZero, visibleOnceRead]) {
  return check(symmetricCpus(o), props, { symmetry, params: { memory: MEMORY[memory] } });
}

describe('symmetry with store buffers', () => {
  for (const memory of ['tso', 'lkmm'] as const)
    it(`under ${memory}: the same verdicts with and without symmetry, fewer states, and as short a counterexample`, () => {
      const plain = run({ cpus: 3 }, memory, false);
      const reduced = run({ cpus: 3 }, memory, true);
      expect(plain.status).toBe('violated');
      expect(reduced.status).toBe('violated');
      if (plain.status !== 'violated' || reduced.status !== 'violated') return;
      expect(reduced.violations.map((v) => v.property)).toEqual(['visible-once-read']);
      expect(plain.violations.map((v) => v.property)).toEqual(['visible-once-read']);
      // Shortest either way: three stores and three loads, no drain.
      expect(reduced.violations[0]!.path.length).toBe(plain.violations[0]!.path.length);
      // lkmm has more: a store that left its buffer reaches the other CPUs one at a time (each
      // CPU's view moves with it, being in its buffer's record).
      expect([plain.stats.states, reduced.stats.states]).toEqual(memory === 'tso' ? [125, 35] : [815, 155]);
      expect(run({ cpus: 3 }, memory, true, [neverZero]).status).toBe('verified');
    });

  it('under sc nothing changes, and a declaration that lists the (empty) buffers itself works too', () => {
    expect(run({ cpus: 3 }, 'sc', true).status).toBe('verified');
    expect(run({ cpus: 3, listBuffers: true }, 'sc', true).status).toBe('verified');
    const tso = run({ cpus: 3, listBuffers: true }, 'tso', true);
    expect(tso.status === 'violated' && tso.stats.states).toBe(35);
  });

  it('the permutation with the buffers is an automorphism of the model (every reachable state)', () => {
    for (const memory of [1, 2]) {
      const r = checkAutomorphism(symmetricCpus({ cpus: 3 }), [neverZero, visibleOnceRead], { params: { memory } });
      expect(r.problem).toBeUndefined();
      expect(r.states).toBeGreaterThan(100);
    }
  });

  it('refuses members whose threads use another CPU\'s buffer, and a thread outside the group on a member\'s CPU', () => {
    const bad = run({ mismatched: true }, 'tso', true);
    expect(bad.status).toBe('error');
    expect(bad.status === 'error' && bad.message).toMatch(/symmetry 'CPUs' permutes CPUs with store buffers \(--memory tso\), but member 0's thread cpu1 uses CPU 1's buffer: .*--no-symmetry/);
    const irq = run({ irqOnCpu0: true }, 'lkmm', true);
    expect(irq.status === 'error' && irq.message).toMatch(/thread irq0 uses CPU 0's buffer without being one of member 0's threads/);
    // Without symmetry both run.
    expect(run({ mismatched: true }, 'tso', false).status).toBe('violated');
    expect(run({ irqOnCpu0: true }, 'lkmm', false).status).toBe('violated');
  });
});
