// KVM INTx masking for assigned PCI 2.3 devices, and host IRQ sharing.
//
// Seed: shared/seeds/003_e202e382bb77c00d.txt — Jan Kiszka, "[PATCH] KVM: Allow host IRQ sharing
// for assigned PCI 2.3 devices" (2012-01-09), reviewed by Michael S. Tsirkin (2012-01-10).
//
// Variants, and the sources behind each:
//   v1      the C in the seed: `struct mutex intx_mask_lock`, and the unmask ioctl calls
//           enable_irq() whenever host_irq_disabled, PCI 2.3 or not.
//   merged  virt/kvm/assigned-dev.c as released in v3.4 (the code merged as 07700a94b00a), which
//           differs from v1, for the paths modelled here, in two places: `spinlock_t
//           intx_mask_lock` (spin_lock/spin_unlock everywhere v1 has mutex_lock/mutex_unlock), and
//           kvm_vm_ioctl_set_pci_irq_mask() unmasks through enable_irq() only
//           `else if (!(assigned_dev->flags & KVM_DEV_ASSIGN_PCI_2_3))`, leaving the device-level
//           unmask to user space. `assigned_dev` there is the ioctl *argument*, not `match`: see
//           setMaskArgPci23 and "Surprises" below.
//   What was read, and what could not be: a 3.4.2 tree (461911662/linux-3.4.2), a 3.4.39 tree
//   (rmokerone/linux-3.4), the later forms (3.6; arch/x86/kvm/assigned-dev.c until the code was
//   removed) and the 3.4-based Android trees found all have the spinlock and the same INTx code.
//   No v3.4.0 tree from kernel.org was available; a vendor tree whose Makefile says 3.4.0 and
//   which carries none of 3.4.1/3.4.2's stable fixes elsewhere (4Fwolf/acer-z120-kernel-3.4.0:
//   its x86 MCE and NFS files are 3.4.0's) has the same virt/kvm as 3.4.2, spinlock included.
//   So v3.4 shipped the spinlock, as far as these sources show; no stored source shows a released
//   kernel, or a commit, with the seed's mutex after the merge. The mutex (and its sleep inside
//   rcu_read_lock()) is therefore v1's alone, and "the later spinlock form" is v3.4's own form:
//   one variant, not two. The commit that replaced the mutex (between the seed and v3.4) was not
//   found in the stored sources.
//   User space is QEMU's hw/i386/kvm/pci-assign.c: assigned_dev_pci_write_config() calls
//   kvm_device_intx_set_mask() (argument flags = MASK_INTX or 0, nothing else) and then writes
//   the real command register: the ioctl first, as the API text asks.
//
// How it is written (the model API of docs/model-api.md): each variant's differing code is a
// `byVariant` fragment written out in full: kvm_vm_ioctl_set_pci_irq_mask() from mutex_lock(&kvm->lock)
// to its unlock (v1: `else { ... enable_irq }`; merged: `else if (!(assigned_dev->flags &
// KVM_DEV_ASSIGN_PCI_2_3))`), and intx_mask_lock's primitive (mutex_lock/spin_lock). Each C
// function's steps are a `func`; branch outcomes and model remarks are notes (`code [note]`).
// What the C keeps on a thread's stack is that thread's locals: handle_irq_event()'s ret/handled
// (cpu0/hardirq), kvm_assigned_dev_ack_irq()'s `reassert` (vcpu0), the ioctl argument's flags and
// the round counter (qemu), each source's interrupt count (dev0, dev1). Every thread is its own
// kind (one of each), so there are no per-thread copies to fold. No scheduler state is kept by
// hand: atomic context (no-sleep-in-atomic) is read from the spinlocks held, the RCU read side and
// the hard-IRQ thread, and the one CPU whose interrupts matter is the hard-IRQ thread's own.
// Written with flags and globals before, the model had the same states, transitions, verdicts and
// counterexample paths (checked at 8 parameter sets, both variants, with and without symmetry).
//
// Functions modelled (one thread each, statement by statement):
//   cpu0/hardirq  handle_fasteoi_irq() for the shared level-triggered host line: the action chain
//                 (the other host device's handler, then KVM's), note_interrupt()'s "nobody cared"
//                 detector, irq_eoi(). KVM's primary handler is kvm_assigned_dev_intx()
//                 (spin_lock(&intx_lock), pci_check_and_mask_intx(), host_irq_disabled = true) with
//                 PCI 2.3, or irq_default_primary_handler() with IRQF_ONESHOT without it.
//   irq/kvm       irq_thread() running kvm_assigned_dev_thread_intx() (without PCI 2.3:
//                 spin_lock_irq, disable_irq_nosync, host_irq_disabled = true) and
//                 kvm_assigned_dev_raise_guest_irq() (intx_mask_lock, the MASK_INTX test,
//                 kvm_set_irq(.., 1)), then irq_finalize_oneshot() (IRQF_ONESHOT only).
//   vcpu0         the guest taking its INTx, its ISR servicing the device, the EOI:
//                 kvm_ioapic_update_eoi() -> kvm_notify_acked_irq() (rcu_read_lock) ->
//                 kvm_assigned_dev_ack_irq() (kvm_set_irq(.., 0), intx_mask_lock, intx_lock,
//                 enable_irq() or pci_check_and_unmask_intx(), reassert).
//   qemu          user space under its global mutex: the guest toggling PCI_COMMAND_INTX_DISABLE
//                 (ioctl KVM_ASSIGN_SET_INTX_MASK = kvm_vm_ioctl_set_pci_irq_mask(), then the write
//                 of the real command register, in that order, as the API text requires and
//                 QEMU does; maskWritesFirst/unmaskWritesFirst reverse it per direction), and
//                 the deassignment: kvm_vm_ioctl_deassign_dev_irq() -> deassign_host_irq()
//                 (spin_lock_irq, pci_intx(dev, false), synchronize_irq, free_irq — without
//                 intx_mask_lock; disable_irq without PCI 2.3) and deassign_guest_irq()
//                 (kvm_unregister_irq_ack_notifier + synchronize_rcu, kvm_set_irq(.., 0)); with
//                 deassign=2 kvm_free_assigned_device() also runs pci_reset_function() and
//                 pci_restore_state().
//   dev0          the assigned device: a level-triggered INTx source (PCI_STATUS_INTERRUPT, the
//                 PCI_COMMAND_INTX_DISABLE bit; it asserts the line while status && !disable).
//   dev1          a host device sharing the line (shared=true), whose driver's handler clears it.
//
// Simplifications, and why they are sound:
//   - One vCPU, one guest GSI used only by this device (spuriousAcks adds EOIs of another guest
//     device on the same GSI, the case the ack notifier's comment names). The ISR always services
//     the device; polling while masked is not modelled (it only removes pending interrupts).
//   - kvm_set_irq() is one step on one level bit (the guest line as this device's irq source
//     drives it); the IOAPIC's remote IRR is the vCPU thread being busy until its EOI.
//   - pci_check_and_mask_intx()/pci_check_and_unmask_intx() are one step each: they run under
//     pci_lock, so every config-space access (user space's write included) is atomic with respect
//     to them. The `host_irq_disabled = ...` store after them is folded into the same step: it is
//     under intx_lock, which every other access to host_irq_disabled holds, and the only other
//     writer of the device bits (user space) commutes with it.
//   - disable_irq_nosync()/enable_irq() use the kernel helpers (a depth counter; the line is
//     enabled at depth 0). Like __enable_irq(), enable_irq() at depth 0 WARNs "Unbalanced enable
//     for IRQ" (what unbalanced-enable-irq checks) and leaves the depth at 0.
//   - Lazy disable: a disabled line (depth > 0) simply does not fire; for a level-triggered line
//     that is what IRQS_PENDING + mask + unmask on enable_irq amounts to. IRQF_ONESHOT is a flag
//     set when the line fires and cleared by irq_finalize_oneshot().
//   - irq_wake_thread() is folded into the step where the primary handler returns; synchronize_irq
//     waits for IRQD_IRQ_INPROGRESS and threads_active (RUNTHREAD pending or handler running).
//     free_irq() is two steps: unlink the action (irq_shutdown(): depth = 1 when it was the last),
//     then synchronize_irq() + kthread_stop().
//   - note_interrupt()'s spurious detector disables the line after 99,900 of 100,000 unhandled
//     interrupts. Here it may trip (a nondeterministic choice) at an unhandled interrupt while
//     the device still asserts the line and no registered handler claims it (KVM's action gone):
//     such a level-triggered source re-fires at once, so the storm reaches the threshold unless
//     something clears the source first, which the other choice ("irqs_unhandled++") and the
//     other interleavings cover. A one-off unhandled interrupt (the source went away meanwhile,
//     or the other device's handler will claim the next one) cannot trip it.
//   - kvm->lock and kvm->irq_lock are taken only by user space's ioctls, serialized by QEMU's
//     global mutex (one qemu thread): kvm->lock is modelled, irq_lock is folded into
//     hlist_del_init_rcu. The mask/unmask ioctls are issued only while the IRQ is assigned, so
//     `irq_requested_type & KVM_DEV_IRQ_GUEST_INTX` is always true where it is tested.
//   - kvm_notify_acked_irq() calls the notifier under rcu_read_lock() (3.x virt/kvm/irq_comm.c:
//     not in the seed, but the context kvm_assigned_dev_ack_irq() runs in); the RCU state is the
//     kernel helper's (src/kernel/rcu.ts). kvm_unregister_irq_ack_notifier()'s synchronize_rcu()
//     covers the readers present when the notifier is unlinked (later ones cannot find it).
//   - The lock primitive follows the variant (v1 a mutex, merged a spinlock: a fragment each);
//     nothing else in the model depends on it. The spinlock's irq-disabling is not modelled: intx_mask_lock is
//     never taken from hard-IRQ context, so plain spin_lock is what both paths use.
//
// Left out, and why that is sound for these properties: MSI/MSI-X (no INTx masking; their
// raise_guest_irq takes the same lock, but only for GUEST_INTX); KVM_ASSIGN_DEV_IRQ itself (the
// model starts assigned: pci_intx(dev, true) done, the ack notifier registered); a second guest
// vCPU (one IOAPIC EOI path suffices for every notifier interleaving); halting and the guest's
// own polling of the status bit.
//
// Parameters that choose user space's behaviour (defaults = QEMU's):
//   maskWritesFirst / unmaskWritesFirst  the config-space write of INTX_DISABLE before the
//                                        KVM_ASSIGN_SET_INTX_MASK ioctl, for each direction;
//   setMaskArgPci23                      PCI_2_3 in the ioctl argument (QEMU never sets it).
//
// Ablations (not in any version; each answers a reviewer's question, defaults = the real code):
//   withIntxMaskLock=false        intx_mask_lock is not taken at all;
//   deassignTakesMaskLock=true    deassign_host_irq takes intx_mask_lock around pci_intx();
//   deassignMasksIntx=false       deassign_host_irq does not call pci_intx(dev, false).
//
// The reviewer's questions, answered by the checker (pinned in tests/models/kvm-intx-mask.test.ts):
//   "What exactly does this lock protect?" — the guest's MASK_INTX flag *together with* every
//     action taken on its strength: raising the guest line (raise_guest_irq, the ack's reassert)
//     and unmasking the device (the ack's pci_check_and_unmask_intx). Proof:
//     guest-line-not-raised-while-masked and no-hw-unmask-while-guest-masked hold in both
//     variants at every size tried. Trace: with withIntxMaskLock=false the IRQ thread tests the
//     flag, the ioctl sets it and lowers the line, the thread raises the line (12 steps); or the
//     ack tests the flag and unmasks the device after the guest masked (19 steps; both with 1
//     device interrupt), and the kernel overrides user space's mask (22 steps). It is taken
//     with intx_lock where host_irq_disabled or the device is touched too (ack, unmask ioctl),
//     alone where only the guest line is (raise, mask ioctl); intx_lock is the one the hard-IRQ
//     handler can take.
//   "Interesting that the new mutex is not used here." — deassign_host_irq touches neither
//     MASK_INTX nor the guest line, so it needs no intx_mask_lock: the two properties above hold
//     with the deassignment racing (proof). But the path has a real hole that intx_mask_lock does
//     not close: the ack notifier stays registered until deassign_guest_irq(), so a guest EOI after
//     pci_intx(dev, false) runs pci_check_and_unmask_intx() and unmasks the device again; its
//     next interrupt after free_irq() has no handler, note_interrupt() disables the line, and the
//     other device on it is dead (shared-line-not-disabled, 32 steps, both variants; 34 steps
//     with deassignTakesMaskLock=true: the ack comes after the lock is released).
//   "This will leave the device with interrupts masked. Do we reset it later?" — intended, so a
//     question answered by a trace (properties/kvm-intx-mask.ts `questions`, not a property): it
//     is left masked once KVM_DEASSIGN_DEV_IRQ returns (device-left-masked-after-deassign,
//     12 steps); it is reset when the device itself is deassigned (kvm_free_assigned_device():
//     pci_reset_function + pci_restore_state; the question's "never" holds with deassign=2). Why
//     it is done: with deassignMasksIntx=false an interrupt pending at free_irq() disables the
//     shared line, no race needed (8 steps).
//   "KVM_ASSIGN_SET_INTX_MASK has to be called prior to updating the config space ... could you
//     explain how this helps avoid races?" — both orders, both directions (maskWritesFirst,
//     unmaskWritesFirst; 1 device interrupt):
//     mask, write first: an EOI's ack has tested MASK_INTX (still clear) under intx_mask_lock;
//       user space writes INTX_DISABLE=1; the ack's pci_check_and_unmask_intx() clears it again
//       (kernel-keeps-user-mask, 21 steps, both variants). Ioctl first, the ioctl waits for the
//       ack's intx_mask_lock, and the config write comes after: the property holds.
//     unmask, write first: user space clears INTX_DISABLE while MASK_INTX is still set; the
//       pending interrupt fires, kvm_assigned_dev_intx() masks it again, the IRQ thread finds
//       MASK_INTX set and does not raise the guest line; the ioctl then clears MASK_INTX and
//       unmasks nothing at device level (v3.4 leaves that to user space, which already wrote):
//       the interrupt is lost (no-lost-interrupt, 27 steps in merged with setMaskArgPci23; 30 in
//       both with QEMU's argument, where enable_irq() also WARNs). Ioctl first, the config write
//       re-enables the source after MASK_INTX is clear, and it is delivered.
//
// Surprises (the checker against the thread's expectations):
//   - `merged` still WARNs "Unbalanced enable for IRQ" with the user space of its day: its PCI 2.3
//     test reads the ioctl argument, and QEMU's kvm_device_intx_set_mask() passes only
//     KVM_DEV_ASSIGN_MASK_INTX (the merged API text says only that flag is evaluated). Any unmask
//     ioctl while an interrupt is in flight (masked by the hard-IRQ handler, not yet acked) does
//     it: 20 steps, as in v1. With setMaskArgPci23=true merged holds; but then a device that
//     KVM demoted to non-PCI-2.3 (pci_intx_mask_supported() false) keeps its line disabled after
//     the guest unmasks: no-lost-interrupt, 27 steps. Testing match->flags would avoid both.
//   - In v1, intx_mask_lock is a mutex taken in kvm_assigned_dev_ack_irq() inside
//     kvm_notify_acked_irq()'s rcu_read_lock(): a sleeping lock in atomic context (16 steps; 4
//     with an EOI from another device on the GSI). v3.4 (merged) has a spinlock there and holds.
//     The hard-IRQ handler itself never takes a sleeping lock.
//   - The shared line is disabled by "nobody cared" in both variants at the default irqs=2
//     (shared-line-not-disabled, 32 steps; see "Interesting that the new mutex is not used
//     here" above): KVM_DEASSIGN_DEV_IRQ while the guest is still acking a second interrupt.

