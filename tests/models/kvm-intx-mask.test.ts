// KVM INTx masking for assigned PCI 2.3 devices (seed 003). Pinned here: each variant's verdict
// per property, the distinct-state counts the checker computes (defaults and other sizes), the
// shortest counterexamples (trace fixtures), the answers to the reviewer's questions (each by a
// trace, a violation whose steps are checked, or by a proof, an exhaustive search in which the
// property holds), both orders of the mask ioctl and the config-space write, and the question
// the thread asked about intended behaviour (the device left masked after deassignment), which is
// answered by a trace and is not a property. See the header of models/kvm-intx-mask.ts.
import { describe, expect, it } from 'vitest';
import model, { TAG_GUEST_IRQ_RAISE, TAG_HW_UNMASK, type KvmIntxMaskState } from '../../models/kvm-intx-mask.js';
import { properties, questions, lineCanFire, GUEST_IRQ_RAISE, HW_UNMASK } from '../../properties/kvm-intx-mask.js';
import { bundled } from '../../models/index.js';
import { check, type CheckResult } from '../../src/engine/index.js';
import { compileModel, type CompiledAction } from '../../src/model/compile.js';
import { linesOnlyIn, listingLines } from '../helpers/listing.js';
import { expandPath, type TraceStep } from '../../src/trace/expand.js';
import { expectViewsMatchProduce } from '../helpers/view-equivalence.js';
import { expectAgreement } from '../oracle/compare.js';
import { expectPinned, notExercised } from '../helpers/verdicts.js';
import { expectTraceFixtures } from '../helpers/trace-fixture.js';
import { forEachReachable } from '../helpers/reachable.js';

type Params = Record<string, number | boolean>;
type Variant = 'v1' | 'merged';
const VARIANTS: Variant[] = ['v1', 'merged'];

const ALL_HOLD = {
  'unbalanced-enable-irq': 'holds',
  'guest-line-not-raised-while-masked': 'holds',
  'no-hw-unmask-while-guest-masked': 'holds',
  'kernel-keeps-user-mask': 'holds',
  'no-lost-interrupt': 'holds',
  'no-sleep-in-atomic': 'holds',
  'shared-line-not-disabled': 'holds',
  deadlock: 'holds',
} as const;
type PropertyName = keyof typeof ALL_HOLD;

// v1 takes its mutex intx_mask_lock inside kvm_notify_acked_irq()'s rcu_read_lock() (16 steps);
// v3.4 (merged) has a spinlock there. Both WARN on the unmask ioctl's enable_irq with QEMU's
// argument (20 steps).
const V1_MUTEX = { 'no-sleep-in-atomic': 16 } as const;
const UNBALANCED = { 'unbalanced-enable-irq': 20 } as const;

interface Case {
  what: string;
  params: Params;
  suffix: string;
  /** Check the shortest traces against fixtures (the cases whose traces say something new). */
  fixtures: boolean;
  /** Per variant: the distinct states, the violated properties' shortest lengths, and the
   *  properties that hold only vacuously (not exercised; none unless listed). */
  expected: Record<Variant, { states: number; verdicts: Partial<Record<PropertyName, number>>; notExercised?: PropertyName[] }>;
}

