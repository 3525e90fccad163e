// Properties of the kvm-hotplug model (models/kvm-hotplug.ts; MODELS.md §1).
//
// Where a property depends on where threads are, it reads their location ids. The model's
// convention: a task thread (creatorN, cpuX/hotplug, pm) is *in user space*, i.e. not in the
// middle of a kernel operation, exactly at the locations whose id starts with `user.` (about to
// create a VM; VM alive; about to offline/online the CPU; about to suspend; about to reboot) or
// when it has ended. IPI handler threads are named `cpuN/ipi`; they are mid-operation only while
// a call is queued, which implies its sender is mid-operation.

import { alwaysEventually, assertion, deadlockFree, defineProperties, invariant, leadsTo, stepProperty, type StateInfo, type StepInfo } from '../src/property/index.js';
import { lockRef, UNLOCKED } from '../src/kernel/index.js';
import { declareStraight } from '../src/model/index.js';
import { locksReleasedAtEnd, noSleepInAtomic, spinlocksHeldBy } from './lock-discipline.js';
import type { S, Task } from '../models/kvm-hotplug.js';

/** Same tags as the model's RESUME_WARN and USAGE_BUG (properties may not import models). */
const RESUME_WARN = 'WARN_ON(spin_is_locked(&kvm_lock)) in kvm_resume';
const USAGE_BUG = 'BUG_ON(!kvm_usage_count) in hardware_disable_all_nolock';

const kvmLock = lockRef<S>('kvm_lock', (s) => s.kvm_lock);
const kvm = kvmLock.get;

const isIpi = (name: string) => name.endsWith('/ipi');
const inUserSpace = (s: StateInfo<S>, t: number) => s.ended(t) || s.at(t).startsWith('user.');
const cpusOf = (s: StateInfo<S>) => s.vars.hw_enabled.map((_, c) => c);
const enabledCpus = (s: StateInfo<S>) => cpusOf(s).filter((c) => s.vars.hw_enabled[c] || s.vars.cpus_hardware_enabled[c]);
const names = (cs: number[]) => cs.map((c) => `cpu${c}`).join(', ');
// The names the helpers read from this module, for the property compiler (straight.ts).
declareStraight(enabledCpus, { bind: { cpusOf } });

// --- `*_nolock` only with kvm_lock held.
// The functions that do not take kvm_lock themselves but touch what it guards: the per-CPU
// bodies and hardware_disable_all_nolock. Before PATCH 2/2 the bodies are called
// hardware_enable/hardware_disable (the same code), after it *_nolock.
const OLD_NAMES = Object.freeze(['v2.6.37', 'patch-1']);
const MUTEX_VARIANTS = Object.freeze(['v6.3', 'v6.5', 'v6.12']);
/** The kernels whose reboot hook is the syscore shutdown op kvm_shutdown(). */
const SYSCORE_SHUTDOWN = new Set(['v6.5', 'v6.12']);
const NOLOCK_NEW = /^hardware_(enable|disable|disable_all)_nolock$/;
const NOLOCK_OLD = /^(hardware_enable|hardware_disable|hardware_disable_all_nolock)$/;
const IPI_FROM = 'ipi-from:';

/**
 * Steps the rule is about: a `*_nolock` body or hardware_disable_all_nolock, except
 * - kvm_suspend/kvm_resume (tag `syscore`): they run after freeze_processes() and
 *   disable_nonboot_cpus(), on the only online CPU with interrupts off, where there is nobody to
 *   exclude; kvm_resume even WARNs if the lock is held (its own property);
 * - kvm_reboot's on_each_cpu(hardware_disable_nolock) (its local call, locations `reboot.*`, and
 *   the IPIs it sends): unlocked on purpose -- PATCH 2/2 itself switches kvm_reboot to the
 *   *_nolock body, since the reboot must not wait for a lock holder. Whether that race matters
 *   is what reboot-disables-all and off-after-reboot ask.
 */
function nolockStep(s: StateInfo<S>, step: StepInfo): boolean {
  if (!(OLD_NAMES.includes(s.variant) ? NOLOCK_OLD.test(step.fn) : NOLOCK_NEW.test(step.fn))) return false;
  if (step.tags.includes('syscore')) return false;
  if (step.thread === 'pm' && step.id.startsWith('reboot.')) return false;
  return !step.tags.includes(`${IPI_FROM}pm`);
}

/**
 * Who must hold kvm_lock for the step: in an IPI handler (tag `ipi-from:SENDER`) the function
 * runs on behalf of the on_each_cpu caller, so the SENDER must hold it (a creator holding it for
 * its own on_each_cpu does not cover another sender's IPI); everywhere else the running thread
 * itself (the local call of on_each_cpu, CPU_DYING/CPU_STARTING: a creator holding the lock on
 * another CPU while CPU_DYING runs unlocked does not count).
 */