import {
  declareStraight, defineModel, step, choice, thread, func, byVariant, withNote, intParam, boolParam, END,
  type ActionDef, type LocationDef, type Next, type System, type ThreadDef,
} from '../src/model/index.js';
import {
  spinlock, mutex, lockRef, spinLock, spinUnlock, mutexLock, mutexUnlock,
  irqDesc, enable_irq, disable_irq_nosync, rcu, rcuReadLock, rcuReadUnlock, callRcu, rcuGracePeriodOver, rcuCallbackStart,
  type Spinlock, type Mutex, type IrqDesc, type Rcu,
} from '../src/kernel/index.js';

export type KvmIntxMaskState = {
  /** The assigned device: its INTx source and command-register bit. */
  dev: {
    /** PCI_STATUS_INTERRUPT: the device has an interrupt condition the guest has not serviced. */
    status: boolean;
    /** PCI_COMMAND_INTX_DISABLE (only a PCI 2.3 device implements it). */
    intxDisable: boolean;
    /** Still driven by the guest (false once reset and handed back to the host). */
    active: boolean;
  };
  /** The host device sharing the line. */
  other: { status: boolean };
  /** The host interrupt line (struct irq_desc). */
  line: {
    desc: IrqDesc;
    /** IRQF_ONESHOT: masked from the hard interrupt until irq_finalize_oneshot(). */
    oneshotMasked: boolean;
    /** IRQS_SPURIOUS_DISABLED: note_interrupt() gave up on the line. */
    spuriousDisabled: boolean;
    /** IRQD_IRQ_INPROGRESS: a CPU is running the line's handlers. */
    inProgress: boolean;
    /** KVM's irqaction is on the line (request_threaded_irq until free_irq). */
    kvmAction: boolean;
  };
  /** KVM's IRQ thread: IRQTF_RUNTHREAD, and its handler running (threads_active). */
  irqThread: { runThread: boolean; running: boolean };
  /** struct kvm_assigned_dev_kernel and struct kvm. */
  kvm: {
    intxLock: Spinlock;
    intxMaskLock: Mutex;
    kvmLock: Mutex;
    /** KVM_DEV_ASSIGN_MASK_INTX in match->flags: the guest's INTx mask as user space told KVM. */
    maskIntx: boolean;
    hostIrqDisabled: boolean;
    /** The ack notifier is on kvm->irq_ack_notifier_list. */
    notifier: boolean;
  };
  /** The guest's IRQ line, as this device's irq source drives it (kvm_set_irq). */
  guest: { line: boolean };
  /** RCU over kvm->irq_ack_notifier_list: readers (by thread index) and synchronize_rcu()'s wait. */
  rcu: Rcu;
  qemu: {
    /** The guest's view of PCI_COMMAND_INTX_DISABLE (QEMU's emulated config space). */
    masked: boolean;
    /** The deassign ioctl has returned. */
    deassigned: boolean;
    /**
     * Ghost (read by properties only): user space's last write to the device's command register
     * set PCI_COMMAND_INTX_DISABLE. A function of the qemu thread's location and the fields
     * above, so it adds no states.
     */
    wroteMasked: boolean;
  };
};

