// sched/fair delayed dequeue versus kvm_sched_out (seed 004): with 152e11f6df29 a vCPU that
// blocks in schedule() keeps p->on_rq, kvm_sched_out() calls it preempted, vmx_vcpu_pi_put() sets
// SN and the device's posted interrupt never wakes it; before delayed dequeue (eevdf) and with
// the fix (task_is_runnable) every property holds, for every halt of the vCPU. The freezer half:
// with delayed dequeue __set_task_frozen() refuses a sleeping (delayed) freezable task and wakes
// it with a fake signal; the fix freezes it in place, and a frozen task still never runs.
// no-lost-wakeup is "blocked in kvm_vcpu_block with PIR or ON pending and no wakeup on its way":
// two test-only forms of the model (mutants, not bundled variants) that lose the wakeup without
// SN, no self-IPI in pi_enable_wakeup_handler() and no pi_set_on() in vmx_vcpu_pi_load(), violate
// it while the real code holds.
// KVM's software posting path (kvmSenders) is pinned at the smallest sizes that show each verdict,
// with its rcuwait barrier pair shown to matter by test-only forms (last describe block).
// Verdicts, distinct-state counts and shortest traces are pinned: the counts are what the
// checker computes; a change to the model or the engine that moves them must be looked at.
import { describe, expect, it } from 'vitest';
import model, { controlOf, piOf, rcuwaitOf, modeOf, IN_GUEST_MODE, OUTSIDE_GUEST_MODE, POSTED_INTR_ON, POSTED_INTR_SN, POSTED_INTR_WAKEUP_VECTOR } from '../../models/sched-delayed-dequeue.js';
import { properties } from '../../properties/sched-delayed-dequeue.js';
import { bundled } from '../../models/index.js';
import { check } from '../../src/engine/index.js';
import { linesOnlyIn, listingLines } from '../helpers/listing.js';
import { compileModel } from '../../src/model/compile.js';
import type { ActionDef, ModelDef, System } from '../../src/model/index.js';
import { defineProperties, invariant } from '../../src/property/index.js';
import { TASK_FROZEN, TASK_INTERRUPTIBLE, TASK_RUNNING, READ_ONCE, WRITE_ONCE, cmpxchg, smp_mb, smp_mb__after_atomic } from '../../src/kernel/index.js';
import { expandPath, type TraceStep } from '../../src/trace/expand.js';
import { expectPinned, notExercised, verdicts } from '../helpers/verdicts.js';
import { expectTraceFixtures } from '../helpers/trace-fixture.js';

type Params = Record<string, number | boolean>;
type Variant = 'eevdf' | 'delayed-dequeue' | 'task_is_runnable';
const VARIANTS: Variant[] = ['eevdf', 'delayed-dequeue', 'task_is_runnable'];
/** The kernels without the bug: before delayed dequeue, and the fix. */
const REAL_OK: Variant[] = ['eevdf', 'task_is_runnable'];

const ALL_HOLD = {
  'no-lost-wakeup': 'holds',
  'preempted-only-if-runnable': 'holds',
  'pi-sn-clear-before-blocking': 'holds',
  'frozen-task-not-scheduled': 'holds',
  'freezer-freezes-sleeper': 'holds',
  deadlock: 'holds',
  // (liveness) the built-in livelock, and the liveness form of no-lost-wakeup
  livelock: 'holds',
  'interrupt-delivered': 'holds',
} as const;
type PropName = keyof typeof ALL_HOLD;

interface Case {
  what: string;
  params: Params;
  suffix: string;
  /** Per variant: distinct states, violated properties' shortest lengths, and (for every variant)
   *  the properties that hold only vacuously (not exercised). */
  expected: Record<Variant, { states: number; verdicts: Partial<Record<PropName, number>> }>;
  notExercised?: PropName[];
}

