// kvm_lock and hardware virtualization enable/disable under CPU hotplug, reboot and suspend.
//
// Seed: shared/seeds/000_d2d561611161b9c3.txt, "[PATCH 0/2] KVM: fix and cleanup: kvm_lock and
// hardware_disable" (Takuya Yoshikawa, 2010-11-16): patch 1 takes kvm_lock around
// hardware_disable() in the CPU_DYING case of kvm_cpu_hotplug(), patch 2 renames
// hardware_[dis|en]able() to *_nolock() and adds locking wrappers. Zachary Amsden: "I believe
// your patch is correct and the lock should be there". Nobody asks whether stop_machine already
// excludes everything the lock could exclude; the model lets the checker answer.
//
// Functions modelled (virt/kvm/kvm_main.c of 2.6.37 = the seed's pre-image, unless marked):
//   hardware_enable(_nolock): if (cpumask_test_cpu(cpu, cpus_hardware_enabled)) return;
//     cpumask_set_cpu(); r = kvm_arch_hardware_enable(NULL); if (r) { cpumask_clear_cpu();
//     atomic_inc(&hardware_enable_failed); }
//   hardware_disable(_nolock): if (!cpumask_test_cpu(...)) return; cpumask_clear_cpu();
//     kvm_arch_hardware_disable(NULL).
//   hardware_disable_all_nolock (BUG_ON(!kvm_usage_count); kvm_usage_count--; if
//     (!kvm_usage_count) on_each_cpu(hardware_disable, NULL, 1)), hardware_disable_all()
//     (kvm_lock around it), hardware_enable_all() (spin_lock(&kvm_lock); kvm_usage_count++; if
//     (kvm_usage_count == 1) { atomic_set(&hardware_enable_failed, 0); on_each_cpu(hardware_enable,
//     NULL, 1); if (atomic_read(&hardware_enable_failed)) { hardware_disable_all_nolock(); r =
//     -EBUSY; } } spin_unlock(&kvm_lock)), called by kvm_create_vm() and kvm_destroy_vm().
//   kvm_cpu_hotplug(): the unlocked `if (!kvm_usage_count) return NOTIFY_OK;` at its top, then
//     CPU_DYING: hardware_disable(NULL) (2.6.37: no lock), CPU_STARTING: spin_lock(&kvm_lock);
//     hardware_enable(NULL); spin_unlock(&kvm_lock).
//   kvm_reboot(): kvm_rebooting = true; on_each_cpu(hardware_disable, NULL, 1) -- no kvm_lock.
//   kvm_suspend(): if (kvm_usage_count) hardware_disable(NULL). kvm_resume(): if
//     (kvm_usage_count) { WARN_ON(spin_is_locked(&kvm_lock)); hardware_enable(NULL); }
//   The kernel around them (2.6.37 kernel/cpu.c, kernel/stop_machine.c, kernel/smp.c,
//   arch/x86/kernel/smpboot.c, kernel/power/suspend.c; not in the seed): _cpu_down() →
//   cpu_hotplug_begin(); __stop_machine(take_cpu_down) whose take_cpu_down() runs on the dying
//   CPU: __cpu_disable() (clears it from cpu_online_mask) and then the CPU_DYING notifiers;
//   CPU_DEAD; cpu_hotplug_done(). _cpu_up() → the new CPU's start_secondary() runs
//   notify_cpu_starting() (CPU_STARTING) with interrupts off *before* set_cpu_online(cpu, true)
//   and local_irq_enable(). on_each_cpu() of 2.6.37 is preempt_disable();
//   smp_call_function(func, info, 1) (IPI every other online CPU and wait); local_irq_disable();
//   func(); local_irq_enable(); preempt_enable(). Suspend: freeze_processes(),
//   disable_nonboot_cpus() (the same _cpu_down, with CPU_DYING_FROZEN), sysdev suspend with
//   interrupts off on the boot CPU, resume, enable_nonboot_cpus(), thaw_processes().
//
// Variants:
//   v2.6.37   the seed's pre-image: CPU_DYING calls hardware_disable() without kvm_lock.
//   patch-1   PATCH 1/2: spin_lock(&kvm_lock) around hardware_disable() in CPU_DYING. The
//             unlocked `if (!kvm_usage_count)` at the top of kvm_cpu_hotplug() stays.
//   patch-2   PATCH 1/2 + 2/2 (what was applied): hardware_enable/disable() are wrappers that
//             take kvm_lock around hardware_enable/disable_nolock(); the notifier calls the
//             wrappers; on_each_cpu, kvm_reboot, kvm_suspend and kvm_resume call the *_nolock ones.
//   v4.10     the STARTING/DYING form that shipped from 3.x to 6.2, as v4.10 writes it: the
//             callbacks test kvm_usage_count under the lock (kvm_starting_cpu/kvm_dying_cpu:
//             lock; if (kvm_usage_count) hardware_*_nolock(); unlock; in 3.x kvm_cpu_hotplug
//             called wrappers doing the same), no cpus_read_lock(), on_each_cpu remote-first.
//             (on_each_cpu became local-first in v5.13, "smp: Run functions concurrently in
//             smp_call_function_many_cond()"; 5.13..6.2 differ from this variant in that order only.)
//   hypothetical-mix  a kernel that NEVER SHIPPED, kept as a what-if (it was called `upstream`
//             until issue 16): v4.10's STARTING/DYING callbacks under stop_machine together with
//             v6.3's cpus_read_lock() in hardware_enable_all()/hardware_disable_all() (which only
//             came once the callbacks had moved to the ONLINE section) and the local-first
//             on_each_cpu, with the 2010 reboot notifier. It answers "would cpus_read_lock alone
//             close the CPU_STARTING race?", not "what does the kernel do".
//   v6.3      "KVM: Move CPU hotplug callbacks to the ONLINE section" and friends: kvm_online_cpu()/
//             kvm_offline_cpu() run in the CPU's hotplug thread (thread context, interrupts on)
//             after set_cpu_online() / before the CPU leaves cpu_online_mask, under the kvm_lock
//             mutex (kvm_count_lock is gone); kvm_online_cpu() fails the onlining (-EIO) when the
//             enable fails; enable failures are local (`atomic_t failed` in hardware_enable_all(),
//             a return value elsewhere; kvm_resume() WARNs on one); no KVM
//             code runs at CPU_STARTING/CPU_DYING, so stop_machine no longer matters to KVM;
//             hardware_enable_all()/hardware_disable_all() take cpus_read_lock() then kvm_lock;
//             on_each_cpu is local-first; the kvm_reboot notifier; kvm_suspend()/kvm_resume() as
//             syscore ops with lockdep_assert_not_held(&kvm_lock).
//   v6.5      as v6.3, plus the reboot rework: kvm_shutdown() is a
//             syscore shutdown op, run by kernel_restart() after kernel_restart_prepare() set
//             system_state = SYSTEM_RESTART and migrate_to_reboot_cpu() called
//             cpu_hotplug_disable(); hardware_enable_all() returns -EBUSY when system_state says
//             the system is going down, tested before any lock.
//   v6.12     kvm_enable_virtualization()/kvm_disable_virtualization() under the kvm_usage_lock
//             mutex: the first user installs the cpuhp state (cpuhp_setup_state() calls
//             kvm_online_cpu() = __kvm_enable_virtualization() on every online CPU, under
//             cpus_read_lock()), then register_syscore_ops(), then rechecks system_state and,
//             if the system is going down, unregisters and removes it all (-EBUSY); the last user
//             removes it (kvm_offline_cpu() on every online CPU). kvm_shutdown() runs only if
//             the ops are registered when syscore_shutdown() walks them (syscore_ops_lock).
//   Sources: virt/kvm/kvm_main.c of each kernel (read through the kernel's git history; the
//   v6.12 code is today's kvm_enable_virtualization() less kvm_arch_enable_virtualization()).
// The lock is called kvm_lock in every variant (from about v3.13 to v6.2 the lock that guards
// kvm_usage_count was the raw spinlock kvm_count_lock).
//
// Threads:
//   creatorN      a VM creator: KVM_CREATE_VM → hardware_enable_all(), the VM lives (user space),
//                 close → kvm_destroy_vm() → hardware_disable_all(). A failed enable ends it.
//   cpuX/hotplug  the hotplug of the last CPU X, `rounds` times offline then online. Its
//                 CPU_DYING steps run ON cpu X with interrupts off, after X left cpu_online_mask;
//                 its CPU_STARTING steps run on X with interrupts off before X is online.
//   pm            (if suspend or reboot) one suspend/resume cycle, then the reboot notifier.
//   cpuN/ipi      cpu N's IPI handler: runs a queued call when N is online, has interrupts on and
//                 is not stopped; one step per call (it runs with interrupts off).
//
// CPUs. A task's code is preemptible except between spin_lock and spin_unlock and inside
// on_each_cpu (preempt_disable). A preemptible task may run on any CPU, so the model picks the
// CPU when the task becomes non-preemptible (the spin_lock step, or on_each_cpu's
// preempt_disable in kvm_reboot): one action per online CPU that no other thread occupies
// non-preemptibly (`busy`). The pick matters: it is where on_each_cpu calls func locally and
// which CPU it does not IPI, and a busy CPU cannot be stopped or taken down.
//
// stopMachine. With stopMachine=true (every real kernel) take_cpu_down() runs under
// __stop_machine(): the step that enters it is enabled only when no online CPU is busy (holds a
// spinlock, is inside on_each_cpu) or has interrupts off -- the stopper threads can only run
// there then -- and until the CPU_DYING callbacks return, no other thread takes a step (every
// other CPU spins in stop_machine with interrupts off). Since every sender waits for its IPIs
// with preemption off, no IPI can be pending then. With stopMachine=false, a HYPOTHETICAL
// kernel (no kernel ran CPU_DYING without stop_machine), the question behind "is the lock
// necessary?": only the dying CPU must be free; it turns interrupts off,
// leaves cpu_online_mask and runs CPU_DYING while the other CPUs run on. An IPI queued for it
// before it left the mask stays queued (2.6.37's smp.c has no flush for it, later kernels flush
// it in CPU_DYING) and runs when the CPU is next online with interrupts on.
//
// Suspend. freeze_processes() is enabled only when every task is out of the kernel (user tasks
// freeze at the kernel exit, not while holding a spinlock or inside a hotplug operation); from
// then until thaw_processes() no task enters the kernel. disable_nonboot_cpus() takes down each
// online non-boot CPU with the same CPU_DYING code (the pm thread runs it on that CPU's behalf:
// every other context is frozen or offline, so one thread is exact), kvm_suspend()/kvm_resume()
// run on cpu0 with interrupts off, enable_nonboot_cpus() brings back those CPUs with the
// CPU_STARTING code. A CPU the hotplug thread had left offline stays offline.
//
// Atomicity, and why the merged steps are sound:
// - A hardware_enable/disable body is ONE step per outcome (already set / enabled / failed;
//   not set / disabled). Every caller runs it with interrupts off on its CPU (IPI handler,
//   on_each_cpu's local call, CPU_STARTING/DYING, kvm_suspend/resume), and only code running on
//   a CPU reads or writes that CPU's cpus_hardware_enabled bit and hardware state, so nothing
//   can observe the body half done. The one shared write, atomic_inc(&hardware_enable_failed),
//   is read only by the sender after it waited for every call (or, from CPU_STARTING, by nobody
//   before the next atomic_set). For the same reason there is no property "the
//   cpus_hardware_enabled bit equals the hardware state": with both written in one step it
//   could not fail (it was bit-matches-hardware until issue 16, removed).
// - The syscall entry is merged into the first kernel step (spin_lock, or cpus_read_lock) and
//   the exit into the last (spin_unlock / cpus_read_unlock): the code between is preemptible
//   and touches nothing shared, so a task entering a little later is an interleaving we have.
// - kvm_usage_count++ together with `if (kvm_usage_count == 1) atomic_set(...)`: the
//   atomic_set's variable is written by nobody else while the lock is held (the CPU_STARTING
//   enable runs under kvm_lock in every variant).
// - cpu_hotplug_done() is merged with the last step of the operation (after stop_machine
//   returns; with local_irq_enable() of the new CPU on the way up): the writer side only
//   delays readers a little longer.
// - A spinning spin_lock is a guard: the spinner occupies no CPU until it gets the lock. In the
//   kernel it spins with preemption off (so stop_machine waits for it), but the schedule where
//   it reached spin_lock just after stop_machine started is real, so no behaviour is added
//   that the kernel lacks; only the (harmless) spin itself is not a state.
//
// The ONLINE-section kernels (v6.3+), and what is simplified:
// - The hotplug of cpu X: _cpu_down takes cpus_write_lock(), X's hotplug thread runs
//   kvm_offline_cpu() (still online, interrupts on), then take_cpu_down() under stop_machine
//   clears X from cpu_online_mask (one step: no KVM code runs inside); _cpu_up sets X online in
//   start_secondary(), enables interrupts, then X's hotplug thread runs kvm_online_cpu(); its
//   -EIO rolls the CPU back offline (one step, under stop_machine). After cpu_hotplug_disable()
//   both return -EBUSY; a CPU left offline by a failed onlining is skipped by cpu_down.
// - The per-CPU hotplug thread is a thread pinned to its CPU: its steps need the CPU free (no
//   task with preemption off there). A kvm_lock mutex holder among the creators is pinned, from
//   mutex_lock to mutex_unlock, to the CPU its on_each_cpu runs on (as the spinlock holder of the
//   older kernels): in reality it may be preempted between, which only lets other tasks onto that
//   CPU earlier; since every such holder also holds cpus_read_lock(), no hotplug step waits on it.
// - v6.12's cpuhp_setup_state()/cpuhp_remove_state() call the callback CPU by CPU, each a step on
//   that CPU's hotplug thread, done by the creator's thread (it waits for each); a failure rolls
//   back the CPUs before it in one step (cpuhp_rollback_install()). The failure is carried in
//   hardware_enable_failed for v6.5/v6.12 too (their local `failed` or return value): cleared
//   when the function that owns it returns.
// - kernel_restart() ends at machine_restart(); what the architecture does then (x86's emergency
//   virtualization disable) is not modelled: "off-after-reboot" asks about KVM's own code.
//
// Left out, and why that is sound:
// - printk, the kvm_arch_* internals (a CPU's hardware state is one boolean), vcpus and VM
//   memory: the properties are about which CPUs have virtualization on.
// - CPU_TASKS_FROZEN handling is `val &= ~CPU_TASKS_FROZEN`: the suspend path runs the same code.
// - Only the last CPU is hotplugged (cpu0 is the boot CPU, and the others are symmetric); one
//   hotplug operation at a time (cpu_add_remove_lock serialises them anyway).
// - kvm_exit() (module unload) is left out: it unregisters the notifiers first.
// - CPU_DOWN_PREPARE / CPU_UP_PREPARE / CPU_ONLINE / CPU_DEAD notifiers: kvm_cpu_hotplug ignores
//   them; they are folded into the hotplug thread's neighbouring steps.
// - disable_nonboot_cpus()'s own cpu_hotplug_begin() and stop_machine are not steps: with every
//   task frozen and the other CPUs idle there is nobody for them to wait for or to stop.
// - Each creator creates one VM. The pm thread suspends before it reboots; a suspend after the
//   reboot notifier is not modelled (the system is going down by then).
// - The machine's power loss during suspend is not modelled: kvm_suspend disabled cpu0 and
//   CPU_DYING the others before it, which is what the properties check.
// - 2.6.37's kvm_rebooting is only read by the fault fixups, not by the code modelled: it is
//   kept as state for the properties.
//
// Verdicts (pinned in tests/models/kvm-hotplug.test.ts; shortest trace lengths at the defaults,
// 2 CPUs, 2 creators, one hotplug round, suspend then reboot, a per-CPU enable may fail), and
// where they differ from the thread:
// - Under stop_machine (every real kernel) patch-1's lock closes no race. v2.6.37 and patch-1
//   have the same verdict on every outcome property, and the CPU_DYING spin_lock never finds
//   kvm_lock held (both tested): stop_machine cannot start while a kvm_lock holder or an
//   on_each_cpu caller runs, and nothing runs beside CPU_DYING. "The lock should be there" is
//   right as a rule (nolock-under-kvm-lock fails for v2.6.37 only, 12 steps), not as a fix.
// - In the HYPOTHETICAL kernel without stop_machine (stopMachine=false) the lock would not help
//   either. The unlocked `if (!kvm_usage_count)` before it still lets the dying CPU miss the
//   last hardware_disable_all() (dead-cpu-disabled, 13 steps). And the lock is taken with
//   interrupts off, so it deadlocks against a holder waiting in on_each_cpu for that CPU's IPI
//   (hypothetical deadlock, 7 steps). v2.6.37 deadlocks there too (11 steps), but only through
//   the stale-IPI assumption above. patch-1's deadlock does not need it.
// - The race the thread did not see is in CPU_STARTING, not CPU_DYING, and all three 2010 forms
//   have it (quiescent, 16 steps). The starting CPU reads kvm_usage_count == 0 unlocked, and
//   hardware_enable_all()'s on_each_cpu misses it because it is not online yet: it comes online
//   with virtualization off while a VM exists. Or it reads 1 just before the last VM goes away
//   and comes online enabled with none, and a later CPU_DYING then leaves a dead CPU enabled
//   (dead-cpu-disabled, 27 steps). Testing the count under the lock (v4.10) does not close it
//   (quiescent, 20 steps), since set_cpu_online() comes after the callback. cpus_read_lock()
//   in hardware_enable_all() does when the enable cannot fail (hypothetical-mix, enableCanFail=false).
// - kvm_reboot without the lock races in every variant. reboot-disables-all (23 steps) has two
//   causes: an in-flight hardware_enable_all() (its IPI taken after the reboot IPI, or its
//   local call after it), and a CPU between CPU_STARTING, which enabled it, and set_cpu_online():
//   not in cpu_online_mask, so the reboot's on_each_cpu sends it no IPI (both tested). VM
//   creation and CPU_STARTING after it re-enable CPUs as well (off-after-reboot, 21 steps: the
//   "reboot -f" case v6.5 addressed with a system_state check).
// - nolock-under-kvm-lock exempts kvm_reboot's unlocked on_each_cpu (PATCH 2/2 itself makes it
//   call the *_nolock body: the reboot must not wait for a lock holder) and requires an IPI's
//   function to run under the lock of the IPI's sender. Until issue 16 it counted the reboot
//   path and accepted any holder: it failed in every variant with reboot=true, for the reboot.
//   Now patch-1, patch-2, v4.10 and hypothetical-mix hold it.
// - A per-CPU enable may fail (enableCanFail, on by default since issue 16, so that the failure
//   path is exercised; the state counts roughly tripled). The 2010 forms and v4.10 fail
//   failed-enable-rolls-back (32 steps): a CPU that raced through CPU_STARTING is enabled but
//   not yet in cpu_online_mask, so the rollback's on_each_cpu(hardware_disable) does not reach
//   it. hypothetical-mix's quiescent fails (23 steps): kvm_starting_cpu ignores a failed enable,
//   and the CPU comes online without virtualization while VMs exist (v6.3 made the online
//   callback fail the hotplug instead).
// - v6.3: the KVM callbacks no longer run in stop_machine's CPU_STARTING/CPU_DYING, and
//   cpus_read_lock() keeps hardware_enable_all() out of a hotplug operation: the CPU_STARTING race
//   is gone (with reboot and suspend off every property holds, and v2.6.37 -> v6.3 is proved).
//   What remains is the reboot notifier's race with an in-flight hardware_enable_all()
//   (reboot-disables-all, off-after-reboot). (An intermediate version of the v6.3 series kept
//   the global hardware_enable_failed, which kvm_resume() could leave set for the next
//   kvm_online_cpu(); its own patch "KVM: Make hardware_enable_failed a local variable" removed
//   that before the merge, and the model follows what was merged.)
// - v6.5: system_state is tested before any lock, so a reboot that starts right after the test
//   still races with the enable that follows: kvm_shutdown() returns with a CPU enabled
//   (reboot-disables-all, 29) or the enable comes after it (off-after-reboot, 27).
// - v6.12: registering the syscore ops before rechecking system_state closes reboot-disables-all:
//   an enable is either done before kvm_shutdown() is registered-and-run, or sees the restart and
//   undoes itself. But the undo comes after syscore_shutdown() returned: a CPU enabled by an
//   in-flight cpuhp_setup_state() before register_syscore_ops() is still on when the reboot
//   reaches machine_restart() (off-after-reboot, 18 steps; the recheck turns it off later, which
//   the property counts). Whether the architecture's restart path turns it off is not modelled.
//   nolock-under-kvm-lock and usage-count-bug-on hold not exercised there: v6.12 has no *_nolock
//   function and no hardware_disable_all_nolock.
// - Preemption: the task that drives _cpu_up()/_cpu_down() occupies no CPU in the model (it sleeps
//   in __cpu_up()/wait_for_completion while the CPU being brought up or down runs the callbacks),
//   so on 2 CPUs a creator can run on cpu0 between its steps; a kernel without preemption lets
//   that happen only where the task sleeps. The same races show at cpus=3 (pinned: quiescent in
//   17 steps for the 2010 forms, 21 for v4.10), where a CPU is free for it.
// - In every variant, with the enable able to fail, kvm_resume() ignores a failed enable (v6.3+:
//   WARN_ON_ONCE and goes on): the boot CPU runs VMs without virtualization (quiescent).
// - Hold in every variant: resume-warn-on (the freezer keeps every kvm_lock holder out),
//   usage-count-bug-on (it cannot fail: every kvm_usage_count-- pairs with a ++ made under the
//   same kvm_lock hold or an earlier one; it stays because the C has the BUG_ON and the step
//   must evaluate it), locks-released, cpus-restored-at-end. no-sleep-in-atomic is exercised
//   only where a sleeping lock is taken (cpus_read_lock in hypothetical-mix); elsewhere it holds,
//   not exercised.

