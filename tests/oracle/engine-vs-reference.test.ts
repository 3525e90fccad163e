// The engine against the reference explorer on random models: verdict per property, distinct
// states, shortest violations, replayable paths; and the same under bounds and --first.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/check.js';
import { compileModel } from '../../src/model/compile.js';
import { expectAgreement, expectReplaysToViolation } from './compare.js';
import { buildRandomModel, modelSpec } from './random-model.js';
import { referenceExplore, RefSystem } from './reference-explorer.js';

const MAX_REF_STATES = 4000;
const seed = process.env.KMC_FC_SEED ? { seed: Number(process.env.KMC_FC_SEED) } : {};

describe('engine vs reference explorer on random models', () => {
  it('agrees on every verdict, the state count and every shortest violation; every path replays', () => {
    const seen = { runs: 0, verified: 0, violated: 0, big: 0, kinds: new Set<string>(), halted: 0, locals: 0 };
    fc.assert(
      fc.property(modelSpec, (spec) => {
        const { model, properties } = buildRandomModel(spec);
        const { result, ref } = expectAgreement(model, properties, { maxStates: MAX_REF_STATES });
        fc.pre(!ref.truncated);
        seen.runs++;
        if (result.status === 'verified') seen.verified++;
        if (result.status === 'violated') {
          seen.violated++;
          for (const v of result.violations) seen.kinds.add(v.kind);
          if (result.violations.some((v) => v.property.startsWith('bug') || v.property.startsWith('unlock-'))) seen.halted++;
        }
        if (ref.states > 200) seen.big++;
        if (spec.locals && ref.states > 20) seen.locals++;
      }),
      { numRuns: 200, ...seed },
    );
    // The generator is not degenerate: both verdicts, every kind of property violated, some
    // BUG_ONs, and some state spaces of a few hundred states or more.
    expect(seen.verified).toBeGreaterThan(5);
    expect(seen.violated).toBeGreaterThan(20);
    // (liveness: the built-in livelock, whose lassos expectAgreement checks with brute-force-lasso.ts)
    expect([...seen.kinds].sort()).toEqual(['assertion', 'deadlock', 'invariant', 'liveness', 'step']);
    expect(seen.halted).toBeGreaterThan(5);
    expect(seen.big).toBeGreaterThan(5);
    expect(seen.locals).toBeGreaterThan(20); // thread-local variables exercised
  });

  it('under --max-states, --max-depth and --first: never verified, and what it reports is real and shortest', () => {
    fc.assert(
      fc.property(modelSpec, fc.double({ min: 0.05, max: 0.95, noNaN: true }), (spec, fraction) => {
        const { model, properties } = buildRandomModel(spec);
        const ref = referenceExplore(model, properties, { maxStates: MAX_REF_STATES });
        fc.pre(!ref.truncated && ref.error === undefined && ref.states >= 4 && ref.diameter >= 2);
        const compiled = compileModel(model);
        const sys = new RefSystem(model);
        const bounds = [
          { maxStates: Math.max(1, Math.floor(ref.states * fraction)) },
          { maxDepth: Math.floor((ref.diameter - 1) * fraction) },
        ];
        for (const bound of bounds) {
          const r = check(model, properties, bound);
          expect(r.status === 'incomplete' || r.status === 'violated').toBe(true);
          if (r.status === 'incomplete') {
            expect(r.stoppedBy).toBe('maxStates' in bound ? 'max-states' : 'max-depth');
            expect(r.properties.every((p) => p.status === 'unknown')).toBe(true);
          }
          if (r.status === 'violated') {
            expect(r.complete).toBe(false);
            for (const p of r.properties) expect(p.status).not.toBe('holds');
            for (const v of r.violations) {
              // BFS order: a violation found before the bound is still the shortest one (a
              // livelock's lasso is checked for being real, not shortest).
              if (v.kind !== 'liveness') expect(v.path.length).toBe(ref.properties[v.property]!.shortest);
              expectReplaysToViolation(compiled, sys, properties.properties, v);
            }
          }
        }
        const first = check(model, properties, { first: true });
        const livelocked = (r: ReturnType<typeof check>) => r.status !== 'error' && r.properties.some((p) => p.kind === 'liveness' && p.status === 'violated');
        const anyViolated = Object.values(ref.properties).some((p) => p.status === 'violated') || livelocked(check(model, properties));
        expect(first.status).toBe(anyViolated ? 'violated' : 'verified');
        if (first.status === 'violated') {
          for (const v of first.violations) {
            if (v.kind !== 'liveness') expect(v.path.length).toBeGreaterThanOrEqual(ref.properties[v.property]!.shortest!);
            expectReplaysToViolation(compiled, sys, properties.properties, v);
          }
        }
      }),
      { numRuns: 100, ...seed },
    );
  });
});
