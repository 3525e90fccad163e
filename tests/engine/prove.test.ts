import { describe, expect, it } from 'vitest';
import { prove } from '../../src/engine/prove.js';
import { defineModel, step, thread, choice, type LocationDef } from '../../src/model/index.js';
import { defineProperties, invariant } from '../../src/property/index.js';
import { UsageError } from '../../src/util/errors.js';
import { abba, abbaProps, lostUpdate, lostUpdateProps, peterson, petersonProps } from '../fixtures/textbook.js';
import { pinnedCounter, pinnedCounterProps } from '../fixtures/choices.js';
import kvmHotplug from '../../models/kvm-hotplug.js';
import { properties as kvmHotplugProps } from '../../properties/kvm-hotplug.js';
import { proofParts } from '../../src/report/prove.js';

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

// A fix that holds and adds a nondeterministic choice the old trace does not settle: the port
// tries both ways (rule 7 of src/trace/cross-variant.ts) and the proof goes through. A fix whose
// thread spins without ever reaching the old statement stays inconclusive.
type S = { x: number };
const work = (v: number): LocationDef<S> => step('work', 'f: x = v', { run: (d) => void (d.x = v) });
const chooser = defineModel<S>({
  name: 'chooser',
  doc: '',
  params: {},
  variants: { buggy: 'x = 2', fixed: 'a new choice, then x = 1', spins: 'a busy loop that never ends, then x = 1' },
  build: ({ variant }) => ({
    init: { x: 0 },
    threads: [
      thread<S>(
        't0',
        variant === 'buggy'
          ? [work(2)]
          : variant === 'fixed'
            ? [choice('pick', [{ label: 'f: fast' }, { label: 'f: slow' }]), work(1)]
            : [step('spin', 'f: while (!ready) cpu_relax()', { next: 'spin' }), work(1)],
      ),
    ],
  }),
});
const chooserProps = defineProperties<S>('chooser', [invariant('x-not-2', 'x never becomes 2', (s) => s.vars.x !== 2)]);

describe('a choice the old trace does not settle', () => {
  it('is tried both ways, and the proof goes through', () => {
    const r = prove(chooser, chooserProps, { from: 'buggy', to: 'fixed' });
    expect(r.parts).toEqual({ counterexample: true, verified: true, blocked: true });
    expect(r.onFixed?.port.end.kind).toBe('completed');
    expect(r.onFixed?.port.steps[0]).toMatchObject({ kind: 'extra', label: 'f: fast', chose: { taken: 0, by: 'first' } });
    expect(r.proved).toBe(true);
  });

  it('an inconclusive match fails the third part instead of claiming the trace is blocked', () => {
    // 'spins' really livelocks (t0 busy-waits forever), so the built-in livelock property fails
    // part 2; the properties are selected by name to leave livelock out and test part 3 alone.
    const all = prove(chooser, chooserProps, { from: 'buggy', to: 'spins' });
    expect(all.parts.verified).toBe(false);
    expect(all.fixed.status !== 'error' && all.fixed.properties.filter((p) => p.status === 'violated').map((p) => p.name)).toEqual(['livelock']);
    const r = prove(chooser, chooserProps, { from: 'buggy', to: 'spins', property: ['x-not-2', 'deadlock'] });
    expect(r.fixed.status !== 'error' && r.fixed.properties.map((p) => p.name)).toEqual(['x-not-2', 'deadlock']);
    expect(r.parts).toEqual({ counterexample: true, verified: true, blocked: false });
    expect(r.onFixed?.port.end.kind).toBe('loops');
    expect(r.proved).toBe(false);
  });

  it('the lost update fixed by a spinlock taken on either CPU: proved, t1 waits for the lock', () => {
    const r = prove(pinnedCounter, pinnedCounterProps, { from: 'racy', to: 'locked' });
    expect(r.parts).toEqual({ counterexample: true, verified: true, blocked: true });
    expect(r.onFixed?.port.end).toMatchObject({ kind: 'blocked', oldStep: 2, thread: 't1', waitsFor: 'lock, held by t0' });
    expect(proofParts(r)[2].detail).toBe(
      "it stops at step 2 of 4: t1 cannot get to 'inc: tmp = counter [on cpu0]': on locked it must first run 'inc: spin_lock(&lock) [on cpu0]', which waits for lock, held by t0 " +
        "(before old step 1, t0 chose 'inc: spin_lock(&lock) [on cpu1]' of 2 alternatives: 'inc: spin_lock(&lock) [on cpu0]' (places 1 of 4 old steps, then blocked) " +
        "or 'inc: spin_lock(&lock) [on cpu1]' (places 1 of 4 old steps, then blocked): it is the closest to the old trace's labels)",
    );
  });
});

