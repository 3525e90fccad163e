// Suspend versus freeze of a bus-mastering driver (seed 001_b3ba74c2c9db97c6.txt: linux-pm,
// "Re: [PATCH 2/2] Fix console handling during suspend/resume", Benjamin Herrenschmidt replying
// to Linus Torvalds, 2006-06-17).
//
// Linus: for snapshotting (STD) a bus master need not be suspended, only frozen: freeze_uhci()
// clears the run bit (USBCMD.RS) and waits udelay(1), unfreeze_uhci() sets it again, "if the
// caller also guarantees that interrupts are off during this". Ben: "you also need to synchronize
// with other things trying to re-enable queue processing (root hub activity, urb processing,
// etc.)", which ends up "quite similar to a full suspend"; and with a prepare() step in which
// "bus drivers do not hotplug new devices in between prepare() and finish()" the USB hub driver
// is "stopped from a device insertion point of view".
//
// Functions modelled. From the seed: freeze_uhci, unfreeze_uhci (Linus's, verbatim). From the
// uhci-hcd/usbcore of the time (2.6.17, not in the seed; the shape was checked against a 2.6.17
// derived uhci-hcd.c: start_rh, wakeup_rh, suspend_rh, uhci_irq, hc_died, finish_reset):
//   - start_rh (is_stopped = 0; USBINTR; USBCMD = RS|CF|MAXP; rh_state = RUNNING; hcd->state =
//     HC_STATE_RUNNING), wakeup_rh, called from uhci_hub_status_data when the root hub is
//     auto-stopped and a port changed, and from uhci_rh_resume.
//   - suspend_rh(uhci, UHCI_RH_SUSPENDED) under uhci->lock: the auto-stopped early return;
//     USBINTR = RESUME only; USBCMD = EGSM|CF (RS clear); udelay(5); if not yet halted
//     rh_state = SUSPENDING, drop the lock, msleep(1), retake it; rh_state = new_state;
//     is_stopped; poll_rh = 0; uhci_scan_schedule.
//   - uhci_irq: status = inw(USBSTS); outw(status, USBSTS); if (status & USBSTS_HCH) under
//     uhci->lock: if (rh_state >= UHCI_RH_RUNNING) "host controller halted, very bad!" hc_died()
//     (uhci_reset_hc, finish_reset: rh_state = RESET, is_stopped, hcd->state = HALT, poll_rh = 0;
//     hc_inaccessible = 1); then uhci_scan_schedule under uhci->lock.
//   - usb_hcd_submit_urb (switch (hcd->state): HALT fails with -ESHUTDOWN) and uhci_urb_enqueue
//     (under uhci->lock: queue the URB, uhci_activate_qh links it into the schedule; UHCI never
//     touches RS here).
//   - usb_hcd_poll_rh_status -> uhci_hub_status_data (uhci_scan_schedule; switch (rh_state):
//     AUTO_STOPPED and a port change -> wakeup_rh; SUSPENDING/SUSPENDED and a port change ->
//     usb_hcd_resume_root_hub -> usb_resume_root_hub: hub->resume_root_hub = 1, kick_khubd;
//     otherwise the status goes to hub_irq -> kick_khubd).
//   - khubd: hub_thread (hub_events; wait_event_interruptible; try_to_freeze) and hub_events:
//     i = hub->resume_root_hub; if (i) usb_resume_device(hdev), which for a root hub is
//     finish_device_resume -> (under the interface's dev->sem) hub_resume -> hcd_bus_resume (if
//     hcd->state is HC_STATE_RUNNING return 0, else HC_STATE_RESUMING, uhci_rh_resume ->
//     wakeup_rh -> start_rh, HC_STATE_RUNNING), msleep(10), hub_activate (quiescing = 0,
//     resume_root_hub = 0, kick_khubd). All of that comes BEFORE hub_events' locktree and its
//     `if (hub->quiescing) goto loop` test. Then clear C_PORT_CONNECTION; hub_port_init's
//     GET_DESCRIPTOR control URB, waited for; usb_new_device -> device_add; usb_unlock_device.
//   - suspend_device / resume_device (drivers/base/power): down(&dev->sem) around the bus
//     suspend/resume call; for the root hub interface that is hub_suspend/hub_resume, so the PM
//     core's freeze and thaw of the root hub and khubd's finish_device_resume exclude each other.
//   - The process freezer (parameter freezer): freeze_processes (TIF_FREEZE and signal_wake_up for
//     every task, then wait until all are frozen), thaw_processes; khubd is freezable in 2.6.17
//     (hub_thread calls try_to_freeze() after its wait_event_interruptible).
//   What I could read: torvalds/linux holds current code only and no 2.6.17 tree was found. The
//   statements above were read in derived trees of the period: a 2.6.18-era hub.c (hub_events,
//   hub_resume -> hcd_bus_resume -> hub_activate, usb_resume_root_hub, __hub_quiesce,
//   finish_device_resume taking the interface's dev->sem, hub_thread's try_to_freeze), a patch
//   against an earlier hub.c whose hub_events calls usb_resume_device(hdev) right after reading
//   hub->resume_root_hub and before locktree (the form modelled; 2.6.18 instead resumes through
//   dpm_runtime_resume and `continue`s, which re-queues the hub and reaches the same quiescing
//   test after hub_activate), and later uhci-hub.c (the SUSPENDED case of uhci_hub_status_data).
//   A period hcd.c (2.6.16-18: pt_regs, usb_hcd_suspend_root_hub) gives hcd_bus_suspend
//   (HC_STATE_QUIESCING, bus_suspend, HC_STATE_SUSPENDED), hcd_bus_resume (return 0 if
//   HC_STATE_RUNNING; HC_STATE_RESUMING; bus_resume; HC_STATE_RUNNING, or usb_hc_died on failure),
//   usb_hcd_resume_root_hub, and hcd_submit_urb's switch: RUNNING and RESUMING queue the URB,
//   SUSPENDED (except to the root hub) and every other state (QUIESCING, HALT) fail it with
//   -ESHUTDOWN (rejectWhileSuspended). None of it is 2.6.17 itself, which I could not find.
//   - The proposed prepare()/finish() (did not exist in 2006): for USB, prepare() quiesces the
//     hub driver as hub_quiesce does (under usb_lock_device(hdev), the lock hub_events holds), and
//     finish() re-activates it as hub_activate does. This is Ben's "the hub driver of USB would be
//     essentially stopped by prepare() (at least from a device insertion point of view)".
//   - The controller itself: with RS set it fetches the next active TD from the schedule and
//     transfers its buffer (both DMA); with IOC it sets USBSTS.USBINT, which raises the IRQ when
//     USBINTR.IOC is enabled. With RS clear it "completes the current transaction on the USB and
//     then halts" (UHCI 1.1 design guide, USBCMD bit 0), then sets USBSTS.HCH.
//
// Variants.
//   freeze-run-bit: Linus. The PM core calls freeze_uhci() and unfreeze_uhci() with local
//     interrupts off on its CPU (cpu0) and takes no driver lock; the USB bus has no prepare() and
//     no finish() (the PM core's prepare/finish steps are only markers of the window there).
//   driver-suspend: Ben. prepare() quiesces the hub driver; freeze is the driver's own suspend,
//     under the root hub interface's dev->sem as suspend_device takes it:
//     suspend_rh(uhci, UHCI_RH_SUSPENDED) under uhci->lock, so that every path that could restart
//     the queue (wakeup_rh from root-hub polling, hc_died from the IRQ handler) sees the
//     suspended state under the same lock; hcd->state = HC_STATE_SUSPENDED; thaw is
//     uhci_rh_resume -> wakeup_rh -> start_rh under uhci->lock; finish() re-activates the hub.
//     With 2.6.17's usbcore (rejectWhileSuspended=true, the default) a URB submitted while
//     hcd->state is HC_STATE_SUSPENDED fails with -ESHUTDOWN; with rejectWhileSuspended=false it is
//     linked into the stopped schedule (what uhci_urb_enqueue does) and runs after thaw: Ben's
//     "stop processing of queues", not failing them. The root-hub resume path of 2.6.17 is there:
//     nothing in Ben's prepare() stops khubd from acting on hub->resume_root_hub.
//   prepare-blocks-rh-resume: driver-suspend, and prepare() also blocks root-hub resume: it sets a
//     flag (hub->rh_resume_blocked, not in any kernel) that hub_events tests with
//     hub->resume_root_hub (`if (i && !hub->rh_resume_blocked) usb_resume_device(hdev)`), and
//     finish()'s hub_activate clears it. The resume request is not lost: finish() kicks khubd.
//
// How it is written (docs/model-api.md): what the variants differ in is a `byVariant` fragment
// each: the PM core's program (Linus's freeze_uhci/unfreeze_uhci with interrupts off; Ben's
// prepare/suspend_rh/resume/finish), prepare()'s hub_quiesce and finish()'s hub_activate (with or
// without rh_resume_blocked), and hub_events' root-hub resume test. cpu0 is a CpuContext
// (src/kernel/context.ts): local_irq_disable()/spin_lock_irq() pin the PM core there with
// interrupts off, uhci_irq runs there non-preemptibly (irq_enter), and a gate (needsCpuGate) makes
// the PM core, a task, wait while cpu0 is not its own or free: no hand-kept irqs_off/in_irq
// flags and no `cpu0 free` guard on each PM step. The URB submitters are one thread kind whose
// index and round counter are locals; uhci_irq's `status & USBSTS_HCH` is its local. Remarks in
// the C's comments and branch outcomes are notes. Written with flags before, the model had the
// same states, transitions, verdicts and counterexample paths (checked at 8 parameter sets, every
// variant, with and without symmetry, liveness included).
//
// Threads (one CPU each unless said): cpu0/pm-core ([freeze_processes] prepare -> freeze -> snapshot -> thaw ->
// finish [thaw_processes]), cpu0/uhci_irq (the UHCI interrupt, delivered to cpu0: it runs only while cpu0 has
// interrupts on, and cpu0's PM core waits while it runs), usb-driverN (URB submitters: a USB
// device driver on the device attached to port 1), usb-port (a user plugging `hotplug` devices
// into the root hub), rh_timer (usb_hcd_poll_rh_status), khubd (hub_events), uhci-hc (the
// controller's DMA engine).
//
// Simplifications, and why they are sound for these properties:
// - Registers are reduced to the bits that matter: USBCMD.RS, USBSTS.HCH and USBINT, USBINTR.IOC,
//   and a count of ports with PORTSC.CSC set. freeze_uhci's `cmd = inw(..) & ~USBCMD_RS;
//   outw(cmd, ..)` is one step: whatever inw read, the outw leaves RS clear (and unfreeze_uhci's
//   leaves it set), so splitting the read from the write changes no RS value; the other bits of
//   USBCMD (EGSM, CF, MAXP, FGR) are not modelled.
// - start_rh is one step (is_stopped = 0 and the USBCMD write together, under uhci->lock). Split,
//   a freeze_uhci reading is_stopped == 0 between them would clear RS before start_rh sets it:
//   RS ends up set during the freeze exactly as when freeze_uhci returns early on is_stopped and
//   start_rh runs later, which the model has.
// - The controller fetches TDs in URB index order (the real order is the schedule's). Which URB
//   moves first does not matter to any property: they are all alike.
// - With RS set the controller also reads the frame list every frame even with no TD queued; the
//   DMA steps here are only the TD fetch and the data transfer, and run-bit-clear-while-frozen
//   covers the frame-list reads.
// - One hardware timing rule for every variant: with RS clear the controller finishes the
//   transaction in progress and halts within one frame (1 ms: a transaction never crosses a
//   frame). So a step that lasts a frame or more ends only after the halt: suspend_rh's msleep(1)
//   and the snapshot (swsusp_arch_suspend copies memory for far longer than 1 ms) wait for
//   USBSTS.HCH when RS is clear. udelay(1) in freeze_uhci and udelay(5) in suspend_rh wait for
//   nothing: a full-speed transaction takes tens of microseconds. Waiting for the halt before the
//   snapshot step rather than during it hides no violation: a DMA during the copy is a DMA in the
//   frozen window, as one just before it is. (Before, freeze-run-bit let the in-flight
//   transaction finish arbitrarily late, after the snapshot, while driver-suspend's msleep(1)
//   assumed the halt within a frame.) Parameter finishInFlight=false makes the controller stop at
//   once instead (not UHCI; it isolates the software paths).
// - uhci_hub_status_data runs from the rh_timer (poll_rh) and, in the suspended or auto-stopped
//   states, from uhci_irq on a Resume-Detect interrupt (usb_hcd_poll_rh_status both ways). One
//   thread, rh_timer, runs it whenever a port change is unreported or a retired TD is waiting to
//   be given back. The root-hub resume request therefore needs the controller to raise
//   Resume-Detect on a connect change in global suspend (or a poll still pending when suspend_rh
//   cleared poll_rh); that is the case uhci_hub_status_data's SUSPENDED branch exists for. With
//   irqsOffWhileFrozen the RD-interrupt path could not run on cpu0; running it anyway adds
//   behaviours, so "holds" stays sound.
// - wakeup_rh from the SUSPENDED state drops uhci->lock for msleep(20) of global resume; it is one
//   step here (rh_state RESUMING then start_rh). In the gap uhci_hub_status_data's switch does
//   nothing for RESUMING and uhci_irq's rh_state >= RUNNING test is false, so no other path acts.
// - hcd_bus_resume on a dead controller (HC_STATE_HALT after hc_died) is taken to fail, so
//   hub_resume does not reach hub_activate (its usb_hc_died on failure is not modelled): that can
//   only remove paths to device_add.
// - hub_quiesce's usb_kill_urb of the hub's status URB is why a port change while quiesced reaches
//   khubd only as resume_root_hub (usb_hcd_poll_rh_status has no status URB to give back); the
//   status URB itself is not modelled.
// - Root-hub auto-stop (RUNNING_NODEVS -> suspend_rh(AUTO_STOPPED) after a second without
//   devices) is not modelled; the root hub starts auto-stopped iff no device is attached
//   (submitters = 0), which is the case in which freeze_uhci returns early on is_stopped.
// - The process freezer is a parameter, off by default. 2.6.17 froze every task, khubd included,
//   before suspending devices (freezer=true: freeze_processes before prepare(), thaw_processes
//   after finish(), as the PM core later ordered them). Off, because both proposals are argued in
//   the thread as what a driver must do without leaning on it (Linus wants suspend without the
//   freezer; Ben: "freezing userland helps for some of that", with kernel threads such as the nfs
//   server left running), and the question the model is for is what prepare() must block. The
//   freezer stops neither the root-hub timer nor the IRQ handler, only khubd (the URB submitters
//   are not frozen: drivers submit from interrupt and softirq context too).
// - khubd enumerates a new device with one control URB (GET_DESCRIPTOR) and then device_add; the
//   rest of hub_port_init/usb_new_device is more URBs of the same kind. usb_start_wait_urb's
//   timeout is taken only when the controller is dead (the URB can never complete): a timeout
//   during a long freeze fails an enumeration, which is a lost request the model does not claim.
// - Completed URBs are given back by uhci_scan_schedule (from the IRQ handler, the root-hub poll,
//   suspend_rh); on a dead controller it gives back nothing. Completion handlers do nothing.
// - The snapshot (swsusp_suspend: local_irq_disable; swsusp_arch_suspend; local_irq_enable) is one
//   step: nothing on cpu0 can interleave with it, and a DMA during it is a DMA between freeze
//   and thaw before or after it as well.
// - The UHCI interrupt is delivered to cpu0 only. That is the case most favourable to Linus's
//   "interrupts off" (on another CPU local_irq_disable would not hold uhci_irq off at all), so
//   no violation below comes from that choice; the "holds" under irqsOffWhileFrozen needs it.
// - Submitters are asynchronous (usb_submit_urb, completion handlers that do not resubmit);
//   only khubd waits for its URB. In UHCI, unlike OHCI (Ben: "there may be issues with OHCI"),
//   uhci_urb_enqueue never touches RS: a URB submitted during the freeze only waits.
//
// What the checker says (tests/models/pm-freeze.test.ts pins it), and how it meets the thread.
// freeze-run-bit: the controller DMAs after freeze_uhci returned (10 steps): the transaction it
// had started when RS was cleared completes after udelay(1), which the one timing rule allows in
// every variant (a transaction outlasts udelay(1); nothing in freeze_uhci waits for USBSTS.HCH,
// as suspend_rh does). It remains under the rule; what the rule removed is that transaction
// finishing after the snapshot. With finishInFlight=false and a device attached freeze-run-bit
// does no DMA: for UHCI the only path that sets RS again is the root-hub auto-start (wakeup_rh from
// uhci_hub_status_data), which needs the root hub auto-stopped. That is the real DMA window, and it
// shows at submitters=0: freeze_uhci returns on is_stopped, a plugged-in device auto-starts the
// controller (RS set while frozen, 8 steps) and khubd's GET_DESCRIPTOR is DMAed while frozen (18).
// Ben's IRQ-handler path loses requests: once interrupts are back on, uhci_irq sees HCH with
// rh_state still RUNNING (freeze_uhci did not tell the driver) and runs hc_died() (17); keeping
// cpu0's interrupts off from freeze to thaw (irqsOffWhileFrozen) closes that one.
// driver-suspend: with 2.6.17's root-hub resume path it breaks run-bit-clear-while-frozen (26),
// no-dma-while-frozen (31) and no-hotplug-between-prepare-and-finish (43): a device plugged in
// while the root hub is suspended makes uhci_hub_status_data call usb_hcd_resume_root_hub; khubd
// resumes the root hub (start_rh: RS set while frozen), hub_resume's hub_activate clears the
// quiescing flag prepare() set, and hub_events, which tests quiescing only after the resume,
// enumerates the device (its GET_DESCRIPTOR is DMAed) and adds it before finish(). This is the
// root-hub synchronisation Ben warned about, and his prepare() as stated does not stop it. (Issue
// 16 reports 22/27/34 steps for these from a sketch of the path; the model's traces are longer by
// the interface's dev->sem, hcd_bus_suspend's HC_STATE_QUIESCING and each step of hub_resume.) With
// 2.6.17's usbcore (rejectWhileSuspended, now the default) a URB submitted once hcd_bus_suspend has
// set HC_STATE_QUIESCING, or later while HC_STATE_SUSPENDED, fails with -ESHUTDOWN (no-urb-lost,
// 6 steps): Ben's scheme needs the drivers above to hold their requests.
// prepare-blocks-rh-resume: only that -ESHUTDOWN remains; with rejectWhileSuspended=false it holds
// every property. With the process freezer (freezer=true) khubd is frozen through the window, so
// no khubd path runs in it: driver-suspend then has only the -ESHUTDOWN, and freeze-run-bit keeps
// its in-flight DMA, lost URB and, at submitters=0, the auto-start (RS set while frozen).
// usbcmd-under-uhci-lock and no-hotplug-between-prepare-and-finish restate what freeze-run-bit is
// (USBCMD written by freeze_uhci without the driver's lock; no prepare() at all): their violations
// in freeze-run-bit are its definition, not findings. sem-up-owner is reported "holds, not
// exercised" in freeze-run-bit: nothing there takes the root hub interface's dev->sem (khubd's
// resume path needs the SUSPENDED root hub only driver-suspend creates).
//
// Changes from the earlier model (its pinned numbers moved): driver-suspend "held" every property
// because the SUSPENDED branch of uhci_hub_status_data only kicked khubd, which then stopped at the
// quiescing test; the root-hub resume path is now modelled, with the interface's dev->sem that
// orders it against the PM core's freeze and thaw. rejectWhileSuspended defaults to 2.6.17's
// behaviour (was false), with hcd_bus_suspend's HC_STATE_QUIESCING. The snapshot waits for the controller to halt when RS is clear (freeze-run-
// bit: 17,996 -> 15,000 states at the defaults; its shortest traces did not change). New: the
// freezer parameter, the prepare-blocks-rh-resume variant, HC_STATE_RESUMING.

