import { describe, expect, it } from 'vitest';
import { compileModel } from '../../src/model/compile.js';
import { expandPath } from '../../src/trace/expand.js';
import { makeEvaluator } from '../../src/engine/evaluate.js';
import { simulate, uniformRunsToViolation, walk } from '../../src/random/simulate.js';
import { ScheduleChooser } from '../../src/random/schedule.js';
import { check } from '../../src/engine/check.js';
import * as tb from '../fixtures/textbook.js';

const props = tb.lostUpdateProps.properties;

describe('random search', () => {
  it('finds the lost update, reproducibly from the seed, and the shrunk trace replays to the violation', () => {
    const model = compileModel(tb.lostUpdate, { variant: 'racy', params: { threads: 3 } });
    const a = simulate(model, props, props, { runs: 500, seed: 42, depth: 50 });
    const b = simulate(model, props, props, { runs: 500, seed: 42, depth: 50 });
    expect(a.status).toBe('violated');
    expect(b).toEqual(a);
    if (a.status !== 'violated') return;
    expect(a.violation.property.name).toBe('no-lost-update');
    // Shrinking: never longer than the first failing run; the exhaustive shortest is a lower bound.
    expect(a.violation.path.length).toBeLessThanOrEqual(a.shrunkFrom);
    const exhaustive = check(tb.lostUpdate, props, { variant: 'racy', params: { threads: 3 } });
    expect(exhaustive.status).toBe('violated');
    if (exhaustive.status !== 'violated') return;
    expect(a.violation.path.length).toBeGreaterThanOrEqual(exhaustive.violations[0]!.path.length);
    // The path replays on the model to a state where the invariant is false.
    const trace = expandPath(model, a.violation.path);
    const last = trace.steps[trace.steps.length - 1]!.state;
    const ev = makeEvaluator(model, props, props);
    expect(ev.invariants(last).map((p) => p.name)).toContain('no-lost-update');
  });

  it('finds nothing in a correct model and says so', () => {
    const model = compileModel(tb.lostUpdate, { variant: 'atomic', params: { threads: 3 } });
    const r = simulate(model, props, props, { runs: 100, seed: 1, depth: 50 });
    expect(r).toEqual({ status: 'no-violation', runs: 100, seed: 1, depth: 50 });
  });

  it('schedules: 0 keeps the same thread (no context switch), k > 0 switches', () => {
    const model = compileModel(tb.lostUpdate, { variant: 'racy', params: { threads: 2 } });
    const allZero = new ScheduleChooser([]);
    const r0 = walk(model, props, props, allZero, 50);
    expect(r0.violation).toBeUndefined();
    expect(allZero.switches).toBe(1); // t0 runs to the end, then t1
    const interleave = new ScheduleChooser([0, 1, 1, 1]);
    const r1 = walk(model, props, props, interleave, 50);
    expect(r1.violation?.property.name).toBe('no-lost-update');
  });

  it('the uniform baseline is reproducible from its seed', () => {
    const model = compileModel(tb.lostUpdate, { variant: 'racy', params: { threads: 3 } });
    const a = uniformRunsToViolation(model, props, props, { runs: 200, seed: 7, depth: 50 });
    expect(a).toBeDefined();
    expect(uniformRunsToViolation(model, props, props, { runs: 200, seed: 7, depth: 50 })).toBe(a);
  });
});