// The lost wakeup is the same 12 steps at every size: halt, schedule() delays the dequeue,
// kvm_sched_out sees on_rq and sets preempted, vmx_vcpu_pi_put enables the wakeup vector and
// then sets SN, switch, and the device posts into the suppressed descriptor. A halted vCPU that
// nothing wakes is not a deadlock (HLT may wait forever), so the deadlock check no longer
// reports it: no-lost-wakeup does, whatever loses the wakeup.
const LOST = { 'no-lost-wakeup': 12, 'preempted-only-if-runnable': 7 } as const;
/** The vCPU-only runs (the freezer's task and thread left out): the wakeup questions, small. */
const NO_FREEZER = { freezer: false } as const;
const CASES: Case[] = [
  {
    what: 'defaults (1 vCPU halting twice, 1 device posting 2 interrupts, 1 preemption, the freezer against a nanosleep task)',
    params: {},
    suffix: '',
    expected: {
      eevdf: { states: 96868, verdicts: {} },
      'delayed-dequeue': { states: 140467, verdicts: { ...LOST, 'freezer-freezes-sleeper': 11, 'interrupt-delivered': 26 } },
      task_is_runnable: { states: 128887, verdicts: {} },
    },
  },
  {
    what: 'without the freezer',
    params: { ...NO_FREEZER },
    suffix: '--no-freezer',
    notExercised: ['frozen-task-not-scheduled', 'freezer-freezes-sleeper', 'livelock'],
    expected: {
      eevdf: { states: 1157, verdicts: {} },
      'delayed-dequeue': { states: 1354, verdicts: { ...LOST, 'interrupt-delivered': 14 } },
      task_is_runnable: { states: 1289, verdicts: {} },
    },
  },
  {
    what: 'one halt, one interrupt, no freezer (the defaults before halts existed)',
    params: { halts: 1, interrupts: 1, ...NO_FREEZER },
    suffix: '--halts1',
    notExercised: ['frozen-task-not-scheduled', 'freezer-freezes-sleeper', 'livelock'],
    expected: {
      eevdf: { states: 315, verdicts: {} },
      'delayed-dequeue': { states: 370, verdicts: { ...LOST, 'interrupt-delivered': 13 } },
      task_is_runnable: { states: 346, verdicts: {} },
    },
  },
  {
    what: 'larger: a device and a vCPU sending IPIs (IPIv), 2 interrupts each (no freezer)',
    params: { senders: 2, ...NO_FREEZER },
    suffix: '--senders2',
    notExercised: ['frozen-task-not-scheduled', 'freezer-freezes-sleeper', 'livelock'],
    expected: {
      eevdf: { states: 8920, verdicts: {} },
      'delayed-dequeue': { states: 10107, verdicts: { ...LOST, 'interrupt-delivered': 16 } },
      task_is_runnable: { states: 9682, verdicts: {} },
    },
  },
  {
    what: 'larger: 2 vCPUs on cpu0, each halting twice, a device each posting 1 interrupt (no freezer)',
    params: { vcpus: 2, interrupts: 1, ...NO_FREEZER },
    suffix: '--vcpus2',
    notExercised: ['frozen-task-not-scheduled', 'freezer-freezes-sleeper', 'livelock'],
    // (10411, 23611 and 16004 before the vCPUs became one thread kind: vcpu1's first
    // kvm_sched_in..vmx_vcpu_pi_load had its own copy of that code, `start.*`, so a state with
    // vcpu1 there and the same state with vcpu1 in the identical `pre.rcu.*` code, after a
    // preemption at prepare_to_rcuwait, were two states; now they are one. Same verdicts, same
    // shortest traces.)
    expected: {
      eevdf: { states: 10371, verdicts: {} },
      'delayed-dequeue': { states: 23496, verdicts: { ...LOST, 'interrupt-delivered': 30 } },
      task_is_runnable: { states: 15939, verdicts: {} },
    },
  },
  {
    // KVM's software posting path (__vmx_deliver_posted_interrupt on another pCPU) ignores SN:
    // it sets ON and wakes a vCPU outside guest mode through rcuwait_wake_up. So delayed-dequeue
    // still sets vcpu->preempted for a blocked vCPU, but with no hardware sender nothing is lost.
    // Two halts: the second starts after vcpu_enter_guest's vcpu->mode stores.
    what: 'a KVM software sender only (no hardware posting), 1 interrupt (no freezer)',
    params: { senders: 0, kvmSenders: 1, interrupts: 1, ...NO_FREEZER },
    suffix: '--kvm',
    notExercised: ['frozen-task-not-scheduled', 'freezer-freezes-sleeper', 'livelock'],
    expected: {
      eevdf: { states: 2728, verdicts: {} },
      'delayed-dequeue': { states: 3203, verdicts: { 'preempted-only-if-runnable': 7 } },
      task_is_runnable: { states: 3040, verdicts: {} },
    },
  },
  {
    // With a device as well, the device's post into the suppressed descriptor is lost as before
    // (12 steps); interrupt-delivered holds: the software sender's later post wakes the vCPU.
    what: 'a device and a KVM software sender, 1 interrupt each, one halt (no freezer)',
    params: { kvmSenders: 1, interrupts: 1, halts: 1, ...NO_FREEZER },
    suffix: '--device-kvm',
    notExercised: ['frozen-task-not-scheduled', 'freezer-freezes-sleeper', 'livelock'],
    expected: {
      eevdf: { states: 4626, verdicts: {} },
      'delayed-dequeue': { states: 5129, verdicts: { ...LOST } },
      task_is_runnable: { states: 4873, verdicts: {} },
    },
  },
];

describe('sched-delayed-dequeue: verdicts, state counts, shortest traces', () => {
  it('is bundled', () => {
    const entry = bundled.find((e) => e.model.name === 'sched-delayed-dequeue');
    expect(entry?.source).toBe('models/sched-delayed-dequeue.ts');
    expect(Object.keys(model.variants)).toEqual(VARIANTS);
  });
  for (const c of CASES) {
    for (const variant of VARIANTS) {
      it(`${variant}, ${c.what}`, () => {
        const r = expectPinned(model, properties, variant, c.params, c.expected[variant], ALL_HOLD, c.suffix);
        expect(notExercised(r)).toEqual(c.notExercised ?? []);
      });
    }
  }
});

/** A property set of one question ("never X"), asked with deadlock and livelock left to the real properties. */
const never = (name: string, doc: string, holds: (s: any) => boolean) =>
  defineProperties<any>('sched-delayed-dequeue', [invariant<any>(name, doc, holds)], { deadlock: false, livelock: false });