type S = KvmIntxMaskState;

/** The locals of each thread: what the C keeps on its stack, and each source's interrupt count. */
export type DeviceLocals = { /** Interrupts raised so far (bounded by the `irqs` parameter; the other device raises one). */ raised: number };
export type HardirqLocals = {
  /** kvm_assigned_dev_intx()'s `ret == IRQ_WAKE_THREAD`. */
  wake: boolean;
  /** handle_irq_event(): some action returned IRQ_HANDLED (what note_interrupt() is told). */
  handled: boolean;
};
export type VcpuLocals = {
  /** kvm_assigned_dev_ack_irq()'s local `reassert`. */
  reassert: boolean;
  /** EOIs of another guest device taken so far (bounded by `spuriousAcks`). */
  spurious: number;
};
export type QemuLocals = {
  /** Completed mask/unmask rounds. */
  rounds: number;
  /** The KVM_ASSIGN_SET_INTX_MASK argument's flags (struct kvm_assigned_pci_dev, on user space's stack). */
  arg: { maskIntx: boolean; pci23: boolean };
};
type Loc<L extends object = {}> = LocationDef<S, L>;

/** Tags properties read. */
export const TAG_GUEST_IRQ_RAISE = 'kvm_set_irq(level=1)';
export const TAG_HW_UNMASK = 'pci_intx_unmask';

const intxLock = lockRef<S>('intx_lock', (s) => s.kvm.intxLock);
const intxMaskLock = lockRef<S>('intx_mask_lock', (s) => s.kvm.intxMaskLock);
const kvmLock = lockRef<S>('kvm->lock', (s) => s.kvm.kvmLock);

/** The line is asserted: the device's INTx (unless disabled at device level) or the other device's. */
function lineAsserted(s: S): boolean {
  return (s.dev.status && !s.dev.intxDisable) || s.other.status;
}

/**
 * The line is asserted by a source no registered handler will claim: the device's INTx after
 * KVM's action is gone (the other device's handler claims its own; KVM's claims a pending device).
 * Only then does a level-triggered line re-fire unhandled until note_interrupt() gives up.
 */
function unclaimedSource(s: S): boolean {
  return s.dev.status && !s.dev.intxDisable && !s.line.kvmAction && !s.other.status;
}