const CASES: Case[] = [
  {
    what: 'defaults: PCI 2.3 device on a shared line, 2 device IRQs, 1 mask/unmask round (ioctl before config write), KVM_DEASSIGN_DEV_IRQ',
    params: {},
    suffix: '',
    fixtures: true,
    expected: {
      v1: { states: 136422, verdicts: { ...UNBALANCED, ...V1_MUTEX, 'shared-line-not-disabled': 32 } },
      merged: { states: 136422, verdicts: { ...UNBALANCED, 'shared-line-not-disabled': 32 } },
    },
  },
  {
    what: 'one device IRQ (nothing arrives after deassign_host_irq: the shared line survives)',
    params: { irqs: 1 },
    suffix: '--irqs1',
    fixtures: false,
    expected: {
      v1: { states: 40701, verdicts: { ...UNBALANCED, ...V1_MUTEX } },
      merged: { states: 40701, verdicts: { ...UNBALANCED } },
    },
  },
  {
    what: 'mask: user space writes INTX_DISABLE before the ioctl (1 device IRQ)',
    params: { irqs: 1, maskWritesFirst: true },
    suffix: '--mask-writes-first',
    fixtures: true,
    expected: {
      v1: { states: 42482, verdicts: { ...UNBALANCED, ...V1_MUTEX, 'kernel-keeps-user-mask': 21 } },
      merged: { states: 42482, verdicts: { ...UNBALANCED, 'kernel-keeps-user-mask': 21 } },
    },
  },
  {
    what: 'unmask: user space clears INTX_DISABLE before the ioctl (1 device IRQ)',
    params: { irqs: 1, unmaskWritesFirst: true },
    suffix: '--unmask-writes-first',
    fixtures: true,
    expected: {
      v1: { states: 51875, verdicts: { 'unbalanced-enable-irq': 21, ...V1_MUTEX, 'no-lost-interrupt': 30 }, notExercised: ['kernel-keeps-user-mask'] },
      merged: { states: 51875, verdicts: { 'unbalanced-enable-irq': 21, 'no-lost-interrupt': 30 }, notExercised: ['kernel-keeps-user-mask'] },
    },
  },
  {
    what: 'unmask before the ioctl, user space passing PCI_2_3 in the argument (merged: no enable_irq at all)',
    params: { irqs: 1, unmaskWritesFirst: true, setMaskArgPci23: true },
    suffix: '--unmask-writes-first-arg-pci23',
    fixtures: true,
    expected: {
      v1: { states: 51875, verdicts: { 'unbalanced-enable-irq': 21, ...V1_MUTEX, 'no-lost-interrupt': 30 }, notExercised: ['kernel-keeps-user-mask'] },
      merged: { states: 46304, verdicts: { 'no-lost-interrupt': 27 }, notExercised: ['unbalanced-enable-irq', 'kernel-keeps-user-mask'] },
    },
  },
  {
    what: 'user space passes KVM_DEV_ASSIGN_PCI_2_3 in the KVM_ASSIGN_SET_INTX_MASK argument (1 device IRQ)',
    params: { irqs: 1, setMaskArgPci23: true },
    suffix: '--arg-pci23',
    fixtures: false,
    expected: {
      v1: { states: 40701, verdicts: { ...UNBALANCED, ...V1_MUTEX } },
      merged: { states: 36501, verdicts: {}, notExercised: ['unbalanced-enable-irq'] },
    },
  },
  {
    what: 'a device without PCI 2.3 masking (IRQF_ONESHOT, unshared line)',
    params: { pci23: false, shared: false },
    suffix: '--no-pci23',
    fixtures: false,
    expected: {
      v1: { states: 12361, verdicts: { ...V1_MUTEX }, notExercised: ['no-hw-unmask-while-guest-masked', 'kernel-keeps-user-mask', 'shared-line-not-disabled'] },
      merged: { states: 12361, verdicts: {}, notExercised: ['no-hw-unmask-while-guest-masked', 'kernel-keeps-user-mask', 'shared-line-not-disabled'] },
    },
  },
  {
    what: 'a device without PCI 2.3 masking, user space passing PCI_2_3 in the argument anyway',
    params: { pci23: false, shared: false, setMaskArgPci23: true },
    suffix: '--no-pci23-arg-pci23',
    fixtures: true,
    expected: {
      v1: { states: 12361, verdicts: { ...V1_MUTEX }, notExercised: ['no-hw-unmask-while-guest-masked', 'kernel-keeps-user-mask', 'shared-line-not-disabled'] },
      merged: { states: 6225, verdicts: { 'no-lost-interrupt': 27 }, notExercised: ['no-hw-unmask-while-guest-masked', 'kernel-keeps-user-mask', 'shared-line-not-disabled'] },
    },
  },
  {
    what: 'KVM_DEASSIGN_PCI_DEVICE: deassignment ends with pci_reset_function + pci_restore_state (1 device IRQ)',
    params: { irqs: 1, deassign: 2 },
    suffix: '--deassign-device',
    fixtures: false,
    expected: {
      v1: { states: 40666, verdicts: { ...UNBALANCED, ...V1_MUTEX } },
      merged: { states: 40666, verdicts: { ...UNBALANCED } },
    },
  },
  {
    what: 'ablation: no intx_mask_lock (1 device IRQ)',
    params: { irqs: 1, withIntxMaskLock: false },
    suffix: '--no-mask-lock',
    fixtures: true,
    expected: {
      v1: {
        states: 35149,
        verdicts: {
          'unbalanced-enable-irq': 17,
          'guest-line-not-raised-while-masked': 12,
          'no-hw-unmask-while-guest-masked': 19,
          'kernel-keeps-user-mask': 22,
        },
      },
      merged: {
        states: 35149,
        verdicts: {
          'unbalanced-enable-irq': 17,
          'guest-line-not-raised-while-masked': 12,
          'no-hw-unmask-while-guest-masked': 19,
          'kernel-keeps-user-mask': 22,
        },
      },
    },
  },
  {
    what: 'no mask toggles (the deassignment race alone)',
    params: { maskRounds: 0 },
    suffix: '--rounds0',
    fixtures: false,
    expected: {
      v1: { states: 19055, verdicts: { ...V1_MUTEX, 'shared-line-not-disabled': 32 }, notExercised: ['unbalanced-enable-irq', 'kernel-keeps-user-mask'] },
      merged: { states: 19055, verdicts: { 'shared-line-not-disabled': 32 }, notExercised: ['unbalanced-enable-irq', 'kernel-keeps-user-mask'] },
    },
  },
  {
    what: 'ablation: deassign_host_irq takes intx_mask_lock (no mask toggles)',
    params: { deassignTakesMaskLock: true, maskRounds: 0 },
    suffix: '--deassign-mask-lock',
    fixtures: true,
    expected: {
      v1: { states: 18764, verdicts: { ...V1_MUTEX, 'shared-line-not-disabled': 34 }, notExercised: ['unbalanced-enable-irq', 'kernel-keeps-user-mask'] },
      merged: { states: 18764, verdicts: { 'shared-line-not-disabled': 34 }, notExercised: ['unbalanced-enable-irq', 'kernel-keeps-user-mask'] },
    },
  },
  {
    what: 'ablation: deassign_host_irq without pci_intx(dev, false) (no mask toggles, 1 device IRQ)',
    params: { deassignMasksIntx: false, maskRounds: 0, irqs: 1 },
    suffix: '--deassign-no-intx-mask',
    fixtures: true,
    expected: {
      v1: { states: 3495, verdicts: { ...V1_MUTEX, 'shared-line-not-disabled': 8 }, notExercised: ['unbalanced-enable-irq', 'kernel-keeps-user-mask'] },
      merged: { states: 3495, verdicts: { 'shared-line-not-disabled': 8 }, notExercised: ['unbalanced-enable-irq', 'kernel-keeps-user-mask'] },
    },
  },
  {
    what: 'an EOI of another guest device on the same GSI (no mask toggles, 1 device IRQ)',
    params: { spuriousAcks: 1, maskRounds: 0, irqs: 1 },
    suffix: '--spurious-ack',
    fixtures: true,
    expected: {
      v1: { states: 23715, verdicts: { 'no-sleep-in-atomic': 4 }, notExercised: ['unbalanced-enable-irq', 'kernel-keeps-user-mask'] },
      merged: { states: 23715, verdicts: {}, notExercised: ['unbalanced-enable-irq', 'kernel-keeps-user-mask'] },
    },
  },
];

