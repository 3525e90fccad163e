// models/pm-freeze.ts (seed 001): Linus's freeze_uhci()/unfreeze_uhci() versus Ben's driver
// suspend with prepare()/finish(). The verdicts, distinct-state counts and shortest-trace
// lengths are what the checker computed (pinned here); each counterexample is pinned step by
// step in tests/fixtures/traces/pm-freeze/, and the default runs are cross-checked against the
// reference explorer.

import { describe, expect, it } from 'vitest';
import model, { HCD, RH, THREADS, URB } from '../../models/pm-freeze.js';
import { properties, URB_STATE } from '../../properties/pm-freeze.js';
import { check } from '../../src/engine/check.js';
import type { CheckResult } from '../../src/engine/result.js';
import { compileModel } from '../../src/model/compile.js';
import type { ParamValues } from '../../src/model/index.js';
import { expandPath } from '../../src/trace/expand.js';
import { expectAgreement } from '../oracle/compare.js';
import { expectPinned, verdicts } from '../helpers/verdicts.js';

type Verdicts = Record<string, number | 'holds'>;


const ALL_HOLD: Verdicts = {
  'no-dma-while-frozen': 'holds',
  'run-bit-clear-while-frozen': 'holds',
  'no-hotplug-between-prepare-and-finish': 'holds',
  'no-urb-lost': 'holds',
  deadlock: 'holds',
  'usbcmd-under-uhci-lock': 'holds',
  'uhci-lock-held': 'holds',
  'locks-released': 'holds',
  'no-sleep-in-atomic': 'holds',
  'spin-unlock-owner': 'holds',
  'mutex-unlock-owner': 'holds',
};

/** The fixture suffix of a parameter set: '' for the defaults, else `--name=value` per parameter. */
function suffixOf(params: ParamValues): string {
  return Object.entries(params)
    .map(([k, v]) => `--${k}=${String(v)}`)
    .join('');
}

/** Check, pin the state count and verdicts, and compare every violation with its fixture. */
function pinned(variant: string, params: ParamValues, states: number, expected: Verdicts): CheckResult {
  const lengths: Record<string, number> = {};
  for (const [k, v] of Object.entries(expected)) if (v !== 'holds') lengths[k] = v;
  return expectPinned(model, properties, variant, params, { states, verdicts: lengths }, expected, suffixOf(params));
}

/** The shortest counterexample of `property` as "thread| statement" lines. */
function steps(r: CheckResult, property: string): string[] {
  if (r.status !== 'violated') throw new Error(`expected a violation, got ${r.status}`);
  const v = r.violations.find((x) => x.property === property);
  if (!v) throw new Error(`no violation of ${property}`);
  const m = compileModel(model, { variant: r.run.variant, params: r.run.params });
  return expandPath(m, v.path).steps.map((s) => `${s.thread}| ${s.label}`);
}

describe('pm-freeze: the model and its properties agree on their shared names', () => {
  it('uses the same URB numbering and thread names in both files', () => {
    expect(URB_STATE).toEqual(URB);
    for (const variant of Object.keys(model.variants)) {
      const m = compileModel(model, { variant });
      expect(m.threadNames).toEqual(['cpu0/pm-core', 'usb-driver0', 'usb-port', 'khubd', 'rh_timer', 'cpu0/uhci_irq', 'uhci-hc']);
      expect(m.threadNames).toContain(THREADS.pm);
      expect(m.threadNames).toContain(THREADS.irq);
    }
  });

  it('starts with the device attached and the controller running, or auto-stopped without one', () => {
    const running = compileModel(model).vars(compileModel(model).init);
    expect([running.usbcmd_rs, running.is_stopped, running.rh_state, running.hcd_state]).toEqual([true, false, RH.RUNNING, HCD.RUNNING]);
    const empty = compileModel(model, { params: { submitters: 0 } });
    const v = empty.vars(empty.init);
    expect([v.usbcmd_rs, v.usbsts_hch, v.is_stopped, v.rh_state]).toEqual([false, true, true, RH.AUTO_STOPPED]);
  });
});

