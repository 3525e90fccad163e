import { describe, expect, it } from 'vitest';
import { check, propertiesOf } from '../../src/engine/check.js';
import { replayOnVariant, replayPath } from '../../src/engine/replay.js';
import { compileModel } from '../../src/model/compile.js';
import { choice, defineModel, END, step, thread, type LocationDef } from '../../src/model/index.js';
import { defineProperties, invariant, assertion } from '../../src/property/index.js';
import { inconclusive, portTrace, statementText, withoutNote, type OldStep } from '../../src/trace/cross-variant.js';
import { expandPath } from '../../src/trace/expand.js';
import { abba, abbaProps, lostUpdate, lostUpdateProps, peterson, petersonProps } from '../fixtures/textbook.js';
import { choices, FLIPS, pinnedCounter, pinnedCounterProps } from '../fixtures/choices.js';
import type { ModelDef } from '../../src/model/index.js';

/** The shortest counterexample of `from`, as old steps. */
function oldSteps(def: Parameters<typeof check>[0], props: Parameters<typeof check>[1], from: string): OldStep[] {
  const r = check(def, props, { variant: from });
  if (r.status !== 'violated') throw new Error(`${def.name} ${from} must be violated`);
  const model = compileModel(def as ModelDef, { variant: from });
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
      const model = compileModel(def as ModelDef, { variant: v });
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

  it('a new nondeterministic choice: tried in order, and the first of two equal ways is kept (rule 7)', () => {
    const p = port('new-choice');
    expect(p.end).toEqual({ kind: 'completed' });
    expect(p.steps[0]).toEqual({
      kind: 'extra',
      oldStep: 1,
      choice: 0,
      thread: 't0',
      id: 'pick',
      label: 'f: fast path',
      // The fast path placed every old step, so the slow path (as close to the old trace) was not tried.
      chose: { alternatives: [{ label: 'f: fast path', choice: 0, placed: 2, end: 'completed' }, { label: 'f: slow path', choice: 1 }], taken: 0, by: 'first' },
    });
    expect(p.steps.slice(1).map((s) => [s.kind, s.label])).toEqual([['matched', 'f: x = v'], ['matched', 'g: y = 1']]);
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

  it("a statement's trailing note in brackets is not C code; an index is", () => {
    expect(withoutNote('spin_lock(&kvm_lock) [on cpu0, KVM_CREATE_VM]')).toBe('spin_lock(&kvm_lock)');
    expect(withoutNote('flag[i] = true')).toBe('flag[i] = true');
    expect(withoutNote('x = a[1] [cpu1]')).toBe('x = a[1]');
  });
});

// Rule 7: a thread with several ways forward. The old code is `f: x = 1` in t0 and `g: ready = true`
// in t1 (or a spin_lock on cpu1 first); the patched variants are in tests/fixtures/choices.ts.
const OLD_X: OldStep[] = [
  { thread: 't0', label: 'f: x = 1', id: 'work' },
  { thread: 't1', label: 'g: ready = true', id: 'set' },
];
const OLD_LOCKED: OldStep[] = [
  { thread: 't0', label: 'f: spin_lock(&L) [on cpu1, ioctl]', id: 'lock' },
  { thread: 't0', label: 'f: x = 1', id: 'work' },
];
const onChoices = (variant: string, old = OLD_X, maxSteps?: number) =>
  portTrace(old, compileModel(choices, { variant }), maxSteps === undefined ? {} : { maxSteps });
/** Every step the port ran belongs to the thread of its old step: no other thread ran on its own. */
const ownThreadsOnly = (p: ReturnType<typeof onChoices>, old: readonly OldStep[]) =>
  p.steps.every((s) => s.thread === old[s.oldStep - 1]!.thread);

describe('choices the old trace does not settle (rule 7)', () => {
  it('the way that places the most old steps: the hardware call that succeeds, not the one that fails and returns', () => {
    const p = onChoices('may-fail');
    expect(p.end).toEqual({ kind: 'completed' });
    expect(p.steps.map((s) => [s.kind, s.label])).toEqual([
      ['extra', 'f: r = hw_enable() -> 0'],
      ['matched', 'f: x = 1'],
      ['matched', 'g: ready = true'],
    ]);
    expect(p.steps[0]).toMatchObject({
      choice: 1,
      chose: {
        alternatives: [
          { label: 'f: r = hw_enable() -> -EIO', choice: 0, placed: 0, end: 'ended' },
          { label: 'f: r = hw_enable() -> 0', choice: 1, placed: 2, end: 'completed' },
        ],
        taken: 1,
        by: 'placed',
      },
    });
    expect(p.path).toEqual([1, 0, 0]);
    expect(ownThreadsOnly(p, OLD_X)).toBe(true);
  });

  it('as many old steps either way: one that stops definitely (sleeping on ready) over one that loops (spinning on it)', () => {
    const p = onChoices('spin-or-sleep');
    expect(p.end).toEqual({ kind: 'blocked', oldStep: 1, thread: 't0', wanted: 'f: x = 1', id: 'sleep', label: 'f: wait_event(wq, ready)', waitsFor: 'ready to be set (by t1)', extra: true });
    expect(inconclusive(p.end)).toBe(false);
    expect(p.steps).toHaveLength(1);
    expect(p.steps[0]).toMatchObject({
      kind: 'extra',
      label: 'f: if (!ready) wait_event(wq, ready)',
      chose: {
        alternatives: [
          { label: 'f: while (!ready) cpu_relax()', placed: 0, end: 'loops' },
          { label: 'f: if (!ready) wait_event(wq, ready)', placed: 0, end: 'blocked' },
        ],
        by: 'definite',
      },
    });
    // t1 could set ready, but other threads never run on their own.
    expect(ownThreadsOnly(p, OLD_X)).toBe(true);
  });

  it('several statements are the old one: the lock on the CPU the old step ran on, after the new mutex_lock', () => {
    const p = onChoices('mutex-then-lock', OLD_LOCKED);
    expect(p.end).toEqual({ kind: 'completed' });
    expect(p.steps.map((s) => [s.kind, s.oldStep, s.label])).toEqual([
      ['extra', 1, 'f: mutex_lock(&M)'],
      ['matched', 1, 'f: spin_lock(&L) [on cpu1]'],
      ['matched', 2, 'f: x = 1'],
    ]);
    // cpu1 is the closest to '[on cpu1, ioctl]' although cpu0 has the lower index; cpu0 was not
    // needed: cpu1 placed every old step.
    expect(p.steps[1]).toMatchObject({
      choice: 1,
      chose: { alternatives: [{ label: 'f: spin_lock(&L) [on cpu0]', choice: 0 }, { label: 'f: spin_lock(&L) [on cpu1]', choice: 1, placed: 2, end: 'completed' }], taken: 1, by: 'closest' },
    });
    expect(p.path).toEqual([0, 1, 0]);
  });

  it('choices that lead to the same state are tried once: 12 coin flips cost a few dozen steps, not 4096 runs', () => {
    const p = onChoices('coin-flips');
    expect(p.end).toMatchObject({ kind: 'blocked', oldStep: 1, thread: 't0', label: 'f: wait_event(wq, ready)', extra: true });
    expect(p.steps).toHaveLength(FLIPS);
    expect(p.steps.every((s) => s.kind === 'extra' && s.chose?.by === 'first' && s.label.endsWith('[heads]'))).toBe(true);
    // 2 steps per flip suffice with the flips memoized; without, it would need thousands.
    expect(onChoices('coin-flips', OLD_X, 2 * FLIPS).end.kind).toBe('blocked');
  });

  it('past the bound the match is inconclusive at the first choice, and says which ways it had', () => {
    const p = onChoices('coin-flips', OLD_X, 5);
    expect(p.end).toEqual({ kind: 'bound', oldStep: 1, thread: 't0', wanted: 'f: x = 1', options: ['f: flip 0 [heads]', 'f: flip 0 [tails]'], budget: 5 });
    expect(inconclusive(p.end)).toBe(true);
    expect(p.steps).toEqual([]);
    expect(p.path).toEqual([]);
    // The bound counts every step, forced ones too.
    const q = portTrace(oldSteps(abba, abbaProps, 'abba'), compileModel(abba, { variant: 'ordered' }), { maxSteps: 0 });
    expect(q.end).toEqual({ kind: 'bound', oldStep: 1, thread: 't0', wanted: 'lock_ab: spin_lock(&A)', options: ['lock_ab: spin_lock(&A)'], budget: 0 });
  });

  it('the lost update fixed by a lock taken on either CPU: t0 locks on the CPU it ran on, then t1 waits for the lock', () => {
    const old = oldSteps(pinnedCounter, pinnedCounterProps, 'racy');
    expect(old.map((s) => s.label)).toEqual(['inc: tmp = counter [on cpu1]', 'inc: tmp = counter [on cpu0]', 'inc: counter = tmp + 1 [on cpu1]', 'inc: counter = tmp + 1 [on cpu0]']);
    const p = portTrace(old, compileModel(pinnedCounter, { variant: 'locked' }));
    expect(p.steps.map((s) => [s.kind, s.thread, s.label])).toEqual([
      ['extra', 't0', 'inc: spin_lock(&lock) [on cpu1]'],
      ['matched', 't0', 'inc: tmp = counter'],
    ]);
    expect(p.steps[0]).toMatchObject({ chose: { alternatives: [{ placed: 1, end: 'blocked' }, { placed: 1, end: 'blocked' }], taken: 1, by: 'closest' } });
    expect(p.end).toEqual({
      kind: 'blocked',
      oldStep: 2,
      thread: 't1',
      wanted: 'inc: tmp = counter [on cpu0]',
      id: 'lock',
      label: 'inc: spin_lock(&lock) [on cpu0]',
      waitsFor: 'lock, held by t0',
      extra: true,
    });
  });

  it('the same old trace and model always give the same port', () => {
    for (const v of ['may-fail', 'spin-or-sleep', 'coin-flips']) expect(onChoices(v)).toEqual(onChoices(v));
    expect(onChoices('mutex-then-lock', OLD_LOCKED)).toEqual(onChoices('mutex-then-lock', OLD_LOCKED));
  });
});
