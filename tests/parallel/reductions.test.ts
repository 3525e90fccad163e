// Symmetry and the preemption bound in the parallel search, on random models: with 1, 2 and 4
// workers (and the shared-table scheme) the same verdicts, distinct states, transitions,
// counterexamples (the very paths, rebuilt into paths of the model itself) and reductions
// summary as the sequential search with the same reductions; every counterexample replays on
// the unreduced model (the reference explorer). Partial-order reduction: refused by the
// parallel search itself; checkWithReductions runs it in one worker, or hands over to every
// worker when it is given up. Bundled models: reductions-bundled.test.ts.

import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/check.js';
import { checkWithReductions } from '../../src/parallel/index.js';
import { bundled, registry } from '../../models/index.js';
import { UsageError } from '../../src/util/errors.js';
import { specModule } from '../fixtures/parallel/random-spec.js';
import { symmetricModule } from '../fixtures/parallel/symmetric-spec.js';
import * as textbook from '../fixtures/textbook.js';
import { buildSymmetricModel, symSpec } from '../engine/reduction/symmetric-model.js';
import { buildRandomModel, modelSpec } from '../oracle/random-model.js';
import { expectSameReduced, expectSameResult } from './same-result.js';
import { checkersFor } from './checkers.js';

const seed = process.env.KMC_FC_SEED ? { seed: Number(process.env.KMC_FC_SEED) } : {};
const RUNS = Number(process.env.KMC_RANDOM_RUNS ?? 40);
const TEXTBOOK = fileURLToPath(new URL('../fixtures/textbook.ts', import.meta.url));

const checkers = checkersFor([1, 2, 4]);

describe('random symmetric models: parallel search = sequential search', () => {
  it('symmetry, and symmetry under a bound, for 1, 2 and 4 workers and the shared table', async () => {
    let violated = 0;
    await fc.assert(
      fc.asyncProperty(symSpec, fc.nat({ max: 2 }), async (spec, k) => {
        const { model, properties } = buildSymmetricModel(spec);
        const target = { model, properties, source: { kind: 'file' as const, module: symmetricModule(spec) } };
        const replay = { def: model, properties: properties.properties };
        for (const reductions of [{ symmetry: true }, { symmetry: true, preemptionBound: k }]) {
          const sequential = check(model, properties, reductions);
          if (sequential.status === 'violated') violated++;
          const what = `random symmetric model ${JSON.stringify(reductions)}`;
          for (const [w, checker] of checkers) {
            expectSameReduced(await checker.check(target, reductions), sequential, w, what, replay);
            if (w === 2) expectSameReduced(await checker.check(target, { ...reductions, dedup: 'shared-table' }), sequential, w, `${what} (shared table)`, replay);
          }
        }
      }),
      { numRuns: RUNS, ...seed },
    );
    // The comparison saw counterexamples to rebuild, not only verified runs.
    expect(violated).toBeGreaterThan(0);
  });
});

describe('random models under a preemption bound: parallel search = sequential search', () => {
  it('for 1, 2 and 4 workers; never verified', async () => {
    await fc.assert(
      fc.asyncProperty(modelSpec, fc.nat({ max: 2 }), async (spec, k) => {
        const { model, properties } = buildRandomModel(spec);
        const target = { model, properties, source: { kind: 'file' as const, module: specModule(spec) } };
        const sequential = check(model, properties, { preemptionBound: k });
        for (const [w, checker] of checkers) {
          const parallel = await checker.check(target, { preemptionBound: k });
          expectSameReduced(parallel, sequential, w, `random model, bound ${k}`, { def: model, properties: properties.properties });
          expect(parallel.status).not.toBe('verified');
          if (parallel.status === 'incomplete') expect(parallel.stoppedBy).toBe('preemption-bound');
        }
      }),
      { numRuns: RUNS, ...seed },
    );
  });
});

describe('partial-order reduction and several workers', () => {
  const lost = (threads: number) => ({
    model: textbook.lostUpdate,
    properties: textbook.lostUpdateProps,
    source: { kind: 'file' as const, module: TEXTBOOK, exportName: 'lostUpdate', propertiesName: 'lostUpdateProps' },
    params: { threads },
  });

  it('the parallel search refuses it rather than ignore it', async () => {
    const t = lost(3);
    await expect(checkers.get(2)!.check(t, { params: t.params, por: true })).rejects.toThrow(UsageError);
    await expect(checkers.get(2)!.check(t, { params: t.params, por: true })).rejects.toThrow(/does not do partial-order reduction/);
  });

  it('kept (it helps here): the sequential reduced search in one worker, and the result says so', async () => {
    // Big enough (40,705 states with symmetry) that the 20,000-state unreduced prefix is not the whole search.
    const entry = bundled.find((e) => e.model.name === 'xen-remove-from-physmap')!;
    const t = { model: entry.model, properties: entry.properties, source: { kind: 'bundled' as const, registry: registry.module!, source: entry.source }, params: { hypercalls: 3, rounds: 2 } };
    const options = { params: t.params, por: true, symmetry: true };
    const sequential = check(t.model, t.properties, options);
    expect(sequential.status !== 'error' && sequential.reductions?.por).toBe(true);
    const r = await checkWithReductions(checkers.get(2)!, t, options);
    if (r.status === 'error' || sequential.status === 'error') throw new Error('unexpected error');
    expect(r.status).toBe(sequential.status);
    expect(r.stats.states).toBe(sequential.stats.states);
    expect(r.stats.workers).toBe(1);
    expect(r.reductions?.por).toBe(true);
    expect(r.reductions?.notes).toContain('partial-order reduction kept: the search ran in one worker of 2 (the parallel search cannot do it; --no-por to use all 2)');
  });

  it('given up (it cannot help here): every worker searches on, with the sequential result', async () => {
    const t = lost(6);
    const options = { params: t.params, por: true, symmetry: true };
    const sequential = check(t.model, t.properties, options);
    if (sequential.status === 'error') throw new Error(sequential.message);
    const gaveUp = sequential.reductions?.notes.find((n) => n.startsWith('partial-order reduction: given up'));
    expect(gaveUp).toBeDefined();
    for (const w of [2, 4]) {
      const r = await checkWithReductions(checkers.get(w)!, t, options);
      expectSameResult(r, sequential, w, `lost update (6 threads), POR given up, ${w} workers`);
      if (r.status === 'error') continue;
      expect(r.reductions?.por).toBe(false);
      expect(r.reductions?.notes).toContain(`${gaveUp} (by ${w} workers)`);
      if (r.status === 'violated') for (const v of r.violations) expect(v.shortest).toBe(true);
    }
  });

  it('under a bound POR is off (said so) and the bound runs in the parallel search', async () => {
    const t = lost(3);
    const options = { params: t.params, por: true, preemptionBound: 1 };
    const sequential = check(t.model, t.properties, options);
    const r = await checkWithReductions(checkers.get(2)!, t, options);
    expectSameReduced(r, sequential, 2, 'lost update, POR and a bound', { def: t.model, properties: t.properties.properties, params: t.params });
    expect(r.status !== 'error' && r.reductions?.notes.join()).toMatch(/off under --preemption-bound/);
  });
});