import { choice, defineModel, END, intParam, boolParam, step, thread, type ActionDef, type Draft, type System, type LocationDef, type StepEnv, type SymmetryDef, type ThreadDef } from '../src/model/index.js';
import {
  atomic, atomic_inc, atomic_read, atomic_set, crossCalls, cpumask, lockRef, onEachCpuCall, ipiCallThread, spinIsLocked, spinLock,
  spinUnlock, spinlock, cpuCallActions, holderName, UNLOCKED, type Atomic, type CpuCall, type CrossCalls, type Spinlock,
} from '../src/kernel/index.js';

export type KvmHotplugState = {
  kvm_lock: Spinlock;
  kvm_usage_count: number;
  hardware_enable_failed: Atomic;
  kvm_rebooting: boolean;
  /** The cpus_hardware_enabled cpumask. */
  cpus_hardware_enabled: boolean[];
  /** Per-CPU hardware state: virtualization on (VMXON done / EFER.SVME set). */
  hw_enabled: boolean[];
  /** cpu_online_mask. */
  online: boolean[];
  /** CPU_DYING has run and the CPU has not started booting again. */
  dead: boolean[];
  irqs_off: boolean[];
  /** Thread running non-preemptibly on the CPU (spinlock held, in on_each_cpu, irqs off), or -1. */
  busy: number[];
  xcalls: CrossCalls;
  /** cpu_hotplug_lock: cpus_read_lock() readers, and the hotplug operation (writer). */
  cpu_hotplug: { readers: number; writer: boolean };
  /** Inside stop_machine: every other online CPU spins with interrupts off. */
  stopped: boolean;
  /** freeze_processes() done, thaw_processes() not yet. */
  frozen: boolean;
  /** CPUs taken down by disable_nonboot_cpus(), to bring back. */
  frozen_cpus: boolean[];
  /** Tasks inside a system call (not freezable). */
  in_kernel: number;
  /** system_state == SYSTEM_RESTART (kernel_restart_prepare() ran; v6.5+). */
  restarting: boolean;
  /** cpu_hotplug_disable() ran (migrate_to_reboot_cpu(); v6.5+): _cpu_up/_cpu_down return -EBUSY. */
  hotplug_disabled: boolean;
  /** v6.12: CPUHP_AP_KVM_ONLINE is installed (cpuhp_setup_state() done, not removed). */
  kvm_cpuhp: boolean;
  /** v6.12: kvm_syscore_ops is registered (so syscore_shutdown() calls kvm_shutdown()). */
  kvm_syscore: boolean;
  /** syscore_ops_lock: the thread holding it, or -1. */
  syscore_ops_lock: number;
};
type S = KvmHotplugState;
type D = Draft<S>;

