// Properties of the kvm-intx-mask model (seed 003): what the INTx masking code must guarantee to
// the host (balanced enable_irq, a shared line never left disabled, no sleeping in atomic
// context), to the guest (no interrupt while it masks INTx, no interrupt lost while it does not)
// and to user space (the kernel never unmasks a device user space masked).
//
// Each invariant and step property declares its antecedent ({ when, then }), so a run in which
// it never applies says "holds, not exercised": at the defaults every property that holds is
// exercised; e.g. without PCI 2.3 nothing unmasks the device, and with the config write first
// on unmask the kernel never meets a device user space masked (the tests pin which, per case).
//
// `questions` are not properties: each asks whether something can happen that the code does on
// purpose, and its answer is a trace (a violation of "never X" is the witness that X happens).
// The model test checks each one and pins its trace; they are not in `properties`, so no run of
// `kmc check` reports intended behaviour as a bug. (Leaving the device masked after
// KVM_DEASSIGN_DEV_IRQ is intended: the reviewer asked, the thread did not call it a bug.)
//
// The one event "enable_irq() on a line nobody disabled" is checked once, by the kernel's own
// WARN ("Unbalanced enable for IRQ", unbalanced-enable-irq); like the kernel, enable_irq()
// leaves the depth at 0 then, so there is no negative depth to check a second time.
//
// This file reads the model's state through the model's own type (a type-only import: no model
// code is loaded by a properties file).
// `lineCanFire` mirrors the guard of the hard-IRQ thread's idle step; the model test checks the
// two agree on every reachable state.

import { defineProperties, invariant, stepProperty, assertion, deadlockFree, leadsTo, livelockFree, type FairnessSpec, type StateInfo } from '../src/property/index.js';
import { lockRef, UNBALANCED_ENABLE } from '../src/kernel/index.js';
import { declareStraight } from '../src/model/index.js';
import { noSleepInAtomic, spinlocksHeldBy } from './lock-discipline.js';
import type { KvmIntxMaskState } from '../models/kvm-intx-mask.js';

/** The model's own state type. */
type State = KvmIntxMaskState;

/** Tags the model puts on steps (models/kvm-intx-mask.ts: TAG_GUEST_IRQ_RAISE, TAG_HW_UNMASK). */
export const GUEST_IRQ_RAISE = 'kvm_set_irq(level=1)';
export const HW_UNMASK = 'pci_intx_unmask';
const HARDIRQ_THREAD = 'cpu0/hardirq';

const intxLock = lockRef<State>('intx_lock', (s) => s.kvm.intxLock);
const intx = intxLock.get;

/** The hard-IRQ thread's idle guard: the line is asserted, enabled, and has an action. */
export function lineCanFire(v: State, shared: boolean): boolean {
  const asserted = (v.dev.status && !v.dev.intxDisable) || v.other.status;
  return asserted && v.line.desc.depth === 0 && !v.line.oneshotMasked && (v.line.kvmAction || shared);
}

/**
 * Every thread is at its idle location (or has finished): nothing is in the middle of a function.
 * The qemu thread's idle location is its choice point, not an end location: a pending interrupt
 * must not wait for the guest to happen to toggle INTx again.
 */
function allIdle(s: StateInfo<State>): boolean {
  return s.threads.every((t) => s.ended(t) || s.at(t) === 'idle');
}

/**
 * The system has settled with the device's interrupt pending and the guest willing to take it,
 * yet nothing can deliver it: the host line cannot fire, the IRQ thread is not woken, the guest
 * line is low, and every thread is idle.
 */
/** The device's interrupt is pending, its IRQ assigned to the guest, and the guest has INTx unmasked. */
function pendingUnmasked(v: State): boolean {
  return v.dev.status && v.line.kvmAction && !v.kvm.maskIntx;
}

const LIVENESS_FAIRNESS: FairnessSpec = {
  threads: { 'cpu0/hardirq': 'strong' },
  steps: [{ step: (st) => st.fn === 'note_interrupt' && st.label.includes('"nobody cared"'), fairness: 'strong' }],
};

export function interruptLost(s: StateInfo<State>): boolean {
  const v = s.vars;
  return interruptPendingIdle(s) && !v.guest.line && !v.irqThread.runThread && !lineCanFire(v, s.params.shared === true);
}

/** no-lost-interrupt's antecedent: the device's interrupt is pending, the guest has INTx unmasked, every thread idles. */
function interruptPendingIdle(s: StateInfo<State>): boolean {
  const v = s.vars;
  return v.dev.status && v.line.kvmAction && !v.kvm.maskIntx && allIdle(s);
}

// The names the helpers read from this module, for the property compiler (straight.ts).
declareStraight(interruptPendingIdle, { bind: { allIdle } });
declareStraight(interruptLost, { bind: { interruptPendingIdle, lineCanFire } });

