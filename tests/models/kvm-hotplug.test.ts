// kvm-hotplug (seed 000): verdicts, distinct-state counts and shortest traces of every variant
// on every property, pinned (the counts are what the checker computes; a change to the model or
// the engine that moves them must be looked at), and what the traces say about the thread's
// question: is kvm_lock needed in CPU_DYING?
import { describe, expect, it } from 'vitest';
import model from '../../models/kvm-hotplug.js';
import { properties } from '../../properties/kvm-hotplug.js';
import { bundled } from '../../models/index.js';
import { check, type CheckResult } from '../../src/engine/index.js';
import { compileModel } from '../../src/model/compile.js';
import { programListing } from '../../src/model/index.js';
import { linesOnlyIn, listingLines } from '../helpers/listing.js';
import { invariant, stepProperty } from '../../src/property/index.js';
import { expandPath } from '../../src/trace/expand.js';
import { expectPinned, verdicts } from '../helpers/verdicts.js';
import { notExercised } from '../../src/report/holds.js';

type Params = Record<string, number | boolean>;
const VARIANTS = ['v2.6.37', 'patch-1', 'patch-2', 'hypothetical-mix', 'v4.10', 'v6.3', 'v6.5', 'v6.12'] as const;
/** The kernels whose KVM callbacks run at CPU_STARTING/CPU_DYING (the ONLINE-section kernels, v6.3+, have none). */
const STARTING_DYING = ['v2.6.37', 'patch-1', 'patch-2', 'hypothetical-mix', 'v4.10'] as const;
type Variant = (typeof VARIANTS)[number];


const ALL_HOLD = {
  'nolock-under-kvm-lock': 'holds',
  quiescent: 'holds',
  'dead-cpu-disabled': 'holds',
  'failed-enable-rolls-back': 'holds',
  'reboot-disables-all': 'holds',
  'off-after-reboot': 'holds',
  'resume-warn-on': 'holds',
  'usage-count-bug-on': 'holds',
  deadlock: 'holds',
  // (liveness: src/engine/liveness)
  livelock: 'holds',
  'reboot-returns': 'holds',
  'kvm-lock-waiters-served': 'holds',
  'locks-released': 'holds',
  'cpus-restored-at-end': 'holds',
  'no-sleep-in-atomic': 'holds',
} as const;
type Prop = keyof typeof ALL_HOLD;

interface Case {
  what: string;
  params: Params;
  suffix: string;
  /** States, shortest counterexample lengths, and the properties that hold only vacuously. */
  /** The v6.x kernels are left out where they add nothing (no CPU_DYING for stop_machine to matter) or cost most (3 CPUs). */
  expected: Partial<Record<Variant, { states: number; verdicts: Partial<Record<Prop, number>>; vacuous: Prop[] }>>;
}

