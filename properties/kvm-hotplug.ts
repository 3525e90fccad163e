// Properties of the kvm-hotplug model (models/kvm-hotplug.ts; MODELS.md §1).
//
// Where a property depends on where threads are, it reads their location ids. The model's
// convention: a task thread (creatorN, cpuX/hotplug, pm) is *in user space*, i.e. not in the
// middle of a kernel operation, exactly at the locations whose id starts with `user.` (about to
// create a VM; VM alive; about to offline/online the CPU; about to suspend; about to reboot) or
// when it has ended. IPI handler threads are named `cpuN/ipi`; they are mid-operation only while
// a call is queued, which implies its sender is mid-operation.

import { assertion, deadlockFree, defineProperties, invariant, stepProperty, type StateInfo, type StepInfo } from '../src/property/index.js';
import { lockRef, UNLOCKED, type Atomic, type Spinlock } from '../src/kernel/index.js';
import { lockHeldIn, locksReleasedAtEnd, noSleepInAtomic, spinlocksHeldBy } from './lock-discipline.js';

/** The part of the model's state the properties read (models/kvm-hotplug.ts KvmHotplugState). */
type S = {
  kvm_lock: Spinlock;
  kvm_usage_count: number;
  hardware_enable_failed: Atomic;
  kvm_rebooting: boolean;
  cpus_hardware_enabled: boolean[];
  hw_enabled: boolean[];
  online: boolean[];
  dead: boolean[];
  irqs_off: boolean[];
  busy: number[];
  cpu_hotplug: { readers: number; writer: boolean };
  stopped: boolean;
  frozen: boolean;
};

/** Same tags as the model's RESUME_WARN and USAGE_BUG (properties may not import models). */
const RESUME_WARN = 'WARN_ON(spin_is_locked(&kvm_lock)) in kvm_resume';
const USAGE_BUG = 'BUG_ON(!kvm_usage_count) in hardware_disable_all_nolock';

const kvmLock = lockRef<S>('kvm_lock', (s) => s.kvm_lock);

const isIpi = (name: string) => name.endsWith('/ipi');
const inUserSpace = (s: StateInfo<S>, t: number) => s.ended(t) || s.at(t).startsWith('user.');
const cpusOf = (s: StateInfo<S>) => s.vars.hw_enabled.map((_, c) => c);
const enabledCpus = (s: StateInfo<S>) => cpusOf(s).filter((c) => s.vars.hw_enabled[c] || s.vars.cpus_hardware_enabled[c]);
const names = (cs: number[]) => cs.map((c) => `cpu${c}`).join(', ');

// --- `*_nolock` only with kvm_lock held.
// The functions that do not take kvm_lock themselves but touch what it guards: the per-CPU
// bodies and hardware_disable_all_nolock. Before PATCH 2/2 the bodies are called
// hardware_enable/hardware_disable (the same code), after it *_nolock.
const RENAMED = new Set(['patch-2', 'upstream', 'v4.10']);
const NOLOCK_NEW = /^hardware_(enable|disable|disable_all)_nolock$/;
const NOLOCK_OLD = /^(hardware_enable|hardware_disable|hardware_disable_all_nolock)$/;
const heldByAnyone = { new: lockHeldIn<S>('nolock', NOLOCK_NEW, kvmLock), old: lockHeldIn<S>('nolock', NOLOCK_OLD, kvmLock) };
const heldBySelf = {
  new: lockHeldIn<S>('nolock', NOLOCK_NEW, kvmLock, { bySelf: true }),
  old: lockHeldIn<S>('nolock', NOLOCK_OLD, kvmLock, { bySelf: true }),
};
/**
 * Which form of "held" applies to a step:
 * - In an IPI handler (tag `ipi`) the call runs on behalf of the on_each_cpu caller, which
 *   holds the lock on another CPU: held by anyone (lockHeldIn's default). This is weaker than
 *   "held by the sender", but kvm_reboot's unlocked on_each_cpu is still caught, by the schedule
 *   where no creator happens to hold the lock.
 * - Everywhere else the thread runs the body on its own behalf, on its own CPU: the on_each_cpu
 *   local call, and the hotplug CPU's CPU_DYING/CPU_STARTING -- nobody holds the lock for the
 *   dying CPU, and a creator holding it on another CPU while CPU_DYING runs unlocked must not
 *   count. So: held by the running thread.
 * - kvm_suspend/kvm_resume (tag `syscore`) are exempt: they run after freeze_processes() and
 *   disable_nonboot_cpus(), on the only online CPU with interrupts off, where there is nobody to
 *   exclude; kvm_resume even WARNs if the lock is held (that is its own property).
 * This is a lockdep-style rule about the code, not about outcomes: the outcome properties below
 * say whether breaking it matters.
 */
