// sched/fair delayed dequeue versus kvm_sched_out (seed 004): with 152e11f6df29 a vCPU that
// blocks in schedule() keeps p->on_rq, kvm_sched_out() calls it preempted, vmx_vcpu_pi_put() sets
// SN and the device's posted interrupt never wakes it; before delayed dequeue (eevdf) and with
// the fix (task_is_runnable) every property holds. The freezer half: with delayed dequeue
// __set_task_frozen() refuses a sleeping (delayed) freezable task and wakes it with a fake
// signal; the fix freezes it in place, and a frozen task still never runs.
// Verdicts, distinct-state counts and shortest traces are pinned: the counts are what the
// checker computes; a change to the model or the engine that moves them must be looked at.
import { describe, expect, it } from 'vitest';
import model from '../../models/sched-delayed-dequeue.js';
import { properties } from '../../properties/sched-delayed-dequeue.js';
import { bundled } from '../../models/index.js';
import { check, type CheckResult } from '../../src/engine/index.js';
import { compileModel } from '../../src/model/compile.js';
import type { ActionDef, ModelDef, System } from '../../src/model/index.js';
import { invariant } from '../../src/property/index.js';
import { TASK_FROZEN } from '../../src/kernel/index.js';
import { expandPath } from '../../src/trace/expand.js';
import { expectPinned, verdicts } from '../helpers/verdicts.js';

type Params = Record<string, number | boolean>;
type Variant = 'eevdf' | 'delayed-dequeue' | 'task_is_runnable';
const VARIANTS: Variant[] = ['eevdf', 'delayed-dequeue', 'task_is_runnable'];


const ALL_HOLD = {
  'no-lost-wakeup': 'holds',
  'preempted-only-if-runnable': 'holds',
  'pi-sn-clear-before-blocking': 'holds',
  'frozen-task-not-scheduled': 'holds',
  'freezer-freezes-sleeper': 'holds',
  deadlock: 'holds',
} as const;
type PropName = keyof typeof ALL_HOLD;

interface Case {
  what: string;
  params: Params;
  suffix: string;
  expected: Record<Variant, { states: number; verdicts: Partial<Record<PropName, number>> }>;
}

// The lost wakeup is the same 12 steps at every size: halt, schedule() delays the dequeue,
// kvm_sched_out sees on_rq and sets preempted, vmx_vcpu_pi_put enables the wakeup vector and
// then sets SN, switch, and the device posts into the suppressed descriptor.
const CASES: Case[] = [
  {
    what: 'defaults (1 vCPU, 1 device, 1 interrupt, 1 preemption, no freezer)',
    params: {},
    suffix: '',
    expected: {
      eevdf: { states: 315, verdicts: {} },
      'delayed-dequeue': { states: 370, verdicts: { 'no-lost-wakeup': 12, 'preempted-only-if-runnable': 7, deadlock: 13 } },
      task_is_runnable: { states: 346, verdicts: {} },
    },
  },
  {
    what: 'larger: a device and a vCPU sending IPIs (IPIv), 2 interrupts each',
    params: { senders: 2, interrupts: 2 },
    suffix: '--senders2-interrupts2',
    expected: {
      eevdf: { states: 3053, verdicts: {} },
      'delayed-dequeue': { states: 3395, verdicts: { 'no-lost-wakeup': 12, 'preempted-only-if-runnable': 7, deadlock: 16 } },
      task_is_runnable: { states: 3217, verdicts: {} },
    },
  },
  {
    what: 'larger: 2 vCPUs on cpu0, a device and an IPIv sender each',
    params: { vcpus: 2, senders: 2 },
    suffix: '--vcpus2-senders2',
    expected: {
      eevdf: { states: 81723, verdicts: {} },
      'delayed-dequeue': { states: 134679, verdicts: { 'no-lost-wakeup': 12, 'preempted-only-if-runnable': 7, deadlock: 27 } },
      task_is_runnable: { states: 99163, verdicts: {} },
    },
  },
  {
    what: 'the freezer against a freezable nanosleep task on cpu0',
    params: { freezer: true },
    suffix: '--freezer',
    expected: {
      eevdf: { states: 26571, verdicts: {} },
      'delayed-dequeue': {
        states: 37854,
        verdicts: { 'no-lost-wakeup': 12, 'preempted-only-if-runnable': 7, 'freezer-freezes-sleeper': 11, deadlock: 25 },
      },
      task_is_runnable: { states: 33685, verdicts: {} },
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
        expectPinned(model, properties, variant, c.params, c.expected[variant], ALL_HOLD, c.suffix);
      });
    }
  }
});