const CASES: Case[] = [
  {
    what: 'defaults: 2 CPUs, 2 creators, 1 hotplug round, a per-CPU enable may fail, suspend/resume then reboot, stop_machine',
    params: {},
    suffix: '',
    expected: {
      'v2.6.37': { states: 24415, verdicts: { 'nolock-under-kvm-lock': 12, 'quiescent': 16, 'dead-cpu-disabled': 27, 'failed-enable-rolls-back': 32, 'reboot-disables-all': 23, 'off-after-reboot': 21 }, vacuous: ['livelock', 'no-sleep-in-atomic'] },
      'patch-1': { states: 24600, verdicts: { 'quiescent': 16, 'dead-cpu-disabled': 27, 'failed-enable-rolls-back': 32, 'reboot-disables-all': 23, 'off-after-reboot': 21 }, vacuous: ['livelock', 'no-sleep-in-atomic'] },
      'patch-2': { states: 24600, verdicts: { 'quiescent': 16, 'dead-cpu-disabled': 27, 'failed-enable-rolls-back': 32, 'reboot-disables-all': 23, 'off-after-reboot': 21 }, vacuous: ['livelock', 'no-sleep-in-atomic'] },
      'hypothetical-mix': { states: 44567, verdicts: { 'quiescent': 23, 'reboot-disables-all': 26, 'off-after-reboot': 24 }, vacuous: ['livelock'] },
      'v4.10': { states: 24038, verdicts: { 'quiescent': 20, 'dead-cpu-disabled': 33, 'failed-enable-rolls-back': 36, 'reboot-disables-all': 27, 'off-after-reboot': 24 }, vacuous: ['livelock', 'no-sleep-in-atomic'] },
      'v6.3': { states: 31879, verdicts: { 'quiescent': 27, 'reboot-disables-all': 25, 'off-after-reboot': 23 }, vacuous: ['livelock'] },
      'v6.5': { states: 47006, verdicts: { 'quiescent': 28, 'reboot-disables-all': 29, 'off-after-reboot': 27 }, vacuous: ['livelock'] },
      'v6.12': { states: 8332, verdicts: { 'quiescent': 25, 'off-after-reboot': 18 }, vacuous: ['nolock-under-kvm-lock', 'usage-count-bug-on', 'livelock', 'kvm-lock-waiters-served'] },
    },
  },
  {
    what: '3 CPUs (the enable cannot fail, to keep it small)',
    params: {cpus:3,enableCanFail:false},
    suffix: '--cpus3',
    expected: {
      'v2.6.37': { states: 39280, verdicts: { 'nolock-under-kvm-lock': 13, 'quiescent': 17, 'dead-cpu-disabled': 34, 'reboot-disables-all': 28, 'off-after-reboot': 28 }, vacuous: ['failed-enable-rolls-back', 'livelock', 'no-sleep-in-atomic'] },
      'patch-1': { states: 39485, verdicts: { 'quiescent': 17, 'dead-cpu-disabled': 34, 'reboot-disables-all': 28, 'off-after-reboot': 28 }, vacuous: ['failed-enable-rolls-back', 'livelock', 'no-sleep-in-atomic'] },
      'patch-2': { states: 39485, verdicts: { 'quiescent': 17, 'dead-cpu-disabled': 34, 'reboot-disables-all': 28, 'off-after-reboot': 28 }, vacuous: ['failed-enable-rolls-back', 'livelock', 'no-sleep-in-atomic'] },
      'hypothetical-mix': { states: 76782, verdicts: { 'reboot-disables-all': 35, 'off-after-reboot': 35 }, vacuous: ['failed-enable-rolls-back', 'livelock'] },
      'v4.10': { states: 38169, verdicts: { 'quiescent': 21, 'dead-cpu-disabled': 40, 'reboot-disables-all': 36, 'off-after-reboot': 34 }, vacuous: ['failed-enable-rolls-back', 'livelock', 'no-sleep-in-atomic'] },
      'v6.12': { states: 6998, verdicts: { 'off-after-reboot': 23 }, vacuous: ['nolock-under-kvm-lock', 'usage-count-bug-on', 'livelock', 'kvm-lock-waiters-served'] },
    },
  },
  {
    what: 'no reboot, no suspend: only VM creation and hotplug',
    params: {reboot:false,suspend:false},
    suffix: '--no-reboot',
    expected: {
      'v2.6.37': { states: 1929, verdicts: { 'nolock-under-kvm-lock': 13, 'quiescent': 16, 'failed-enable-rolls-back': 32 }, vacuous: ['reboot-disables-all', 'off-after-reboot', 'resume-warn-on', 'livelock', 'reboot-returns', 'no-sleep-in-atomic'] },
      'patch-1': { states: 1939, verdicts: { 'quiescent': 16, 'failed-enable-rolls-back': 32 }, vacuous: ['reboot-disables-all', 'off-after-reboot', 'resume-warn-on', 'livelock', 'reboot-returns', 'no-sleep-in-atomic'] },
      'patch-2': { states: 1939, verdicts: { 'quiescent': 16, 'failed-enable-rolls-back': 32 }, vacuous: ['reboot-disables-all', 'off-after-reboot', 'resume-warn-on', 'livelock', 'reboot-returns', 'no-sleep-in-atomic'] },
      'hypothetical-mix': { states: 2649, verdicts: { 'quiescent': 23 }, vacuous: ['reboot-disables-all', 'off-after-reboot', 'resume-warn-on', 'livelock', 'reboot-returns'] },
      'v4.10': { states: 1865, verdicts: { 'quiescent': 20, 'failed-enable-rolls-back': 36 }, vacuous: ['reboot-disables-all', 'off-after-reboot', 'resume-warn-on', 'livelock', 'reboot-returns', 'no-sleep-in-atomic'] },
      'v6.3': { states: 2457, verdicts: {  }, vacuous: ['reboot-disables-all', 'off-after-reboot', 'resume-warn-on', 'livelock', 'reboot-returns'] },
      'v6.5': { states: 2987, verdicts: {  }, vacuous: ['reboot-disables-all', 'off-after-reboot', 'resume-warn-on', 'livelock', 'reboot-returns'] },
      'v6.12': { states: 936, verdicts: {  }, vacuous: ['nolock-under-kvm-lock', 'reboot-disables-all', 'off-after-reboot', 'resume-warn-on', 'usage-count-bug-on', 'livelock', 'reboot-returns', 'kvm-lock-waiters-served'] },
    },
  },
  {
    what: 'the hypothetical kernel whose CPU_DYING runs without stop_machine (the question behind \'is the lock necessary?\'), no reboot, no suspend',
    params: {reboot:false,suspend:false,stopMachine:false},
    suffix: '--no-stop-machine',
    expected: {
      'v2.6.37': { states: 3270, verdicts: { 'nolock-under-kvm-lock': 7, 'quiescent': 16, 'dead-cpu-disabled': 13, 'failed-enable-rolls-back': 15, 'deadlock': 11, 'kvm-lock-waiters-served': 11 }, vacuous: ['reboot-disables-all', 'off-after-reboot', 'resume-warn-on', 'livelock', 'reboot-returns', 'no-sleep-in-atomic'] },
      'patch-1': { states: 3121, verdicts: { 'quiescent': 16, 'dead-cpu-disabled': 13, 'failed-enable-rolls-back': 15, 'deadlock': 7, 'kvm-lock-waiters-served': 7 }, vacuous: ['reboot-disables-all', 'off-after-reboot', 'resume-warn-on', 'livelock', 'reboot-returns', 'no-sleep-in-atomic'] },
      'patch-2': { states: 3121, verdicts: { 'quiescent': 16, 'dead-cpu-disabled': 13, 'failed-enable-rolls-back': 15, 'deadlock': 7, 'kvm-lock-waiters-served': 7 }, vacuous: ['reboot-disables-all', 'off-after-reboot', 'resume-warn-on', 'livelock', 'reboot-returns', 'no-sleep-in-atomic'] },
      'hypothetical-mix': { states: 2649, verdicts: { 'quiescent': 23 }, vacuous: ['reboot-disables-all', 'off-after-reboot', 'resume-warn-on', 'livelock', 'reboot-returns'] },
      'v4.10': { states: 2518, verdicts: { 'quiescent': 19, 'dead-cpu-disabled': 19, 'failed-enable-rolls-back': 15, 'deadlock': 6, 'kvm-lock-waiters-served': 6 }, vacuous: ['reboot-disables-all', 'off-after-reboot', 'resume-warn-on', 'livelock', 'reboot-returns', 'no-sleep-in-atomic'] },
    },
  },
  {
    what: 'kvm_arch_hardware_enable() cannot fail (the defaults before the failure path was on)',
    params: {enableCanFail:false},
    suffix: '--enable-cannot-fail',
    expected: {
      'v2.6.37': { states: 8629, verdicts: { 'nolock-under-kvm-lock': 12, 'quiescent': 16, 'dead-cpu-disabled': 29, 'reboot-disables-all': 23, 'off-after-reboot': 21 }, vacuous: ['failed-enable-rolls-back', 'livelock', 'no-sleep-in-atomic'] },
      'patch-1': { states: 8734, verdicts: { 'quiescent': 16, 'dead-cpu-disabled': 29, 'reboot-disables-all': 23, 'off-after-reboot': 21 }, vacuous: ['failed-enable-rolls-back', 'livelock', 'no-sleep-in-atomic'] },
      'patch-2': { states: 8734, verdicts: { 'quiescent': 16, 'dead-cpu-disabled': 29, 'reboot-disables-all': 23, 'off-after-reboot': 21 }, vacuous: ['failed-enable-rolls-back', 'livelock', 'no-sleep-in-atomic'] },
      'hypothetical-mix': { states: 13617, verdicts: { 'reboot-disables-all': 26, 'off-after-reboot': 24 }, vacuous: ['failed-enable-rolls-back', 'livelock'] },
      'v4.10': { states: 8555, verdicts: { 'quiescent': 20, 'dead-cpu-disabled': 33, 'reboot-disables-all': 27, 'off-after-reboot': 24 }, vacuous: ['failed-enable-rolls-back', 'livelock', 'no-sleep-in-atomic'] },
      'v6.3': { states: 14200, verdicts: { 'reboot-disables-all': 25, 'off-after-reboot': 23 }, vacuous: ['failed-enable-rolls-back', 'livelock'] },
      'v6.5': { states: 20042, verdicts: { 'reboot-disables-all': 29, 'off-after-reboot': 27 }, vacuous: ['failed-enable-rolls-back', 'livelock'] },
      'v6.12': { states: 4988, verdicts: { 'off-after-reboot': 18 }, vacuous: ['nolock-under-kvm-lock', 'usage-count-bug-on', 'livelock', 'kvm-lock-waiters-served'] },
    },
  },
];

