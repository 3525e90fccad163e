// Random models (tests/oracle/random-model.ts) cut short by --max-depth, and stopped at the first
// violation (--first), with two workers, against the sequential search. Small models run mostly
// in small levels, where the parallel search takes a shortcut (levels under a threshold are
// expanded by worker 0 alone, the other parked: level-search.ts): a random threshold per model,
// from never to always, so that runs switch between one worker and two at any level, and a
// depth cut, a deadlock or a violation found on either side must still be reported as the
// sequential search reports it. random-models.test.ts compares the unbounded runs.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/check.js';
import { specModule } from '../fixtures/parallel/random-spec.js';
import { buildRandomModel, modelSpec } from '../oracle/random-model.js';
import { checkersFor } from './checkers.js';
import { essence, expectSameResult } from './same-result.js';

const checkers = checkersFor([2]);

describe('random models with bounds: two workers against the sequential search', () => {
  it('--first with --max-depth: the violation is what stopped the run, for both (a case fast-check found)', async () => {
    // The deadlock is found with the last state of depth 2, where a state at the bound was cut
    // too: the sequential search said max-depth, the parallel one (ending the level) as well but
    // for another order; both now say first-violation, whatever else the level met.
    const spec = JSON.parse(
      '{"ints":[2],"bools":1,"arrLen":2,"arrMod":2,"locks":2,"reverseKeys":false,"locals":false,"threads":[[{"k":"lock","l":3,"end":false},{"k":"lock","l":0,"end":false}],[{"k":"lock","l":0,"end":false},{"k":"choice","actions":[{"guard":{"k":"objb"},"run":[],"next":{"k":"to","loc":0}},{"guard":null,"run":[],"next":{"k":"default"}}],"end":false}]],"props":[]}',
    );
    const { model, properties } = buildRandomModel(spec);
    const target = { model, properties, source: { kind: 'file' as const, module: specModule(spec) } };
    const options = { maxDepth: 2, first: true, property: properties.properties.map((p) => p.name) };
    const sequential = check(model, properties, options);
    expect(sequential.status === 'violated' && [sequential.stoppedBy, sequential.violations.map((v) => v.property)]).toEqual(['first-violation', ['deadlock']]);
    const parallel = await checkers.get(2)!.check(target, options);
    expect(parallel.status === 'violated' && [parallel.stoppedBy, parallel.violations.map((v) => `${v.property} ${v.path.join('/')}`)]).toEqual([
      'first-violation',
      sequential.status === 'violated' && sequential.violations.map((v) => `${v.property} ${v.path.join('/')}`),
    ]);
  });

  it('--max-depth 0-6: the same result, field by field; --first: the same violations', async () => {
    let cut = 0;
    let found = 0;
    /** Times the second worker parked while worker 0 expanded levels alone. */
    let parks = 0;
    await fc.assert(
      fc.asyncProperty(modelSpec, fc.integer({ min: 0, max: 6 }), fc.constantFrom(0, 1, 2, 3, 5, 8, 1e9), async (spec, maxDepth, soloBelow) => {
        const { model, properties } = buildRandomModel(spec);
        const target = { model, properties, source: { kind: 'file' as const, module: specModule(spec) } };
        const sequential = check(model, properties, { maxDepth });
        if ((sequential.status === 'violated' || sequential.status === 'incomplete') && sequential.stoppedBy === 'max-depth') cut++;
        const onWorkerReports = (rs: readonly { parks: number }[]) => (parks += rs.reduce((n, r) => n + r.parks, 0));
        expectSameResult(await checkers.get(2)!.check(target, { maxDepth, soloBelow, onWorkerReports }), sequential, 2, `random model, --max-depth ${maxDepth}, levels under ${soloBelow} states by one worker`);
        // --first: the parallel search finishes the level it found the violation in (more
        // states and transitions than the sequential one, which stops at once), and the liveness
        // verdicts depend on how far each got (the sequential search analyses the graph recorded
        // so far; the parallel run's separate liveness search stops at its own first lasso):
        // the safety properties' violations, the very paths, must be the same.
        const safety = properties.properties.map((p) => p.name);
        const options = { maxDepth, first: true, property: safety };
        const parallelOptions = { ...options, soloBelow };
        const view = (r: ReturnType<typeof essence>) => {
          const e = r as { status: string; stoppedBy: unknown; violations: unknown; properties: string[] };
          return { status: e.status, stoppedBy: e.stoppedBy, violations: e.violations, violated: e.properties.filter((p) => p.endsWith(': violated')) };
        };
        const want = view(essence(check(model, properties, options)));
        if (want.status === 'violated') found++;
        expect(view(essence(await checkers.get(2)!.check(target, parallelOptions))), `random model, ${JSON.stringify({ maxDepth, first: true, soloBelow })}`).toEqual(want);
      }),
      { numRuns: 25, seed: 0x15b0 },
    );
    // The runs were cut by the bound, and --first had violations to stop at.
    expect(cut).toBeGreaterThan(3);
    expect(found).toBeGreaterThan(3);
    // The shortcut ran: runs had levels expanded by worker 0 alone.
    expect(parks).toBeGreaterThan(3);
  }, 120_000);
});