function nolockHolds(s: StateInfo<S>, step: StepInfo): boolean {
  if (step.tags.includes('syscore')) return true;
  const form = RENAMED.has(s.variant) ? 'new' : 'old';
  return (step.tags.includes('ipi') ? heldByAnyone : heldBySelf)[form].holds(s, step);
}

/** Every task thread is in user space or ended (see the header). */
function quiescent(s: StateInfo<S>): boolean {
  return s.threads.every((name, t) => isIpi(name) || inUserSpace(s, t));
}

function quiescentBad(s: StateInfo<S>): number[] {
  const on = s.vars.kvm_usage_count > 0;
  return cpusOf(s).filter((c) => (s.vars.online[c] ? s.vars.hw_enabled[c] !== on : s.vars.hw_enabled[c]));
}

/** kvm_reboot's on_each_cpu has returned (the pm thread is at kvm_reboot's return, or past it). */
function rebootReturned(s: StateInfo<S>): boolean {
  if (!s.params.reboot || !s.threads.includes('pm')) return false;
  return s.at('pm') === 'reboot.ret' || s.ended('pm');
}

/** Before the last step of kvm_reboot's on_each_cpu: the enabled CPUs other than the one it runs on. */
function remoteEnabledAtReboot(s: StateInfo<S>, step: StepInfo): number[] {
  const tag = step.tags.find((t) => t.startsWith('on-cpu:'));
  const self = tag === undefined ? -1 : Number(tag.slice('on-cpu:'.length));
  return enabledCpus(s).filter((c) => c !== self);
}

