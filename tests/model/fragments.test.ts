// Variant fragments and labels as code: `byVariant` picks one variant's own code (every variant
// must supply one, checked by the type), `func` writes a C function's steps as code, a note is
// shown after the code and ignored where statements are matched, the listing of two variants
// differs exactly in their fragments, and `StateOf` gives properties the model's state type.

import { describe, expect, expectTypeOf, it } from 'vitest';
import { check } from '../../src/engine/check.js';
import { compileModel } from '../../src/model/compile.js';
import {
  alsoRun, byVariant, choice, defineModel, END, func, withNote, programListing, step, thread, type LocationDef, type StateOf, type StepEnv, type System, type VariantOf,
} from '../../src/model/index.js';
import { defineProperties, invariant } from '../../src/property/index.js';
import { expandPath } from '../../src/trace/expand.js';
import { withoutNote } from '../../src/trace/cross-variant.js';
import { expectAgreement } from '../oracle/compare.js';

type S = { count: number; lock: number };

// Two increments of a shared counter; the fix takes a lock around the read-modify-write.
const counter = defineModel({
  name: 'counter',
  doc: 'a racy counter, and the patch that locks it',
  params: {},
  variants: { racy: 'count++ without the lock', locked: 'count++ under the lock' },
  build({ variant }): System<S> {
    const inc = (self: number): LocationDef<S>[] =>
      byVariant(variant, {
        racy: () =>
          func<S>('inc', [
            step('read', 'tmp = count', { note: 'a plain load: another CPU may store in between' }),
            step('write', 'count = tmp + 1', { run: (d) => void (d.count += 1) }),
          ]),
        locked: () =>
          func<S>('inc', [
            step('lock', 'spin_lock(&lock)', { guard: (s) => s.lock < 0, run: (d) => void (d.lock = self) }),
            step('read', 'tmp = count', { note: 'a plain load: another CPU may store in between' }),
            step('write', 'count = tmp + 1', { run: (d) => void (d.count += 1) }),
            step('unlock', 'spin_unlock(&lock)', { run: (d) => void (d.lock = -1), fn: 'inc' }),
            step('trace', 'trace_inc(count)', { fn: 'trace_inc' }), // a callee's step keeps its own function
          ]),
      });
    // The racy read really is racy: model the lost update by reading into the counter's copy.
    return {
      init: { count: 0, lock: -1 },
      threads: [0, 1].map((t) => thread<S>(`cpu${t}`, [...inc(t), step<S>('done', 'return', { next: END })])),
    };
  },
});

describe('variant fragments', () => {
  it('each variant runs its own fragment, and the listing differs exactly there', () => {
    const racy = programListing(compileModel(counter, { variant: 'racy' }));
    const locked = programListing(compileModel(counter, { variant: 'locked' }));
    const a = racy.split('\n');
    const b = locked.split('\n');
    const onlyLocked = [...new Set(b.filter((l) => !a.includes(l)))];
    const onlyRacy = [...new Set(a.filter((l) => !b.includes(l)))];
    expect(onlyRacy).toEqual(['model counter, variant racy']);
    expect(onlyLocked).toEqual([
      'model counter, variant locked', '  lock:', '    inc: spin_lock(&lock)', '  unlock:', '    inc: spin_unlock(&lock)', '  trace:', '    trace_inc(count)',
    ]);
    expect(racy).toContain('    inc: tmp = count [a plain load: another CPU may store in between]\n');
    expect(racy).toContain('    return  -> $end\n');
  });

  it('a missing variant is a type error, and an error at build time', () => {
    // @ts-expect-error 'locked' has no fragment
    const build = () => byVariant<'racy' | 'locked', number>('locked', { racy: () => 1 });
    expect(build).toThrow(/no fragment for variant 'locked' \(fragments exist for: racy\)/);
    expect(byVariant<'a' | 'b', string>('b', { a: () => 'A', b: () => 'B' })).toBe('B');
  });

  it('fragments build lazily: only the chosen variant is built', () => {
    let built = 0;
    byVariant<'a' | 'b', void>('a', { a: () => void built++, b: () => { throw new Error('built b'); } });
    expect(built).toBe(1);
  });
});

