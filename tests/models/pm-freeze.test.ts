// models/pm-freeze.ts (seed 001): Linus's freeze_uhci()/unfreeze_uhci() versus Ben's driver
// suspend with prepare()/finish(), with 2.6.17's root-hub resume path, and the variant in which
// prepare() also blocks root-hub resume. The verdicts, distinct-state counts and shortest-trace
// lengths are what the checker computed (pinned here); each counterexample is pinned step by
// step in tests/fixtures/traces/pm-freeze/, and the default runs are cross-checked against the
// reference explorer.

import { describe, expect, it } from 'vitest';
import model, { HCD, RH, THREADS, URB } from '../../models/pm-freeze.js';
import { properties, URB_STATE } from '../../properties/pm-freeze.js';
import { check } from '../../src/engine/check.js';
import type { CheckResult } from '../../src/engine/result.js';
import { compileModel } from '../../src/model/compile.js';
import { forEachReachable } from '../helpers/reachable.js';
import { linesOnlyIn, listingLines } from '../helpers/listing.js';
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
  'sem-up-owner': 'holds',
};

/** freeze-run-bit's violations at the defaults: the in-flight DMA, the hotplug, hc_died's lost URB, the unlocked USBCMD write. */
const LINUS: Verdicts = {
  ...ALL_HOLD,
  'no-dma-while-frozen': 10,
  'no-hotplug-between-prepare-and-finish': 21,
  'no-urb-lost': 17,
  'usbcmd-under-uhci-lock': 4,
  // (liveness) hc_died's URB stays queued for ever: the run stops with it pending
  'urb-completes': 27,
};

/** driver-suspend's root-hub resume path: RS set, DMA and a device added, all while frozen/prepared. */
const RH_RESUME: Verdicts = {
  ...ALL_HOLD,
  'no-dma-while-frozen': 31,
  'run-bit-clear-while-frozen': 26,
  'no-hotplug-between-prepare-and-finish': 43,
};

/** 2.6.17 usbcore: -ESHUTDOWN for a URB submitted while hcd_bus_suspend runs (HC_STATE_QUIESCING) or after (HC_STATE_SUSPENDED). */
const ESHUTDOWN = 6;

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

  it("read one variant at a time: driver-suspend's and prepare-blocks-rh-resume's listings differ only in their fragments", () => {
    const listing = (variant: string) => listingLines(model, variant);
    const [ben, blocks] = [listing('driver-suspend'), listing('prepare-blocks-rh-resume')];
    const hubEvents = 'hub_thread: wait_event_interruptible(khubd_wait, !list_empty(&hub_event_list)); hub_events: list_del_init(&hub->event_list); i = hub->resume_root_hub; ';
    expect(linesOnlyIn(ben, blocks)).toEqual([
      '    hub_quiesce: hub->quiescing = 1',
      '    hub_activate: hub->quiescing = 0; hub->resume_root_hub = 0; kick_khubd(hub)',
      `    ${hubEvents}if (i) usb_resume_device(hdev)  -> (computed)`,
    ]);
    expect(linesOnlyIn(blocks, ben)).toEqual([
      '    hub_quiesce: hub->quiescing = 1; hub->rh_resume_blocked = 1 [prepare() also blocks root-hub resume (in no kernel)]',
      '    hub_activate: hub->rh_resume_blocked = 0; hub->quiescing = 0; hub->resume_root_hub = 0; kick_khubd(hub)',
      `    ${hubEvents}if (i && !hub->rh_resume_blocked) usb_resume_device(hdev)  -> (computed)`,
    ]);
  });

  it('cpu0 is an execution context: the PM core pinned there with interrupts off, uhci_irq non-preemptible there; the submitters are one kind', () => {
    const m = compileModel(model, { variant: 'driver-suspend', params: { submitters: 2 } });
    const v = m.vars(m.init) as unknown as { cpu0: unknown; $local: Record<string, unknown> };
    expect(v.cpu0).toEqual({ online: [true], owner: [-1], irqs_off: [false], stopper: -1, });
    expect(v.$local['usb-driver0']).toEqual({ i: 0, round: 0 });
    expect(v.$local['usb-driver1']).toEqual({ i: 1, round: 0 });
    expect(m.threads[m.threadNames.indexOf('usb-driver0')]!.ids).toEqual(m.threads[m.threadNames.indexOf('usb-driver1')]!.ids);
    // Every PM-core state with cpu0's interrupts off has the PM core owning cpu0, and while
    // uhci_irq runs (between its first and last step) it owns cpu0 and the PM core takes no step.
    const pm = m.threadNames.indexOf(THREADS.pm);
    const irq = m.threadNames.indexOf(THREADS.irq);
    const irqIdle = m.threads[irq]!.ids.get('idle')!;
    let inIrq = 0;
    forEachReachable(m, (state, enabled) => {
      const s = m.vars(state) as unknown as { cpu0: { owner: number[]; irqs_off: boolean[] } };
      if (s.cpu0.irqs_off[0]) expect(s.cpu0.owner[0]).toBe(pm);
      if (state[irq] !== irqIdle && state[irq]! >= 0) {
        inIrq++;
        expect(s.cpu0.owner[0]).toBe(irq);
        expect(enabled.some((a) => a.thread === pm)).toBe(false);
      }
    });
    expect(inIrq).toBeGreaterThan(0);
  });

  it('starts with the device attached and the controller running, or auto-stopped without one', () => {
    const running = compileModel(model).vars(compileModel(model).init);
    expect([running.usbcmd_rs, running.is_stopped, running.rh_state, running.hcd_state]).toEqual([true, false, RH.RUNNING, HCD.RUNNING]);
    const empty = compileModel(model, { params: { submitters: 0 } });
    const v = empty.vars(empty.init);
    expect([v.usbcmd_rs, v.usbsts_hch, v.is_stopped, v.rh_state]).toEqual([false, true, true, RH.AUTO_STOPPED]);
  });
});