describe('kvm-intx-mask: verdicts, state counts, shortest traces', () => {
  for (const c of CASES) {
    for (const variant of VARIANTS) {
      it(`${variant}, ${c.what}`, () => {
        const r = expectPinned(model, properties, variant, c.params, c.expected[variant], ALL_HOLD, c.suffix, c.fixtures);
        expect(notExercised(r)).toEqual(c.expected[variant].notExercised ?? []);
      });
    }
  }
});

/** Run a check and expand the shortest counterexample of `property`. */
function traceOf(variant: Variant, property: PropertyName, params: Params = {}): { message: string; steps: TraceStep[] } {
  const r = check(model, properties, { variant, params, property: [property] });
  if (r.status !== 'violated') throw new Error(`${property} (${variant}, ${JSON.stringify(params)}): expected a violation, got ${r.status}`);
  const v = r.violations[0]!;
  return { message: v.message, steps: expandPath(compileModel(model, { variant, params }), v.path).steps };
}

/** Index of the first step whose label contains `text` (and thread, if given); -1 when absent. */
function find(steps: TraceStep[], text: string, thread?: string, from = 0): number {
  return steps.findIndex((s, i) => i >= from && s.label.includes(text) && (thread === undefined || s.thread === thread));
}

/** One exhaustive search for `props`: which of them hold. */
function holding(variant: Variant, params: Params, props: readonly PropertyName[]): Record<string, boolean> {
  const r = check(model, properties, { variant, params, property: props });
  if (r.status === 'error' || r.status === 'incomplete') throw new Error(`${variant} ${JSON.stringify(params)}: ${r.status}`);
  return Object.fromEntries(r.properties.map((p) => [p.name, p.status === 'holds']));
}

function holds(variant: Variant, property: PropertyName, params: Params = {}): boolean {
  return holding(variant, params, [property])[property]!;
}

const allTrue = (props: readonly string[]) => Object.fromEntries(props.map((p) => [p, true]));

/**
 * Ask the question: check it alone, next to the properties (which declare the model's
 * assertions; the checker refuses a run in which a WARN fires that nothing declares).
 */
function ask(variant: Variant, params: Params = {}): CheckResult {
  return check(model, [...properties.properties, ...questions.properties], { variant, params, property: ['device-left-masked-after-deassign'] });
}

