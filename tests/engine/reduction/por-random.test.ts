// Partial-order reduction against the unreduced search on random models (tests/oracle's
// generator: guards, choices, locks, computed next, WARN_ON/BUG_ON, invariants, step
// properties, deadlock): the same verdict for every property, never more states, and every
// counterexample it reports replays on the unreduced model -- through expandPath and the
// reference explorer's own semantics, step by step -- to a state or step where the property
// fails. Also with --first, and with --shortest (then the lengths are the unreduced ones).
//
// Both searches check the safety properties only: with partial-order reduction asked for,
// liveness (the built-in livelock) runs apart on the unreduced graph (src/engine/liveness/run.ts),
// the very search the plain check makes, so comparing it compared a search with itself at the
// cost of two graph searches per model. Liveness under --por: tests/engine/reduction/por.test.ts
// and tests/engine/liveness/textbook.test.ts.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check } from '../../../src/engine/check.js';
import type { CheckResult } from '../../../src/engine/result.js';
import { compileModel } from '../../../src/model/compile.js';
import { expectReplaysToViolation } from '../../oracle/compare.js';
import { buildRandomModel, modelSpec } from '../../oracle/random-model.js';
import { RefSystem } from '../../oracle/reference-explorer.js';
import { withBuiltinLiveness, type PropertySet } from '../../../src/property/index.js';

const safety = (p: PropertySet) => withBuiltinLiveness(p).filter((q) => q.kind !== 'liveness').map((q) => q.name);

const seed = process.env.KMC_FC_SEED ? { seed: Number(process.env.KMC_FC_SEED) } : {};

/** Property -> 'holds' | 'violated' (complete searches only). */
function verdicts(r: CheckResult): Record<string, string> {
  if (r.status === 'error') return { error: r.message };
  return Object.fromEntries(r.properties.map((p) => [p.name, p.status]));
}

describe('partial-order reduction on random models', () => {
  it('gives every verdict of the unreduced search, with no more states, and real counterexamples', () => {
    const seen = { runs: 0, reduced: 0, violated: 0, restarted: 0, kinds: new Set<string>() };
    fc.assert(
      fc.property(modelSpec, (spec) => {
        const { model, properties } = buildRandomModel(spec);
        const plain = check(model, properties, { maxStates: 4000, property: safety(properties) });
        fc.pre(plain.status === 'verified' || (plain.status === 'violated' && plain.complete) || plain.status === 'error');
        // Nothing learned before the first pass: every model goes through restarts (por.ts).
        const por = check(model, properties, { por: true, porSeed: { states: 0, walks: 0 }, property: safety(properties) });
        expect(verdicts(por)).toEqual(verdicts(plain));
        if (por.status !== 'error' && (por.reductions?.passes ?? 0) > 1) seen.restarted++;
        if (plain.status === 'error' || por.status === 'error') return;
        seen.runs++;
        expect(por.stats.states).toBeLessThanOrEqual(plain.stats.states);
        if (por.stats.states < plain.stats.states) seen.reduced++;
        expect(por.reductions?.por).toBe(true);
        if (por.status === 'violated') {
          seen.violated++;
          expect(por.complete).toBe(true);
          const compiled = compileModel(model);
          const sys = new RefSystem(model);
          for (const v of por.violations) {
            seen.kinds.add(v.kind);
            expect(v.shortest).toBe(false);
            expectReplaysToViolation(compiled, sys, properties.properties, v);
          }
        }
      }),
      { numRuns: 400, ...seed },
    );
    // Not degenerate: reductions happen, passes are restarted, and every kind of property is
    // found violated.
    expect(seen.reduced).toBeGreaterThan(seen.runs / 4);
    expect(seen.restarted).toBeGreaterThan(seen.runs / 4);
    expect(seen.violated).toBeGreaterThan(20);
    expect([...seen.kinds].sort()).toEqual(['assertion', 'deadlock', 'invariant', 'step']);
  });

  it('with --shortest: the counterexamples are as short as the unreduced search finds', () => {
    fc.assert(
      fc.property(modelSpec, (spec) => {
        const { model, properties } = buildRandomModel(spec);
        const plain = check(model, properties, { maxStates: 4000, property: safety(properties) });
        fc.pre(plain.status === 'violated' && plain.complete);
        if (plain.status !== 'violated') return;
        const por = check(model, properties, { por: true, shortest: true, porSeed: { states: 0, walks: 0 }, property: safety(properties) });
        expect(por.status).toBe('violated');
        if (por.status !== 'violated') return;
        const want = Object.fromEntries(plain.violations.map((v) => [v.property, v.path.length]));
        expect(Object.fromEntries(por.violations.map((v) => [v.property, v.path.length]))).toEqual(want);
        const compiled = compileModel(model);
        const sys = new RefSystem(model);
        for (const v of por.violations) {
          expect(v.shortest).toBe(true);
          expectReplaysToViolation(compiled, sys, properties.properties, v);
        }
      }),
      { numRuns: 150, ...seed },
    );
  });

  it('with --first: a violation iff the unreduced search has one, and it is real', () => {
    fc.assert(
      fc.property(modelSpec, (spec) => {
        const { model, properties } = buildRandomModel(spec);
        const plain = check(model, properties, { maxStates: 4000, property: safety(properties) });
        fc.pre(plain.status === 'verified' || (plain.status === 'violated' && plain.complete));
        const por = check(model, properties, { por: true, first: true, porSeed: { states: 0, walks: 0 }, property: safety(properties) });
        expect(por.status).toBe(plain.status);
        if (por.status === 'violated') {
          const compiled = compileModel(model);
          const sys = new RefSystem(model);
          for (const v of por.violations) expectReplaysToViolation(compiled, sys, properties.properties, v);
        }
      }),
      { numRuns: 150, ...seed },
    );
  });
});
