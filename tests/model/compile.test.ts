// compileModel: the executable semantics of a model (enabled actions in canonical order, steps,
// next, END, end locations, WARN_ON/BUG_ON) and the model errors it reports.

import { describe, expect, it } from 'vitest';
import { compileModel, PC_END, StepError, type CompiledAction, type CompiledModel } from '../../src/model/compile.js';
import { choice, defineModel, END, step, thread, type ModelDef, type ThreadDef } from '../../src/model/index.js';
import { check } from '../../src/engine/check.js';
import { assertion } from '../../src/property/index.js';
import { ModelError } from '../../src/util/errors.js';

type S = { n: number; on: boolean };
const model = (threads: ThreadDef<S>[], init: S = { n: 0, on: false }): ModelDef<S> =>
  defineModel<S>({ name: 'm', doc: 'test model', params: {}, variants: { v: 'only' }, build: () => ({ init, threads }) });

function enabled(m: CompiledModel<any>, state: Int32Array): CompiledAction[] {
  const out: CompiledAction[] = [];
  return out.slice(0, m.enabled(state, out));
}

describe('compiled semantics', () => {
  const def = model([
    thread<S>('a', [
      choice<S>('pick', [
        { label: 'f: n = 1', run: (d) => void (d.n = 1) },
        { label: 'f: on = true', guard: (s) => s.n === 0, run: (d) => void (d.on = true), next: 'last' },
        { label: 'g: never', guard: () => false },
      ]),
      step<S>('mid', 'f: n++', { run: (d) => void d.n++, next: (s) => (s.n > 1 ? END : 'last') }),
      step<S>('last', 'f: idle', { guard: () => false, end: true }),
    ]),
    thread<S>('b', [step<S>('only', 'h: warn', { run: (d, env) => env.warnOn(d.n === 0, 'w'), tags: ['x'] })]),
    thread<S>('empty', []),
  ]);
  const m = compileModel(def);

  it('packs program counters then variables; an empty program starts ended', () => {
    expect([m.pcs, m.width, Array.from(m.init)]).toEqual([3, 5, [0, 0, PC_END, 0, 0]]);
    expect(m.locationIds(m.init)).toEqual(['pick', 'only', END]);
    expect(m.vars(m.init)).toEqual({ n: 0, on: false });
    expect(m.allActions.map((a) => `${a.thread}/${a.id}/${a.alt} ${a.fn}`)).toEqual([
      '0/pick/0 f',
      '0/pick/1 f',
      '0/pick/2 g',
      '0/mid/0 f',
      '0/last/0 f',
      '1/only/0 h',
    ]);
  });

  it('enables actions thread by thread, then in location order, guards on the current state', () => {
    expect(enabled(m, m.init).map((a) => a.label)).toEqual(['f: n = 1', 'f: on = true', 'h: warn']);
    const s1 = new Int32Array(m.width);
    m.apply(m.init, enabled(m, m.init)[0]!, s1);
    expect(m.locationIds(s1)).toEqual(['mid', 'only', END]);
    expect(enabled(m, s1).map((a) => a.label)).toEqual(['f: n++', 'h: warn']);
  });

  it('follows static, default and computed next; END ends the thread', () => {
    const s1 = new Int32Array(m.width);
    m.apply(m.init, enabled(m, m.init)[1]!, s1); // on = true, next: 'last'
    expect([m.locationIds(s1)[0], m.vars(s1)]).toEqual(['last', { n: 0, on: true }]);
    const s2 = new Int32Array(m.width);
    m.apply(m.init, enabled(m, m.init)[0]!, s2); // n = 1, default next: 'mid'
    const s3 = new Int32Array(m.width);
    m.apply(s2, enabled(m, s2)[0]!, s3); // n++ -> 2: next END
    expect(m.locationIds(s3)).toEqual([END, 'only', END]);
    expect(s3[0]).toBe(PC_END);
  });

  it('WARN_ON completes the step and reports its tag; the source state is untouched', () => {
    const before = m.init.slice();
    const s1 = new Int32Array(m.width);
    const out = m.apply(m.init, enabled(m, m.init)[2]!, s1);
    expect(out).toEqual({ fired: ['w'], halted: false });
    expect(m.locationIds(s1)).toEqual(['pick', END, END]);
    expect(Array.from(m.init)).toEqual(Array.from(before));
  });

  it('a deadlock is no enabled action with a thread neither ended nor at an end location', () => {
    const at = (ids: string[], vars: S = { n: 0, on: false }) => m.pack(vars, ids);
    expect(m.isDeadlock(at(['last', END, END]), 0)).toBe(false); // end location
    expect(m.isDeadlock(at([END, END, END]), 0)).toBe(false);
    const stuck = compileModel(model([thread<S>('t', [step<S>('wait', 'f: wait for on', { guard: (s) => s.on, blockedOn: () => 'on' })])]));
    expect(enabled(stuck, stuck.init)).toEqual([]);
    expect(stuck.isDeadlock(stuck.init, 0)).toBe(true);
    expect(stuck.blocked(stuck.init)).toEqual([{ thread: 't', at: 'wait', label: 'f: wait for on', waitsFor: 'on' }]);
  });

  it('BUG_ON stops the recipe where it fires and halts; what was written before stays', () => {
    const bug = compileModel(
      model([
        thread<S>('t', [
          step<S>('s', 'f: BUG_ON', {
            run: (d, env) => {
              d.n = 7;
              env.bugOn(true, 'oops');
              d.on = true;
            },
          }),
        ]),
      ]),
    );
    const out = new Int32Array(bug.width);
    expect(bug.apply(bug.init, bug.allActions[0]!, out)).toEqual({ fired: ['oops'], halted: true });
    expect(bug.vars(out)).toEqual({ n: 7, on: false });
  });
});