describe('kvm-intx-mask: the patch and the merged form', () => {
  it('v1: an interrupt masked at device level, then the guest unmasks: enable_irq on a line nobody disabled', () => {
    const { message, steps } = traceOf('v1', 'unbalanced-enable-irq', { irqs: 1 });
    expect(message).toContain('Unbalanced enable for IRQ');
    const masked = find(steps, 'ret = IRQ_WAKE_THREAD; } [IRQ pending', 'cpu0/hardirq');
    const unmask = find(steps, 'kvm_device_intx_set_mask(unmasked)', 'qemu');
    expect(masked).toBeGreaterThanOrEqual(0);
    expect(unmask).toBeGreaterThan(masked);
    expect(steps.at(-1)!.label).toBe(
      'kvm_vm_ioctl_set_pci_irq_mask: if (match->host_irq_disabled) { enable_irq(match->host_irq); match->host_irq_disabled = false; }',
    );
    // Nothing on the path disabled the line: with PCI 2.3 only the device is masked.
    expect(steps.some((s) => s.label.includes('disable_irq'))).toBe(false);
  });

  it('merged: the same WARN, because the PCI 2.3 test reads the ioctl argument, which carries only MASK_INTX', () => {
    const { steps } = traceOf('merged', 'unbalanced-enable-irq', { irqs: 1 });
    expect(find(steps, 'else if (!(assigned_dev->flags & KVM_DEV_ASSIGN_PCI_2_3)) { spin_lock_irq(&match->intx_lock) [true: the argument carries only MASK_INTX]')).toBeGreaterThanOrEqual(0);
    expect(steps.at(-1)!.label).toContain('enable_irq(match->host_irq)');
  });

  it('merged with PCI_2_3 in the argument: enable_irq balanced, no interrupt lost (and v1 still unbalanced)', () => {
    const props = ['unbalanced-enable-irq', 'no-lost-interrupt', 'kernel-keeps-user-mask'] as const;
    expect(holding('merged', { setMaskArgPci23: true, irqs: 2 }, props)).toEqual(allTrue(props));
    expect(holds('v1', 'unbalanced-enable-irq', { setMaskArgPci23: true, irqs: 1 })).toBe(false);
  });

  it('merged, non-PCI-2.3 device with PCI_2_3 in the argument: the line stays disabled, the interrupt is lost', () => {
    const { message, steps } = traceOf('merged', 'no-lost-interrupt', { pci23: false, shared: false, setMaskArgPci23: true });
    expect(message).toContain('line depth 1');
    expect(find(steps, 'disable_irq_nosync(irq); assigned_dev->host_irq_disabled = true', 'irq/kvm')).toBeGreaterThanOrEqual(0);
    expect(find(steps, 'else if (!(assigned_dev->flags & KVM_DEV_ASSIGN_PCI_2_3)) is false: no enable_irq]', 'qemu')).toBeGreaterThanOrEqual(0);
    expect(steps.some((s) => s.label.includes('enable_irq(dev->host_irq)') || s.label.includes('enable_irq(match->host_irq)'))).toBe(false);
    // v1 has no such test: its unmask always re-enables the line.
    expect(holds('v1', 'no-lost-interrupt', { pci23: false, shared: false, setMaskArgPci23: true })).toBe(true);
  });

  it('v1 takes its mutex under kvm_notify_acked_irq()\'s rcu_read_lock(); v3.4 (merged) takes a spinlock there', () => {
    const { message, steps } = traceOf('v1', 'no-sleep-in-atomic', { spuriousAcks: 1, maskRounds: 0, irqs: 1 });
    expect(message).toContain('inside rcu_read_lock()');
    expect(steps.map((s) => s.label)).toEqual([
      'guest: EOI of an interrupt from another guest device on the same GSI',
      'kvm_ioapic_update_eoi -> kvm_notify_acked_irq: rcu_read_lock(); for each ack notifier on the GSI: kian->irq_acked(kian)',
      'kvm_assigned_dev_ack_irq: kvm_set_irq(dev->kvm, dev->irq_source_id, dev->guest_irq, 0)',
      'kvm_assigned_dev_ack_irq: mutex_lock(&dev->intx_mask_lock)',
    ]);
    // v3.4: the same ack, the same EOI of another device, and the lock is spin_lock().
    expect(holds('merged', 'no-sleep-in-atomic', { spuriousAcks: 1, maskRounds: 0 })).toBe(true);
    const ack = compileModel(model, { variant: 'merged' }).allActions.filter((a) => a.fn === 'kvm_assigned_dev_ack_irq' && a.label.includes('intx_mask_lock'));
    expect(ack.map((a) => a.label)).toEqual([
      'kvm_assigned_dev_ack_irq: spin_lock(&dev->intx_mask_lock)',
      'kvm_assigned_dev_ack_irq: spin_unlock(&dev->intx_mask_lock)',
    ]);
  });

  it('the hard-IRQ handler never takes a sleeping lock (no step of cpu0/hardirq might sleep)', () => {
    for (const variant of VARIANTS)
      for (const pci23 of [true, false]) {
        const m = compileModel(model, { variant, params: { pci23, shared: pci23 } });
        const hardirq = m.allActions.filter((a: CompiledAction) => m.threadNames[a.thread] === 'cpu0/hardirq');
        expect(hardirq.length).toBeGreaterThan(3);
        expect(hardirq.filter((a) => a.tags.includes('might_sleep'))).toEqual([]);
      }
  });
});

