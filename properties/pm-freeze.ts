// Properties of models/pm-freeze.ts (seed 001: freezing a bus-mastering driver for a snapshot).
//
// The state is read through the model's own type (a type-only import); the model's URB
// numbering is repeated here (tests/models/pm-freeze.test.ts checks both agree), since a
// properties file loads no model code.

import { alwaysEventually, assertion, deadlockFree, defineProperties, invariant, stepProperty, type StateInfo } from '../src/property/index.js';
import { declareStraight } from '../src/model/index.js';
import { lockRef } from '../src/kernel/index.js';
import { lockHeldIn, locksReleasedAtEnd, noSleepInAtomic, spinlocksHeldBy } from './lock-discipline.js';
import type { PmFreezeState } from '../models/pm-freeze.js';

/** models/pm-freeze.ts URB: the life of urb[i]. */
export const URB_STATE = Object.freeze({ IDLE: 0, SUBMITTED: 1, LINKED: 2, INFLIGHT: 3, DONE: 4, GIVEN_BACK: 5, FAILED: 6 } as const);

const PM_THREAD = 'cpu0/pm-core';
const IRQ_THREAD = 'cpu0/uhci_irq';

/** The model's own state type. */
type View = PmFreezeState;

const uhciLock = lockRef<View>('uhci->lock', (s) => s.uhci_lock);
const hdevLock = lockRef<View>('hdev->dev.sem', (s) => s.hdev_lock);
const intfSem = lockRef<View>('intf->dev.sem', (s) => s.intf_sem);
const uhci = uhciLock.get;

/** Why urb[i] is lost in `v` (null when it is not), `pmEnded` = the PM core has finished. */
function lostBecause(v: View, i: number, pmEnded: boolean): string | null {
  const st = v.urb[i]!;
  if (st === URB_STATE.FAILED) return `urb[${i}] failed (-ESHUTDOWN, or killed after a timeout)`;
  const pending = st >= URB_STATE.SUBMITTED && st <= URB_STATE.DONE;
  if (pending && v.hc_inaccessible) return `urb[${i}] is queued on a controller hc_died() declared dead`;
  if (pmEnded && st === URB_STATE.LINKED && !v.usbcmd_rs)
    return `the PM transition is over and urb[${i}] sits in the schedule with USBCMD.RS clear`;
  return null;
}

/**
 * Whether lostBecause(v, i, pmEnded) names a loss, as a test the property compiler reads (it
 * compiles no strings): the same three cases in the same order. Only no-urb-lost's declared form
 * uses it; the determinism probe and tests/property/compiled-bundled compare that form with the
 * property itself.
 */
function isLost(v: View, i: number, pmEnded: boolean): boolean {
  const st = v.urb[i]!;
  if (st === URB_STATE.FAILED) return true;
  const pending = st >= URB_STATE.SUBMITTED && st <= URB_STATE.DONE;
  if (pending && v.hc_inaccessible) return true;
  return pmEnded && st === URB_STATE.LINKED && !v.usbcmd_rs;
}

/** no-urb-lost's `then`: no URB is lost (lostBecause), declared through isLost. */
const noUrbLost = declareStraight(
  (s: StateInfo<View>) => {
    const pmEnded = s.ended(PM_THREAD);
    for (let i = 0; i < s.vars.urb.length; i++) if (lostBecause(s.vars, i, pmEnded) !== null) return false;
    return true;
  },
  {
    fn: (s: StateInfo<View>) => {
      const pmEnded = s.ended(PM_THREAD);
      for (let i = 0; i < s.vars.urb.length; i++) if (isLost(s.vars, i, pmEnded)) return false;
      return true;
    },
    bind: { PM_THREAD, isLost },
  },
);
declareStraight(isLost, { bind: { URB_STATE } });

