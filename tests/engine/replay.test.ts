import { describe, expect, it } from 'vitest';
import { check, propertiesOf } from '../../src/engine/check.js';
import { replayPath, replayTraceFile } from '../../src/engine/replay.js';
import { compileModel } from '../../src/model/compile.js';
import { defineModel, step, thread } from '../../src/model/index.js';
import { assertion, defineProperties, invariant, stepProperty, deadlockFree } from '../../src/property/index.js';
import { expandPath } from '../../src/trace/expand.js';
import { decodeTrace, encodeTrace, traceToText, TraceFileError } from '../../src/trace/itf.js';
import { ModelError } from '../../src/util/errors.js';
import { abba, abbaProps, lostUpdate, lostUpdateProps, peterson, petersonProps } from '../fixtures/textbook.js';
import type { ModelDef } from '../../src/model/index.js';

const textbook = [
  [abba, abbaProps, 'abba'],
  [lostUpdate, lostUpdateProps, 'racy'],
  [peterson, petersonProps, 'broken'],
] as const;

// A model with every kind of property: a step property on step 2, a WARN_ON in step 3, an
// invariant broken after step 3, a BUG_ON in t1's only step.
type S = { x: number; armed: boolean };
const kinds = defineModel<S>({
  name: 'kinds',
  doc: 'one of each property kind',
  params: {},
  variants: { only: '' },
  build: () => ({
    init: { x: 0, armed: false },
    threads: [
      thread<S>('t0', [
        step('a', 'f: x = 1', { run: (d) => void (d.x = 1) }),
        step('b', 'f: armed = true', { run: (d) => void (d.armed = true) }),
        step('c', 'f: WARN_ON(armed); x = 5', {
          run: (d, env) => {
            env.warnOn(d.armed, 'armed');
            d.x = 5;
          },
        }),
      ]),
      thread<S>('t1', [step('z', 'g: BUG_ON(x == 0)', { run: (d, env) => env.bugOn(d.x === 0, 'x-zero') })]),
    ],
  }),
});
const kindsProps = defineProperties<S>('kinds', [
  invariant('x-small', 'x stays below 5', (s) => s.vars.x < 5),
  stepProperty('no-arming', 'nobody arms', (_s, st) => !st.label.includes('armed = true')),
  assertion('armed', 'WARN_ON(armed)'),
  assertion('x-zero', 'BUG_ON(x == 0)'),
  deadlockFree(),
]);

describe('replay goes through the search core', () => {
  it('finds every counterexample of check at its last step, with the same message', () => {
    for (const [def, props, variant] of textbook) {
      const r = check(def, props, { variant });
      if (r.status !== 'violated') throw new Error(`${def.name} must be violated`);
      const model = compileModel(def as ModelDef, { variant });
      const all = propertiesOf(props);
      for (const v of r.violations) {
        const run = replayPath(model, all, all, v.path);
        expect(run.stop).toBeUndefined();
        expect(run.trace.steps).toHaveLength(v.path.length);
        const found = run.violations.find((x) => x.property.name === v.property);
        expect(found).toMatchObject({ step: v.path.length, message: v.message });
      }
    }
  });

  it('evaluates invariants, step properties, assertions and deadlock along the path, each at its step', () => {
    const model = compileModel(kinds);
    const all = propertiesOf(kindsProps);
    // t0 a, b, c (choice 0 each time), then t1 z.
    const run = replayPath(model, all, all, [0, 0, 0, 0]);
    expect(run.stop).toBeUndefined();
    expect(run.violations.map((v) => [v.property.name, v.step])).toEqual([
      ['no-arming', 2],
      ['armed', 3],
      ['x-small', 3],
    ]);
  });

  it('evaluates only the selected properties', () => {
    const model = compileModel(kinds);
    const all = propertiesOf(kindsProps);
    const run = replayPath(model, all, all.filter((p) => p.name === 'x-small'), [0, 0, 0, 0]);
    expect(run.violations.map((v) => v.property.name)).toEqual(['x-small']);
  });

  it('stops at a choice that is not enabled, keeping what it found before', () => {
    const model = compileModel(kinds);
    const all = propertiesOf(kindsProps);
    const run = replayPath(model, all, all, [0, 0, 7]);
    expect(run.stop).toEqual({ kind: 'not-enabled', step: 3, choice: 7, enabled: 2 });
    expect(run.trace.steps).toHaveLength(2);
    expect(run.violations.map((v) => v.property.name)).toEqual(['no-arming']);
  });

  it('stops where nothing is enabled any more', () => {
    const model = compileModel(kinds);
    const run = replayPath(model, propertiesOf(kindsProps), [], [0, 0, 0, 0, 0]);
    expect(run.error).toBeUndefined();
    expect(run.trace.steps).toHaveLength(4);
    expect(run.stop).toEqual({ kind: 'not-enabled', step: 5, choice: 0, enabled: 0 });
  });

  it('stops after a BUG_ON: the kernel is dead, whatever the path says', () => {
    const model = compileModel(kinds);
    const all = propertiesOf(kindsProps);
    const run = replayPath(model, all, all, [1, 0]); // t1's BUG_ON(x == 0) first
    expect(run.stop).toEqual({ kind: 'halted', step: 1 });
    expect(run.violations.map((v) => [v.property.name, v.step])).toEqual([['x-zero', 1]]);
  });

  it('catches a model that is not deterministic', () => {
    let calls = 0;
    type N = { x: number };
    const flaky = defineModel<N>({
      name: 'flaky',
      doc: '',
      params: {},
      variants: { only: '' },
      build: () => ({ init: { x: 0 }, threads: [thread<N>('t', [step('s', 'f: x = hidden++', { run: (d) => void (d.x = calls++) })])] }),
    });
    expect(() => replayPath(compileModel(flaky), [], [], [0])).toThrow(ModelError);
    expect(() => replayPath(compileModel(flaky), [], [], [0])).toThrow(/not deterministic/);
  });
});