export const properties = defineProperties<S>('kvm-hotplug', [
  stepProperty<S>(
    'nolock-under-kvm-lock',
    'hardware_enable/disable(_nolock) and hardware_disable_all_nolock run only with kvm_lock held: by the running thread in its own context (on_each_cpu local call, CPU_DYING, CPU_STARTING), by anyone in an IPI handler; kvm_suspend/kvm_resume exempt',
    nolockHolds,
    (s, step) =>
      `${step.thread} runs '${step.label}' while kvm_lock is ${s.vars.kvm_lock.holder === UNLOCKED ? 'free' : `held by ${s.threads[s.vars.kvm_lock.holder]}`}`,
  ),
  invariant<S>(
    'bit-matches-hardware',
    'each CPU\'s cpus_hardware_enabled bit equals its hardware state (virtualization on)',
    (s) => cpusOf(s).every((c) => s.vars.cpus_hardware_enabled[c] === s.vars.hw_enabled[c]),
    (s) =>
      cpusOf(s)
        .filter((c) => s.vars.cpus_hardware_enabled[c] !== s.vars.hw_enabled[c])
        .map((c) => `cpu${c}: bit ${s.vars.cpus_hardware_enabled[c]}, hardware ${s.vars.hw_enabled[c]}`)
        .join('; '),
  ),
  invariant<S>(
    'quiescent',
    'when every task is in user space and the system is not rebooting: an online CPU has virtualization on iff kvm_usage_count > 0, and an offline CPU has it off',
    (s) => s.vars.kvm_rebooting || !quiescent(s) || quiescentBad(s).length === 0,
    (s) =>
      `quiescent with kvm_usage_count = ${s.vars.kvm_usage_count}, but ${quiescentBad(s)
        .map((c) => `cpu${c} is ${s.vars.online[c] ? 'online' : 'offline'} with virtualization ${s.vars.hw_enabled[c] ? 'on' : 'off'}`)
        .join(', ')}`,
  ),
  invariant<S>(
    'dead-cpu-disabled',
    'a CPU taken down (CPU_DYING done, not started again) has virtualization off',
    (s) => cpusOf(s).every((c) => !s.vars.dead[c] || !s.vars.hw_enabled[c]),
    (s) => `${names(cpusOf(s).filter((c) => s.vars.dead[c] && s.vars.hw_enabled[c]))} is dead with virtualization on (kvm_usage_count = ${s.vars.kvm_usage_count})`,
  ),
  stepProperty<S>(
    'failed-enable-rolls-back',
    'when hardware_enable_all() returns -EBUSY, no CPU is enabled and kvm_usage_count is back to 0, its value before the call (the enable path runs only on the 0 -> 1 transition, under kvm_lock)',
    (s, step) => !step.tags.includes('enable_all_failed') || (s.vars.kvm_usage_count === 0 && enabledCpus(s).length === 0),
    (s) => `hardware_enable_all() fails with kvm_usage_count = ${s.vars.kvm_usage_count} and enabled: ${names(enabledCpus(s)) || 'none'}`,
  ),
  stepProperty<S>(
    'reboot-disables-all',
    'when kvm_reboot()\'s on_each_cpu(hardware_disable) returns, no CPU has virtualization on (no in-flight enable survives it): checked before its last step, on every CPU but the one it runs on (that step disables that one, or only waits)',
    (s, step) => !step.tags.includes('kvm_reboot_return') || remoteEnabledAtReboot(s, step).length === 0,
    (s, step) => `kvm_reboot's on_each_cpu returns with ${names(remoteEnabledAtReboot(s, step))} enabled`,
  ),
  invariant<S>(
    'off-after-reboot',
    'once kvm_reboot() has returned, no CPU has virtualization on ever again',
    (s) => !rebootReturned(s) || enabledCpus(s).length === 0,
    (s) => `after kvm_reboot: ${names(enabledCpus(s))} enabled`,
  ),
  assertion('resume-warn-on', 'kvm_resume\'s WARN_ON(spin_is_locked(&kvm_lock)) never fires', RESUME_WARN),
  assertion('usage-count-bug-on', 'hardware_disable_all_nolock\'s BUG_ON(!kvm_usage_count) never fires', USAGE_BUG),
  deadlockFree(),
  locksReleasedAtEnd<S>('locks-released', [kvmLock]),
  invariant<S>(
    'cpus-restored-at-end',
    'when every task has finished: cpu_hotplug_lock free, no CPU busy or stopped, every online CPU with interrupts on, tasks thawed',
    (s) =>
      !s.threads.every((name, t) => isIpi(name) || s.ended(t)) ||
      (s.vars.cpu_hotplug.readers === 0 &&
        !s.vars.cpu_hotplug.writer &&
        !s.vars.stopped &&
        !s.vars.frozen &&
        s.vars.busy.every((b) => b < 0) &&
        cpusOf(s).every((c) => !s.vars.online[c] || !s.vars.irqs_off[c])),
  ),
  noSleepInAtomic<S>('no-sleep-in-atomic', (s, t) => {
    const held = spinlocksHeldBy(s.vars, [kvmLock], t);
    if (held.length > 0) return `holding ${held.join(', ')}`;
    const cpu = s.vars.busy.indexOf(t);
    return cpu >= 0 ? `non-preemptible on cpu${cpu}` : null;
  }, 'no sleeping lock (cpus_read_lock) is taken while holding kvm_lock or with preemption off'),
]);