export const properties = defineProperties<View>('pm-freeze', [
  stepProperty(
    'no-dma-while-frozen',
    'the controller does no DMA (TD fetch or data transfer) after freeze has returned and before thaw begins',
    // Exercised by every DMA step the controller takes.
    { when: (_s, step) => step.tags.includes('dma'), then: (s) => !s.vars.pm_frozen },
    (_s, step) => `'${step.label}' runs after freeze returned and before thaw`,
  ),
  invariant(
    'run-bit-clear-while-frozen',
    'USBCMD.RS is clear from the return of freeze until thaw (with RS set the controller reads the frame list every frame)',
    { when: (s) => s.vars.pm_frozen, then: (s) => !s.vars.usbcmd_rs },
    () => 'USBCMD.RS is set while the controller is supposed to be frozen',
  ),
  stepProperty(
    'no-hotplug-between-prepare-and-finish',
    'no USB device is added (usb_new_device: device_add) after prepare() returned and before finish() is called',
    { when: (_s, step) => step.tags.includes('device_add'), then: (s) => !s.vars.pm_prepared },
    (_s, step) => `${step.thread} runs '${step.label}' between prepare() and finish()`,
  ),
  invariant(
    'no-urb-lost',
    'a submitted URB is never lost: never failed (-ESHUTDOWN, or killed on a dead controller), never left on a controller ' +
      'hc_died() declared dead, and once the PM core has finished never left in a schedule whose run bit is clear',
    {
      // Exercised once some URB has been submitted.
      when: (s) => s.vars.urb.some((u) => u !== URB_STATE.IDLE),
      then: noUrbLost,
      bind: { URB_STATE },
    },
    (s) => {
      const pmEnded = s.ended(PM_THREAD);
      return s.vars.urb
        .map((_, i) => lostBecause(s.vars, i, pmEnded))
        .filter((x) => x !== null)
        .join('; ');
    },
  ),
  deadlockFree(),
  // Liveness (src/engine/liveness): []<> (no URB pending). A run that stops stays in its last
  // state, so this says every submitted URB is, in the end, given back (status 0) or failed back
  // to its driver; the safety property no-urb-lost says which of those are losses.
  alwaysEventually<View>(
    'urb-completes',
    'every submitted URB eventually completes or is given back (never left pending for ever)',
    (s) => s.vars.urb.every((st) => st === URB_STATE.IDLE || st === URB_STATE.GIVEN_BACK || st === URB_STATE.FAILED),
    { bind: { URB_STATE } },
  ),
  stepProperty(
    'usbcmd-under-uhci-lock',
    'USBCMD is written only by a thread holding uhci->lock, so no other path can set or clear RS behind its back',
    { when: (_s, step) => step.tags.includes('outw:USBCMD'), then: (s, step) => s.vars.uhci_lock.holder === step.threadIndex },
    (s, step) =>
      `${step.thread} runs '${step.label}' with uhci->lock ${s.vars.uhci_lock.holder < 0 ? 'free' : `held by ${s.threads[s.vars.uhci_lock.holder]}`}`,
  ),
  lockHeldIn('uhci-lock-held', /^(start_rh|uhci_scan_schedule|uhci_activate_qh)$/, uhciLock, {
    bySelf: true,
    doc: 'start_rh, uhci_scan_schedule and uhci_activate_qh run only with uhci->lock held by the running thread',
  }),
  locksReleasedAtEnd('locks-released', [uhciLock, hdevLock, intfSem]),
  // The PM core is pinned to cpu0 with its interrupts off (src/kernel/context.ts). (Each test
  // declares the names it reads: the lock's accessor under a name of its own.)
  noSleepInAtomic<View>('no-sleep-in-atomic', [
    { test: declareStraight((s: StateInfo<View>, t: number) => uhci(s.vars).holder === t, { bind: { uhci } }), why: (s, t) => `holding ${spinlocksHeldBy(s.vars, [uhciLock], t).join(', ')}` },
    { test: (s, t) => s.vars.cpu0.owner[0] === t && s.vars.cpu0.irqs_off[0]!, why: () => 'cpu0 interrupts off' },
    { test: declareStraight((s: StateInfo<View>, t: number) => s.threads[t] === IRQ_THREAD, { bind: { IRQ_THREAD } }), why: () => 'in uhci_irq (hard IRQ)' },
  ]),
  assertion('spin-unlock-owner', 'spin_unlock(&uhci->lock) only by its holder', 'spin_unlock(&uhci->lock) by a non-owner'),
  assertion('mutex-unlock-owner', 'usb_unlock_device(hdev) only by its holder', 'mutex_unlock(&hdev->dev.sem) by a non-owner'),
  assertion('sem-up-owner', 'up(&intf->dev.sem) only by the task that took it', 'mutex_unlock(&intf->dev.sem) by a non-owner'),
]);
