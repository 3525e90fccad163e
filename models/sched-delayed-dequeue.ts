// sched/fair delayed dequeue versus kvm_sched_out (seed 004_0072234a9c79b19b.txt: LKML, "Re: [PATCH
// 17/24] sched/fair: Implement delayed dequeue", Sean Christopherson, Peter Zijlstra, Mike
// Galbraith, 2024-10-10).
//
// Sean: with 152e11f6df29 a task that blocks in schedule() may keep p->on_rq set (its entity is
// "delayed": se.sched_delayed, dequeued for real by __block_task() when it is picked again, or
// requeued by a wakeup). kvm_sched_out() keys vcpu->preempted off current->on_rq, so a vCPU that
// HLTs and calls schedule() is seen as preempted; vmx_vcpu_pi_put() then sets the posted-interrupt
// descriptor's SN (suppress notification) bit, "and the target vCPU never gets its wake event".
// Peter's fix adds task_is_runnable(p) = p->on_rq && !p->se.sched_delayed and uses it in
// kvm_sched_out() and in the freezer's __set_task_frozen() ("Allow freezing the sched_delayed
// tasks; they will not execute until ttwu() fixes them up").
//
// Variants:
//   eevdf             before delayed dequeue: block_task() always dequeues (p->on_rq = 0).
//   delayed-dequeue   152e11f6df29: dequeue_entity() may delay a sleeping, non-eligible entity;
//                     kvm_sched_out() and __set_task_frozen() still test p->on_rq.
//   task_is_runnable  the fix: DELAY_DEQUEUE kept, both tests use task_is_runnable().
//
// Functions modelled (Linux 6.12 era; the seed gives kvm_sched_out, task_is_runnable and the
// __set_task_frozen hunk, the rest is the code of that time):
//   vCPU (cpu0/vcpuN, one task per vCPU, all on cpu0): kvm_vcpu_block (prepare_to_rcuwait,
//     set_current_state(TASK_INTERRUPTIBLE), kvm_vcpu_check_block -> kvm_arch_vcpu_runnable ->
//     vmx_sync_pir_to_irr / kvm_apic_update_irr, schedule(), finish_rcuwait), vcpu_enter_guest.
//   __schedule on cpu0: rq_lock, signal_pending_state, block_task (dequeue_task ->
//     dequeue_entity with DELAY_DEQUEUE, __block_task), pick_next_task / pick_next_entity (a
//     picked sched_delayed entity is dequeued: dequeue_entities(DEQUEUE_DELAYED) ->
//     __block_task), context_switch -> prepare_task_switch -> fire_sched_out_preempt_notifiers,
//     finish_task_switch -> fire_sched_in_preempt_notifiers; preempt_schedule_irq (SM_PREEMPT).
//   KVM preempt notifiers: kvm_sched_out (scheduled_out, preempted, ready) -> kvm_arch_vcpu_put
//     -> vmx_vcpu_pi_put (pi_enable_wakeup_handler: list_add_tail, WARN(pi_desc->sn), NV =
//     POSTED_INTR_WAKEUP_VECTOR, self-IPI if ON; pi_set_sn if preempted); kvm_sched_in
//     (preempted = ready = false) -> kvm_arch_vcpu_load -> vmx_vcpu_pi_load (fast path
//     pi_test_and_clear_sn; slow path list_del, SN = 0, NV = POSTED_INTR_VECTOR; set ON if PIR).
//   Posted interrupts: the PI descriptor (PIR, ON, SN, NV; NDST is always cpu0); senders are
//     hardware: sender 0 of each vCPU is an assigned device posting through VT-d, senders 1.. are
//     vCPUs on other pCPUs sending IPIs through IPI virtualization. Both do, atomically, "PIR |=
//     vec; if (!ON && !SN) { ON = 1; send NV to NDST }". The wakeup vector's handler
//     (sysvec_kvm_posted_intr_wakeup_ipi -> pi_wakeup_handler) walks cpu0's wakeup list and
//     kvm_vcpu_wake_up()s each vCPU with ON set (rcuwait_wake_up -> wake_up_process -> ttwu).
//     With `kvmSenders` > 0 also KVM's software path on another pCPU (an emulated IPI from a vCPU
//     without IPI virtualization, or an irqfd): vmx_deliver_posted_interrupt ->
//     __vmx_deliver_posted_interrupt (pi_test_and_set_pir; pi_test_and_set_on; then
//     kvm_vcpu_trigger_posted_interrupt: vcpu->mode == IN_GUEST_MODE ? send POSTED_INTR_VECTOR :
//     kvm_vcpu_wake_up -> rcuwait_wake_up: smp_mb (B), task = rcu_dereference(w->task),
//     wake_up_process), a step per statement; it ignores SN and NV.
//   ttwu (src/kernel/sched.ts): ttwu_state_match with saved_state, ttwu_runnable (requeues a
//     sched_delayed entity), activation.
//   Freezer (parameter `freezer`): freeze_processes / try_to_freeze_tasks -> freeze_task ->
//     task_call_func(__set_task_frozen) or fake_signal_wake_up; thaw_processes -> __thaw_task
//     (__restore_freezer_state, wake_up_state(p, TASK_FROZEN)); and a freezable sleeper on cpu0
//     (cpu0/nanosleep: do_nanosleep's TASK_INTERRUPTIBLE|TASK_FREEZABLE loop, get_signal ->
//     try_to_freeze -> __refrigerator, whose TASK_FROZEN is a special state and never delayed).
//
// How it is written (docs/model-api.md): what the variants differ in is a `byVariant` fragment
// each: the runnable test of kvm_sched_out() and __set_task_frozen() (p->on_rq, or
// task_is_runnable(p)), block_task()'s outcomes for a sleeper (dequeued at once, or dequeue_entity()
// leaving a non-eligible entity sched_delayed), and pick_next_entity()'s dequeue of a delayed
// entity (code that exists only with delayed dequeue). cpu0 is a CpuContext (src/kernel/context.ts):
// rq_lock()/local_irq_save() pin the running task to cpu0 with interrupts off, the wakeup handler
// runs there non-preemptibly (irq_enter), and a gate (needsCpuGate) keeps every task on cpu0 from
// running while the handler has it: no hand-kept irqs_disabled/in_irq flags and no "not in the
// IRQ" guard on each step. The vCPUs are one thread kind (which vCPU is a local; vcpu1.. start
// switched out, preempted at the preemption point before prepare_to_rcuwait, so their first step
// is that preemption's kvm_sched_in, which the first location offers while scheduled out); the
// senders are two kinds (VT-d device, IPI virtualization) with their vCPU, vector and count as
// locals. Against the version with a program per vCPU and per sender, every verdict and shortest
// counterexample is the same; with one vCPU the state and transition counts are the same too;
// with two, states that differed only in which of two identical copies of the sched-in code
// vcpu1 was in (its own start copy or the one after a preemption at prepare_to_rcuwait) are now
// one state (tests/models/sched-delayed-dequeue.test.ts, `--vcpus2`: 10411 -> 10371 etc.).
//
// Threads: cpu0/vcpuN (N < vcpus), cpu0/other (the context cpu0 runs when no modelled task does:
//   a competing CFS task or idle; its __schedule picks the next task), cpu0/irq (the wakeup
//   vector's handler), one sender per (vCPU, sender) (device->vcpuN, cpuK/vcpu-ipi->vcpuN,
//   cpuK/kvm->vcpuN), and with `freezer`: cpu0/nanosleep and cpu2/freezer.
//
// Simplifications, and why they are sound for these properties:
// - The freezer targets only the nanosleep task, not the vCPUs. kvm_vcpu_block() sleeps in
//   TASK_INTERRUPTIBLE without TASK_FREEZABLE, so __set_task_frozen() refuses a vCPU by its state
//   test whatever p->on_rq says: the decision is the same in all three variants (always
//   fake_signal_wake_up(), which makes the vCPU leave KVM_RUN with -EINTR). The line the fix
//   changes only matters for a TASK_FREEZABLE sleeper, which is what cpu0/nanosleep is.
// - Which entity pick_next_task() chooses, and whether dequeue_entity() finds the entity
//   eligible, are nondeterministic choices: the model has every outcome of the EEVDF arithmetic
//   it abstracts (an over-approximation; every violation found is a real interleaving of the
//   code, given some vruntime/lag values). cpu0/other stands for every other CFS task and idle:
//   a context switch from a modelled task always goes to it, and its __schedule picks a task
//   later; a direct switch between two modelled tasks is the same with an empty interval.
// - cpu0/other's __schedule and the nanosleep task's schedule() are one atomic step each: they
//   run under the rq lock with interrupts off, and nothing they write (curr, on_rq,
//   sched_delayed, __state of a non-vCPU) is read without that lock by anyone but the hardware
//   senders, which read only the PI descriptor. The vCPU's __schedule is split into the steps that
//   touch the PI descriptor (the senders race with those), under the rq lock throughout.
// - try_to_wake_up and task_call_func are atomic steps that wait while a __schedule holds the rq
//   lock. In the kernel, ttwu and task_call_func take p->pi_lock and then the rq lock (or wait for
//   p->on_cpu == 0) before touching on_rq/sched_delayed, so they serialize with __schedule; their
//   pi_lock-only parts (state match, saved_state) touch variables __schedule does not, so they
//   commute with its steps.
// - pi_wakeup_handler's per-CPU lock is not modelled as a lock: the list is only touched on cpu0
//   (no migration) with interrupts off (pi_enable_wakeup_handler in __schedule, vmx_vcpu_pi_load
//   under local_irq_save) or from the handler itself, so cpu0's interrupt masking already
//   excludes them (its LOCK'd acquisition still drains cpu0's store buffer, in the handler's first
//   step). The handler's list walk is one step per vCPU (test ON, then wake).
// - The POSTED_INTR_VECTOR notification is dropped: when the vCPU is not in guest mode its host
//   handler (kvm_posted_intr_ipi) only counts the IRQ; the pending interrupt is found through ON
//   by vmx_sync_pir_to_irr (kvm_vcpu_check_block) or vmx_vcpu_pi_load.
// - kvm_sched_out's writes (scheduled_out, preempted, ready) are one step with the notifier
//   call: they happen on cpu0 under the rq lock and only cpu0 reads preempted (vmx_vcpu_pi_put).
//   vmx_vcpu_pi_put's "kvm_vcpu_is_blocking(vcpu) && !vmx_interrupt_blocked(vcpu)" is evaluated
//   in that step too (only the vCPU writes rcuwait.task); the guest is assumed to HLT with
//   interrupts enabled (STI; HLT), so vmx_interrupt_blocked() is false. pi_enable_wakeup_handler's
//   cmpxchg and its test of ON in `new` are one step: `new` is the value the cmpxchg installed.
// - vmx_sync_pir_to_irr's kvm_apic_update_irr is one step (READ_ONCE of the PIR word, xchg if it
//   is not 0; one word holds every modelled vector). kvm_vcpu_check_block's other tests (pending timer, KVM_REQ_UNBLOCK)
//   are false: no timer, no request. Halt polling is off (halt_poll_ns = 0): a poll is only an
//   earlier kvm_vcpu_check_block.
// - Involuntary preemption (a budget of `preemptions` on cpu0) is allowed at each point of
//   kvm_vcpu_block where preemption is enabled (before prepare_to_rcuwait's section, after it,
//   after set_current_state, after kvm_vcpu_check_block returned 0) and in do_nanosleep after
//   set_current_state. The budget bounds the search; it does not remove orders within it.
// - Each vCPU halts `halts` times (its halt loop: vcpu_run -> vcpu_block -> kvm_vcpu_halt ->
//   kvm_vcpu_block), and every halt after the first starts from the PI descriptor (SN, NV, ON,
//   PIR) and wakeup-list state the previous one left. Between two halts the guest runs: one step
//   from vcpu_enter_guest to the next HLT exit, with sync_pir_to_irr's "if ON: clear ON, PIR ->
//   IRR" and the guest taking its IRR. Posts while the guest runs are delivered by the CPU, which
//   is the same as a post just before that step or just after it (seen by the next
//   kvm_vcpu_block through ON); PIR bits without ON stay, as on the CPU. The vCPU keeps cpu0 while
//   the guest runs; a preemption there (VM-exit, preempt) is the same as one at the next
//   preemption point of kvm_vcpu_block (before prepare_to_rcuwait). vcpu_block's own
//   kvm_arch_vcpu_runnable() test before kvm_vcpu_halt is an earlier kvm_vcpu_check_block and is
//   left out. After its last halt the vCPU re-enters the guest and the model stops following it
//   (cpu0 goes back to cpu0/other): a vCPU in guest mode gets posted interrupts from the
//   hardware directly, and no property concerns it any more.
// - A vCPU switched out by kvm_vcpu_block's schedule() is at a valid end location: HLT may wait
//   forever for an interrupt that never comes (with finite senders every run can end so), so it
//   is not a deadlock. A wakeup lost while an interrupt is pending is what no-lost-wakeup checks,
//   whatever loses it. A preempted vCPU is not at an end location (cpu0/other must pick it).
// - Each sender posts `interrupts` interrupts on its own vector (one PIR bit per sender). The
//   vCPUs other than vcpu0 start switched out, preempted right after their HLT exit (preempted,
//   SN set, runnable), so that they start the same way vcpu0 would after a preemption.
// - `ready` is modelled (kvm_sched_out, kvm_sched_in, kvm_vcpu_wake_up) but nothing reads it:
//   kvm_vcpu_on_spin's directed yield is not modelled.
// - A preemption always switches to cpu0/other (one that picks prev again changes nothing); a
//   voluntary schedule() may pick prev again when it is still runnable. The switch-in by
//   cpu0/other includes finish_task_switch's rq unlock, so kvm_sched_in runs with the rq lock
//   free and interrupts on, as in the kernel (fire_sched_in_preempt_notifiers follows
//   finish_lock_switch).
// - The freezer runs one freeze/thaw cycle on the nanosleep task (a user task: freeze_task's
//   fake_signal_wake_up, not the PF_KTHREAD wake_up_state); try_to_freeze_tasks retries or times
//   out. get_signal clears TIF_SIGPENDING (recalc_sigpending: the fake signal queued nothing) when
//   it calls try_to_freeze; doing it there rather than after the refrigerator changes nothing the
//   model reads, since TASK_FROZEN is not interruptible (signal_pending_state is false for it).
//   The hrtimer that would end the nanosleep never fires (a long sleep).
//
// Shared memory (src/kernel/memory.ts; the `memory` parameter, x86-TSO by default): the PI
// descriptor is what cpu0 and the posting hardware access without a common lock, so its words
// (PIR, and the control word holding ON, SN and NV) are a SharedMemory, and every access is the
// kernel's primitive: pi_test_on / pi_is_pir_empty / the reads of pi_desc->nv are loads (READ_ONCE);
// pi_set_sn, pi_set_on, pi_clear_on are set_bit/clear_bit and pi_test_and_clear_sn is
// test_and_clear_bit (LOCK'd on x86); pi_try_set_control is cmpxchg; kvm_apic_update_irr takes the
// PIR with xchg; the senders post with atomic updates (VT-d spec 5.2.3; IPI virtualization
// likewise). The barriers of the code on cpu0 are in its steps: smp_mb__after_atomic() after the
// SN clear in vmx_vcpu_pi_load and after pi_clear_on in vmx_sync_pir_to_irr (compiler barriers on
// x86, where the atomics before them are LOCK'd; under lkmm they order the relaxed bit operations),
// set_current_state()'s smp_mb, rcuwait_wake_up()'s smp_mb (B), and the LOCK'd acquisitions of the
// rq lock and of pi_wakeup_handler's lock (spinLockFence, and spinUnlockFence at the unlocks).
// Since every store cpu0 makes to the descriptor is a LOCK'd read-modify-write, nothing of it ever
// waits in cpu0's store buffer: sc, tso and lkmm reach the same states and verdicts (pinned). That
// the declaration matters is shown by a test-only form with `if (pi_test_sn()) __pi_clear_sn()`
// (posted_intr.h's non-atomic helper) in vmx_vcpu_pi_load: under tso and lkmm the SN clear waits
// in the store buffer while the PIR is read empty, the device posts seeing SN still set, and the
// wakeup is lost (20 steps); under sc, or with smp_mb() in place of smp_mb__after_atomic(), it
// holds. Every other field stays sequentially consistent, which is exact here: __state, on_rq,
// sched_delayed, rcuwait.task, preempted, the wakeup list and the vAPIC IRR are written and read
// only on cpu0 (the vCPU task, the wakeup handler, cpu0's scheduler), and a CPU sees its own
// stores in program order (store forwarding), or, by the freezer on cpu2, only under the
// freezer lock and task_call_func's pi_lock and rq lock.
//
// The KVM software senders (`kvmSenders`) read two more fields of cpu0's without a lock, so with
// them these are shared words too: rcuwait.task (`rcuwaitN`: prepare_to_rcuwait and
// finish_rcuwait store it with rcu_assign_pointer = smp_store_release, kvm_vcpu_is_blocking and
// rcuwait_wake_up read it) and vcpu->mode (`modeN`: vcpu_enter_guest stores IN_GUEST_MODE with
// smp_store_release followed by srcu_read_unlock's smp_mb, and the VM-exit's plain store of
// OUTSIDE_GUEST_MODE may wait in cpu0's store buffer until kvm_vcpu_block's set_current_state).
// Without a software sender only cpu0 reads them and they stay plain fields (rcuwait_task; mode is
// then not modelled), exact by store forwarding; so the default state space is unchanged. The
// barrier pairs the software path relies on: pi_test_and_set_on's LOCK (a full barrier) before
// its read of vcpu->mode against vcpu_enter_guest's mode store, smp_mb and read of ON; and
// rcuwait's (B) before the read of w->task against prepare_to_rcuwait's store, set_current_state
// (A) and kvm_vcpu_check_block's read of ON. The vCPU task's __state stays sequentially
// consistent though ttwu on the sender's pCPU reads it (under p->pi_lock, after
// smp_mb__after_spinlock): every store of it by cpu0 is followed in the same step by a full
// barrier (set_current_state's smp_mb, the rq unlock) except finish_rcuwait's
// __set_current_state(TASK_RUNNING), whose delay could only make a ttwu wake an already running
// vCPU (a spurious wakeup, which changes nothing here); so making it visible at once hides no
// lost wakeup. The software senders' own stores are all LOCK'd RMWs: their buffer (the senders'
// side, index 1) stays empty. Findings, pinned by test-only forms in the model test: without
// (B) nothing is lost under sc, tso or lkmm, since the store it orders is pi_test_and_set_on's
// fully ordered RMW; with __set_current_state in kvm_vcpu_block nothing is lost either, since
// pi_enable_wakeup_handler tests ON after the rq lock and sends itself the wakeup vector. With
// that self-IPI taken out, __set_current_state loses the wakeup under tso and lkmm (15 steps, the
// rcuwait.task store still in cpu0's buffer when the sender reads NULL) and holds under sc; and
// with ON set by a plain store, dropping (B) loses it under tso and lkmm.
//
// What the verdicts cover (the scope of every claim below): one pCPU (cpu0) running the vCPUs,
// the other tasks and the wakeup handler; posted interrupts from hardware senders only (an
// assigned device through VT-d, vCPUs on other pCPUs through IPI virtualization) and, with
// `kvmSenders`, from KVM's software path (not nested posted interrupts, not the VT-d
// posted-interrupt wakeup of a vCPU migrated to another pCPU); a budget of `preemptions` involuntary
// preemptions; `halts` halts per vCPU; no migration (NDST is always cpu0), no halt polling, no
// timers, no KVM requests; the freezer against one nanosleep task; x86-TSO (the default memory
// model; sc and lkmm give the same verdicts) for the PI descriptor.
//
// Verdicts (pinned in tests/models/sched-delayed-dequeue.test.ts): eevdf and task_is_runnable
// hold every property at every size tried. delayed-dequeue loses the wakeup in 12 steps, the
// thread's scenario exactly: schedule() delays the dequeue, kvm_sched_out() sees on_rq and sets
// preempted, vmx_vcpu_pi_put() enables the wakeup vector and then sets SN, the device posts into
// the suppressed descriptor; no preemption is needed. With the freezer, delayed-dequeue also
// refuses to freeze a sleeping (delayed) freezable task and wakes it with a fake signal: a
// spurious wakeup, not a hang or a frozen task running (frozen-task-not-scheduled and the
// freezer's part of deadlock hold), which is Peter's "isn't a correctness thing"; the fix freezes
// the delayed task in place, and it is never scheduled while frozen.
// no-lost-wakeup is stated without SN ("asleep in kvm_vcpu_block with a PIR bit or ON pending and
// no wakeup on its way"): the tests reintroduce two other ways of losing the wakeup as test-only
// forms of the model (no self-IPI in pi_enable_wakeup_handler, 12 steps; no pi_set_on in
// vmx_vcpu_pi_load, 20 steps, needs a preemption) and both are violations on eevdf and
// task_is_runnable, whose real code holds. With KVM software senders (`--kvm`, `--device-kvm` in
// the test) eevdf and task_is_runnable hold under tso; the software path ignores SN and wakes
// through rcuwait, so with it alone delayed-dequeue loses no wakeup (preempted-only-if-runnable
// is still violated), and with a device as well the device's post is lost as before (12 steps).