// "To avoid that the kernel overwrites the state user space wants to set, KVM_ASSIGN_SET_INTX_MASK
// has to be called prior to updating the config space." / "This looks like a strange requirement,
// could you explain how this helps avoid races?" Both orders, both directions.
describe('kvm-intx-mask: the order of the ioctl and the config-space write', () => {
  it('ioctl first (the API text, QEMU): the kernel never overrides the mask and no interrupt is lost (proof, two mask/unmask rounds)', () => {
    // Also pinned by the verdict table at the defaults; here with two mask/unmask rounds.
    const props = ['kernel-keeps-user-mask', 'no-lost-interrupt'] as const;
    for (const variant of VARIANTS) expect(holding(variant, { maskRounds: 2, irqs: 1, deassign: 0, setMaskArgPci23: true }, props)).toEqual(allTrue(props));
  });

  it('mask, config write first: an ack that passed the MASK_INTX test unmasks the device user space just masked (trace)', () => {
    for (const variant of VARIANTS) {
      const { message, steps } = traceOf(variant, 'kernel-keeps-user-mask', { irqs: 1, maskWritesFirst: true });
      expect(message).toContain('overrides the mask user space set');
      const test = find(steps, 'kvm_assigned_dev_ack_irq: if (!(dev->flags & KVM_DEV_ASSIGN_MASK_INTX))', 'vcpu0');
      const write = find(steps, 'write PCI_COMMAND with INTX_DISABLE set to the device (before the ioctl)', 'qemu');
      expect(test).toBeGreaterThanOrEqual(0);
      expect(write).toBeGreaterThan(test);
      expect(steps.at(-1)!.label).toContain('pci_check_and_unmask_intx(dev->dev)) reassert = true; dev->host_irq_disabled = reassert; [no IRQ pending: INTX_DISABLE cleared]');
      // The ioctl had not set MASK_INTX yet: in the other order it waits for the ack's intx_mask_lock.
      expect(find(steps, 'match->flags |= assigned_dev->flags & KVM_DEV_ASSIGN_MASK_INTX')).toBe(-1);
    }
  });

  it('unmask, config write first: the hard-IRQ handler masks the pending interrupt again, the IRQ thread drops it (MASK_INTX still set), the ioctl unmasks nothing (trace)', () => {
    const { message, steps } = traceOf('merged', 'no-lost-interrupt', { irqs: 1, unmaskWritesFirst: true, setMaskArgPci23: true });
    expect(message).toContain('INTX_DISABLE set');
    const write = find(steps, 'write PCI_COMMAND with INTX_DISABLE clear to the device (before the ioctl)', 'qemu');
    const remask = find(steps, 'ret = IRQ_WAKE_THREAD; } [IRQ pending: INTX_DISABLE set]', 'cpu0/hardirq', write);
    const dropped = find(steps, 'kvm_assigned_dev_raise_guest_irq: if (!(assigned_dev->flags & KVM_DEV_ASSIGN_MASK_INTX))', 'irq/kvm', remask);
    const unmask = find(steps, 'match->flags &= ~KVM_DEV_ASSIGN_MASK_INTX', 'qemu', dropped);
    expect(write).toBeGreaterThanOrEqual(0);
    expect([remask, dropped, unmask].every((i) => i > write)).toBe(true);
    expect(remask).toBeLessThan(dropped);
    expect(dropped).toBeLessThan(unmask);
    // The guest line was never raised for it.
    expect(find(steps, 'kvm_set_irq(assigned_dev->kvm, assigned_dev->irq_source_id, vector, 1)')).toBe(-1);
    // In the API's order the same run delivers it: the config write comes after MASK_INTX is clear.
    expect(holds('merged', 'no-lost-interrupt', { irqs: 1, setMaskArgPci23: true })).toBe(true);
  });
});