describe('kvm-hotplug: verdicts, state counts, shortest traces', () => {
  for (const c of CASES) {
    for (const variant of VARIANTS) {
      const want = c.expected[variant];
      if (!want) continue;
      it(`${variant}, ${c.what}`, () => {
        const r = expectPinned(model, properties, variant, c.params, want, ALL_HOLD, c.suffix);
        expect(notExercised(r).map((p) => p.name)).toEqual(want.vacuous);
      });
    }
  }
});

const NO_REBOOT: Params = { reboot: false, suspend: false };

function run(variant: Variant, params: Params = {}) {
  const r = check(model, properties, { variant, params });
  if (r.status !== 'violated') throw new Error(`expected a violation, got ${r.status}`);
  const m = compileModel(model, { variant, params });
  const trace = (property: Prop) => {
    const v = r.violations.find((x) => x.property === property);
    if (!v) throw new Error(`no violation of ${property}`);
    return { v, steps: expandPath(m, v.path).steps };
  };
  return { r, m, trace };
}
const indexOf = (steps: { label: string }[], part: string) => steps.findIndex((s) => s.label.includes(part));

describe('kvm-hotplug: what the traces say', () => {
  it('v2.6.37: CPU_STARTING reads kvm_usage_count == 0 unlocked, and on_each_cpu misses the CPU that is not online yet', () => {
    const { trace } = run('v2.6.37', NO_REBOOT);
    const { v, steps } = trace('quiescent');
    expect(v.message).toBe('quiescent with kvm_usage_count = 1, but cpu1 is online with virtualization off');
    const starting = indexOf(steps, 'kvm_cpu_hotplug: if (!kvm_usage_count) return NOTIFY_OK [cpu1, CPU_STARTING');
    const inc = indexOf(steps, 'kvm_usage_count++');
    const send = indexOf(steps, 'smp_call_function(): IPI every other online CPU');
    const online = indexOf(steps, 'set_cpu_online(cpu1, true)');
    expect(starting).toBeGreaterThanOrEqual(0);
    expect(starting < inc && inc < send && send < online).toBe(true);
    expect(steps[send]!.changes).toEqual([]); // no IPI queued: cpu1 is not in cpu_online_mask
  });

  it('in the hypothetical kernel without stop_machine, patch-1 deadlocks: the dying CPU spins on kvm_lock with interrupts off, the holder waits for its IPI', () => {
    const { trace } = run('patch-1', { ...NO_REBOOT, stopMachine: false });
    const { v } = trace('deadlock');
    expect(v.blocked?.map((b) => `${b.thread} @ ${b.label}: ${b.waitsFor}`)).toEqual([
      'creator0 @ hardware_enable_all: on_each_cpu(hardware_enable, NULL, 1): wait until every IPI has run: IPIs still pending on cpu1',
      'creator1 @ hardware_enable_all: spin_lock(&kvm_lock) [on cpu0] [KVM_CREATE_VM]: cpu0 to be online and free (creator0 runs there) or cpu1 to be online and free (cpu1/hotplug runs there)',
      'cpu1/hotplug @ kvm_cpu_hotplug: spin_lock(&kvm_lock): kvm_lock, held by creator0',
    ]);
  });

  it('in the hypothetical kernel without stop_machine, patch-1 still leaves a dead CPU enabled: the kvm_usage_count test before its lock is unlocked', () => {
    const { trace } = run('patch-1', { ...NO_REBOOT, stopMachine: false });
    const { v, steps } = trace('dead-cpu-disabled');
    expect(v.message).toBe('cpu1 is dead with virtualization on (kvm_usage_count = 0)');
    const dec = indexOf(steps, 'kvm_usage_count--');
    const check = indexOf(steps, 'kvm_cpu_hotplug: if (!kvm_usage_count) return NOTIFY_OK [cpu1, CPU_DYING');
    expect(dec).toBeGreaterThanOrEqual(0);
    expect(check).toBeGreaterThan(dec);
    expect(steps.some((s) => s.thread === 'cpu1/hotplug' && s.label.includes('spin_lock'))).toBe(false);
  });

  it('v4.10: testing the count under the lock does not close the CPU_STARTING race (set_cpu_online comes after the callback)', () => {
    const { trace } = run('v4.10', NO_REBOOT);
    const { v, steps } = trace('quiescent');
    expect(v.message).toBe('quiescent with kvm_usage_count = 1, but cpu1 is online with virtualization off');
    const test = indexOf(steps, 'kvm_starting_cpu: if (kvm_usage_count)');
    expect(test).toBeGreaterThanOrEqual(0);
    expect(test).toBeLessThan(indexOf(steps, 'kvm_usage_count++'));
    expect(indexOf(steps, 'kvm_usage_count++')).toBeLessThan(indexOf(steps, 'set_cpu_online(cpu1, true)'));
  });

  it('kvm_reboot without the lock: an in-flight hardware_enable_all re-enables a CPU before on_each_cpu returns, hypothetical-mix included', () => {
    const { trace } = run('hypothetical-mix', { suspend: false });
    const { v, steps } = trace('reboot-disables-all');
    expect(v.message).toMatch(/^kvm_reboot's on_each_cpu returns with cpu\d enabled$/);
    const rebootStart = indexOf(steps, 'kvm_reboot: kvm_rebooting = true');
    const enable = steps.findIndex((s) => s.label.startsWith('hardware_enable_nolock: cpumask_set_cpu'));
    expect(indexOf(steps, 'hardware_enable_all: cpus_read_lock()')).toBeLessThan(rebootStart);
    expect(enable).toBeGreaterThan(rebootStart);
  });
});

describe('kvm-hotplug: nolock-under-kvm-lock, the rule itself', () => {
  // The rule on hand-made states: an IPI is covered only by its sender's lock, kvm_reboot's
  // unlocked disable and kvm_suspend/kvm_resume are exempt, CPU_DYING needs the lock itself.
  const rule = properties.properties.find((p) => p.name === 'nolock-under-kvm-lock');
  if (rule?.kind !== 'step' || !rule.when) throw new Error('nolock-under-kvm-lock is a step property with an antecedent');
  const threads = ['creator0', 'creator1', 'cpu1/hotplug', 'pm', 'cpu0/ipi', 'cpu1/ipi'];
  const state = (holder: number) =>
    ({ vars: { kvm_lock: { holder } }, threads, params: {}, variant: 'patch-2', at: () => '', fnAt: () => '', ended: () => false }) as never;
  const step = (thread: string, fn: string, tags: string[], id = 'x') => ({ thread, threadIndex: threads.indexOf(thread), id, label: `${fn}: ...`, fn, tags });
  const ipiFrom = (sender: string) => step('cpu1/ipi', 'hardware_enable_nolock', ['ipi', `ipi-from:${sender}`], 'idle');
  it('an IPI handler needs the lock held by the IPI\'s sender, not by anyone', () => {
    expect(rule.holds(state(0), ipiFrom('creator0'))).toBe(true);
    expect(rule.holds(state(1), ipiFrom('creator0'))).toBe(false);
    expect(rule.holds(state(-1), ipiFrom('creator0'))).toBe(false);
  });
  it('kvm_reboot\'s deliberate unlocked on_each_cpu(hardware_disable_nolock) is exempt (its IPIs and its local call), and so are kvm_suspend/kvm_resume', () => {
    const rebootIpi = step('cpu1/ipi', 'hardware_disable_nolock', ['ipi', 'ipi-from:pm'], 'idle');
    const rebootLocal = step('pm', 'hardware_disable_nolock', ['on_each_cpu', 'on_each_cpu_local'], 'reboot.c0.local');
    const suspend = step('pm', 'hardware_disable_nolock', ['syscore'], 'susp.body');
    for (const x of [rebootIpi, rebootLocal, suspend]) {
      expect(rule.when!(state(-1), x)).toBe(false);
      expect(rule.holds(state(-1), x)).toBe(true);
    }
  });
  it('CPU_DYING\'s body needs the lock held by the dying CPU\'s own thread, not by a creator elsewhere; the suspend path\'s CPU_DYING too', () => {
    const dying = step('cpu1/hotplug', 'hardware_disable_nolock', [], 'r0.dying.body');
    expect(rule.holds(state(2), dying)).toBe(true);
    expect(rule.holds(state(0), dying)).toBe(false);
    const suspendDying = step('pm', 'hardware_disable_nolock', [], 'susp.c1.dying.body');
    expect(rule.when!(state(-1), suspendDying)).toBe(true);
    expect(rule.holds(state(3), suspendDying)).toBe(true);
  });
});

describe('kvm-hotplug: the two causes of reboot-disables-all', () => {
  // Cause 1 is the in-flight hardware_enable_all (the trace test above). Cause 2: a CPU between
  // CPU_STARTING (which enabled it) and set_cpu_online() is not in cpu_online_mask, so kvm_reboot's
  // on_each_cpu sends it no IPI, and it is still enabled when on_each_cpu returns.
  for (const variant of STARTING_DYING) {
    it(`${variant}: a starting CPU, enabled but not yet online, is missed by kvm_reboot's on_each_cpu`, () => {
      type R = { hw_enabled: boolean[]; ctx: { online: boolean[] } };
      const offlineEnabled = stepProperty<R>('reboot-misses-starting-cpu', 'no CPU outside cpu_online_mask is enabled when kvm_reboot returns', (s, step) =>
        !step.tags.includes('kvm_reboot_return') || !s.vars.hw_enabled.some((e, c) => e && !s.vars.ctx.online[c]),
      );
      const params = { suspend: false, enableCanFail: false };
      const r = check(model, [offlineEnabled], { variant, params });
      expect(r.status).toBe('violated');
      if (r.status !== 'violated') return;
      const steps = expandPath(compileModel(model, { variant, params }), r.violations[0]!.path).steps;
      const starting = steps.findIndex((s) => s.label.includes('CPU_STARTING, interrupts off') && s.label.includes('kvm_arch_hardware_enable(NULL) = 0'));
      const reboot = indexOf(steps, 'kvm_reboot: kvm_rebooting = true');
      expect(starting).toBeGreaterThanOrEqual(0);
      expect(starting).toBeLessThan(reboot);
      expect(steps.some((s) => s.label.includes('set_cpu_online(cpu1, true)'))).toBe(false);
    });
  }
});

describe('kvm-hotplug: stop_machine decides whether CPU_DYING needs kvm_lock', () => {
  const OUTCOMES: Prop[] = ['dead-cpu-disabled', 'deadlock'];
  for (const variant of STARTING_DYING) {
    it(`${variant}: dead-cpu-disabled and deadlock with and without stop_machine`, () => {
      const at = (stopMachine: boolean) => {
        const r = check(model, properties, { variant, params: { ...NO_REBOOT, stopMachine }, property: OUTCOMES });
        return Object.fromEntries(Object.entries(verdicts(r)).map(([k, x]) => [k, x === 'holds' ? 'holds' : 'violated']));
      };
      expect(at(true)).toEqual({ 'dead-cpu-disabled': 'holds', deadlock: 'holds' });
      // hypothetical-mix's cpus_read_lock keeps every kvm_lock holder out of a hotplug operation, so it
      // does not depend on stop_machine.
      expect(at(false)).toEqual(
        variant === 'hypothetical-mix' ? { 'dead-cpu-disabled': 'holds', deadlock: 'holds' } : { 'dead-cpu-disabled': 'violated', deadlock: 'violated' },
      );
    });
  }

  it('under stop_machine the CPU_DYING spin_lock of patch-1 never finds kvm_lock held; without it, it does', () => {
    type K = { kvm_lock: { holder: number } };
    const contended = stepProperty<K>(
      'dying-lock-uncontended',
      'CPU_DYING finds kvm_lock free',
      (s, step) => !(step.thread.endsWith('/hotplug') && step.label === 'kvm_cpu_hotplug: spin_lock(&kvm_lock)' && s.at(step.threadIndex).includes('dying')) || s.vars.kvm_lock.holder === -1,
    );
    const blocked = invariant<K>('dying-never-waits', 'the hotplug thread never waits for kvm_lock in CPU_DYING', (s) =>
      !s.threads.some((t, i) => t.endsWith('/hotplug') && s.at(i).includes('dying.lock')) || s.vars.kvm_lock.holder === -1,
    );
    expect(check(model, [contended, blocked], { variant: 'patch-1', params: { ...NO_REBOOT, creators: 2, rounds: 2 } }).status).toBe('verified');
    expect(check(model, [blocked], { variant: 'patch-1', params: { ...NO_REBOOT, stopMachine: false } }).status).toBe('violated');
  });

  it('under stop_machine v2.6.37 and patch-1 differ only in the lock rule: every outcome is the same', () => {
    for (const params of [NO_REBOOT, {}, { enableCanFail: true, ...NO_REBOOT, rounds: 2 }]) {
      const a = verdicts(check(model, properties, { variant: 'v2.6.37', params }));
      const b = verdicts(check(model, properties, { variant: 'patch-1', params }));
      delete a['nolock-under-kvm-lock'];
      delete b['nolock-under-kvm-lock'];
      expect(b).toEqual(a);
    }
  });
});

describe('kvm-hotplug: the properties that hold are not vacuous', () => {
  it('kvm_resume reaches its WARN_ON with VMs alive', () => {
    for (const variant of ['v2.6.37', 'hypothetical-mix'] as const) {
      const r = check(model, [invariant<object>('no-warn-reached', 'kvm_resume never reaches the WARN_ON', (s) => s.at('pm') !== 'susp.warn')], {
        variant,
      });
      expect(r.status).toBe('violated');
    }
  });

  it('at the defaults hardware_enable_all fails and rolls back, in every variant (failed-enable-rolls-back is exercised; the coverage report would say otherwise)', () => {
    for (const variant of VARIANTS) {
      // (The model's assertions are declared alongside, so that a WARN_ON the search reaches is not an error.)
      const neverFails = stepProperty<object>('never-fails', 'hardware_enable_all never returns -EBUSY', (_s, step) => !step.tags.includes('enable_all_failed'));
      const asserts = properties.properties.filter((p) => p.kind === 'assertion');
      const r = check(model, [...asserts, neverFails], { variant, property: ['never-fails'] });
      expect(r.status, variant).toBe('violated');
    }
  });

  it('CPU_DYING does disable an enabled CPU under stop_machine (the DYING body runs with a VM alive)', () => {
    const r = check(
      model,
      [stepProperty<object>('dying-never-disables', 'CPU_DYING never clears a bit', (_s, step) => !(step.label.includes('cpumask_clear_cpu') && step.label.includes('CPU_DYING')))],
      { variant: 'v2.6.37', params: NO_REBOOT },
    );
    expect(r.status).toBe('violated');
  });

  it('a VM creator can run on the hotplugged CPU, and stop_machine then waits for it', () => {
    type B = { ctx: { owner: number[] } };
    const r = check(model, [invariant<B>('never-on-cpu1', 'no creator is pinned to cpu1', (s) => !s.vars.ctx.owner.some((b, c) => c === 1 && s.threads[b]?.startsWith('creator')))], {
      variant: 'v2.6.37',
      params: NO_REBOOT,
    });
    expect(r.status).toBe('violated');
  });
});

describe('kvm-hotplug: read one kernel at a time', () => {
  const listing = (variant: Variant, params: Params = {}) => listingLines(model, variant, params);

  it('v2.6.37 -> patch-1: the listings differ exactly in PATCH 1/2, the kvm_lock around CPU_DYING\'s hardware_disable() (hotplug and suspend)', () => {
    const [before, after] = [listing('v2.6.37'), listing('patch-1')];
    expect(linesOnlyIn(before, after)).toEqual([
      '    hardware_disable: !cpumask_test_cpu(cpu, cpus_hardware_enabled): return [cpu1, CPU_DYING, interrupts off]  -> dead',
      '    hardware_disable: cpumask_clear_cpu(cpu, cpus_hardware_enabled); kvm_arch_hardware_disable(NULL) [cpu1, CPU_DYING, interrupts off]  -> dead',
      '    hardware_disable: !cpumask_test_cpu(cpu, cpus_hardware_enabled): return [CPU_DYING, interrupts off]  -> susp.dead',
      '    hardware_disable: cpumask_clear_cpu(cpu, cpus_hardware_enabled); kvm_arch_hardware_disable(NULL) [CPU_DYING, interrupts off]  -> susp.dead',
    ]);
    expect(linesOnlyIn(after, before)).toEqual([
      '  dying.lock:',
      '    kvm_cpu_hotplug: spin_lock(&kvm_lock)  -> dying.body',
      '    hardware_disable: !cpumask_test_cpu(cpu, cpus_hardware_enabled): return [cpu1, CPU_DYING, interrupts off]  -> dying.unlock',
      '    hardware_disable: cpumask_clear_cpu(cpu, cpus_hardware_enabled); kvm_arch_hardware_disable(NULL) [cpu1, CPU_DYING, interrupts off]  -> dying.unlock',
      '  dying.unlock:',
      '    kvm_cpu_hotplug: spin_unlock(&kvm_lock)  -> dead',
      '  susp.dying.lock:',
      '    kvm_cpu_hotplug: spin_lock(&kvm_lock)  -> susp.dying.body',
      '    hardware_disable: !cpumask_test_cpu(cpu, cpus_hardware_enabled): return [CPU_DYING, interrupts off]  -> susp.dying.unlock',
      '    hardware_disable: cpumask_clear_cpu(cpu, cpus_hardware_enabled); kvm_arch_hardware_disable(NULL) [CPU_DYING, interrupts off]  -> susp.dying.unlock',
      '  susp.dying.unlock:',
      '    kvm_cpu_hotplug: spin_unlock(&kvm_lock)  -> susp.dead',
    ]);
  });

  it('v6.3 -> v6.5: the listings differ exactly in hardware_enable_all\'s system_state test and the reboot (kvm_reboot becomes kernel_restart\'s syscore kvm_shutdown)', () => {
    const [v63, v65] = [listing('v6.3'), listing('v6.5')];
    expect(linesOnlyIn(v65, v63)).toEqual([
      '    hardware_enable_all: if (system_state == SYSTEM_HALT || system_state == SYSTEM_POWER_OFF || system_state == SYSTEM_RESTART) return -EBUSY [KVM_CREATE_VM]  -> (computed)',
      '  enable.rl:',
      '    kernel_restart(): kernel_restart_prepare(): system_state = SYSTEM_RESTART; device_shutdown()',
      '  reboot.hpdis:',
      '    kernel_restart: migrate_to_reboot_cpu(): cpu_hotplug_disable()',
      '  reboot.syscore:',
      '    kernel_restart: syscore_shutdown(): mutex_lock(&syscore_ops_lock); list_for_each_entry_reverse(ops, &syscore_ops_list, node) [kvm_syscore_ops, registered at kvm_init()]  -> reboot.cpu',
      '  reboot.cpu:',
      '    kvm_shutdown: kvm_rebooting = true; on_each_cpu(): preempt_disable() [on cpu0]  -> reboot.call',
      '    kvm_shutdown: kvm_rebooting = true; on_each_cpu(): preempt_disable() [on cpu1]  -> reboot.call',
      '    kvm_shutdown: on_each_cpu(hardware_disable_nolock, NULL, 1): send IPIs to the other online CPUs  -> reboot.call.local',
      '    kvm_shutdown: on_each_cpu(hardware_disable_nolock, NULL, 1): wait until every IPI has run  -> reboot.ret',
      '    kernel_restart: syscore_shutdown(): mutex_unlock(&syscore_ops_lock); machine_restart()  -> $end',
    ]);
    expect(linesOnlyIn(v63, v65)).toEqual([
      '    kvm_reboot: kvm_rebooting = true; on_each_cpu(): preempt_disable() [on cpu0]  -> reboot.call',
      '    kvm_reboot: kvm_rebooting = true; on_each_cpu(): preempt_disable() [on cpu1]  -> reboot.call',
      '    kvm_reboot: on_each_cpu(hardware_disable_nolock, NULL, 1): send IPIs to the other online CPUs  -> reboot.call.local',
      '    kvm_reboot: on_each_cpu(hardware_disable_nolock, NULL, 1): wait until every IPI has run  -> reboot.ret',
      '    kvm_reboot: return NOTIFY_OK  -> $end',
    ]);
  });

  it('one program per thread kind: the creators and the IPI handlers are one kind each, and no location names a CPU (the CPU is the task\'s own context)', () => {
    for (const variant of VARIANTS) {
      const m = compileModel(model, { variant, params: { cpus: 3, suspend: false } });
      const text = programListing(m);
      expect(text, variant).toContain('thread kind creator runs as: creator0, creator1\n');
      expect(text, variant).toContain('thread kind ipi runs as: cpu0/ipi, cpu1/ipi, cpu2/ipi');
      for (const t of m.threads) for (const l of t.locations) expect(l.id, `${variant} ${t.name}`).not.toMatch(/(^|\.)c\d+(\.|$)|r\d+\./);
    }
  });
});

describe('kvm-hotplug: registration', () => {
  it('is bundled, with its properties and source file', () => {
    const entry = bundled.find((e) => e.model.name === 'kvm-hotplug');
    expect(entry?.source).toBe('models/kvm-hotplug.ts');
    expect(entry?.properties).toBe(properties);
    expect(Object.keys(model.variants)).toEqual([...VARIANTS]);
    expect(model.seed).toBe('000_d2d561611161b9c3.txt');
  });
});