describe('sched-delayed-dequeue: the model API', () => {
  it("read one kernel at a time: the variants' listings differ only in their fragments", () => {
    const listing = (variant: Variant) => listingLines(model, variant);
    // The fix: the runnable test of kvm_sched_out() and __set_task_frozen(), nothing else.
    expect(linesOnlyIn(listing('delayed-dequeue'), listing('task_is_runnable')).map((l) => l.trim().split(':')[0])).toEqual(['kvm_sched_out', '__set_task_frozen']);
    expect(linesOnlyIn(listing('task_is_runnable'), listing('delayed-dequeue')).every((l) => l.includes('task_is_runnable('))).toBe(true);
    // Delayed dequeue: block_task()'s outcomes and pick_next_entity()'s dequeue of a delayed entity.
    const fns = (ls: string[]) => [...new Set(ls.map((l) => l.trim().split(':')[0]))];
    expect(fns(linesOnlyIn(listing('eevdf'), listing('delayed-dequeue')))).toEqual(['block_task', '__schedule']);
    expect(fns(linesOnlyIn(listing('delayed-dequeue'), listing('eevdf')))).toEqual(['block_task', 'pick_next_entity', '__schedule']);
  });

  it('one program for every vCPU and every sender of a kind; cpu0 is an execution context', () => {
    const m = compileModel(model, { variant: 'delayed-dequeue', params: { vcpus: 2, senders: 2 } });
    const ids = (name: string) => [...m.threads[m.threadNames.indexOf(name)]!.ids.keys()];
    expect(ids('cpu0/vcpu1')).toEqual(ids('cpu0/vcpu0'));
    expect(ids('device->vcpu1')).toEqual(ids('device->vcpu0'));
    expect(ids('cpu1/vcpu-ipi->vcpu1')).toEqual(ids('cpu1/vcpu-ipi->vcpu0'));
    const v = m.vars(m.init) as unknown as { ctx: unknown; cpu0: unknown; $local: Record<string, unknown> };
    expect(v.ctx).toEqual({ online: [true], owner: [-1], irqs_off: [false], stopper: -1, });
    expect(v.cpu0).toEqual({ curr: 0, wakeup_ipi: false });
    expect(v.$local['cpu0/vcpu1']).toEqual({ task: { preempt_count: 0, cpu: -1, in_syscall: false }, cpu: 0, v: 1 });
    expect(v.$local['cpu1/vcpu-ipi->vcpu0']).toEqual({ vcpu: 0, vec: 1, posted: 0, cpu: 1 });
  });
});

describe('sched-delayed-dequeue: what the traces and states say', () => {
  it('the lost wakeup needs no preemption; eevdf and the fix hold without and with more of it', () => {
    for (const preemptions of [0, 2])
      for (const variant of REAL_OK) expect(check(model, properties, { variant, params: { preemptions, ...NO_FREEZER } }).status).toBe('verified');
    const r = check(model, properties, { variant: 'delayed-dequeue', params: { preemptions: 0, ...NO_FREEZER }, property: ['no-lost-wakeup'] });
    expect(r.status).toBe('violated');
  });

  it('delayed-dequeue: the vCPU is left delayed on the runqueue, SN set, the interrupt in PIR', () => {
    const r = check(model, properties, { variant: 'delayed-dequeue', params: NO_FREEZER, property: ['no-lost-wakeup'] });
    if (r.status !== 'violated') throw new Error(r.status);
    const compiled = compileModel(model, { variant: 'delayed-dequeue', params: NO_FREEZER });
    const trace = expandPath(compiled, r.violations[0]!.path);
    const labels = trace.steps.map((s) => s.label);
    const at = (prefix: string) => labels.findIndex((l) => l.startsWith(prefix));
    // dequeue delayed, then kvm_sched_out, then SN, then the post: in that order.
    expect(at('block_task: dequeue_entity(): !entity_eligible')).toBeGreaterThanOrEqual(0);
    expect(at('block_task: dequeue_entity(): !entity_eligible')).toBeLessThan(at('kvm_sched_out'));
    expect(at('kvm_sched_out')).toBeLessThan(at('vmx_vcpu_pi_put: if (vcpu->preempted) pi_set_sn'));
    expect(trace.steps.at(-1)!.thread).toBe('device->vcpu0');
    const last = compiled.vars(trace.steps.at(-1)!.state);
    expect(last.tasks[0]).toMatchObject({ on_rq: true, sched_delayed: true });
    expect(last.vcpus[0]).toMatchObject({ preempted: true });
    expect(piOf(last, 0)).toMatchObject({ pir: 1, on: false, sn: true });
    expect(last.cpu0.wakeup_ipi).toBe(false);
  });

  it('no-lost-wakeup is exercised where it holds: a vCPU asleep with an interrupt pending is reached, always with a wakeup on its way', () => {
    const asleepPending = never('never-asleep-with-interrupt-pending', 'no vCPU sleeps in kvm_vcpu_block with a PIR bit or ON set', (s) =>
      !s.vars.vcpus.some(
        (_: unknown, i: number) =>
          s.at(`cpu0/vcpu${i}`) === 'sched.off' && s.vars.tasks[i].__state === TASK_INTERRUPTIBLE && (piOf(s.vars, i).pir !== 0 || piOf(s.vars, i).on),
      ),
    );
    for (const variant of REAL_OK) {
      expect(check(model, asleepPending, { variant, params: NO_FREEZER }).status).toBe('violated');
      expect(check(model, properties, { variant, params: NO_FREEZER, property: ['no-lost-wakeup'] }).status).toBe('verified');
    }
  });

  it('every variant exercises the wakeup path: a vCPU that slept in schedule() gets back into the guest', () => {
    const wokenFromSleep = never('never-woken-from-sleep', 'a vCPU that blocked never re-enters the guest', (s) =>
      !s.vars.vcpus.some((v: { in_guest: boolean; blocked_in_schedule: boolean }) => v.in_guest && v.blocked_in_schedule),
    );
    for (const variant of VARIANTS) expect(check(model, wokenFromSleep, { variant, params: NO_FREEZER }).status).toBe('violated');
  });

  it('halts=2: the second kvm_vcpu_block starts from the state the first one left, sleeps, and is woken again', () => {
    // Asleep in the second halt (one halt completed), and woken from it into the guest.
    const secondSleep = never('never-asleep-in-second-halt', 'the vCPU never sleeps in its second kvm_vcpu_block', (s) =>
      !(s.vars.vcpus[0].halts === 1 && s.at('cpu0/vcpu0') === 'sched.off' && s.vars.tasks[0].__state === TASK_INTERRUPTIBLE),
    );
    // Blocked by the second halt's schedule() (block_task ran there) and woken since.
    const secondWake = never('never-woken-in-second-halt', 'the vCPU is never woken after blocking in its second kvm_vcpu_block', (s) =>
      !(s.vars.vcpus[0].halts === 1 && s.at('cpu0/vcpu0') === 'sched.off' && s.vars.vcpus[0].blocked_in_schedule && s.vars.tasks[0].__state === TASK_RUNNING),
    );
    for (const variant of REAL_OK) {
      const sleep = check(model, secondSleep, { variant, params: NO_FREEZER });
      expect(sleep.status).toBe('violated');
      if (sleep.status !== 'violated') return;
      // The first kvm_vcpu_block returned and the guest halted again; the second halt enables
      // the wakeup vector again on the descriptor the first one left.
      const steps = expandPath(compileModel(model, { variant, params: NO_FREEZER }), sleep.violations[0]!.path).steps;
      const guest = steps.findIndex((s) => s.label.startsWith('vcpu_enter_guest: sync_pir_to_irr'));
      const again = steps.findIndex((s, i) => i > guest && s.label.startsWith('pi_enable_wakeup_handler: list_add_tail'));
      expect(guest).toBeGreaterThanOrEqual(0);
      expect(again).toBeGreaterThan(guest);
      // Woken from the second sleep, through the wakeup vector, into the guest.
      const wake = check(model, secondWake, { variant, params: NO_FREEZER });
      expect(wake.status).toBe('violated');
      if (wake.status !== 'violated') return;
      const wakeSteps = expandPath(compileModel(model, { variant, params: NO_FREEZER }), wake.violations[0]!.path).steps;
      const second = wakeSteps.findIndex((s) => s.label.startsWith('vcpu_enter_guest: sync_pir_to_irr'));
      expect(wakeSteps.findIndex((s, i) => i > second && s.label.startsWith('kvm_vcpu_wake_up(&vmx->vcpu)'))).toBeGreaterThan(second);
    }
  });

  it('only the fix freezes a delayed task in place (frozen-task-not-scheduled holds for it in the --freezer case)', () => {
    const frozenWhileDelayed = never('never-frozen-while-delayed', 'no task is TASK_FROZEN with se.sched_delayed set', (s) =>
      !s.vars.tasks.some((t: { __state: number; sched_delayed: boolean }) => t.__state === TASK_FROZEN && t.sched_delayed),
    );
    const params = { freezer: true, interrupts: 1, halts: 1 };
    expect(check(model, frozenWhileDelayed, { variant: 'eevdf', params }).status).toBe('verified');
    expect(check(model, frozenWhileDelayed, { variant: 'delayed-dequeue', params }).status).toBe('verified');
    expect(check(model, frozenWhileDelayed, { variant: 'task_is_runnable', params }).status).toBe('violated');
  });
});