function nolockOwner(s: StateInfo<S>, step: StepInfo): number {
  const from = step.tags.find((t) => t.startsWith(IPI_FROM));
  return from === undefined ? step.threadIndex : s.threads.indexOf(from.slice(IPI_FROM.length));
}
declareStraight(nolockOwner, { bind: { IPI_FROM } });

/** Every task thread is in user space or ended (see the header). */
function quiescent(s: StateInfo<S>): boolean {
  return s.threads.every((name, t) => isIpi(name) || inUserSpace(s, t));
}

declareStraight(quiescent, { bind: { isIpi, inUserSpace } });

/** The CPUs that break `quiescent`: an online one whose virtualization is not on iff kvm_usage_count > 0, an offline one with it on. */
function quiescentBad(s: StateInfo<S>): number[] {
  return cpusOf(s).filter((c) => (s.vars.ctx.online[c] ? s.vars.hw_enabled[c] !== (s.vars.kvm_usage_count > 0) : s.vars.hw_enabled[c]));
}
declareStraight(quiescentBad, { bind: { cpusOf } });

/** kvm_reboot's on_each_cpu has returned (the pm thread is at kvm_reboot's return, or past it). */
function rebootReturned(s: StateInfo<S>): boolean {
  if (!s.params.reboot || !s.threads.includes('pm')) return false;
  return s.at('pm') === 'reboot.ret' || s.ended('pm');
}

/** Before the last step of kvm_reboot's on_each_cpu: the enabled CPUs other than the one it runs on (where pm is pinned). */
function remoteEnabledAtReboot(s: StateInfo<S>): number[] {
  return enabledCpus(s).filter((c) => c !== s.local<Task>('pm').task.cpu);
}
declareStraight(remoteEnabledAtReboot, { bind: { enabledCpus } });

/** pm is inside the reboot's on_each_cpu (the CPU picked, not yet returned). */
function inRebootOnEachCpu(s: StateInfo<S>): boolean {
  const at = s.at('pm');
  return at === 'reboot.cpu' || at.startsWith('reboot.call');
}