import {
  defineModel, step, choice, thread, threadKind, spawn, byVariant, withNote, alsoRun, intParam, boolParam, END, declareStraight,
  type ActionDef, type Draft, type System, type LocationDef, type StepEnv, type ThreadDef,
} from '../src/model/index.js';
import {
  spinlock, lockRef, spinLock, spinUnlock, UNLOCKED, type Spinlock,
  preemptNotifiers, fire_sched_out_preempt_notifiers, fire_sched_in_preempt_notifiers, type PreemptNotifier,
  taskStruct, task_is_runnable, try_to_wake_up, block_task, __block_task, signal_pending_state, frozen,
  TASK_RUNNING, TASK_INTERRUPTIBLE, TASK_FREEZABLE, TASK_FROZEN, TASK_NORMAL, __TASK_STOPPED, __TASK_TRACED,
  type TaskStruct,
  cpuContext, taskContext, contextRef, canRunOn, needsCpuGate, preempt_disable, preempt_enable, local_irq_disable, local_irq_enable,
  spin_lock_irq_context, spin_unlock_irq_context,
  type CpuContext, type TaskContext,
  memoryParams, sharedMemory, memoryThreads, READ_ONCE, WRITE_ONCE, smp_store_release, set_bit, clear_bit, test_and_clear_bit, test_and_set_bit, xchg,
  smp_mb, smp_wmb, smp_mb__after_atomic, try_cmpxchg_loop, spinLockFence, spinUnlockFence, type SharedMemory,
} from '../src/kernel/index.js';

/** arch/x86/include/asm/irq_vectors.h */
export const POSTED_INTR_VECTOR = 0xf2;
export const POSTED_INTR_WAKEUP_VECTOR = 0xf1;
/** cpu0.curr when cpu0 runs a task the model does not follow (another CFS task, or idle). */
export const OTHER = -1;
/** vmx_vcpu_pi_put's WARN in pi_enable_wakeup_handler. */
export const SN_SET_BEFORE_BLOCKING = 'PI descriptor SN field set before blocking';

/**
 * struct pi_desc, reduced to what the protocol uses (NDST is always cpu0), in shared memory: two
 * words per vCPU, `pirN` (the PIR bitmap: bit K = sender K's vector) and `controlN` (the control
 * word: ON is bit POSTED_INTR_ON, SN bit POSTED_INTR_SN, NV the byte at bit 16, as in the u64
 * `control` the kernel cmpxchg()es). ON and SN share one word, as in the kernel: a plain store of
 * the word writes both.
 */
export const POSTED_INTR_ON = 0;
export const POSTED_INTR_SN = 1;
const NV_SHIFT = 16;
const ON_BIT = 1 << POSTED_INTR_ON;
const SN_BIT = 1 << POSTED_INTR_SN;
const NV_MASK = 0xff << NV_SHIFT;
/**
 * The names of a vCPU's shared words by its number, for the step compiler (src/model/straight.ts):
 * `controlOf(v)` compiles as a pick from this table by `v` at run time (v up to the `vcpus`
 * parameter's maximum; a `v` outside it bails to the general path), each call it is passed to
 * compiled once per name.
 */