/** The WARN_ON tag of kvm_resume. */
export const RESUME_WARN = 'WARN_ON(spin_is_locked(&kvm_lock)) in kvm_resume';
/** The BUG_ON tag of hardware_disable_all_nolock. */
export const USAGE_BUG = 'BUG_ON(!kvm_usage_count) in hardware_disable_all_nolock';

const VARIANTS = {
  'v2.6.37': 'kvm_main.c of 2.6.37 (the seed\'s pre-image): CPU_DYING calls hardware_disable() without kvm_lock',
  'patch-1': 'PATCH 1/2: spin_lock(&kvm_lock) around hardware_disable() in CPU_DYING; the unlocked kvm_usage_count test stays',
  'patch-2': 'PATCH 1/2 + 2/2: hardware_enable/disable() wrappers take kvm_lock around *_nolock(); on_each_cpu, reboot, suspend and resume call *_nolock()',
  'hypothetical-mix': 'a kernel that never shipped (kept as a what-if): the v4.10..v6.2 STARTING/DYING callbacks under stop_machine together with v6.3\'s cpus_read_lock() in hardware_enable_all/disable_all and local-first on_each_cpu',
  'v4.10': 'v4.10..v6.2: kvm_starting_cpu/kvm_dying_cpu test kvm_usage_count under the lock, no cpus_read_lock()',
  'v6.3': 'v6.3: kvm_online_cpu/kvm_offline_cpu in the ONLINE section (thread context, after set_cpu_online(), interrupts on) under the kvm_lock mutex, hardware_enable_all/disable_all under cpus_read_lock(); the kvm_reboot notifier',
  'v6.5': 'v6.5: as v6.3, but kvm_shutdown() is a syscore shutdown op (after system_state = SYSTEM_RESTART and cpu_hotplug_disable()) and hardware_enable_all() first returns -EBUSY when the system is going down',
  'v6.12': 'v6.12: kvm_enable_virtualization() under kvm_usage_lock installs the cpuhp state (enabling every online CPU), registers kvm_syscore_ops, then rechecks system_state and undoes it all if the system is going down',
} as const;
type Variant = keyof typeof VARIANTS;

/** How each variant writes the code. */
interface Code {
  enableFn: string;
  disableFn: string;
  /** 'notifier': kvm_cpu_hotplug() with the unlocked count test; 'cpuhp': kvm_starting_cpu/kvm_dying_cpu. */
  callbacks: 'notifier' | 'cpuhp';
  /** notifier form: who takes kvm_lock around the CPU_DYING body: nobody, kvm_cpu_hotplug, or the hardware_disable() wrapper. */
  dyingLock: 'none' | 'caller' | 'wrapper';
  /** notifier form: who takes kvm_lock around the CPU_STARTING body. */
  startingLock: 'caller' | 'wrapper';
  cpusReadLock: boolean;
  order: 'remote-first' | 'local-first';
}

const CODE: Record<Variant, Code> = {
  'v2.6.37': { enableFn: 'hardware_enable', disableFn: 'hardware_disable', callbacks: 'notifier', dyingLock: 'none', startingLock: 'caller', cpusReadLock: false, order: 'remote-first' },
  'patch-1': { enableFn: 'hardware_enable', disableFn: 'hardware_disable', callbacks: 'notifier', dyingLock: 'caller', startingLock: 'caller', cpusReadLock: false, order: 'remote-first' },
  'patch-2': { enableFn: 'hardware_enable_nolock', disableFn: 'hardware_disable_nolock', callbacks: 'notifier', dyingLock: 'wrapper', startingLock: 'wrapper', cpusReadLock: false, order: 'remote-first' },
  'hypothetical-mix': { enableFn: 'hardware_enable_nolock', disableFn: 'hardware_disable_nolock', callbacks: 'cpuhp', dyingLock: 'caller', startingLock: 'caller', cpusReadLock: true, order: 'local-first' },
  'v4.10': { enableFn: 'hardware_enable_nolock', disableFn: 'hardware_disable_nolock', callbacks: 'cpuhp', dyingLock: 'caller', startingLock: 'caller', cpusReadLock: false, order: 'remote-first' },
  // The v6.x kernels are written as their own functions below (creator63, creator612, the ONLINE
  // section of hotplugOnline, pmOnline); these fields only name their bodies.
  'v6.3': { enableFn: 'hardware_enable_nolock', disableFn: 'hardware_disable_nolock', callbacks: 'cpuhp', dyingLock: 'caller', startingLock: 'caller', cpusReadLock: true, order: 'local-first' },
  'v6.5': { enableFn: 'hardware_enable_nolock', disableFn: 'hardware_disable_nolock', callbacks: 'cpuhp', dyingLock: 'caller', startingLock: 'caller', cpusReadLock: true, order: 'local-first' },
  'v6.12': { enableFn: '__kvm_enable_virtualization', disableFn: '__kvm_disable_virtualization', callbacks: 'cpuhp', dyingLock: 'caller', startingLock: 'caller', cpusReadLock: true, order: 'local-first' },
};

/** The kernels whose KVM callbacks run in the ONLINE section, in thread context, and whose usage-count lock is a mutex. */
const ONLINE_SECTION: readonly string[] = ['v6.3', 'v6.5', 'v6.12'];

const ENABLE = 1;
const DISABLE = 2;

const kvmLock = lockRef<S>('kvm_lock', (s) => s.kvm_lock);

