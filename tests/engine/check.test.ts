// check() and assertHolds(): property selection, the result's shape, the throwing form, a model
// that breaks mid-search, and BUG_ON states (a regression: a halted state hid its live twin).

import { describe, expect, it } from 'vitest';
import { assertHolds, check, CheckFailure, propertiesOf } from '../../src/engine/check.js';
import { exitCodeOf } from '../../src/engine/result.js';
import { choice, defineModel, step, thread } from '../../src/model/index.js';
import { assertion, defineProperties, deadlockFree, invariant } from '../../src/property/index.js';
import { UsageError } from '../../src/util/errors.js';
import { lostUpdate, lostUpdateProps } from '../fixtures/textbook.js';

describe('check()', () => {
  it('checks only the selected properties, in the order asked', () => {
    const r = check(lostUpdate, lostUpdateProps, { variant: 'racy', property: ['deadlock'] });
    expect(r.status).toBe('verified');
    expect(r.status === 'verified' && r.properties.map((p) => [p.name, p.status])).toEqual([['deadlock', 'holds']]);
    const both = check(lostUpdate, lostUpdateProps, { variant: 'racy', property: ['deadlock', 'no-lost-update'] });
    expect(both.status === 'violated' && both.properties.map((p) => [p.name, p.status])).toEqual([
      ['deadlock', 'holds'],
      ['no-lost-update', 'violated'],
    ]);
  });

  it('an unknown property is a UsageError naming the valid ones', () => {
    expect(() => check(lostUpdate, lostUpdateProps, { property: ['nope'] })).toThrow(UsageError);
    expect(() => check(lostUpdate, lostUpdateProps, { property: ['nope'] })).toThrow(
      "model lost-update has no property 'nope'; its properties are: no-lost-update, deadlock",
    );
  });

  it('takes a property set or a plain list', () => {
    expect(propertiesOf(lostUpdateProps)).toBe(lostUpdateProps.properties);
    expect(propertiesOf([deadlockFree()]).map((p) => p.name)).toEqual(['deadlock']);
    expect(propertiesOf(undefined)).toEqual([]);
    const a = check(lostUpdate, lostUpdateProps.properties, { variant: 'atomic' });
    const b = check(lostUpdate, lostUpdateProps, { variant: 'atomic' });
    expect([a.status, b.status]).toEqual(['verified', 'verified']);
  });

  it('returns a result with the run, the statistics and the exit code of its status', () => {
    const r = check(lostUpdate, lostUpdateProps, { variant: 'racy', params: { threads: '3' } });
    expect(r.run).toEqual({ model: 'lost-update', variant: 'racy', params: { threads: 3 } });
    if (r.status !== 'violated') throw new Error(r.status);
    expect(r.stats).toMatchObject({ states: 84, transitions: 111, diameter: 6, workers: 1 });
    expect(r.stats.collisionProbability).toBeGreaterThan(0);
    expect(r.stats.bytesPerState).toBeGreaterThan(0);
    expect(r.violations[0]).toMatchObject({ property: 'no-lost-update', kind: 'invariant', path: [0, 0, 0, 1, 0, 0] });
    expect(r.violations[0]!.message).toBe('invariant no-lost-update is false: when every thread has finished, counter == threads');
    expect(exitCodeOf(r)).toBe(1);
    expect(exitCodeOf(check(lostUpdate, lostUpdateProps, { variant: 'atomic' }))).toBe(0);
    expect(exitCodeOf(check(lostUpdate, lostUpdateProps, { variant: 'atomic', params: { threads: 4 }, maxStates: 2 }))).toBe(3);
  });

  it('sorts violations shortest first', () => {
    type S = { a: number; b: number };
    const def = defineModel<S>({
      name: 'two',
      doc: 'b breaks after 2 steps, a after 3',
      params: {},
      variants: { v: 'only' },
      build: () => ({
        init: { a: 0, b: 0 },
        threads: [
          thread<S>('t', [step<S>('1', 'f: a++', { run: (d) => void d.a++ }), step<S>('2', 'f: a++', { run: (d) => void d.a++ }), step<S>('3', 'f: a++', { run: (d) => void d.a++ })]),
          thread<S>('u', [step<S>('1', 'g: b++', { run: (d) => void d.b++ }), step<S>('2', 'g: b++', { run: (d) => void d.b++ })]),
        ],
      }),
    });
    const r = check(def, [invariant<S>('a<3', 'a stays below 3', (s) => s.vars.a < 3), invariant<S>('b<2', 'b stays below 2', (s) => s.vars.b < 2)]);
    expect(r.status === 'violated' && r.violations.map((v) => [v.property, v.path.length])).toEqual([
      ['b<2', 2],
      ['a<3', 3],
    ]);
    expect(r.status === 'violated' && r.properties.map((p) => p.name)).toEqual(['a<3', 'b<2']);
  });

  it('a step that throws mid-search is an error result naming the thread, the step and the state', () => {
    type S = { n: number };
    const def = defineModel<S>({
      name: 'throws',
      doc: 'throws at n == 2',
      params: {},
      variants: { v: 'only' },
      build: () => ({
        init: { n: 0 },
        threads: [
          thread<S>('cpu0', [
            step<S>('inc', 'f: n++', {
              run: (d) => {
                if (d.n === 2) throw new Error('n is 2');
                d.n++;
              },
              next: 'inc',
            }),
          ]),
        ],
      }),
    });
    const r = check(def, []);
    expect(r).toEqual({
      status: 'error',
      run: { model: 'throws', variant: 'v', params: {} },
      message: "model throws: thread cpu0, step 'f: n++': it threw: n is 2",
      thread: 'cpu0',
      label: 'f: n++',
      state: { locations: ['inc'], vars: { n: 2 } },
    });
    expect(exitCodeOf(r)).toBe(2);
  });
});

