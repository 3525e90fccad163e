import { describe, expect, it } from 'vitest';
import { check, propertiesOf } from '../../src/engine/check.js';
import { replayOnVariant, replayPath } from '../../src/engine/replay.js';
import { compileModel } from '../../src/model/compile.js';
import { choice, defineModel, END, step, thread, type LocationDef } from '../../src/model/index.js';
import { defineProperties, invariant, assertion } from '../../src/property/index.js';
import { inconclusive, portTrace, statementText, type OldStep } from '../../src/trace/cross-variant.js';
import { expandPath } from '../../src/trace/expand.js';
import { abba, abbaProps, lostUpdate, lostUpdateProps, peterson, petersonProps } from '../fixtures/textbook.js';

/** The shortest counterexample of `from`, as old steps. */
function oldSteps(def: Parameters<typeof check>[0], props: Parameters<typeof check>[1], from: string): OldStep[] {
  const r = check(def, props, { variant: from });
  if (r.status !== 'violated') throw new Error(`${def.name} ${from} must be violated`);
  const model = compileModel(def, { variant: from });
  return expandPath(model, r.violations[0]!.path).steps.map((s) => ({ thread: s.thread, label: s.label, id: s.id }));
}

describe('textbook patches', () => {
  it('abba -> ordered: t1 must take A first, which t0 holds (statement matched without its function name)', () => {
    const port = portTrace(oldSteps(abba, abbaProps, 'abba'), compileModel(abba, { variant: 'ordered' }));
    expect(port.steps).toEqual([{ kind: 'matched', oldStep: 1, choice: 0, thread: 't0', id: 'l1', label: 'lock_ab: spin_lock(&A)' }]);
    expect(port.end).toEqual({
      kind: 'blocked',
      oldStep: 2,
      thread: 't1',
      wanted: 'lock_ba: spin_lock(&B)',
      id: 'l1',
      label: 'lock_ab: spin_lock(&A)',
      waitsFor: 'A, held by t0',
      extra: true,
    });
    expect(port.path).toEqual([0]);
  });

  it('peterson broken -> correct: the flag is raised first (moved earlier), and the await blocks', () => {
    const old = oldSteps(peterson, petersonProps, 'broken');
    const port = portTrace(old, compileModel(peterson, { variant: 'correct' }));
    expect(port.steps.map((s) => [s.kind, s.oldStep, s.thread, statementText(s.label)])).toEqual([
      ['extra', 1, 'p0', 'flag[i] = true'],
      ['matched', 1, 'p0', 'turn = j'],
      ['extra', 2, 'p1', 'flag[i] = true'],
      ['matched', 2, 'p1', 'turn = j'],
      ['done-earlier', 3, 'p1', 'flag[i] = true'],
    ]);
    expect(port.end).toMatchObject({ kind: 'blocked', oldStep: 4, thread: 'p1', extra: false, waitsFor: 'flag[0] && turn == 0 to become false' });
  });

  it('lost-update racy -> atomic: the load no longer exists', () => {
    const port = portTrace(oldSteps(lostUpdate, lostUpdateProps, 'racy'), compileModel(lostUpdate, { variant: 'atomic' }));
    expect(port.steps).toEqual([]);
    expect(port.end).toEqual({ kind: 'absent', oldStep: 1, thread: 't0', wanted: 'inc: tmp = counter' });
    expect(inconclusive(port.end)).toBe(false);
  });

  it('on its own variant a trace maps to itself', () => {
    for (const [def, props, v] of [[abba, abbaProps, 'abba'], [lostUpdate, lostUpdateProps, 'racy'], [peterson, petersonProps, 'broken']] as const) {
      const r = check(def, props, { variant: v });
      if (r.status !== 'violated') throw new Error('violated');
      const model = compileModel(def, { variant: v });
      const port = portTrace(expandPath(model, r.violations[0]!.path).steps.map((s) => ({ thread: s.thread, label: s.label, id: s.id })), model);
      expect(port.end).toEqual({ kind: 'completed' });
      expect(port.path).toEqual(r.violations[0]!.path);
      expect(port.steps.every((s) => s.kind === 'matched')).toBe(true);
    }
  });
});