import {
  alsoRun, boolParam, byVariant, choice, declareStraight, defineModel, END, intParam, spawn, step, thread, threadKind, withNote,
  type Draft, type LocationDef, type Next, type StepEnv, type System, type ThreadDef,
} from '../src/model/index.js';
import {
  canRunOn,
  contextRef,
  cpuContext,
  local_irq_disable,
  local_irq_enable,
  lockRef,
  mutex,
  mutexLock,
  mutexUnlock,
  needsCpuGate,
  preempt_disable,
  preempt_enable,
  spinlock,
  spinLock,
  spinUnlock,
  spin_lock_irq_context,
  spin_unlock_irq_context,
  taskContext,
  type CpuContext,
  type Mutex,
  type Spinlock,
  type TaskContext,
} from '../src/kernel/index.js';

/** Life of an URB (urb[i]); properties/pm-freeze.ts keeps the same numbers (a test checks). */
export const URB = Object.freeze({
  /** Not submitted yet. */
  IDLE: 0,
  /** usb_hcd_submit_urb accepted it; uhci_urb_enqueue has not linked it yet. */
  SUBMITTED: 1,
  /** Its TD is in the schedule, Active. */
  LINKED: 2,
  /** The controller fetched the TD and the transaction is in progress. */
  INFLIGHT: 3,
  /** The controller retired the TD; uhci_scan_schedule has not given it back. */
  DONE: 4,
  /** usb_hcd_giveback_urb with status 0. */
  GIVEN_BACK: 5,
  /** Failed: -ESHUTDOWN from usbcore, or killed after a timeout on a dead controller. */
  FAILED: 6,
} as const);