describe('replaying a trace file checks every recorded step and state', () => {
  const model = compileModel(lostUpdate, { variant: 'racy' });
  const all = propertiesOf(lostUpdateProps);
  const r = check(lostUpdate, lostUpdateProps, { variant: 'racy' });
  if (r.status !== 'violated') throw new Error('racy must lose an update');
  const v = r.violations[0]!;
  const text = traceToText(
    encodeTrace(model, expandPath(model, v.path), { source: 's', violation: { property: v.property, kind: v.kind, message: v.message, step: v.path.length } }),
  );
  const replay = (t: string) => replayTraceFile(model, all, all, decodeTrace(t, 'lu.itf.json'));
  const tamper = (change: (j: any) => void) => {
    const j = JSON.parse(text);
    change(j);
    return JSON.stringify(j);
  };

  it('round-trips: the file replays, and shows the violation it records', () => {
    const run = replay(text);
    expect(run.trace.steps.map((s) => s.label)).toEqual(expandPath(model, v.path).steps.map((s) => s.label));
    expect(run.violations.find((x) => x.property.name === v.property)?.step).toBe(v.path.length);
  });

  it('a tampered variable: names the step and the values', () => {
    expect(() => replay(tamper((j) => (j.states[3].counter = { '#bigint': '2' })))).toThrow(TraceFileError);
    expect(() => replay(tamper((j) => (j.states[3].counter = { '#bigint': '2' })))).toThrow(
      /the state after step 3 \(t0: 'inc: counter = tmp \+ 1'\) diverged: counter = 2 in the file but 1 in the model/,
    );
  });

  it('a tampered initial state', () => {
    expect(() => replay(tamper((j) => (j.states[0].tmp[1] = { '#bigint': '9' })))).toThrow(/the initial state diverged: tmp\[1\] = 9 in the file but 0 in the model/);
  });

  it('a tampered program counter', () => {
    expect(() => replay(tamper((j) => (j.states[1].pc.t0 = 'load')))).toThrow(/step 1 \(t0: 'inc: tmp = counter'\) diverged: t0 is at 'load' in the file but at 'store' in the model/);
  });

  it('a location the thread does not have', () => {
    expect(() => replay(tamper((j) => (j.states[1].pc.t0 = 'nowhere')))).toThrow(/state 1 is not a state of model lost-update: thread t0 has no location 'nowhere'/);
  });

  it('a step that claims another thread or statement', () => {
    expect(() => replay(tamper((j) => (j.states[2]['#meta'].thread = 't0')))).toThrow(/step 2 \(t1: 'inc: tmp = counter'\) diverged: the file says thread t0 ran, but choice 1 there is a step of t1/);
    expect(() => replay(tamper((j) => (j.states[2]['#meta'].label = 'inc: counter = tmp + 1')))).toThrow(/the file says it ran 'inc: counter = tmp \+ 1', but choice 1 there is 'inc: tmp = counter'/);
  });

  it('an out-of-range choice in the replay path', () => {
    expect(() => replay(tamper((j) => (j['#meta'].replay = '0/1/0/3')))).toThrow(/does not replay on model lost-update variant racy: step 4 chooses action 3, but only action 0 is enabled there/);
  });

  it('a path that leads elsewhere than the recorded states', () => {
    expect(() => replay(tamper((j) => (j['#meta'].replay = '0/0/1/0')))).toThrow(/step 2 \(t0: 'inc: counter = tmp \+ 1'\) diverged/);
  });

  it('a violation the replay does not show', () => {
    expect(() => replay(tamper((j) => (j['#meta'].violation.step = 3)))).toThrow(/claims no-lost-update is violated after 3 steps, but the replay finds it after 4/);
    expect(() => replay(tamper((j) => (j['#meta'].violation.property = 'deadlock')))).toThrow(/claims deadlock is violated after 4 steps, but replaying its 4 steps deadlock holds throughout/);
    expect(() => replay(tamper((j) => (j['#meta'].violation.property = 'nope')))).toThrow(/model lost-update has no such property/);
  });

  it('variables or threads of another model', () => {
    expect(() => replay(tamper((j) => {
      j.vars.push('extra');
      for (const s of j.states) s.extra = true;
    }))).toThrow(/its variables do not match model lost-update; the file has extra, which the model lacks/);
    expect(() => replay(tamper((j) => {
      for (const s of j.states) s.pc = { t0: s.pc.t0, t9: s.pc.t1 };
    }))).toThrow(/its threads \(t0, t9\) are not the threads of model lost-update variant racy \(t0, t1\)/);
  });

  it('a value of the wrong type', () => {
    expect(() => replay(tamper((j) => (j.states[2].counter = true)))).toThrow(/state 2 is not a state of model lost-update: counter = true: expected an int32 integer/);
  });
});
