// Textbook models with known answers. The counts are what the checker computed (pinned), each
// cross-checked against the reference explorer; the counterexamples are pinned step by step.

import { describe, expect, it } from 'vitest';
import { assertHolds, CheckFailure, check } from '../../src/engine/check.js';
import { formatPath } from '../../src/engine/chooser.js';
import type { CheckResult } from '../../src/engine/result.js';
import { compileModel } from '../../src/model/compile.js';
import type { ModelDef, ParamValues } from '../../src/model/index.js';
import type { PropertySet } from '../../src/property/index.js';
import { expandPath } from '../../src/trace/expand.js';
import { abba, abbaProps, lostUpdate, lostUpdateProps, peterson, petersonProps } from '../fixtures/textbook.js';
import { expectAgreement } from '../oracle/compare.js';

function agreed(def: ModelDef, props: PropertySet, variant: string, params: ParamValues = {}): CheckResult {
  return expectAgreement(def, props, { variant, params }).result;
}

/** The violation of `property` in `r` as thread and statement per step, with its replay path. */
function trace(def: ModelDef, r: CheckResult, property: string, params: ParamValues = {}) {
  if (r.status !== 'violated') throw new Error(`expected a violation, got ${r.status}`);
  const v = r.violations.find((x) => x.property === property);
  if (!v) throw new Error(`no violation of ${property}`);
  const t = expandPath(compileModel(def, { variant: r.run.variant, params }), v.path);
  return { path: formatPath(v.path), length: v.path.length, steps: t.steps.map((s) => `${s.thread}| ${s.label}`), violation: v, trace: t };
}

describe("Peterson's algorithm", () => {
  it.each([
    [1, 26],
    [2, 90],
    [3, 194],
  ])('keeps mutual exclusion and never deadlocks (rounds=%i: %i states, exhaustive)', (rounds, states) => {
    const r = agreed(peterson, petersonProps, 'correct', { rounds });
    expect(r.status).toBe('verified');
    if (r.status !== 'verified') return;
    expect(r.stats.states).toBe(states);
    expect(r.properties.map((p) => [p.name, p.status])).toEqual([
      ['mutex', 'holds'],
      ['deadlock', 'holds'],
      ['livelock', 'holds'],
    ]);
    expect(assertHolds(peterson, petersonProps, { variant: 'correct', params: { rounds } }).stats.states).toBe(states);
  });

  it('with turn written before flag, both threads enter: the shortest trace is the classic one', () => {
    const r = agreed(peterson, petersonProps, 'broken');
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    expect(r.complete).toBe(true);
    expect(r.stats.states).toBe(41);
    expect(r.properties.map((p) => [p.name, p.status])).toEqual([
      ['mutex', 'violated'],
      ['deadlock', 'holds'],
      ['livelock', 'holds'],
    ]);
    const t = trace(peterson, r, 'mutex');
    expect(t.length).toBe(6);
    expect(t.path).toBe('0/1/1/1/0/0');
    expect(t.steps).toEqual([
      'p0| peterson_lock: turn = j', // p0 gives way before announcing itself...
      'p1| peterson_lock: turn = j',
      'p1| peterson_lock: flag[i] = true',
      'p1| peterson_lock: while (flag[j] && turn == j);', // ...so p1 enters: flag[0] is still false
      'p0| peterson_lock: flag[i] = true',
      'p0| peterson_lock: while (flag[j] && turn == j);', // and p0 enters: turn == 0
    ]);
    const last = t.trace.steps.at(-1)!.state;
    expect(compileModel(peterson, { variant: 'broken' }).locationIds(last)).toEqual(['cs', 'cs']);
    expect(() => assertHolds(peterson, petersonProps, { variant: 'broken' })).toThrow(CheckFailure);
    expect(() => assertHolds(peterson, petersonProps, { variant: 'broken' })).toThrow(/mutex violated after 6 steps/);
  });

  it('with two rounds the broken variant fails by the same 6 steps', () => {
    const r = agreed(peterson, petersonProps, 'broken', { rounds: 2 });
    expect(r.status === 'violated' && r.stats.states).toBe(145);
    expect(trace(peterson, r, 'mutex', { rounds: 2 }).path).toBe('0/1/1/1/0/0');
  });
});

describe('ABBA', () => {
  it('two spinlocks taken in opposite orders deadlock after 2 steps', () => {
    const r = agreed(abba, abbaProps, 'abba');
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    expect(r.stats.states).toBe(19);
    const t = trace(abba, r, 'deadlock');
    expect(t.path).toBe('0/1');
    expect(t.steps).toEqual(['t0| lock_ab: spin_lock(&A)', 't1| lock_ba: spin_lock(&B)']);
    expect(t.violation.blocked).toEqual([
      { thread: 't0', at: 'l2', label: 'lock_ab: spin_lock(&B)', waitsFor: 'B, held by t1' },
      { thread: 't1', at: 'l2', label: 'lock_ba: spin_lock(&A)', waitsFor: 'A, held by t0' },
    ]);
    expect(t.violation.message).toMatch(/^deadlock: no step can run/);
  });

  it('taken in the same order they never deadlock', () => {
    const r = agreed(abba, abbaProps, 'ordered');
    expect(r.status).toBe('verified');
    expect(r.status === 'verified' && r.stats.states).toBe(16);
  });
});

describe('lost update', () => {
  it.each([
    [2, 13, 4, '0/1/0/0'],
    [3, 84, 6, '0/0/0/1/0/0'],
  ])('counter++ as load and store loses an update (%i threads: %i states, %i steps)', (threads, states, length, path) => {
    const r = agreed(lostUpdate, lostUpdateProps, 'racy', { threads });
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    expect(r.stats.states).toBe(states);
    const t = trace(lostUpdate, r, 'no-lost-update', { threads });
    expect(t.length).toBe(length);
    expect(t.path).toBe(path);
    const final = t.trace.steps.at(-1)!.state;
    expect(compileModel(lostUpdate, { variant: 'racy', params: { threads } }).vars(final).counter).toBe(threads - 1);
  });

  it('the two-thread trace: both load 0, both store 1', () => {
    const r = check(lostUpdate, lostUpdateProps, { variant: 'racy' });
    expect(trace(lostUpdate, r, 'no-lost-update').steps).toEqual([
      't0| inc: tmp = counter',
      't1| inc: tmp = counter',
      't0| inc: counter = tmp + 1',
      't1| inc: counter = tmp + 1',
    ]);
  });

  it.each([
    [2, 4],
    [3, 8],
  ])('atomic_inc never loses one (%i threads: %i states)', (threads, states) => {
    const r = agreed(lostUpdate, lostUpdateProps, 'atomic', { threads });
    expect(r.status).toBe('verified');
    expect(r.status === 'verified' && r.stats.states).toBe(states);
  });
});