describe('pm-freeze at the default size (1 submitter, 1 round, 1 hotplug, IRQ handler, 2.6.17 usbcore, no process freezer)', () => {
  it('freeze-run-bit: the controller DMAs after freeze_uhci returned, a URB is lost, a device is added, USBCMD is written unlocked', () => {
    const r = pinned('freeze-run-bit', {}, 15000, LINUS);
    // The DMA: the transaction the controller had started when RS was cleared completes after
    // udelay(1), which is shorter than a transaction (the one timing rule allows it in every variant).
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

  it('driver-suspend: the root-hub resume path restarts the controller, DMAs and adds a device while frozen; 2.6.17 usbcore fails a URB', () => {
    const r = pinned('driver-suspend', {}, 29942, { ...RH_RESUME, 'no-urb-lost': ESHUTDOWN });
    // A port change while suspended -> usb_hcd_resume_root_hub -> khubd resumes the root hub
    // (start_rh sets RS) before it ever tests hub->quiescing.
    const rs = steps(r, 'run-bit-clear-while-frozen');
    expect(rs.filter((l) => l.startsWith('khubd|') || l.startsWith('rh_timer|')).map((l) => l.replace(/:.*/, ''))).toEqual([
      'rh_timer| uhci_hub_status_data',
      'rh_timer| uhci_scan_schedule',
      'rh_timer| uhci_hub_status_data',
      'khubd| hub_thread',
      'khubd| finish_device_resume',
      'khubd| hub_resume -> hcd_bus_resume',
      'rh_timer| uhci_hub_status_data',
      'khubd| uhci_rh_resume',
      'khubd| uhci_rh_resume',
      'khubd| start_rh',
    ]);
    expect(rs).toContain('cpu0/pm-core| suspend_device: up(&dev->sem)');
    expect(rs.some((l) => l.includes('usb_hcd_resume_root_hub(hcd)'))).toBe(true);
    // The device is added between prepare() and finish(): hub_activate (from hub_resume) cleared
    // the quiescing flag before hub_events tested it.
    const plug = steps(r, 'no-hotplug-between-prepare-and-finish');
    const activate = plug.indexOf('khubd| hub_resume: msleep(10); hub_activate(hub): hub->quiescing = 0; hub->resume_root_hub = 0; kick_khubd(hub)');
    const test = plug.indexOf('khubd| hub_events: if (hub->quiescing) goto loop;');
    expect(activate).toBeGreaterThan(plug.indexOf('cpu0/pm-core| hub_quiesce: hub->quiescing = 1'));
    expect(test).toBeGreaterThan(activate);
    expect(plug.at(-1)).toBe('khubd| usb_new_device: device_add(&udev->dev)');
    expect(steps(r, 'no-urb-lost').slice(-2)).toEqual([
      'cpu0/pm-core| hub_suspend -> hcd_bus_suspend: hcd->state = HC_STATE_QUIESCING; hcd->driver->bus_suspend(hcd)',
      'usb-driver0| usb_hcd_submit_urb: switch (hcd->state) case HC_STATE_SUSPENDED (not the root hub), default (HC_STATE_QUIESCING, HC_STATE_HALT): status = -ESHUTDOWN',
    ]);
  });

  it('prepare-blocks-rh-resume: only the -ESHUTDOWN of 2.6.17 usbcore remains', () => {
    pinned('prepare-blocks-rh-resume', {}, 16106, { ...ALL_HOLD, 'no-urb-lost': ESHUTDOWN });
  });

  it('the engine agrees with the reference explorer on every variant', () => {
    for (const variant of Object.keys(model.variants)) {
      const { result, ref } = expectAgreement(model, properties, { variant });
      expect(ref.truncated).toBe(false);
      expect(result.status === 'verified' || result.status === 'violated').toBe(true);
    }
  });
});

describe('pm-freeze: URBs queued while suspended instead of failed (rejectWhileSuspended=false, Ben\'s "stop processing of queues")', () => {
  const params = { rejectWhileSuspended: false };
  it('freeze-run-bit: unchanged (hcd->state never leaves HC_STATE_RUNNING)', () => {
    pinned('freeze-run-bit', params, 15000, LINUS);
  });
  it('driver-suspend: the root-hub resume path alone', () => {
    pinned('driver-suspend', params, 27459, RH_RESUME);
  });
  it('prepare-blocks-rh-resume: every property holds, also with two hotplugged devices', () => {
    pinned('prepare-blocks-rh-resume', params, 14936, ALL_HOLD);
    pinned('prepare-blocks-rh-resume', { ...params, hotplug: 2 }, 73813, ALL_HOLD);
  });
});

describe('pm-freeze with 2.6.17\'s process freezer (khubd frozen from before prepare() to after finish())', () => {
  const params = { freezer: true };
  it('no khubd path runs in the window: driver-suspend and prepare-blocks-rh-resume keep only the -ESHUTDOWN', () => {
    pinned('driver-suspend', params, 14809, { ...ALL_HOLD, 'no-urb-lost': 9 });
    pinned('prepare-blocks-rh-resume', params, 14809, { ...ALL_HOLD, 'no-urb-lost': 9 });
  });
  it('freeze-run-bit keeps the in-flight DMA, hc_died and the unlocked write; the hotplug is gone', () => {
    const r = pinned('freeze-run-bit', params, 8222, {
      ...ALL_HOLD,
      'no-dma-while-frozen': 13,
      'no-urb-lost': 20,
      'usbcmd-under-uhci-lock': 7,
      'urb-completes': 32,
    });
    expect(steps(r, 'usbcmd-under-uhci-lock').slice(0, 2)).toEqual([
      'cpu0/pm-core| freeze_processes: freeze_process(p) for each task: TIF_FREEZE, signal_wake_up(p)',
      'khubd| hub_thread: wait_event_interruptible(khubd_wait, ...) /* signal_wake_up by the freezer */; try_to_freeze() -> refrigerator()',
    ]);
  });
  it('no device attached: the root-hub timer is not frozen, so freeze-run-bit still auto-starts the controller while frozen', () => {
    pinned('freeze-run-bit', { ...params, submitters: 0 }, 739, { ...ALL_HOLD, 'run-bit-clear-while-frozen': 11, 'usbcmd-under-uhci-lock': 12 });
    pinned('driver-suspend', { ...params, submitters: 0 }, 1290, ALL_HOLD);
  });
});

describe('pm-freeze, slightly larger (2 submitters)', () => {
  it('freeze-run-bit and driver-suspend: the same violations, the same shortest traces', () => {
    pinned('freeze-run-bit', { submitters: 2 }, 121383, { ...LINUS, 'urb-completes': 28 });
    pinned('driver-suspend', { submitters: 2 }, 278619, { ...RH_RESUME, 'no-urb-lost': ESHUTDOWN });
  });
});

describe('pm-freeze: what each of Ben\'s paths contributes (parameters)', () => {
  it('no device attached, the real DMA window: freeze_uhci returns on is_stopped, a hotplug auto-starts the root hub (wakeup_rh) and khubd\'s URB is DMAed', () => {
    const params = { submitters: 0 };
    const r = pinned('freeze-run-bit', params, 1840, {
      ...ALL_HOLD,
      'no-dma-while-frozen': 18,
      'run-bit-clear-while-frozen': 8,
      'no-hotplug-between-prepare-and-finish': 22,
      'no-urb-lost': 28,
      'usbcmd-under-uhci-lock': 9,
    });
    const rs = steps(r, 'run-bit-clear-while-frozen');
    expect(rs[2]).toBe('cpu0/pm-core| freeze_uhci: if (uhci->is_stopped) return;');
    expect(rs.at(-1)).toMatch(/^rh_timer\| start_rh: uhci->is_stopped = 0; .*USBCMD_RS/);
    expect(steps(r, 'no-dma-while-frozen').at(-1)).toBe('uhci-hc| UHCI hardware: USBCMD.RS set: fetch the next Active TD from the schedule (DMA read)');
    pinned('driver-suspend', params, 2749, { ...ALL_HOLD, 'no-dma-while-frozen': 31, 'run-bit-clear-while-frozen': 21, 'no-hotplug-between-prepare-and-finish': 38 });
    pinned('prepare-blocks-rh-resume', params, 1391, ALL_HOLD);
  });

  it('a controller that stops at once: no DMA while frozen with a device attached, but hc_died still loses the URB', () => {
    pinned('freeze-run-bit', { finishInFlight: false }, 14778, {
      ...ALL_HOLD,
      'no-hotplug-between-prepare-and-finish': 21,
      'no-urb-lost': 17,
      'usbcmd-under-uhci-lock': 4,
      'urb-completes': 27,
    });
  });

  it('Linus\'s strongest reading (interrupts off from freeze to thaw) and a controller that stops at once: only hotplug and the unlocked USBCMD write remain', () => {
    pinned('freeze-run-bit', { finishInFlight: false, irqsOffWhileFrozen: true }, 9194, {
      ...ALL_HOLD,
      'no-hotplug-between-prepare-and-finish': 21,
      'usbcmd-under-uhci-lock': 4,
    });
  });

  it('without the IRQ handler nothing declares the controller dead: the URB is not lost, the in-flight DMA remains', () => {
    pinned('freeze-run-bit', { irq: false }, 5502, {
      ...ALL_HOLD,
      'no-dma-while-frozen': 10,
      'no-hotplug-between-prepare-and-finish': 21,
      'usbcmd-under-uhci-lock': 4,
    });
    pinned('driver-suspend', { irq: false }, 10773, { ...RH_RESUME, 'no-urb-lost': ESHUTDOWN });
  });

  it('no hotplug: driver-suspend keeps only the -ESHUTDOWN (the root-hub resume path needs a port change)', () => {
    pinned('driver-suspend', { hotplug: 0 }, 603, { ...ALL_HOLD, 'no-urb-lost': ESHUTDOWN });
  });
});

describe('pm-freeze: what a run cannot exercise is reported so, never a plain "holds"', () => {
  const unexercised = (variant: string, params: ParamValues): string[] => {
    const r = check(model, properties, { variant, params });
    if (r.status === 'error') throw new Error(r.message);
    return r.properties.flatMap((p) => (p.status === 'holds' && p.notExercised ? [p.name] : []));
  };
  // Every run of pm-freeze ends (no thread loops), so the built-in livelock check holds vacuously.
  it('at the defaults only sem-up-owner in freeze-run-bit (nothing there takes the root hub interface\'s dev->sem), and livelock (no run loops)', () => {
    expect(unexercised('freeze-run-bit', {})).toEqual(['livelock', 'sem-up-owner']);
    expect(unexercised('prepare-blocks-rh-resume', {})).toEqual(['livelock']);
  });
  it('without a hotplug no device_add runs: no-hotplug-between-prepare-and-finish is not exercised', () => {
    expect(unexercised('driver-suspend', { hotplug: 0 })).toEqual(['no-hotplug-between-prepare-and-finish', 'livelock']);
  });
});
