// The preemption bound (src/engine/reduction/preemption.ts): only interleavings with at most K
// preemptions; a bounded run is never "verified" (no violation within K preemptions is all it
// can say), every violation it reports is real and needs at most K preemptions, and with a
// bound as large as the state space it finds every violation the unbounded search finds.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check } from '../../../src/engine/check.js';
import type { CheckResult, Violation } from '../../../src/engine/result.js';
import { compileModel, type CompiledAction, type CompiledModel } from '../../../src/model/compile.js';
import { PreemptionBound } from '../../../src/engine/reduction/preemption.js';
import { expectReplaysToViolation } from '../../oracle/compare.js';
import { buildRandomModel, modelSpec } from '../../oracle/random-model.js';
import { RefSystem } from '../../oracle/reference-explorer.js';
import { lostUpdate, lostUpdateProps } from '../../fixtures/textbook.js';
import { headline } from '../../../src/report/text.js';

const seed = process.env.KMC_FC_SEED ? { seed: Number(process.env.KMC_FC_SEED) } : {};

/** Preemptions along a path, counted independently of the engine's counter. */
function preemptions(model: CompiledModel, path: readonly number[]): number {
  const acts: CompiledAction[] = [];
  let state = model.init;
  let last = -1;
  let count = 0;
  for (const choice of path) {
    const n = model.enabled(state, acts);
    const a = acts[choice]!;
    if (last >= 0 && a.thread !== last && acts.slice(0, n).some((b) => b.thread === last)) count++;
    last = a.thread;
    const next = new Int32Array(model.width);
    model.apply(state, a, next);
    state = next;
  }
  return count;
}

// Safety violations only: a preemption-bounded run leaves liveness (the built-in livelock) unknown.
const violated = (r: CheckResult) => (r.status === 'violated' ? r.violations.filter((v) => v.kind !== 'liveness').map((v) => v.property).sort() : []);

describe('preemption bound', () => {
  it('counts a switch away from a thread that could go on, not from one that ended or blocked', () => {
    const b = new PreemptionBound(2, 1);
    const a = (thread: number) => ({ thread }) as CompiledAction;
    const state = Int32Array.from([0, 0, -1, 0]); // no last thread yet
    expect(b.count(state, a(1), 2, [a(0), a(1)])).toBe(0);
    state[2] = 0; // thread 0 ran last
    expect(b.count(state, a(0), 2, [a(0), a(1)])).toBe(0);
    expect(b.count(state, a(1), 2, [a(0), a(1)])).toBe(1); // 0 could go on: a preemption
    expect(b.count(state, a(1), 1, [a(1)])).toBe(0); // 0 has nothing enabled: free
    state[3] = 1; // one preemption used already, bound 1
    expect(b.count(state, a(1), 2, [a(0), a(1)])).toBe(-1);
  });

  it('lost update: none within 0 preemptions (not verified), found with 1', () => {
    const zero = check(lostUpdate, lostUpdateProps, { preemptionBound: 0 });
    expect(zero.status).toBe('incomplete');
    if (zero.status !== 'incomplete') return;
    expect(zero.stoppedBy).toBe('preemption-bound');
    expect(zero.properties.every((p) => p.status === 'unknown')).toBe(true);
    expect(headline(zero)).toMatch(/^NO VIOLATION WITHIN 0 PREEMPTIONS .*NOT verified/);
    const one = check(lostUpdate, lostUpdateProps, { preemptionBound: 1 });
    expect(one.status).toBe('violated');
    if (one.status !== 'violated') return;
    expect(one.complete).toBe(false);
    expect(one.stoppedBy).toBe('preemption-bound');
    const m = compileModel(lostUpdate);
    for (const v of one.violations) {
      expect(preemptions(m, v.path)).toBeLessThanOrEqual(1);
      expectReplaysToViolation(m, new RefSystem(lostUpdate), lostUpdateProps.properties, v);
    }
  });

  it('on random models: never verified, real violations within the bound, all of them with a large bound', () => {
    fc.assert(
      fc.property(modelSpec, fc.nat({ max: 2 }), (spec, k) => {
        const { model, properties } = buildRandomModel(spec);
        const plain = check(model, properties, { maxStates: 1500 });
        fc.pre(plain.status === 'verified' || (plain.status === 'violated' && plain.complete));
        if (plain.status !== 'verified' && plain.status !== 'violated') return;
        const bounded = check(model, properties, { preemptionBound: k });
        expect(bounded.status).not.toBe('verified');
        const m = compileModel(model);
        const sys = new RefSystem(model);
        const check1 = (v: Violation, bound: number) => {
          expect(preemptions(m, v.path)).toBeLessThanOrEqual(bound);
          expectReplaysToViolation(m, sys, properties.properties, v);
        };
        if (bounded.status === 'violated') for (const v of bounded.violations) check1(v, k);
        for (const p of violated(bounded)) expect(violated(plain)).toContain(p);
        // A bound as long as the longest shortest path (the diameter): every violation's shortest
        // path fits, so the same violations as the unbounded search.
        const large = check(model, properties, { preemptionBound: plain.stats.diameter, symmetry: true });
        expect(violated(large)).toEqual(violated(plain));
        expect(large.status).not.toBe('verified');
      }),
      { numRuns: 120, ...seed },
    );
  });
});
