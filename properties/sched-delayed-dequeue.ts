// Properties of models/sched-delayed-dequeue.ts (seed 004): no lost posted-interrupt wakeup,
// vcpu->preempted only for a vCPU that did not block, the PI descriptor's WARN, and the freezer's
// two claims: a frozen task does not run, and a sleeping freezable task is frozen where it sleeps
// rather than woken (the line of __set_task_frozen the fix changes).
//
// The properties name states by the model's thread names and location ids (`cpu0/vcpuN` at
// `sched.off`: switched out by the schedule() call of kvm_vcpu_block; `cpu0/nanosleep` at
// `asleep`: switched out by do_nanosleep's schedule(); `cpu0/irq` at `walk`/`wake` with its
// local cursor `vmx` = K: the wakeup handler looking at, or waking, vcpuK), and by the fields below.
//
// Each invariant and step property declares its antecedent ({ when, then }): no-lost-wakeup
// applies when a vCPU sleeps with an interrupt pending, preempted-only-if-runnable when a vCPU
// blocked, the freezer's two when the freezer is at work. At the defaults (the freezer on) every
// property that holds is exercised; without the freezer its two say "holds, not exercised".
//
// The liveness form of no-lost-wakeup, interrupt-delivered (every posted interrupt is eventually
// delivered, or the vCPU eventually runs), is checked on the state graph (src/engine/liveness).

import { alwaysEventually, assertion, deadlockFree, defineProperties, invariant, stepProperty, type StateInfo } from '../src/property/index.js';
import { declareStraight } from '../src/model/index.js';
import { TASK_FREEZABLE, TASK_FROZEN, TASK_INTERRUPTIBLE } from '../src/kernel/index.js';
import { piOf, type SchedDelayedDequeueState } from '../models/sched-delayed-dequeue.js';

/** The model's own state type. */
type S = SchedDelayedDequeueState;

const vcpuThread = (i: number) => `cpu0/vcpu${i}`;
/**
 * piOf and TASK_INTERRUPTIBLE under names of this module, for the helpers' compiled form: a
 * function that names an import directly reads `__vite_ssr_import_N__.piOf` under vitest, which
 * the property compiler cannot bind.
 */
const descriptorOf = piOf;
const INTERRUPTIBLE = TASK_INTERRUPTIBLE;
const FROZEN = TASK_FROZEN;
const FREEZABLE = TASK_FREEZABLE;
const SLEEPER_THREAD = 'cpu0/nanosleep';
const IRQ_THREAD = 'cpu0/irq';

/** Whether a wakeup is on its way to vcpuN: the wakeup IRQ, or a KVM software sender. */
function wakeupOnItsWay(s: StateInfo<S>, i: number): boolean {
  return wakeupIrqOnItsWay(s, i) || kvmWakeupOnItsWay(s, i);
}

/**
 * A KVM software sender (`cpuK/kvm->vcpuN`, parameter kvmSenders) that has set a PIR bit and has
 * not yet decided against waking vcpuN: about to set ON (`on`; if ON was set already, whoever set
 * it notifies), about to read vcpu->mode (`mode`), in rcuwait_wake_up (`wake`), or about to
 * wake_up_process() it (`ttwu`). If it then reads IN_GUEST_MODE or a NULL w->task, it
 * does not wake the vCPU, and a vCPU asleep with the interrupt pending is a lost wakeup from that
 * state on.
 */
function kvmWakeupOnItsWay(s: StateInfo<S>, i: number): boolean {
  const suffix = `/kvm->vcpu${i}`;
  return s.threads.some((t) => t.endsWith(suffix) && ['on', 'mode', 'wake', 'ttwu'].includes(s.at(t)));
}

/**
 * Whether the wakeup IRQ that is pending or running on cpu0 will wake vcpuN: the handler
 * (pi_wakeup_handler) walks cpu0's wakeup list and wakes each vCPU with ON set, so a pending IRQ
 * wakes vcpuN if it is on the list with ON set, and a running one only if it has not walked past
 * it yet (at walk/wake with its cursor K <= N).
 */