export const properties = defineProperties<S>('kvm-hotplug', [
  stepProperty<S>(
    'nolock-under-kvm-lock',
    'hardware_enable/disable(_nolock) and hardware_disable_all_nolock run only with kvm_lock held: by the running thread in its own context (on_each_cpu local call, CPU_DYING, CPU_STARTING), in an IPI handler by the thread that sent the IPI; kvm_suspend/kvm_resume and kvm_reboot\'s deliberate unlocked disable exempt',
    { when: nolockStep, then: (s, step) => s.vars.kvm_lock.holder === nolockOwner(s, step), bind: { OLD_NAMES, NOLOCK_OLD, NOLOCK_NEW, IPI_FROM, nolockOwner } },
    (s, step) =>
      `${step.thread} runs '${step.label}' while kvm_lock is ${s.vars.kvm_lock.holder === UNLOCKED ? 'free' : `held by ${s.threads[s.vars.kvm_lock.holder]}`}${nolockOwner(s, step) !== step.threadIndex ? ` (the IPI's sender is ${s.threads[nolockOwner(s, step)]})` : ''}`,
  ),
  invariant<S>(
    'quiescent',
    'when every task is in user space and the system is not rebooting: an online CPU has virtualization on iff kvm_usage_count > 0, and an offline CPU has it off',
    { when: (s) => !s.vars.kvm_rebooting && quiescent(s), then: (s) => quiescentBad(s).length === 0, bind: { quiescent, quiescentBad } },
    (s) =>
      `quiescent with kvm_usage_count = ${s.vars.kvm_usage_count}, but ${quiescentBad(s)
        .map((c) => `cpu${c} is ${s.vars.ctx.online[c] ? 'online' : 'offline'} with virtualization ${s.vars.hw_enabled[c] ? 'on' : 'off'}`)
        .join(', ')}`,
  ),
  invariant<S>(
    'dead-cpu-disabled',
    'a CPU taken down (CPU_DYING done, not started again) has virtualization off',
    { when: (s) => s.vars.dead.some((d) => d), then: (s) => cpusOf(s).every((c) => !s.vars.dead[c] || !s.vars.hw_enabled[c]), bind: { cpusOf } },
    (s) => `${names(cpusOf(s).filter((c) => s.vars.dead[c] && s.vars.hw_enabled[c]))} is dead with virtualization on (kvm_usage_count = ${s.vars.kvm_usage_count})`,
  ),
  stepProperty<S>(
    'failed-enable-rolls-back',
    'when hardware_enable_all() returns -EBUSY, no CPU is enabled and kvm_usage_count is back to 0, its value before the call (the enable path runs only on the 0 -> 1 transition, under kvm_lock)',
    { when: (_s, step) => step.tags.includes('enable_all_failed'), then: (s) => s.vars.kvm_usage_count === 0 && enabledCpus(s).length === 0, bind: { enabledCpus } },
    (s) => `hardware_enable_all() fails with kvm_usage_count = ${s.vars.kvm_usage_count} and enabled: ${names(enabledCpus(s)) || 'none'}`,
  ),
  stepProperty<S>(
    'reboot-disables-all',
    'when the reboot\'s on_each_cpu(hardware_disable) returns (kvm_reboot(); from v6.5 kvm_shutdown()), no CPU has virtualization on (no in-flight enable survives it): checked before its last step, on every CPU but the one it runs on (that step disables that one, or only waits)',
    { when: (_s, step) => step.tags.includes('kvm_reboot_return'), then: (s) => remoteEnabledAtReboot(s).length === 0, bind: { remoteEnabledAtReboot } },
    (s, step) => `${step.fn === 'kvm_shutdown' ? 'kvm_shutdown' : 'kvm_reboot'}'s on_each_cpu returns with ${names(remoteEnabledAtReboot(s))} enabled`,
  ),
  invariant<S>(
    'off-after-reboot',
    'once the reboot is past KVM (kvm_reboot() returned; from v6.5 syscore_shutdown() returned, with or without kvm_shutdown()), no CPU has virtualization on ever again',
    { when: rebootReturned, then: (s) => enabledCpus(s).length === 0, bind: { enabledCpus } },
    (s) => `after ${SYSCORE_SHUTDOWN.has(s.variant) ? 'syscore_shutdown()' : 'kvm_reboot'}: ${names(enabledCpus(s))} enabled`,
  ),
  assertion('resume-warn-on', 'kvm_resume\'s WARN_ON(spin_is_locked(&kvm_lock)) never fires', RESUME_WARN),
  assertion('usage-count-bug-on', 'hardware_disable_all_nolock\'s BUG_ON(!kvm_usage_count) never fires', USAGE_BUG),
  deadlockFree(),
  // Liveness (src/engine/liveness), under weak fairness of every thread.
  leadsTo<S>(
    'reboot-returns',
    "kvm_reboot()'s on_each_cpu(hardware_disable) eventually returns",
    (s) => s.threads.includes('pm') && inRebootOnEachCpu(s),
    (s) => !s.threads.includes('pm') || s.at('pm') === 'reboot.ret' || s.ended('pm'),
    { bind: { inRebootOnEachCpu } },
  ),
  // Every thread's program is finite here, so "again and again nobody waits for kvm_lock" is
  // "every waiter on kvm_lock eventually gets it" (with endless runs it would be stronger).
  alwaysEventually<S>(
    'kvm-lock-waiters-served',
    'a waiter on kvm_lock eventually gets it under fair scheduling (no thread waits at a spin_lock(&kvm_lock) for ever)',
    (s) => s.threads.every((_, t) => !s.at(t).endsWith('.lock') || s.vars.kvm_lock.holder === t),
  ),
  locksReleasedAtEnd<S>('locks-released', [kvmLock]),
  invariant<S>(
    'cpus-restored-at-end',
    'when every task has finished: cpu_hotplug_lock free, no CPU busy or stopped, every online CPU with interrupts on, tasks thawed',
    {
      when: (s) => s.threads.every((name, t) => isIpi(name) || s.ended(t)),
      then: (s) =>
        s.vars.cpu_hotplug.readers === 0 &&
        !s.vars.cpu_hotplug.writer &&
        s.vars.ctx.stopper < 0 &&
        !s.vars.frozen &&
        s.vars.ctx.owner.every((b) => b < 0) &&
        cpusOf(s).every((c) => !s.vars.ctx.online[c] || !s.vars.ctx.irqs_off[c]),
      bind: { isIpi, cpusOf },
    },
  ),
  // From v6.3 the lock guarding kvm_usage_count is a mutex (kvm_lock, then kvm_usage_lock).
  noSleepInAtomic<S>('no-sleep-in-atomic', [
    { test: declareStraight((s: StateInfo<S>, t: number) => !MUTEX_VARIANTS.includes(s.variant) && kvm(s.vars).holder === t, { bind: { MUTEX_VARIANTS, kvm } }), why: (s, t) => `holding ${spinlocksHeldBy(s.vars, [kvmLock], t).join(', ')}` },
    { test: (s, t) => s.vars.ctx.owner.some((o) => o === t), why: (s, t) => `non-preemptible on cpu${s.vars.ctx.owner.indexOf(t)}` },
  ], 'no sleeping lock (cpus_read_lock) is taken while holding kvm_lock or with preemption off'),
]);