/** synchronize_irq(): no hard handler in progress, no threaded handler pending or running. */
function irqQuiet(s: S): boolean {
  return !s.line.inProgress && !s.irqThread.runThread && !s.irqThread.running;
}

/** `loc` with every action going to `next` afterwards (for lock builders, whose `next` is a fixed id). */
function goingTo<L extends object>(loc: Loc<L>, next: Next<S, L>): Loc<L> {
  return { ...loc, actions: loc.actions.map((a) => ({ ...a, next })) };
}

export default defineModel({
  name: 'kvm-intx-mask',
  doc:
    'KVM INTx masking for assigned PCI 2.3 devices with host IRQ sharing (seed 003): the hard-IRQ handler ' +
    'masking at device level, the IRQ thread raising the guest line under intx_mask_lock, the ack notifier ' +
    'unmasking or reasserting, the KVM_ASSIGN_SET_INTX_MASK ioctl, deassign_host_irq, a second device on the line.',
  seed: '003_e202e382bb77c00d.txt',
  params: {
    pci23: boolParam(true, 'the device supports PCI 2.3 INTx masking (KVM_DEV_ASSIGN_PCI_2_3 kept); false: IRQF_ONESHOT + disable_irq_nosync, and the line cannot be shared (use shared=false)'),
    shared: boolParam(true, 'a host device shares the interrupt line (IRQF_SHARED; needs pci23) and raises one interrupt'),
    irqs: intParam(2, 'interrupts the assigned device raises (2: one can arrive after deassign_host_irq, which is what disables the shared line)', { min: 0, max: 3 }),
    maskRounds: intParam(1, 'times the guest masks and then unmasks INTx (KVM_ASSIGN_SET_INTX_MASK + config write)', { min: 0, max: 3 }),
    deassign: intParam(1, 'user space deassigns: 0 never, 1 the IRQ (KVM_DEASSIGN_DEV_IRQ), 2 the device (KVM_DEASSIGN_PCI_DEVICE: also pci_reset_function + pci_restore_state)', { min: 0, max: 2 }),
    spuriousAcks: intParam(0, 'EOIs of another guest device on the same guest GSI (the ack notifier runs for them too)', { min: 0, max: 2 }),
    setMaskArgPci23: boolParam(false, 'user space sets KVM_DEV_ASSIGN_PCI_2_3 in the KVM_ASSIGN_SET_INTX_MASK argument (QEMU does not: it passes only MASK_INTX); read by `merged` only'),
    maskWritesFirst: boolParam(false, 'when the guest masks, user space writes INTX_DISABLE to the device before the KVM_ASSIGN_SET_INTX_MASK ioctl (false: the ioctl first, as the API text requires and QEMU does)'),
    unmaskWritesFirst: boolParam(false, 'when the guest unmasks, user space clears INTX_DISABLE on the device before the KVM_ASSIGN_SET_INTX_MASK ioctl (false: the ioctl first, as the API text requires and QEMU does)'),
    withIntxMaskLock: boolParam(true, 'ablation: false drops intx_mask_lock everywhere (what does it protect?)'),
    deassignTakesMaskLock: boolParam(false, 'ablation: deassign_host_irq takes intx_mask_lock around pci_intx() (the reviewer\'s hint)'),
    deassignMasksIntx: boolParam(true, 'ablation: false drops pci_intx(dev, false) from deassign_host_irq (why is it there?)'),
  },
  variants: {
    v1: 'the patch as reviewed in the seed (2012-01-09): intx_mask_lock a mutex; the unmask ioctl calls enable_irq() whenever host_irq_disabled, PCI 2.3 or not',
    merged: 'as released in v3.4 (virt/kvm/assigned-dev.c; the same in 3.4.y and until the code was removed): intx_mask_lock a spinlock; the unmask ioctl calls enable_irq() only `else if (!(assigned_dev->flags & KVM_DEV_ASSIGN_PCI_2_3))`; user space unmasks at device level',
  },
  build({ params, variant }): System<S> {
    const { pci23, shared, irqs, maskRounds, deassign, spuriousAcks, maskWritesFirst, unmaskWritesFirst } = params;
    const maskLock = params.withIntxMaskLock;
    const deassignMaskLock = params.deassignTakesMaskLock;
    const deassignMasks = params.deassignMasksIntx;
    if (shared && !pci23)
      throw new Error(
        'shared=true needs pci23=true: without PCI 2.3 KVM requests the line with IRQF_ONESHOT and no IRQF_SHARED, so no other device can be on it (use shared=false)',
      );

    // intx_mask_lock, as each variant declares it: the seed's `struct mutex`, v3.4's `spinlock_t`
    // (the same lock word; see the header). `owner` is the C expression holding the lock.
    const noted = (loc: Loc, note?: string): Loc => (note === undefined ? loc : withNote(note, loc));
    const maskLockOps = byVariant(variant, {
      v1: () => ({
        lock: (id: string, fn: string, owner: string, note?: string): Loc =>
          noted(mutexLock<S>(id, fn, intxMaskLock, { label: `mutex_lock(&${owner}->intx_mask_lock)` }), note),
        unlock: (id: string, fn: string, owner: string, note?: string): Loc =>
          noted(mutexUnlock<S>(id, fn, intxMaskLock, { label: `mutex_unlock(&${owner}->intx_mask_lock)` }), note),
      }),
      merged: () => ({
        lock: (id: string, fn: string, owner: string, note?: string): Loc =>
          noted(spinLock<S>(id, fn, intxMaskLock, { label: `spin_lock(&${owner}->intx_mask_lock)` }), note),
        unlock: (id: string, fn: string, owner: string, note?: string): Loc =>
          noted(spinUnlock<S>(id, fn, intxMaskLock, { label: `spin_unlock(&${owner}->intx_mask_lock)` }), note),
      }),
    });
    // withIntxMaskLock=false (ablation): the lock statements are not there at all.
    const lockMaskLock = (id: string, fn: string, owner: string): Loc[] => (maskLock ? [maskLockOps.lock(id, fn, owner)] : []);
    const unlockMaskLock = (id: string, fn: string, owner: string): Loc[] => (maskLock ? [maskLockOps.unlock(id, fn, owner)] : []);

    const canFire = declareStraight((s: S) =>
      lineAsserted(s) && s.line.desc.depth === 0 && !s.line.oneshotMasked && (s.line.kvmAction || shared), { bind: { lineAsserted, shared } });

    const init: S = {
      dev: { status: false, intxDisable: false, active: true },
      other: { status: false },
      line: { desc: irqDesc(0), oneshotMasked: false, spuriousDisabled: false, inProgress: false, kvmAction: true },
      irqThread: { runThread: false, running: false },
      kvm: {
        intxLock: spinlock(),
        intxMaskLock: mutex(),
        kvmLock: mutex(),
        maskIntx: false,
        hostIrqDisabled: false,
        notifier: true,
      },
      guest: { line: false },
      rcu: rcu(shared ? 6 : 5),
      qemu: { masked: false, deassigned: false, wroteMasked: false },
    };

    // ---- the assigned device and the host device sharing its line -------------------------------
    const dev0 = thread<S, DeviceLocals>('dev0', [
      step('idle', 'device: raises its INTx (PCI_STATUS_INTERRUPT = 1)', {
        end: true,
        guard: declareStraight((s, { local }) => s.dev.active && !s.dev.status && local.raised < irqs, { bind: { irqs } }),
        blockedOn: () => 'nothing (idle)',
        run: (d, { local }) => {
          d.dev.status = true;
          local.raised += 1;
        },
        next: 'idle',
      }),
    ], { locals: { raised: 0 } });
    const dev1 = thread<S, DeviceLocals>('dev1', [
      step('idle', 'host device on the same line: raises its INTx', {
        end: true,
        guard: (s, { local }) => !s.other.status && local.raised < 1,
        blockedOn: () => 'nothing (idle)',
        run: (d, { local }) => {
          d.other.status = true;
          local.raised += 1;
        },
        next: 'idle',
      }),
    ], { locals: { raised: 0 } });

    // ---- the host CPU taking the line -------------------------------------------------------------
    const HI = 'kvm_assigned_dev_intx';
    const afterKvm = 'eoi';
    const kvmEntry = declareStraight((s: S) => (s.line.kvmAction ? 'kvm' : afterKvm), { bind: { afterKvm } });
    // irq_wake_thread(): test_and_set_bit(IRQTF_RUNTHREAD), threads_active++ if it was clear.
    const irqWakeThread = (d: S) => void (d.irqThread.runThread = true);
    const unlockIntx: ActionDef<S, HardirqLocals> = spinUnlock<S>('kvm.unlock', HI, intxLock, { label: 'spin_unlock(&assigned_dev->intx_lock); return ret' }).actions[0]!;
    const unlockIntxRun = unlockIntx.run!;
    const kvmPrimary: Loc<HardirqLocals>[] = pci23
      ? func<S, HardirqLocals>(HI, [
          spinLock('kvm', HI, intxLock, { label: 'spin_lock(&assigned_dev->intx_lock)' }),
          choice<S, HardirqLocals>('kvm.check', [
            {
              label: 'if (pci_check_and_mask_intx(assigned_dev->dev)) { assigned_dev->host_irq_disabled = true; ret = IRQ_WAKE_THREAD; }',
              note: 'IRQ pending: INTX_DISABLE set',
              guard: (s) => s.dev.status,
              run: (d, { local }) => {
                d.dev.intxDisable = true;
                d.kvm.hostIrqDisabled = true;
                local.wake = true;
              },
            },
            {
              label: 'if (pci_check_and_mask_intx(assigned_dev->dev)) ... else ret = IRQ_NONE',
              note: 'no IRQ pending',
              guard: (s) => !s.dev.status,
            },
          ]),
          {
            // One location, two returns: the lock helper's action, labelled by what is returned.
            id: 'kvm.unlock',
            actions: [
              {
                ...unlockIntx,
                note: 'IRQ_WAKE_THREAD: irq_wake_thread()',
                guard: (_s, { local }) => local.wake,
                run: declareStraight((d, env) => {
                  unlockIntxRun(d, env);
                  irqWakeThread(d);
                  env.local.handled = true;
                }, { bind: { unlockIntxRun, irqWakeThread } }),
                next: afterKvm,
              },
              { ...unlockIntx, note: 'IRQ_NONE', guard: (_s, { local }) => !local.wake, next: afterKvm },
            ],
          },
        ])
      : [
          step<S, HardirqLocals>('kvm', 'irq_default_primary_handler: return IRQ_WAKE_THREAD; irq_wake_thread()', {
            note: 'IRQF_ONESHOT keeps the line masked',
            run: declareStraight((d, { local }) => {
              irqWakeThread(d);
              local.handled = true;
            }, { bind: { irqWakeThread } }),
            next: afterKvm,
          }),
        ];
    const endIrq = (d: S, local: HardirqLocals) => {
      d.line.inProgress = false;
      local.wake = false;
      local.handled = false;
    };
    const hardirq = thread<S, HardirqLocals>('cpu0/hardirq', [
      step('idle', 'handle_fasteoi_irq: the line is asserted and enabled: handle_irq_event() runs its actions', {
        end: true,
        guard: canFire,
        blockedOn: () => 'the line to be asserted',
        run: declareStraight((d) => {
          d.line.inProgress = true;
          if (!pci23) d.line.oneshotMasked = true; // IRQS_ONESHOT: mask_irq()
        }, { bind: { pci23 } }),
        next: shared ? 'other' : kvmEntry,
      }),
      ...(shared
        ? [
            step<S, HardirqLocals>('other', 'other_dev_irq: if (its status bit) { ack it; return IRQ_HANDLED } else return IRQ_NONE', {
              run: (d, { local }) => {
                if (d.other.status) {
                  d.other.status = false;
                  local.handled = true;
                }
              },
              next: kvmEntry,
            }),
          ]
        : []),
      ...kvmPrimary,
      choice<S, HardirqLocals>('eoi', [
        {
          label: 'handle_fasteoi_irq: irq_eoi(); IRQD_IRQ_INPROGRESS cleared',
          guard: (_s, { local }) => local.handled,
          run: declareStraight((d, { local }) => endIrq(d, local), { bind: { endIrq } }),
          next: 'idle',
        },
        {
          label: 'note_interrupt: desc->irqs_unhandled++',
          note: 'every action returned IRQ_NONE',
          guard: (_s, { local }) => !local.handled,
          run: declareStraight((d, { local }) => endIrq(d, local), { bind: { endIrq } }),
          next: 'idle',
        },
        {
          // Only a source that stays asserted with nobody to claim it re-fires until the detector
          // trips; a one-off unhandled interrupt (the source went away meanwhile) does not.
          label: 'note_interrupt: "nobody cared", "Disabling IRQ": desc->depth++',
          note: 'IRQ_NONE and the device still asserts the line with no handler to claim it: it re-fires until 99900 of 100000 are unhandled',
          guard: declareStraight((s, { local }) => !local.handled && unclaimedSource(s), { bind: { unclaimedSource } }),
          run: declareStraight((d, { local }) => {
            d.line.spuriousDisabled = true;
            d.line.desc.depth += 1;
            endIrq(d, local);
          }, { bind: { endIrq } }),
          next: 'idle',
        },
      ]),
    ], { locals: { wake: false, handled: false } });

    // ---- kvm_assigned_dev_raise_guest_irq (called by the IRQ thread) -------------------------------
    const R = 'kvm_assigned_dev_raise_guest_irq';
    const raiseGuestIrq = (done: string): Loc[] =>
      func<S>(R, [
        ...lockMaskLock('raise.lock', R, 'assigned_dev'),
        step('raise.check', 'if (!(assigned_dev->flags & KVM_DEV_ASSIGN_MASK_INTX))', {
          next: declareStraight((s) => (s.kvm.maskIntx ? (maskLock ? 'raise.unlock' : done) : 'raise.set'), { bind: { done, maskLock } }),
        }),
        step('raise.set', 'kvm_set_irq(assigned_dev->kvm, assigned_dev->irq_source_id, vector, 1)', {
          run: (d) => void (d.guest.line = true),
          tags: [TAG_GUEST_IRQ_RAISE],
          next: maskLock ? 'raise.unlock' : done,
        }),
        ...unlockMaskLock('raise.unlock', R, 'assigned_dev').map((l) => goingTo(l, done)),
      ]);

    // ---- the IRQ thread ---------------------------------------------------------------------------
    const T = 'kvm_assigned_dev_thread_intx';
    const firstRaise = maskLock ? 'raise.lock' : 'raise.check';
    const irqThread = thread<S>('irq/kvm', [
      step('idle', 'irq_thread: irq_wait_for_interrupt(): test_and_clear_bit(IRQTF_RUNTHREAD)', {
        end: true,
        guard: (s) => s.irqThread.runThread,
        blockedOn: () => 'irq_wake_thread()',
        run: (d) => {
          d.irqThread.runThread = false;
          d.irqThread.running = true;
        },
        next: pci23 ? firstRaise : 'dis.lock',
      }),
      ...(pci23
        ? []
        : func<S>(T, [
            spinLock<S>('dis.lock', T, intxLock, { label: 'spin_lock_irq(&assigned_dev->intx_lock)' }),
            step<S>('dis.disable', 'disable_irq_nosync(irq); assigned_dev->host_irq_disabled = true', {
              run: (d) => {
                disable_irq_nosync(d.line.desc);
                d.kvm.hostIrqDisabled = true;
              },
              tags: ['disable_irq_nosync'],
            }),
            spinUnlock<S>('dis.unlock', T, intxLock, { label: 'spin_unlock_irq(&assigned_dev->intx_lock)', next: firstRaise }),
          ])),
      ...raiseGuestIrq('done'),
      step(
        'done',
        pci23
          ? 'irq_thread: kvm_assigned_dev_thread_intx returned IRQ_HANDLED: wake_threads_waitq()'
          : 'irq_thread: kvm_assigned_dev_thread_intx returned IRQ_HANDLED: irq_finalize_oneshot(); wake_threads_waitq()',
        {
          ...(pci23 ? {} : { note: 'the line stays masked while disabled' }),
          run: declareStraight((d) => {
            d.irqThread.running = false;
            if (!pci23) d.line.oneshotMasked = false;
          }, { bind: { pci23 } }),
          next: 'idle',
        },
      ),
    ]);

    // ---- the vCPU: guest ISR, EOI, ack notifier -------------------------------------------------------
    const A = 'kvm_assigned_dev_ack_irq';
    // `else if (...)`: with PCI 2.3 the device is unmasked unless an interrupt is pending; without
    // it the line is re-enabled. Which branch a device takes is fixed by its PCI 2.3 support.
    const ackPci23: ActionDef<S, VcpuLocals>[] = [
      {
        label: 'else if (!pci_check_and_unmask_intx(dev->dev)) reassert = true; dev->host_irq_disabled = reassert;',
        note: 'no IRQ pending: INTX_DISABLE cleared',
        guard: (s) => s.kvm.hostIrqDisabled && !s.dev.status,
        run: (d) => {
          d.dev.intxDisable = false;
          d.kvm.hostIrqDisabled = false;
        },
        tags: [TAG_HW_UNMASK],
      },
      {
        label: 'else if (!pci_check_and_unmask_intx(dev->dev)) reassert = true; dev->host_irq_disabled = reassert;',
        note: 'IRQ pending: stays masked, reassert = true',
        guard: (s) => s.kvm.hostIrqDisabled && s.dev.status,
        run: (_d, { local }) => void (local.reassert = true),
      },
    ];
    const ackNoPci23: ActionDef<S, VcpuLocals>[] = [
      {
        label: 'if (!(dev->flags & KVM_DEV_ASSIGN_PCI_2_3)) enable_irq(dev->host_irq); dev->host_irq_disabled = false',
        guard: (s) => s.kvm.hostIrqDisabled,
        run: declareStraight((d, env) => {
          enable_irq(d.line.desc, env);
          d.kvm.hostIrqDisabled = false;
        }, { bind: { enable_irq } }),
        tags: ['enable_irq'],
      },
    ];
    const ackDone = maskLock ? 'ack.unlock' : 'rcu.unlock';
    const vcpu = thread<S, VcpuLocals>('vcpu0', [
      choice<S, VcpuLocals>(
        'idle',
        [
          {
            label: 'kvm_ioapic_set_irq: the guest line is high: the IOAPIC delivers the INTx to the vCPU',
            guard: (s) => s.guest.line,
            blockedOn: () => 'a guest interrupt',
            next: 'isr',
          },
          ...(spuriousAcks > 0
            ? [
                {
                  label: 'guest: EOI of an interrupt from another guest device on the same GSI',
                  guard: (_s: S, { local }: { local: VcpuLocals }) => local.spurious < spuriousAcks,
                  run: (_d: S, { local }: { local: VcpuLocals }) => void (local.spurious += 1),
                  next: 'eoi',
                },
              ]
            : []),
        ],
        { end: true },
      ),
      step('isr', 'guest ISR: the driver services the device (its interrupt condition is cleared)', {
        run: (d) => void (d.dev.status = false),
      }),
      step('eoi', 'kvm_ioapic_update_eoi -> kvm_notify_acked_irq: rcu_read_lock(); for each ack notifier on the GSI: kian->irq_acked(kian)', {
        run: declareStraight((d, env) => rcuReadLock(d.rcu, env.self), { bind: { rcuReadLock } }),
        next: (s) => (s.kvm.notifier ? 'ack.lower' : 'rcu.unlock'),
      }),
      ...func<S, VcpuLocals>(A, [
        step('ack.lower', 'kvm_set_irq(dev->kvm, dev->irq_source_id, dev->guest_irq, 0)', {
          run: (d) => void (d.guest.line = false),
        }),
        ...lockMaskLock('ack.lock', A, 'dev'),
        step('ack.check', 'if (!(dev->flags & KVM_DEV_ASSIGN_MASK_INTX))', {
          next: declareStraight((s) => (s.kvm.maskIntx ? ackDone : 'ack.spin'), { bind: { ackDone } }),
        }),
        spinLock('ack.spin', A, intxLock, { label: 'spin_lock_irq(&dev->intx_lock)' }),
        choice<S, VcpuLocals>('ack.unmask', [
          { label: 'if (dev->host_irq_disabled)', note: 'false: the ack is for another guest device', guard: (s) => !s.kvm.hostIrqDisabled },
          ...(pci23 ? ackPci23 : ackNoPci23),
        ]),
        spinUnlock('ack.spinunlock', A, intxLock, { label: 'spin_unlock_irq(&dev->intx_lock)' }),
        choice<S, VcpuLocals>('ack.reassert', [
          {
            label: 'if (reassert) kvm_set_irq(dev->kvm, dev->irq_source_id, dev->guest_irq, 1)',
            guard: (_s, { local }) => local.reassert,
            run: (d, { local }) => {
              d.guest.line = true;
              local.reassert = false;
            },
            tags: [TAG_GUEST_IRQ_RAISE],
            next: ackDone,
          },
          { label: 'if (reassert)', note: 'false', guard: (_s, { local }) => !local.reassert, next: ackDone },
        ]),
        ...unlockMaskLock('ack.unlock', A, 'dev'),
      ]),
      step('rcu.unlock', 'kvm_notify_acked_irq: rcu_read_unlock()', {
        run: declareStraight((d, env) => rcuReadUnlock(d.rcu, env.self), { bind: { rcuReadUnlock } }),
        next: 'idle',
      }),
    ], { locals: { reassert: false, spurious: 0 } });

    // ---- user space: INTx mask toggles and the deassignment -----------------------------------------
    const M = 'kvm_vm_ioctl_set_pci_irq_mask';
    const Q = 'qemu assigned_dev_pci_write_config';
    const writesFirst = declareStraight((masked: boolean) => (masked ? maskWritesFirst : unmaskWritesFirst), { bind: { maskWritesFirst, unmaskWritesFirst } });
    const deviceBit = pci23 ? undefined : 'not PCI 2.3: the device ignores the bit';
    // The config-space write of the guest's new INTX_DISABLE: after the ioctl (the API text, QEMU)
    // or, with maskWritesFirst/unmaskWritesFirst, before it (the reviewer's question). One
    // location each, an action per direction (the direction is the ioctl argument's MASK_INTX).
    const configWrite = (id: string, first: boolean, next: string): Loc<QemuLocals> =>
      choice<S, QemuLocals>(
        id,
        [true, false]
          .filter((masked) => writesFirst(masked) === first)
          .map((masked) => ({
            label: `${Q}: write PCI_COMMAND with INTX_DISABLE ${masked ? 'set' : 'clear'} to the device${first ? ' (before the ioctl)' : ''}`,
            ...(deviceBit !== undefined ? { note: deviceBit } : {}),
            guard: declareStraight((_s: S, { local }: { local: QemuLocals }) => local.arg.maskIntx === masked, { bind: { masked } }),
            run: declareStraight((d: S) => {
              if (pci23) d.dev.intxDisable = masked;
              d.qemu.wroteMasked = masked;
            }, { bind: { masked, pci23 } }),
            next,
          })),
      );
    const anyWritesFirst = maskWritesFirst || unmaskWritesFirst;
    const anyWritesAfter = !maskWritesFirst || !unmaskWritesFirst;
    const afterIoctl: Next<S, QemuLocals> = declareStraight((_s, { local }) => (writesFirst(local.arg.maskIntx) ? 'idle' : 'write'), { bind: { writesFirst } });
    const unmaskDone = maskLock ? 'unlock' : 'kvmunlock';
    const FLAGS = 'match->flags &= ~KVM_DEV_ASSIGN_MASK_INTX; match->flags |= assigned_dev->flags & KVM_DEV_ASSIGN_MASK_INTX';

    // kvm_vm_ioctl_set_pci_irq_mask() as each variant has it, from mutex_lock(&kvm->lock) to its
    // unlock (kvm_find_assigned_dev always finds the device; GUEST_INTX is always assigned here).
    const setPciIrqMask: Loc<QemuLocals>[] = byVariant(variant, {
      // The seed: the unmask branch re-enables the line whenever KVM disabled it.
      v1: () =>
        func<S, QemuLocals>(M, [
          mutexLock('kvmlock', M, kvmLock, { label: 'mutex_lock(&kvm->lock)' }),
          ...lockMaskLock('lock', M, 'match'),
          step<S, QemuLocals>('flags', FLAGS, {
            run: (d, { local }) => void (d.kvm.maskIntx = local.arg.maskIntx),
            next: (_s, { local }) => (local.arg.maskIntx ? 'lower' : 'spin'),
          }),
          step('lower', 'if (assigned_dev->flags & KVM_DEV_ASSIGN_MASK_INTX) kvm_set_irq(match->kvm, match->irq_source_id, match->guest_irq, 0)', {
            run: (d) => void (d.guest.line = false),
            next: unmaskDone,
          }),
          spinLock('spin', M, intxLock, { label: 'else { spin_lock_irq(&match->intx_lock)' }),
          ...unmaskLine(),
          ...unlockMaskLock('unlock', M, 'match'),
          goingTo(mutexUnlock('kvmunlock', M, kvmLock, { label: 'mutex_unlock(&kvm->lock)' }), afterIoctl),
        ]),
      // v3.4: the unmask branch re-enables the line only if the *argument* lacks PCI_2_3 (user
      // space unmasks at device level); intx_mask_lock is a spinlock.
      merged: () =>
        func<S, QemuLocals>(M, [
          mutexLock('kvmlock', M, kvmLock, { label: 'mutex_lock(&kvm->lock)' }),
          ...lockMaskLock('lock', M, 'match'),
          // The `else if` reads only the argument (a local): its test is folded into this step.
          choice<S, QemuLocals>('flags', [
            {
              label: FLAGS,
              guard: (_s, { local }) => local.arg.maskIntx || !local.arg.pci23,
              run: (d, { local }) => void (d.kvm.maskIntx = local.arg.maskIntx),
              next: (_s, { local }) => (local.arg.maskIntx ? 'lower' : 'spin'),
            },
            {
              label: FLAGS,
              note: 'the guest unmasks; else if (!(assigned_dev->flags & KVM_DEV_ASSIGN_PCI_2_3)) is false: no enable_irq',
              guard: (_s, { local }) => !local.arg.maskIntx && local.arg.pci23,
              run: (d) => void (d.kvm.maskIntx = false),
              next: unmaskDone,
            },
          ]),
          step('lower', 'if (assigned_dev->flags & KVM_DEV_ASSIGN_MASK_INTX) kvm_set_irq(match->kvm, match->irq_source_id, match->guest_irq, 0)', {
            run: (d) => void (d.guest.line = false),
            next: unmaskDone,
          }),
          withNote(
            'true: the argument carries only MASK_INTX',
            spinLock('spin', M, intxLock, { label: 'else if (!(assigned_dev->flags & KVM_DEV_ASSIGN_PCI_2_3)) { spin_lock_irq(&match->intx_lock)' }),
          ),
          ...unmaskLine(),
          ...unlockMaskLock('unlock', M, 'match'),
          goingTo(mutexUnlock('kvmunlock', M, kvmLock, { label: 'mutex_unlock(&kvm->lock)' }), afterIoctl),
        ]),
    });
    // The unmask branch's body, the same in both variants once intx_lock is held.
    function unmaskLine(): Loc<QemuLocals>[] {
      return [
        choice<S, QemuLocals>('enable', [
          {
            label: 'if (match->host_irq_disabled) { enable_irq(match->host_irq); match->host_irq_disabled = false; }',
            guard: (s) => s.kvm.hostIrqDisabled,
            run: declareStraight((d, env) => {
              enable_irq(d.line.desc, env);
              d.kvm.hostIrqDisabled = false;
            }, { bind: { enable_irq } }),
            tags: ['enable_irq'],
          },
          { label: 'if (match->host_irq_disabled)', note: 'false', guard: (s) => !s.kvm.hostIrqDisabled },
        ]),
        spinUnlock('spinunlock', M, intxLock, { label: 'spin_unlock_irq(&match->intx_lock) }' }),
      ];
    }

    const D = deassign === 2 ? 'kvm_vm_ioctl_deassign_device' : 'kvm_vm_ioctl_deassign_dev_irq';
    const H = 'deassign_host_irq';
    const quietBlocked = (s: S) =>
      s.line.inProgress ? 'the hard interrupt in progress' : 'the IRQ thread (threads_active)';
    const deassignHost: Loc[] = func<S>(H, pci23
      ? [
          ...(deassignMasks
            ? [
                ...(deassignMaskLock ? [maskLockOps.lock('d.masklock', H, 'assigned_dev', 'ablation: not in the patch')] : []),
                spinLock<S>('d.spin', H, intxLock, { label: 'spin_lock_irq(&assigned_dev->intx_lock)' }),
                step<S>('d.intx', 'pci_intx(assigned_dev->dev, false)', {
                  note: 'INTX_DISABLE set',
                  run: (d) => void (d.dev.intxDisable = true),
                }),
                spinUnlock<S>('d.spinunlock', H, intxLock, { label: 'spin_unlock_irq(&assigned_dev->intx_lock)' }),
                ...(deassignMaskLock ? [maskLockOps.unlock('d.maskunlock', H, 'assigned_dev', 'ablation')] : []),
              ]
            : []),
          step<S>('d.sync', 'synchronize_irq(assigned_dev->host_irq)', { guard: irqQuiet, blockedOn: quietBlocked }),
        ]
      : [
          step<S>('d.disable', 'disable_irq(assigned_dev->host_irq): desc->depth++', {
            run: (d) => disable_irq_nosync(d.line.desc),
            tags: ['disable_irq'],
          }),
          step<S>('d.sync', 'disable_irq(assigned_dev->host_irq): synchronize_irq()', { guard: irqQuiet, blockedOn: quietBlocked }),
        ]);
    const deassignIoctl: Loc[] = [
      ...func<S>(D, [mutexLock('d.kvmlock', D, kvmLock, { label: 'mutex_lock(&kvm->lock)' })]),
      ...deassignHost,
      ...func<S>(H, [
        step(
          'd.free',
          shared
            ? "free_irq(assigned_dev->host_irq, assigned_dev): __free_irq() unlinks the action (the other device's stays)"
            : 'free_irq(assigned_dev->host_irq, assigned_dev): __free_irq() unlinks the last action: irq_shutdown() (desc->depth = 1)',
          {
            run: declareStraight((d) => {
              d.line.kvmAction = false;
              if (!shared) d.line.desc.depth = 1;
            }, { bind: { shared } }),
          },
        ),
        step('d.free2', 'free_irq(): synchronize_irq(); kthread_stop(action->thread)', { guard: irqQuiet, blockedOn: quietBlocked }),
      ]),
      step('d.unreg', 'deassign_guest_irq: kvm_unregister_irq_ack_notifier(): hlist_del_init_rcu(&kian->link)', {
        run: declareStraight((d) => {
          d.kvm.notifier = false;
          // synchronize_rcu()'s grace period covers the readers of this moment; later readers
          // cannot find the notifier any more, so starting it here or a statement later is the same.
          callRcu(d.rcu);
        }, { bind: { callRcu } }),
      }),
      step('d.syncrcu', 'kvm_unregister_irq_ack_notifier: synchronize_rcu()', {
        guard: declareStraight((s) => rcuGracePeriodOver(s.rcu), { bind: { rcuGracePeriodOver } }),
        blockedOn: () => 'the vCPU to leave rcu_read_lock() (kvm_notify_acked_irq)',
        run: declareStraight((d) => rcuCallbackStart(d.rcu), { bind: { rcuCallbackStart } }),
      }),
      step('d.lower', 'deassign_guest_irq: kvm_set_irq(assigned_dev->kvm, assigned_dev->irq_source_id, assigned_dev->guest_irq, 0)', {
        run: (d) => void (d.guest.line = false),
      }),
      ...(deassign === 2
        ? [
            step<S>('d.reset', 'kvm_free_assigned_device: pci_reset_function(assigned_dev->dev); pci_restore_state(assigned_dev->dev)', {
              run: (d) => {
                d.dev.intxDisable = false;
                d.dev.status = false;
                d.dev.active = false;
              },
            }),
          ]
        : []),
      ...func<S>(D, [
        mutexUnlock('d.kvmunlock', D, kvmLock, {
          label: 'mutex_unlock(&kvm->lock); return',
          run: (d) => void (d.qemu.deassigned = true),
          next: 'idle',
        }),
      ]),
    ];

    // One user-space program: the guest's config writes go through the ioctl (QEMU's
    // kvm_device_intx_set_mask passes MASK_INTX or 0, PCI_2_3 only with setMaskArgPci23).
    const setMask = (masked: boolean) =>
      declareStraight(
        (d: S, { local }: { local: QemuLocals }) => {
          d.qemu.masked = masked;
          local.arg.maskIntx = masked;
          if (!masked) local.rounds += 1;
        },
        { bind: { masked } },
      );
    const qemu = thread<S, QemuLocals>('qemu', [
      choice<S, QemuLocals>('idle', [
        {
          label: `${Q}: the guest sets INTX_DISABLE: kvm_device_intx_set_mask(masked) -> ioctl(KVM_ASSIGN_SET_INTX_MASK, MASK_INTX)`,
          guard: declareStraight((s, { local }) => !s.qemu.deassigned && !s.qemu.masked && local.rounds < maskRounds, { bind: { maskRounds } }),
          run: setMask(true),
          next: maskWritesFirst ? 'write.first' : 'kvmlock',
        },
        {
          label: `${Q}: the guest clears INTX_DISABLE: kvm_device_intx_set_mask(unmasked) -> ioctl(KVM_ASSIGN_SET_INTX_MASK, 0)`,
          guard: (s) => !s.qemu.deassigned && s.qemu.masked,
          run: setMask(false),
          next: unmaskWritesFirst ? 'write.first' : 'kvmlock',
        },
        ...(deassign > 0
          ? [
              {
                label:
                  deassign === 2
                    ? 'qemu: ioctl(KVM_DEASSIGN_PCI_DEVICE)'
                    : 'qemu: kvm_device_intx_deassign() -> ioctl(KVM_DEASSIGN_DEV_IRQ, HOST_INTX | GUEST_INTX)',
                guard: (s: S) => !s.qemu.deassigned,
                next: 'd.kvmlock',
              },
            ]
          : []),
        {
          label: 'qemu: nothing more to do',
          guard: declareStraight((s, { local }) =>
            (deassign === 0 || s.qemu.deassigned) && (s.qemu.deassigned || (!s.qemu.masked && local.rounds >= maskRounds)), { bind: { deassign, maskRounds } }),
          next: END,
        },
      ]),
      ...(anyWritesFirst ? [configWrite('write.first', true, 'kvmlock')] : []),
      ...setPciIrqMask,
      ...(anyWritesAfter ? [configWrite('write', false, 'idle')] : []),
      ...(deassign > 0 ? deassignIoctl : []),
    ], { locals: { rounds: 0, arg: { maskIntx: false, pci23: params.setMaskArgPci23 } } });

    const threads: ThreadDef<S, any>[] = [dev0, ...(shared ? [dev1] : []), hardirq, irqThread, vcpu, qemu];
    return { init, threads };
  },
});