const MAX_VCPUS = 3;
const namesOf = (word: string): readonly string[] => Object.freeze(Array.from({ length: MAX_VCPUS }, (_, v) => `${word}${v}`));
const PIR_NAMES = namesOf('pir');
const CONTROL_NAMES = namesOf('control');
/** The shared words of vcpuN's PI descriptor. */
export const pirOf = declareStraight((v: number) => `pir${v}`, { fn: (v: number) => PIR_NAMES[v], bind: { PIR_NAMES } });
export const controlOf = declareStraight((v: number) => `control${v}`, { fn: (v: number) => CONTROL_NAMES[v], bind: { CONTROL_NAMES } });
/**
 * With KVM software senders (`kvmSenders` > 0) two more words per vCPU are shared with another
 * CPU without a lock: `rcuwaitN` (vcpu->wait.task != NULL, what rcuwait_wake_up() reads) and
 * `modeN` (vcpu->mode, what kvm_vcpu_trigger_posted_interrupt() reads).
 */
const RCUWAIT_NAMES = namesOf('rcuwait');
const MODE_NAMES = namesOf('mode');
export const rcuwaitOf = declareStraight((v: number) => `rcuwait${v}`, { fn: (v: number) => RCUWAIT_NAMES[v], bind: { RCUWAIT_NAMES } });
export const modeOf = declareStraight((v: number) => `mode${v}`, { fn: (v: number) => MODE_NAMES[v], bind: { MODE_NAMES } });
/** include/linux/kvm_host.h: enum { OUTSIDE_GUEST_MODE, IN_GUEST_MODE, ... } */
export const OUTSIDE_GUEST_MODE = 0;
export const IN_GUEST_MODE = 1;
const controlWord = (on: boolean, sn: boolean, nv: number) => (on ? ON_BIT : 0) | (sn ? SN_BIT : 0) | (nv << NV_SHIFT);
/** A decoded view of a PI descriptor. */
export type PiDesc = { pir: number; on: boolean; sn: boolean; nv: number };
/** vcpuN's PI descriptor as it is in memory (what the posting hardware sees; stores still in cpu0's store buffer are not in it). */
export function piOf(s: { m: SharedMemory }, v: number): PiDesc {
  const c = s.m.mem[controlOf(v)]!;
  return { pir: s.m.mem[pirOf(v)]!, on: (c & ON_BIT) !== 0, sn: (c & SN_BIT) !== 0, nv: (c & NV_MASK) >>> NV_SHIFT };
}
// The names piOf reads, for the property compiler (properties/sched-delayed-dequeue.ts's no-lost-wakeup).
declareStraight(piOf, { bind: { controlOf, pirOf, ON_BIT, SN_BIT, NV_MASK, NV_SHIFT } });

type Vcpu = {
  wants_to_run: boolean;
  preempted: boolean;
  ready: boolean;
  scheduled_out: boolean;
  /**
   * rcuwait.task != NULL: kvm_vcpu_is_blocking() (prepare_to_rcuwait .. finish_rcuwait), when
   * only cpu0 reads it (no KVM software sender); with one, it is the shared word `rcuwaitN` and
   * this stays false (see rcuwaitActive).
   */
  rcuwait_task: boolean;
  /** The vAPIC IRR bits that kvm_apic_update_irr() took from the PIR. */
  irr: number;
  /** On per_cpu(wakeup_vcpus_on_cpu, 0). */
  on_wakeup_list: boolean;
  /** Back in the guest after its last kvm_vcpu_block: the model no longer follows it. */
  in_guest: boolean;
  /** kvm_vcpu_block calls completed (the guest's HLTs so far); the vCPU halts `halts` times. */
  halts: number;
  /** Ghost (read only by properties): the last __schedule that switched this vCPU out called block_task(). */
  blocked_in_schedule: boolean;
};

export type SchedDelayedDequeueState = {
  /** Tasks on cpu0: vcpu0..vcpuN-1, then (with the freezer) the nanosleep task. */
  tasks: TaskStruct[];
  /** preempt_notifier_register()ed (the vCPU tasks: vcpu_load in KVM_RUN). */
  notifiers: boolean[];
  vcpus: Vcpu[];
  /**
   * The memory the CPUs and the posting hardware share without a lock: every vCPU's PI
   * descriptor (`pirN`, `controlN`; see piOf), under the run's memory model (sc, tso, lkmm), with
   * store buffers for cpu0 (index 0) and for the senders' side (index 1: devices and other
   * pCPUs, which only ever do LOCK'd read-modify-writes there, so their buffer stays empty).
   */
  m: SharedMemory;
  cpu0: {
    /** rq->curr: a task index, or OTHER. */
    curr: number;
    /** POSTED_INTR_WAKEUP_VECTOR pending in cpu0's local APIC. */
    wakeup_ipi: boolean;
  };
  /**
   * cpu0's execution context (src/kernel/context.ts): its interrupts, and who runs there
   * non-preemptibly (a task holding the rq lock or in local_irq_save, or the wakeup handler).
   */
  ctx: CpuContext;
  rq_lock: Spinlock;
  freezer_lock: Spinlock;
  pm_freezing: boolean;
  /** Involuntary preemptions left on cpu0. */
  preempt_budget: number;
};
type S = SchedDelayedDequeueState;

/** The locals of every thread on cpu0: its execution context (preempt count, pinned CPU), and `cpu` = 0, whose store buffer it uses (src/kernel/memory.ts cpuOf). */
export type CpuTask = { task: TaskContext; cpu: number };
type Loc = LocationDef<S, CpuTask>;
type Act = ActionDef<S, CpuTask>;
/** A vCPU task's locals: its context, and which vCPU it is (tasks[v], vcpus[v]). */
export type VcpuL = CpuTask & { v: number };
type VLoc = LocationDef<S, VcpuL>;
type VAct = ActionDef<S, VcpuL>;
const cpu0Ctx = contextRef<S, CpuTask>((s) => s.ctx, (l) => l.task);
/** READ_ONCE(vcpuN's pi_desc->control), N the vCPU task's own. */
const ctlOf = declareStraight((s: S, env: StepEnv<VcpuL>) => READ_ONCE(s.m, controlOf(env.local.v), env), { bind: { READ_ONCE, controlOf } });
const nvIs = declareStraight((s: S, env: StepEnv<VcpuL>, nv: number) => ((ctlOf(s, env) & NV_MASK) >>> NV_SHIFT) === nv, { bind: { ctlOf, NV_MASK, NV_SHIFT } });
/**
 * vmx_sync_pir_to_irr's `pi_clear_on(); smp_mb__after_atomic(); kvm_apic_update_irr()`, the part
 * after pi_test_on() found ON set, on vcpuN: __kvm_apic_update_irr reads the PIR word with
 * READ_ONCE and takes it with xchg only when it is not 0.
 */
function clearOnAndUpdateIrr(d: Draft<S>, env: StepEnv<any>, v: number): void {
  clear_bit(d.m, POSTED_INTR_ON, controlOf(v), env);
  smp_mb__after_atomic(d.m, env);
  updateIrr(d, env, v);
}
/** kvm_apic_update_irr: pir_val = READ_ONCE(pir[i]); if (pir_val) { pir_val = xchg(&pir[i], 0); irr |= pir_val; } */
function updateIrr(d: Draft<S>, env: StepEnv<any>, v: number): void {
  if (READ_ONCE(d.m, pirOf(v), env) !== 0) d.vcpus[v]!.irr |= xchg(d.m, pirOf(v), 0, env);
}
/** rq_lock() / raw_spin_rq_lock_irq(): interrupts off and preemption off on cpu0, the task pinned there; the lock's LOCK'd RMW drains cpu0's store buffer. */
const irqOff = (d: Draft<S>, env: StepEnv<CpuTask>) => {
  spin_lock_irq_context(d.ctx, env.local.task, env, 0);
  spinLockFence(d.m, env);
};
/** rq_unlock_irq() / raw_spin_rq_unlock_irq() (the unlock drains here: src/kernel/memory.ts spinUnlockFence). */
const irqOn = (d: Draft<S>, env: StepEnv<CpuTask>) => {
  spinUnlockFence(d.m, env);
  spin_unlock_irq_context(d.ctx, env.local.task, env);
};
declareStraight(clearOnAndUpdateIrr, { bind: { clear_bit, POSTED_INTR_ON, controlOf, smp_mb__after_atomic, updateIrr } });
declareStraight(updateIrr, { bind: { READ_ONCE, pirOf, xchg } });
declareStraight(irqOff, { bind: { spin_lock_irq_context, spinLockFence } });
declareStraight(irqOn, { bind: { spinUnlockFence, spin_unlock_irq_context } });
/**
 * What the recipes read from the module's scope, for their straight forms (src/model/straight.ts:
 * the compiler sees no closure it is not told about): the memory model's primitives, the
 * descriptor's words and bits, cpu0's context helpers. `withNames(f, more)` declares f's form
 * with these and the builder's own names `more`; f runs as it is.
 */
const MODULE_NAMES = {
  READ_ONCE, WRITE_ONCE, smp_store_release, set_bit, clear_bit, test_and_clear_bit, xchg, smp_mb, smp_wmb, smp_mb__after_atomic, spinLockFence, spinUnlockFence,
  controlOf, pirOf, modeOf, rcuwaitOf, ON_BIT, SN_BIT, POSTED_INTR_ON, POSTED_INTR_SN, SN_SET_BEFORE_BLOCKING, OUTSIDE_GUEST_MODE, IN_GUEST_MODE,
  clearOnAndUpdateIrr, updateIrr, irqOff, irqOn, preempt_disable, preempt_enable, local_irq_disable, local_irq_enable,
  try_cmpxchg_loop, test_and_set_bit, NV_MASK, NV_SHIFT, POSTED_INTR_VECTOR, POSTED_INTR_WAKEUP_VECTOR,
};
const withNames = <F extends Function>(f: F, more: Readonly<Record<string, unknown>> = {}): F => declareStraight(f, { bind: { ...MODULE_NAMES, ...more } });
/** The cpu0 threads' and the senders' `cpu` local: whose store buffer they use. */
const CPU0 = 0;
const SENDERS_CPU = 1;

const VARIANTS = {
  eevdf: 'before delayed dequeue: a task that blocks in schedule() is dequeued at once (p->on_rq = 0); kvm_sched_out() and __set_task_frozen() test p->on_rq',
  'delayed-dequeue': 'commit 152e11f6df29 "sched/fair: Implement delayed dequeue": a non-eligible sleeper keeps p->on_rq with se.sched_delayed until picked or woken; kvm_sched_out() and __set_task_frozen() still test p->on_rq',
  task_is_runnable: 'the fix: DELAY_DEQUEUE kept; kvm_sched_out() and __set_task_frozen() test task_is_runnable(p) = p->on_rq && !p->se.sched_delayed',
} as const;