/** enum uhci_rh_state (uhci-hcd.h), in its order: uhci_irq compares with >=. */
export const RH = Object.freeze({ RESET: 0, SUSPENDED: 1, AUTO_STOPPED: 2, RESUMING: 3, SUSPENDING: 4, RUNNING: 5, RUNNING_NODEVS: 6 } as const);

/** hcd->state, the values usb_hcd_submit_urb switches on. */
export const HCD = Object.freeze({ HALT: 0, RUNNING: 1, SUSPENDED: 2, RESUMING: 3, QUIESCING: 4 } as const);

export type PmFreezeState = {
  // UHCI registers.
  usbcmd_rs: boolean;
  usbsts_hch: boolean;
  usbsts_usbint: boolean;
  usbintr_ioc: boolean;
  /** Root-hub ports with PORTSC.CSC (connect status change) set. */
  portsc_csc: number;
  /** The URB whose transaction the controller has started, or -1. */
  hc_inflight: number;
  // struct uhci_hcd / struct usb_hcd.
  uhci_lock: Spinlock;
  is_stopped: boolean;
  rh_state: number;
  hc_inaccessible: boolean;
  hcd_state: number;
  // Root-hub polling, the hub driver, khubd.
  /** uhci_hub_status_data's `status` (a port change seen), carried to usb_hcd_poll_rh_status. */
  rh_status: boolean;
  /** The pending port changes were reported to khubd and not cleared since. */
  rh_reported: boolean;
  /** The root hub is on hub_event_list (kick_khubd). */
  hub_event: boolean;
  hub_quiescing: boolean;
  /** hub->resume_root_hub: usb_resume_root_hub() asked khubd to resume the root hub. */
  hub_resume_root_hub: boolean;
  /** prepare-blocks-rh-resume only: prepare() has told the hub driver not to resume the root hub until finish(). */
  rh_resume_blocked: boolean;
  /** The process freezer: freeze_processes() has set TIF_FREEZE on every task and thaw_processes() has not run. */
  freezing: boolean;
  /** khubd is in the refrigerator (try_to_freeze). */
  khubd_frozen: boolean;
  hdev_lock: Mutex;
  /** The root hub interface's dev->sem: the PM core's suspend_device/resume_device and khubd's finish_device_resume hold it around hub_suspend/hub_resume. */
  intf_sem: Mutex;
  /** Devices khubd has started to enumerate (its next control URB is urb[base + enumerated - 1]). */
  enumerated: number;
  devices_added: number;
  /**
   * cpu0, where the PM core and the UHCI interrupt run (src/kernel/context.ts): its interrupts,
   * and who runs there non-preemptibly (the PM core with interrupts off, or uhci_irq).
   */
  cpu0: CpuContext;
  // The PM transition, as windows the properties read.
  /** prepare() has returned and finish() has not been called. */
  pm_prepared: boolean;
  /** freeze has returned and thaw has not begun. */
  pm_frozen: boolean;
  // URBs: submitter i's round r is urb[i * rounds + r]; khubd's k-th enumeration follows.
  urb: number[];
};
type S = PmFreezeState;

export const THREADS = { pm: 'cpu0/pm-core', irq: 'cpu0/uhci_irq' } as const;

const uhciLock = lockRef<S>('uhci->lock', (s) => s.uhci_lock);
const hdevLock = lockRef<S>('hdev->dev.sem', (s) => s.hdev_lock);
const intfSem = lockRef<S>('intf->dev.sem', (s) => s.intf_sem);

/** The PM core's locals: its execution context (preemption, interrupts, the CPU it is pinned to). */
export type PmLocals = { task: TaskContext };
/** uhci_irq's locals: the hard-IRQ context it runs in, and its local `status & USBSTS_HCH`. */
export type IrqLocals = { task: TaskContext; status_hch: boolean };
/** A URB submitter's locals: which driver it is (its URBs are urb[i * rounds ..]) and its loop counter. */
export type DriverLocals = { i: number; round: number };
type Loc<L extends object = {}> = LocationDef<S, L>;