// The case that made the matching rule try choices: hypothetical-mix's hardware_enable_all() takes
// cpus_read_lock() before spin_lock(&kvm_lock), and the task may then take the spinlock on cpu0
// or cpu1. With reboot and suspend off, hypothetical-mix holds and v2.6.37 breaks nolock-under-kvm-lock.
describe('kvm-hotplug v2.6.37 -> hypothetical-mix (reboot=false, suspend=false)', () => {
  const params = { reboot: false, suspend: false, enableCanFail: false };
  const r = prove(kvmHotplug, kvmHotplugProps, { from: 'v2.6.37', to: 'hypothetical-mix', params });

  it('part 3 is definite: the hotplug writer waits for the cpus_read_lock() that creator0 holds', () => {
    expect(r.parts).toEqual({ counterexample: true, verified: true, blocked: true });
    expect(r.proved).toBe(true);
    expect(r.counterexample?.violation.property).toBe('nolock-under-kvm-lock');
    expect(r.onFixed?.port.end).toEqual({
      kind: 'blocked',
      oldStep: 4,
      thread: 'cpu1/hotplug',
      wanted: '_cpu_down(cpu1): cpu_hotplug_begin()',
      id: 'user.down',
      label: '_cpu_down(cpu1): cpus_write_lock()',
      waitsFor: 'cpu_hotplug_lock, read-held by 1 task(s)',
      extra: false,
    });
  });

  it('creator0 runs the new cpus_read_lock() first, then takes kvm_lock on cpu0 as in the old trace', () => {
    const steps = r.onFixed!.port.steps;
    expect(steps.map((s) => [s.kind, s.oldStep, s.thread, s.label])).toEqual([
      ['extra', 1, 'creator0', 'hardware_enable_all: cpus_read_lock()'],
      ['matched', 1, 'creator0', 'hardware_enable_all: spin_lock(&kvm_lock) [on cpu0]'],
      ['matched', 2, 'creator0', 'hardware_enable_all: kvm_usage_count++; if (kvm_usage_count == 1) atomic_set(&hardware_enable_failed, 0)'],
      ['matched', 3, 'creator0', 'hardware_enable_all: on_each_cpu(hardware_enable_nolock, NULL, 1): send IPIs to the other online CPUs'],
    ]);
    expect(steps[1]).toMatchObject({
      chose: {
        alternatives: [
          { label: 'hardware_enable_all: spin_lock(&kvm_lock) [on cpu0]', placed: 3, end: 'blocked' },
          // The CPU is the task's own (its locals), not part of the later steps' labels: on cpu1 the
          // same three old steps are placed, and the label closest to the old trace decides.
          { label: 'hardware_enable_all: spin_lock(&kvm_lock) [on cpu1]', placed: 3, end: 'blocked' },
        ],
        taken: 0,
        by: 'closest',
      },
    });
    const detail = proofParts(r)[2].detail;
    expect(detail).toMatch(/^it stops at step 4 of 13: cpu1\/hotplug's '_cpu_down\(cpu1\): cpus_write_lock\(\)' is not enabled on hypothetical-mix: it waits for cpu_hotplug_lock, read-held by 1 task\(s\) /);
    expect(detail).toContain("at old step 1, creator0 chose 'hardware_enable_all: spin_lock(&kvm_lock) [on cpu0]' of 2 alternatives");
  });
});
