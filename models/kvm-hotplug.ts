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
//             kvm_online_cpu() = kvm_enable_virtualization_cpu() on every online CPU, under
//             cpus_read_lock()), then register_syscore_ops(), then rechecks system_state and,
//             if the system is going down, unregisters and removes it all (-EBUSY); the last user
//             removes it (kvm_offline_cpu() on every online CPU). kvm_shutdown() runs only if
//             the ops are registered when syscore_shutdown() walks them (syscore_ops_lock).
//   Sources: virt/kvm/kvm_main.c of each kernel (read through the kernel's git history; the
//   v6.12 names are those of Sean Christopherson's series "KVM: Register cpuhp/syscore callbacks
//   when enabling virtualization" as merged for 6.12 (kvm_enable/disable_virtualization_cpu(), the
//   per-CPU bool virtualization_enabled, kvm_arch_enable/disable_virtualization_cpu()), read in its
//   posted patches, not in a v6.12 tree; its kvm_arch_enable_virtualization() hook, which on x86
//   registers the emergency-reboot disable callback, has no effect on what is modelled and is
//   left out, as is the emergency path itself). The v6.3 ONLINE callbacks are the pre-image of
//   that series (v6.11): mutex_lock(&kvm_lock); if (kvm_usage_count) ret =
//   __hardware_enable_nolock(); mutex_unlock(&kvm_lock); return ret;
// The lock is called kvm_lock in every variant (from about v3.13 to v6.2 the lock that guards
// kvm_usage_count was the raw spinlock kvm_count_lock).
//
// Threads (one program per thread kind, each thread's task context and loop variables its locals):
//   creatorN      (kind creator) a VM creator: KVM_CREATE_VM → hardware_enable_all(), the VM
//                 lives (user space), close → kvm_destroy_vm() → hardware_disable_all(). A failed
//                 enable ends it. Locals: its task context (the CPU it is pinned to) and, in
//                 v6.12, the loop variable `cpu` of cpuhp_setup_state()/cpuhp_remove_state().
//   cpuX/hotplug  (kind hotplug) the hotplug of the last CPU X, `rounds` times offline then
//                 online (the local `round`). Its CPU_DYING steps run ON cpu X with interrupts
//                 off, after X left cpu_online_mask; its CPU_STARTING steps run on X with
//                 interrupts off before X is online.
//   pm            (kind pm; if suspend or reboot) one suspend/resume cycle (the local `cpu` is
//                 the loop over the non-boot CPUs), then the reboot.
//   cpuN/ipi      (kind ipi, the local `cpu` = N) cpu N's IPI handler: runs a queued call when N
//                 is online, has interrupts on and is not stopped; one step per call (it runs
//                 with interrupts off).
//
// How the code reads. Each kernel's code is its own fragment (byVariant), written statement by
// statement with the C quoted above it: the per-CPU bodies, hardware_enable_all/disable_all (or
// kvm_enable/disable_virtualization), the CPU_STARTING/CPU_DYING callbacks (or the ONLINE-section
// kvm_online_cpu/kvm_offline_cpu), the hotplug operation of kernel/cpu.c, the suspend path and
// the reboot (kvm_reboot, or kernel_restart's syscore kvm_shutdown). Variants with the same code
// share a fragment. `kmc list kvm-hotplug --code --variant V` prints one kernel; two kernels'
// listings differ exactly in their fragments (tests/models/kvm-hotplug.test.ts pins
// v2.6.37 -> patch-1 and v6.3 -> v6.5). A label is the C statement; where it runs and on whose
// behalf is its note (`code [note]` in traces).
//
// CPUs. The execution context is src/kernel/context.ts (state `ctx`, each task's `task` local):
// cpu_online_mask, which thread runs non-preemptibly on which CPU (`ctx.owner`), interrupts off,
// stop_machine's stopper and the tasks inside a system call. A task's code is preemptible except
// between spin_lock and spin_unlock and inside on_each_cpu (preempt_disable). A preemptible task
// may run on any CPU, so the model picks the CPU when the task becomes non-preemptible
// (onSomeCpu: the spin_lock step, or on_each_cpu's preempt_disable in kvm_reboot): one action per
// online CPU that no other thread occupies non-preemptibly. The pick matters: it is where
// on_each_cpu calls func locally and which CPU it does not IPI, and an occupied CPU cannot be
// stopped or taken down. The freezer and stop_machine are gates (System.gates): a frozen task
// takes no step, and while stop_machine runs only its caller does.
//
// stopMachine. With stopMachine=true (every real kernel) take_cpu_down() runs under
// __stop_machine(): the step that enters it is enabled only when no other online CPU runs a
// thread non-preemptibly (holds a spinlock, is inside on_each_cpu, has interrupts off)
// (stopMachineMayStart) -- the stopper threads can only run there then -- and until the
// CPU_DYING callbacks return, no other thread takes a step (stopMachineGate: every
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
// - The syscall entry is merged into the first kernel step (spin_lock, or cpus_read_lock; in
//   v6.5 the system_state test, which comes before them) and the exit into the last
//   (spin_unlock / cpus_read_unlock): the code between is preemptible and touches nothing
//   shared, so a task entering a little later is an interleaving we have. (Until the rewrite on
//   the model API v6.5's entry was merged into cpus_read_lock, after the system_state test, so
//   freeze_processes() could complete with a creator between the two, inside its ioctl, which no
//   kernel allows: the fix removed those states, v6.5's counts fell from 47403 to 47006 at the
//   defaults and from 20323 to 20042 with enableCanFail=false; every verdict and length stayed.)
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

import {
  byVariant, choice, declareStraight, defineModel, END, func, intParam, boolParam, spawn, step, threadKind, withNote,
  type ActionDef, type Draft, type LocationDef, type Next, type StepEnv, type SymmetryDef, type System, type ThreadDef,
} from '../src/model/index.js';
import {
  atomic, atomic_inc, atomic_read, atomic_set, cpumask, crossCalls, lockRef, spinlock, mutex, spinLock, spinUnlock, mutexLock, mutexUnlock,
  spinIsLocked, UNLOCKED, cpuContext, taskContext, contextRef, onSomeCpu, canRunOn, preempt_disable, preempt_enable, local_irq_disable,
  local_irq_enable, syscall_enter, syscall_exit, stop_machine_begin, stop_machine_end, stopMachineMayStart, othersNonPreemptible,
  tasksInKernel, start_secondary, set_cpu_online, stopMachineGate, freezerGate, contextSymmetry, cpuCallActions, onEachCpuCall, ipiHandler,
  type Atomic, type CpuCall, type CpuContext, type CpuOf, type CrossCalls, type LockRef, type Mutex, type Spinlock, type TaskContext,
} from '../src/kernel/index.js';

export type KvmHotplugState = {
  /** The execution context (src/kernel/context.ts): cpu_online_mask, who runs non-preemptibly where, interrupts off, stop_machine, tasks in the kernel. */
  ctx: CpuContext;
  /** kvm_lock (a spinlock up to v6.2, a mutex from v6.3; v6.12 calls it kvm_usage_lock). */
  kvm_lock: Spinlock;
  kvm_usage_count: number;
  /** hardware_enable_failed (up to v6.2); from v6.3 it carries the local `failed` / return value (see the header). */
  hardware_enable_failed: Atomic;
  kvm_rebooting: boolean;
  /** The cpus_hardware_enabled cpumask (v6.3+: the per-CPU bool hardware_enabled / virtualization_enabled). */
  cpus_hardware_enabled: boolean[];
  /** Per-CPU hardware state: virtualization on (VMXON done / EFER.SVME set). */
  hw_enabled: boolean[];
  /** CPU_DYING has run and the CPU has not started booting again. */
  dead: boolean[];
  xcalls: CrossCalls;
  /** cpu_hotplug_lock: cpus_read_lock() readers, and the hotplug operation (writer). */
  cpu_hotplug: { readers: number; writer: boolean };
  /** freeze_processes() done, thaw_processes() not yet. */
  frozen: boolean;
  /** CPUs taken down by disable_nonboot_cpus(), to bring back. */
  frozen_cpus: boolean[];
  /** system_state == SYSTEM_RESTART (kernel_restart_prepare() ran; v6.5+). */
  restarting: boolean;
  /** cpu_hotplug_disable() ran (migrate_to_reboot_cpu(); v6.5+): _cpu_up/_cpu_down return -EBUSY. */
  hotplug_disabled: boolean;
  /** v6.12: CPUHP_AP_KVM_ONLINE is installed (cpuhp_setup_state() done, not removed). */
  kvm_cpuhp: boolean;
  /** v6.12: kvm_syscore_ops is registered (so syscore_shutdown() calls kvm_shutdown()). */
  kvm_syscore: boolean;
  /** syscore_ops_lock (v6.5+). */
  syscore_ops_lock: Mutex;
};
export type S = KvmHotplugState;
type D = Draft<S>;

/** The locals of every task (VM creator, hotplug thread, pm): its execution context. */
type HasTask = { task: TaskContext };
/** A VM creator and pm: `cpu` is the loop variable of for_each_online_cpu() (v6.12's cpuhp_setup_state(), the suspend path). */
export type Task = HasTask & { cpu: number };
/** The hotplug thread: the round it is in. */
export type Hotplug = HasTask & { round: number };

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

const ENABLE = 1;
const DISABLE = 2;

