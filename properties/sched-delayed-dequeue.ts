// Properties of models/sched-delayed-dequeue.ts (seed 004): no lost posted-interrupt wakeup,
// vcpu->preempted only for a vCPU that did not block, the PI descriptor's WARN, and the freezer's
// two claims: a frozen task does not run, and a sleeping freezable task is frozen where it sleeps
// rather than woken (the line of __set_task_frozen the fix changes).
//
// The properties name states by the model's thread names and location ids (`cpu0/vcpuN` at
// `sched.off`: switched out by the schedule() call of kvm_vcpu_block; `cpu0/nanosleep` at
// `asleep`: switched out by do_nanosleep's schedule()), and by the fields below.

import { assertion, deadlockFree, defineProperties, invariant, stepProperty, type StateInfo } from '../src/property/index.js';
import { TASK_FREEZABLE, TASK_FROZEN, TASK_INTERRUPTIBLE } from '../src/kernel/index.js';

/** The part of the model's state the properties read. */
type S = {
  tasks: readonly { __state: number; on_rq: boolean; sched_delayed: boolean }[];
  vcpus: readonly {
    preempted: boolean;
    blocked_in_schedule: boolean;
    on_wakeup_list: boolean;
    pi: { pir: number; on: boolean; sn: boolean };
  }[];
  cpu0: { curr: number; in_irq: boolean; wakeup_ipi: boolean };
};

const vcpuThread = (i: number) => `cpu0/vcpu${i}`;
const SLEEPER_THREAD = 'cpu0/nanosleep';

/**
 * vcpuN's wakeup is lost: it is asleep in kvm_vcpu_block's schedule() (switched out there, still
 * TASK_INTERRUPTIBLE: no ttwu since), an interrupt is pending in its PIR, SN is set so no post
 * will send a notification, and no wakeup IRQ that would wake it is pending or running (one
 * wakes it only with ON set and the vCPU on cpu0's wakeup list). SN is cleared only by
 * vmx_vcpu_pi_load, which runs only once the vCPU is switched back in, and that wakeup IRQ is
 * the only waker of a halted vCPU in the model (the freezer does not target vCPUs): from such a
 * state the vCPU stays asleep forever. (A lost wakeup with SN clear would show as a deadlock.)
 */
function lostWakeup(s: StateInfo<S>, i: number): boolean {
  const vcpu = s.vars.vcpus[i]!;
  const task = s.vars.tasks[i]!;
  const asleep = s.at(vcpuThread(i)) === 'sched.off' && task.__state === TASK_INTERRUPTIBLE;
  const wakeInFlight = (s.vars.cpu0.wakeup_ipi || s.vars.cpu0.in_irq) && vcpu.pi.on && vcpu.on_wakeup_list;
  return asleep && vcpu.pi.pir !== 0 && vcpu.pi.sn && !wakeInFlight;
}

const sleeperIndex = (s: StateInfo<S>) => s.vars.vcpus.length;

export const properties = defineProperties<S>('sched-delayed-dequeue', [
  invariant<S>(
    'no-lost-wakeup',
    'a vCPU blocked in kvm_vcpu_block() with a posted interrupt pending is woken: never asleep with PIR set, SN set and no wakeup IRQ on its way',
    (s) => s.vars.vcpus.every((_, i) => !lostWakeup(s, i)),
    (s) =>
      s.vars.vcpus
        .map((v, i) =>
          lostWakeup(s, i)
            ? `vcpu${i} sleeps in kvm_vcpu_block (TASK_INTERRUPTIBLE, on_rq=${s.vars.tasks[i]!.on_rq ? 1 : 0}, sched_delayed=${s.vars.tasks[i]!.sched_delayed ? 1 : 0}) with PIR=0x${v.pi.pir.toString(16)} pending, but SN=1 suppresses every notification and no wakeup IRQ is pending: nothing will wake it`
            : '',
        )
        .filter((x) => x !== '')
        .join('; '),
  ),
  invariant<S>(
    'preempted-only-if-runnable',
    'kvm_sched_out sets vcpu->preempted only for a vCPU that was still runnable when scheduled out (preempted, or schedule() in TASK_RUNNING), never for one that blocked in schedule()',
    (s) => s.vars.vcpus.every((v) => !(v.preempted && v.blocked_in_schedule)),
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
    (s, step) => {
      const tag = step.tags.find((t) => t.startsWith('switch-in:'));
      if (tag === undefined) return true;
      const t = Number(tag.slice('switch-in:'.length));
      return (s.vars.tasks[t]!.__state & TASK_FROZEN) === 0;
    },
    (_s, step) => `${step.thread} runs '${step.label}' on a TASK_FROZEN task`,
  ),
  stepProperty<S>(
    'freezer-freezes-sleeper',
    '__set_task_frozen refuses as "runnable" only a task that can still run: a TASK_FREEZABLE task asleep in schedule() is frozen in place, not woken by fake_signal_wake_up',
    (s, step) => {
      if (!step.tags.includes('freezer-refuse-runnable')) return true;
      const t = s.vars.tasks[sleeperIndex(s)]!;
      const asleep = s.at(SLEEPER_THREAD) === 'asleep' && t.__state === (TASK_INTERRUPTIBLE | TASK_FREEZABLE);
      return !asleep;
    },
    (s) => {
      const t = s.vars.tasks[sleeperIndex(s)]!;
      return `nanosleep is asleep in schedule() (TASK_INTERRUPTIBLE|TASK_FREEZABLE, on_rq=${t.on_rq ? 1 : 0}, sched_delayed=${t.sched_delayed ? 1 : 0}) but __set_task_frozen refuses it as runnable: the freezer will wake it with a fake signal`;
    },
  ),
  deadlockFree('every thread finishes or idles: no vCPU (or frozen task) left asleep with nothing to wake it'),
]);