describe('kvm-intx-mask: the reviewer\'s questions', () => {
  // "What exactly does this lock protect? I see it used sometimes with intx_lock and sometimes without."
  it('intx_mask_lock: with it, the guest line is never raised and the device never unmasked while the guest masks (proof)', () => {
    // Also pinned by the verdict table (defaults, irqs=2, ...); here further shapes.
    const props = ['guest-line-not-raised-while-masked', 'no-hw-unmask-while-guest-masked'] as const;
    for (const variant of VARIANTS)
      for (const params of [{ spuriousAcks: 1, irqs: 1, deassign: 0 }, { pci23: false, shared: false, maskRounds: 2, irqs: 1 }] as Params[])
        expect(holding(variant, params, props)).toEqual(allTrue(props));
  });

  it('intx_mask_lock: without it, the IRQ thread tests the flag, the ioctl masks and lowers the line, the thread raises it (trace)', () => {
    for (const variant of VARIANTS) {
      const { steps } = traceOf(variant, 'guest-line-not-raised-while-masked', { withIntxMaskLock: false, irqs: 1 });
      const test = find(steps, 'kvm_assigned_dev_raise_guest_irq: if (!(assigned_dev->flags & KVM_DEV_ASSIGN_MASK_INTX))', 'irq/kvm');
      const mask = find(steps, 'match->flags |= assigned_dev->flags & KVM_DEV_ASSIGN_MASK_INTX', 'qemu');
      expect(test).toBeGreaterThanOrEqual(0);
      expect(mask).toBeGreaterThan(test);
      expect(steps.at(-1)!.label).toBe('kvm_assigned_dev_raise_guest_irq: kvm_set_irq(assigned_dev->kvm, assigned_dev->irq_source_id, vector, 1)');
    }
  });

  it('intx_mask_lock: without it, the ack tests the flag, the guest masks, the ack unmasks the device anyway (trace)', () => {
    const { steps } = traceOf('v1', 'no-hw-unmask-while-guest-masked', { withIntxMaskLock: false, irqs: 1 });
    const test = find(steps, 'kvm_assigned_dev_ack_irq: if (!(dev->flags & KVM_DEV_ASSIGN_MASK_INTX))', 'vcpu0');
    const mask = find(steps, 'match->flags |= assigned_dev->flags & KVM_DEV_ASSIGN_MASK_INTX', 'qemu');
    expect(mask).toBeGreaterThan(test);
    expect(steps.at(-1)!.label).toContain('pci_check_and_unmask_intx(dev->dev)) reassert = true; dev->host_irq_disabled = reassert; [no IRQ pending: INTX_DISABLE cleared]');
  });

  // "Interesting that the new mutex is not used here." (deassign_host_irq)
  it('deassign_host_irq without the mutex: the mask-flag properties still hold with deassignment racing (proof)', () => {
    // Every run above deassigns (deassign=1 by default); also the device deassignment.
    const props = ['guest-line-not-raised-while-masked', 'no-hw-unmask-while-guest-masked'] as const;
    for (const variant of VARIANTS) expect(holding(variant, { deassign: 2, irqs: 1 }, props)).toEqual(allTrue(props));
  });

  it('deassign_host_irq: the still-registered ack notifier unmasks the device after pci_intx(dev, false); after free_irq nobody claims it (trace)', () => {
    for (const variant of VARIANTS) {
      const { message, steps } = traceOf(variant, 'shared-line-not-disabled', { irqs: 2, maskRounds: 0 });
      expect(message).toContain('IRQS_SPURIOUS_DISABLED');
      const masked = find(steps, 'deassign_host_irq: pci_intx(assigned_dev->dev, false)', 'qemu');
      const unmasked = find(steps, 'pci_check_and_unmask_intx(dev->dev)) reassert = true; dev->host_irq_disabled = reassert; [no IRQ pending: INTX_DISABLE cleared]', 'vcpu0');
      const raised = find(steps, 'device: raises its INTx', 'dev0', unmasked);
      const freed = find(steps, 'free_irq(assigned_dev->host_irq, assigned_dev): __free_irq() unlinks the action', 'qemu');
      expect(masked).toBeGreaterThanOrEqual(0);
      expect(unmasked).toBeGreaterThan(masked);
      expect(raised).toBeGreaterThan(unmasked);
      expect(freed).toBeGreaterThan(masked);
      expect(steps.at(-1)!.label).toContain('"nobody cared", "Disabling IRQ"');
      // The notifier is unregistered only in deassign_guest_irq, after all of this.
      expect(steps.some((s) => s.label.includes('kvm_unregister_irq_ack_notifier'))).toBe(false);
    }
  });

  it('deassign_host_irq taking intx_mask_lock does not close it: the ack comes after the mutex is released (trace)', () => {
    const { steps } = traceOf('v1', 'shared-line-not-disabled', { deassignTakesMaskLock: true, maskRounds: 0, irqs: 2 });
    const unlockedByDeassign = find(steps, 'deassign_host_irq: mutex_unlock(&assigned_dev->intx_mask_lock) [ablation]', 'qemu');
    const unmasked = find(steps, 'pci_check_and_unmask_intx(dev->dev)) reassert = true; dev->host_irq_disabled = reassert; [no IRQ pending: INTX_DISABLE cleared]', 'vcpu0');
    expect(unlockedByDeassign).toBeGreaterThanOrEqual(0);
    expect(unmasked).toBeGreaterThan(unlockedByDeassign);
    expect(steps.at(-1)!.label).toContain('"Disabling IRQ"');
  });

  // "This will leave the device with interrupts masked. Do we reset it later?" Intended
  // behaviour, so a question answered by a trace (properties/kvm-intx-mask.ts: questions), not a
  // property that would report it as a bug.
  it('KVM_DEASSIGN_DEV_IRQ leaves the device with INTX_DISABLE set: the answer is a trace, in both variants', () => {
    for (const variant of VARIANTS) {
      const r = ask(variant, { maskRounds: 0 });
      expect(r.status).toBe('violated');
      if (r.status !== 'violated') return;
      expect(r.violations.map((v) => v.property)).toEqual(['device-left-masked-after-deassign']);
      const compiled = compileModel(model, { variant, params: { maskRounds: 0 } });
      expectTraceFixtures(compiled, r, '--question');
      const steps = expandPath(compiled, r.violations[0]!.path).steps;
      expect(steps.map((s) => s.label)).toEqual([
        'qemu: kvm_device_intx_deassign() -> ioctl(KVM_DEASSIGN_DEV_IRQ, HOST_INTX | GUEST_INTX)',
        'kvm_vm_ioctl_deassign_dev_irq: mutex_lock(&kvm->lock)',
        'deassign_host_irq: spin_lock_irq(&assigned_dev->intx_lock)',
        'deassign_host_irq: pci_intx(assigned_dev->dev, false) [INTX_DISABLE set]',
        'deassign_host_irq: spin_unlock_irq(&assigned_dev->intx_lock)',
        'deassign_host_irq: synchronize_irq(assigned_dev->host_irq)',
        "deassign_host_irq: free_irq(assigned_dev->host_irq, assigned_dev): __free_irq() unlinks the action (the other device's stays)",
        'deassign_host_irq: free_irq(): synchronize_irq(); kthread_stop(action->thread)',
        'deassign_guest_irq: kvm_unregister_irq_ack_notifier(): hlist_del_init_rcu(&kian->link)',
        'kvm_unregister_irq_ack_notifier: synchronize_rcu()',
        'deassign_guest_irq: kvm_set_irq(assigned_dev->kvm, assigned_dev->irq_source_id, assigned_dev->guest_irq, 0)',
        'kvm_vm_ioctl_deassign_dev_irq: mutex_unlock(&kvm->lock); return',
      ]);
    }
  });

  it('the question is not a property: no run of the bundled property set reports it', () => {
    expect(properties.properties.map((p) => p.name)).not.toContain('device-left-masked-after-deassign');
    expect(bundled.find((e) => e.model.name === 'kvm-intx-mask')?.properties.properties.some((p) => questions.properties.includes(p))).toBe(false);
  });

  it('KVM_DEASSIGN_PCI_DEVICE resets it: pci_reset_function + pci_restore_state (the question answered "no", proof)', () => {
    for (const variant of VARIANTS) {
      const r = ask(variant, { deassign: 2, maskRounds: 0 });
      expect(r.status).toBe('verified');
      if (r.status === 'verified') expect(r.properties.map((p) => p.name)).toEqual(['device-left-masked-after-deassign']);
    }
  });

  it('why mask at all: without pci_intx(dev, false) an interrupt after free_irq disables the shared line, no race needed (trace)', () => {
    const { steps } = traceOf('v1', 'shared-line-not-disabled', { deassignMasksIntx: false, maskRounds: 0, irqs: 1 });
    expect(steps).toHaveLength(8);
    expect(steps.some((s) => s.thread === 'vcpu0')).toBe(false);
    expect(steps.at(-1)!.label).toContain('"nobody cared", "Disabling IRQ"');
    // With the mask (the real code) and one device interrupt, the shared line is safe.
    expect(holds('v1', 'shared-line-not-disabled', { maskRounds: 0, irqs: 1 })).toBe(true);
  });
});