export default defineModel({
  name: 'sched-delayed-dequeue',
  doc:
    'A vCPU halting in kvm_vcpu_block() under EEVDF with and without DELAY_DEQUEUE: kvm_sched_out() decides vcpu->preempted from ' +
    'p->on_rq (or task_is_runnable()), vmx_vcpu_pi_put() suppresses posted-interrupt notifications (SN) for a preempted vCPU, and ' +
    'a device or another vCPU posts the interrupt that should wake it; plus the freezer\'s __set_task_frozen() on a delayed sleeper.',
  seed: '004_0072234a9c79b19b.txt',
  params: {
    vcpus: intParam(1, 'vCPU tasks halting on cpu0 (each halts `halts` times)', { min: 1, max: 3 }),
    senders: intParam(1, 'hardware posting sources per vCPU: sender 0 is an assigned device (VT-d), senders 1.. are vCPUs on other pCPUs (IPI virtualization)', { min: 0, max: 3 }),
    kvmSenders: intParam(0, 'software posting sources per vCPU: KVM on another pCPU posting with __vmx_deliver_posted_interrupt (an emulated IPI or an irqfd), which wakes a blocked vCPU through rcuwait_wake_up', { min: 0, max: 2 }),
    interrupts: intParam(2, 'interrupts each sender posts', { min: 1, max: 3 }),
    halts: intParam(2, 'times each vCPU halts (HLT -> kvm_vcpu_block); a later halt inherits the SN/NV/ON and wakeup-list state the earlier one left', { min: 1, max: 3 }),
    preemptions: intParam(1, 'involuntary preemptions allowed on cpu0', { min: 0, max: 3 }),
    freezer: boolParam(true, 'run the freezer (freeze_processes, thaw_processes) against a freezable nanosleep task on cpu0 (the other check the fix changes, __set_task_frozen)'),
    // The PI descriptor is shared with the posting hardware without a lock: checked under x86-TSO
    // by default (`--memory sc|lkmm` for the others).
    ...memoryParams('tso'),
  },
  variants: VARIANTS,
  build({ params, variant }): System<S> {
    const nVcpus = params.vcpus;
    const nSenders = params.senders;
    const nKvmSenders = params.kvmSenders;
    // rcuwait.task and vcpu->mode are read by another CPU only with a KVM software sender; without
    // one only cpu0 reads them, and a CPU sees its own stores in order, so a plain field is exact.
    const kvmShared = nKvmSenders > 0;
    /** rcuwait_active(&vcpu->wait): READ_ONCE(w->task) != NULL (kvm_vcpu_is_blocking). */
    // (Which of the two, chosen once: the plain field's form the step compiler takes.)
    const rcuwaitActive = withNames(kvmShared
      ? (s: S | Draft<S>, env: StepEnv<any>, v: number) => READ_ONCE(s.m, rcuwaitOf(v), env) !== 0
      : (s: S | Draft<S>, _env: StepEnv<any>, v: number) => s.vcpus[v]!.rcuwait_task);
    /** rcu_assign_pointer(w->task, current or NULL): smp_store_release. */
    const rcuAssign = withNames(kvmShared
      ? (d: Draft<S>, env: StepEnv<any>, v: number, task: boolean) => smp_store_release(d.m, rcuwaitOf(v), task ? 1 : 0, env)
      : (d: Draft<S>, _env: StepEnv<any>, v: number, task: boolean) => void (d.vcpus[v]!.rcuwait_task = task));
    const nInterrupts = params.interrupts;
    const nHalts = params.halts;
    const withFreezer = params.freezer;
    const SLEEPER = nVcpus;
    const taskName = (t: number) => (t === SLEEPER && withFreezer ? 'nanosleep' : `vcpu${t}`);

    const rq = lockRef<S>('rq->__lock', (s) => s.rq_lock);
    const freezerLock = lockRef<S>('freezer_lock', (s) => s.freezer_lock);
    // Guards declare the names they read from their closures (declareStraight's `bind`), so the
    // step compiler takes them (src/model/straight.ts); each computes what it computed before.
    const rqFree = declareStraight((s: S) => s.rq_lock.holder === UNLOCKED, { bind: { UNLOCKED } });
    /** What a step waiting for rqFree is blocked on. */
    const rqHeld = (s: S) => `${rq.name}, held by ${s.rq_lock.holder}`;
    // Every thread on cpu0 but the wakeup handler is a task: it runs only when cpu0 is its own
    // (it holds the rq lock or has interrupts off) or free, not while the handler runs there
    // (needsCpuGate below). So its guards no longer say "not in the IRQ".

    // ---- what the variants differ in ------------------------------------------------------
    // The test the fix changes (kvm_sched_out() and __set_task_frozen()), as each variant writes it.
    const onRq = () => ({ kvmSchedOut: 'current->on_rq', setTaskFrozen: 'p->on_rq', runnable: (p: TaskStruct) => p.on_rq });
    const runnableTest = byVariant(variant, {
      eevdf: onRq,
      'delayed-dequeue': onRq,
      task_is_runnable: () => ({ kvmSchedOut: 'task_is_runnable(current)', setTaskFrozen: 'task_is_runnable(p)', runnable: task_is_runnable }),
    });
    // block_task() of a task going to sleep: dequeued at once (EEVDF), or, with DELAY_DEQUEUE,
    // dequeue_entity() either dequeues an eligible entity or leaves it queued, sched_delayed.
    type BlockOutcome = { code: string; note?: string; delayed: boolean };
    // (Frozen: a recipe's form binds the outcome, whose `delayed` the step compiler reads as a constant.)
    const delayedDequeue = (): BlockOutcome[] => [
      Object.freeze({ code: 'dequeue_entity(): entity_eligible(): dequeued; __block_task(): WRITE_ONCE(p->on_rq, 0)', delayed: false }),
      Object.freeze({ code: 'dequeue_entity(): !entity_eligible(cfs_rq, se): se->sched_delayed = 1; return false', note: 'p->on_rq stays 1', delayed: true }),
    ];
    const blockOutcomes: BlockOutcome[] = byVariant(variant, {
      eevdf: () => [Object.freeze({ code: 'dequeue_task(rq, p, DEQUEUE_SLEEP); __block_task(): WRITE_ONCE(p->on_rq, 0)', delayed: false })],
      'delayed-dequeue': delayedDequeue,
      task_is_runnable: delayedDequeue,
    });
    // pick_next_entity(): `if (se->sched_delayed) dequeue_entities(..., DEQUEUE_DELAYED)`, code
    // that exists only with delayed dequeue.
    const withDelayedPick = () => <L extends object>(a: ActionDef<S, L>): ActionDef<S, L>[] => [a];
    const pickDelayed = byVariant(variant, {
      eevdf: () => <L extends object>(_a: ActionDef<S, L>): ActionDef<S, L>[] => [],
      'delayed-dequeue': withDelayedPick,
      task_is_runnable: withDelayedPick,
    });

    // kvm_preempt_ops: kvm_sched_out / kvm_sched_in, up to the call of kvm_arch_vcpu_put/load.
    // (Frozen, its callbacks declaring what they read: the step compiler inlines them where
    // fire_sched_*_preempt_notifiers calls them.)
    const runnable = runnableTest.runnable;
    const kvmPreemptOps: PreemptNotifier<S> = Object.freeze({
      name: 'kvm_preempt_ops',
      sched_out: declareStraight(
        (d: Draft<S>, task: number) => {
          const vcpu = d.vcpus[task]!;
          vcpu.scheduled_out = true;
          if (runnable(d.tasks[task]!) && vcpu.wants_to_run) {
            vcpu.preempted = true;
            vcpu.ready = true;
          }
        },
        { bind: { runnable } },
      ),
      sched_in: (d: Draft<S>, task: number) => {
        const vcpu = d.vcpus[task]!;
        vcpu.preempted = false;
        vcpu.ready = false;
      },
    });

    const rqUnlockIrq = withNames((d: Draft<S>, env: StepEnv<CpuTask>) => {
      d.rq_lock.holder = UNLOCKED;
      irqOn(d, env);
    }, { UNLOCKED });

    // ---- the vCPU's side of __schedule() and the preempt notifiers --------------------------
    // `p` prefixes the location ids; `resume` is where schedule() returns to.

    /** preempt_schedule_irq() at a preemption point: __schedule(SM_PREEMPT) takes the rq lock. */
    const preemptAction = (p: string): VAct => ({
      label: 'preempt_schedule_irq: __schedule(SM_PREEMPT): rq_lock(rq, &rf)',
      fn: 'preempt_schedule_irq',
      guard: declareStraight((s: S) => s.preempt_budget > 0 && rqFree(s), { bind: { rqFree } }),
      blockedOn: (s, env) => (s.preempt_budget > 0 ? rqHeld(s) : 'no preemption budget left'),
      run: withNames((d: Draft<S>, env: StepEnv<VcpuL>) => {
        d.preempt_budget -= 1;
        d.rq_lock.holder = env.self;
        irqOff(d, env);
        d.vcpus[env.local.v]!.blocked_in_schedule = false;
      }),
      next: `${p}.pick`,
      tags: ['spin_lock', `lock:${rq.name}`, 'preempt'],
    });

    const vcpuSchedOut = (p: string, voluntary: boolean, resume: string): VLoc[] => {
      const wlAdd = `${p}.wl_add`;
      const setSn = `${p}.sn`;
      const me = (s: S | Draft<S>, env: StepEnv<VcpuL>) => s.tasks[env.local.v]!;
      const out: VLoc[] = [];
      if (voluntary) {
        out.push(
          withNote(
            'interrupts off',
            alsoRun(spinLock(`${p}.lock`, '__schedule', rq, { label: '__schedule: rq_lock(rq, &rf)', next: `${p}.block` }), irqOff),
          ),
        );
        const blockActions: VAct[] = [
          {
            label: '__schedule: prev_state = READ_ONCE(prev->__state) == TASK_RUNNING: no block_task()',
            guard: declareStraight((s: S, env: StepEnv<VcpuL>) => me(s, env).__state === TASK_RUNNING, { bind: { me, TASK_RUNNING } }),
            run: (d, env) => void (d.vcpus[env.local.v]!.blocked_in_schedule = false),
            next: `${p}.pick`,
          },
          {
            label: '__schedule: if (signal_pending_state(prev_state, prev)) WRITE_ONCE(prev->__state, TASK_RUNNING)',
            guard: declareStraight((s: S, env: StepEnv<VcpuL>) => me(s, env).__state !== TASK_RUNNING && signal_pending_state(me(s, env).__state, me(s, env)), {
              bind: { me, TASK_RUNNING, signal_pending_state },
            }),
            run: withNames((d: Draft<S>, env: StepEnv<VcpuL>) => {
              me(d, env).__state = TASK_RUNNING;
              d.vcpus[env.local.v]!.blocked_in_schedule = false;
            }, { me, TASK_RUNNING }),
            next: `${p}.pick`,
          },
          ...blockOutcomes.map(
            (o): VAct => ({
              label: `block_task: ${o.code}`,
              ...(o.note !== undefined ? { note: o.note } : {}),
              guard: declareStraight((s: S, env: StepEnv<VcpuL>) => me(s, env).__state !== TASK_RUNNING && !signal_pending_state(me(s, env).__state, me(s, env)), {
                bind: { me, TASK_RUNNING, signal_pending_state },
              }),
              run: declareStraight(
                (d: Draft<S>, env: StepEnv<VcpuL>) => {
                  block_task(me(d, env), o.delayed);
                  d.vcpus[env.local.v]!.blocked_in_schedule = true;
                },
                { bind: { block_task, me, o } },
              ),
              next: `${p}.pick`,
            }),
          ),
        ];
        out.push(choice(`${p}.block`, blockActions));
      }
      const pickActions: VAct[] = [];
      if (voluntary)
        pickActions.push({
          label: 'pick_next_task: next == prev; rq_unlock_irq(rq, &rf)',
          note: 'no context switch',
          fn: 'pick_next_task',
          guard: declareStraight((s: S, env: StepEnv<VcpuL>) => task_is_runnable(me(s, env)), { bind: { task_is_runnable, me } }),
          run: rqUnlockIrq,
          next: resume,
          tags: ['spin_unlock', `unlock:${rq.name}`],
        });
      pickActions.push(
        ...pickDelayed<VcpuL>({
          label: 'pick_next_entity: if (se->sched_delayed) dequeue_entities(rq, se, DEQUEUE_SLEEP | DEQUEUE_DELAYED) -> __block_task(): WRITE_ONCE(p->on_rq, 0)',
          guard: declareStraight((s: S, env: StepEnv<VcpuL>) => me(s, env).sched_delayed, { bind: { me } }),
          run: withNames((d: Draft<S>, env: StepEnv<VcpuL>) => {
            me(d, env).sched_delayed = false;
            __block_task(me(d, env));
          }, { me, __block_task }),
          next: `${p}.pick`,
        }),
      );
      pickActions.push({
        label: `kvm_sched_out: WRITE_ONCE(vcpu->scheduled_out, true); if (${runnableTest.kvmSchedOut} && vcpu->wants_to_run) { WRITE_ONCE(vcpu->preempted, true); WRITE_ONCE(vcpu->ready, true); }`,
        fn: 'kvm_sched_out',
        run: declareStraight((d: Draft<S>, env: StepEnv<VcpuL>) => fire_sched_out_preempt_notifiers(d.notifiers, kvmPreemptOps, d, env.local.v, OTHER, env), {
          bind: { fire_sched_out_preempt_notifiers, kvmPreemptOps, OTHER },
        }),
        // vmx_vcpu_pi_put: if (kvm_vcpu_is_blocking(vcpu) && !vmx_interrupt_blocked(vcpu)) pi_enable_wakeup_handler(vcpu)
        next: declareStraight((s: S, env: StepEnv<VcpuL>) => (rcuwaitActive(s, env, env.local.v) ? wlAdd : setSn), { bind: { rcuwaitActive, wlAdd, setSn } }),
        tags: ['context_switch'],
      });
      out.push(choice(`${p}.pick`, pickActions));
      out.push(
        step(`${p}.wl_add`, 'pi_enable_wakeup_handler: list_add_tail(&vmx->pi_wakeup_list, &per_cpu(wakeup_vcpus_on_cpu, vcpu->cpu)); old.control = READ_ONCE(pi_desc->control); WARN(old.sn, ...)', {
          run: withNames((d: Draft<S>, env: StepEnv<VcpuL>) => {
            d.vcpus[env.local.v]!.on_wakeup_list = true;
            env.warnOn((READ_ONCE(d.m, controlOf(env.local.v), env) & SN_BIT) !== 0, SN_SET_BEFORE_BLOCKING);
          }),
        }),
        step(`${p}.nv`, 'pi_enable_wakeup_handler: new.nv = POSTED_INTR_WAKEUP_VECTOR; pi_try_set_control(pi_desc, &old.control, new.control) (cmpxchg); if (pi_test_on(&new)) __apic_send_IPI_self(POSTED_INTR_WAKEUP_VECTOR)', {
          // The cmpxchg loop in one step: a failed try_cmpxchg re-reads the word, so the loop
          // ends with the newest value of it at its last, successful cmpxchg (try_cmpxchg_loop).
          run: withNames((d: Draft<S>, env: StepEnv<VcpuL>) => {
            const ctl = controlOf(env.local.v);
            const old = try_cmpxchg_loop(d.m, ctl, (o) => (o & ~NV_MASK) | (POSTED_INTR_WAKEUP_VECTOR << NV_SHIFT), env);
            if ((old & ON_BIT) !== 0) d.cpu0.wakeup_ipi = true;
          }),
        }),
        step(`${p}.sn`, 'vmx_vcpu_pi_put: if (vcpu->preempted) pi_set_sn(pi_desc)', {
          note: 'set_bit: LOCK bts',
          run: withNames((d: Draft<S>, env: StepEnv<VcpuL>) => {
            if (d.vcpus[env.local.v]!.preempted) set_bit(d.m, POSTED_INTR_SN, controlOf(env.local.v), env);
          }),
        }),
        withNote(
          'cpu0 runs another task',
          alsoRun(
            spinUnlock(`${p}.switch`, 'context_switch', rq, {
              label: 'context_switch: switch_to(prev, next); finish_task_switch(): raw_spin_rq_unlock_irq(rq)',
              run: withNames((d: Draft<S>) => void (d.cpu0.curr = OTHER), { OTHER }),
              next: `${p}.off`,
            }),
            irqOn,
          ),
        ),
      );
      out.push(...vcpuSchedIn(p, resume, voluntary));
      return out;
    };

    /** Switched out until cpu0's scheduler picks the vCPU; then kvm_sched_in -> vmx_vcpu_pi_load. */
    const vcpuSchedIn = (p: string, resume: string, halted = false): VLoc[] => {
      const done = (d: Draft<S>, env: StepEnv<VcpuL>) => void (d.vcpus[env.local.v]!.scheduled_out = false);
      const withDone = <F extends Function>(f: F): F => withNames(f, { done });
      return [
        step(`${p}.off`, 'kvm_sched_in: WRITE_ONCE(vcpu->preempted, false); WRITE_ONCE(vcpu->ready, false)', {
          // Switched out by kvm_vcpu_block's schedule(): a halted vCPU may wait forever for an
          // interrupt that never comes (HLT is not a deadlock). A wakeup lost while an interrupt
          // is pending is what no-lost-wakeup checks; a preempted vCPU (pre.*.off) must run again.
          end: halted,
          fn: 'kvm_sched_in',
          guard: (s, env) => s.cpu0.curr === env.local.v,
          blockedOn: (s, env) => `cpu0's scheduler to pick vcpu${env.local.v} (${describeTask(s.tasks[env.local.v]!)}, ${describePi(piOf(s, env.local.v))})`,
          run: declareStraight((d: Draft<S>, env: StepEnv<VcpuL>) => fire_sched_in_preempt_notifiers(d.notifiers, kvmPreemptOps, d, env.local.v, 0, env), {
            bind: { fire_sched_in_preempt_notifiers, kvmPreemptOps },
          }),
        }),
        choice(`${p}.load`, [
          {
            // The test of SN and its clearing are one LOCK btr: the action is chosen by its result.
            label: 'vmx_vcpu_pi_load: pi_desc->nv != POSTED_INTR_WAKEUP_VECTOR: if (pi_test_and_clear_sn(pi_desc)) goto after_clear_sn',
            guard: declareStraight((s: S, env: StepEnv<VcpuL>) => !nvIs(s, env, POSTED_INTR_WAKEUP_VECTOR) && (ctlOf(s, env) & SN_BIT) !== 0, {
              bind: { nvIs, ctlOf, POSTED_INTR_WAKEUP_VECTOR, SN_BIT },
            }),
            run: withNames((d: Draft<S>, env: StepEnv<VcpuL>) => void test_and_clear_bit(d.m, POSTED_INTR_SN, controlOf(env.local.v), env)),
            next: `${p}.on`,
          },
          {
            label: 'vmx_vcpu_pi_load: pi_desc->nv != POSTED_INTR_WAKEUP_VECTOR: !pi_test_and_clear_sn(pi_desc): return; kvm_sched_in: WRITE_ONCE(vcpu->scheduled_out, false)',
            guard: declareStraight((s: S, env: StepEnv<VcpuL>) => !nvIs(s, env, POSTED_INTR_WAKEUP_VECTOR) && (ctlOf(s, env) & SN_BIT) === 0, {
              bind: { nvIs, ctlOf, POSTED_INTR_WAKEUP_VECTOR, SN_BIT },
            }),
            run: withDone((d: Draft<S>, env: StepEnv<VcpuL>) => {
              test_and_clear_bit(d.m, POSTED_INTR_SN, controlOf(env.local.v), env);
              done(d, env);
            }),
            next: resume,
          },
          {
            label: 'vmx_vcpu_pi_load: local_irq_save(flags); if (pi_desc->nv == POSTED_INTR_WAKEUP_VECTOR) list_del(&vmx->pi_wakeup_list)',
            guard: declareStraight((s: S, env: StepEnv<VcpuL>) => nvIs(s, env, POSTED_INTR_WAKEUP_VECTOR), { bind: { nvIs, POSTED_INTR_WAKEUP_VECTOR } }),
            run: withNames((d: Draft<S>, env: StepEnv<VcpuL>) => {
              local_irq_disable(d.ctx, env.local.task, env, 0);
              d.vcpus[env.local.v]!.on_wakeup_list = false;
            }),
            next: `${p}.ctl`,
          },
        ]),
        step(`${p}.ctl`, 'vmx_vcpu_pi_load: old.control = READ_ONCE(pi_desc->control); new.sn = 0; new.nv = POSTED_INTR_VECTOR; pi_try_set_control() (cmpxchg); local_irq_restore(flags)', {
          run: withNames((d: Draft<S>, env: StepEnv<VcpuL>) => {
            // The cmpxchg loop in one step (try_cmpxchg_loop: its last, successful iteration).
            try_cmpxchg_loop(d.m, controlOf(env.local.v), (old) => (old & ~(SN_BIT | NV_MASK)) | (POSTED_INTR_VECTOR << NV_SHIFT), env);
            local_irq_enable(d.ctx, env.local.task);
          }),
        }),
        step(`${p}.on`, 'vmx_vcpu_pi_load: after_clear_sn: smp_mb__after_atomic(); if (!pi_is_pir_empty(pi_desc)) pi_set_on(pi_desc); kvm_sched_in: WRITE_ONCE(vcpu->scheduled_out, false)', {
          run: withDone((d: Draft<S>, env: StepEnv<VcpuL>) => {
            smp_mb__after_atomic(d.m, env);
            if (READ_ONCE(d.m, pirOf(env.local.v), env) !== 0) set_bit(d.m, POSTED_INTR_ON, controlOf(env.local.v), env);
            done(d, env);
          }),
          next: resume,
        }),
      ];
    };

    /** A location of kvm_vcpu_block where preemption is enabled: the statement, or a preemption. */
    const preemptible = (loc: VLoc): VLoc[] => [
      { ...loc, actions: [...loc.actions, preemptAction(`pre.${loc.id}`)] },
    ];
    const preemptPath = (at: string) => vcpuSchedOut(`pre.${at}`, false, at);

    const vcpuProgram = (): VLoc[] => {
      const me = (s: S | Draft<S>, env: StepEnv<VcpuL>) => s.tasks[env.local.v]!;
      const vc = (s: S | Draft<S>, env: StepEnv<VcpuL>) => s.vcpus[env.local.v]!;
      const g = (extra?: (s: S, env: StepEnv<VcpuL>) => boolean) => extra;
      // vcpu_enter_guest: smp_store_release(&vcpu->mode, IN_GUEST_MODE); kvm_vcpu_srcu_read_unlock();
      // smp_mb__after_srcu_read_unlock() (srcu_read_unlock's smp_mb): the barrier the comment in
      // __vmx_deliver_posted_interrupt pairs with pi_test_and_set_on().
      const enterGuestMode = withNames((d: Draft<S>, env: StepEnv<VcpuL>) => {
        smp_store_release(d.m, modeOf(env.local.v), IN_GUEST_MODE, env);
        smp_mb(d.m, env);
      });
      const program: (VLoc | VLoc[])[] = [];
      // vcpu1.. start switched out, preempted right after their HLT exit, that is at the
      // preemption point before prepare_to_rcuwait: their first step is that preemption's
      // kvm_sched_in (then vmx_vcpu_pi_load and back to prepare_to_rcuwait), which the first
      // location offers while the vCPU is scheduled out; a running vCPU is never there scheduled out.
      const running = declareStraight((s: S, env: StepEnv<VcpuL>) => !vc(s, env).scheduled_out, { bind: { vc } });
      const [rcu] = preemptible(
        step<S, VcpuL>('rcu', 'kvm_vcpu_block: prepare_to_rcuwait(wait)', {
          note: 'kvm_vcpu_is_blocking() from here',
          run: declareStraight((d: Draft<S>, env: StepEnv<VcpuL>) => rcuAssign(d, env, env.local.v, true), { bind: { rcuAssign } }),
        }),
      );
      const [startIn] = vcpuSchedIn('pre.rcu', 'rcu')[0]!.actions;
      const startInGuard = startIn!.guard!;
      program.push({
        id: 'rcu',
        actions: [
          ...rcu!.actions.map((a): VAct => {
            const own = a.guard;
            return {
              ...a,
              guard: declareStraight((s: S, env: StepEnv<VcpuL>) => running(s, env) && (a.guard === undefined || a.guard(s, env)), {
                fn: own === undefined ? (s: S, env: StepEnv<VcpuL>) => running(s, env) : (s: S, env: StepEnv<VcpuL>) => running(s, env) && own(s, env),
                bind: { running, own },
              }),
            };
          }),
          { ...startIn!, guard: declareStraight((s: S, env: StepEnv<VcpuL>) => !running(s, env) && startInGuard(s, env), { bind: { running, startInGuard } }), next: 'pre.rcu.load' },
        ],
      });
      program.push(
        preemptible(step('state', 'kvm_vcpu_block: set_current_state(TASK_INTERRUPTIBLE)', {
          note: 'smp_store_mb: a full barrier',
          guard: g(),
          run: withNames((d: Draft<S>, env: StepEnv<VcpuL>) => {
            me(d, env).__state = TASK_INTERRUPTIBLE;
            smp_mb(d.m, env);
          }, { me, TASK_INTERRUPTIBLE }),
        })),
        preemptible(choice('on', [
          {
            label: 'vmx_sync_pir_to_irr: if (pi_test_on(&vmx->pi_desc)) { pi_clear_on(&vmx->pi_desc); smp_mb__after_atomic()',
            note: 'clear_bit: LOCK btr',
            guard: g(declareStraight((s: S, env: StepEnv<VcpuL>) => (ctlOf(s, env) & ON_BIT) !== 0, { bind: { ctlOf, ON_BIT } })),
            run: withNames((d: Draft<S>, env: StepEnv<VcpuL>) => {
              clear_bit(d.m, POSTED_INTR_ON, controlOf(env.local.v), env);
              smp_mb__after_atomic(d.m, env);
            }),
            next: 'irr',
          },
          {
            label: 'vmx_sync_pir_to_irr: !pi_test_on(&vmx->pi_desc): max_irr = kvm_lapic_find_highest_irr(vcpu)',
            guard: g(declareStraight((s: S, env: StepEnv<VcpuL>) => (ctlOf(s, env) & ON_BIT) === 0, { bind: { ctlOf, ON_BIT } })),
            next: 'check',
          },
        ])),
        step('irr', 'kvm_apic_update_irr: pir_val = READ_ONCE(pir[i]); if (pir_val) { pir_val = xchg(&pir[i], 0); irr |= pir_val }', {
          guard: g(),
          run: withNames((d: Draft<S>, env: StepEnv<VcpuL>) => updateIrr(d, env, env.local.v)),
        }),
        choice('check', [
          {
            label: 'kvm_vcpu_check_block: if (kvm_arch_vcpu_runnable(vcpu) || signal_pending(current)) goto out',
            note: '-EINTR: stop blocking',
            guard: g(declareStraight((s: S, env: StepEnv<VcpuL>) => vc(s, env).irr !== 0 || me(s, env).sigpending, { bind: { vc, me } })),
            next: 'finish',
          },
          {
            label: 'kvm_vcpu_check_block: ret = 0; kvm_vcpu_block: waited = true; schedule()',
            note: 'no event',
            guard: g(declareStraight((s: S, env: StepEnv<VcpuL>) => vc(s, env).irr === 0 && !me(s, env).sigpending, { bind: { vc, me } })),
            next: 'sched.lock',
          },
        ]),
      );
      // schedule() from kvm_vcpu_block; preemption is also possible just before it.
      const sched = vcpuSchedOut('sched', true, 'state');
      program.push(preemptible(sched[0]!), sched.slice(1));
      program.push(
        step('finish', 'kvm_vcpu_block: finish_rcuwait(wait)', {
          note: 'rcuwait.task = NULL; __set_current_state(TASK_RUNNING)',
          guard: g(),
          run: declareStraight(
            (d: Draft<S>, env: StepEnv<VcpuL>) => {
              rcuAssign(d, env, env.local.v, false);
              me(d, env).__state = TASK_RUNNING;
            },
            { bind: { rcuAssign, me, TASK_RUNNING } },
          ),
        }),
        choice('guest', [
          {
            // One step from VM-entry to the next HLT exit: posts while the guest runs are
            // delivered by the CPU (ON cleared, PIR into the vIRR) and are the same as posts just
            // before this step (taken by sync_pir_to_irr) or just after it (seen by the next
            // kvm_vcpu_block through ON). PIR bits posted while SN was set and never flagged by
            // ON stay in the PIR: neither VM-entry nor the guest looks at them.
            // With a KVM software sender vcpu->mode is shared: it is IN_GUEST_MODE (stored, then
            // ordered before the read of ON by srcu_read_unlock's smp_mb) while the guest runs,
            // and the VM-exit's plain store of OUTSIDE_GUEST_MODE (then smp_wmb) may wait in cpu0's store buffer
            // after the step, until kvm_vcpu_block's set_current_state() drains it.
            label: kvmShared
              ? 'vcpu_enter_guest: smp_store_release(&vcpu->mode, IN_GUEST_MODE); smp_mb__after_srcu_read_unlock(); sync_pir_to_irr (if ON: clear ON, PIR -> IRR); VM-entry; the guest takes the interrupt, runs, executes HLT: VM-exit; vcpu->mode = OUTSIDE_GUEST_MODE; smp_wmb() -> kvm_emulate_halt -> kvm_vcpu_halt -> kvm_vcpu_block'
              : 'vcpu_enter_guest: sync_pir_to_irr (if ON: clear ON, PIR -> IRR); VM-entry; the guest takes the interrupt, runs, executes HLT: VM-exit -> kvm_emulate_halt -> kvm_vcpu_halt -> kvm_vcpu_block',
            guard: g(declareStraight((s: S, env: StepEnv<VcpuL>) => vc(s, env).halts + 1 < nHalts, { bind: { vc, nHalts } })),
            run: withNames((d: Draft<S>, env: StepEnv<VcpuL>) => {
              const vcpu = vc(d, env);
              if (kvmShared) enterGuestMode(d, env);
              if ((READ_ONCE(d.m, controlOf(env.local.v), env) & ON_BIT) !== 0) clearOnAndUpdateIrr(d, env, env.local.v);
              vcpu.irr = 0;
              vcpu.halts += 1;
              if (kvmShared) {
                WRITE_ONCE(d.m, modeOf(env.local.v), OUTSIDE_GUEST_MODE, env);
                smp_wmb(d.m, env);
              }
            }, { vc, kvmShared, enterGuestMode }),
            next: 'rcu',
          },
          {
            label: 'vcpu_enter_guest: vcpu->mode = IN_GUEST_MODE; VM-entry',
            note: 'its last halt is over: the guest takes the interrupt; cpu0 goes back to the other task',
            guard: g(declareStraight((s: S, env: StepEnv<VcpuL>) => vc(s, env).halts + 1 >= nHalts, { bind: { vc, nHalts } })),
            run: withNames((d: Draft<S>, env: StepEnv<VcpuL>) => {
              if (kvmShared) enterGuestMode(d, env);
              vc(d, env).halts += 1;
              vc(d, env).in_guest = true;
              d.cpu0.curr = OTHER;
            }, { kvmShared, enterGuestMode, vc, OTHER }),
            next: END,
          },
        ]),
      );
      for (const at of ['rcu', 'state', 'on', 'sched.lock']) program.push(preemptPath(at));
      return program.flat();
    };
    // One program for every vCPU task: which vCPU it is (its task, its struct kvm_vcpu) is a local.
    const vcpuKind = threadKind<S, VcpuL>('vcpu', { task: taskContext(), cpu: CPU0, v: 0 }, vcpuProgram());

    // ---- cpu0/other: every other context of cpu0; its __schedule picks the next task --------
    const schedTasks = Array.from({ length: nVcpus + (withFreezer ? 1 : 0) }, (_, t) => t);
    const otherActions: Act[] = [];
    for (const t of schedTasks) {
      const isVcpu = t < nVcpus;
      otherActions.push(
        ...pickDelayed<CpuTask>({
          label: `pick_next_entity: ${taskName(t)}: if (se->sched_delayed) dequeue_entities(rq, se, DEQUEUE_SLEEP | DEQUEUE_DELAYED) -> __block_task(): WRITE_ONCE(p->on_rq, 0)`,
          fn: 'pick_next_entity',
          guard: declareStraight((s: S) => s.cpu0.curr === OTHER && rqFree(s) && s.tasks[t]!.sched_delayed, { bind: { OTHER, rqFree, t } }),
          run: (d) => {
            d.tasks[t]!.sched_delayed = false;
            __block_task(d.tasks[t]!);
          },
          next: 'run',
        }),
      );
      otherActions.push({
        label: `__schedule: next = pick_next_task(rq) = ${taskName(t)}; context_switch(rq, prev, next)`,
        fn: '__schedule',
        guard: declareStraight((s: S) => s.cpu0.curr === OTHER && rqFree(s) && task_is_runnable(s.tasks[t]!) && !(isVcpu && s.vcpus[t]!.in_guest), {
          // For the sleeper (no vCPU: `isVcpu &&` false) the form leaves out the conjunct it never
          // evaluates, whose constant index s.vcpus[t] is out of range (refused when compiling).
          ...(isVcpu ? {} : { fn: (s: S) => s.cpu0.curr === OTHER && rqFree(s) && task_is_runnable(s.tasks[t]!) }),
          bind: { OTHER, rqFree, task_is_runnable, t, isVcpu },
        }),
        run: withNames((d: Draft<S>, env: StepEnv<CpuTask>) => {
          spinLockFence(d.m, env); // rq_lock()
          d.cpu0.curr = t;
        }, { t }),
        next: 'run',
        tags: ['switch-in', `switch-in:${t}`],
      });
    }
    const other = thread<S, CpuTask>('cpu0/other', [choice('run', otherActions, { end: true })], { locals: { task: taskContext(), cpu: CPU0 } });

    // ---- cpu0/irq: POSTED_INTR_WAKEUP_VECTOR -> pi_wakeup_handler ---------------------------
    // The list walk is a loop whose cursor (`vmx`, the vCPU looked at) is the handler's local; the
    // list is walked in vCPU order, each vCPU on it if on_wakeup_list.
    type Handler = CpuTask & { vmx: number };
    const nextEntry = (d: Draft<S>, env: StepEnv<Handler>) => void (env.local.vmx += 1);
    const afterEntry = declareStraight((_s: S, env: StepEnv<Handler>) => (env.local.vmx < nVcpus ? 'walk' : 'unlock'), { bind: { nVcpus } });
    const onListWithOn = declareStraight(
      (s: S, env: StepEnv<Handler>) => s.vcpus[env.local.vmx]!.on_wakeup_list && (READ_ONCE(s.m, controlOf(env.local.vmx), env) & ON_BIT) !== 0,
      { bind: { READ_ONCE, controlOf, ON_BIT } },
    );
    const irq = thread<S, Handler>(
      'cpu0/irq',
      [
        step<S, Handler>('idle', 'sysvec_kvm_posted_intr_wakeup_ipi: apic_eoi(); pi_wakeup_handler(): raw_spin_lock(spinlock)', {
          fn: 'pi_wakeup_handler',
          guard: declareStraight((s: S, env: StepEnv<Handler>) => s.cpu0.wakeup_ipi && !s.ctx.irqs_off[0] && canRunOn(s.ctx, env.local.task, 0), { bind: { canRunOn } }),
          run: withNames((d: Draft<S>, env: StepEnv<Handler>) => {
            d.cpu0.wakeup_ipi = false;
            preempt_disable(d.ctx, env.local.task, env, 0); // irq_enter(): the handler owns cpu0
            spinLockFence(d.m, env);
          }),
          end: true,
        }),
        choice<S, Handler>('walk', [
          {
            label: 'pi_wakeup_handler: list_for_each_entry(vmx, wakeup_list, pi_wakeup_list) { if (pi_test_on(&vmx->pi_desc))',
            guard: onListWithOn,
            next: 'wake',
          },
          {
            label: 'pi_wakeup_handler: list_for_each_entry(vmx, wakeup_list, pi_wakeup_list) { if (pi_test_on(&vmx->pi_desc))',
            note: 'vmx not on the wakeup list, or ON clear: next entry',
            guard: declareStraight((s: S, env: StepEnv<Handler>) => !onListWithOn(s, env), { bind: { onListWithOn } }),
            run: nextEntry,
            next: afterEntry,
          },
        ]),
        step<S, Handler>('wake', 'kvm_vcpu_wake_up(&vmx->vcpu): rcuwait_wake_up(&vcpu->wait): smp_mb(); task = rcu_dereference(w->task) -> wake_up_process(task); if woken WRITE_ONCE(vcpu->ready, true)', {
          fn: 'kvm_vcpu_wake_up',
          guard: rqFree,
          blockedOn: rqHeld,
          run: withNames((d: Draft<S>, env: StepEnv<Handler>) => {
            smp_mb(d.m, env); // rcuwait_wake_up's (B); try_to_wake_up's pi_lock is LOCK'd too
            const vcpu = d.vcpus[env.local.vmx]!;
            if (rcuwaitActive(d, env, env.local.vmx) && try_to_wake_up(d.tasks[env.local.vmx]!, TASK_NORMAL)) vcpu.ready = true;
            nextEntry(d, env);
          }, { rcuwaitActive, try_to_wake_up, TASK_NORMAL, nextEntry }),
          next: afterEntry,
        }),
        step<S, Handler>('unlock', 'pi_wakeup_handler: raw_spin_unlock(spinlock)', {
          note: 'return from interrupt',
          run: withNames((d: Draft<S>, env: StepEnv<Handler>) => {
            spinUnlockFence(d.m, env);
            env.local.vmx = 0; // the loop's cursor starts at the list head next time
            preempt_enable(d.ctx, env.local.task, env); // irq_exit()
          }),
          next: 'idle',
        }),
      ],
      { locals: { task: taskContext(), cpu: CPU0, vmx: 0 } },
    );

    // ---- the senders: hardware posting into vcpuN's PI descriptor ---------------------------
    // Two kinds of sender, one program each: an assigned device posting through VT-d (vector 0)
    // and a vCPU on another pCPU sending an IPI through IPI virtualization (vectors 1..). Which
    // vCPU and vector, and how many interrupts posted so far, are the sender's locals.
    // The post is one atomic access to the descriptor's memory (VT-d spec 5.2.3: the PIR bit is
    // set and ON/SN read and ON set atomically; IPI virtualization does the same LOCK'd update):
    // read-modify-writes from the senders' side of memory (`cpu` 1), which never buffers them.
    type Sender = { vcpu: number; vec: number; posted: number; cpu: number };
    const post = (fn: string) =>
      step<S, Sender>('post', `${fn}: PIR[vec] = 1; if (!ON && !SN) { ON = 1; send NV to NDST }`, {
        run: withNames((d: Draft<S>, env: StepEnv<Sender>) => {
          const { local } = env;
          const ctl = controlOf(local.vcpu);
          // The posting is one atomic update of the descriptor, complete before the notification
          // is sent: the test of ON/SN and the setting of ON read and write the newest control
          // word in one fully ordered RMW (try_cmpxchg_loop; it writes the word back unchanged
          // when ON or SN is set). Under tso the LOCK'd set_bit drains already; under lkmm a
          // READ_ONCE could see an older word, and the PIR store could be passed by the test.
          set_bit(d.m, local.vec, pirOf(local.vcpu), env);
          const c = try_cmpxchg_loop(d.m, ctl, (o) => ((o & (ON_BIT | SN_BIT)) === 0 ? o | ON_BIT : o), env);
          if ((c & (ON_BIT | SN_BIT)) === 0) {
            // POSTED_INTR_VECTOR to a vCPU in the host: kvm_posted_intr_ipi only counts it.
            if ((c & NV_MASK) >>> NV_SHIFT === POSTED_INTR_WAKEUP_VECTOR) d.cpu0.wakeup_ipi = true;
          }
          local.posted += 1;
        }),
        next: declareStraight((_s: S, { local }: StepEnv<Sender>) => (local.posted < nInterrupts ? 'post' : END), { bind: { nInterrupts, END } }),
      });
    const vtdSender = threadKind<S, Sender>('vtd-sender', { vcpu: 0, vec: 0, posted: 0, cpu: SENDERS_CPU }, [post('vtd_posted_interrupt')]);
    const ipivSender = threadKind<S, Sender>('ipiv-sender', { vcpu: 0, vec: 1, posted: 0, cpu: SENDERS_CPU }, [post('ipiv_posted_interrupt')]);
    const senders: ThreadDef<S, any>[] = [];
    for (let v = 0; v < nVcpus; v++)
      for (let k = 0; k < nSenders; k++)
        senders.push(k === 0 ? spawn(vtdSender, `device->vcpu${v}`, { vcpu: v, vec: 0 }) : spawn(ipivSender, `cpu${k}/vcpu-ipi->vcpu${v}`, { vcpu: v, vec: k }));

    // ---- KVM software senders: __vmx_deliver_posted_interrupt on another pCPU ----------------
    // An emulated IPI from a vCPU on another pCPU (no IPI virtualization), or an irqfd, ends in
    // vmx_deliver_posted_interrupt -> __vmx_deliver_posted_interrupt(vcpu, pi_desc, vector), one
    // statement a step. Unlike the hardware it never looks at SN or NV: it sets ON and, when the
    // vCPU is not in guest mode, wakes it through rcuwait_wake_up. Its barrier pairs (its
    // accesses are LOCK'd RMWs, smp_mb and loads, so its own store buffer stays empty):
    //   pi_test_and_set_on (full barrier)  vs  vcpu_enter_guest's mode store + smp_mb, read of ON;
    //   rcuwait_wake_up's smp_mb (B), read of w->task  vs  prepare_to_rcuwait's store +
    //   kvm_vcpu_block's set_current_state (A), read of ON (kvm_vcpu_check_block).
    // ttwu is one step, under p->pi_lock and the rq lock as for the wakeup handler.
    type KvmSender = { vcpu: number; vec: number; posted: number; task: number; was: number; cpu: number };
    const nextPost = (d: Draft<S>, env: StepEnv<KvmSender>) => void (env.local.posted += 1);
    const afterPost = declareStraight((_s: S, env: StepEnv<KvmSender>) => (env.local.posted < nInterrupts ? 'pir' : END), { bind: { nInterrupts, END } });
    const kvmSender = threadKind<S, KvmSender>('kvm-sender', { vcpu: 0, vec: 0, posted: 0, task: 0, was: 0, cpu: SENDERS_CPU }, [
      // The test and the set are one LOCK bts whose return value picks the branch, as in the C:
      // the bit is tested by the RMW itself (the newest value of the word), never by a separate
      // READ_ONCE, which under lkmm could read an older word than the RMW does.
      step<S, KvmSender>('pir', '__vmx_deliver_posted_interrupt: if (pi_test_and_set_pir(vector, pi_desc)) return', {
        fn: '__vmx_deliver_posted_interrupt',
        note: 'LOCK bts',
        run: withNames((d: Draft<S>, env: StepEnv<KvmSender>) => {
          env.local.was = test_and_set_bit(d.m, env.local.vec, pirOf(env.local.vcpu), env) ? 1 : 0;
          if (env.local.was) nextPost(d, env);
        }, { nextPost }),
        next: withNames((s: S, env: StepEnv<KvmSender>) => (env.local.was ? afterPost(s, env) : 'on'), { afterPost }),
      }),
      step<S, KvmSender>('on', '__vmx_deliver_posted_interrupt: if (pi_test_and_set_on(pi_desc)) return', {
        fn: '__vmx_deliver_posted_interrupt',
        note: 'LOCK bts: the implied full barrier',
        run: withNames((d: Draft<S>, env: StepEnv<KvmSender>) => {
          env.local.was = test_and_set_bit(d.m, POSTED_INTR_ON, controlOf(env.local.vcpu), env) ? 1 : 0;
          if (env.local.was) nextPost(d, env);
        }, { nextPost }),
        next: withNames((s: S, env: StepEnv<KvmSender>) => (env.local.was ? afterPost(s, env) : 'mode'), { afterPost }),
      }),
      choice<S, KvmSender>('mode', [
        {
          label: 'kvm_vcpu_trigger_posted_interrupt: if (vcpu->mode == IN_GUEST_MODE) __apic_send_IPI_mask(get_cpu_mask(vcpu->cpu), POSTED_INTR_VECTOR)',
          note: 'the guest takes it; in the host kvm_posted_intr_ipi only counts it',
          fn: 'kvm_vcpu_trigger_posted_interrupt',
          guard: withNames((s: S, env: StepEnv<KvmSender>) => READ_ONCE(s.m, modeOf(env.local.vcpu), env) === IN_GUEST_MODE),
          run: nextPost,
          next: afterPost,
        },
        {
          label: 'kvm_vcpu_trigger_posted_interrupt: vcpu->mode != IN_GUEST_MODE: kvm_vcpu_wake_up(vcpu)',
          fn: 'kvm_vcpu_trigger_posted_interrupt',
          guard: withNames((s: S, env: StepEnv<KvmSender>) => READ_ONCE(s.m, modeOf(env.local.vcpu), env) !== IN_GUEST_MODE),
          next: 'wake',
        },
      ]),
      step<S, KvmSender>('wake', 'rcuwait_wake_up: smp_mb(); /* (B) */ task = rcu_dereference(w->task)', {
        fn: 'rcuwait_wake_up',
        run: withNames((d: Draft<S>, env: StepEnv<KvmSender>) => {
          smp_mb(d.m, env);
          env.local.task = READ_ONCE(d.m, rcuwaitOf(env.local.vcpu), env);
        }),
        next: (_s, env) => (env.local.task !== 0 ? 'ttwu' : 'nowake'),
      }),
      step<S, KvmSender>('nowake', 'rcuwait_wake_up: task == NULL: return 0', {
        note: 'not blocking: vcpu_enter_guest will sync the PIR',
        run: nextPost,
        next: afterPost,
      }),
      step<S, KvmSender>('ttwu', 'rcuwait_wake_up: wake_up_process(task); kvm_vcpu_wake_up: if woken WRITE_ONCE(vcpu->ready, true)', {
        fn: 'kvm_vcpu_wake_up',
        guard: rqFree,
        blockedOn: rqHeld,
        run: withNames((d: Draft<S>, env: StepEnv<KvmSender>) => {
          if (try_to_wake_up(d.tasks[env.local.vcpu]!, TASK_NORMAL)) d.vcpus[env.local.vcpu]!.ready = true;
          env.local.task = 0;
          nextPost(d, env);
        }, { try_to_wake_up, TASK_NORMAL, nextPost }),
        next: afterPost,
      }),
    ]);
    // One PIR bit per sender: the hardware senders' vectors first, then these.
    for (let v = 0; v < nVcpus; v++)
      for (let j = 0; j < nKvmSenders; j++)
        senders.push(spawn(kvmSender, `cpu${Math.max(nSenders, 1) + j}/kvm->vcpu${v}`, { vcpu: v, vec: nSenders + j }));

    // ---- the freezer and a freezable sleeper ------------------------------------------------
    const freezerThreads: ThreadDef<S, any>[] = [];
    if (withFreezer) {
      const T = SLEEPER;
      const me = declareStraight((s: S | Draft<S>) => s.tasks[T]!, { bind: { T } });
      const mine = (extra?: (s: S) => boolean) =>
        extra ? declareStraight((s: S) => s.cpu0.curr === T && extra(s), { bind: { T, extra: run(extra) } }) : declareStraight((s: S) => s.cpu0.curr === T, { bind: { T } });
      // The sleeper's steps run only while it is current: `start`, `preempted`, `asleep` and
      // `frz.off` wait for cpu0's scheduler to pick it; every step waits while cpu0 is in the IRQ.
      // (Each guard declares the names the sleeper's guards read: some read only a few of them.)
      const run = (extra?: (s: S) => boolean) => (extra === undefined ? extra : declareStraight(extra, { bind: { me, TASK_RUNNING, signal_pending_state, UNLOCKED } }));
      const switchIn = (id: string, next: string, end = false) =>
        step<S>(id, 'finish_task_switch: fire_sched_in_preempt_notifiers(current)', {
          note: 'none registered',
          guard: mine(),
          blockedOn: (s) => `cpu0's scheduler to pick nanosleep (${describeTask(s.tasks[T]!)})`,
          next,
          end,
        });
      const switchOut = declareStraight((d: Draft<S>) => void (d.cpu0.curr = OTHER), { bind: { OTHER } });
      // The sleeper's and the freezer's recipes declare the names they read (some read only a few).
      const sr = <F extends Function>(f: F): F =>
        declareStraight(f, { bind: { me, TASK_RUNNING, TASK_INTERRUPTIBLE, TASK_FREEZABLE, TASK_FROZEN, try_to_wake_up, block_task, __block_task, switchOut } });
      const sleepActions: Act[] = [
        {
          label: '__schedule: prev_state == TASK_RUNNING: no block_task(); next == prev',
          guard: run((s) => me(s).__state === TASK_RUNNING),
          next: 'after',
        },
        {
          label: '__schedule: if (signal_pending_state(prev_state, prev)) WRITE_ONCE(prev->__state, TASK_RUNNING); next == prev',
          guard: run((s) => me(s).__state !== TASK_RUNNING && signal_pending_state(me(s).__state, me(s))),
          run: sr((d: Draft<S>) => void (me(d).__state = TASK_RUNNING)),
          next: 'after',
        },
        ...blockOutcomes.map(
          (o): Act => ({
            label: `__schedule: block_task(): ${o.code}; context_switch(rq, prev, next)`,
            ...(o.note !== undefined ? { note: o.note } : {}),
            guard: run((s) => me(s).__state !== TASK_RUNNING && !signal_pending_state(me(s).__state, me(s))),
            run: declareStraight(
              (d: Draft<S>) => {
                block_task(me(d), o.delayed);
                switchOut(d);
              },
              { bind: { block_task, me, o, switchOut } },
            ),
            next: 'asleep',
          }),
        ),
      ];
      sleepActions.push({
        label: 'preempt_schedule_irq: __schedule(SM_PREEMPT): context_switch(rq, prev, next)',
        fn: 'preempt_schedule_irq',
        guard: run((s) => s.preempt_budget > 0),
        run: sr((d: Draft<S>) => {
          d.preempt_budget -= 1;
          switchOut(d);
        }),
        next: 'preempted',
        tags: ['preempt'],
      });
      const sleeper = thread<S, CpuTask>('cpu0/nanosleep', [
        switchIn('start', 'set'),
        step('set', 'do_nanosleep: set_current_state(TASK_INTERRUPTIBLE|TASK_FREEZABLE)', {
          guard: run(),
          run: sr((d: Draft<S>) => void (me(d).__state = TASK_INTERRUPTIBLE | TASK_FREEZABLE)),
        }),
        choice('schedule', sleepActions),
        switchIn('preempted', 'schedule'),
        switchIn('asleep', 'after', true),
        choice('after', [
          {
            label: 'do_nanosleep: } while (t->task && !signal_pending(current)): sleep again',
            guard: run((s) => !me(s).sigpending),
            next: 'set',
          },
          {
            label: 'do_nanosleep: signal_pending(current): return -ERESTART_RESTARTBLOCK',
            guard: run((s) => me(s).sigpending),
            next: 'signal',
          },
        ]),
        choice('signal', [
          {
            label: 'get_signal: try_to_freeze(): freezing(current): __refrigerator(false)',
            guard: run((s) => s.pm_freezing),
            // recalc_sigpending(): the freezer's fake signal queued nothing.
            run: sr((d: Draft<S>) => void (me(d).sigpending = false)),
            next: 'frz.set',
          },
          {
            label: 'get_signal: try_to_freeze(): !freezing(current); restart the nanosleep',
            guard: run((s) => !s.pm_freezing),
            run: sr((d: Draft<S>) => void (me(d).sigpending = false)),
            next: 'set',
          },
        ]),
        step('frz.set', '__refrigerator: WRITE_ONCE(current->__state, TASK_FROZEN); current->saved_state = TASK_RUNNING', {
          guard: run(),
          run: sr((d: Draft<S>) => {
            me(d).__state = TASK_FROZEN;
            me(d).saved_state = TASK_RUNNING;
          }),
        }),
        step('frz.check', '__refrigerator: spin_lock_irq(&freezer_lock); freeze = freezing(current); spin_unlock_irq(&freezer_lock)', {
          guard: run((s) => s.freezer_lock.holder === UNLOCKED),
          blockedOn: (s) => `freezer_lock, held by ${s.freezer_lock.holder}`,
          next: (s) => (s.pm_freezing ? 'frz.schedule' : 'frz.out'),
        }),
        choice('frz.schedule', [
          {
            label: '__refrigerator: schedule(): prev_state == TASK_RUNNING (thawed): no block_task()',
            fn: '__schedule',
            guard: run((s) => me(s).__state === TASK_RUNNING),
            next: 'frz.set',
          },
          {
            label: '__refrigerator: schedule(): block_task(DEQUEUE_SPECIAL): __block_task(): WRITE_ONCE(p->on_rq, 0); context_switch()',
            note: 'TASK_FROZEN is never delayed',
            fn: '__schedule',
            guard: run((s) => me(s).__state !== TASK_RUNNING),
            run: sr((d: Draft<S>) => {
              __block_task(me(d)); // block_task(): a special state (TASK_FROZEN) is never delayed
              switchOut(d);
            }),
            next: 'frz.off',
          },
        ]),
        switchIn('frz.off', 'frz.set'),
        step('frz.out', '__refrigerator: __set_current_state(TASK_RUNNING)', {
          note: 'the nanosleep is restarted',
          guard: run(),
          run: sr((d: Draft<S>) => void (me(d).__state = TASK_RUNNING)),
          next: 'set',
        }),
      ], { locals: { task: taskContext(), cpu: CPU0 } });

      const pinned = (extra?: (s: S) => boolean) =>
        extra
          ? declareStraight((s: S) => rqFree(s) && extra(s), {
              bind: { rqFree, extra: declareStraight(extra, { bind: { me, frozen, refuseRunnable, refuseCurr, refuseState, TASK_RUNNING } }) },
            })
          : rqFree;
      const refuseRunnable = declareStraight((s: S) => runnable(me(s)), { bind: { runnable, me } });
      const refuseCurr = declareStraight((s: S) => !refuseRunnable(s) && s.cpu0.curr === T, { bind: { refuseRunnable, T } });
      const refuseState = declareStraight(
        (s: S) => !refuseRunnable(s) && !refuseCurr(s) && (me(s).__state & (TASK_FREEZABLE | __TASK_STOPPED | __TASK_TRACED)) === 0,
        { bind: { refuseRunnable, refuseCurr, me, TASK_FREEZABLE, __TASK_STOPPED, __TASK_TRACED } },
      );
      const freezer = thread<S>('cpu2/freezer', [
        step('begin', 'freeze_processes: pm_freezing = true', { run: sr((d: Draft<S>) => void (d.pm_freezing = true)) }),
        spinLock('lock', 'freeze_task', freezerLock, { label: 'freeze_task: spin_lock_irqsave(&freezer_lock, flags)' }),
        choice('decide', [
          {
            label: 'freeze_task: if (!freezing(p) || frozen(p)) return false (already frozen)',
            guard: declareStraight((s: S) => frozen(me(s)), { bind: { frozen, me } }),
            next: 'unlock.done',
          },
          {
            label: `__set_task_frozen: if (${runnableTest.setTaskFrozen}) return 0`,
            fn: '__set_task_frozen',
            guard: pinned((s) => !frozen(me(s)) && refuseRunnable(s)),
            blockedOn: () => `${rq.name} (task_call_func)`,
            next: 'fake',
            tags: ['freezer-refuse-runnable'],
          },
          {
            label: '__set_task_frozen: if (p != current && task_curr(p)) return 0',
            fn: '__set_task_frozen',
            guard: pinned((s) => !frozen(me(s)) && refuseCurr(s)),
            blockedOn: () => `${rq.name} (task_call_func)`,
            next: 'fake',
          },
          {
            label: '__set_task_frozen: if (!(state & (TASK_FREEZABLE | __TASK_STOPPED | __TASK_TRACED))) return 0',
            fn: '__set_task_frozen',
            guard: pinned((s) => !frozen(me(s)) && refuseState(s)),
            blockedOn: () => `${rq.name} (task_call_func)`,
            next: 'fake',
          },
          {
            label: '__set_task_frozen: p->saved_state = p->__state; WRITE_ONCE(p->__state, TASK_FROZEN)',
            fn: '__set_task_frozen',
            guard: pinned((s) => !frozen(me(s)) && !refuseRunnable(s) && !refuseCurr(s) && !refuseState(s)),
            blockedOn: () => `${rq.name} (task_call_func)`,
            run: sr((d: Draft<S>) => {
              me(d).saved_state = me(d).__state;
              me(d).__state = TASK_FROZEN;
            }),
            next: 'unlock.done',
            tags: ['freezer-freeze'],
          },
        ]),
        step('fake', 'fake_signal_wake_up: signal_wake_up(p, 0): set_tsk_thread_flag(p, TIF_SIGPENDING)', {
          run: sr((d: Draft<S>) => void (me(d).sigpending = true)),
        }),
        step('fake.wake', 'signal_wake_up_state: wake_up_state(p, TASK_INTERRUPTIBLE)', {
          guard: rqFree,
          blockedOn: rqHeld,
          run: sr((d: Draft<S>) => void try_to_wake_up(me(d), TASK_INTERRUPTIBLE)),
          tags: ['freezer-fake-wakeup'],
        }),
        spinUnlock('unlock.retry', 'freeze_task', freezerLock, { label: 'freeze_task: spin_unlock_irqrestore(&freezer_lock, flags); return true', next: 'retry' }),
        choice('retry', [
          { label: 'try_to_freeze_tasks: todo: msleep(sleep_usecs / USEC_PER_MSEC); retry', next: 'lock' },
          { label: 'try_to_freeze_tasks: time_after(jiffies, end_time): "Freezing of tasks failed"', next: 'thaw' },
        ]),
        spinUnlock('unlock.done', 'freeze_task', freezerLock, { label: 'freeze_task: spin_unlock_irqrestore(&freezer_lock, flags); return false', next: 'thaw' }),
        step('thaw', 'thaw_processes: pm_freezing = false', { run: sr((d: Draft<S>) => void (d.pm_freezing = false)) }),
        spinLock('thaw.lock', '__thaw_task', freezerLock, { label: '__thaw_task: spin_lock_irqsave(&freezer_lock, flags)' }),
        choice('thaw.restore', [
          {
            label: '__thaw_task: if (!frozen(p)) goto unlock',
            guard: declareStraight((s: S) => !frozen(me(s)), { bind: { frozen, me } }),
            next: 'thaw.unlock',
          },
          {
            label: '__restore_freezer_state: WRITE_ONCE(p->__state, p->saved_state); p->saved_state = TASK_RUNNING; return 1',
            fn: '__restore_freezer_state',
            guard: pinned((s) => frozen(me(s)) && me(s).saved_state !== TASK_RUNNING),
            run: sr((d: Draft<S>) => {
              me(d).__state = me(d).saved_state;
              me(d).saved_state = TASK_RUNNING;
            }),
            next: 'thaw.unlock',
          },
          {
            label: '__restore_freezer_state: saved_state == TASK_RUNNING: return 0',
            fn: '__restore_freezer_state',
            guard: pinned((s) => frozen(me(s)) && me(s).saved_state === TASK_RUNNING),
            next: 'thaw.wake',
          },
        ]),
        step('thaw.wake', '__thaw_task: wake_up_state(p, TASK_FROZEN)', {
          guard: rqFree,
          blockedOn: rqHeld,
          run: sr((d: Draft<S>) => void try_to_wake_up(me(d), TASK_FROZEN)),
        }),
        spinUnlock('thaw.unlock', '__thaw_task', freezerLock, { label: '__thaw_task: spin_unlock_irqrestore(&freezer_lock, flags)', next: END }),
      ]);
      freezerThreads.push(sleeper, freezer);
    }

    const vcpu = (v: number): Vcpu => ({
      wants_to_run: true,
      preempted: v > 0,
      ready: v > 0,
      scheduled_out: v > 0,
      rcuwait_task: false,
      irr: 0,
      on_wakeup_list: false,
      in_guest: false,
      halts: 0,
      blocked_in_schedule: false,
    });
    const nTasks = schedTasks.length;
    const notifiers = preemptNotifiers(nTasks);
    for (let v = 0; v < nVcpus; v++) notifiers[v] = true;
    // vcpu1.. start preempted: SN set (vmx_vcpu_pi_put).
    const descriptors: Record<string, number> = {};
    for (let v = 0; v < nVcpus; v++) {
      descriptors[pirOf(v)] = 0;
      descriptors[controlOf(v)] = controlWord(false, v > 0, POSTED_INTR_VECTOR);
      if (kvmShared) {
        descriptors[rcuwaitOf(v)] = 0;
        descriptors[modeOf(v)] = OUTSIDE_GUEST_MODE;
      }
    }
    const m = sharedMemory(params, descriptors, 2);
    const init: S = {
        tasks: schedTasks.map(() => taskStruct()),
        notifiers,
        vcpus: Array.from({ length: nVcpus }, (_, v) => vcpu(v)),
        m,
        cpu0: { curr: 0, wakeup_ipi: false },
        ctx: cpuContext(1),
        rq_lock: spinlock(),
        freezer_lock: spinlock(),
        pm_freezing: false,
        preempt_budget: params.preemptions,
    };
    return {
      init,
      // The tasks on cpu0 (not its wakeup handler, not the freezer on cpu2, not the senders,
      // which are hardware) run only when cpu0 is theirs or free.
      gates: [needsCpuGate<S>(cpu0Ctx, (env) => /^cpu0\/(vcpu\d+|other|nanosleep)$/.test(env.threadNames[env.self]!))],
      threads: [
        ...Array.from({ length: nVcpus }, (_, v) => spawn(vcpuKind, `cpu0/vcpu${v}`, { v })),
        other,
        irq,
        ...senders,
        ...freezerThreads,
        // tso/lkmm: the memory subsystem writing cpu0's buffered stores to memory (none under sc).
        ...memoryThreads(init, (s) => s.m),
      ],
    };
  },
});

function describeTask(p: TaskStruct): string {
  const state =
    p.__state === TASK_RUNNING ? 'TASK_RUNNING'
    : p.__state === TASK_INTERRUPTIBLE ? 'TASK_INTERRUPTIBLE'
    : p.__state === (TASK_INTERRUPTIBLE | TASK_FREEZABLE) ? 'TASK_INTERRUPTIBLE|TASK_FREEZABLE'
    : p.__state === TASK_FROZEN ? 'TASK_FROZEN'
    : `__state=0x${p.__state.toString(16)}`;
  return `${state}, on_rq=${p.on_rq ? 1 : 0}, sched_delayed=${p.sched_delayed ? 1 : 0}`;
}

function describePi(pi: PiDesc): string {
  return `PIR=0x${pi.pir.toString(16)} ON=${pi.on ? 1 : 0} SN=${pi.sn ? 1 : 0} NV=${pi.nv === POSTED_INTR_WAKEUP_VECTOR ? 'POSTED_INTR_WAKEUP_VECTOR' : 'POSTED_INTR_VECTOR'}`;
}