// Test-only forms of the model that reintroduce a bug: each replaces one statement of the real
// code. They are not variants (no kernel ever had them); they show that the properties that hold
// for the real code can fail, and that no-lost-wakeup sees every way of losing the wakeup.
function mutant(what: string, edit: (sys: System<any>) => void): ModelDef {
  return {
    ...model,
    name: `${model.name}~${what}`,
    build(ctx) {
      const sys = (model as ModelDef).build(ctx);
      edit(sys);
      return sys;
    },
  };
}
function actions(sys: System<any>, labelPrefix: string): ActionDef<any>[] {
  const found = sys.threads.flatMap((t) => t.program.flatMap((l) => l.actions)).filter((a) => a.label.startsWith(labelPrefix));
  if (found.length === 0) throw new Error(`no action labelled '${labelPrefix}...'`);
  return found;
}
/** pi_enable_wakeup_handler() without `if (pi_test_on(&new)) __apic_send_IPI_self(POSTED_INTR_WAKEUP_VECTOR)`. */
const noSelfIpi = mutant('no-self-ipi', (sys) => {
  for (const a of actions(sys, 'pi_enable_wakeup_handler: new.nv'))
    a.run = (d, env) => {
      const c = controlOf((env.local as { v: number }).v);
      const old = READ_ONCE(d.m, c, env);
      cmpxchg(d.m, c, old, (old & ~(0xff << 16)) | (POSTED_INTR_WAKEUP_VECTOR << 16), env);
    };
});
/** vmx_vcpu_pi_load() without `if (!pi_is_pir_empty(pi_desc)) pi_set_on(pi_desc)`. */
const noSetOn = mutant('no-set-on', (sys) => {
  for (const a of actions(sys, 'vmx_vcpu_pi_load: after_clear_sn')) a.run = (d, env) => void (d.vcpus[env.self].scheduled_out = false);
});

function traceOf(m: ModelDef, variant: Variant, params: Params = NO_FREEZER): { message: string; steps: TraceStep[]; last: any } {
  const r = check(m, properties, { variant, params, property: ['no-lost-wakeup'] });
  if (r.status !== 'violated') throw new Error(`${m.name} ${variant}: expected no-lost-wakeup violated, got ${r.status}`);
  const compiled = compileModel(m, { variant, params });
  const steps = expandPath(compiled, r.violations[0]!.path).steps;
  return { message: r.violations[0]!.message, steps, last: compiled.vars(steps.at(-1)!.state) };
}