function wakeupIrqOnItsWay(s: StateInfo<S>, i: number): boolean {
  const vcpu = s.vars.vcpus[i]!;
  const at = s.at(IRQ_THREAD);
  const cursor = s.local<{ vmx: number }>(IRQ_THREAD).vmx;
  if (at === 'wake' && cursor === i) return true;
  // The handler runs on cpu0 (it owns cpu0: src/kernel/context.ts) and has not walked past vcpuN.
  const running = s.vars.ctx.owner[0] === s.threads.indexOf(IRQ_THREAD) && (at === 'walk' || at === 'wake') && cursor <= i;
  return (s.vars.cpu0.wakeup_ipi || running) && vcpu.on_wakeup_list && descriptorOf(s.vars, i).on;
}

/**
 * vcpuN's wakeup is lost: it is asleep in kvm_vcpu_block's schedule() (switched out there and
 * still TASK_INTERRUPTIBLE: no ttwu since), a posted interrupt is pending for it (a PIR bit, or
 * ON), and no wakeup is on its way (no wakeup IRQ pending or running that will wake it). In the
 * model, as in the kernel, nothing else wakes a halted vCPU (the freezer does not target vCPUs,
 * there is no timer), and a pending interrupt does not post again: from such a state the vCPU
 * sleeps with the interrupt undelivered until some other sender happens to post. Whatever loses
 * the wakeup, SN set while it blocks, no self-IPI for an ON set before NV changed, or ON not set
 * for a PIR filled while SN was set, it ends in this state.
 */
export function lostWakeup(s: StateInfo<S>, i: number): boolean {
  return asleepWithInterrupt(s, i) && !wakeupOnItsWay(s, i);
}

/** vcpuN sleeps in kvm_vcpu_block's schedule() with a PIR bit or ON set (no-lost-wakeup's antecedent). */
function asleepWithInterrupt(s: StateInfo<S>, i: number): boolean {
  const pi = descriptorOf(s.vars, i);
  const asleep = s.at(vcpuThread(i)) === 'sched.off' && s.vars.tasks[i]!.__state === INTERRUPTIBLE;
  return asleep && (pi.pir !== 0 || pi.on);
}

const sleeperIndex = (s: StateInfo<S>) => s.vars.vcpus.length;

// The names the helpers read from this module, for the property compiler (straight.ts).
declareStraight(wakeupOnItsWay, { bind: { wakeupIrqOnItsWay, kvmWakeupOnItsWay } });
declareStraight(wakeupIrqOnItsWay, { bind: { IRQ_THREAD, descriptorOf } });
declareStraight(lostWakeup, { bind: { asleepWithInterrupt, wakeupOnItsWay } });
declareStraight(asleepWithInterrupt, { bind: { descriptorOf, vcpuThread, INTERRUPTIBLE } });