describe('pm-freeze at the default size (1 submitter, 1 round, 1 hotplug, IRQ handler)', () => {
  it('freeze-run-bit: the controller DMAs after freeze_uhci returned, a URB is lost, a device is added, USBCMD is written unlocked', () => {
    const r = pinned('freeze-run-bit', {}, 17996, {
      ...ALL_HOLD,
      'no-dma-while-frozen': 10,
      'no-hotplug-between-prepare-and-finish': 21,
      'no-urb-lost': 17,
      'usbcmd-under-uhci-lock': 4,
    });
    // The DMA: the transaction the controller had started when RS was cleared completes after
    // udelay(1), which is shorter than a transaction.
    expect(steps(r, 'no-dma-while-frozen').slice(-4)).toEqual([
      'uhci-hc| UHCI hardware: USBCMD.RS set: fetch the next Active TD from the schedule (DMA read)',
      'cpu0/pm-core| freeze_uhci: cmd = inw(uhci->io_addr + USBCMD) & ~USBCMD_RS; outw(cmd, uhci->io_addr + USBCMD)',
      'cpu0/pm-core| freeze_uhci: udelay(1)',
      "uhci-hc| UHCI hardware: transfer the TD's data buffer (DMA), write back the TD (Active = 0); IOC: set USBSTS.USBINT",
    ]);
    // The lost URB: once interrupts are back on, uhci_irq sees HCH with rh_state still RUNNING
    // (freeze_uhci did not tell the driver) and declares the controller dead.
    const lost = steps(r, 'no-urb-lost');
    expect(lost).toContain('cpu0/pm-core| device_suspend: local_irq_enable()');
    expect(lost.at(-1)).toBe(
      'cpu0/uhci_irq| uhci_irq: if (uhci->rh_state >= UHCI_RH_RUNNING) { dev_err("host controller halted, very bad!"); hc_died(uhci); }',
    );
  });

  it('driver-suspend: every property holds', () => {
    pinned('driver-suspend', {}, 11365, ALL_HOLD);
  });

  it('the engine agrees with the reference explorer on both variants', () => {
    for (const variant of Object.keys(model.variants)) {
      const { result, ref } = expectAgreement(model, properties, { variant });
      expect(ref.truncated).toBe(false);
      expect(result.status === 'verified' || result.status === 'violated').toBe(true);
    }
  });
});

describe('pm-freeze, slightly larger (2 submitters)', () => {
  it('freeze-run-bit: the same violations, the same shortest traces', () => {
    pinned(
      'freeze-run-bit',
      { submitters: 2 },
      145797,
      { ...ALL_HOLD, 'no-dma-while-frozen': 10, 'no-hotplug-between-prepare-and-finish': 21, 'no-urb-lost': 17, 'usbcmd-under-uhci-lock': 4 },
    );
  });

  it('driver-suspend: every property holds', () => {
    pinned('driver-suspend', { submitters: 2 }, 96810, ALL_HOLD);
  });
});

describe('pm-freeze: what each of Ben\'s paths contributes (parameters)', () => {
  it('no device attached: freeze_uhci returns on is_stopped, a hotplug auto-starts the root hub (wakeup_rh) and khubd\'s URB is DMAed', () => {
    const params = { submitters: 0, finishInFlight: false };
    const r = pinned(
      'freeze-run-bit',
      params,
      2112,
      {
        ...ALL_HOLD,
        'no-dma-while-frozen': 18,
        'run-bit-clear-while-frozen': 8,
        'no-hotplug-between-prepare-and-finish': 22,
        'no-urb-lost': 28,
        'usbcmd-under-uhci-lock': 9,
      },
    );
    const rs = steps(r, 'run-bit-clear-while-frozen');
    expect(rs[2]).toBe('cpu0/pm-core| freeze_uhci: if (uhci->is_stopped) return;');
    expect(rs.at(-1)).toMatch(/^rh_timer\| start_rh: uhci->is_stopped = 0; .*USBCMD_RS/);
    pinned('driver-suspend', params, 1037, ALL_HOLD);
  });

  it('a controller that stops at once: no DMA while frozen with a device attached, but hc_died still loses the URB', () => {
    pinned('freeze-run-bit', { finishInFlight: false }, 17552, {
      ...ALL_HOLD,
      'no-hotplug-between-prepare-and-finish': 21,
      'no-urb-lost': 17,
      'usbcmd-under-uhci-lock': 4,
    });
  });

  it('Linus\'s strongest reading (interrupts off from freeze to thaw) and a controller that stops at once: only hotplug and the unlocked USBCMD write remain', () => {
    pinned('freeze-run-bit', { finishInFlight: false, irqsOffWhileFrozen: true }, 10158, {
      ...ALL_HOLD,
      'no-hotplug-between-prepare-and-finish': 21,
      'usbcmd-under-uhci-lock': 4,
    });
  });

  it('without the IRQ handler nothing declares the controller dead: the URB is not lost, the in-flight DMA remains', () => {
    pinned('freeze-run-bit', { irq: false }, 6618, {
      ...ALL_HOLD,
      'no-dma-while-frozen': 10,
      'no-hotplug-between-prepare-and-finish': 21,
      'usbcmd-under-uhci-lock': 4,
    });
    pinned('driver-suspend', { irq: false }, 4196, ALL_HOLD);
  });

  it('driver-suspend with 2.6.17 usbcore (-ESHUTDOWN while HC_STATE_SUSPENDED) fails a URB submitted during the freeze', () => {
    const r = pinned('driver-suspend', { rejectWhileSuspended: true }, 12051, { ...ALL_HOLD, 'no-urb-lost': 13 });
    expect(steps(r, 'no-urb-lost').slice(-2)).toEqual([
      'cpu0/pm-core| hcd_bus_suspend: hcd->state = HC_STATE_SUSPENDED',
      'usb-driver0| usb_hcd_submit_urb: switch (hcd->state) case HC_STATE_HALT, HC_STATE_SUSPENDED: status = -ESHUTDOWN',
    ]);
  });
});