export default defineModel({
  name: 'kvm-hotplug',
  doc: 'kvm_lock, kvm_usage_count and per-CPU hardware enable/disable (hardware_enable_all, on_each_cpu IPIs) racing CPU hotplug (CPU_DYING under stop_machine, CPU_STARTING), kvm_reboot and suspend/resume (seed 000)',
  seed: '000_d2d561611161b9c3.txt',
  params: {
    cpus: intParam(2, 'CPUs; the last one is hotplugged, cpu0 is the boot CPU', { min: 2, max: 6 }),
    creators: intParam(2, 'VM creators (hardware_enable_all, then hardware_disable_all)', { min: 0, max: 4 }),
    rounds: intParam(1, 'hotplug rounds of the last CPU (offline, then online)', { min: 0, max: 3 }),
    enableCanFail: boolParam(true, 'kvm_arch_hardware_enable() may fail on any CPU (the failure path of hardware_enable_all; on by default so that failed-enable-rolls-back is exercised)'),
    stopMachine: boolParam(true, 'CPU_DYING runs under stop_machine (every real kernel); false: a hypothetical kernel in which only the dying CPU stops'),
    reboot: boolParam(true, 'the reboot notifier kvm_reboot() runs once (after the suspend cycle, if any)'),
    suspend: boolParam(true, 'one suspend/resume cycle (freeze, disable_nonboot_cpus, kvm_suspend, kvm_resume, thaw)'),
  },
  variants: VARIANTS,
  build({ params, variant }): System<S> {
    const code = CODE[variant as Variant];
    /** v6.3+: kvm_lock (v6.12: kvm_usage_lock) is a mutex, the KVM callbacks run in the ONLINE section. */
    const online63 = ONLINE_SECTION.includes(variant);
    const lockName = variant === 'v6.12' ? 'kvm_usage_lock' : 'kvm_lock';
    const cpus = params.cpus;
    const nCreators = params.creators;
    const rounds = params.rounds;
    const canFail = params.enableCanFail;
    const stopMachine = params.stopMachine;
    const reboot = params.reboot;
    const suspend = params.suspend;
    const X = cpus - 1;
    const cpuIds = Array.from({ length: cpus }, (_, c) => c);

    // Thread indices (a lock holder and `busy` are thread indices).
    const creatorNames = Array.from({ length: nCreators }, (_, i) => `creator${i}`);
    const hotplugName = `cpu${X}/hotplug`;
    const hasPm = reboot || suspend;
    const senderNames = [...creatorNames, ...(reboot ? ['pm'] : [])];
    const pmSender = nCreators;

    const xcalls = (s: S | D) => s.xcalls;
    const online = (s: S | D) => s.online;
    /** A task may become non-preemptible on `c`: online, and nobody runs there non-preemptibly. */
    const canRunOn = (s: S, c: number) => s.online[c]! && s.busy[c]! < 0;

    const enableCall: CpuCall<S> = {
      id: ENABLE,
      name: code.enableFn,
      outcomes: [
        {
          what: online63 ? 'if (__this_cpu_read(hardware_enabled)) return 0' : 'cpumask_test_cpu(cpu, cpus_hardware_enabled): already set, return',
          when: (s, c) => s.cpus_hardware_enabled[c]!,
        },
        {
          // (v6.3+ keeps the bit in the per-CPU bool hardware_enabled; the model's cpus_hardware_enabled[] holds it.)
          what: online63 ? 'kvm_arch_hardware_enable() = 0; __this_cpu_write(hardware_enabled, true)' : 'cpumask_set_cpu(cpu, cpus_hardware_enabled); r = kvm_arch_hardware_enable(NULL) = 0',
          when: (s, c) => !s.cpus_hardware_enabled[c]!,
          run: (d, c) => {
            d.cpus_hardware_enabled[c] = true;
            d.hw_enabled[c] = true;
          },
        },
        ...(canFail
          ? [
              {
                what: online63
                  ? 'kvm_arch_hardware_enable() fails: return -EIO (on_each_cpu: atomic_inc(failed))'
                  : 'cpumask_set_cpu(cpu, cpus_hardware_enabled); r = kvm_arch_hardware_enable(NULL) fails: cpumask_clear_cpu(cpu, cpus_hardware_enabled); atomic_inc(&hardware_enable_failed)',
                when: (s: S, c: number) => !s.cpus_hardware_enabled[c]!,
                run: (d: D) => atomic_inc(d.hardware_enable_failed),
              },
            ]
          : []),
      ],
    };
    const disableCall: CpuCall<S> = {
      id: DISABLE,
      name: code.disableFn,
      outcomes: [
        { what: online63 ? 'if (!__this_cpu_read(hardware_enabled)) return' : '!cpumask_test_cpu(cpu, cpus_hardware_enabled): return', when: (s, c) => !s.cpus_hardware_enabled[c]! },
        {
          what: online63 ? 'kvm_arch_hardware_disable(); __this_cpu_write(hardware_enabled, false)' : 'cpumask_clear_cpu(cpu, cpus_hardware_enabled); kvm_arch_hardware_disable(NULL)',
          when: (s, c) => s.cpus_hardware_enabled[c]!,
          run: (d, c) => {
            d.cpus_hardware_enabled[c] = false;
            d.hw_enabled[c] = false;
          },
        },
      ],
    };

    const body = (id: string, f: CpuCall<S>, cpu: number, where: string, next: string, tags: string[] = []): LocationDef<S> =>
      choice(id, cpuCallActions(f, cpu, { where, next, tags }));

    // --- kvm_lock taken by a task: the task becomes non-preemptible on the CPU it runs on.
    const lockOnSomeCpu = (
      id: string,
      fn: string,
      where: string,
      target: (c: number) => string,
      entry: boolean,
    ): LocationDef<S> =>
      choice(
        id,
        cpuIds.map(
          (c): ActionDef<S> => ({
            // A mutex holder (v6.3+) is preemptible, but the model pins it from mutex_lock to
            // mutex_unlock to the CPU its on_each_cpu will run on (see the header).
            label: `${fn}: ${online63 ? 'mutex_lock' : 'spin_lock'}(&kvm_lock) [on cpu${c}${where}]`,
            fn,
            guard: (s) => s.kvm_lock.holder === UNLOCKED && canRunOn(s, c) && (!entry || !s.frozen),
            blockedOn: (s, env) =>
              s.kvm_lock.holder !== UNLOCKED
                ? `kvm_lock, held by ${holderName(s.kvm_lock, env)} (on cpu${c})`
                : s.frozen && entry
                  ? `the freezer, tasks are frozen (on cpu${c})`
                  : `cpu${c} to be online and free`,
            run: (d, env) => {
              d.kvm_lock.holder = env.self;
              d.busy[c] = env.self;
              if (entry) d.in_kernel += 1;
            },
            tags: online63 ? ['mutex_lock', 'might_sleep', 'lock:kvm_lock'] : ['spin_lock', 'lock:kvm_lock'],
            next: target(c),
          }),
        ),
      );

    // `localFailed`: v6.3+'s `atomic_t failed` is hardware_enable_all()'s local: gone when it returns.
    const unlockFrom = (id: string, label: string, fn: string, c: number, next: string, exitKernel: boolean, tags: string[] = [], localFailed = false) =>
      step<S>(id, online63 ? label.replace('spin_unlock(&kvm_lock)', 'mutex_unlock(&kvm_lock)') : label, {
        fn,
        run: (d, env) => {
          env.bugOn(d.kvm_lock.holder !== env.self, 'spin_unlock(&kvm_lock) by a non-owner');
          d.kvm_lock.holder = UNLOCKED;
          d.busy[c] = -1;
          if (exitKernel) d.in_kernel -= 1;
          if (localFailed) atomic_set(d.hardware_enable_failed, 0);
        },
        tags: ['spin_unlock', 'unlock:kvm_lock', ...tags],
        next,
      });

    const cpusReadLock = (id: string, fn: string, next: string): LocationDef<S> =>
      step<S>(id, `${fn}: cpus_read_lock()`, {
        guard: (s) => !s.frozen && !s.cpu_hotplug.writer,
        blockedOn: (s) => (s.frozen ? 'the freezer (tasks are frozen)' : 'cpu_hotplug_lock, write-held by the hotplug operation'),
        run: (d) => {
          d.cpu_hotplug.readers += 1;
          d.in_kernel += 1;
        },
        tags: ['cpus_read_lock', 'might_sleep'],
        next,
      });
    const cpusReadUnlock = (id: string, fn: string, next: string): LocationDef<S> =>
      step<S>(id, `${fn}: cpus_read_unlock()`, {
        run: (d) => {
          d.cpu_hotplug.readers -= 1;
          d.in_kernel -= 1;
        },
        tags: ['cpus_read_unlock'],
        next,
      });

    /** hardware_disable_all_nolock() by a task pinned to cpu `c`, holding kvm_lock. */
    const disableAllNolock = (p: string, c: number, sender: number, senderName: string, next: string): LocationDef<S>[] => [
      step<S>(`${p}.dec`, 'hardware_disable_all_nolock: BUG_ON(!kvm_usage_count); kvm_usage_count--; if (!kvm_usage_count)', {
        run: (d, env) => {
          env.bugOn(d.kvm_usage_count === 0, USAGE_BUG);
          d.kvm_usage_count -= 1;
        },
        next: (s) => (s.kvm_usage_count === 0 ? `${p}.off` : next),
      }),
      ...onEachCpuCall<S>({
        id: `${p}.off`, caller: 'hardware_disable_all_nolock', func: disableCall, sender, senderName, cpu: c, xcalls, online,
        order: code.order, next,
      }),
    ];

    // --- A VM creator.
    const creator = (i: number): ThreadDef<S> => {
      const name = creatorNames[i]!;
      const L: LocationDef<S>[] = [];
      const readLock = code.cpusReadLock;
      // kvm_create_vm → hardware_enable_all()
      if (variant === 'v6.5') {
        // v6.5 ("KVM: Don't enable hardware after a restart/shutdown is initiated"): tested
        // before any lock, so a reboot can start right after the test.
        L.push(
          step<S>('user.create', 'hardware_enable_all: if (system_state == SYSTEM_HALT || system_state == SYSTEM_POWER_OFF || system_state == SYSTEM_RESTART) return -EBUSY', {
            guard: (s) => !s.frozen,
            blockedOn: () => 'the freezer (tasks are frozen)',
            next: (s) => (s.restarting ? END : 'enable.rl'),
          }),
          cpusReadLock('enable.rl', 'hardware_enable_all', 'enable.lock'),
          lockOnSomeCpu('enable.lock', 'hardware_enable_all', '', (c) => `enable.c${c}.inc`, false),
        );
      } else if (readLock) {
        L.push(cpusReadLock('user.create', 'hardware_enable_all', 'enable.lock'));
        L.push(lockOnSomeCpu('enable.lock', 'hardware_enable_all', '', (c) => `enable.c${c}.inc`, false));
      } else {
        L.push(lockOnSomeCpu('user.create', 'hardware_enable_all', ', KVM_CREATE_VM', (c) => `enable.c${c}.inc`, true));
      }
      const afterOk = readLock ? 'enable.unlock_cpus' : 'user.alive';
      const afterFail = readLock ? 'fail.unlock_cpus' : END;
      for (const c of cpuIds) {
        const p = `enable.c${c}`;
        L.push(
          step<S>(`${p}.inc`, 'hardware_enable_all: kvm_usage_count++; if (kvm_usage_count == 1) atomic_set(&hardware_enable_failed, 0)', {
            run: (d) => {
              d.kvm_usage_count += 1;
              if (d.kvm_usage_count === 1) atomic_set(d.hardware_enable_failed, 0);
            },
            next: (s) => (s.kvm_usage_count === 1 ? `${p}.on` : `${p}.ok`),
          }),
          ...onEachCpuCall<S>({
            id: `${p}.on`, caller: 'hardware_enable_all', func: enableCall, sender: i, senderName: name, cpu: c, xcalls, online,
            order: code.order, next: `${p}.check`,
          }),
          step<S>(`${p}.check`, 'hardware_enable_all: if (atomic_read(&hardware_enable_failed))', {
            next: (s) => (atomic_read(s.hardware_enable_failed) !== 0 ? `${p}.fail.dec` : `${p}.ok`),
          }),
          ...disableAllNolock(`${p}.fail`, c, i, name, `${p}.ebusy`),
          unlockFrom(`${p}.ebusy`, 'hardware_enable_all: r = -EBUSY; spin_unlock(&kvm_lock); return r', 'hardware_enable_all', c, afterFail, !readLock, ['enable_all_failed'], variant === 'v6.3' || variant === 'v6.5'),
          unlockFrom(`${p}.ok`, 'hardware_enable_all: spin_unlock(&kvm_lock); return 0', 'hardware_enable_all', c, afterOk, !readLock),
        );
      }
      if (readLock) {
        L.push(cpusReadUnlock('enable.unlock_cpus', 'hardware_enable_all', 'user.alive'));
        L.push(cpusReadUnlock('fail.unlock_cpus', 'hardware_enable_all', END));
      }
      // kvm_destroy_vm → hardware_disable_all()
      if (readLock) {
        L.push(cpusReadLock('user.alive', 'hardware_disable_all', 'disable.lock'));
        L.push(lockOnSomeCpu('disable.lock', 'hardware_disable_all', '', (c) => `disable.c${c}.dec`, false));
      } else {
        L.push(lockOnSomeCpu('user.alive', 'hardware_disable_all', ', kvm_destroy_vm', (c) => `disable.c${c}.dec`, true));
      }
      for (const c of cpuIds) {
        const p = `disable.c${c}`;
        L.push(
          ...disableAllNolock(p, c, i, name, `${p}.unlock`),
          unlockFrom(`${p}.unlock`, 'hardware_disable_all: spin_unlock(&kvm_lock)', 'hardware_disable_all', c, readLock ? 'disable.unlock_cpus' : END, !readLock),
        );
      }
      if (readLock) L.push(cpusReadUnlock('disable.unlock_cpus', 'hardware_disable_all', END));
      return thread<S>(name, L);
    };

    // --- The kvm callbacks a CPU runs on itself, with interrupts off, while it dies / starts.
    const lockSteps = (p: string, fn: string, raw: boolean) => ({
      lock: (next: string) =>
        spinLock<S>(`${p}.lock`, fn, kvmLock, { next, label: `${fn}: ${raw ? 'raw_' : ''}spin_lock(&kvm_lock)` }),
      unlock: (next: string) =>
        spinUnlock<S>(`${p}.unlock`, fn, kvmLock, { next, label: `${fn}: ${raw ? 'raw_' : ''}spin_unlock(&kvm_lock)` }),
    });

    const callback = (p: string, cpu: number, dying: boolean, next: string): LocationDef<S>[] => {
      const f = dying ? disableCall : enableCall;
      const event = dying ? 'CPU_DYING' : 'CPU_STARTING';
      const where = `cpu${cpu}, ${event}, interrupts off`;
      if (code.callbacks === 'cpuhp') {
        const fn = dying ? 'kvm_dying_cpu' : 'kvm_starting_cpu';
        const l = lockSteps(p, fn, true);
        return [
          l.lock(`${p}.check`),
          step<S>(`${p}.check`, `${fn}: if (kvm_usage_count) [${where}]`, {
            next: (s) => (s.kvm_usage_count !== 0 ? `${p}.body` : `${p}.unlock`),
          }),
          body(`${p}.body`, f, cpu, where, `${p}.unlock`),
          l.unlock(next),
        ];
      }
      const lockBy = dying ? code.dyingLock : code.startingLock;
      const check = step<S>(`${p}.check`, `kvm_cpu_hotplug: if (!kvm_usage_count) return NOTIFY_OK [${where}]`, {
        next: (s) => (s.kvm_usage_count === 0 ? next : lockBy === 'none' ? `${p}.body` : `${p}.lock`),
      });
      if (lockBy === 'none') return [check, body(`${p}.body`, f, cpu, `${where}, case ${event}: ${f.name}(NULL)`, next)];
      const l = lockSteps(p, lockBy === 'caller' ? 'kvm_cpu_hotplug' : dying ? 'hardware_disable' : 'hardware_enable', false);
      return [check, l.lock(`${p}.body`), body(`${p}.body`, f, cpu, where, `${p}.unlock`), l.unlock(next)];
    };

    // --- The hotplug thread: `rounds` times offline then online of cpu X.
    const hotplug = (): ThreadDef<S> => {
      const L: LocationDef<S>[] = [];
      const begin = code.cpusReadLock ? 'cpus_write_lock()' : 'cpu_hotplug_begin()';
      const done = code.cpusReadLock ? 'cpus_write_unlock()' : 'cpu_hotplug_done()';
      const writerFree = (s: S) => !s.frozen && !s.cpu_hotplug.writer && s.cpu_hotplug.readers === 0;
      const writerBlocked = (s: S) =>
        s.frozen ? 'the freezer (tasks are frozen)' : `cpu_hotplug_lock, read-held by ${s.cpu_hotplug.readers} task(s)`;
      for (let k = 0; k < rounds; k++) {
        const r = `r${k}`;
        const last = k === rounds - 1;
        L.push(
          step<S>(`user.${r}.down`, `_cpu_down(cpu${X}): ${begin}`, {
            guard: writerFree,
            blockedOn: writerBlocked,
            run: (d) => {
              d.cpu_hotplug.writer = true;
              d.in_kernel += 1;
            },
          }),
          stopMachine
            ? step<S>(`${r}.stop`, `_cpu_down: __stop_machine(take_cpu_down, cpumask_of(cpu${X})): every online CPU stops with interrupts off`, {
                guard: (s) => cpuIds.every((c) => !s.online[c] || (s.busy[c]! < 0 && !s.irqs_off[c])),
                blockedOn: (s, env) =>
                  `every online CPU to be preemptible (${cpuIds.filter((c) => s.online[c] && s.busy[c]! >= 0).map((c) => `cpu${c}: ${env.threadNames[s.busy[c]!]}`).join(', ')})`,
                run: (d, env) => {
                  d.stopped = true;
                  d.busy[X] = env.self;
                  d.irqs_off[X] = true;
                },
              })
            : step<S>(`${r}.stop`, `take_cpu_down: runs on cpu${X} with interrupts off (no stop_machine: the other CPUs run on)`, {
                guard: (s) => s.busy[X]! < 0 && !s.irqs_off[X],
                blockedOn: (s, env) => `cpu${X} to be preemptible (${env.threadNames[s.busy[X]!] ?? '?'} runs there)`,
                run: (d, env) => {
                  d.busy[X] = env.self;
                  d.irqs_off[X] = true;
                },
              }),
          step<S>(`${r}.disable`, `take_cpu_down: __cpu_disable(): set_cpu_online(cpu${X}, false)`, {
            run: (d) => {
              d.online[X] = false;
            },
          }),
          ...callback(`${r}.dying`, X, true, `${r}.dead`),
          step<S>(`${r}.dead`, `_cpu_down: ${stopMachine ? 'stop_machine returns; ' : ''}CPU_DEAD; ${done}`, {
            run: (d) => {
              d.stopped = false;
              d.busy[X] = -1;
              d.dead[X] = true;
              d.cpu_hotplug.writer = false;
              d.in_kernel -= 1;
            },
          }),
          step<S>(`user.${r}.up`, `_cpu_up(cpu${X}): ${begin}; __cpu_up(): cpu${X} runs start_secondary() with interrupts off`, {
            guard: writerFree,
            blockedOn: writerBlocked,
            run: (d, env) => {
              d.cpu_hotplug.writer = true;
              d.in_kernel += 1;
              d.dead[X] = false;
              d.busy[X] = env.self;
            },
          }),
          ...callback(`${r}.starting`, X, false, `${r}.online`),
          step<S>(`${r}.online`, `start_secondary: set_cpu_online(cpu${X}, true)`, {
            run: (d) => {
              d.online[X] = true;
            },
          }),
          step<S>(`${r}.irqon`, `start_secondary: local_irq_enable(); _cpu_up: CPU_ONLINE; ${done}`, {
            run: (d) => {
              d.irqs_off[X] = false;
              d.busy[X] = -1;
              d.cpu_hotplug.writer = false;
              d.in_kernel -= 1;
            },
            next: last ? END : `user.r${k + 1}.down`,
          }),
        );
      }
      return thread<S>(hotplugName, L);
    };

    /**
     * The reboot's on_each_cpu(hardware_disable_nolock): kvm_reboot() (a reboot notifier, up to
     * v6.4) or kvm_shutdown() (a syscore shutdown op, v6.5+). `first`: the id of the step that
     * picks the CPU it runs on; the last step is `reboot.ret`.
     */
    const rebootNotifier = (fn: 'kvm_reboot' | 'kvm_shutdown', first = 'user.reboot'): LocationDef<S>[] => [
      choice<S>(
        first,
        cpuIds.map((c) => ({
          label: `${fn}: kvm_rebooting = true; on_each_cpu(): preempt_disable() [on cpu${c}]`,
          fn,
          guard: (s: S) => canRunOn(s, c),
          blockedOn: () => `a CPU to run on (cpu${c} is offline or busy)`,
          run: (d: D, env: StepEnv) => {
            d.kvm_rebooting = true;
            d.busy[c] = env.self;
          },
          next: `reboot.c${c}`,
        })),
      ),
      ...cpuIds.flatMap((c) =>
        onEachCpuCall<S>({
          id: `reboot.c${c}`, caller: fn, func: disableCall, sender: pmSender, senderName: 'pm', cpu: c, xcalls, online,
          order: code.order, next: 'reboot.ret', returnTags: ['kvm_reboot_return', `on-cpu:${c}`],
          onReturn: (d) => {
            d.busy[c] = -1;
          },
        }),
      ),
      fn === 'kvm_reboot'
        ? step<S>('reboot.ret', 'kvm_reboot: return NOTIFY_OK', { next: END })
        : step<S>('reboot.ret', 'kernel_restart: syscore_shutdown(): mutex_unlock(&syscore_ops_lock); machine_restart()', {
            run: (d) => void (d.syscore_ops_lock = -1),
            next: END,
          }),
    ];

    // --- pm: one suspend/resume cycle, then the reboot notifier.
    const pm = (): ThreadDef<S> => {
      const L: LocationDef<S>[] = [];
      const afterSuspend = reboot ? 'user.reboot' : END;
      if (suspend) {
        const nonBoot = cpuIds.filter((c) => c !== 0);
        const downId = (c: number) => (c < cpus ? `susp.down${c}` : 'susp.irqoff');
        const upId = (c: number) => (c < cpus ? `susp.up${c}` : 'susp.thaw');
        L.push(
          step<S>('user.suspend', 'enter_state: suspend_prepare(): freeze_processes()', {
            guard: (s) => s.in_kernel === 0,
            blockedOn: (s) => `${s.in_kernel} task(s) to leave the kernel`,
            run: (d) => {
              d.frozen = true;
            },
            next: downId(1),
          }),
        );
        for (const c of nonBoot) {
          const dying = callback(`susp.c${c}.dying`, c, true, `susp.dead${c}`);
          L.push(
            choice<S>(`susp.down${c}`, [
              {
                label: `disable_nonboot_cpus: _cpu_down(cpu${c}, 1); cpumask_set_cpu(cpu${c}, frozen_cpus): take_cpu_down: interrupts off; __cpu_disable(): set_cpu_online(cpu${c}, false)`,
                guard: (s) => s.online[c]!,
                run: (d, env) => {
                  d.frozen_cpus[c] = true;
                  d.busy[c] = env.self;
                  d.irqs_off[c] = true;
                  d.online[c] = false;
                },
                next: dying[0]!.id,
              },
              { label: `disable_nonboot_cpus: for_each_online_cpu(cpu): cpu${c} is not online, skipped`, guard: (s) => !s.online[c], next: downId(c + 1) },
            ]),
            ...dying,
            step<S>(`susp.dead${c}`, `disable_nonboot_cpus: _cpu_down(cpu${c}, 1): CPU_DEAD`, {
              run: (d) => {
                d.busy[c] = -1;
                d.dead[c] = true;
              },
              next: downId(c + 1),
            }),
          );
        }
        L.push(
          step<S>('susp.irqoff', 'suspend_enter: arch_suspend_disable_irqs()', {
            run: (d, env) => {
              d.irqs_off[0] = true;
              d.busy[0] = env.self;
            },
          }),
          step<S>('susp.kvm', 'sysdev_suspend → kvm_suspend: if (kvm_usage_count)', {
            next: (s) => (s.kvm_usage_count !== 0 ? 'susp.body' : 'susp.resume'),
          }),
          body('susp.body', disableCall, 0, 'cpu0, kvm_suspend, interrupts off', 'susp.resume', ['syscore']),
          step<S>('susp.resume', 'suspend_enter: the system sleeps and wakes; sysdev_resume → kvm_resume: if (kvm_usage_count)', {
            next: (s) => (s.kvm_usage_count !== 0 ? 'susp.warn' : 'susp.irqon'),
          }),
          step<S>('susp.warn', 'kvm_resume: WARN_ON(spin_is_locked(&kvm_lock))', {
            run: (d, env) => env.warnOn(spinIsLocked(d.kvm_lock), RESUME_WARN),
          }),
          body('susp.enable', enableCall, 0, 'cpu0, kvm_resume, interrupts off', 'susp.irqon', ['syscore']),
          step<S>('susp.irqon', 'suspend_enter: arch_suspend_enable_irqs()', {
            run: (d) => {
              d.irqs_off[0] = false;
              d.busy[0] = -1;
            },
            next: upId(1),
          }),
        );
        for (const c of nonBoot) {
          const starting = callback(`susp.c${c}.starting`, c, false, `susp.online${c}`);
          L.push(
            choice<S>(`susp.up${c}`, [
              {
                label: `enable_nonboot_cpus: for_each_cpu(cpu, frozen_cpus): _cpu_up(cpu${c}, 1): cpu${c} runs start_secondary() with interrupts off`,
                guard: (s) => s.frozen_cpus[c]!,
                run: (d, env) => {
                  d.frozen_cpus[c] = false;
                  d.dead[c] = false;
                  d.busy[c] = env.self;
                },
                next: starting[0]!.id,
              },
              { label: `enable_nonboot_cpus: for_each_cpu(cpu, frozen_cpus): cpu${c} is not in frozen_cpus, skipped`, guard: (s) => !s.frozen_cpus[c], next: upId(c + 1) },
            ]),
            ...starting,
            step<S>(`susp.online${c}`, `start_secondary: set_cpu_online(cpu${c}, true); local_irq_enable()`, {
              run: (d) => {
                d.online[c] = true;
                d.irqs_off[c] = false;
                d.busy[c] = -1;
              },
              next: upId(c + 1),
            }),
          );
        }
        L.push(
          step<S>('susp.thaw', 'suspend_finish: thaw_processes()', {
            run: (d) => {
              d.frozen = false;
            },
            next: afterSuspend,
          }),
        );
      }
      if (reboot) L.push(...rebootNotifier('kvm_reboot'));
      return thread<S>('pm', L);
    };

    // ======================================================================================
    // v6.3, v6.5, v6.12: the KVM callbacks in the ONLINE section. Each kernel's code as code.
    // ======================================================================================

    /** A mutex step of kvm_lock / kvm_usage_lock taken by a thread pinned to `cpu` (a CPU's hotplug thread). */
    const mutexOnCpu = (id: string, fn: string, cpu: number, next: string): LocationDef<S> =>
      step<S>(id, `${fn}: mutex_lock(&${lockName}) [cpu${cpu}'s hotplug thread]`, {
        fn,
        guard: (s) => s.kvm_lock.holder === UNLOCKED && s.busy[cpu]! < 0,
        blockedOn: (s, env) => (s.kvm_lock.holder !== UNLOCKED ? `${lockName}, held by ${holderName(s.kvm_lock, env)}` : `cpu${cpu} to be free`),
        run: (d, env) => {
          d.kvm_lock.holder = env.self;
          d.busy[cpu] = env.self;
        },
        tags: ['mutex_lock', 'might_sleep', 'lock:kvm_lock'],
        next,
      });
    const mutexOffCpu = (id: string, label: string, fn: string, cpu: number, next: string, run?: (d: D) => void): LocationDef<S> =>
      step<S>(id, label, {
        fn,
        run: (d) => {
          run?.(d);
          d.kvm_lock.holder = UNLOCKED;
          d.busy[cpu] = -1;
        },
        tags: ['mutex_unlock', 'unlock:kvm_lock'],
        next,
      });

    /** `f` run on `cpu` by that CPU's hotplug thread (thread context), only while `installed`; otherwise skipped. */
    const cpuhpCall = (id: string, f: CpuCall<S>, cpu: number, where: string, next: string, installed: (s: S) => boolean, skip: string): LocationDef<S> =>
      choice<S>(id, [
        ...cpuCallActions(f, cpu, { where, next, guard: (s) => installed(s) && s.busy[cpu]! < 0 }).map((a) => ({ ...a, blockedOn: () => `cpu${cpu} to be free` })),
        { label: `cpuhp_invoke_callback: CPUHP_AP_KVM_ONLINE is not installed on cpu${cpu} (no VM): nothing to call`, guard: (s: S) => !installed(s), next: skip },
      ]);

    /**
     * kvm_offline_cpu() on `cpu`, in its hotplug thread, while it is still online (v6.3/v6.5:
     * under kvm_lock; v6.12: __kvm_disable_virtualization() while the cpuhp state is installed).
     */
    const offlineCallback = (p: string, cpu: number, next: string): LocationDef<S>[] => {
      const where = `cpu${cpu}, kvm_offline_cpu, thread context`;
      if (variant === 'v6.12') return [cpuhpCall(`${p}.cpuhp`, disableCall, cpu, where, next, (s) => s.kvm_cpuhp, next)];
      return [
        mutexOnCpu(`${p}.lock`, 'kvm_offline_cpu', cpu, `${p}.check`),
        step<S>(`${p}.check`, `kvm_offline_cpu: if (kvm_usage_count) [cpu${cpu}]`, { next: (s) => (s.kvm_usage_count !== 0 ? `${p}.body` : `${p}.unlock`) }),
        body(`${p}.body`, disableCall, cpu, where, `${p}.unlock`),
        mutexOffCpu(`${p}.unlock`, `kvm_offline_cpu: mutex_unlock(&kvm_lock); return 0`, 'kvm_offline_cpu', cpu, next),
      ];
    };

    /**
     * kvm_online_cpu() on `cpu`, in its hotplug thread, after set_cpu_online() with interrupts on.
     * A failed enable fails the hotplug (-EIO): control goes to `fail` (the rollback). Its
     * return value is carried in the model's hardware_enable_failed, cleared where it is used
     * (v6.3 returns it: "KVM: Make hardware_enable_failed a local variable").
     */
    const onlineCallback = (p: string, cpu: number, next: string, fail: string): LocationDef<S>[] => {
      const ret = step<S>(`${p}.ret`, variant === 'v6.12' ? `kvm_online_cpu: return __kvm_enable_virtualization() [cpu${cpu}]` : `kvm_online_cpu: if (ret) [cpu${cpu}]`, {
        next: (s) => (atomic_read(s.hardware_enable_failed) !== 0 ? `${p}.eio` : variant === 'v6.12' ? next : `${p}.unlock`),
      });
      if (variant === 'v6.12')
        return [
          cpuhpCall(`${p}.cpuhp`, enableCall, cpu, `cpu${cpu}, kvm_online_cpu, thread context`, `${p}.ret`, (s) => s.kvm_cpuhp, next),
          ret,
          step<S>(`${p}.eio`, `kvm_online_cpu: -EIO: abort onlining cpu${cpu}`, { run: (d) => atomic_set(d.hardware_enable_failed, 0), next: fail }),
        ];
      return [
        mutexOnCpu(`${p}.lock`, 'kvm_online_cpu', cpu, `${p}.check`),
        step<S>(`${p}.check`, `kvm_online_cpu: if (kvm_usage_count) [cpu${cpu}]`, {
          next: (s) => (s.kvm_usage_count === 0 ? `${p}.unlock` : `${p}.body`),
        }),
        body(`${p}.body`, enableCall, cpu, `cpu${cpu}, kvm_online_cpu: local_irq_save(); ret = __hardware_enable_nolock()`, `${p}.ret`),
        ret,
        mutexOffCpu(`${p}.eio`, 'kvm_online_cpu: local_irq_restore(); ret = -EIO; mutex_unlock(&kvm_lock); return ret', 'kvm_online_cpu', cpu, fail, (d) =>
          atomic_set(d.hardware_enable_failed, 0),
        ),
        mutexOffCpu(`${p}.unlock`, 'kvm_online_cpu: mutex_unlock(&kvm_lock); return 0', 'kvm_online_cpu', cpu, next),
      ];
    };

    /** take_cpu_down() under __stop_machine() (or, hypothetically, without it) for `cpu`. */
    const stopFor = (id: string, cpu: number, label: string, run: (d: D, env: StepEnv) => void, next: string): LocationDef<S> =>
      step<S>(id, label, {
        guard: stopMachine ? (s) => cpuIds.every((c) => !s.online[c] || (s.busy[c]! < 0 && !s.irqs_off[c])) : (s) => s.busy[cpu]! < 0,
        blockedOn: (s, env) =>
          `every online CPU to be preemptible (${cpuIds.filter((c) => s.online[c] && s.busy[c]! >= 0).map((c) => `cpu${c}: ${env.threadNames[s.busy[c]!]}`).join(', ')})`,
        run,
        next,
      });

    // --- The hotplug thread, v6.3+: the KVM callbacks run in the ONLINE section.
    const hotplugOnline = (): ThreadDef<S> => {
      const L: LocationDef<S>[] = [];
      const writerFree = (s: S) => !s.frozen && !s.cpu_hotplug.writer && s.cpu_hotplug.readers === 0 && !s.hotplug_disabled;
      const writerBlocked = (s: S) =>
        s.frozen ? 'the freezer (tasks are frozen)' : `cpu_hotplug_lock, read-held by ${s.cpu_hotplug.readers} task(s)`;
      const disabled = (s: S) => s.hotplug_disabled && !s.frozen;
      for (let k = 0; k < rounds; k++) {
        const r = `r${k}`;
        const after = k === rounds - 1 ? END : `user.r${k + 1}.down`;
        L.push(
          choice<S>(`user.${r}.down`, [
            {
              label: `_cpu_down(cpu${X}): cpus_write_lock(); cpuhp_kick_ap_work(): cpu${X}'s hotplug thread runs the teardown of the ONLINE section`,
              guard: (s: S) => writerFree(s) && s.online[X]!,
              blockedOn: writerBlocked,
              run: (d: D) => {
                d.cpu_hotplug.writer = true;
                d.in_kernel += 1;
              },
              next: offlineCallback(`${r}.off`, X, `${r}.stop`)[0]!.id,
            },
            { label: `cpu_down(cpu${X}): cpu_hotplug_disabled: return -EBUSY`, guard: disabled, blockedOn: writerBlocked, next: after },
            // A failed onlining (kvm_online_cpu's -EIO, in this thread or in the resume) left it offline.
            { label: `cpu_down(cpu${X}): cpu${X} is already offline: return 0`, guard: (s: S) => !s.online[X] && !s.frozen, next: `user.${r}.up` },
          ]),
          ...offlineCallback(`${r}.off`, X, `${r}.stop`),
          stopFor(`${r}.stop`, X, `_cpu_down: __stop_machine(take_cpu_down, cpumask_of(cpu${X})): take_cpu_down: __cpu_disable(): set_cpu_online(cpu${X}, false)`, (d) => {
            d.online[X] = false;
            d.irqs_off[X] = true;
          }, `${r}.dead`),
          step<S>(`${r}.dead`, `_cpu_down: stop_machine returns; cpuhp_bp_sync_dead(); CPU_DEAD; cpus_write_unlock()`, {
            run: (d) => {
              d.dead[X] = true;
              d.cpu_hotplug.writer = false;
              d.in_kernel -= 1;
            },
          }),
          choice<S>(`user.${r}.up`, [
            {
              label: `_cpu_up(cpu${X}): cpus_write_lock(); __cpu_up(): cpu${X} runs start_secondary() with interrupts off`,
              guard: writerFree,
              blockedOn: writerBlocked,
              run: (d: D, env: StepEnv) => {
                d.cpu_hotplug.writer = true;
                d.in_kernel += 1;
                d.dead[X] = false;
                d.busy[X] = env.self;
              },
              next: `${r}.online`,
            },
            { label: `cpu_up(cpu${X}): cpu_hotplug_disabled: return -EBUSY`, guard: disabled, blockedOn: writerBlocked, next: after },
          ]),
          step<S>(`${r}.online`, `start_secondary: set_cpu_online(cpu${X}, true)`, { run: (d) => void (d.online[X] = true) }),
          step<S>(`${r}.irqon`, `start_secondary: local_irq_enable(); cpu_startup_entry(): cpu${X}'s hotplug thread runs the ONLINE section`, {
            run: (d) => {
              d.irqs_off[X] = false;
              d.busy[X] = -1;
            },
          }),
          ...onlineCallback(`${r}.on`, X, `${r}.done`, `${r}.rollback`),
          stopFor(`${r}.rollback`, X, `_cpu_up: cpuhp rollback to CPUHP_OFFLINE: __stop_machine(take_cpu_down): set_cpu_online(cpu${X}, false); CPU_DEAD; cpus_write_unlock(); return -EIO`, (d) => {
            d.online[X] = false;
            d.irqs_off[X] = true;
            d.dead[X] = true;
            d.cpu_hotplug.writer = false;
            d.in_kernel -= 1;
          }, after),
          step<S>(`${r}.done`, `_cpu_up: cpus_write_unlock(); return 0`, {
            run: (d) => {
              d.cpu_hotplug.writer = false;
              d.in_kernel -= 1;
            },
            next: after,
          }),
        );
      }
      return thread<S>(hotplugName, L);
    };

    // --- v6.12's VM creator: kvm_enable_virtualization() / kvm_disable_virtualization().
    const creator612 = (i: number): ThreadDef<S> => {
      const name = creatorNames[i]!;
      const L: LocationDef<S>[] = [];
      const K = (k: number, p: string) => (k < cpus ? `${p}${k}` : '');
      /** cpuhp_setup_state()/cpuhp_remove_state(): `f` on each online CPU in turn, by that CPU's hotplug thread. */
      const eachOnline = (p: string, f: CpuCall<S>, fn: string, done: string, failAt?: (k: number) => string): LocationDef<S>[] =>
        cpuIds.map((k) =>
          choice<S>(`${p}${k}`, [
            ...cpuCallActions(f, k, {
              where: `cpu${k}, ${fn} from ${name}'s ${p.startsWith('en.up') ? 'cpuhp_setup_state()' : 'cpuhp_remove_state()'}`,
              guard: (s) => s.online[k]! && s.busy[k]! < 0,
              next: k + 1 < cpus ? K(k + 1, p) : done,
            }).map((a) => ({
              ...a,
              blockedOn: () => `cpu${k} to be free`,
              ...(failAt && a.label.includes('fails') ? { next: failAt(k) } : {}),
            })),
            { label: `${fn}: cpu${k} is not online, skipped`, guard: (s: S) => !s.online[k], next: k + 1 < cpus ? K(k + 1, p) : done },
          ]),
        );
      const readLock = (id: string, fn: string, next: string) =>
        step<S>(id, `${fn}: cpus_read_lock()`, {
          guard: (s) => !s.cpu_hotplug.writer,
          blockedOn: () => 'cpu_hotplug_lock, write-held by the hotplug operation',
          run: (d) => void (d.cpu_hotplug.readers += 1),
          tags: ['cpus_read_lock', 'might_sleep'],
          next,
        });
      const readUnlock = (id: string, fn: string, run: (d: D) => void, next: string) =>
        step<S>(id, `${fn}: cpus_read_unlock()`, {
          run: (d) => {
            d.cpu_hotplug.readers -= 1;
            run(d);
          },
          tags: ['cpus_read_unlock'],
          next,
        });
      const syscoreOp = (id: string, label: string, registered: boolean, next: string) =>
        step<S>(id, label, {
          guard: (s) => s.syscore_ops_lock < 0,
          blockedOn: (_s) => 'syscore_ops_lock, held by syscore_shutdown()',
          run: (d) => void (d.kvm_syscore = registered),
          next,
        });
      L.push(
        step<S>('user.create', 'kvm_enable_virtualization: guard(mutex)(&kvm_usage_lock) [KVM_CREATE_VM]', {
          guard: (s) => s.kvm_lock.holder === UNLOCKED && !s.frozen,
          blockedOn: (s, env) => (s.frozen ? 'the freezer (tasks are frozen)' : `kvm_usage_lock, held by ${holderName(s.kvm_lock, env)}`),
          run: (d, env) => {
            d.kvm_lock.holder = env.self;
            d.in_kernel += 1;
          },
          tags: ['mutex_lock', 'might_sleep', 'lock:kvm_lock'],
        }),
        step<S>('en.count', 'kvm_enable_virtualization: if (kvm_usage_count++) return 0', {
          run: (d) => void (d.kvm_usage_count += 1),
          next: (s) => (s.kvm_usage_count > 1 ? 'en.ok' : 'en.rl'),
        }),
        readLock('en.rl', 'cpuhp_setup_state(CPUHP_AP_KVM_ONLINE, kvm_online_cpu, kvm_offline_cpu)', 'en.up0'),
        ...eachOnline('en.up', enableCall, 'kvm_online_cpu', 'en.installed', (k) => `en.undo${k}`),
        ...cpuIds.map((k) =>
          step<S>(`en.undo${k}`, `cpuhp_setup_state: kvm_online_cpu failed on cpu${k}: cpuhp_rollback_install(): kvm_offline_cpu on the CPUs before it`, {
            run: (d) => {
              atomic_set(d.hardware_enable_failed, 0);
              for (let j = 0; j < k; j++)
                if (d.online[j]) {
                  d.cpus_hardware_enabled[j] = false;
                  d.hw_enabled[j] = false;
                }
            },
            next: 'en.setup_failed',
          }),
        ),
        readUnlock('en.setup_failed', 'cpuhp_setup_state', () => {}, 'en.dec'),
        readUnlock('en.installed', 'cpuhp_setup_state', (d) => void (d.kvm_cpuhp = true), 'en.reg'),
        syscoreOp('en.reg', 'kvm_enable_virtualization: register_syscore_ops(&kvm_syscore_ops)', true, 'en.recheck'),
        step<S>('en.recheck', 'kvm_enable_virtualization: if (system_state == SYSTEM_HALT || system_state == SYSTEM_POWER_OFF || system_state == SYSTEM_RESTART)', {
          next: (s) => (s.restarting ? 'en.unreg' : 'en.ok'),
        }),
        syscoreOp('en.unreg', 'kvm_enable_virtualization: err_rebooting: unregister_syscore_ops(&kvm_syscore_ops)', false, 'en.rm'),
        readLock('en.rm', 'cpuhp_remove_state(CPUHP_AP_KVM_ONLINE)', 'en.down0'),
        ...eachOnline('en.down', disableCall, 'kvm_offline_cpu', 'en.removed'),
        readUnlock('en.removed', 'cpuhp_remove_state', (d) => void (d.kvm_cpuhp = false), 'en.dec'),
        step<S>('en.dec', 'kvm_enable_virtualization: err_cpuhp: --kvm_usage_count', { run: (d) => void (d.kvm_usage_count -= 1) }),
        step<S>('en.ret', 'kvm_enable_virtualization: return r (-EBUSY); guard(mutex) releases kvm_usage_lock', {
          run: (d) => {
            d.kvm_lock.holder = UNLOCKED;
            d.in_kernel -= 1;
          },
          tags: ['mutex_unlock', 'unlock:kvm_lock', 'enable_all_failed'],
          next: END,
        }),
        step<S>('en.ok', 'kvm_enable_virtualization: return 0; guard(mutex) releases kvm_usage_lock', {
          run: (d) => {
            d.kvm_lock.holder = UNLOCKED;
            d.in_kernel -= 1;
          },
          tags: ['mutex_unlock', 'unlock:kvm_lock'],
          next: 'user.alive',
        }),
        step<S>('user.alive', 'kvm_disable_virtualization: guard(mutex)(&kvm_usage_lock) [kvm_destroy_vm]', {
          guard: (s) => s.kvm_lock.holder === UNLOCKED && !s.frozen,
          blockedOn: (s, env) => (s.frozen ? 'the freezer (tasks are frozen)' : `kvm_usage_lock, held by ${holderName(s.kvm_lock, env)}`),
          run: (d, env) => {
            d.kvm_lock.holder = env.self;
            d.in_kernel += 1;
          },
          tags: ['mutex_lock', 'might_sleep', 'lock:kvm_lock'],
        }),
        step<S>('dis.dec', 'kvm_disable_virtualization: if (--kvm_usage_count) return', {
          run: (d) => void (d.kvm_usage_count -= 1),
          next: (s) => (s.kvm_usage_count > 0 ? 'dis.ret' : 'dis.unreg'),
        }),
        syscoreOp('dis.unreg', 'kvm_disable_virtualization: unregister_syscore_ops(&kvm_syscore_ops)', false, 'dis.rm'),
        readLock('dis.rm', 'cpuhp_remove_state(CPUHP_AP_KVM_ONLINE)', 'dis.down0'),
        ...eachOnline('dis.down', disableCall, 'kvm_offline_cpu', 'dis.removed'),
        readUnlock('dis.removed', 'cpuhp_remove_state', (d) => void (d.kvm_cpuhp = false), 'dis.ret'),
        step<S>('dis.ret', 'kvm_disable_virtualization: return; guard(mutex) releases kvm_usage_lock', {
          run: (d) => {
            d.kvm_lock.holder = UNLOCKED;
            d.in_kernel -= 1;
          },
          tags: ['mutex_unlock', 'unlock:kvm_lock'],
          next: END,
        }),
      );
      return thread<S>(name, L);
    };

    // --- pm, v6.3+: suspend through the same ONLINE-section callbacks, then the reboot.
    const pmOnline = (): ThreadDef<S> => {
      const L: LocationDef<S>[] = [];
      const afterSuspend = reboot ? 'user.reboot' : END;
      const disableName = disableCall.name;
      if (suspend) {
        const nonBoot = cpuIds.filter((c) => c !== 0);
        const downId = (c: number) => (c < cpus ? `susp.down${c}` : 'susp.irqoff');
        const upId = (c: number) => (c < cpus ? `susp.up${c}` : 'susp.thaw');
        L.push(
          step<S>('user.suspend', 'enter_state: suspend_prepare(): freeze_processes()', {
            guard: (s) => s.in_kernel === 0,
            blockedOn: (s) => `${s.in_kernel} task(s) to leave the kernel`,
            run: (d) => void (d.frozen = true),
            next: downId(1),
          }),
        );
        for (const c of nonBoot) {
          const off = offlineCallback(`susp.c${c}.off`, c, `susp.take${c}`);
          L.push(
            choice<S>(`susp.down${c}`, [
              {
                label: `freeze_secondary_cpus: _cpu_down(cpu${c}, 1, CPUHP_OFFLINE); cpumask_set_cpu(cpu${c}, frozen_cpus)`,
                guard: (s) => s.online[c]!,
                run: (d) => void (d.frozen_cpus[c] = true),
                next: off[0]!.id,
              },
              { label: `freeze_secondary_cpus: for_each_online_cpu(cpu): cpu${c} is not online, skipped`, guard: (s) => !s.online[c], next: downId(c + 1) },
            ]),
            ...off,
            step<S>(`susp.take${c}`, `take_cpu_down: __cpu_disable(): set_cpu_online(cpu${c}, false); CPU_DEAD`, {
              run: (d) => {
                d.online[c] = false;
                d.irqs_off[c] = true;
                d.dead[c] = true;
              },
              next: downId(c + 1),
            }),
          );
        }
        const assertNotHeld = `lockdep_assert_not_held(&${lockName})`;
        L.push(
          step<S>('susp.irqoff', 'suspend_enter: arch_suspend_disable_irqs()', {
            run: (d, env) => {
              d.irqs_off[0] = true;
              d.busy[0] = env.self;
            },
          }),
          step<S>('susp.kvm', `syscore_suspend → kvm_suspend: ${assertNotHeld}; if (kvm_usage_count)`, {
            next: (s) => (s.kvm_usage_count !== 0 ? 'susp.body' : 'susp.resume'),
          }),
          body('susp.body', disableCall, 0, `cpu0, kvm_suspend: ${disableName}(NULL), interrupts off`, 'susp.resume', ['syscore']),
          step<S>('susp.resume', 'suspend_enter: the system sleeps and wakes; syscore_resume → kvm_resume: if (kvm_usage_count)', {
            next: (s) => (s.kvm_usage_count !== 0 ? 'susp.warn' : 'susp.irqon'),
          }),
          step<S>('susp.warn', `kvm_resume: ${assertNotHeld}`, { run: (d, env) => env.warnOn(spinIsLocked(d.kvm_lock), RESUME_WARN) }),
          body('susp.enable', enableCall, 0, 'cpu0, kvm_resume: WARN_ON_ONCE(__hardware_enable_nolock())', 'susp.ret', ['syscore']),
          // The failure is a return value (WARNed about, then dropped), not a global counter: the
          // model's counter, which carries it, is cleared.
          step<S>('susp.ret', 'kvm_resume: return (a failed enable only WARNs)', { run: (d) => atomic_set(d.hardware_enable_failed, 0) }),
          step<S>('susp.irqon', 'suspend_enter: arch_suspend_enable_irqs()', {
            run: (d) => {
              d.irqs_off[0] = false;
              d.busy[0] = -1;
            },
            next: upId(1),
          }),
        );
        for (const c of nonBoot) {
          const on = onlineCallback(`susp.c${c}.on`, c, upId(c + 1), `susp.rollback${c}`);
          L.push(
            choice<S>(`susp.up${c}`, [
              {
                label: `thaw_secondary_cpus: for_each_cpu(cpu, frozen_cpus): _cpu_up(cpu${c}, 1, CPUHP_ONLINE): start_secondary(): set_cpu_online(cpu${c}, true); local_irq_enable()`,
                guard: (s) => s.frozen_cpus[c]!,
                run: (d) => {
                  d.frozen_cpus[c] = false;
                  d.dead[c] = false;
                  d.online[c] = true;
                  d.irqs_off[c] = false;
                },
                next: on[0]!.id,
              },
              { label: `thaw_secondary_cpus: cpu${c} is not in frozen_cpus, skipped`, guard: (s) => !s.frozen_cpus[c], next: upId(c + 1) },
            ]),
            ...on,
            step<S>(`susp.rollback${c}`, `_cpu_up(cpu${c}): cpuhp rollback to CPUHP_OFFLINE: set_cpu_online(cpu${c}, false); CPU_DEAD`, {
              run: (d) => {
                d.online[c] = false;
                d.irqs_off[c] = true;
                d.dead[c] = true;
              },
              next: upId(c + 1),
            }),
          );
        }
        L.push(step<S>('susp.thaw', 'suspend_finish: thaw_processes()', { run: (d) => void (d.frozen = false), next: afterSuspend }));
      }
      if (reboot && variant === 'v6.3') L.push(...rebootNotifier('kvm_reboot'));
      else if (reboot) {
        L.push(
          step<S>('user.reboot', 'kernel_restart(): kernel_restart_prepare(): system_state = SYSTEM_RESTART; device_shutdown()', {
            run: (d) => void (d.restarting = true),
          }),
          step<S>('reboot.hpdis', 'kernel_restart: migrate_to_reboot_cpu(): cpu_hotplug_disable()', {
            guard: (s) => !s.cpu_hotplug.writer,
            blockedOn: () => 'cpu_add_remove_lock, held by the hotplug operation in progress',
            run: (d) => void (d.hotplug_disabled = true),
          }),
          step<S>('reboot.syscore', `kernel_restart: syscore_shutdown(): mutex_lock(&syscore_ops_lock); ${variant === 'v6.12' ? 'kvm_syscore_ops registered?' : 'kvm_syscore_ops (registered at kvm_init())'}`, {
            guard: (s) => s.syscore_ops_lock < 0,
            blockedOn: () => 'syscore_ops_lock',
            run: (d, env) => void (d.syscore_ops_lock = env.self),
            next: (s) => (variant === 'v6.12' && !s.kvm_syscore ? 'reboot.ret' : 'reboot.cpu'),
          }),
          ...rebootNotifier('kvm_shutdown', 'reboot.cpu'),
        );
      }
      return thread<S>('pm', L);
    };

    const threads: ThreadDef<S>[] = creatorNames.map((_, i) => (variant === 'v6.12' ? creator612(i) : creator(i)));
    if (rounds > 0) threads.push(online63 ? hotplugOnline() : hotplug());
    if (hasPm) threads.push(online63 ? pmOnline() : pm());
    if (senderNames.length > 0)
      for (const c of cpuIds)
        threads.push(
          ipiCallThread<S>({
            name: `cpu${c}/ipi`, cpu: c, funcs: [enableCall, disableCall], xcalls, senders: senderNames,
            canTakeIpi: (s) => s.online[c]! && !s.irqs_off[c] && !s.stopped,
          }),
        );

    // stop_machine: while the hotplug thread is inside it, no other thread takes a step.
    const stoppable = threads.map((t) =>
      t.name === hotplugName
        ? t
        : {
            ...t,
            program: t.program.map((loc) => ({
              ...loc,
              actions: loc.actions.map((a) => {
                const g = a.guard;
                return { ...a, guard: g ? (s: S, env: StepEnv) => !s.stopped && g(s, env) : (s: S) => !s.stopped };
              }),
            })),
          },
    );

    const init: S = {
      kvm_lock: spinlock(),
      kvm_usage_count: 0,
      hardware_enable_failed: atomic(0),
      kvm_rebooting: false,
      cpus_hardware_enabled: cpumask(cpus),
      hw_enabled: cpumask(cpus),
      online: cpumask(cpus, () => true),
      dead: cpumask(cpus),
      irqs_off: cpumask(cpus),
      busy: cpuIds.map(() => -1),
      xcalls: crossCalls(senderNames.length, cpus),
      cpu_hotplug: { readers: 0, writer: false },
      stopped: false,
      frozen: false,
      frozen_cpus: cpumask(cpus),
      in_kernel: 0,
      restarting: false,
      hotplug_disabled: false,
      kvm_cpuhp: false,
      kvm_syscore: false,
      syscore_ops_lock: -1,
    };
    // Symmetry (declaration only; the engine keeps one state per orbit, kmc check --no-symmetry
    // turns it off). The VM creators are interchangeable: same program, sender row i of
    // xcalls.pending is creator i's, and thread indices in kvm_lock.holder and busy[] name them.
    // The CPUs other than the hotplugged one are interchangeable too, unless the suspend cycle
    // runs: disable_nonboot_cpus() takes the CPUs down in a fixed order, and the boot CPU alone
    // runs kvm_suspend(). A creator's or the reboot's location names the CPU it runs on
    // (`enable.c1.inc`), so the permutation renames those ids.
    const symmetry: SymmetryDef[] = [];
    if (nCreators >= 2)
      symmetry.push({
        name: 'creators',
        members: creatorNames.map((_, i) => i),
        threads: (i) => [creatorNames[i]!],
        indexed: ['xcalls.pending'],
        threadValues: ['kvm_lock.holder', 'busy'],
      });
    // v6.12's cpuhp_setup_state()/cpuhp_remove_state() visit the CPUs in order: no CPU symmetry.
    if (!suspend && X >= 2 && variant !== 'v6.12') {
      const members = cpuIds.filter((c) => c !== X);
      symmetry.push({
        name: `CPUs ${members.join(', ')}`,
        members,
        threads: (c) => (senderNames.length > 0 ? [`cpu${c}/ipi`] : []),
        indexed: ['cpus_hardware_enabled', 'hw_enabled', 'online', 'dead', 'irqs_off', 'busy', 'frozen_cpus', 'xcalls.pending[*]'],
        threadValues: ['kvm_lock.holder', 'busy'],
        locations: (_thread, id, rename) => id.replace(/(^|\.)c(\d+)(?=\.|$)/g, (_m, pre: string, c: string) => `${pre}c${rename(Number(c))}`),
      });
    }
    return { init, threads: stoppable, symmetry };
  },
});
