// Coverage and vacuity (src/engine/coverage.ts): how often each step ran, which never did, and
// which properties hold only vacuously -- with and without reductions, sequential and parallel.
// The fixture (tests/fixtures/models/vacuous.ts) has a variant in which three properties cannot
// be exercised and a mutation (`reached`) that exercises them.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/check.js';
import { mergeCounts, neverFired } from '../../src/engine/coverage.js';
import type { CheckResult } from '../../src/engine/result.js';
import { notExercised } from '../../src/report/holds.js';
import { model, properties } from '../fixtures/models/vacuous.js';
import { checkersFor } from '../parallel/checkers.js';

const VACUOUS = fileURLToPath(new URL('../fixtures/models/vacuous.ts', import.meta.url));
const source = { kind: 'file' as const, module: VACUOUS, exportName: 'model', propertiesName: 'properties' };
const CAN_BE_VACUOUS = ['two-means-flag', 'second-branch-needs-flag', 'x-warn'];

const vacuousNames = (r: CheckResult) => notExercised(r).map((p) => p.name);
const firedOf = (r: CheckResult, label: string) => {
  if (r.status === 'error' || !r.coverage) throw new Error('no coverage');
  return r.coverage.steps.filter((s) => s.label === label).map((s) => s.fired);
};

describe('vacuity', () => {
  it('a property whose step, antecedent or WARN_ON is never reached is "holds, not exercised", with the reason; exit status unchanged', () => {
    const r = check(model, properties, { variant: 'unreached' });
    expect(r.status).toBe('verified');
    expect(vacuousNames(r)).toEqual(CAN_BE_VACUOUS);
    if (r.status !== 'verified') return;
    const why = Object.fromEntries(r.properties.map((p) => [p.name, p.status === 'holds' ? p.notExercised : p.status]));
    expect(why['two-means-flag']).toMatch(/antecedent/);
    expect(why['second-branch-needs-flag']).toMatch(/no step it is about ran/);
    expect(why['x-warn']).toMatch(/WARN_ON\(x < 0\)/);
    // A property without an antecedent is exercised by any state; deadlock freedom by the search.
    expect(why['x-nonneg']).toBeUndefined();
    expect(why['deadlock']).toBeUndefined();
  });

  it('the mutation that makes the x = 2 step reachable exercises all three (they still hold)', () => {
    const r = check(model, properties, { variant: 'reached' });
    expect(r.status).toBe('verified');
    expect(vacuousNames(r)).toEqual([]);
  });

  it('the same with every reduction (POR, symmetry) and with parallel workers', async () => {
    for (const variant of ['unreached', 'reached']) {
      const want = variant === 'unreached' ? CAN_BE_VACUOUS : [];
      expect(vacuousNames(check(model, properties, { variant, por: true, symmetry: true, porSeed: { states: 0, walks: 0 } }))).toEqual(want);
      expect(vacuousNames(check(model, properties, { variant, symmetry: true }))).toEqual(want);
      for (const [w, checker] of checkers) expect(vacuousNames(await checker.check({ model, properties, source }, { variant })), `${w} workers`).toEqual(want);
    }
  });

  it('an invariant violated is never reported as not exercised', () => {
    const broken = properties.properties.map((p) => (p.name === 'two-means-flag' ? { ...p, holds: () => false } : p));
    const r = check(model, broken, { variant: 'unreached' });
    expect(r.status).toBe('violated');
    if (r.status === 'error') return;
    expect(r.properties.find((p) => p.name === 'two-means-flag')!.status).toBe('violated');
  });
});

const checkers = checkersFor([1, 2]);

describe('step coverage', () => {
  it('counts every transition once: the counts add up to the transitions, and the unreachable step is the only one that never ran', () => {
    const r = check(model, properties, { variant: 'unreached' });
    if (r.status !== 'verified' || !r.coverage) throw new Error(r.status);
    expect(r.coverage.steps.reduce((n, s) => n + s.fired, 0)).toBe(r.stats.transitions);
    expect(neverFired(r.coverage).map((s) => `${s.thread}: ${s.label}`)).toEqual(['a: pick: x = 2 (needs the flag)']);
    // `a` picks from each of the 9 states of the two helpers (3 locations each).
    expect(firedOf(r, 'pick: x = 1')).toEqual([9]);
    const reached = check(model, properties, { variant: 'reached' });
    expect(reached.status !== 'error' && reached.coverage && neverFired(reached.coverage)).toEqual([]);
  });

  it('parallel workers add their counts up to the sequential ones', async () => {
    const seq = check(model, properties, { variant: 'reached' });
    for (const [w, checker] of checkers) {
      const par = await checker.check({ model, properties, source }, { variant: 'reached' });
      expect(par.status !== 'error' && par.coverage?.steps, `${w} workers`).toEqual(seq.status !== 'error' && seq.coverage?.steps);
    }
  });

  it('under symmetry a step an interchangeable thread ran is not reported as never run', () => {
    const r = check(model, properties, { variant: 'reached', symmetry: true });
    if (r.status !== 'verified' || !r.coverage) throw new Error(r.status);
    expect(r.reductions?.symmetry.map((g) => g.name)).toEqual(['helpers']);
    expect(neverFired(r.coverage, ['helpers'])).toEqual([]);
  });

  it('neverFired folds the counts of interchangeable threads only for the groups the search reduced by', () => {
    const c = {
      steps: [
        { thread: 'b0', id: 'work', label: 'helper: work', fired: 3 },
        { thread: 'b1', id: 'work', label: 'helper: work', fired: 0 },
      ],
      symmetric: [{ group: 'helpers', threads: [['b0', 'b1']] }],
    };
    expect(neverFired(c, ['helpers'])).toEqual([]);
    expect(neverFired(c).map((s) => s.thread)).toEqual(['b1']);
  });

  it('mergeCounts adds counts, unites the reached checks and ors the exercised flags', () => {
    expect(mergeCounts({ fired: [1, 0], reached: ['a'], exercised: [true, false] }, { fired: [2, 3], reached: ['a', 'b'], exercised: [false, false] })).toEqual({
      fired: [3, 3],
      reached: ['a', 'b'],
      exercised: [true, false],
    });
    expect(mergeCounts(undefined, undefined)).toBeUndefined();
  });
});