const ctxRef = <L extends HasTask>() => contextRef<S, L>((s) => s.ctx, (l) => l.task);
const cpuAt = <L extends object>(cpu: CpuOf<L>, env: StepEnv<L>): number => (typeof cpu === 'number' ? cpu : cpu(env));
/** The CPU a pinned task runs on. */
const here = (env: StepEnv<HasTask>) => env.local.task.cpu;
/** The loop variable `cpu` of a creator or pm. */
const loopCpu = (env: StepEnv<Task>) => env.local.cpu;

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
    const { cpus, creators: nCreators, rounds, enableCanFail: canFail, stopMachine, reboot, suspend } = params;
    const X = cpus - 1;
    const cpuIds = Array.from({ length: cpus }, (_, c) => c);
    const creatorNames = Array.from({ length: nCreators }, (_, i) => `creator${i}`);
    const senderNames = [...creatorNames, ...(reboot ? ['pm'] : [])];
    /** pm's row of xcalls.pending (the creators' rows are their thread indices). */
    const PM_SENDER = nCreators;
    const xcalls = (s: S | D) => s.xcalls;
    const online = (s: S | D) => s.ctx.online;

    // ======================================================================================
    // The per-CPU bodies: hardware_enable/disable(_nolock), from v6.3 __hardware_enable_nolock
    // with the per-CPU bool, from v6.12 kvm_enable/disable_virtualization_cpu. One atomic step per
    // outcome (see "Atomicity" in the header).
    // ======================================================================================
    const cpumaskBodies = (enable: string, disable: string): [CpuCall<S>, CpuCall<S>] => [
      {
        id: ENABLE,
        name: enable,
        outcomes: [
          { what: 'cpumask_test_cpu(cpu, cpus_hardware_enabled): already set, return', when: (s, c) => s.cpus_hardware_enabled[c]! },
          {
            what: 'cpumask_set_cpu(cpu, cpus_hardware_enabled); r = kvm_arch_hardware_enable(NULL) = 0',
            when: (s, c) => !s.cpus_hardware_enabled[c]!,
            run: (d, c) => void (d.cpus_hardware_enabled[c] = d.hw_enabled[c] = true),
          },
          ...(canFail
            ? [{
                what: 'cpumask_set_cpu(cpu, cpus_hardware_enabled); r = kvm_arch_hardware_enable(NULL) fails: cpumask_clear_cpu(cpu, cpus_hardware_enabled); atomic_inc(&hardware_enable_failed)',
                when: (s: S, c: number) => !s.cpus_hardware_enabled[c]!,
                run: declareStraight((d: D) => atomic_inc(d.hardware_enable_failed), { bind: { atomic_inc } }),
              }]
            : []),
        ],
      },
      {
        id: DISABLE,
        name: disable,
        outcomes: [
          { what: '!cpumask_test_cpu(cpu, cpus_hardware_enabled): return', when: (s, c) => !s.cpus_hardware_enabled[c]! },
          {
            what: 'cpumask_clear_cpu(cpu, cpus_hardware_enabled); kvm_arch_hardware_disable(NULL)',
            when: (s, c) => s.cpus_hardware_enabled[c]!,
            run: (d, c) => void (d.cpus_hardware_enabled[c] = d.hw_enabled[c] = false),
          },
        ],
      },
    ];
    // v6.3..v6.11: the bit is the per-CPU bool `hardware_enabled` (the model keeps it in
    // cpus_hardware_enabled[]); a failure is a return value, which hardware_enable_nolock() adds
    // to its caller's `failed` (the model's hardware_enable_failed carries it, see the header).
    const percpuBodies = (enable: string, disable: string, bit: string, archEnable: string, archDisable: string): [CpuCall<S>, CpuCall<S>] => [
      {
        id: ENABLE,
        name: enable,
        outcomes: [
          { what: `if (__this_cpu_read(${bit})) return 0`, when: (s, c) => s.cpus_hardware_enabled[c]! },
          {
            what: `${archEnable}() = 0; __this_cpu_write(${bit}, true)`,
            when: (s, c) => !s.cpus_hardware_enabled[c]!,
            run: (d, c) => void (d.cpus_hardware_enabled[c] = d.hw_enabled[c] = true),
          },
          ...(canFail
            ? [{
                what: `${archEnable}() fails: return -EIO (on_each_cpu: atomic_inc(failed))`,
                when: (s: S, c: number) => !s.cpus_hardware_enabled[c]!,
                run: declareStraight((d: D) => atomic_inc(d.hardware_enable_failed), { bind: { atomic_inc } }),
              }]
            : []),
        ],
      },
      {
        id: DISABLE,
        name: disable,
        outcomes: [
          { what: `if (!__this_cpu_read(${bit})) return`, when: (s, c) => !s.cpus_hardware_enabled[c]! },
          {
            what: `${archDisable}(); __this_cpu_write(${bit}, false)`,
            when: (s, c) => s.cpus_hardware_enabled[c]!,
            run: (d, c) => void (d.cpus_hardware_enabled[c] = d.hw_enabled[c] = false),
          },
        ],
      },
    ];
    const [enableCall, disableCall] = byVariant(variant, {
      'v2.6.37': () => cpumaskBodies('hardware_enable', 'hardware_disable'),
      'patch-1': () => cpumaskBodies('hardware_enable', 'hardware_disable'),
      // PATCH 2/2 renames the bodies *_nolock; hardware_enable/disable() become locking wrappers.
      'patch-2': () => cpumaskBodies('hardware_enable_nolock', 'hardware_disable_nolock'),
      'hypothetical-mix': () => cpumaskBodies('hardware_enable_nolock', 'hardware_disable_nolock'),
      'v4.10': () => cpumaskBodies('hardware_enable_nolock', 'hardware_disable_nolock'),
      'v6.3': () => percpuBodies('hardware_enable_nolock', 'hardware_disable_nolock', 'hardware_enabled', 'kvm_arch_hardware_enable', 'kvm_arch_hardware_disable'),
      'v6.5': () => percpuBodies('hardware_enable_nolock', 'hardware_disable_nolock', 'hardware_enabled', 'kvm_arch_hardware_enable', 'kvm_arch_hardware_disable'),
      'v6.12': () =>
        percpuBodies('kvm_enable_virtualization_cpu', 'kvm_disable_virtualization_cpu', 'virtualization_enabled', 'kvm_arch_enable_virtualization_cpu', 'kvm_arch_disable_virtualization_cpu'),
    });

    /** One call of a per-CPU body on `cpu` (its caller runs it with interrupts off there). */
    const body = <L extends object>(id: string, f: CpuCall<S>, cpu: CpuOf<L>, where: string, next: string, tags: string[] = []): LocationDef<S, L> =>
      choice<S, L>(id, cpuCallActions<S, L>(f, cpu, { where, next, tags }));

    // ======================================================================================
    // Shared code: locks, on_each_cpu, hardware_disable_all_nolock.
    // ======================================================================================
    const KVM_LOCK: LockRef<S> = lockRef<S>(variant === 'v6.12' ? 'kvm_usage_lock' : 'kvm_lock', (s) => s.kvm_lock);
    const SYSCORE_OPS_LOCK: LockRef<S> = lockRef<S>('syscore_ops_lock', (s) => s.syscore_ops_lock);
    /** From v6.3 kvm_lock is a mutex. */
    const kvmLockIsMutex = byVariant(variant, {
      'v2.6.37': () => false, 'patch-1': () => false, 'patch-2': () => false, 'hypothetical-mix': () => false, 'v4.10': () => false,
      'v6.3': () => true, 'v6.5': () => true, 'v6.12': () => true,
    });
    const lockOp = kvmLockIsMutex ? mutexLock : spinLock;
    const unlockOp = kvmLockIsMutex ? mutexUnlock : spinUnlock;

    /**
     * A task takes kvm_lock: it becomes non-preemptible on the CPU it runs on (one action per
     * CPU). A mutex holder (v6.3+) is preemptible, but the model pins it from mutex_lock to
     * mutex_unlock to the CPU its on_each_cpu will run on (see the header). `entry`: the system
     * call's entry is merged into this step.
     */
    const kvmLockOnSomeCpu = <L extends HasTask>(id: string, fn: string, o: { entry?: boolean; note?: string; next?: string } = {}): LocationDef<S, L> =>
      onSomeCpu<S, L>(id, ctxRef<L>(), cpuIds, (c) => {
        const entry = o.entry === true;
        const a = lockOp<S, L>(id, fn, KVM_LOCK, {
          ...(o.next !== undefined ? { next: o.next } : {}),
          run: declareStraight(
            (d: D, env: StepEnv<L>) => {
              preempt_disable(d.ctx, env.local.task, env, c);
              if (entry) syscall_enter(env.local.task, env);
            },
            { bind: { preempt_disable, c, entry, syscall_enter } },
          ),
        }).actions[0]!;
        return o.note !== undefined ? { ...a, note: o.note } : a;
      });
    /** kvm_lock released by a pinned task: preemptible again. `exit`: the return to user mode is merged into this step. */
    const kvmUnlock = <L extends HasTask>(id: string, fn: string, label: string, next: string, o: { exit?: boolean; tags?: string[]; run?: (d: D) => void } = {}): LocationDef<S, L> => {
      const run = o.run;
      const exit = o.exit === true;
      return unlockOp<S, L>(id, fn, KVM_LOCK, {
        label,
        next,
        ...(o.tags ? { tags: o.tags } : {}),
        run: declareStraight(
          (d: D, env: StepEnv<L>) => {
            run?.(d);
            preempt_enable(d.ctx, env.local.task, env);
            if (exit) syscall_exit(env.local.task, env);
          },
          { bind: { run, preempt_enable, exit, syscall_exit } },
        ),
      });
    };

    /** cpus_read_lock() (a sleeping lock: percpu_down_read), by a preemptible task. */
    const cpusReadLock = <L extends HasTask>(id: string, next: string, o: { entry?: boolean; run?: (d: D, env: StepEnv<L>) => void } = {}): LocationDef<S, L> =>
      step<S, L>(id, 'cpus_read_lock()', {
        guard: (s) => !s.cpu_hotplug.writer,
        blockedOn: () => 'cpu_hotplug_lock, write-held by the hotplug operation',
        run: (d, env) => {
          d.cpu_hotplug.readers += 1;
          if (o.entry) syscall_enter(env.local.task, env);
          o.run?.(d, env);
        },
        tags: ['cpus_read_lock', 'might_sleep'],
        next,
      });
    const cpusReadUnlock = <L extends HasTask>(id: string, label: string, next: string, o: { exit?: boolean; run?: (d: D) => void } = {}): LocationDef<S, L> =>
      step<S, L>(id, label, {
        run: (d, env) => {
          d.cpu_hotplug.readers -= 1;
          o.run?.(d);
          if (o.exit) syscall_exit(env.local.task, env);
        },
        tags: ['cpus_read_unlock'],
        next,
      });

    const onEachCpuOrder = byVariant(variant, {
      'v2.6.37': () => 'remote-first' as const, 'patch-1': () => 'remote-first' as const, 'patch-2': () => 'remote-first' as const,
      'v4.10': () => 'remote-first' as const,
      // v5.13's "smp: Run functions concurrently in smp_call_function_many_cond()".
      'hypothetical-mix': () => 'local-first' as const, 'v6.3': () => 'local-first' as const, 'v6.5': () => 'local-first' as const,
      'v6.12': () => 'local-first' as const,
    });
    /** on_each_cpu(f, NULL, 1) by a creator, on the CPU it is pinned to; its row of pending is its thread index. */
    const creatorOnEachCpu = (id: string, caller: string, f: CpuCall<S>, next: string) =>
      onEachCpuCall<S, Task>({ id, caller, func: f, sender: (env) => env.self, cpu: here, xcalls, online, order: onEachCpuOrder, next });

    /** hardware_disable_all_nolock() by a creator holding kvm_lock (v2.6.37..v6.11). */
    const disableAllNolock = (p: string, next: string): LocationDef<S, Task>[] => {
      const off = `${p}.off`;
      return func<S, Task>('hardware_disable_all_nolock', [
        step<S, Task>(`${p}.dec`, 'BUG_ON(!kvm_usage_count); kvm_usage_count--; if (!kvm_usage_count)', {
          run: declareStraight(
            (d: D, env: StepEnv<Task>) => {
              env.bugOn(d.kvm_usage_count === 0, USAGE_BUG);
              d.kvm_usage_count -= 1;
            },
            { bind: { USAGE_BUG } },
          ),
          next: declareStraight((s: S) => (s.kvm_usage_count === 0 ? off : next), { bind: { off, next } }),
        }),
        ...creatorOnEachCpu(off, 'hardware_disable_all_nolock', disableCall, next),
      ]);
    };

    /** hardware_enable_all()'s part under kvm_lock, from kvm_usage_count++ to the unlock (2.6.37..v6.2, the hypothetical mix). */
    const enableAllLocked = (unlockLabel: string, ok: string, failed: string, exit: boolean): LocationDef<S, Task>[] =>
      func<S, Task>('hardware_enable_all', [
        step<S, Task>('enable.inc', 'kvm_usage_count++; if (kvm_usage_count == 1) atomic_set(&hardware_enable_failed, 0)', {
          run: declareStraight(
            (d: D) => {
              d.kvm_usage_count += 1;
              if (d.kvm_usage_count === 1) atomic_set(d.hardware_enable_failed, 0);
            },
            { bind: { atomic_set } },
          ),
          next: (s) => (s.kvm_usage_count === 1 ? 'enable.on' : 'enable.ok'),
        }),
        ...creatorOnEachCpu('enable.on', 'hardware_enable_all', enableCall, 'enable.check'),
        step<S, Task>('enable.check', 'if (atomic_read(&hardware_enable_failed))', {
          next: declareStraight((s: S) => (atomic_read(s.hardware_enable_failed) !== 0 ? 'enable.fail.dec' : 'enable.ok'), { bind: { atomic_read } }),
        }),
        ...disableAllNolock('enable.fail', 'enable.ebusy'),
        kvmUnlock<Task>('enable.ebusy', 'hardware_enable_all', `r = -EBUSY; ${unlockLabel}`, failed, { exit, tags: ['enable_all_failed'] }),
        kvmUnlock<Task>('enable.ok', 'hardware_enable_all', unlockLabel, ok, { exit }),
      ]);

    // ======================================================================================
    // The VM creators: KVM_CREATE_VM -> hardware_enable_all(), kvm_destroy_vm() ->
    // hardware_disable_all() (v6.12: kvm_enable/disable_virtualization()). Each kernel's code.
    // ======================================================================================

    // 2.6.37 (and patch-1, patch-2, v4.10, whose hardware_enable_all/disable_all are the same
    // code; v4.10 takes the raw spinlock kvm_count_lock, called kvm_lock here):
    //   spin_lock(&kvm_lock); kvm_usage_count++; if (kvm_usage_count == 1) { atomic_set(&hardware_enable_failed, 0);
    //   on_each_cpu(hardware_enable, NULL, 1); if (atomic_read(&hardware_enable_failed)) { hardware_disable_all_nolock(); r = -EBUSY; } }
    //   spin_unlock(&kvm_lock); return r;
    const creator2010 = (): LocationDef<S, Task>[] => [
      ...func<S, Task>('hardware_enable_all', [kvmLockOnSomeCpu<Task>('user.create', 'hardware_enable_all', { entry: true, note: 'KVM_CREATE_VM' })]),
      ...enableAllLocked('spin_unlock(&kvm_lock); return r', 'user.alive', END, true),
      ...func<S, Task>('hardware_disable_all', [
        kvmLockOnSomeCpu<Task>('user.alive', 'hardware_disable_all', { entry: true, note: 'kvm_destroy_vm' }),
        ...disableAllNolock('disable', 'disable.unlock'),
        kvmUnlock<Task>('disable.unlock', 'hardware_disable_all', 'spin_unlock(&kvm_lock)', END, { exit: true }),
      ]),
    ];

    // The hypothetical mix: the same under cpus_read_lock() (v6.3's hardware_enable_all, with v6.2's spinlock).
    const creatorMix = (): LocationDef<S, Task>[] => [
      ...func<S, Task>('hardware_enable_all', [
        cpusReadLock<Task>('user.create', 'enable.lock', { entry: true }),
        kvmLockOnSomeCpu<Task>('enable.lock', 'hardware_enable_all'),
        ...enableAllLocked('spin_unlock(&kvm_lock)', 'enable.unlock_cpus', 'fail.unlock_cpus', false),
        cpusReadUnlock<Task>('enable.unlock_cpus', 'cpus_read_unlock(); return 0', 'user.alive', { exit: true }),
        cpusReadUnlock<Task>('fail.unlock_cpus', 'cpus_read_unlock(); return r', END, { exit: true }),
      ]),
      ...func<S, Task>('hardware_disable_all', [
        cpusReadLock<Task>('user.alive', 'disable.lock', { entry: true }),
        kvmLockOnSomeCpu<Task>('disable.lock', 'hardware_disable_all'),
        ...disableAllNolock('disable', 'disable.unlock'),
        kvmUnlock<Task>('disable.unlock', 'hardware_disable_all', 'spin_unlock(&kvm_lock)', 'disable.unlock_cpus'),
        cpusReadUnlock<Task>('disable.unlock_cpus', 'cpus_read_unlock()', END, { exit: true }),
      ]),
    ];

    // v6.3 (virt/kvm/kvm_main.c):
    //   atomic_t failed = ATOMIC_INIT(0); cpus_read_lock(); mutex_lock(&kvm_lock); r = 0; kvm_usage_count++;
    //   if (kvm_usage_count == 1) { on_each_cpu(hardware_enable_nolock, &failed, 1);
    //     if (atomic_read(&failed)) { hardware_disable_all_nolock(); r = -EBUSY; } }
    //   mutex_unlock(&kvm_lock); cpus_read_unlock(); return r;
    // `failed` is the function's local: the model's hardware_enable_failed carries it and is
    // cleared where the function returns with it set (-EBUSY).
    const enableAll63 = (entry: boolean): LocationDef<S, Task>[] =>
      func<S, Task>('hardware_enable_all', [
        cpusReadLock<Task>(entry ? 'user.create' : 'enable.rl', 'enable.lock', { entry }),
        kvmLockOnSomeCpu<Task>('enable.lock', 'hardware_enable_all'),
        step<S, Task>('enable.inc', 'r = 0; kvm_usage_count++; if (kvm_usage_count == 1)', {
          run: (d) => void (d.kvm_usage_count += 1),
          next: (s) => (s.kvm_usage_count === 1 ? 'enable.on' : 'enable.ok'),
        }),
        ...creatorOnEachCpu('enable.on', 'hardware_enable_all', enableCall, 'enable.check'),
        step<S, Task>('enable.check', 'if (atomic_read(&failed))', {
          next: declareStraight((s: S) => (atomic_read(s.hardware_enable_failed) !== 0 ? 'enable.fail.dec' : 'enable.ok'), { bind: { atomic_read } }),
        }),
        ...disableAllNolock('enable.fail', 'enable.ebusy'),
        kvmUnlock<Task>('enable.ebusy', 'hardware_enable_all', 'r = -EBUSY; mutex_unlock(&kvm_lock)', 'fail.unlock_cpus', {
          tags: ['enable_all_failed'],
          run: declareStraight((d: D) => atomic_set(d.hardware_enable_failed, 0), { bind: { atomic_set } }),
        }),
        kvmUnlock<Task>('enable.ok', 'hardware_enable_all', 'mutex_unlock(&kvm_lock)', 'enable.unlock_cpus'),
        cpusReadUnlock<Task>('enable.unlock_cpus', 'cpus_read_unlock(); return 0', 'user.alive', { exit: true }),
        cpusReadUnlock<Task>('fail.unlock_cpus', 'cpus_read_unlock(); return r', END, { exit: true }),
      ]);
    //   cpus_read_lock(); mutex_lock(&kvm_lock); hardware_disable_all_nolock(); mutex_unlock(&kvm_lock); cpus_read_unlock();
    const disableAll63 = (): LocationDef<S, Task>[] =>
      func<S, Task>('hardware_disable_all', [
        cpusReadLock<Task>('user.alive', 'disable.lock', { entry: true }),
        kvmLockOnSomeCpu<Task>('disable.lock', 'hardware_disable_all'),
        ...disableAllNolock('disable', 'disable.unlock'),
        kvmUnlock<Task>('disable.unlock', 'hardware_disable_all', 'mutex_unlock(&kvm_lock)', 'disable.unlock_cpus'),
        cpusReadUnlock<Task>('disable.unlock_cpus', 'cpus_read_unlock()', END, { exit: true }),
      ]);
    const creator63 = (): LocationDef<S, Task>[] => [...enableAll63(true), ...disableAll63()];

    // v6.5 ("KVM: Don't enable hardware after a restart/shutdown is initiated"): hardware_enable_all()
    // first tests system_state, before any lock, so a reboot can start right after the test.
    const creator65 = (): LocationDef<S, Task>[] => [
      ...func<S, Task>('hardware_enable_all', [
        step<S, Task>('user.create', 'if (system_state == SYSTEM_HALT || system_state == SYSTEM_POWER_OFF || system_state == SYSTEM_RESTART) return -EBUSY', {
          note: 'KVM_CREATE_VM',
          run: (d, env) => void (d.restarting || syscall_enter(env.local.task, env)),
          next: (s) => (s.restarting ? END : 'enable.rl'),
        }),
      ]),
      ...enableAll63(false),
      ...disableAll63(),
    ];

    // v6.12: kvm_enable_virtualization() / kvm_disable_virtualization(), under kvm_usage_lock.
    //   guard(mutex)(&kvm_usage_lock); if (kvm_usage_count++) return 0;
    //   r = cpuhp_setup_state(CPUHP_AP_KVM_ONLINE, "kvm/cpu:online", kvm_online_cpu, kvm_offline_cpu); if (r) goto err_cpuhp;
    //   register_syscore_ops(&kvm_syscore_ops);
    //   if (system_state == SYSTEM_HALT || system_state == SYSTEM_POWER_OFF || system_state == SYSTEM_RESTART) { r = -EBUSY; goto err_rebooting; }
    //   return 0;
    // err_rebooting: unregister_syscore_ops(&kvm_syscore_ops); cpuhp_remove_state(CPUHP_AP_KVM_ONLINE);
    // err_cpuhp: --kvm_usage_count; return r;
    const creator612 = (): LocationDef<S, Task>[] => {
      /** guard(mutex)(&kvm_usage_lock): taken here, released by the scope's end (the return steps). */
      const guardMutex = (id: string, fn: string, note: string) =>
        withNote(note, mutexLock<S, Task>(id, fn, KVM_LOCK, { label: `${fn}: guard(mutex)(&kvm_usage_lock)`, run: (d, env) => syscall_enter(env.local.task, env) }));
      const release = (id: string, fn: string, label: string, next: string, tags: string[] = []) =>
        mutexUnlock<S, Task>(id, fn, KVM_LOCK, { label: `${fn}: ${label}; guard(mutex) releases kvm_usage_lock`, next, tags, run: (d, env) => syscall_exit(env.local.task, env) });
      /** register/unregister_syscore_ops(): list_add/list_del under syscore_ops_lock, one step. */
      const syscoreOp = (id: string, label: string, registered: boolean, next: string) =>
        step<S, Task>(id, label, {
          guard: (s) => s.syscore_ops_lock.holder === UNLOCKED,
          blockedOn: () => 'syscore_ops_lock, held by syscore_shutdown()',
          run: (d) => void (d.kvm_syscore = registered),
          next,
        });
      /**
       * cpuhp_setup_state()/cpuhp_remove_state(): `f` on each online CPU in turn (the loop
       * variable is the creator's local `cpu`), run by that CPU's hotplug thread while the
       * creator waits; `failed`: where a failed enable goes (cpuhp_rollback_install()).
       */
      const eachOnline = (id: string, f: CpuCall<S>, callback: string, caller: string, done: string, failed?: string): LocationDef<S, Task> => {
        const advance = (_d: D, env: StepEnv<Task>) => void (env.local.cpu = env.local.cpu + 1 < cpus ? env.local.cpu + 1 : -1);
        const loop = (_s: S, env: StepEnv<Task>) => (env.local.cpu >= 0 ? id : done);
        const where = `${callback} from ${caller}`;
        const guard = (s: S, env: StepEnv<Task>) => s.ctx.online[env.local.cpu]! && canRunOn(s.ctx, env.local.task, env.local.cpu);
        const advancing = cpuCallActions<S, Task>(f, loopCpu, { where, guard, after: advance, next: loop });
        const stopping = cpuCallActions<S, Task>(f, loopCpu, { where, guard, ...(failed !== undefined ? { next: failed } : {}) });
        return choice<S, Task>(id, [
          ...advancing.map((a, k): ActionDef<S, Task> =>
            failed !== undefined && f.outcomes[k]!.what.includes('fails') ? { ...stopping[k]!, blockedOn: (_s, env) => `cpu${env.local.cpu} to be free` } : { ...a, blockedOn: (_s, env) => `cpu${env.local.cpu} to be free` },
          ),
          { label: 'for_each_online_cpu(cpu): cpu is not online, skipped', guard: (s, env) => !s.ctx.online[env.local.cpu], run: advance, next: loop },
        ]);
      };
      const first = (d: D, env: StepEnv<Task>) => void (env.local.cpu = 0);
      const KEV = 'kvm_enable_virtualization';
      const KDV = 'kvm_disable_virtualization';
      return [
        ...func<S, Task>(KEV, [
          guardMutex('user.create', KEV, 'KVM_CREATE_VM'),
          step<S, Task>('en.count', 'if (kvm_usage_count++) return 0', {
            run: (d) => void (d.kvm_usage_count += 1),
            next: (s) => (s.kvm_usage_count > 1 ? 'en.ok' : 'en.rl'),
          }),
        ]),
        ...func<S, Task>('cpuhp_setup_state', [
          withNote('cpuhp_setup_state(CPUHP_AP_KVM_ONLINE, "kvm/cpu:online", kvm_online_cpu, kvm_offline_cpu)', cpusReadLock<Task>('en.rl', 'en.up', { run: first })),
          eachOnline('en.up', enableCall, 'kvm_online_cpu', `${KEV}'s cpuhp_setup_state()`, 'en.installed', 'en.undo'),
        ]),
        ...func<S, Task>('cpuhp_setup_state', [
          step<S, Task>('en.undo', 'kvm_online_cpu failed: cpuhp_rollback_install(): kvm_offline_cpu on the CPUs before it', {
            note: 'the CPUs before the loop variable cpu',
            run: (d, env) => {
              atomic_set(d.hardware_enable_failed, 0);
              for (let j = 0; j < env.local.cpu; j++)
                if (d.ctx.online[j]) d.cpus_hardware_enabled[j] = d.hw_enabled[j] = false;
              env.local.cpu = -1;
            },
            next: 'en.setup_failed',
          }),
          cpusReadUnlock<Task>('en.setup_failed', 'cpus_read_unlock(); return ret', 'en.dec'),
          cpusReadUnlock<Task>('en.installed', 'cpus_read_unlock(); return 0', 'en.reg', { run: (d) => void (d.kvm_cpuhp = true) }),
        ]),
        ...func<S, Task>(KEV, [
          syscoreOp('en.reg', 'register_syscore_ops(&kvm_syscore_ops)', true, 'en.recheck'),
          step<S, Task>('en.recheck', 'if (system_state == SYSTEM_HALT || system_state == SYSTEM_POWER_OFF || system_state == SYSTEM_RESTART)', {
            next: (s) => (s.restarting ? 'en.unreg' : 'en.ok'),
          }),
          syscoreOp('en.unreg', 'err_rebooting: unregister_syscore_ops(&kvm_syscore_ops)', false, 'en.rm'),
        ]),
        ...func<S, Task>('cpuhp_remove_state', [
          withNote('cpuhp_remove_state(CPUHP_AP_KVM_ONLINE)', cpusReadLock<Task>('en.rm', 'en.down', { run: first })),
          eachOnline('en.down', disableCall, 'kvm_offline_cpu', `${KEV}'s cpuhp_remove_state()`, 'en.removed'),
        ]),
        ...func<S, Task>('cpuhp_remove_state', [cpusReadUnlock<Task>('en.removed', 'cpus_read_unlock()', 'en.dec', { run: (d) => void (d.kvm_cpuhp = false) })]),
        ...func<S, Task>(KEV, [
          step<S, Task>('en.dec', 'err_cpuhp: --kvm_usage_count', { run: (d) => void (d.kvm_usage_count -= 1) }),
          release('en.ret', KEV, 'return r (-EBUSY)', END, ['enable_all_failed']),
          release('en.ok', KEV, 'return 0', 'user.alive'),
        ]),
        // guard(mutex)(&kvm_usage_lock); if (--kvm_usage_count) return;
        // unregister_syscore_ops(&kvm_syscore_ops); cpuhp_remove_state(CPUHP_AP_KVM_ONLINE);
        ...func<S, Task>(KDV, [
          guardMutex('user.alive', KDV, 'kvm_destroy_vm'),
          step<S, Task>('dis.dec', 'if (--kvm_usage_count) return', {
            run: (d) => void (d.kvm_usage_count -= 1),
            next: (s) => (s.kvm_usage_count > 0 ? 'dis.ret' : 'dis.unreg'),
          }),
          syscoreOp('dis.unreg', 'unregister_syscore_ops(&kvm_syscore_ops)', false, 'dis.rm'),
        ]),
        ...func<S, Task>('cpuhp_remove_state', [
          withNote('cpuhp_remove_state(CPUHP_AP_KVM_ONLINE)', cpusReadLock<Task>('dis.rm', 'dis.down', { run: first })),
          eachOnline('dis.down', disableCall, 'kvm_offline_cpu', `${KDV}'s cpuhp_remove_state()`, 'dis.removed'),
        ]),
        ...func<S, Task>('cpuhp_remove_state', [cpusReadUnlock<Task>('dis.removed', 'cpus_read_unlock()', 'dis.ret', { run: (d) => void (d.kvm_cpuhp = false) })]),
        ...func<S, Task>(KDV, [release('dis.ret', KDV, 'return', END)]),
      ];
    };

    const creatorCode = byVariant(variant, {
      'v2.6.37': creator2010,
      'patch-1': creator2010,
      'patch-2': creator2010,
      'v4.10': creator2010,
      'hypothetical-mix': creatorMix,
      'v6.3': creator63,
      'v6.5': creator65,
      'v6.12': creator612,
    });
    const creator = threadKind<S, Task>('creator', { task: taskContext(), cpu: -1 }, creatorCode);

    // ======================================================================================
    // The KVM callbacks a CPU runs on itself, with interrupts off, at CPU_DYING (after it left
    // cpu_online_mask) and CPU_STARTING (before it is in it): 2.6.37..v6.2 and the hypothetical
    // mix. `cpu`: the dying/starting CPU, where the thread running them is pinned.
    // ======================================================================================
    type Callback = <L extends HasTask>(p: string, cpu: CpuOf<L>, next: string) => LocationDef<S, L>[];
    const ctxNote = <L extends object>(cpu: CpuOf<L>, event: string) => `${typeof cpu === 'number' ? `cpu${cpu}, ` : ''}${event}, interrupts off`;
    /** spin_lock(&kvm_lock) by the thread already pinned there with interrupts off. */
    const callbackLock = <L extends HasTask>(id: string, fn: string, label: string, next: string) =>
      spinLock<S, L>(id, fn, KVM_LOCK, { label: `${fn}: ${label}`, next, run: declareStraight((d: D, env: StepEnv<L>) => preempt_disable(d.ctx, env.local.task, env, here(env)), { bind: { preempt_disable, here } }) });
    const callbackUnlock = <L extends HasTask>(id: string, fn: string, label: string, next: string) =>
      spinUnlock<S, L>(id, fn, KVM_LOCK, { label: `${fn}: ${label}`, next, run: declareStraight((d: D, env: StepEnv<L>) => preempt_enable(d.ctx, env.local.task, env), { bind: { preempt_enable } }) });
    /** kvm_cpu_hotplug(): `if (!kvm_usage_count) return NOTIFY_OK;`, unlocked, at its top (2.6.37, both patches). */
    const notifierCheck = <L extends HasTask>(p: string, cpu: CpuOf<L>, event: string, next: string, body: string) =>
      step<S, L>(`${p}.check`, 'kvm_cpu_hotplug: if (!kvm_usage_count) return NOTIFY_OK', {
        note: ctxNote(cpu, event),
        next: declareStraight((s: S) => (s.kvm_usage_count === 0 ? next : body), { bind: { next, body } }),
      });

    // 2.6.37: case CPU_DYING: hardware_disable(NULL); -- no lock.
    const dying2637: Callback = (p, cpu, next) => [
      notifierCheck(p, cpu, 'CPU_DYING', next, `${p}.body`),
      body(`${p}.body`, disableCall, cpu, ctxNote(cpu, 'CPU_DYING'), next),
    ];
    // 2.6.37 and PATCH 1/2: case CPU_STARTING: spin_lock(&kvm_lock); hardware_enable(NULL); spin_unlock(&kvm_lock);
    const startingLockedInNotifier: Callback = (p, cpu, next) => [
      notifierCheck(p, cpu, 'CPU_STARTING', next, `${p}.lock`),
      callbackLock(`${p}.lock`, 'kvm_cpu_hotplug', 'spin_lock(&kvm_lock)', `${p}.body`),
      body(`${p}.body`, enableCall, cpu, ctxNote(cpu, 'CPU_STARTING'), `${p}.unlock`),
      callbackUnlock(`${p}.unlock`, 'kvm_cpu_hotplug', 'spin_unlock(&kvm_lock)', next),
    ];
    // PATCH 1/2: case CPU_DYING: spin_lock(&kvm_lock); hardware_disable(NULL); spin_unlock(&kvm_lock);
    const dyingPatch1: Callback = (p, cpu, next) => [
      notifierCheck(p, cpu, 'CPU_DYING', next, `${p}.lock`),
      callbackLock(`${p}.lock`, 'kvm_cpu_hotplug', 'spin_lock(&kvm_lock)', `${p}.body`),
      body(`${p}.body`, disableCall, cpu, ctxNote(cpu, 'CPU_DYING'), `${p}.unlock`),
      callbackUnlock(`${p}.unlock`, 'kvm_cpu_hotplug', 'spin_unlock(&kvm_lock)', next),
    ];
    // PATCH 2/2: case CPU_DYING: hardware_disable(NULL); case CPU_STARTING: hardware_enable(NULL);
    // where hardware_disable(void *junk) { spin_lock(&kvm_lock); hardware_disable_nolock(junk); spin_unlock(&kvm_lock); }
    const wrapperPatch2 = (wrapper: 'hardware_enable' | 'hardware_disable', f: CpuCall<S>, event: string): Callback => (p, cpu, next) => [
      notifierCheck(p, cpu, event, next, `${p}.lock`),
      callbackLock(`${p}.lock`, wrapper, 'spin_lock(&kvm_lock)', `${p}.body`),
      body(`${p}.body`, f, cpu, ctxNote(cpu, event), `${p}.unlock`),
      callbackUnlock(`${p}.unlock`, wrapper, 'spin_unlock(&kvm_lock)', next),
    ];
    // v4.10 (and the mix): kvm_dying_cpu(cpu) / kvm_starting_cpu(cpu), cpuhp callbacks of CPUHP_AP_KVM_STARTING:
    //   raw_spin_lock(&kvm_count_lock); if (kvm_usage_count) hardware_*_nolock(NULL); raw_spin_unlock(&kvm_count_lock); return 0;
    const cpuhpStartingDying = (fn: 'kvm_starting_cpu' | 'kvm_dying_cpu', f: CpuCall<S>, event: string): Callback => (p, cpu, next) => [
      callbackLock(`${p}.lock`, fn, 'raw_spin_lock(&kvm_lock)', `${p}.check`),
      step(`${p}.check`, `${fn}: if (kvm_usage_count)`, { note: ctxNote(cpu, event), next: (s) => (s.kvm_usage_count !== 0 ? `${p}.body` : `${p}.unlock`) }),
      body(`${p}.body`, f, cpu, ctxNote(cpu, event), `${p}.unlock`),
      callbackUnlock(`${p}.unlock`, fn, 'raw_spin_unlock(&kvm_lock)', next),
    ];
    const noCallback: Callback = () => [];
    const [dyingCallback, startingCallback] = byVariant(variant, {
      'v2.6.37': (): [Callback, Callback] => [dying2637, startingLockedInNotifier],
      'patch-1': (): [Callback, Callback] => [dyingPatch1, startingLockedInNotifier],
      'patch-2': (): [Callback, Callback] => [wrapperPatch2('hardware_disable', disableCall, 'CPU_DYING'), wrapperPatch2('hardware_enable', enableCall, 'CPU_STARTING')],
      'hypothetical-mix': (): [Callback, Callback] => [cpuhpStartingDying('kvm_dying_cpu', disableCall, 'CPU_DYING'), cpuhpStartingDying('kvm_starting_cpu', enableCall, 'CPU_STARTING')],
      'v4.10': (): [Callback, Callback] => [cpuhpStartingDying('kvm_dying_cpu', disableCall, 'CPU_DYING'), cpuhpStartingDying('kvm_starting_cpu', enableCall, 'CPU_STARTING')],
      // From v6.3 no KVM code runs at CPU_STARTING/CPU_DYING.
      'v6.3': (): [Callback, Callback] => [noCallback, noCallback],
      'v6.5': (): [Callback, Callback] => [noCallback, noCallback],
      'v6.12': (): [Callback, Callback] => [noCallback, noCallback],
    });

    // ======================================================================================
    // The KVM callbacks of the ONLINE section (v6.3+): run by the CPU's hotplug thread, in
    // thread context with interrupts on, while the CPU is online. `cpu`: that CPU.
    // ======================================================================================
    type OnlineCallbacks = {
      offline: <L extends HasTask>(p: string, cpu: CpuOf<L>, next: string) => LocationDef<S, L>[];
      /** `done`: an update merged into the step that returns 0 (a caller's loop advancing). */
      online: <L extends HasTask>(p: string, cpu: CpuOf<L>, next: Next<S, L>, fail: string, done?: (d: D, env: StepEnv<L>) => void) => LocationDef<S, L>[];
    };
    const hotplugThreadOf = <L extends object>(cpu: CpuOf<L>) => (typeof cpu === 'number' ? `cpu${cpu}'s hotplug thread` : "the CPU's hotplug thread");
    /** mutex_lock(&kvm_lock) in the CPU's hotplug thread, pinned to that CPU (as a creator's holder is). */
    const lockOnCpu = <L extends HasTask>(id: string, fn: string, cpu: CpuOf<L>, next: string): LocationDef<S, L> =>
      withNote(
        hotplugThreadOf(cpu),
        mutexLock<S, L>(id, fn, KVM_LOCK, {
          guard: (s, env) => canRunOn(s.ctx, env.local.task, cpuAt(cpu, env)),
          run: (d, env) => preempt_disable(d.ctx, env.local.task, env, cpuAt(cpu, env)),
          next,
        }),
      );
    const unlockOnCpu = <L extends HasTask>(id: string, fn: string, label: string, next: Next<S, L>, run?: (d: D, env: StepEnv<L>) => void): LocationDef<S, L> => {
      const loc = mutexUnlock<S, L>(id, fn, KVM_LOCK, {
        label: `${fn}: ${label}`,
        run: (d, env) => {
          run?.(d, env);
          preempt_enable(d.ctx, env.local.task, env);
        },
      });
      return { ...loc, actions: loc.actions.map((a) => ({ ...a, next })) };
    };
    // v6.3, v6.5:
    //   kvm_offline_cpu: mutex_lock(&kvm_lock); if (kvm_usage_count) hardware_disable_nolock(NULL); mutex_unlock(&kvm_lock); return 0;
    //   kvm_online_cpu:  mutex_lock(&kvm_lock); if (kvm_usage_count) ret = __hardware_enable_nolock(); mutex_unlock(&kvm_lock); return ret;
    const online63: OnlineCallbacks = {
      offline: (p, cpu, next) => [
        lockOnCpu(`${p}.lock`, 'kvm_offline_cpu', cpu, `${p}.check`),
        step(`${p}.check`, 'kvm_offline_cpu: if (kvm_usage_count)', { next: (s) => (s.kvm_usage_count !== 0 ? `${p}.body` : `${p}.unlock`) }),
        body(`${p}.body`, disableCall, cpu, `${typeof cpu === 'number' ? `cpu${cpu}, ` : ''}kvm_offline_cpu, thread context`, `${p}.unlock`),
        unlockOnCpu(`${p}.unlock`, 'kvm_offline_cpu', 'mutex_unlock(&kvm_lock); return 0', next),
      ],
      online: (p, cpu, next, fail, done) => [
        lockOnCpu(`${p}.lock`, 'kvm_online_cpu', cpu, `${p}.check`),
        step(`${p}.check`, 'kvm_online_cpu: if (kvm_usage_count)', { next: (s) => (s.kvm_usage_count === 0 ? `${p}.unlock` : `${p}.body`) }),
        body(`${p}.body`, enableCall, cpu, 'kvm_online_cpu: ret = __hardware_enable_nolock()', `${p}.ret`),
        step(`${p}.ret`, 'kvm_online_cpu: if (ret)', { next: (s) => (atomic_read(s.hardware_enable_failed) !== 0 ? `${p}.eio` : `${p}.unlock`) }),
        withNote('ret = -EIO: the onlining is rolled back', unlockOnCpu(`${p}.eio`, 'kvm_online_cpu', 'mutex_unlock(&kvm_lock); return ret', fail, (d) => atomic_set(d.hardware_enable_failed, 0))),
        unlockOnCpu(`${p}.unlock`, 'kvm_online_cpu', 'mutex_unlock(&kvm_lock); return 0', next, done),
      ],
    };
    // v6.12: the callbacks are installed only while VMs exist (cpuhp_setup_state() by the first user):
    //   kvm_offline_cpu: kvm_disable_virtualization_cpu(NULL); return 0;   kvm_online_cpu: return kvm_enable_virtualization_cpu();
    const cpuhpCall = <L extends HasTask>(id: string, f: CpuCall<S>, cpu: CpuOf<L>, fn: string, next: Next<S, L>, skipped: Next<S, L>, done?: (d: D, env: StepEnv<L>) => void): LocationDef<S, L> =>
      choice<S, L>(id, [
        ...cpuCallActions<S, L>(f, cpu, {
          where: `${typeof cpu === 'number' ? `cpu${cpu}, ` : ''}${fn}, thread context`,
          next,
          guard: (s, env) => s.kvm_cpuhp && canRunOn(s.ctx, env.local.task, cpuAt(cpu, env)),
        }).map((a) => ({ ...a, blockedOn: (_s: S, env: StepEnv<L>) => `cpu${cpuAt(cpu, env)} to be free` })),
        { label: 'cpuhp_invoke_callback: CPUHP_AP_KVM_ONLINE is not installed (no VM): nothing to call', guard: (s: S) => !s.kvm_cpuhp, next: skipped, ...(done ? { run: done } : {}) },
      ]);
    const online612: OnlineCallbacks = {
      offline: (p, cpu, next) => [cpuhpCall(`${p}.cpuhp`, disableCall, cpu, 'kvm_offline_cpu', next, next)],
      online: <L extends HasTask>(p: string, cpu: CpuOf<L>, next: Next<S, L>, fail: string, done?: (d: D, env: StepEnv<L>) => void) => [
        cpuhpCall<L>(`${p}.cpuhp`, enableCall, cpu, 'kvm_online_cpu', `${p}.ret`, next, done),
        step<S, L>(`${p}.ret`, 'kvm_online_cpu: return kvm_enable_virtualization_cpu()', {
          ...(done ? { run: (d: D, env: StepEnv<L>) => void (atomic_read(d.hardware_enable_failed) === 0 && done(d, env)) } : {}),
          next: (s, env) => (atomic_read(s.hardware_enable_failed) !== 0 ? `${p}.eio` : typeof next === 'string' ? next : next(s, env)),
        }),
        step(`${p}.eio`, 'kvm_online_cpu: -EIO: abort onlining the CPU', { run: (d) => atomic_set(d.hardware_enable_failed, 0), next: fail }),
      ],
    };
    const noOnline: OnlineCallbacks = { offline: () => [], online: () => [] };
    const onlineCallbacks = byVariant(variant, {
      'v2.6.37': () => noOnline, 'patch-1': () => noOnline, 'patch-2': () => noOnline, 'hypothetical-mix': () => noOnline, 'v4.10': () => noOnline,
      'v6.3': () => online63, 'v6.5': () => online63, 'v6.12': () => online612,
    });

    // ======================================================================================
    // The hotplug of cpu X, `rounds` times offline then online (kernel/cpu.c of each kernel).
    // ======================================================================================
    const nextRound = (d: D, env: StepEnv<Hotplug>) => void (env.local.round += 1);
    const roundsLeft = declareStraight((_s: S, env: StepEnv<Hotplug>) => (env.local.round < rounds ? 'user.down' : END), { bind: { rounds, END } });
    const stopMachineHolds = declareStraight((s: S, env: StepEnv<Hotplug>) => stopMachineMayStart(s.ctx, env.self) && canRunOn(s.ctx, env.local.task, X), {
      bind: { stopMachineMayStart, canRunOn, X },
    });
    const stopBlocked = (s: S, env: StepEnv<Hotplug>) =>
      `every online CPU to be preemptible (${othersNonPreemptible(s.ctx, env.self).map((c) => `cpu${c}: ${env.threadNames[s.ctx.owner[c]!]}`).join(', ')})`;

    // 2.6.37..v6.2 and the mix: CPU_DYING in take_cpu_down() under stop_machine, CPU_STARTING in start_secondary().
    const hotplugStartingDying = (begin: string, done: string): LocationDef<S, Hotplug>[] => [
      step<S, Hotplug>('user.down', `_cpu_down(cpu${X}): ${begin}`, {
        guard: (s) => !s.cpu_hotplug.writer && s.cpu_hotplug.readers === 0,
        blockedOn: (s) => `cpu_hotplug_lock, read-held by ${s.cpu_hotplug.readers} task(s)`,
        run: declareStraight(
          (d: D, env: StepEnv<Hotplug>) => {
            d.cpu_hotplug.writer = true;
            syscall_enter(env.local.task, env);
          },
          { bind: { syscall_enter } },
        ),
      }),
      stopMachine
        ? step<S, Hotplug>('stop', `_cpu_down: __stop_machine(take_cpu_down, cpumask_of(cpu${X})): every online CPU stops with interrupts off`, {
            guard: stopMachineHolds,
            blockedOn: stopBlocked,
            run: declareStraight((d: D, env: StepEnv<Hotplug>) => stop_machine_begin(d.ctx, env.local.task, env, X), { bind: { stop_machine_begin, X } }),
          })
        : step<S, Hotplug>('stop', `take_cpu_down: runs on cpu${X} with interrupts off (no stop_machine: the other CPUs run on)`, {
            guard: declareStraight((s: S, env: StepEnv<Hotplug>) => canRunOn(s.ctx, env.local.task, X), { bind: { canRunOn, X } }),
            blockedOn: (s, env) => `cpu${X} to be preemptible (${env.threadNames[s.ctx.owner[X]!] ?? '?'} runs there)`,
            run: declareStraight((d: D, env: StepEnv<Hotplug>) => local_irq_disable(d.ctx, env.local.task, env, X), { bind: { local_irq_disable, X } }),
          }),
      step<S, Hotplug>('disable', `take_cpu_down: __cpu_disable(): set_cpu_online(cpu${X}, false)`, { run: declareStraight((d: D) => set_cpu_online(d.ctx, X, false), { bind: { set_cpu_online, X } }) }),
      ...dyingCallback<Hotplug>('dying', X, 'dead'),
      step<S, Hotplug>('dead', `_cpu_down: ${stopMachine ? 'stop_machine returns; ' : ''}CPU_DEAD; ${done}`, {
        run: declareStraight(
          (d: D, env: StepEnv<Hotplug>) => {
            if (stopMachine) stop_machine_end(d.ctx, env.local.task, env);
            else local_irq_enable(d.ctx, env.local.task);
            d.dead[X] = true;
            d.cpu_hotplug.writer = false;
            syscall_exit(env.local.task, env);
          },
          { bind: { stopMachine, stop_machine_end, local_irq_enable, X, syscall_exit } },
        ),
      }),
      step<S, Hotplug>('user.up', `_cpu_up(cpu${X}): ${begin}; __cpu_up(): cpu${X} runs start_secondary() with interrupts off`, {
        guard: (s) => !s.cpu_hotplug.writer && s.cpu_hotplug.readers === 0,
        blockedOn: (s) => `cpu_hotplug_lock, read-held by ${s.cpu_hotplug.readers} task(s)`,
        run: declareStraight(
          (d: D, env: StepEnv<Hotplug>) => {
            d.cpu_hotplug.writer = true;
            syscall_enter(env.local.task, env);
            d.dead[X] = false;
            start_secondary(d.ctx, env.local.task, env, X);
          },
          { bind: { syscall_enter, X, start_secondary } },
        ),
      }),
      ...startingCallback<Hotplug>('starting', X, 'online'),
      step<S, Hotplug>('online', `start_secondary: set_cpu_online(cpu${X}, true)`, { run: declareStraight((d: D) => set_cpu_online(d.ctx, X, true), { bind: { set_cpu_online, X } }) }),
      step<S, Hotplug>('irqon', `start_secondary: local_irq_enable(); _cpu_up: CPU_ONLINE; ${done}`, {
        run: declareStraight(
          (d: D, env: StepEnv<Hotplug>) => {
            local_irq_enable(d.ctx, env.local.task);
            d.cpu_hotplug.writer = false;
            syscall_exit(env.local.task, env);
            nextRound(d, env);
          },
          { bind: { local_irq_enable, syscall_exit, nextRound } },
        ),
        next: roundsLeft,
      }),
    ];

    // v6.3+: kvm_offline_cpu() in the teardown of the ONLINE section (X still online), then
    // take_cpu_down() under stop_machine; on the way up kvm_online_cpu() after set_cpu_online()
    // and local_irq_enable(), whose -EIO rolls the CPU back offline. After cpu_hotplug_disable()
    // (v6.5+) both return -EBUSY.
    const hotplugOnline = (): LocationDef<S, Hotplug>[] => {
      const cb = onlineCallbacks;
      const writerFree = (s: S) => !s.cpu_hotplug.writer && s.cpu_hotplug.readers === 0 && !s.hotplug_disabled;
      const writerBlocked = (s: S) => `cpu_hotplug_lock, read-held by ${s.cpu_hotplug.readers} task(s)`;
      const off = cb.offline<Hotplug>('off', X, 'stop');
      const stopGuard = stopMachine ? (s: S, env: StepEnv<Hotplug>) => stopMachineMayStart(s.ctx, env.self) : (s: S) => s.ctx.owner[X]! < 0;
      return [
        choice<S, Hotplug>('user.down', [
          {
            label: `_cpu_down(cpu${X}): cpus_write_lock(); cpuhp_kick_ap_work(): cpu${X}'s hotplug thread runs the teardown of the ONLINE section`,
            guard: (s) => writerFree(s) && s.ctx.online[X]!,
            blockedOn: writerBlocked,
            run: (d, env) => {
              d.cpu_hotplug.writer = true;
              syscall_enter(env.local.task, env);
            },
            next: off[0]!.id,
          },
          { label: `cpu_down(cpu${X}): cpu_hotplug_disabled: return -EBUSY`, guard: (s) => s.hotplug_disabled, blockedOn: writerBlocked, run: nextRound, next: roundsLeft },
          // A failed onlining (kvm_online_cpu's -EIO, in this thread or in the resume) left it offline.
          { label: `cpu_down(cpu${X}): cpu${X} is already offline: return 0`, guard: (s) => !s.ctx.online[X], next: 'user.up' },
        ]),
        ...off,
        step<S, Hotplug>('stop', `_cpu_down: __stop_machine(take_cpu_down, cpumask_of(cpu${X})): take_cpu_down: __cpu_disable(): set_cpu_online(cpu${X}, false)`, {
          guard: stopGuard,
          blockedOn: stopBlocked,
          run: (d) => set_cpu_online(d.ctx, X, false),
        }),
        step<S, Hotplug>('dead', '_cpu_down: stop_machine returns; cpuhp_bp_sync_dead(); CPU_DEAD; cpus_write_unlock()', {
          run: (d, env) => {
            d.dead[X] = true;
            d.cpu_hotplug.writer = false;
            syscall_exit(env.local.task, env);
          },
        }),
        choice<S, Hotplug>('user.up', [
          {
            label: `_cpu_up(cpu${X}): cpus_write_lock(); __cpu_up(): cpu${X} runs start_secondary() with interrupts off`,
            guard: writerFree,
            blockedOn: writerBlocked,
            run: (d, env) => {
              d.cpu_hotplug.writer = true;
              syscall_enter(env.local.task, env);
              d.dead[X] = false;
              start_secondary(d.ctx, env.local.task, env, X);
            },
            next: 'online',
          },
          { label: `cpu_up(cpu${X}): cpu_hotplug_disabled: return -EBUSY`, guard: (s) => s.hotplug_disabled, blockedOn: writerBlocked, run: nextRound, next: roundsLeft },
        ]),
        step<S, Hotplug>('online', `start_secondary: set_cpu_online(cpu${X}, true)`, { run: declareStraight((d: D) => set_cpu_online(d.ctx, X, true), { bind: { set_cpu_online, X } }) }),
        step<S, Hotplug>('irqon', `start_secondary: local_irq_enable(); cpu_startup_entry(): cpu${X}'s hotplug thread runs the ONLINE section`, {
          run: (d, env) => local_irq_enable(d.ctx, env.local.task),
        }),
        ...cb.online<Hotplug>('on', X, 'done', 'rollback'),
        step<S, Hotplug>('rollback', `_cpu_up: cpuhp rollback to CPUHP_OFFLINE: __stop_machine(take_cpu_down): set_cpu_online(cpu${X}, false); CPU_DEAD; cpus_write_unlock(); return -EIO`, {
          guard: stopGuard,
          blockedOn: stopBlocked,
          run: (d, env) => {
            set_cpu_online(d.ctx, X, false);
            d.dead[X] = true;
            d.cpu_hotplug.writer = false;
            syscall_exit(env.local.task, env);
            nextRound(d, env);
          },
          next: roundsLeft,
        }),
        step<S, Hotplug>('done', '_cpu_up: cpus_write_unlock(); return 0', {
          run: (d, env) => {
            d.cpu_hotplug.writer = false;
            syscall_exit(env.local.task, env);
            nextRound(d, env);
          },
          next: roundsLeft,
        }),
      ];
    };
    const hotplugCode = byVariant(variant, {
      'v2.6.37': () => hotplugStartingDying('cpu_hotplug_begin()', 'cpu_hotplug_done()'),
      'patch-1': () => hotplugStartingDying('cpu_hotplug_begin()', 'cpu_hotplug_done()'),
      'patch-2': () => hotplugStartingDying('cpu_hotplug_begin()', 'cpu_hotplug_done()'),
      'v4.10': () => hotplugStartingDying('cpu_hotplug_begin()', 'cpu_hotplug_done()'),
      'hypothetical-mix': () => hotplugStartingDying('cpus_write_lock()', 'cpus_write_unlock()'),
      'v6.3': hotplugOnline,
      'v6.5': hotplugOnline,
      'v6.12': hotplugOnline,
    });
    const hotplug = threadKind<S, Hotplug>('hotplug', { task: taskContext(), round: 0 }, hotplugCode);

    // ======================================================================================
    // pm: one suspend/resume cycle, then the reboot.
    // ======================================================================================
    /** The loop over the non-boot CPUs (cpu 1..cpus-1): the next value of pm's `cpu`, or where the loop ends. */
    const advance = (d: D, env: StepEnv<Task>) => void (env.local.cpu += 1);
    const loopTo = (id: string, done: string) => declareStraight((_s: S, env: StepEnv<Task>) => (env.local.cpu < cpus ? id : done), { bind: { cpus, id, done } });

    // The suspend path's own steps, the same in every kernel: freeze_processes() (only when every
    // task is out of the kernel; pm's loop over the non-boot CPUs starts at cpu 1), the boot
    // CPU's interrupts off around the syscore/sysdev suspend and resume, thaw_processes().
    const freezeProcesses = () =>
      step<S, Task>('user.suspend', 'enter_state: suspend_prepare(): freeze_processes()', {
        // tasksOutOfKernel(ctxRef().tasks(s, env)), in the form the step compiler takes (ContextRef.outOfKernel).
        guard: ctxRef<Task>().outOfKernel!,
        blockedOn: (s, env) => `${tasksInKernel(ctxRef<Task>().tasks(s, env))} task(s) to leave the kernel`,
        run: (d, env) => {
          d.frozen = true;
          env.local.cpu = 1;
        },
        next: 'susp.down',
      });
    const suspendDisableIrqs = () =>
      step<S, Task>('susp.irqoff', 'suspend_enter: arch_suspend_disable_irqs()', {
        guard: declareStraight((s: S, env: StepEnv<Task>) => canRunOn(s.ctx, env.local.task, 0), { bind: { canRunOn } }),
        run: declareStraight((d: D, env: StepEnv<Task>) => local_irq_disable(d.ctx, env.local.task, env, 0), { bind: { local_irq_disable } }),
      });
    const suspendEnableIrqs = () =>
      step<S, Task>('susp.irqon', 'suspend_enter: arch_suspend_enable_irqs()', {
        run: declareStraight(
          (d: D, env: StepEnv<Task>) => {
            local_irq_enable(d.ctx, env.local.task);
            env.local.cpu = 1;
          },
          { bind: { local_irq_enable } },
        ),
        next: 'susp.up',
      });
    const thawProcesses = () =>
      step<S, Task>('susp.thaw', 'suspend_finish: thaw_processes()', { run: (d) => void (d.frozen = false), next: reboot ? 'user.reboot' : END });

    // 2.6.37..v6.2 and the mix: disable_nonboot_cpus() runs CPU_DYING on each CPU, kvm_suspend/kvm_resume on cpu0,
    // enable_nonboot_cpus() CPU_STARTING.
    const suspendStartingDying = (): LocationDef<S, Task>[] => {
      const dying = dyingCallback<Task>('susp.dying', loopCpu, 'susp.dead');
      const starting = startingCallback<Task>('susp.starting', loopCpu, 'susp.online');
      return [
      freezeProcesses(),
      choice<S, Task>('susp.down', [
        {
          label: 'disable_nonboot_cpus: for_each_online_cpu(cpu): _cpu_down(cpu, 1); cpumask_set_cpu(cpu, frozen_cpus): take_cpu_down: interrupts off; __cpu_disable(): set_cpu_online(cpu, false)',
          guard: declareStraight((s: S, env: StepEnv<Task>) => s.ctx.online[env.local.cpu]! && canRunOn(s.ctx, env.local.task, env.local.cpu), { bind: { canRunOn } }),
          run: declareStraight(
            (d: D, env: StepEnv<Task>) => {
              d.frozen_cpus[env.local.cpu] = true;
              local_irq_disable(d.ctx, env.local.task, env, env.local.cpu);
              set_cpu_online(d.ctx, env.local.cpu, false);
            },
            { bind: { local_irq_disable, set_cpu_online } },
          ),
          next: dying[0]!.id,
        },
        { label: 'disable_nonboot_cpus: for_each_online_cpu(cpu): cpu is not online, skipped', guard: (s, env) => !s.ctx.online[env.local.cpu], run: advance, next: loopTo('susp.down', 'susp.irqoff') },
      ]),
      ...dying,
      step<S, Task>('susp.dead', 'disable_nonboot_cpus: _cpu_down(cpu, 1): CPU_DEAD', {
        run: declareStraight(
          (d: D, env: StepEnv<Task>) => {
            local_irq_enable(d.ctx, env.local.task);
            d.dead[env.local.cpu] = true;
            advance(d, env);
          },
          { bind: { local_irq_enable, advance } },
        ),
        next: loopTo('susp.down', 'susp.irqoff'),
      }),
      suspendDisableIrqs(),
      step<S, Task>('susp.kvm', 'sysdev_suspend → kvm_suspend: if (kvm_usage_count)', { next: (s) => (s.kvm_usage_count !== 0 ? 'susp.body' : 'susp.resume') }),
      body<Task>('susp.body', disableCall, 0, 'cpu0, kvm_suspend, interrupts off', 'susp.resume', ['syscore']),
      step<S, Task>('susp.resume', 'suspend_enter: the system sleeps and wakes; sysdev_resume → kvm_resume: if (kvm_usage_count)', {
        next: (s) => (s.kvm_usage_count !== 0 ? 'susp.warn' : 'susp.irqon'),
      }),
      step<S, Task>('susp.warn', 'kvm_resume: WARN_ON(spin_is_locked(&kvm_lock))', { run: declareStraight((d: D, env: StepEnv<Task>) => env.warnOn(spinIsLocked(d.kvm_lock), RESUME_WARN), { bind: { spinIsLocked, RESUME_WARN } }) }),
      body<Task>('susp.enable', enableCall, 0, 'cpu0, kvm_resume, interrupts off', 'susp.irqon', ['syscore']),
      suspendEnableIrqs(),
      choice<S, Task>('susp.up', [
        {
          label: 'enable_nonboot_cpus: for_each_cpu(cpu, frozen_cpus): _cpu_up(cpu, 1): the CPU runs start_secondary() with interrupts off',
          guard: (s, env) => s.frozen_cpus[env.local.cpu]!,
          run: declareStraight(
            (d: D, env: StepEnv<Task>) => {
              d.frozen_cpus[env.local.cpu] = false;
              d.dead[env.local.cpu] = false;
              start_secondary(d.ctx, env.local.task, env, env.local.cpu);
            },
            { bind: { start_secondary } },
          ),
          next: starting[0]!.id,
        },
        { label: 'enable_nonboot_cpus: for_each_cpu(cpu, frozen_cpus): cpu is not in frozen_cpus, skipped', guard: (s, env) => !s.frozen_cpus[env.local.cpu], run: advance, next: loopTo('susp.up', 'susp.thaw') },
      ]),
      ...starting,
      step<S, Task>('susp.online', 'start_secondary: set_cpu_online(cpu, true); local_irq_enable()', {
        run: declareStraight(
          (d: D, env: StepEnv<Task>) => {
            set_cpu_online(d.ctx, env.local.cpu, true);
            local_irq_enable(d.ctx, env.local.task);
            advance(d, env);
          },
          { bind: { set_cpu_online, local_irq_enable, advance } },
        ),
        next: loopTo('susp.up', 'susp.thaw'),
      }),
      thawProcesses(),
      ];
    };

    // v6.3+: freeze_secondary_cpus() runs the ONLINE-section teardown (kvm_offline_cpu) of each
    // CPU; kvm_suspend/kvm_resume are syscore ops; thaw_secondary_cpus() runs kvm_online_cpu.
    const suspendOnline = (): LocationDef<S, Task>[] => {
      const cb = onlineCallbacks;
      const off = cb.offline<Task>('susp.off', loopCpu, 'susp.take');
      const onl = cb.online<Task>('susp.on', loopCpu, loopTo('susp.up', 'susp.thaw'), 'susp.rollback', advance);
      const assertNotHeld = `lockdep_assert_not_held(&${KVM_LOCK.name})`;
      return [
        freezeProcesses(),
        choice<S, Task>('susp.down', [
          {
            label: 'freeze_secondary_cpus: for_each_online_cpu(cpu): _cpu_down(cpu, 1, CPUHP_OFFLINE); cpumask_set_cpu(cpu, frozen_cpus)',
            guard: (s, env) => s.ctx.online[env.local.cpu]!,
            run: (d, env) => void (d.frozen_cpus[env.local.cpu] = true),
            next: off[0]!.id,
          },
          { label: 'freeze_secondary_cpus: for_each_online_cpu(cpu): cpu is not online, skipped', guard: (s, env) => !s.ctx.online[env.local.cpu], run: advance, next: loopTo('susp.down', 'susp.irqoff') },
        ]),
        ...off,
        step<S, Task>('susp.take', 'take_cpu_down: __cpu_disable(): set_cpu_online(cpu, false); CPU_DEAD', {
          run: (d, env) => {
            set_cpu_online(d.ctx, env.local.cpu, false);
            d.dead[env.local.cpu] = true;
            advance(d, env);
          },
          next: loopTo('susp.down', 'susp.irqoff'),
        }),
        suspendDisableIrqs(),
        step<S, Task>('susp.kvm', `syscore_suspend → kvm_suspend: ${assertNotHeld}; if (kvm_usage_count)`, {
          next: (s) => (s.kvm_usage_count !== 0 ? 'susp.body' : 'susp.resume'),
        }),
        body<Task>('susp.body', disableCall, 0, `cpu0, kvm_suspend: ${disableCall.name}(NULL), interrupts off`, 'susp.resume', ['syscore']),
        step<S, Task>('susp.resume', 'suspend_enter: the system sleeps and wakes; syscore_resume → kvm_resume: if (kvm_usage_count)', {
          next: (s) => (s.kvm_usage_count !== 0 ? 'susp.warn' : 'susp.irqon'),
        }),
        step<S, Task>('susp.warn', `kvm_resume: ${assertNotHeld}`, { run: declareStraight((d: D, env: StepEnv<Task>) => env.warnOn(spinIsLocked(d.kvm_lock), RESUME_WARN), { bind: { spinIsLocked, RESUME_WARN } }) }),
        body<Task>('susp.enable', enableCall, 0, `cpu0, kvm_resume: WARN_ON_ONCE(${variant === 'v6.12' ? 'kvm_enable_virtualization_cpu' : '__hardware_enable_nolock'}())`, 'susp.ret', ['syscore']),
        // The failure is a return value (WARNed about, then dropped), not a global counter: the
        // model's counter, which carries it, is cleared.
        step<S, Task>('susp.ret', 'kvm_resume: return (a failed enable only WARNs)', { run: (d) => atomic_set(d.hardware_enable_failed, 0) }),
        suspendEnableIrqs(),
        choice<S, Task>('susp.up', [
          {
            label: 'thaw_secondary_cpus: for_each_cpu(cpu, frozen_cpus): _cpu_up(cpu, 1, CPUHP_ONLINE): start_secondary(): set_cpu_online(cpu, true); local_irq_enable()',
            guard: (s, env) => s.frozen_cpus[env.local.cpu]!,
            run: (d, env) => {
              d.frozen_cpus[env.local.cpu] = false;
              d.dead[env.local.cpu] = false;
              set_cpu_online(d.ctx, env.local.cpu, true);
            },
            next: onl[0]!.id,
          },
          { label: 'thaw_secondary_cpus: cpu is not in frozen_cpus, skipped', guard: (s, env) => !s.frozen_cpus[env.local.cpu], run: advance, next: loopTo('susp.up', 'susp.thaw') },
        ]),
        ...onl,
        step<S, Task>('susp.rollback', '_cpu_up(cpu): cpuhp rollback to CPUHP_OFFLINE: set_cpu_online(cpu, false); CPU_DEAD', {
          run: (d, env) => {
            set_cpu_online(d.ctx, env.local.cpu, false);
            d.dead[env.local.cpu] = true;
            advance(d, env);
          },
          next: loopTo('susp.up', 'susp.thaw'),
        }),
        thawProcesses(),
      ];
    };

    /**
     * The reboot's on_each_cpu(hardware_disable_nolock): kvm_reboot() (a reboot notifier, up to
     * v6.4) or kvm_shutdown() (a syscore shutdown op, v6.5+), on the CPU pm picks (`first`, the
     * step that picks it); then `after`.
     */
    const rebootDisable = (fn: 'kvm_reboot' | 'kvm_shutdown', first: string, after: string): LocationDef<S, Task>[] =>
      func<S, Task>(fn, [
        onSomeCpu<S, Task>(first, ctxRef<Task>(), cpuIds, (c) => ({
          label: `${fn}: kvm_rebooting = true; on_each_cpu(): preempt_disable()`,
          run: declareStraight(
            (d: D, env: StepEnv<Task>) => {
              d.kvm_rebooting = true;
              preempt_disable(d.ctx, env.local.task, env, c);
            },
            { bind: { preempt_disable, c } },
          ),
          next: 'reboot.call',
        })),
        ...onEachCpuCall<S, Task>({
          id: 'reboot.call', caller: fn, func: disableCall, sender: PM_SENDER, cpu: here, xcalls, online, order: onEachCpuOrder, next: after,
          returnTags: ['kvm_reboot_return'],
          onReturn: declareStraight((d: D, env: StepEnv<Task>) => preempt_enable(d.ctx, env.local.task, env), { bind: { preempt_enable } }),
        }),
      ]);
    // 2.6.37..v6.4: the reboot notifier. kvm_reboot(): kvm_rebooting = true; on_each_cpu(hardware_disable_nolock, NULL, 1); return NOTIFY_OK;
    const rebootNotifier = (): LocationDef<S, Task>[] => [
      ...rebootDisable('kvm_reboot', 'user.reboot', 'reboot.ret'),
      step<S, Task>('reboot.ret', 'kvm_reboot: return NOTIFY_OK', { next: END }),
    ];
    // v6.5+: kernel_restart() -> kernel_restart_prepare() (system_state = SYSTEM_RESTART), migrate_to_reboot_cpu()
    // (cpu_hotplug_disable()), syscore_shutdown() -> kvm_shutdown() (v6.12: only if kvm_syscore_ops is registered).
    /** syscore_shutdown(): mutex_lock(&syscore_ops_lock), then the ops in the list: kvm_shutdown() if it is there. */
    const syscoreShutdown = (registeredAtInit: boolean): LocationDef<S, Task> => {
      const loc = mutexLock<S, Task>('reboot.syscore', 'kernel_restart', SYSCORE_OPS_LOCK, {
        label: 'kernel_restart: syscore_shutdown(): mutex_lock(&syscore_ops_lock); list_for_each_entry_reverse(ops, &syscore_ops_list, node)',
      });
      const next = registeredAtInit ? 'reboot.cpu' : (s: S) => (s.kvm_syscore ? 'reboot.cpu' : 'reboot.ret');
      const note = registeredAtInit ? 'kvm_syscore_ops, registered at kvm_init()' : 'kvm_syscore_ops, if registered';
      return { ...loc, actions: loc.actions.map((a) => ({ ...a, note, next })) };
    };
    const kernelRestart = (registeredAtInit: boolean): LocationDef<S, Task>[] => [
      step<S, Task>('user.reboot', 'kernel_restart(): kernel_restart_prepare(): system_state = SYSTEM_RESTART; device_shutdown()', {
        run: (d) => void (d.restarting = true),
      }),
      step<S, Task>('reboot.hpdis', 'kernel_restart: migrate_to_reboot_cpu(): cpu_hotplug_disable()', {
        guard: (s) => !s.cpu_hotplug.writer,
        blockedOn: () => 'cpu_add_remove_lock, held by the hotplug operation in progress',
        run: (d) => void (d.hotplug_disabled = true),
      }),
      syscoreShutdown(registeredAtInit),
      ...rebootDisable('kvm_shutdown', 'reboot.cpu', 'reboot.ret'),
      mutexUnlock<S, Task>('reboot.ret', 'kernel_restart', SYSCORE_OPS_LOCK, {
        label: 'kernel_restart: syscore_shutdown(): mutex_unlock(&syscore_ops_lock); machine_restart()',
        next: END,
      }),
    ];
    const suspendCode = byVariant(variant, {
      'v2.6.37': suspendStartingDying, 'patch-1': suspendStartingDying, 'patch-2': suspendStartingDying,
      'hypothetical-mix': suspendStartingDying, 'v4.10': suspendStartingDying,
      'v6.3': suspendOnline, 'v6.5': suspendOnline, 'v6.12': suspendOnline,
    });
    const rebootCode = byVariant(variant, {
      'v2.6.37': rebootNotifier, 'patch-1': rebootNotifier, 'patch-2': rebootNotifier, 'hypothetical-mix': rebootNotifier, 'v4.10': rebootNotifier,
      'v6.3': rebootNotifier,
      'v6.5': () => kernelRestart(true),
      'v6.12': () => kernelRestart(false),
    });
    const pm = threadKind<S, Task>('pm', { task: taskContext(), cpu: -1 }, [...(suspend ? suspendCode : []), ...(reboot ? rebootCode : [])]);

    // ======================================================================================
    // The IPI handler of every CPU: runs a queued call when its CPU is online with interrupts on.
    // ======================================================================================
    const ipi = ipiHandler<S>({
      funcs: [enableCall, disableCall],
      xcalls,
      senders: senderNames,
      canTakeIpi: (s, c) => s.ctx.online[c]! && !s.ctx.irqs_off[c],
    });

    const threads: ThreadDef<S, any>[] = creatorNames.map((name) => spawn(creator, name));
    if (rounds > 0) threads.push(spawn(hotplug, `cpu${X}/hotplug`));
    if (reboot || suspend) threads.push(spawn(pm, 'pm'));
    if (senderNames.length > 0) for (const c of cpuIds) threads.push(spawn(ipi, `cpu${c}/ipi`, { cpu: c }));

    const init: S = {
      ctx: cpuContext(cpus),
      kvm_lock: variant === 'v6.3' || variant === 'v6.5' || variant === 'v6.12' ? mutex() : spinlock(),
      kvm_usage_count: 0,
      hardware_enable_failed: atomic(0),
      kvm_rebooting: false,
      cpus_hardware_enabled: cpumask(cpus),
      hw_enabled: cpumask(cpus),
      dead: cpumask(cpus),
      xcalls: crossCalls(senderNames.length, cpus),
      cpu_hotplug: { readers: 0, writer: false },
      frozen: false,
      frozen_cpus: cpumask(cpus),
      restarting: false,
      hotplug_disabled: false,
      kvm_cpuhp: false,
      kvm_syscore: false,
      syscore_ops_lock: mutex(),
    };
    // Symmetry (declaration only; the engine keeps one state per orbit, kmc check --no-symmetry
    // turns it off). The VM creators are interchangeable: one program, sender row i of
    // xcalls.pending is creator i's, and thread indices in kvm_lock.holder and ctx.owner name
    // them; each creator's task context (the CPU it is pinned to) is its own local. The CPUs
    // other than the hotplugged one are interchangeable too, unless the suspend cycle runs
    // (disable_nonboot_cpus() takes them down in a fixed order, and the boot CPU alone runs
    // kvm_suspend()) or v6.12 (cpuhp_setup_state() visits them in order). A CPU number held in a
    // task's context (`task.cpu`) or an IPI handler's `cpu` is renamed with it; the programs name
    // no CPU but X, so no location is renamed.
    const symmetry: SymmetryDef[] = [];
    if (nCreators >= 2)
      symmetry.push({
        name: 'creators',
        members: creatorNames.map((_, i) => i),
        threads: (i) => [creatorNames[i]!],
        indexed: ['xcalls.pending'],
        threadValues: ['kvm_lock.holder', 'ctx.owner'],
      });
    if (!suspend && X >= 2 && variant !== 'v6.12') {
      const members = cpuIds.filter((c) => c !== X);
      const cx = contextSymmetry('ctx', 'task');
      symmetry.push({
        name: `CPUs ${members.join(', ')}`,
        members,
        threads: (c) => (senderNames.length > 0 ? [`cpu${c}/ipi`] : []),
        indexed: [...cx.indexed!, 'cpus_hardware_enabled', 'hw_enabled', 'dead', 'frozen_cpus', 'xcalls.pending[*]'],
        threadValues: [...cx.threadValues!, 'kvm_lock.holder'],
        localMemberValues: [...cx.localMemberValues!, 'cpu'],
      });
    }
    return {
      init,
      threads,
      symmetry,
      gates: [
        // stop_machine: while the hotplug thread is inside it, no other thread takes a step.
        stopMachineGate<S>((s) => s.ctx),
        // The freezer: a frozen task (a VM creator, the hotplug operation's caller) takes no step.
        freezerGate<S>((s) => s.frozen, (_env, a) => a.kind === 'creator' || a.kind === 'hotplug'),
      ],
    };
  },
});