describe('sched-delayed-dequeue: no-lost-wakeup catches wakeups lost without SN (mutants of the real code)', () => {
  it('no self-IPI in pi_enable_wakeup_handler: an interrupt posted before NV changed leaves ON set and nobody looking (real code holds)', () => {
    for (const variant of REAL_OK) {
      const r = check(noSelfIpi, properties, { variant, params: NO_FREEZER });
      // (and its liveness form: the vCPU stays asleep with ON set once the run stops)
      expect(verdicts(r)).toEqual({ ...ALL_HOLD, 'no-lost-wakeup': 12, 'interrupt-delivered': 13 });
      const { steps, last } = traceOf(noSelfIpi, variant);
      // The device posts after list_add_tail but before NV is the wakeup vector: ON is set, the
      // notification went to POSTED_INTR_VECTOR, and without the self-IPI nobody looks at ON.
      const post = steps.findIndex((s) => s.thread === 'device->vcpu0');
      expect(post).toBeGreaterThan(steps.findIndex((s) => s.label.startsWith('pi_enable_wakeup_handler: list_add_tail')));
      expect(post).toBeLessThan(steps.findIndex((s) => s.label.startsWith('pi_enable_wakeup_handler: new.nv')));
      // SN is clear: the property's former form (SN set) did not see this.
      expect(piOf(last, 0)).toMatchObject({ on: true, sn: false });
      expect(check(model, properties, { variant, params: NO_FREEZER }).status).toBe('verified');
    }
  });

  it('no pi_set_on in vmx_vcpu_pi_load: what was posted while preempted (SN set) sits in PIR with ON clear when the vCPU blocks (real code holds)', () => {
    for (const variant of REAL_OK) {
      const r = check(noSetOn, properties, { variant, params: NO_FREEZER });
      expect(verdicts(r)).toEqual({ ...ALL_HOLD, 'no-lost-wakeup': 20, 'interrupt-delivered': 21 });
      const { steps, last } = traceOf(noSetOn, variant);
      const preempt = steps.findIndex((s) => s.label.startsWith('preempt_schedule_irq'));
      const post = steps.findIndex((s) => s.thread === 'device->vcpu0');
      const load = steps.findIndex((s) => s.label.startsWith('vmx_vcpu_pi_load: after_clear_sn'));
      expect(preempt).toBeGreaterThanOrEqual(0);
      expect(post).toBeGreaterThan(preempt);
      expect(load).toBeGreaterThan(post);
      expect(piOf(last, 0)).toMatchObject({ pir: 1, on: false, sn: false });
      // Without preemption nothing is posted while SN is set, and the mutant holds.
      expect(check(noSetOn, properties, { variant, params: { preemptions: 0, ...NO_FREEZER } }).status).toBe('verified');
    }
  });

  it('vmx_vcpu_pi_load not clearing SN: the WARN in pi_enable_wakeup_handler fires', () => {
    const m = mutant('sn-stays', (sys) => {
      for (const a of actions(sys, 'vmx_vcpu_pi_load: pi_desc->nv != POSTED_INTR_WAKEUP_VECTOR: if (pi_test_and_clear_sn')) a.run = () => {};
    });
    const r = check(m, properties, { variant: 'eevdf', params: NO_FREEZER, property: ['pi-sn-clear-before-blocking'] });
    expect(r.status).toBe('violated');
  });

  it('__set_task_frozen without its runnable test freezes a queued task, which then runs frozen', () => {
    const m = mutant('freeze-runnable', (sys) => {
      for (const a of actions(sys, '__set_task_frozen: if (p->on_rq) return 0')) {
        a.run = (d) => {
          const t = d.tasks[d.tasks.length - 1];
          t.saved_state = t.__state;
          t.__state = TASK_FROZEN;
        };
        a.next = 'unlock.done';
      }
    });
    const r = check(m, properties, { variant: 'eevdf', params: { freezer: true, interrupts: 1, halts: 1 }, property: ['frozen-task-not-scheduled'] });
    expect(r.status).toBe('violated');
  });

  it('the mutants keep their traces (fixtures)', () => {
    for (const [m, what] of [[noSelfIpi, 'no-self-ipi'], [noSetOn, 'no-set-on']] as const) {
      const r = check(m, properties, { variant: 'eevdf', params: NO_FREEZER });
      expectTraceFixtures(compileModel(m, { variant: 'eevdf', params: NO_FREEZER }), r, '');
      expect(r.status === 'violated' && r.violations.map((v) => v.property)).toEqual(['no-lost-wakeup', 'interrupt-delivered']);
      expect(what).toBe(m.name.split('~')[1]);
    }
  });
});