/** cpu0's context, and a thread's task context in its locals. */
const cpu0 = contextRef<S, { task: TaskContext }>((s) => s.cpu0, (l) => l.task);

/** spin_lock_irq() / spin_unlock_irq() on cpu0: the task pinned there with interrupts and preemption off, then free again. */
const irqOff = declareStraight((d: Draft<S>, env: StepEnv<{ task: TaskContext }>) => spin_lock_irq_context(d.cpu0, env.local.task, env, 0), { bind: { spin_lock_irq_context } });
const irqOn = declareStraight((d: Draft<S>, env: StepEnv<{ task: TaskContext }>) => spin_unlock_irq_context(d.cpu0, env.local.task, env), { bind: { spin_unlock_irq_context } });

/** The first URB whose TD is active in the schedule, or -1. */
function firstLinked(s: S): number {
  for (let i = 0; i < s.urb.length; i++) if (s.urb[i] === URB.LINKED) return i;
  return -1;
}

function anyDone(s: S): boolean {
  for (let i = 0; i < s.urb.length; i++) if (s.urb[i] === URB.DONE) return true;
  return false;
}
declareStraight(firstLinked, { bind: { URB } });
declareStraight(anyDone, { bind: { URB } });

export default defineModel({
  name: 'pm-freeze',
  doc:
    'Freezing a bus-mastering driver for a snapshot (seed 001): Linus\'s freeze_uhci()/unfreeze_uhci() (clear/set USBCMD.RS, ' +
    'interrupts off) against the UHCI paths that restart the schedule or declare the controller dead (root-hub polling ' +
    'wakeup_rh, uhci_irq/hc_died, URB submission, khubd enumeration), versus Ben\'s driver suspend under uhci->lock plus a ' +
    'prepare()/finish() that stops hub hotplug.',
  seed: '001_b3ba74c2c9db97c6.txt',
  params: {
    submitters: intParam(1, 'USB device drivers submitting URBs to the device on port 1 (0: no device attached, the root hub starts auto-stopped)', { min: 0, max: 3 }),
    rounds: intParam(1, 'URBs each submitter submits, one after the other', { min: 1, max: 3 }),
    hotplug: intParam(1, 'devices plugged into the root hub during the run (each enumerated by khubd)', { min: 0, max: 2 }),
    irq: boolParam(true, 'the UHCI IRQ handler runs (false: retired TDs are given back by root-hub polling only)'),
    finishInFlight: boolParam(true, 'with RS cleared the controller completes the transaction in progress before it halts (UHCI spec); false: it stops at once'),
    irqsOffWhileFrozen: boolParam(false, 'freeze-run-bit only: cpu0 keeps interrupts off from freeze_uhci to unfreeze_uhci, the strongest reading of "the caller guarantees that interrupts are off"'),
    rejectWhileSuspended: boolParam(true, 'usb_hcd_submit_urb fails URBs with -ESHUTDOWN while hcd->state is HC_STATE_SUSPENDED, as 2.6.17 usbcore did (false: they are queued and run after thaw, Ben\'s "stop processing of queues")'),
    freezer: boolParam(false, 'the process freezer: freeze_processes() before prepare(), thaw_processes() after finish(), khubd freezable (try_to_freeze) as in 2.6.17; false: kernel threads keep running, the premise of both proposals'),
  },
  variants: {
    'freeze-run-bit':
      'Linus: freeze_uhci()/unfreeze_uhci() clear/set USBCMD.RS (is_stopped check, udelay(1)) with cpu0 interrupts off, no driver lock, no prepare()/finish()',
    'driver-suspend':
      'Ben: the driver suspends its queue under uhci->lock (suspend_rh(SUSPENDED), hcd->state = SUSPENDED; resume via wakeup_rh/start_rh), and prepare()/finish() quiesce/reactivate the hub driver so no device is added in between',
    'prepare-blocks-rh-resume':
      'driver-suspend, and prepare() also blocks root-hub resume: khubd does not act on hub->resume_root_hub between prepare() and finish()',
  },
  build({ params, variant }): System<S> {
    const submitters = params.submitters;
    const rounds = params.rounds;
    const hotplug = params.hotplug;
    const irq = params.irq;
    const finishInFlight = params.finishInFlight;
    const irqsOffWhileFrozen = params.irqsOffWhileFrozen; // read by freeze-run-bit's fragment (pmLinus) only
    const rejectWhileSuspended = params.rejectWhileSuspended;
    const freezer = params.freezer && hotplug > 0; // khubd is the only freezable thread modelled
    const attached = submitters > 0;
    const enumBase = submitters * rounds;

    // cpu0 runs the PM core and the UHCI interrupt (src/kernel/context.ts): the PM core needs a
    // CPU to run on (needsCpuGate: its own while it has interrupts off, else cpu0 free), so it
    // makes no progress while uhci_irq runs there; uhci_irq cannot start while cpu0 has
    // interrupts off.

    // The one hardware timing rule, for both proposals: with RS clear the controller finishes the
    // transaction in progress and halts within one frame (1 ms). A step that lasts a frame or more
    // (suspend_rh's msleep(1), the snapshot's copy of memory) ends after the halt; udelay(1) and
    // udelay(5) are shorter than a transaction and wait for nothing.
    const hcHaltedOrRunning = (s: S) => s.usbcmd_rs || s.usbsts_hch;
    const snapshotStep = (label: string, note: string) =>
      step<S, PmLocals>('snapshot', label, {
        note,
        guard: hcHaltedOrRunning,
        blockedOn: () => 'the controller to halt (USBCMD.RS clear: within one frame)',
      });

    // The process freezer (freezer=true): freeze_processes() before the devices are prepared,
    // thaw_processes() after finish().
    const freezeProcesses = (): Loc<PmLocals>[] =>
      freezer
        ? [
            step<S, PmLocals>('freeze_processes', 'freeze_processes: freeze_process(p) for each task: TIF_FREEZE, signal_wake_up(p)', {
              run: (d) => void (d.freezing = true),
            }),
            step<S, PmLocals>('freeze_wait', 'freeze_processes: while (todo) yield()', {
              note: 'until khubd is in the refrigerator',
              guard: (s) => s.khubd_frozen,
              blockedOn: () => 'khubd to enter the refrigerator (try_to_freeze)',
            }),
          ]
        : [];
    const thawProcesses = (): Loc<PmLocals>[] =>
      freezer
        ? [
            step<S, PmLocals>('thaw_processes', 'thaw_processes: thaw_process(p) for each task: wake_up_process(p)', {
              run: (d) => void (d.freezing = false),
              next: END,
            }),
          ]
        : [];
    const afterFinish = freezer ? 'thaw_processes' : END;

    // ---- shared driver statements ---------------------------------------------------------

    /** usb_hcd_submit_urb fails the URB with -ESHUTDOWN. */
    const rejects = declareStraight((s: S) =>
      s.hcd_state === HCD.HALT || ((s.hcd_state === HCD.SUSPENDED || s.hcd_state === HCD.QUIESCING) && rejectWhileSuspended), { bind: { HCD, rejectWhileSuspended } });

    /**
     * usb_submit_urb -> usb_hcd_submit_urb -> uhci_urb_enqueue, for urb[idx(s, env)]; `done` runs
     * when the submission is over (queued or failed), before control goes on to `ok`/`failed`.
     */
    const submitUrb = <L extends object>(
      p: string,
      idx: (s: S | Draft<S>, env: StepEnv<L>) => number,
      ok: Next<S, L>,
      failed: Next<S, L>,
      done: (env: StepEnv<L>) => void = () => {},
    ): Loc<L>[] => [
      choice<S, L>(`${p}submit`, [
        {
          label: rejectWhileSuspended
            ? 'usb_hcd_submit_urb: switch (hcd->state) case HC_STATE_RUNNING, HC_STATE_RESUMING: list_add_tail(&urb->urb_list, &ep->urb_list)'
            : 'usb_hcd_submit_urb: switch (hcd->state): list_add_tail(&urb->urb_list, &ep->urb_list)',
          ...(rejectWhileSuspended ? {} : { note: 'every state but HC_STATE_HALT (rejectWhileSuspended=false)' }),
          guard: declareStraight((s) => !rejects(s), { bind: { rejects } }),
          run: declareStraight((d, env) => void (d.urb[idx(d, env)] = URB.SUBMITTED), { bind: { URB, idx } }),
          next: `${p}lock`,
        },
        {
          label: rejectWhileSuspended
            ? 'usb_hcd_submit_urb: switch (hcd->state) case HC_STATE_SUSPENDED (not the root hub), default (HC_STATE_QUIESCING, HC_STATE_HALT): status = -ESHUTDOWN'
            : 'usb_hcd_submit_urb: switch (hcd->state) case HC_STATE_HALT: status = -ESHUTDOWN',
          guard: rejects,
          run: declareStraight((d, env) => {
            d.urb[idx(d, env)] = URB.FAILED;
            done(env);
          }, { bind: { URB, done, idx } }),
          next: failed,
        },
      ]),
      spinLock<S>(`${p}lock`, 'uhci_urb_enqueue', uhciLock, { label: 'uhci_urb_enqueue: spin_lock_irqsave(&uhci->lock, flags)' }),
      step<S, L>(`${p}link`, 'uhci_activate_qh: list_add_tail(&urbp->node, &qh->queue); link the QH into the schedule (TD Active)', {
        run: declareStraight((d, env) => void (d.urb[idx(d, env)] = URB.LINKED), { bind: { URB, idx } }),
      }),
      alsoRun<S, L>(
        spinUnlock<S>(`${p}unlock`, 'uhci_urb_enqueue', uhciLock, { label: 'uhci_urb_enqueue: spin_unlock_irqrestore(&uhci->lock, flags)' }),
        declareStraight((_d, env) => done(env), { bind: { done } }),
        ok,
      ),
    ];

    /** uhci_scan_schedule: give back every URB whose TDs the controller retired (caller holds uhci->lock). */
    const scanSchedule = (id: string, next?: string): LocationDef<S> =>
      step<S>(id, 'uhci_scan_schedule: usb_hcd_giveback_urb() for each URB whose TDs are no longer Active', {
        run: declareStraight((d) => {
          if (d.hc_inaccessible) return;
          for (let i = 0; i < d.urb.length; i++) if (d.urb[i] === URB.DONE) d.urb[i] = URB.GIVEN_BACK;
        }, { bind: { URB } }),
        ...(next !== undefined ? { next } : {}),
      });

    /** start_rh (caller holds uhci->lock). */
    const startRh = (id: string, next: string, extra?: (d: Draft<S>) => void): LocationDef<S> =>
      step<S>(
        id,
        'start_rh: uhci->is_stopped = 0; outw(USBINTR_TIMEOUT | USBINTR_RESUME | USBINTR_IOC | USBINTR_SP, USBINTR); outw(USBCMD_RS | USBCMD_CF | USBCMD_MAXP, USBCMD); uhci->rh_state = UHCI_RH_RUNNING',
        {
          run: declareStraight((d) => {
            d.hcd_state = HCD.RUNNING;
            d.is_stopped = false;
            d.usbintr_ioc = true;
            d.usbcmd_rs = true;
            d.usbsts_hch = false;
            d.rh_state = RH.RUNNING;
            extra?.(d);
          }, { bind: { HCD, RH, extra } }),
          tags: ['outw:USBCMD'],
          next,
        },
      );

    // ---- cpu0/pm-core ----------------------------------------------------------------------

    // hub_events' root-hub resume test as each variant has it (2.6.17's, or not between prepare()
    // and finish()), then what the USB bus does at prepare() and finish() (freeze-run-bit has
    // neither).
    const resumeAsIn2617 = () => ({ label: 'i = hub->resume_root_hub; if (i) usb_resume_device(hdev)', resumes: (s: S) => s.hub_resume_root_hub });
    const hubEventsResume = byVariant(variant, {
      'freeze-run-bit': resumeAsIn2617,
      'driver-suspend': resumeAsIn2617,
      'prepare-blocks-rh-resume': () => ({
        label: 'i = hub->resume_root_hub; if (i && !hub->rh_resume_blocked) usb_resume_device(hdev)',
        resumes: (s: S) => s.hub_resume_root_hub && !s.rh_resume_blocked,
      }),
    });
    // prepare()'s hub_quiesce and finish()'s hub_activate: Ben's, and with the blocking of root-hub resume.
    const quiesce = () => step<S, PmLocals>('prepare_quiesce', 'hub_quiesce: hub->quiescing = 1', { run: (d) => void (d.hub_quiescing = true) });
    const quiesceBlocking = () =>
      step<S, PmLocals>('prepare_quiesce', 'hub_quiesce: hub->quiescing = 1; hub->rh_resume_blocked = 1', {
        note: 'prepare() also blocks root-hub resume (in no kernel)',
        run: (d) => {
          d.hub_quiescing = true;
          d.rh_resume_blocked = true;
        },
      });
    const activate = () =>
      step<S, PmLocals>('finish_activate', 'hub_activate: hub->quiescing = 0; hub->resume_root_hub = 0; kick_khubd(hub)', {
        run: (d) => {
          d.hub_quiescing = false;
          d.hub_resume_root_hub = false;
          d.hub_event = true;
        },
      });
    const activateBlocking = () =>
      step<S, PmLocals>('finish_activate', 'hub_activate: hub->rh_resume_blocked = 0; hub->quiescing = 0; hub->resume_root_hub = 0; kick_khubd(hub)', {
        run: (d) => {
          d.rh_resume_blocked = false;
          d.hub_quiescing = false;
          d.hub_resume_root_hub = false;
          d.hub_event = true;
        },
      });

    // Linus: freeze_uhci()/unfreeze_uhci() with cpu0's interrupts off, no driver lock.
    const pmLinus = (): Loc<PmLocals>[] => [
      step<S, PmLocals>('prepare', 'dpm_prepare: usb_bus_type has no ->prepare()', {
        run: (d) => void (d.pm_prepared = true),
      }),
      step<S, PmLocals>('freeze_irqoff', 'device_suspend: local_irq_disable()', {
        run: declareStraight((d, env) => local_irq_disable(d.cpu0, env.local.task, env, 0), { bind: { local_irq_disable } }),
        tags: ['local_irq_disable'],
      }),
      step<S, PmLocals>('freeze_stopped', 'freeze_uhci: if (uhci->is_stopped) return;', {
        run: (d) => void (d.is_stopped && (d.pm_frozen = true)),
        next: declareStraight((s) => (s.pm_frozen ? (irqsOffWhileFrozen ? 'snapshot' : 'freeze_irqon') : 'freeze_outw'), { bind: { irqsOffWhileFrozen } }),
      }),
      step<S, PmLocals>('freeze_outw', 'freeze_uhci: cmd = inw(uhci->io_addr + USBCMD) & ~USBCMD_RS; outw(cmd, uhci->io_addr + USBCMD)', {
        run: (d) => void (d.usbcmd_rs = false),
        tags: ['outw:USBCMD'],
      }),
      step<S, PmLocals>('freeze_udelay', 'freeze_uhci: udelay(1)', {
        run: (d) => void (d.pm_frozen = true),
        next: irqsOffWhileFrozen ? 'snapshot' : 'freeze_irqon',
      }),
      ...(irqsOffWhileFrozen
        ? []
        : [
            step<S, PmLocals>('freeze_irqon', 'device_suspend: local_irq_enable()', {
              run: declareStraight((d, env) => local_irq_enable(d.cpu0, env.local.task), { bind: { local_irq_enable } }),
              tags: ['local_irq_enable'],
            }),
          ]),
      irqsOffWhileFrozen
        ? snapshotStep('swsusp_suspend: swsusp_arch_suspend()', 'the image; interrupts still off')
        : snapshotStep('swsusp_suspend: local_irq_disable(); swsusp_arch_suspend(); local_irq_enable()', 'the image'),
      ...(irqsOffWhileFrozen
        ? []
        : [
            step<S, PmLocals>('thaw_irqoff', 'device_resume: local_irq_disable()', {
              run: declareStraight((d, env) => local_irq_disable(d.cpu0, env.local.task, env, 0), { bind: { local_irq_disable } }),
              tags: ['local_irq_disable'],
            }),
          ]),
      step<S, PmLocals>('thaw_stopped', 'unfreeze_uhci: if (uhci->is_stopped) return;', {
        run: (d) => void (d.pm_frozen = false),
        next: (s) => (s.is_stopped ? 'thaw_irqon' : 'thaw_outw'),
      }),
      step<S, PmLocals>('thaw_outw', 'unfreeze_uhci: cmd = inw(uhci->io_addr + USBCMD) | USBCMD_RS; outw(cmd, uhci->io_addr + USBCMD)', {
        run: (d) => {
          d.usbcmd_rs = true;
          d.usbsts_hch = false;
        },
        tags: ['outw:USBCMD'],
      }),
      step<S, PmLocals>('thaw_irqon', 'device_resume: local_irq_enable()', {
        run: declareStraight((d, env) => local_irq_enable(d.cpu0, env.local.task), { bind: { local_irq_enable } }),
        tags: ['local_irq_enable'],
      }),
      step<S, PmLocals>('finish', 'dpm_finish: usb_bus_type has no ->finish()', {
        run: (d) => void (d.pm_prepared = false),
        next: afterFinish,
      }),
      ...thawProcesses(),
    ];

    // Ben: prepare() quiesces the hub driver; freeze is the driver's own suspend under uhci->lock.
    const pmBen = (hubQuiesce: Loc<PmLocals>, hubActivate: Loc<PmLocals>): Loc<PmLocals>[] => [
      mutexLock<S>('prepare_lock', 'usb_prepare', hdevLock, { label: 'usb_prepare: usb_lock_device(hdev)' }),
      hubQuiesce,
      mutexUnlock<S>('prepare_unlock', 'usb_prepare', hdevLock, {
        label: 'usb_prepare: usb_unlock_device(hdev)',
        run: (d) => void (d.pm_prepared = true),
      }),
      withNote('the root hub interface', mutexLock<S>('freeze_sem', 'suspend_device', intfSem, { label: 'suspend_device: down(&dev->sem)' })),
      step<S, PmLocals>('freeze_quiescing', 'hub_suspend -> hcd_bus_suspend: hcd->state = HC_STATE_QUIESCING; hcd->driver->bus_suspend(hcd)', {
        run: declareStraight((d) => void (d.hcd_state = HCD.QUIESCING), { bind: { HCD } }),
      }),
      alsoRun(spinLock<S>('freeze_lock', 'uhci_rh_suspend', uhciLock, { label: 'uhci_rh_suspend: spin_lock_irq(&uhci->lock)' }), irqOff),
      step<S, PmLocals>('freeze_autostopped', 'suspend_rh: if (uhci->rh_state == UHCI_RH_AUTO_STOPPED) { uhci->rh_state = new_state; return; }', {
        run: declareStraight((d) => void (d.rh_state === RH.AUTO_STOPPED && (d.rh_state = RH.SUSPENDED)), { bind: { RH } }),
        next: declareStraight((s) => (s.rh_state === RH.SUSPENDED ? 'freeze_unlock' : 'freeze_outw'), { bind: { RH } }),
      }),
      step<S, PmLocals>('freeze_outw', 'suspend_rh: outw(USBINTR_RESUME, USBINTR); outw(USBCMD_EGSM | USBCMD_CF, USBCMD)', {
        run: (d) => {
          d.usbintr_ioc = false;
          d.usbcmd_rs = false;
        },
        tags: ['outw:USBCMD'],
      }),
      step<S, PmLocals>('freeze_hch', 'suspend_rh: udelay(5); if (!(inw(uhci->io_addr + USBSTS) & USBSTS_HCH))', {
        next: (s) => (s.usbsts_hch ? 'freeze_stopped' : 'freeze_suspending'),
      }),
      alsoRun(
        spinUnlock<S>('freeze_suspending', 'suspend_rh', uhciLock, {
          label: 'suspend_rh: uhci->rh_state = UHCI_RH_SUSPENDING; spin_unlock_irq(&uhci->lock)',
          run: declareStraight((d) => void (d.rh_state = RH.SUSPENDING), { bind: { RH } }),
        }),
        irqOn,
      ),
      step<S, PmLocals>('freeze_msleep', 'suspend_rh: msleep(1)', {
        note: 'one frame: the controller has halted',
        guard: (s) => s.usbsts_hch,
        blockedOn: () => 'USBSTS.HCH (the controller to halt)',
        tags: ['might_sleep'],
      }),
      alsoRun(spinLock<S>('freeze_relock', 'suspend_rh', uhciLock, { label: 'suspend_rh: spin_lock_irq(&uhci->lock)' }), irqOff),
      step<S, PmLocals>('freeze_stopped', 'suspend_rh: uhci->rh_state = new_state; uhci->is_stopped = UHCI_IS_STOPPED; hcd->poll_rh = 0', {
        run: declareStraight((d) => {
          d.rh_state = RH.SUSPENDED;
          d.is_stopped = true;
        }, { bind: { RH } }),
      }),
      scanSchedule('freeze_scan'),
      alsoRun(spinUnlock<S>('freeze_unlock', 'uhci_rh_suspend', uhciLock, { label: 'uhci_rh_suspend: spin_unlock_irq(&uhci->lock)' }), irqOn),
      step<S, PmLocals>('freeze_hcd_state', 'hcd_bus_suspend: hcd->state = HC_STATE_SUSPENDED', {
        run: declareStraight((d) => void (d.hcd_state = HCD.SUSPENDED), { bind: { HCD } }),
      }),
      mutexUnlock<S>('freeze_sem_unlock', 'suspend_device', intfSem, {
        label: 'suspend_device: up(&dev->sem)',
        run: (d) => void (d.pm_frozen = true),
      }),
      snapshotStep('swsusp_suspend: local_irq_disable(); swsusp_arch_suspend(); local_irq_enable()', 'the image'),
      withNote(
        'the root hub interface',
        mutexLock<S>('thaw_sem', 'resume_device', intfSem, {
          label: 'resume_device: down(&dev->sem)',
          run: (d) => void (d.pm_frozen = false),
        }),
      ),
      alsoRun(spinLock<S>('thaw_lock', 'uhci_rh_resume', uhciLock, { label: 'uhci_rh_resume: spin_lock_irq(&uhci->lock)' }), irqOff),
      step<S, PmLocals>('thaw_wakeup', 'uhci_rh_resume: if (!uhci->hc_inaccessible) wakeup_rh(uhci)', {
        note: 'rh_state = UHCI_RH_RESUMING',
        run: declareStraight((d) => void (!d.hc_inaccessible && (d.rh_state = RH.RESUMING)), { bind: { RH } }),
        next: (s) => (s.hc_inaccessible ? 'thaw_unlock' : 'thaw_start'),
      }),
      startRh('thaw_start', 'thaw_unlock'),
      alsoRun(spinUnlock<S>('thaw_unlock', 'uhci_rh_resume', uhciLock, { label: 'uhci_rh_resume: spin_unlock_irq(&uhci->lock)' }), irqOn),
      mutexUnlock<S>('thaw_sem_unlock', 'resume_device', intfSem, { label: 'resume_device: up(&dev->sem)' }),
      mutexLock<S>('finish_lock', 'usb_finish', hdevLock, {
        label: 'usb_finish: usb_lock_device(hdev)',
        run: (d) => void (d.pm_prepared = false),
      }),
      hubActivate,
      mutexUnlock<S>('finish_unlock', 'usb_finish', hdevLock, { label: 'usb_finish: usb_unlock_device(hdev)', next: afterFinish }),
      ...thawProcesses(),
    ];
    const pmCore = byVariant(variant, {
      'freeze-run-bit': pmLinus,
      'driver-suspend': () => pmBen(quiesce(), activate()),
      'prepare-blocks-rh-resume': () => pmBen(quiesceBlocking(), activateBlocking()),
    });

    // ---- usb-driverN: URB submitters -------------------------------------------------------

    // One program for every submitter, `rounds` URBs one after the other: its round counter and
    // its index are its locals (urb[i * rounds + round] is the URB it submits).
    const nextRound = declareStraight((_s: S, env: StepEnv<DriverLocals>) => (env.local.round < rounds ? 'submit' : END), { bind: { rounds, END } });
    const usbDriver = threadKind<S, DriverLocals>(
      'usb-driver',
      { i: 0, round: 0 },
      submitUrb<DriverLocals>('', declareStraight((_s, { local }) => local.i * rounds + local.round, { bind: { rounds } }), nextRound, nextRound, ({ local }) => void (local.round += 1)),
    );

    // ---- usb-port: the user plugs devices in -----------------------------------------------

    const port = thread<S>(
      'usb-port',
      Array.from({ length: hotplug }, (_, k) =>
        step<S>(`plug${k}`, 'root hub port: a device is plugged in: PORTSC.CCS = 1, PORTSC.CSC = 1', {
          run: (d) => void (d.portsc_csc += 1),
        }),
      ),
    );

    // ---- rh_timer: usb_hcd_poll_rh_status -> uhci_hub_status_data ---------------------------

    /** get_hub_status_data: a port has a connect change khubd has not been told about. */
    const newPortChange = (s: S) => s.portsc_csc > 0 && !s.rh_reported;
    const suspendedRh = declareStraight((s: S) => s.rh_state === RH.SUSPENDED || s.rh_state === RH.SUSPENDING, { bind: { RH } });
    const rhTimer = thread<S>('rh_timer', [
      {
        ...spinLock<S>('idle', 'uhci_hub_status_data', uhciLock, {
          label: 'uhci_hub_status_data: spin_lock_irqsave(&uhci->lock, flags)',
          guard: declareStraight((s) => !s.hc_inaccessible && (newPortChange(s) || anyDone(s)), { bind: { anyDone, newPortChange } }),
        }),
        end: true,
      },
      scanSchedule('scan'),
      choice<S>('status', [
        {
          label: 'uhci_hub_status_data: status = get_hub_status_data(uhci, buf); switch (uhci->rh_state) case UHCI_RH_AUTO_STOPPED: if (status) wakeup_rh(uhci)',
          guard: declareStraight((s) => s.rh_state === RH.AUTO_STOPPED && newPortChange(s), { bind: { RH, newPortChange } }),
          run: (d) => void (d.rh_status = true),
          next: 'start',
        },
        {
          label:
            'uhci_hub_status_data: status = get_hub_status_data(uhci, buf); switch (uhci->rh_state) case UHCI_RH_SUSPENDING, UHCI_RH_SUSPENDED: ' +
            'if (status) usb_hcd_resume_root_hub(hcd) -> usb_resume_root_hub(): hub->resume_root_hub = 1; kick_khubd(hub)',
          guard: declareStraight((s) => suspendedRh(s) && newPortChange(s), { bind: { newPortChange, suspendedRh } }),
          run: (d) => {
            d.hub_resume_root_hub = true;
            d.hub_event = true;
            d.rh_reported = true; // the hub's status URB was killed by hub_quiesce: no hub_irq, khubd is asked instead
          },
          next: 'unlock',
        },
        {
          label: 'uhci_hub_status_data: status = get_hub_status_data(uhci, buf); switch (uhci->rh_state) /* running: no wakeup_rh, no resume */',
          guard: declareStraight((s) => !(s.rh_state === RH.AUTO_STOPPED || suspendedRh(s)) || !newPortChange(s), { bind: { RH, newPortChange, suspendedRh } }),
          run: declareStraight((d) => void (d.rh_status = newPortChange(d as S)), { bind: { newPortChange } }),
          next: 'unlock',
        },
      ]),
      startRh('start', 'unlock'),
      spinUnlock<S>('unlock', 'uhci_hub_status_data', uhciLock, {
        label: 'uhci_hub_status_data: spin_unlock_irqrestore(&uhci->lock, flags)',
      }),
      choice<S>('report', [
        {
          label: 'usb_hcd_poll_rh_status: if (length > 0) usb_hcd_giveback_urb(hcd, urb) -> hub_irq(): kick_khubd(hub)',
          guard: (s) => s.rh_status,
          run: (d) => {
            d.rh_status = false;
            d.rh_reported = true;
            d.hub_event = true;
          },
          next: 'idle',
        },
        { label: 'usb_hcd_poll_rh_status: if (length > 0) /* no: nothing for hub_irq */', guard: (s) => !s.rh_status, next: 'idle' },
      ]),
    ]);

    // ---- khubd: hub_events -----------------------------------------------------------------

    const enumUrb = declareStraight((s: S | Draft<S>) => enumBase + s.enumerated - 1, { bind: { enumBase } });
    /** hub_events' `if (i) usb_resume_device(hdev)`, i = hub->resume_root_hub (the variant: not between prepare() and finish()). */
    const resumesRootHub = hubEventsResume.resumes;
    const khubd = thread<S>('khubd', [
      choice<S>(
        'idle',
        [
          ...(freezer
            ? [
                {
                  label: 'hub_thread: wait_event_interruptible(khubd_wait, ...) /* signal_wake_up by the freezer */; try_to_freeze() -> refrigerator()',
                  guard: (s: S) => s.freezing,
                  run: (d: Draft<S>) => void (d.khubd_frozen = true),
                  next: 'frozen',
                },
              ]
            : []),
          {
            label: `hub_thread: wait_event_interruptible(khubd_wait, !list_empty(&hub_event_list)); hub_events: list_del_init(&hub->event_list); ${hubEventsResume.label}`,
            guard: declareStraight((s: S) => s.hub_event && !(freezer && s.freezing), { bind: { freezer } }),
            run: (d: Draft<S>) => void (d.hub_event = false),
            next: declareStraight((s: S) => (resumesRootHub(s) ? 'rr_sem' : 'lock'), { bind: { resumesRootHub } }),
          },
        ],
        { end: true },
      ),
      ...(freezer
        ? [
            step<S>('frozen', 'refrigerator: while (frozen(current)) schedule() /* until thaw_processes */', {
              guard: (s) => !s.freezing,
              blockedOn: () => 'thaw_processes()',
              run: (d) => void (d.khubd_frozen = false),
              next: 'idle',
            }),
          ]
        : []),
      // usb_resume_device(hdev) -> finish_device_resume -> hub_resume(intf) -> hcd_bus_resume -> uhci_rh_resume; hub_activate.
      mutexLock<S>('rr_sem', 'finish_device_resume', intfSem, { label: 'finish_device_resume: down(&intf->dev.sem); bus->resume(intf) -> hub_resume' }),
      step<S>('rr_bus', 'hub_resume -> hcd_bus_resume: if (hcd->state == HC_STATE_RUNNING) return 0; hcd->state = HC_STATE_RESUMING', {
        run: declareStraight((d) => void (d.hcd_state === HCD.SUSPENDED && (d.hcd_state = HCD.RESUMING)), { bind: { HCD } }),
        next: declareStraight((s) => (s.hcd_state === HCD.RUNNING ? 'rr_activate' : s.hcd_state === HCD.HALT ? 'rr_sem_unlock' : 'rr_lock'), { bind: { HCD } }),
      }),
      spinLock<S>('rr_lock', 'uhci_rh_resume', uhciLock, { label: 'uhci_rh_resume: spin_lock_irq(&uhci->lock)' }),
      step<S>('rr_wakeup', 'uhci_rh_resume: if (!uhci->hc_inaccessible) wakeup_rh(uhci) /* rh_state = UHCI_RH_RESUMING */', {
        run: declareStraight((d) => void (!d.hc_inaccessible && (d.rh_state = RH.RESUMING)), { bind: { RH } }),
        next: (s) => (s.hc_inaccessible ? 'rr_unlock' : 'rr_start'),
      }),
      startRh('rr_start', 'rr_unlock'),
      spinUnlock<S>('rr_unlock', 'uhci_rh_resume', uhciLock, {
        label: 'uhci_rh_resume: spin_unlock_irq(&uhci->lock); return 0',
      }),
      step<S>('rr_activate', 'hub_resume: msleep(10); hub_activate(hub): hub->quiescing = 0; hub->resume_root_hub = 0; kick_khubd(hub)', {
        run: (d) => {
          d.hub_quiescing = false;
          d.hub_resume_root_hub = false;
          d.hub_event = true;
        },
        tags: ['might_sleep'],
      }),
      mutexUnlock<S>('rr_sem_unlock', 'finish_device_resume', intfSem, { label: 'finish_device_resume: up(&intf->dev.sem)' }),
      mutexLock<S>('lock', 'hub_events', hdevLock, { label: 'hub_events: usb_lock_device(hdev)' }),
      step<S>('quiescing', 'hub_events: if (hub->quiescing) goto loop;', {
        next: (s) => (s.hub_quiescing ? 'unlock' : 'port'),
      }),
      choice<S>('port', [
        {
          label: 'hub_events: if (portchange & USB_PORT_STAT_C_CONNECTION) clear_port_feature(hdev, i, USB_PORT_FEAT_C_CONNECTION)',
          guard: (s) => s.portsc_csc > 0,
          run: (d) => {
            d.portsc_csc -= 1;
            d.rh_reported = false;
            d.enumerated += 1;
          },
          next: 'enum_submit',
        },
        { label: 'hub_events: no port has a connect change left', guard: (s) => s.portsc_csc === 0, next: 'unlock' },
      ]),
      ...submitUrb('enum_', enumUrb, 'enum_wait', 'port'),
      step<S>('enum_wait', 'usb_start_wait_urb: wait_for_completion_timeout(&ctx.done, USB_CTRL_GET_TIMEOUT) /* GET_DESCRIPTOR */', {
        guard: declareStraight((s) => s.urb[enumUrb(s)] === URB.GIVEN_BACK || s.urb[enumUrb(s)] === URB.FAILED || s.hc_inaccessible, { bind: { URB, enumUrb } }),
        blockedOn: () => 'the completion of its GET_DESCRIPTOR URB',
        run: declareStraight((d) => {
          const i = enumUrb(d);
          if (d.urb[i] !== URB.GIVEN_BACK) d.urb[i] = URB.FAILED; // timed out on a dead controller: usb_kill_urb
        }, { bind: { URB, enumUrb } }),
        next: declareStraight((s) => (s.urb[enumUrb(s)] === URB.GIVEN_BACK ? 'add' : 'port'), { bind: { URB, enumUrb } }),
      }),
      step<S>('add', 'usb_new_device: device_add(&udev->dev)', {
        run: (d) => void (d.devices_added += 1),
        tags: ['device_add'],
        next: 'port',
      }),
      mutexUnlock<S>('unlock', 'hub_events', hdevLock, { label: 'hub_events: usb_unlock_device(hdev)', next: 'idle' }),
    ]);

    // ---- cpu0/uhci_irq ---------------------------------------------------------------------

    // The interrupt is taken on cpu0 when its interrupts are on and nobody runs there
    // non-preemptibly; irq_enter() makes the handler non-preemptible there (hard-IRQ context)
    // until irq_exit(), so the PM core, a task, waits for cpu0 meanwhile.
    const irqThread = thread<S, IrqLocals>(THREADS.irq, [
      step<S, IrqLocals>('idle', 'uhci_irq: status = inw(uhci->io_addr + USBSTS)', {
        guard: declareStraight((s, env) => s.usbsts_usbint && s.usbintr_ioc && !s.cpu0.irqs_off[0] && canRunOn(s.cpu0, env.local.task, 0), { bind: { canRunOn } }),
        blockedOn: () => 'an interrupt (USBSTS.USBINT with USBINTR.IOC, cpu0 interrupts on)',
        run: declareStraight((d, env) => {
          preempt_disable(d.cpu0, env.local.task, env, 0); // irq_enter(): HARDIRQ_OFFSET
          env.local.status_hch = d.usbsts_hch;
        }, { bind: { preempt_disable } }),
        end: true,
      }),
      step<S, IrqLocals>('ack', 'uhci_irq: outw(status, uhci->io_addr + USBSTS)', {
        note: 'Clear it',
        run: (d) => void (d.usbsts_usbint = false),
        next: (_s, env) => (env.local.status_hch ? 'hch_lock' : 'scan_lock'),
      }),
      spinLock<S>('hch_lock', 'uhci_irq', uhciLock, { label: 'uhci_irq: if (status & USBSTS_HCH) spin_lock_irqsave(&uhci->lock, flags)' }),
      choice<S>('hch', [
        {
          label: 'uhci_irq: if (uhci->rh_state >= UHCI_RH_RUNNING) { dev_err("host controller halted, very bad!"); hc_died(uhci); }',
          guard: declareStraight((s) => s.rh_state >= RH.RUNNING, { bind: { RH } }),
          run: declareStraight((d) => {
            // hc_died: uhci_reset_hc (USBINTR = 0, GRESET, USBCMD = 0), finish_reset, hc_inaccessible = 1.
            if (d.hc_inflight >= 0) d.urb[d.hc_inflight] = URB.LINKED;
            d.hc_inflight = -1;
            d.usbintr_ioc = false;
            d.usbcmd_rs = false;
            d.usbsts_hch = true;
            d.rh_state = RH.RESET;
            d.is_stopped = true;
            d.hcd_state = HCD.HALT;
            d.hc_inaccessible = true;
          }, { bind: { HCD, RH, URB } }),
          tags: ['outw:USBCMD'],
        },
        { label: 'uhci_irq: if (uhci->rh_state >= UHCI_RH_RUNNING)', note: 'no: halted on purpose', guard: declareStraight((s) => s.rh_state < RH.RUNNING, { bind: { RH } }) },
      ]),
      spinUnlock<S>('hch_unlock', 'uhci_irq', uhciLock, { label: 'uhci_irq: spin_unlock_irqrestore(&uhci->lock, flags)' }),
      spinLock<S>('scan_lock', 'uhci_irq', uhciLock, { label: 'uhci_irq: spin_lock_irqsave(&uhci->lock, flags)' }),
      scanSchedule('scan'),
      alsoRun<S, IrqLocals>(
        spinUnlock<S>('scan_unlock', 'uhci_irq', uhciLock, { label: 'uhci_irq: spin_unlock_irqrestore(&uhci->lock, flags); return IRQ_HANDLED' }),
        declareStraight((d, env) => preempt_enable(d.cpu0, env.local.task, env), { bind: { preempt_enable } }), // irq_exit()
        'idle',
      ),
    ], { locals: { task: taskContext(), status_hch: false } });

    // ---- uhci-hc: the controller -----------------------------------------------------------

    const hc = thread<S>('uhci-hc', [
      choice<S>(
        'run',
        [
          {
            label: 'UHCI hardware: USBCMD.RS set: fetch the next Active TD from the schedule (DMA read)',
            guard: declareStraight((s) => s.usbcmd_rs && s.hc_inflight < 0 && firstLinked(s) >= 0, { bind: { firstLinked } }),
            run: declareStraight((d) => {
              const i = firstLinked(d as S);
              d.hc_inflight = i;
              d.urb[i] = URB.INFLIGHT;
            }, { bind: { URB, firstLinked } }),
            tags: ['dma'],
            next: 'run',
          },
          {
            label: 'UHCI hardware: transfer the TD\'s data buffer (DMA), write back the TD (Active = 0); IOC: set USBSTS.USBINT',
            guard: declareStraight((s) => s.hc_inflight >= 0 && (s.usbcmd_rs || finishInFlight), { bind: { finishInFlight } }),
            run: declareStraight((d) => {
              d.urb[d.hc_inflight] = URB.DONE;
              d.hc_inflight = -1;
              d.usbsts_usbint = true;
            }, { bind: { URB } }),
            tags: ['dma'],
            next: 'run',
          },
          {
            label: 'UHCI hardware: USBCMD.RS clear and no transaction in progress: halt, set USBSTS.HCH',
            guard: (s) => !s.usbcmd_rs && !s.usbsts_hch && s.hc_inflight < 0,
            run: (d) => void (d.usbsts_hch = true),
            next: 'run',
          },
          {
            label: 'UHCI hardware: USBCMD.RS clear: abandon the transaction in progress (TD stays Active), halt, set USBSTS.HCH',
            guard: declareStraight((s) => !finishInFlight && !s.usbcmd_rs && !s.usbsts_hch && s.hc_inflight >= 0, { bind: { finishInFlight } }),
            run: declareStraight((d) => {
              d.urb[d.hc_inflight] = URB.LINKED;
              d.hc_inflight = -1;
              d.usbsts_hch = true;
            }, { bind: { URB } }),
            next: 'run',
          },
        ],
        { end: true },
      ),
    ]);

    const init: S = {
      usbcmd_rs: attached,
      usbsts_hch: !attached,
      usbsts_usbint: false,
      usbintr_ioc: attached,
      portsc_csc: 0,
      hc_inflight: -1,
      uhci_lock: spinlock(),
      is_stopped: !attached,
      rh_state: attached ? RH.RUNNING : RH.AUTO_STOPPED,
      hc_inaccessible: false,
      hcd_state: HCD.RUNNING,
      rh_status: false,
      rh_reported: false,
      hub_event: false,
      hub_quiescing: false,
      hub_resume_root_hub: false,
      rh_resume_blocked: false,
      freezing: false,
      khubd_frozen: false,
      hdev_lock: mutex(),
      intf_sem: mutex(),
      enumerated: 0,
      devices_added: 0,
      cpu0: cpuContext(1),
      pm_prepared: false,
      pm_frozen: false,
      urb: Array.from({ length: enumBase + hotplug }, () => URB.IDLE),
    };

    return {
      init,
      // The PM core is a task on cpu0: it runs only when cpu0 is its own or free (not while
      // uhci_irq runs there). The other threads run on CPUs of their own.
      gates: [needsCpuGate<S>(cpu0, (env) => env.threadNames[env.self] === THREADS.pm)],
      threads: [
        thread<S, PmLocals>(THREADS.pm, [...freezeProcesses(), ...pmCore], { locals: { task: taskContext() } }),
        ...Array.from({ length: submitters }, (_, i) => spawn(usbDriver, `usb-driver${i}`, { i })),
        ...(hotplug > 0 ? [port, khubd] : []),
        rhTimer,
        ...(irq ? [irqThread] : []),
        hc,
      ],
    };
  },
});