export const properties = defineProperties<State>('kvm-intx-mask', [
  assertion('unbalanced-enable-irq', 'enable_irq(host_irq) never WARNs "Unbalanced enable for IRQ"', UNBALANCED_ENABLE),
  stepProperty<State>(
    'guest-line-not-raised-while-masked',
    'kvm_set_irq(.., guest_irq, 1) never runs while the guest has INTx masked (KVM_DEV_ASSIGN_MASK_INTX)',
    { when: (_s, step) => step.tags.includes(GUEST_IRQ_RAISE), then: (s) => !s.vars.kvm.maskIntx, bind: { GUEST_IRQ_RAISE } },
    (_s, step) => `${step.thread} raises the guest line ('${step.label}') while MASK_INTX is set`,
  ),
  stepProperty<State>(
    'no-hw-unmask-while-guest-masked',
    'the kernel never clears the device\'s INTX_DISABLE bit while the guest has INTx masked (the API promise)',
    { when: (_s, step) => step.tags.includes(HW_UNMASK), then: (s) => !s.vars.kvm.maskIntx, bind: { HW_UNMASK } },
    (_s, step) => `${step.thread} unmasks the device ('${step.label}') while MASK_INTX is set`,
  ),
  stepProperty<State>(
    'kernel-keeps-user-mask',
    'the kernel never clears the PCI_COMMAND_INTX_DISABLE user space wrote to the device to mask INTx for the guest (from that config write until the guest unmasks again)',
    // Exercised when the kernel unmasks a device whose last config write set INTX_DISABLE (with
    // the API's order: after the unmask ioctl, before user space's write of INTX_DISABLE=0).
    { when: (s, step) => step.tags.includes(HW_UNMASK) && s.vars.qemu.wroteMasked, then: (s) => !s.vars.qemu.masked, bind: { HW_UNMASK } },
    (_s, step) =>
      `${step.thread} unmasks the device ('${step.label}') after user space wrote INTX_DISABLE=1 to it for a guest that still masks INTx: the kernel overrides the mask user space set`,
  ),
  invariant<State>(
    'no-lost-interrupt',
    'when every thread is idle, no device interrupt is pending undelivered while the IRQ is assigned and the guest has INTx unmasked',
    { when: interruptPendingIdle, then: (s) => !interruptLost(s), bind: { interruptLost } },
    (s) =>
      `the device's interrupt is pending (INTX_DISABLE ${s.vars.dev.intxDisable ? 'set' : 'clear'}, line depth ${s.vars.line.desc.depth}), ` +
      'the guest has INTx unmasked, and nothing will deliver it',
  ),
  noSleepInAtomic<State>('no-sleep-in-atomic', [
    { test: declareStraight((s: StateInfo<State>, t: number) => s.threads[t] === HARDIRQ_THREAD, { bind: { HARDIRQ_THREAD } }), why: () => 'hard IRQ context' },
    { test: declareStraight((s: StateInfo<State>, t: number) => intx(s.vars).holder === t, { bind: { intx } }), why: (s, t) => `holding spinlock ${spinlocksHeldBy(s.vars, [intxLock], t).join(', ')}` },
    { test: (s, t) => s.vars.rcu.reader[t] === true, why: () => 'inside rcu_read_lock() (kvm_notify_acked_irq)' },
  ]),
  invariant<State>(
    'shared-line-not-disabled',
    'the interrupt line is never disabled while the other device shares it (no disable_irq, no "nobody cared")',
    { when: (s) => s.params.shared === true, then: (s) => s.vars.line.desc.depth === 0 && !s.vars.line.spuriousDisabled },
    (s) =>
      `the shared line is disabled (depth ${s.vars.line.desc.depth}${s.vars.line.spuriousDisabled ? ', IRQS_SPURIOUS_DISABLED' : ''})`,
  ),
  deadlockFree(),
  // Liveness (src/engine/liveness). The scheduler: tasks weakly fair, the hard IRQ strongly fair,
  // and note_interrupt()'s "nobody cared" trip strongly fair: the model's choice between
  // irqs_unhandled++ and tripping stands for a counter that trips at 99,900 of 100,000, so an
  // unclaimed level-triggered storm cannot go on for ever (without this, the storm starves qemu
  // in an endless irqs_unhandled++ loop the real detector ends).
  livelockFree({ fairness: LIVENESS_FAIRNESS }),
  leadsTo<State>(
    'pending-interrupt-injected',
    'a pending device interrupt, while assigned and unmasked by the guest, is eventually injected (guest line raised), unless it stops being pending, assigned or unmasked',
    (s) => pendingUnmasked(s.vars),
    (s) => s.vars.guest.line || !pendingUnmasked(s.vars),
    { fairness: LIVENESS_FAIRNESS, bind: { pendingUnmasked } },
  ),
]);

/**
 * Questions the thread asked about intended behaviour, each answered by a trace: the invariant
 * says "never", and its counterexample is the witness. Not properties (see the header).
 */
export const questions = defineProperties<State>('kvm-intx-mask', [
  invariant<State>(
    'device-left-masked-after-deassign',
    'question: "This will leave the device with interrupts masked. Do we reset it later?" (never: the deassign ioctl returns with PCI_COMMAND_INTX_DISABLE set)',
    (s) => !s.vars.qemu.deassigned || !s.vars.dev.intxDisable,
    () => 'yes: the deassign ioctl returned and the device still has PCI_COMMAND_INTX_DISABLE set',
  ),
  // Asked next to `properties` (which check deadlock and livelock), never alone: no second
  // deadlock or livelock check.
], { deadlock: false, livelock: false });