// The PI descriptor is shared memory (src/kernel/memory.ts), checked under x86-TSO by default.
// cpu0 writes it only with LOCK'd read-modify-writes (pi_set_sn, pi_test_and_clear_sn,
// pi_try_set_control's cmpxchg, pi_set_on, pi_clear_on, the xchg of kvm_apic_update_irr) and the
// senders post with atomic updates, so nothing is ever left in a store buffer: sc, tso and lkmm
// reach the same states. The test-only form below replaces vmx_vcpu_pi_load's
// pi_test_and_clear_sn() with the non-atomic `if (pi_test_sn()) __pi_clear_sn()` (a plain store
// of the control word): smp_mb__after_atomic(), a compiler barrier on x86, then orders nothing,
// the SN clear waits in cpu0's store buffer while the PIR is read, and a device that posts in
// that window still sees SN set. Under sc that cannot happen.
describe('sched-delayed-dequeue: the PI descriptor under sc, tso and lkmm', () => {
  const MEMORY = { sc: 0, tso: 1, lkmm: 2 } as const;
  it('is checked under tso by default; sc reaches the same states and verdicts, lkmm the same verdicts (cpu0 writes the descriptor only with LOCK\'d RMWs)', () => {
    expect(model.params['memory']!.default).toBe(MEMORY.tso);
    const c = CASES.find((x) => x.suffix === '--no-freezer')!;
    // lkmm has a few more states: the relaxed set_bit/clear_bit stores reach the other CPU one
    // step later than their own (not multi-copy atomic), until the next full barrier.
    const LKMM_STATES: Record<string, number> = { eevdf: 1248, 'delayed-dequeue': 1459, task_is_runnable: 1380 };
    for (const variant of VARIANTS)
      for (const memory of [MEMORY.sc, MEMORY.lkmm]) {
        const r = check(model, properties, { variant, params: { ...c.params, memory } });
        if (r.status === 'error') throw new Error(r.message);
        expect(r.stats.states).toBe(memory === MEMORY.sc ? c.expected[variant].states : LKMM_STATES[variant]);
        expect(verdicts(r)).toEqual({ ...ALL_HOLD, ...c.expected[variant].verdicts });
      }
  });

  /** vmx_vcpu_pi_load with `if (pi_test_sn(pi_desc)) { __pi_clear_sn(pi_desc); goto after_clear_sn; }`, and `barrier` after it. */
  const plainClearSn = (barrier: 'smp_mb__after_atomic' | 'smp_mb') =>
    mutant(`plain-clear-sn+${barrier}`, (sys) => {
      for (const a of actions(sys, 'vmx_vcpu_pi_load: pi_desc->nv != POSTED_INTR_WAKEUP_VECTOR: if (pi_test_and_clear_sn'))
        a.run = (d, env) => {
          const c = controlOf((env.local as { v: number }).v);
          WRITE_ONCE(d.m, c, READ_ONCE(d.m, c, env) & ~(1 << POSTED_INTR_SN), env);
        };
      for (const a of actions(sys, 'vmx_vcpu_pi_load: after_clear_sn')) {
        const run = a.run!;
        a.run = (d, env) => {
          if (barrier === 'smp_mb') smp_mb(d.m, env);
          else smp_mb__after_atomic(d.m, env);
          run(d, env);
        };
      }
    });

  it('__pi_clear_sn (a plain store) before smp_mb__after_atomic(): the wakeup is lost under tso and lkmm, not under sc', () => {
    const m = plainClearSn('smp_mb__after_atomic');
    for (const variant of REAL_OK) {
      expect(verdicts(check(m, properties, { variant, params: { ...NO_FREEZER, memory: MEMORY.sc } }))).toEqual(ALL_HOLD);
      for (const memory of [MEMORY.tso, MEMORY.lkmm]) {
        const r = check(m, properties, { variant, params: { ...NO_FREEZER, memory } });
        expect(r.status === 'violated' && r.complete).toBe(true);
        expect(verdicts(r)).toEqual({ ...ALL_HOLD, 'no-lost-wakeup': 20, 'interrupt-delivered': 21 });
      }
    }
    // The counterexample shows the reordering: the device posts while cpu0's store of the
    // control word with SN clear is still in its store buffer, after the PIR was read empty.
    const params = { ...NO_FREEZER, memory: MEMORY.tso };
    const r = check(m, properties, { variant: 'eevdf', params, property: ['no-lost-wakeup'] });
    if (r.status !== 'violated') throw new Error(r.status);
    const compiled = compileModel(m, { variant: 'eevdf', params });
    const steps = expandPath(compiled, r.violations[0]!.path).steps;
    const clear = steps.findIndex((s) => s.label.startsWith('vmx_vcpu_pi_load: pi_desc->nv != POSTED_INTR_WAKEUP_VECTOR: if (pi_test_and_clear_sn'));
    const readPir = steps.findIndex((s, i) => i > clear && s.label.startsWith('vmx_vcpu_pi_load: after_clear_sn'));
    const post = steps.findIndex((s, i) => i > readPir && s.thread === 'device->vcpu0');
    // It reaches memory only later (here at set_current_state()'s full barrier), too late.
    const drained = steps.findIndex((s, i) => i > post && s.buffered === '');
    expect([clear, readPir, post, drained].every((i) => i >= 0)).toBe(true);
    expect(clear).toBeLessThan(readPir);
    expect(steps[clear]!.buffered).toMatch(/^cpu0: control0=\d+$/);
    expect(steps[post]!.buffered).toBe(steps[clear]!.buffered);
    // The device saw SN set: PIR filled, ON not set, no notification; SN reaches memory after.
    const atPost = compiled.vars(steps[post]!.state);
    expect(piOf(atPost, 0)).toMatchObject({ pir: 1, on: false, sn: true });
    expect(piOf(compiled.vars(steps.at(-1)!.state), 0)).toMatchObject({ pir: 1, on: false, sn: false });
    expectTraceFixtures(compiled, r, '--tso');
  });

  it('with smp_mb() in place of smp_mb__after_atomic() the plain store is ordered and the wakeup is not lost under tso', () => {
    const m = plainClearSn('smp_mb');
    for (const variant of REAL_OK) expect(verdicts(check(m, properties, { variant, params: { ...NO_FREEZER, memory: MEMORY.tso } }))).toEqual(ALL_HOLD);
  });
});

