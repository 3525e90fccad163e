import { describe, expect, it } from 'vitest';
import { compileModel } from '../../src/model/compile.js';
import { expandPath } from '../../src/trace/expand.js';
import { makeEvaluator } from '../../src/engine/evaluate.js';
import { closedLassos, simulate, uniformRunsToViolation, walk } from '../../src/random/simulate.js';
import { withBuiltinLiveness } from '../../src/property/index.js';
import { spinner, spinnerProps } from '../fixtures/liveness-textbook.js';
import { lassoProblem } from '../oracle/brute-force-lasso.js';
import { RefSystem } from '../oracle/reference-explorer.js';
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
    expect(r).toEqual({ status: 'no-violation', runs: 100, seed: 1, depth: 50, lassos: 0 });
  });

  it('liveness: a run that comes back to a state is a lasso, kept only when the lasso checker finds it fair and breaking the property', () => {
    const all = withBuiltinLiveness(spinnerProps);
    const buggy = compileModel(spinner, { variant: 'buggy' });
    const r = simulate(buggy, all, all, { runs: 50, seed: 7, depth: 20 });
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    expect(r.violation.loop).toBeDefined();
    // An independent check of the lasso: the brute-force oracle's, sharing no engine code.
    expect(lassoProblem(new RefSystem(spinner, { variant: 'buggy' }), all, { property: r.violation.property.name, path: r.violation.path, loop: r.violation.loop! })).toBe('');
    // The fixed spinner: its runs that come back to a state (the waiter spinning before the waker
    // ran) loop unfairly, so no lasso is kept; every run ends, so each closes a lasso.
    const fixed = simulate(compileModel(spinner, { variant: 'fixed' }), all, all, { runs: 50, seed: 7, depth: 20 });
    expect(fixed).toEqual({ status: 'no-violation', runs: 50, seed: 7, depth: 20, lassos: 50 });
    // Cut at its depth bound before it repeats a state, a walk closes no lasso and says nothing.
    expect(closedLassos(buggy, [0])).toEqual([]);
    // Spinning before the waker ran (unfair), then after it (the livelock): both loops are tried.
    expect(closedLassos(buggy, [0, 0, 1, 0, 0])).toEqual([{ path: [0, 0], loop: 0 }, { path: [0, 0, 1, 0, 0], loop: 3 }]);
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
