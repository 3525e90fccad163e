import { describe, expect, it } from 'vitest';
import { prove } from '../../src/engine/prove.js';
import { defineModel, step, thread, choice, type LocationDef } from '../../src/model/index.js';
import { defineProperties, invariant } from '../../src/property/index.js';
import { UsageError } from '../../src/util/errors.js';
import { abba, abbaProps, lostUpdate, lostUpdateProps, peterson, petersonProps } from '../fixtures/textbook.js';

describe('kmc prove on the textbook patches', () => {
  it.each([
    [lostUpdate, lostUpdateProps, 'racy', 'atomic', 'no-lost-update', 'absent'],
    [abba, abbaProps, 'abba', 'ordered', 'deadlock', 'blocked'],
    [peterson, petersonProps, 'broken', 'correct', 'mutex', 'blocked'],
  ] as const)('%s: %s -> %s', (def, props, from, to, property, end) => {
    const r = prove(def, props, { from, to });
    expect(r.parts).toEqual({ counterexample: true, verified: true, blocked: true });
    expect(r.proved).toBe(true);
    expect(r.counterexample?.violation.property).toBe(property);
    expect(r.fixed.status).toBe('verified');
    expect(r.onFixed?.port.end.kind).toBe(end);
    expect(r.onFixed?.reproduced).toBeUndefined();
  });

  it('the wrong way round, every part fails', () => {
    const r = prove(lostUpdate, lostUpdateProps, { from: 'atomic', to: 'racy' });
    expect(r.parts).toEqual({ counterexample: false, verified: false, blocked: false });
    expect(r.proved).toBe(false);
    expect(r.onFixed).toBeUndefined();
  });

  it('a bounded search of the fixed variant is not a proof', () => {
    const r = prove(peterson, petersonProps, { from: 'broken', to: 'correct', maxStates: 5 });
    expect(r.fixed.status).toBe('incomplete');
    expect(r.parts.verified).toBe(false);
    expect(r.proved).toBe(false);
  });

  it('rejects unknown or equal variants', () => {
    expect(() => prove(abba, abbaProps, { from: 'abba', to: 'nope' })).toThrow(UsageError);
    expect(() => prove(abba, abbaProps, { from: 'abba', to: 'abba' })).toThrow(/same variant/);
  });
});

// A fix that holds, but whose new nondeterministic choice the old trace cannot settle: the
// third part is inconclusive, so nothing is proved.
type S = { x: number };
const work = (v: number): LocationDef<S> => step('work', 'f: x = v', { run: (d) => void (d.x = v) });
const chooser = defineModel<S>({
  name: 'chooser',
  doc: '',
  params: {},
  variants: { buggy: 'x = 2', fixed: 'a new choice, then x = 1' },
  build: ({ variant }) => ({
    init: { x: 0 },
    threads: [thread<S>('t0', variant === 'buggy' ? [work(2)] : [choice('pick', [{ label: 'f: fast' }, { label: 'f: slow' }]), work(1)])],
  }),
});
const chooserProps = defineProperties<S>('chooser', [invariant('x-not-2', 'x never becomes 2', (s) => s.vars.x !== 2)]);

describe('an inconclusive match fails the third part', () => {
  it('says so instead of claiming the trace is blocked', () => {
    const r = prove(chooser, chooserProps, { from: 'buggy', to: 'fixed' });
    expect(r.parts).toEqual({ counterexample: true, verified: true, blocked: false });
    expect(r.onFixed?.port.end.kind).toBe('ambiguous');
    expect(r.proved).toBe(false);
  });
});