describe('assertHolds()', () => {
  it('returns the verified result', () => {
    const r = assertHolds(lostUpdate, lostUpdateProps, { variant: 'atomic' });
    expect([r.status, r.stats.states]).toEqual(['verified', 4]);
  });

  it.each([
    [{ variant: 'racy' }, 'violated', 'lost-update (racy): no-lost-update violated after 4 steps: invariant no-lost-update is false'],
    [{ variant: 'atomic', params: { threads: 4 }, maxStates: 3 }, 'incomplete', 'lost-update (atomic): search incomplete (max-states) after'],
  ])('throws a CheckFailure carrying the result: %j', (options, status, message) => {
    let failure: unknown;
    try {
      assertHolds(lostUpdate, lostUpdateProps, options);
    } catch (e) {
      failure = e;
    }
    expect(failure).toBeInstanceOf(CheckFailure);
    expect((failure as CheckFailure).result.status).toBe(status);
    expect((failure as CheckFailure).message).toContain(message);
    expect((failure as CheckFailure).message).not.toMatch(/^verified/);
  });

  it('throws on a broken model', () => {
    const broken = defineModel<{ n: number }>({ name: 'b', doc: '', params: {}, variants: { v: '' }, build: () => ({ init: { n: 0 }, threads: [] }) });
    expect(() => assertHolds(broken, [])).toThrow('b: model b: no threads');
  });
});

describe('BUG_ON: a halted state is not its live twin', () => {
  // t0 chooses between a BUG_ON that writes nothing before it fires and a no-op; both go to the
  // same location with the same variables. Only the live one may go on to set x = 1. BFS meets
  // the halted one first: the search must not take the live one for an already-seen state.
  type S = { x: number };
  const def = defineModel<S>({
    name: 'halt',
    doc: 'a BUG_ON and a no-op that reach the same variables',
    params: {},
    variants: { v: 'only' },
    build: () => ({
      init: { x: 0 },
      threads: [
        thread<S>('t0', [
          choice<S>('pick', [
            { label: 'f: BUG_ON(1)', run: (_d, env) => env.bugOn(true, 'oops') },
            { label: 'f: nothing', run: () => {} },
          ]),
          step<S>('set', 'f: x = 1', { run: (d) => void (d.x = 1) }),
        ]),
      ],
    }),
  });
  const props = defineProperties<S>('halt', [invariant<S>('x-zero', 'x stays 0', (s) => s.vars.x === 0), assertion('oops', 'the BUG_ON')]);

  it('the live state is still explored: x = 1 is found, by the path through the no-op', () => {
    const r = check(def, props, { property: ['x-zero'] });
    expect(r.status).toBe('violated');
    expect(r.status === 'violated' && r.violations.map((v) => [v.property, v.path])).toEqual([['x-zero', [1, 0]]]);
    // init, halted (set, x=0), live (set, x=0), (END, x=1)
    expect(r.status === 'violated' && r.stats.states).toBe(4);
  });

  it('and the BUG_ON itself is reported after one step', () => {
    const r = check(def, props);
    expect(r.status === 'violated' && r.violations.map((v) => [v.property, v.path])).toEqual([
      ['oops', [0]],
      ['x-zero', [1, 0]],
    ]);
  });
});