// One model, one variant per way a patch can change a thread. The old (buggy) code is
// `work: f: x = 2` in t0 and `other: g: y = 1` in t1.
type S = { x: number; y: number; ready: boolean };
const work = (value: number): LocationDef<S> => step('work', 'f: x = v', { run: (d) => void (d.x = value) });
const patches = defineModel<S>({
  name: 'patches',
  doc: 'ways a patch changes a thread',
  params: {},
  variants: {
    buggy: 'x = 2',
    'value-fix': 'x = 1: same statements, another value',
    rewritten: 'the statement at the same location rewritten',
    'early-return': 'if (!ready) return; before the work',
    'new-choice': 'a new nondeterministic choice before the work',
    'new-loop': 'a new busy loop before the work',
    'new-bug': 'a new BUG_ON(!ready) before the work',
    renamed: 'thread t0 renamed',
  },
  build({ variant }) {
    const t1 = thread<S>('t1', [step('other', 'g: y = 1', { run: (d) => void (d.y = 1) })]);
    const t0: Record<string, LocationDef<S>[]> = {
      buggy: [work(2)],
      'value-fix': [work(1)],
      rewritten: [step('work', 'f_locked: x = 1 under the lock', { run: (d) => void (d.x = 1) })],
      'early-return': [step('chk', 'f: if (!ready) return', { next: (s) => (s.ready ? 'work' : END) }), work(1)],
      'new-choice': [choice('pick', [{ label: 'f: fast path' }, { label: 'f: slow path' }]), work(1)],
      'new-loop': [step('spin', 'f: while (!ready) cpu_relax()', { next: (s) => (s.ready ? 'work' : 'spin') }), work(1)],
      'new-bug': [step('bug', 'f: BUG_ON(!ready)', { run: (d, env) => env.bugOn(!d.ready, 'not-ready') }), work(1)],
      renamed: [work(1)],
    };
    return { init: { x: 0, y: 0, ready: false }, threads: [thread<S>(variant === 'renamed' ? 't0-new' : 't0', t0[variant]!), t1] };
  },
});
const patchProps = defineProperties<S>('patches', [
  invariant('x-not-2', 'x never becomes 2', (s) => s.vars.x !== 2),
  assertion('not-ready', 'BUG_ON(!ready)'),
]);
const OLD: OldStep[] = [
  { thread: 't0', label: 'f: x = v', id: 'work' },
  { thread: 't1', label: 'g: y = 1', id: 'other' },
];
const port = (variant: string) => portTrace(OLD, compileModel(patches, { variant }));

describe('the matching rule, one case at a time', () => {
  it('same statements, another value: completed, and the property holds along it', () => {
    const p = port('value-fix');
    expect(p.end).toEqual({ kind: 'completed' });
    const target = compileModel(patches, { variant: 'value-fix' });
    const all = propertiesOf(patchProps);
    const run = replayPath(target, all, all, p.path);
    expect(run.violations).toEqual([]);
    // ... whereas on the buggy code the same steps break it.
    const buggy = compileModel(patches, { variant: 'buggy' });
    const old = replayPath(buggy, all, all, [0, 0]);
    expect(old.violations.map((v) => v.property.name)).toEqual(['x-not-2']);
    const vr = replayOnVariant(old, target, all, all);
    expect(vr.port.end.kind).toBe('completed');
    expect(vr.run.violations).toEqual([]);
  });

  it('a statement rewritten at the same program point is matched by its location id', () => {
    const p = port('rewritten');
    expect(p.steps[0]).toEqual({ kind: 'matched', oldStep: 1, choice: 0, thread: 't0', id: 'work', label: 'f_locked: x = 1 under the lock' });
    expect(p.end).toEqual({ kind: 'completed' });
  });

  it('a thread that returns early never reaches the old statement: ended', () => {
    const p = port('early-return');
    expect(p.steps).toEqual([{ kind: 'extra', oldStep: 1, choice: 0, thread: 't0', id: 'chk', label: 'f: if (!ready) return' }]);
    expect(p.end).toEqual({ kind: 'ended', oldStep: 1, thread: 't0', wanted: 'f: x = v' });
    expect(inconclusive(p.end)).toBe(false);
  });

  it('a new nondeterministic choice the old trace cannot settle: ambiguous (inconclusive)', () => {
    const p = port('new-choice');
    expect(p.end).toEqual({ kind: 'ambiguous', oldStep: 1, thread: 't0', wanted: 'f: x = v', options: ['f: fast path', 'f: slow path'] });
    expect(inconclusive(p.end)).toBe(true);
  });

  it('a new loop that never lets the thread through: loops (inconclusive)', () => {
    const p = port('new-loop');
    expect(p.end).toEqual({ kind: 'loops', oldStep: 1, thread: 't0', wanted: 'f: x = v' });
    expect(inconclusive(p.end)).toBe(true);
  });

  it('a new BUG_ON on the way, with old steps left: halted', () => {
    const p = port('new-bug');
    expect(p.end).toEqual({ kind: 'halted', oldStep: 1, thread: 't0', label: 'f: BUG_ON(!ready)', fired: ['not-ready'] });
  });

  it('a thread the patched variant does not have: no-thread (inconclusive)', () => {
    const p = port('renamed');
    expect(p.end).toEqual({ kind: 'no-thread', oldStep: 1, thread: 't0', wanted: 'f: x = v' });
    expect(inconclusive(p.end)).toBe(true);
  });

  it('statement text drops the C function', () => {
    expect(statementText('lock_ab: spin_lock(&A)')).toBe('spin_lock(&A)');
    expect(statementText('no function here')).toBe('no function here');
  });
});