describe('kvm-intx-mask: the model itself', () => {
  it("read one kernel at a time: v1's and merged's listings differ only in their fragments (intx_mask_lock's primitive, the unmask branch)", () => {
    const listing = (variant: Variant) => listingLines(model, variant);
    const [v1, merged] = [listing('v1'), listing('merged')];
    const M = '    kvm_vm_ioctl_set_pci_irq_mask: ';
    expect(linesOnlyIn(v1, merged)).toEqual([
      '    kvm_assigned_dev_raise_guest_irq: mutex_lock(&assigned_dev->intx_mask_lock)',
      '    kvm_assigned_dev_raise_guest_irq: mutex_unlock(&assigned_dev->intx_mask_lock)  -> done',
      '    kvm_assigned_dev_ack_irq: mutex_lock(&dev->intx_mask_lock)',
      '    kvm_assigned_dev_ack_irq: mutex_unlock(&dev->intx_mask_lock)',
      `${M}mutex_lock(&match->intx_mask_lock)`,
      `${M}else { spin_lock_irq(&match->intx_lock)`,
      `${M}mutex_unlock(&match->intx_mask_lock)`,
    ]);
    expect(linesOnlyIn(merged, v1)).toEqual([
      '    kvm_assigned_dev_raise_guest_irq: spin_lock(&assigned_dev->intx_mask_lock)',
      '    kvm_assigned_dev_raise_guest_irq: spin_unlock(&assigned_dev->intx_mask_lock)  -> done',
      '    kvm_assigned_dev_ack_irq: spin_lock(&dev->intx_mask_lock)',
      '    kvm_assigned_dev_ack_irq: spin_unlock(&dev->intx_mask_lock)',
      `${M}spin_lock(&match->intx_mask_lock)`,
      `${M}match->flags &= ~KVM_DEV_ASSIGN_MASK_INTX; match->flags |= assigned_dev->flags & KVM_DEV_ASSIGN_MASK_INTX [the guest unmasks; else if (!(assigned_dev->flags & KVM_DEV_ASSIGN_PCI_2_3)) is false: no enable_irq]  -> unlock`,
      `${M}else if (!(assigned_dev->flags & KVM_DEV_ASSIGN_PCI_2_3)) { spin_lock_irq(&match->intx_lock) [true: the argument carries only MASK_INTX]`,
      `${M}spin_unlock(&match->intx_mask_lock)`,
    ]);
  });

  it('what the C keeps on its stack is thread-local: ret/handled, reassert, the ioctl argument, the round counter', () => {
    const m = compileModel(model, { variant: 'merged', params: { setMaskArgPci23: true } });
    const vars = m.vars(m.init) as Record<string, unknown>;
    expect(vars['$local']).toEqual({
      'cpu0/hardirq': { wake: false, handled: false },
      dev0: { raised: 0 },
      dev1: { raised: 0 },
      vcpu0: { reassert: false, spurious: 0 },
      qemu: { rounds: 0, arg: { maskIntx: false, pci23: true } },
    });
    expect(Object.keys(vars).sort()).toEqual(['$local', 'dev', 'guest', 'irqThread', 'kvm', 'line', 'other', 'qemu', 'rcu']);
  });

  it("the properties' lineCanFire is the hard-IRQ thread's idle guard, on every reachable state", () => {
    for (const params of [{ irqs: 1 }, { pci23: false, shared: false, irqs: 2 }, { shared: false, irqs: 2 }] as Params[]) {
      const m = compileModel(model, { variant: 'v1', params });
      const hardirq = m.threadNames.indexOf('cpu0/hardirq');
      const idle = m.threads[hardirq]!.ids.get('idle')!;
      const shared = m.params.shared === true;
      let compared = 0;
      let fired = 0;
      forEachReachable(m, (state, enabled) => {
        if (state[hardirq] !== idle) return;
        const guard = enabled.some((a) => a.thread === hardirq);
        expect(lineCanFire(m.vars(state) as KvmIntxMaskState, shared)).toBe(guard);
        compared++;
        if (guard) fired++;
      });
      expect(compared).toBeGreaterThan(100);
      expect(fired).toBeGreaterThan(0);
      expect(compared).toBeGreaterThan(fired);
    }
  });

  it('the step tags the properties read are the ones the model puts on its steps', () => {
    expect([GUEST_IRQ_RAISE, HW_UNMASK]).toEqual([TAG_GUEST_IRQ_RAISE, TAG_HW_UNMASK]);
    const m = compileModel(model, {});
    const tagged = (tag: string) => m.allActions.filter((a) => a.tags.includes(tag)).map((a) => a.fn);
    expect(tagged(GUEST_IRQ_RAISE)).toEqual(['kvm_assigned_dev_raise_guest_irq', 'kvm_assigned_dev_ack_irq']);
    expect(tagged(HW_UNMASK)).toEqual(['kvm_assigned_dev_ack_irq']);
  });

  it('views and immer produce agree', () => {
    for (const variant of VARIANTS)
      for (const params of [{}, { pci23: false, shared: false }, { withIntxMaskLock: false, deassign: 2, spuriousAcks: 1, maskWritesFirst: true, unmaskWritesFirst: true }] as Params[])
        expect(expectViewsMatchProduce(model, { variant, params }, 800).states).toBeGreaterThan(0);
  });

  it('agrees with the reference explorer at small sizes (defaults exceed the shared oracle test\'s bound)', () => {
    for (const variant of VARIANTS)
      for (const params of [{ maskRounds: 0, irqs: 1 }, { pci23: false, shared: false, setMaskArgPci23: true, irqs: 1 }, { deassignMasksIntx: false, maskRounds: 0, irqs: 1 }] as Params[]) {
        const { ref } = expectAgreement(model, properties, { variant, params, maxStates: 15_000 });
        expect(ref.truncated).toBe(false);
      }
  });

  it('rejects a shared line without PCI 2.3 (KVM requests it with IRQF_ONESHOT, not IRQF_SHARED)', () => {
    const r = check(model, properties, { params: { pci23: false } });
    expect(r.status).toBe('error');
    if (r.status === 'error') expect(r.message).toContain('shared=true needs pci23=true');
  });

  it('is registered as a bundled model', () => {
    const entry = bundled.find((e) => e.model.name === 'kvm-intx-mask');
    expect(entry?.source).toBe('models/kvm-intx-mask.ts');
    expect(entry?.properties).toBe(properties);
  });
});