describe('sched-delayed-dequeue: what the traces and states say', () => {
  it('the lost wakeup needs no preemption; eevdf and the fix hold without and with more of it', () => {
    for (const preemptions of [0, 2]) {
      expect(check(model, properties, { variant: 'eevdf', params: { preemptions } }).status).toBe('verified');
      expect(check(model, properties, { variant: 'task_is_runnable', params: { preemptions } }).status).toBe('verified');
    }
    const r = check(model, properties, { variant: 'delayed-dequeue', params: { preemptions: 0 }, property: ['no-lost-wakeup'] });
    expect(r.status).toBe('violated');
  });

  it('delayed-dequeue: the vCPU is left delayed on the runqueue, SN set, the interrupt in PIR', () => {
    const r = check(model, properties, { variant: 'delayed-dequeue', property: ['no-lost-wakeup'] });
    if (r.status !== 'violated') throw new Error(r.status);
    const compiled = compileModel(model, { variant: 'delayed-dequeue' });
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
    expect(last.vcpus[0]).toMatchObject({ preempted: true, pi: { pir: 1, on: false, sn: true } });
    expect(last.cpu0.wakeup_ipi).toBe(false);
  });

  it('every variant exercises the wakeup path: a vCPU that slept in schedule() gets back into the guest', () => {
    const wokenFromSleep = invariant<any>('never-woken-from-sleep', 'a vCPU that blocked never re-enters the guest', (s) =>
      !s.vars.vcpus.some((v: { in_guest: boolean; blocked_in_schedule: boolean }) => v.in_guest && v.blocked_in_schedule),
    );
    for (const variant of VARIANTS) {
      const r = check(model, [wokenFromSleep], { variant });
      expect(r.status).toBe('violated');
    }
  });

  it('only the fix freezes a delayed task in place (frozen-task-not-scheduled holds for it in the --freezer case)', () => {
    const frozenWhileDelayed = invariant<any>('never-frozen-while-delayed', 'no task is TASK_FROZEN with se.sched_delayed set', (s) =>
      !s.vars.tasks.some((t: { __state: number; sched_delayed: boolean }) => t.__state === TASK_FROZEN && t.sched_delayed),
    );
    const params = { freezer: true };
    expect(check(model, [frozenWhileDelayed], { variant: 'eevdf', params }).status).toBe('verified');
    expect(check(model, [frozenWhileDelayed], { variant: 'delayed-dequeue', params }).status).toBe('verified');
    expect(check(model, [frozenWhileDelayed], { variant: 'task_is_runnable', params }).status).toBe('violated');
  });
});

// The properties that hold in all three variants can fail: break the code they guard and they do.
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

describe('sched-delayed-dequeue: the properties catch broken code (mutants of eevdf)', () => {
  it('no self-IPI in pi_enable_wakeup_handler: an interrupt posted before NV changed is lost (deadlock)', () => {
    const m = mutant('no-self-ipi', (sys) => {
      for (const a of actions(sys, 'pi_enable_wakeup_handler: new.nv')) a.run = (d) => void (d.vcpus[0].pi.nv = 0xf1);
    });
    const params = { preemptions: 0 };
    const r = check(m, properties, { variant: 'eevdf', params });
    expect(verdicts(r)).toEqual({ ...ALL_HOLD, deadlock: 12 });
    if (r.status !== 'violated') return;
    // The device posts after list_add_tail but before NV is the wakeup vector: ON is set, the
    // notification went to POSTED_INTR_VECTOR, and without the self-IPI nobody looks at ON.
    const steps = expandPath(compileModel(m, { variant: 'eevdf', params }), r.violations[0]!.path).steps;
    const post = steps.findIndex((s) => s.thread === 'device->vcpu0');
    expect(post).toBeGreaterThan(steps.findIndex((s) => s.label.startsWith('pi_enable_wakeup_handler: list_add_tail')));
    expect(post).toBeLessThan(steps.findIndex((s) => s.label.startsWith('pi_enable_wakeup_handler: new.nv')));
  });

  it('vmx_vcpu_pi_load not setting ON from the PIR: a preempted vCPU misses what was posted while SN was set', () => {
    const m = mutant('no-set-on', (sys) => {
      for (const a of actions(sys, 'vmx_vcpu_pi_load: after_clear_sn')) a.run = (d) => void (d.vcpus[0].scheduled_out = false);
    });
    const r = check(m, properties, { variant: 'eevdf' });
    expect(r.status).toBe('violated');
    expect(verdicts(r).deadlock).not.toBe('holds');
  });

  it('vmx_vcpu_pi_load not clearing SN: the WARN in pi_enable_wakeup_handler fires', () => {
    const m = mutant('sn-stays', (sys) => {
      for (const a of actions(sys, 'vmx_vcpu_pi_load: nv != POSTED_INTR_WAKEUP_VECTOR: if (pi_test_and_clear_sn')) a.run = () => {};
    });
    const r = check(m, properties, { variant: 'eevdf', property: ['pi-sn-clear-before-blocking'] });
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
    const r = check(m, properties, { variant: 'eevdf', params: { freezer: true }, property: ['frozen-task-not-scheduled'] });
    expect(r.status).toBe('violated');
  });
});