// KVM's software posting path (parameter kvmSenders): __vmx_deliver_posted_interrupt on another
// pCPU sets the PIR bit and ON with LOCK'd test_and_set_bit, reads vcpu->mode and, outside guest
// mode, wakes the vCPU with rcuwait_wake_up: smp_mb (B), read w->task, wake_up_process. What it
// shares with cpu0 without a lock is shared memory: the PI descriptor, rcuwait.task (`rcuwaitN`)
// and vcpu->mode (`modeN`). The barrier pair of rcuwait (kvm_vcpu_block: [S] w->task, (A)
// set_current_state, [L] ON; the sender: [S] ON, (B), [L] w->task) is shown to matter by
// test-only forms, at the smallest size that shows it (one halt, one interrupt, no preemption).
// Two findings, pinned as such: (B) is redundant here, since the store it orders is
// pi_test_and_set_on, a LOCK'd (fully ordered) RMW; and (A) is backed up by
// pi_enable_wakeup_handler, which tests ON after the rq lock and sends the wakeup vector to itself
// (vmx_vcpu_pi_put), so the barrier pair alone decides only once that self-IPI is taken out too.
describe('sched-delayed-dequeue: the KVM software posting path under sc, tso and lkmm', () => {
  const MEMORY = { sc: 0, tso: 1, lkmm: 2 } as const;
  const KVM_ONLY = { senders: 0, kvmSenders: 1, interrupts: 1, halts: 1, ...NO_FREEZER };
  const KVM_ONLY_NO_PREEMPT = { ...KVM_ONLY, preemptions: 0 };
  /** A test-only form made of several edits of the real code. */
  const forms = (what: string, ...edits: ((sys: System<any>) => void)[]) => mutant(what, (sys) => edits.forEach((e) => e(sys)));
  /** rcuwait_wake_up without smp_mb() (B). */
  const noMbB = (sys: System<any>) => {
    for (const a of actions(sys, 'rcuwait_wake_up: smp_mb()'))
      a.run = (d, env) => {
        const l = env.local as { vcpu: number; task: number };
        l.task = READ_ONCE(d.m, rcuwaitOf(l.vcpu), env);
      };
  };
  /** kvm_vcpu_block with __set_current_state(TASK_INTERRUPTIBLE): no (A). */
  const plainSetState = (sys: System<any>) => {
    for (const a of actions(sys, 'kvm_vcpu_block: set_current_state')) a.run = (d, env) => void (d.tasks[(env.local as { v: number }).v].__state = TASK_INTERRUPTIBLE);
  };
  /** pi_enable_wakeup_handler without its self-IPI (the ON test after blocking). */
  const noSelfIpiEdit = (sys: System<any>) => {
    for (const a of actions(sys, 'pi_enable_wakeup_handler: new.nv'))
      a.run = (d, env) => {
        const c = controlOf((env.local as { v: number }).v);
        const old = READ_ONCE(d.m, c, env);
        cmpxchg(d.m, c, old, (old & ~(0xff << 16)) | (POSTED_INTR_WAKEUP_VECTOR << 16), env);
      };
  };
  /** ON tested and set by a plain load and store of the control word instead of pi_test_and_set_on()'s LOCK bts. */
  const plainSetOn = (sys: System<any>) => {
    for (const a of actions(sys, '__vmx_deliver_posted_interrupt: if (pi_test_and_set_on(pi_desc))'))
      a.run = (d, env) => {
        const l = env.local as { vcpu: number; was: number; posted: number };
        const c = controlOf(l.vcpu);
        const old = READ_ONCE(d.m, c, env);
        WRITE_ONCE(d.m, c, old | (1 << POSTED_INTR_ON), env);
        l.was = old & (1 << POSTED_INTR_ON) ? 1 : 0;
        if (l.was) l.posted += 1;
      };
  };
  const under = (m: ModelDef, params: Params) =>
    Object.fromEntries(Object.entries(MEMORY).map(([name, memory]) => [name, verdicts(check(m, properties, { variant: 'eevdf', params: { ...params, memory } }))]));
  const LOST_KVM = { ...ALL_HOLD, 'no-lost-wakeup': 15 };

  it('sc, tso and lkmm give the same verdicts; the buffered rcuwait.task and vcpu->mode stores add states under tso and lkmm', () => {
    const c = CASES.find((x) => x.suffix === '--kvm')!;
    const sc = { eevdf: 2526, 'delayed-dequeue': 3001, task_is_runnable: 2838 } as const;
    // lkmm more than tso (CASES): a store that left its buffer reaches the other CPU a step later (not multi-copy atomic).
    const lkmm = { eevdf: 3155, 'delayed-dequeue': 3672, task_is_runnable: 3467 } as const;
    for (const variant of VARIANTS)
      for (const memory of [MEMORY.sc, MEMORY.lkmm]) {
        const r = check(model, properties, { variant, params: { ...c.params, memory } });
        if (r.status === 'error') throw new Error(r.message);
        expect(r.stats.states).toBe(memory === MEMORY.sc ? sc[variant] : lkmm[variant]);
        expect(verdicts(r)).toEqual({ ...ALL_HOLD, ...c.expected[variant].verdicts });
      }
  });

  it("vcpu->mode: under tso the sender can find IN_GUEST_MODE in memory after the vCPU's VM-exit (its store of OUTSIDE_GUEST_MODE still buffered), and the wakeup is still not lost", () => {
    const c = CASES.find((x) => x.suffix === '--kvm')!;
    const staleMode = never('never-stale-mode', 'the sender never finds IN_GUEST_MODE in memory while the vCPU is back in the host', (s) =>
      !(s.at('cpu1/kvm->vcpu0') === 'mode' && !s.vars.vcpus[0].in_guest && s.vars.m.mem[modeOf(0)] === IN_GUEST_MODE),
    );
    expect(check(model, staleMode, { variant: 'eevdf', params: { ...c.params, memory: MEMORY.sc } }).status).toBe('verified');
    const r = check(model, staleMode, { variant: 'eevdf', params: c.params });
    if (r.status !== 'violated') throw new Error(r.status);
    const steps = expandPath(compileModel(model, { variant: 'eevdf', params: c.params }), r.violations[0]!.path).steps;
    expect(steps.at(-1)!.buffered).toMatch(new RegExp(`^cpu0: .*${modeOf(0)}=${OUTSIDE_GUEST_MODE}`));
    // (and every variant's no-lost-wakeup at this size is pinned in CASES: it holds for the real kernels)
  });

  it('finding: without smp_mb (B) the wakeup is not lost, since pi_test_and_set_on() is a fully ordered RMW', () => {
    expect(under(forms('no-mb-b', noMbB), KVM_ONLY)).toEqual({ sc: ALL_HOLD, tso: ALL_HOLD, lkmm: ALL_HOLD });
  });

  it("finding: with __set_current_state the wakeup is not lost either: pi_enable_wakeup_handler's ON test and self-IPI catch it", () => {
    expect(under(forms('plain-set-state', plainSetState), KVM_ONLY)).toEqual({ sc: ALL_HOLD, tso: ALL_HOLD, lkmm: ALL_HOLD });
  });

  it('without that self-IPI, set_current_state (A) with smp_mb (B) holds under all three; __set_current_state loses the wakeup under tso and lkmm, not under sc', () => {
    expect(under(forms('no-self-ipi', noSelfIpiEdit), KVM_ONLY_NO_PREEMPT)).toEqual({ sc: ALL_HOLD, tso: ALL_HOLD, lkmm: ALL_HOLD });
    const m = forms('no-self-ipi+plain-set-state', noSelfIpiEdit, plainSetState);
    expect(under(m, KVM_ONLY_NO_PREEMPT)).toEqual({ sc: ALL_HOLD, tso: { ...LOST_KVM, 'interrupt-delivered': 16 }, lkmm: { ...LOST_KVM, 'interrupt-delivered': 16 } });
    // The trace shows the reordering: prepare_to_rcuwait's store of w->task waits in cpu0's
    // store buffer while the vCPU reads ON clear; the sender sets ON, and its smp_mb (B) and read
    // of w->task see NULL: no wakeup. The store reaches memory at the rq lock, too late.
    const params = { ...KVM_ONLY_NO_PREEMPT, memory: MEMORY.tso };
    const r = check(m, properties, { variant: 'eevdf', params, property: ['no-lost-wakeup'] });
    if (r.status !== 'violated') throw new Error(r.status);
    const compiled = compileModel(m, { variant: 'eevdf', params });
    const steps = expandPath(compiled, r.violations[0]!.path).steps;
    const at = (prefix: string) => steps.findIndex((s) => s.label.startsWith(prefix));
    const store = at('kvm_vcpu_block: prepare_to_rcuwait');
    const readOn = at('vmx_sync_pir_to_irr: !pi_test_on');
    const setOn = at('__vmx_deliver_posted_interrupt: if (pi_test_and_set_on');
    const readTask = at('rcuwait_wake_up: smp_mb()');
    const drained = at('__schedule: rq_lock');
    expect([store, readOn, setOn, readTask, drained].every((i) => i >= 0)).toBe(true);
    expect(store).toBeLessThan(readOn);
    expect(readOn).toBeLessThan(setOn);
    expect(readTask).toBeLessThan(drained);
    for (const i of [store, readOn, setOn, readTask]) expect(steps[i]!.buffered).toBe('cpu0: rcuwait0=1');
    expect(steps[drained]!.buffered).toBe('');
    expect(at('rcuwait_wake_up: wake_up_process')).toBe(-1);
    expect(piOf(compiled.vars(steps.at(-1)!.state), 0)).toMatchObject({ pir: 1, on: true });
    expectTraceFixtures(compiled, r, '--tso');
  });

  it('without that self-IPI, and with ON set by a plain store, smp_mb (B) is what keeps the wakeup under tso and lkmm', () => {
    expect(under(forms('no-self-ipi+plain-set-on', noSelfIpiEdit, plainSetOn), KVM_ONLY_NO_PREEMPT)).toEqual({ sc: ALL_HOLD, tso: ALL_HOLD, lkmm: ALL_HOLD });
    const m = forms('no-self-ipi+plain-set-on+no-mb-b', noSelfIpiEdit, plainSetOn, noMbB);
    expect(under(m, KVM_ONLY_NO_PREEMPT)).toEqual({ sc: ALL_HOLD, tso: { ...LOST_KVM, 'interrupt-delivered': 17 }, lkmm: { ...LOST_KVM, 'interrupt-delivered': 17 } });
    // The sender's store of ON waits in its store buffer while it reads w->task (NULL: the vCPU
    // has not blocked yet) and while the vCPU reads ON clear and blocks.
    const params = { ...KVM_ONLY_NO_PREEMPT, memory: MEMORY.tso };
    const r = check(m, properties, { variant: 'eevdf', params, property: ['no-lost-wakeup'] });
    if (r.status !== 'violated') throw new Error(r.status);
    const steps = expandPath(compileModel(m, { variant: 'eevdf', params }), r.violations[0]!.path).steps;
    const readTask = steps.findIndex((s) => s.label.startsWith('rcuwait_wake_up: smp_mb()'));
    const readOn = steps.findIndex((s) => s.label.startsWith('vmx_sync_pir_to_irr: !pi_test_on'));
    expect(readTask).toBeGreaterThanOrEqual(0);
    expect(readOn).toBeGreaterThan(readTask);
    expect(steps[readOn]!.buffered).toMatch(/^cpu1: control0=\d+$/);
  });
});