describe('labels as code plus note', () => {
  it('func prefixes its steps with the function name and sets fn (a step naming another function is left alone)', () => {
    const m = compileModel(counter, { variant: 'locked' });
    const acts = m.threads[0]!.locations.flatMap((l) => l.actions);
    expect(acts.map((a) => [a.code, a.fn, a.note])).toEqual([
      ['inc: spin_lock(&lock)', 'inc', undefined],
      ['inc: tmp = count', 'inc', 'a plain load: another CPU may store in between'],
      ['inc: count = tmp + 1', 'inc', undefined],
      ['inc: spin_unlock(&lock)', 'inc', undefined],
      ['trace_inc(count)', 'trace_inc', undefined],
      ['return', '', undefined], // no function named: none guessed
    ]);
  });

  it('withNote adds a note to every action of a location a builder made', () => {
    const loc = withNote('why', choice<S>('c', [{ label: 'f: a' }, { label: 'f: b', note: 'replaced' }]));
    expect(loc.actions.map((a) => [a.label, a.note])).toEqual([['f: a', 'why'], ['f: b', 'why']]);
  });

  it('alsoRun: a builder\'s step with a recipe of the caller\'s (reading its locals) after its own, and another next', () => {
    type D = { n: number; log: string[] };
    const base: LocationDef<D> = { id: 'x', actions: [{ label: 'x = 1', run: (d) => void d.log.push('own') }, { label: 'x = 2' }] };
    const loc = alsoRun<D, { k: number }>(base, (d, env) => void d.log.push(`extra ${env.local.k}`), 'y');
    const env = { local: { k: 7 } } as unknown as StepEnv<{ k: number }>;
    const d: D = { n: 0, log: [] };
    for (const a of loc.actions) a.run!(d, env);
    expect(d.log).toEqual(['own', 'extra 7', 'extra 7']);
    expect(loc.actions.map((a) => [a.label, a.next])).toEqual([['x = 1', 'y'], ['x = 2', 'y']]);
    expect(base.actions.map((a) => a.next)).toEqual([undefined, undefined]);
    expect(alsoRun(base, () => {}).actions.map((a) => a.next)).toEqual([undefined, undefined]);
  });

  it('traces show `code [note]`; matching by statement ignores the note', () => {
    const m = compileModel(counter, { variant: 'racy' });
    const t = expandPath(m, [0]);
    expect(t.steps[0]!.label).toBe('inc: tmp = count [a plain load: another CPU may store in between]');
    expect(withoutNote(t.steps[0]!.label)).toBe('inc: tmp = count');
  });

  it('the engine and the reference explorer agree on labels, counts and verdicts', () => {
    const props = defineProperties<S>('counter', [invariant<S>('counted', 'both increments count', (s) => !(s.ended(0) && s.ended(1)) || s.vars.count === 2)]);
    for (const variant of ['racy', 'locked']) {
      const { result } = expectAgreement(counter, props, { variant });
      expect(result.status).toBe('verified');
    }
    expect(check(counter, props, { variant: 'locked' }).status).toBe('verified');
  });
});

describe('the model state type', () => {
  it('StateOf and VariantOf give a property file the model’s own types', () => {
    expectTypeOf<StateOf<typeof counter>>().toEqualTypeOf<S>();
    expectTypeOf<VariantOf<typeof counter>>().toEqualTypeOf<'racy' | 'locked'>();
    const p = invariant<StateOf<typeof counter>>('free', 'the lock is free or held by a CPU', (s) => s.vars.lock >= -1);
    // @ts-expect-error no field 'missing' in the model's state
    invariant<StateOf<typeof counter>>('bad', '', (s) => s.vars.missing === 0);
    expect(p.kind).toBe('invariant');
  });
});