describe('model errors', () => {
  const err = (threads: ThreadDef<S>[]) => () => compileModel(model(threads));

  it.each([
    ['no threads', [], /^model m: no threads$/],
    ['two threads with one name', [thread<S>('t', [step<S>('a', 'x')]), thread<S>('t', [step<S>('a', 'x')])], /two threads are named 't'/],
    ['two locations with one id', [thread<S>('t', [step<S>('a', 'x'), step<S>('a', 'y')])], /thread t has two locations with id 'a'/],
    ['a location without actions', [thread<S>('t', [choice<S>('a', [])])], /location 'a' has no action/],
    ['a static next to nowhere', [thread<S>('t', [step<S>('a', 'f: x', { next: 'nowhere' })])], /step 'f: x': next 'nowhere' is not a location of the thread/],
  ])('%s', (_what, threads, message) => {
    expect(err(threads as ThreadDef<S>[])).toThrow(ModelError);
    expect(err(threads as ThreadDef<S>[])).toThrow(message);
  });

  it('a build that throws is a ModelError, and an error result from check()', () => {
    const broken = defineModel<S>({
      name: 'broken',
      doc: 'throws in build',
      params: {},
      variants: { v: 'only' },
      build: () => {
        throw new Error('no such CPU');
      },
    });
    expect(() => compileModel(broken)).toThrow('model broken (variant v) failed to build: no such CPU');
    const r = check(broken, []);
    expect(r.status === 'error' && r.message).toBe('model broken (variant v) failed to build: no such CPU');
  });

  it.each([
    ['a recipe that throws', { run: () => void JSON.parse('{') }, /it threw: /],
    ['a guard that throws', { guard: () => { throw new Error('bad guard'); } }, /its guard threw: bad guard/],
    ['a guard that writes', { guard: (s: S) => ((s as { n: number }).n = 1) === 1 }, /guard.*(written while the state is read-only|wrote to the state)/],
    ['a next() that writes', { next: (s: S) => ((s as { n: number }).n = 1, 'a') }, /next\(\).*(written while the state is read-only|wrote to the state)/],
    ['a next() to nowhere', { next: () => 'nowhere' }, /next\(\): returned 'nowhere', which is not a location of the thread/],
  ])('%s: a StepError naming thread and step, an error result from check()', (_what, options, message) => {
    const def = model([thread<S>('t0', [step<S>('a', 'f: the step', options)])]);
    const r = check(def, []);
    expect(r.status).toBe('error');
    if (r.status !== 'error') return;
    expect(r.message).toMatch(/^model m: thread t0, step 'f: the step': /);
    expect(r.message).toMatch(message);
    expect(r.thread).toBe('t0');
    const m = compileModel(def);
    const explore = () => {
      const [a] = enabled(m, m.init); // guards run here
      m.apply(m.init, a!, new Int32Array(m.width)); // recipes and next() here
    };
    expect(explore).toThrow(StepError);
  });

  it('a WARN_ON tag that no property declares is a model error', () => {
    const def = model([thread<S>('t', [step<S>('a', 'f: warn', { run: (_d, env) => env.warnOn(true, 'undeclared') })])]);
    const r = check(def, [assertion('other', 'another tag')]);
    expect(r.status === 'error' && r.message).toBe("model m: step 'f: warn' fired assertion 'undeclared', which no property of the model declares");
    // Declared but not selected: no error, no violation reported.
    const only = check(def, [assertion('undeclared', 'the tag'), assertion('other', 'x')], { property: ['other'] });
    expect(only.status).toBe('verified');
  });
});