export const properties = defineProperties<S>('sched-delayed-dequeue', [
  invariant<S>(
    'no-lost-wakeup',
    'a vCPU blocked in kvm_vcpu_block() with a posted interrupt pending is woken: never asleep in schedule() with a PIR bit or ON set and no wakeup on its way',
    { when: (s) => s.vars.vcpus.some((_, i) => asleepWithInterrupt(s, i)), then: (s) => s.vars.vcpus.every((_, i) => !lostWakeup(s, i)), bind: { asleepWithInterrupt, lostWakeup } },
    (s) =>
      s.vars.vcpus
        .map((v, i) =>
          lostWakeup(s, i)
            ? `vcpu${i} sleeps in kvm_vcpu_block (TASK_INTERRUPTIBLE, on_rq=${s.vars.tasks[i]!.on_rq ? 1 : 0}, sched_delayed=${s.vars.tasks[i]!.sched_delayed ? 1 : 0}) with PIR=0x${piOf(s.vars, i).pir.toString(16)} ON=${piOf(s.vars, i).on ? 1 : 0} SN=${piOf(s.vars, i).sn ? 1 : 0} pending and no wakeup on its way (${v.on_wakeup_list ? 'on' : 'not on'} the wakeup list, ${s.vars.cpu0.wakeup_ipi ? 'a wakeup IRQ pending' : s.vars.ctx.owner[0] === s.threads.indexOf(IRQ_THREAD) ? 'the wakeup handler past it' : 'no wakeup IRQ pending'}): nothing will wake it`
            : '',
        )
        .filter((x) => x !== '')
        .join('; '),
  ),
  // []<> (no vCPU asleep in kvm_vcpu_block with an interrupt posted for it): a run that stops
  // stays in its last state, so a vCPU left asleep there with PIR or ON pending breaks it; one
  // that is woken (and runs) or whose interrupt is delivered does not. No "wakeup on its way"
  // clause: a wakeup on its way arrives, or the property is broken.
  alwaysEventually<S>(
    'interrupt-delivered',
    'every posted interrupt is eventually delivered, or the vCPU eventually runs: no vCPU stays asleep in kvm_vcpu_block() with PIR or ON pending',
    (s) => s.vars.vcpus.every((_, i) => !asleepWithInterrupt(s, i)),
    { bind: { asleepWithInterrupt } },
  ),
  invariant<S>(
    'preempted-only-if-runnable',
    'kvm_sched_out sets vcpu->preempted only for a vCPU that was still runnable when scheduled out (preempted, or schedule() in TASK_RUNNING), never for one that blocked in schedule()',
    { when: (s) => s.vars.vcpus.some((v) => v.blocked_in_schedule), then: (s) => s.vars.vcpus.every((v) => !(v.preempted && v.blocked_in_schedule)) },
    (s) =>
      s.vars.vcpus
        .map((v, i) => (v.preempted && v.blocked_in_schedule ? `vcpu${i} blocked in schedule() (block_task) but kvm_sched_out set vcpu->preempted` : ''))
        .filter((x) => x !== '')
        .join('; '),
  ),
  assertion(
    'pi-sn-clear-before-blocking',
    'pi_enable_wakeup_handler: WARN(pi_desc->sn, "PI descriptor SN field set before blocking") never fires',
    'PI descriptor SN field set before blocking',
  ),
  stepProperty<S>(
    'frozen-task-not-scheduled',
    'the scheduler never switches to a task whose __state is TASK_FROZEN (a task frozen in place, even with p->on_rq still set, does not run until thawed)',
    // Exercised by a switch-in while the freezer is at work (pm_freezing).
    {
      when: (s, step) => s.vars.pm_freezing && step.tags.some((t) => t.startsWith('switch-in:')),
      then: (s, step) => {
        const tag = step.tags.find((t) => t.startsWith('switch-in:'))!;
        return (s.vars.tasks[Number(tag.slice('switch-in:'.length))]!.__state & FROZEN) === 0;
      },
      bind: { Number, FROZEN },
    },
    (_s, step) => `${step.thread} runs '${step.label}' on a TASK_FROZEN task`,
  ),
  stepProperty<S>(
    'freezer-freezes-sleeper',
    '__set_task_frozen refuses as "runnable" only a task that can still run: a TASK_FREEZABLE task asleep in schedule() is frozen in place, not woken by fake_signal_wake_up',
    {
      when: (_s, step) => step.tags.includes('freezer-refuse-runnable'),
      then: (s) => {
        const t = s.vars.tasks[sleeperIndex(s)]!;
        return !(s.at(SLEEPER_THREAD) === 'asleep' && t.__state === (INTERRUPTIBLE | FREEZABLE));
      },
      bind: { sleeperIndex, SLEEPER_THREAD, INTERRUPTIBLE, FREEZABLE },
    },
    (s) => {
      const t = s.vars.tasks[sleeperIndex(s)]!;
      return `nanosleep is asleep in schedule() (TASK_INTERRUPTIBLE|TASK_FREEZABLE, on_rq=${t.on_rq ? 1 : 0}, sched_delayed=${t.sched_delayed ? 1 : 0}) but __set_task_frozen refuses it as runnable: the freezer will wake it with a fake signal`;
    },
  ),
  deadlockFree('every thread finishes or idles: no thread waits forever for a lock, the rq or a frozen task to be thawed (a vCPU halted in kvm_vcpu_block may wait forever: a lost wakeup is no-lost-wakeup)'),
]);
