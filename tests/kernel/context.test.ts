// The execution context (src/kernel/context.ts): preemption pins a task to the CPU it runs on,
// interrupts off, system calls, and the stop_machine and freezer gates declared once for the
// model. A small system (two tasks taking a spinlock inside a system call on two CPUs, a
// stop_machine caller, the freezer) checked with and without the gates: with them stop_machine
// and the freezer mean what they mean in the kernel (the invariants hold), without them the
// same invariants fail, so the gates are what makes them hold. The task contexts kept in the
// threads' locals give the same state space as kept in a global array, the reference explorer
// agrees, and the CPU symmetry declaration is an automorphism.

import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/check.js';
import type { CheckResult } from '../../src/engine/result.js';
import { compileModel } from '../../src/model/compile.js';
import {
  boolParam, defineModel, END, spawn, step, thread, threadKind, type LocationDef, type StepEnv, type System, type ThreadDef,
} from '../../src/model/index.js';
import {
  canRunOn, contextRef, contextSymmetry, cpuContext, freezerGate, hasCpu, needsCpuGate, onSomeCpu, othersNonPreemptible, preempt_disable,
  preempt_enable, preemptible, local_irq_disable, local_irq_enable, irqsDisabled, stop_machine_begin, stop_machine_end, stopMachineGate,
  stopMachineMayStart, syscall_enter, syscall_exit, taskContext, tasksOutOfKernel, tasksInKernel, PREEMPT_UNBALANCED, spin_lock_irq_context, spin_unlock_irq_context,
  type ContextRef, type CpuContext, type TaskContext,
} from '../../src/kernel/index.js';
import { assertion, deadlockFree, invariant, type Property } from '../../src/property/index.js';
import { expectAgreement } from '../oracle/compare.js';
import { checkAutomorphism } from '../engine/reduction/automorphism.js';

type S = { ctx: CpuContext; holder: number; count: number; frozen: boolean; tasks: TaskContext[] };
type L = { task: TaskContext };
const CPUS = [0, 1];

/** The system; `where` says where the task contexts live (the threads' locals, or `tasks[self]`). */
const system = (where: 'locals' | 'globals', symmetric = false) =>
  defineModel({
    name: `context-${where}`,
    doc: 'two tasks taking a spinlock in a system call, stop_machine, the freezer',
    params: { gates: boolParam(true, 'declare the stop_machine and freezer gates') },
    variants: { only: '' },
    build({ params }): System<S> {
      const ref: ContextRef<S, L> =
        where === 'locals' ? contextRef<S, L>((s) => s.ctx, (l) => l.task) : { cpu: (s) => s.ctx, task: (s, env) => s.tasks[env.self]!, tasks: (s) => s.tasks };
      const task = (env: StepEnv<L>, d: { tasks: TaskContext[] }) => (where === 'locals' ? env.local.task : d.tasks[env.self]!);
      const taskProgram: LocationDef<S, L>[] = [
        step('enter', 'sys_foo: system call entry', { run: (d, env) => syscall_enter(task(env, d), env) }),
        onSomeCpu<S, L>('lock', ref, CPUS, (c) => ({
          label: 'sys_foo: spin_lock(&L)',
          guard: (s) => s.holder < 0,
          run: (d, env) => {
            preempt_disable(d.ctx, task(env, d), env, c);
            d.holder = env.self;
          },
        })),
        step('inc', 'sys_foo: count++', { run: (d) => void (d.count += 1) }),
        step('unlock', 'sys_foo: spin_unlock(&L)', {
          run: (d, env) => {
            d.holder = -1;
            preempt_enable(d.ctx, task(env, d), env);
          },
        }),
        step('exit', 'sys_foo: return to user mode', { run: (d, env) => syscall_exit(task(env, d), env), next: END }),
      ];
      const stopperProgram: LocationDef<S, L>[] = [
        onSomeCpu<S, L>('stop', ref, CPUS, (c) => ({
          label: '_cpu_down: stop_machine(take_cpu_down)',
          guard: (s, env) => stopMachineMayStart(s.ctx, env.self),
          run: (d, env) => stop_machine_begin(d.ctx, task(env, d), env, c),
        })),
        step('work', 'take_cpu_down: __cpu_disable()'),
        step('end', '_cpu_down: stop_machine returns', { run: (d, env) => stop_machine_end(d.ctx, task(env, d), env) }),
      ];
      const freezerProgram: LocationDef<S, L>[] = [
        step('freeze', 'freeze_processes()', { guard: (s, env) => tasksOutOfKernel(ref.tasks(s, env)), blockedOn: () => 'every task to leave the kernel', run: (d) => void (d.frozen = true) }),
        step('thaw', 'thaw_processes()', { run: (d) => void (d.frozen = false) }),
      ];
      const names = ['task0', 'task1', 'stopper', 'freezer'];
      let threads: ThreadDef<S, any>[];
      if (where === 'locals') {
        const taskKind = threadKind<S, L>('task', { task: taskContext() }, taskProgram);
        threads = [
          spawn(taskKind, 'task0'),
          spawn(taskKind, 'task1'),
          thread<S, L>('stopper', stopperProgram, { locals: { task: taskContext() } }),
          thread<S, L>('freezer', freezerProgram, { locals: { task: taskContext() } }),
        ];
      } else {
        threads = names.map((n, i) => ({ ...thread<S, L>(n, i < 2 ? taskProgram : i === 2 ? stopperProgram : freezerProgram), ...(i < 2 ? { kind: 'task' } : {}) }));
      }
      return {
        init: { ctx: cpuContext(CPUS.length), holder: -1, count: 0, frozen: false, tasks: names.map(() => taskContext()) },
        threads,
        ...(params.gates
          ? { gates: [stopMachineGate<S>((s) => s.ctx), freezerGate<S>((s) => s.frozen, (_env, a) => a.kind === 'task')] }
          : {}),
        ...(symmetric ? { symmetry: [{ name: 'CPUs', members: CPUS, ...contextSymmetry('ctx', where === 'locals' ? 'task' : undefined) }] } : {}),
      };
    },
  });

const props: Property<S>[] = [
  invariant<S>('stop-machine-exclusive', 'while stop_machine runs, no other CPU is inside a non-preemptible section', (s) =>
    s.vars.ctx.stopper < 0 || othersNonPreemptible(s.vars.ctx, s.vars.ctx.stopper).length === 0,
  ),
  invariant<S>('frozen-out-of-kernel', 'while tasks are frozen, none is inside a system call', (s) => !s.vars.frozen || s.threads.every((t, i) => !(s.local<Partial<L>>(t).task ?? s.vars.tasks[i]!).in_syscall)),
  invariant<S>('both-counted', 'both increments count', (s) => !(s.ended(0) && s.ended(1)) || s.vars.count === 2),
  assertion('preempt-balanced', 'preempt_enable() matches a preempt_disable()', PREEMPT_UNBALANCED),
  deadlockFree(),
];

function verdicts(r: CheckResult): Record<string, string> {
  if (r.status === 'error') throw new Error(r.message);
  return Object.fromEntries(r.properties.map((p) => [p.name, p.status]));
}

describe('execution context', () => {
  it('with the gates, stop_machine and the freezer exclude what they exclude in the kernel', () => {
    const r = check(system('locals'), props);
    expect(verdicts(r)).toEqual({
      'stop-machine-exclusive': 'holds',
      'frozen-out-of-kernel': 'holds',
      'both-counted': 'holds',
      'preempt-balanced': 'holds',
      deadlock: 'holds',
      livelock: 'holds',
    });
    // The gates are part of every guard, so the reductions see their reads: same verdicts.
    expect(verdicts(check(system('locals'), props, { por: true }))).toEqual(verdicts(r));
    expect(verdicts(check(system('locals'), props, { params: { gates: false }, por: true }))).toEqual(
      verdicts(check(system('locals'), props, { params: { gates: false } })),
    );
  });

  it('without them the same invariants fail (the gates are what makes them hold)', () => {
    const v = verdicts(check(system('locals'), props, { params: { gates: false } }));
    expect(v['stop-machine-exclusive']).toBe('violated');
    expect(v['frozen-out-of-kernel']).toBe('violated');
    expect(v['both-counted']).toBe('holds');
  });

  it('task contexts in the locals give the same state space as in a global array', () => {
    for (const gates of [true, false]) {
      const a = check(system('locals'), props, { params: { gates } });
      const b = check(system('globals'), props, { params: { gates } });
      if (a.status === 'error' || b.status === 'error') throw new Error('unexpected error');
      expect([a.stats.states, a.stats.transitions, verdicts(a)]).toEqual([b.stats.states, b.stats.transitions, verdicts(b)]);
    }
  });

  it('the reference explorer agrees (gates and locals interpreted on its own)', () => {
    for (const gates of [true, false]) expectAgreement(system('locals'), props, { params: { gates } });
  });

  it('a deadlock report names the gate that holds a thread back', () => {
    // The stopper never ends stop_machine: the tasks wait for it, and the report says so.
    const stuck = defineModel({
      ...system('locals'),
      build(ctx) {
        const sys = system('locals').build(ctx);
        const stopper = sys.threads.find((t) => t.name === 'stopper')!;
        return { ...sys, threads: [...sys.threads.filter((t) => t !== stopper), { ...stopper, program: stopper.program.slice(0, 2).map((l) => ({ ...l, end: false })) }] };
      },
    });
    const m = compileModel(stuck);
    const r = check(stuck, [deadlockFree()]);
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    const v = r.violations[0]!;
    expect(v.property).toBe('deadlock');
    let state = m.init;
    const acts: ReturnType<typeof m.allActions.slice> = [];
    for (const choice of v.path) {
      m.enabled(state, acts);
      const next = new Int32Array(m.width);
      m.apply(state, acts[choice]!, next);
      state = next;
    }
    const waits = m.blocked(state).map((b) => `${b.thread}: ${b.waitsFor}`);
    expect(waits.some((w) => /^task\d: stop_machine \(run by stopper\)/.test(w))).toBe(true);
  });

  it('the CPU symmetry declaration (contextSymmetry) is an automorphism, with task CPUs in the locals renamed', () => {
    const auto = checkAutomorphism(system('locals', true), props);
    expect(auto.problem).toBeUndefined();
    const plain = check(system('locals'), props);
    const sym = check(system('locals', true), props, { symmetry: true });
    if (plain.status === 'error' || sym.status === 'error') throw new Error('unexpected error');
    expect(verdicts(sym)).toEqual(verdicts(plain));
    expect(sym.stats.states).toBeLessThan(plain.stats.states);
  });
});

describe('context operations', () => {
  const env = (self: number, fired: string[] = []): StepEnv<{}> => ({
    thread: `t${self}`,
    self,
    threadNames: ['t0', 't1'],
    local: {},
    warnOn: () => undefined,
    bugOn: (cond, tag) => {
      if (cond) {
        fired.push(tag);
        throw new Error(tag);
      }
    },
  });

  it('preempt_disable pins the task to its CPU until preemptible again; nesting counts', () => {
    const ctx = cpuContext(2);
    const t = taskContext();
    expect(canRunOn(ctx, t, 1)).toBe(true);
    preempt_disable(ctx, t, env(0), 1);
    preempt_disable(ctx, t, env(0), 1);
    expect([ctx.owner, t.cpu, t.preempt_count, preemptible(ctx, t)]).toEqual([[-1, 0], 1, 2, false]);
    expect(canRunOn(ctx, t, 0)).toBe(false); // pinned to cpu1
    expect(canRunOn(ctx, taskContext(), 1)).toBe(false); // occupied
    expect(() => preempt_disable(ctx, t, env(0), 0)).toThrow(/pinned to cpu1/);
    preempt_enable(ctx, t, env(0));
    expect(ctx.owner).toEqual([-1, 0]);
    preempt_enable(ctx, t, env(0));
    expect([ctx.owner, t.cpu, preemptible(ctx, t)]).toEqual([[-1, -1], -1, true]);
    const fired: string[] = [];
    expect(() => preempt_enable(ctx, t, env(0, fired))).toThrow();
    expect(fired).toEqual([PREEMPT_UNBALANCED]);
  });

  it('interrupts off also pin; the CPU is released when both are back', () => {
    const ctx = cpuContext(2);
    const t = taskContext();
    local_irq_disable(ctx, t, env(1), 0);
    preempt_disable(ctx, t, env(1), 0);
    expect([irqsDisabled(ctx, t), ctx.owner[0]]).toEqual([true, 1]);
    local_irq_enable(ctx, t);
    expect([irqsDisabled(ctx, t), ctx.owner[0], t.cpu]).toEqual([false, 1, 0]);
    preempt_enable(ctx, t, env(1));
    expect([ctx.owner[0], t.cpu]).toEqual([-1, -1]);
  });

  it('spin_lock_irq pins with interrupts and preemption off; spin_unlock_irq releases both', () => {
    const ctx = cpuContext(2);
    const t = taskContext();
    spin_lock_irq_context(ctx, t, env(1), 1);
    expect([ctx.owner, ctx.irqs_off, t.cpu, t.preempt_count, preemptible(ctx, t)]).toEqual([[-1, 1], [false, true], 1, 1, false]);
    spin_unlock_irq_context(ctx, t, env(1));
    expect([ctx.owner, ctx.irqs_off, t.cpu, t.preempt_count, preemptible(ctx, t)]).toEqual([[-1, -1], [false, false], -1, 0, true]);
    const fired: string[] = [];
    expect(() => spin_unlock_irq_context(ctx, t, env(1, fired))).toThrow();
    expect(fired).toEqual([PREEMPT_UNBALANCED]);
  });

  it('offline or occupied CPUs cannot be picked; hasCpu says whether a task can run at all', () => {
    const ctx = cpuContext(2, [true, false]);
    const a = taskContext();
    expect(canRunOn(ctx, a, 1)).toBe(false);
    expect(() => preempt_disable(ctx, a, env(0), 1)).toThrow(/offline or occupied/);
    preempt_disable(ctx, a, env(0), 0);
    const b = taskContext();
    expect([hasCpu(ctx, a), hasCpu(ctx, b)]).toEqual([true, false]);
    const gate = needsCpuGate<{ ctx: CpuContext; t: TaskContext[] }>({ cpu: (s) => s.ctx, task: (s, e) => s.t[e.self]!, tasks: (s) => s.t }, () => true);
    const info = { id: 'x', label: 'x', tags: [], kind: undefined };
    expect(gate.allows({ ctx, t: [a, b] }, env(0), info)).toBe(true);
    expect(gate.allows({ ctx, t: [a, b] }, env(1), info)).toBe(false);
  });

  it('stop_machine starts only when no other CPU is non-preemptible, and only its caller runs meanwhile', () => {
    const ctx = cpuContext(2);
    const worker = taskContext();
    const stopper = taskContext();
    preempt_disable(ctx, worker, env(0), 0);
    expect(stopMachineMayStart(ctx, 1)).toBe(false);
    expect(() => stop_machine_begin(ctx, stopper, env(1), 1)).toThrow(/non-preemptible/);
    preempt_enable(ctx, worker, env(0));
    stop_machine_begin(ctx, stopper, env(1), 1);
    const gate = stopMachineGate<{ ctx: CpuContext }>((s) => s.ctx);
    const info = { id: 'x', label: 'x', tags: [], kind: undefined };
    expect([gate.allows({ ctx }, env(0), info), gate.allows({ ctx }, env(1), info)]).toEqual([false, true]);
    expect(canRunOn(ctx, worker, 0)).toBe(true); // the gate, not canRunOn, stops the other CPUs
    expect(canRunOn(ctx, worker, 1)).toBe(false); // the stopper's own CPU
    stop_machine_end(ctx, stopper, env(1));
    expect([ctx.stopper, ctx.owner, ctx.irqs_off]).toEqual([-1, [-1, -1], [false, false]]);
  });

  it('system calls are per task; the freezer looks at every task', () => {
    const [t, u] = [taskContext(), taskContext()];
    syscall_enter(t, env(0));
    expect([tasksOutOfKernel([t, u]), tasksInKernel([t, u])]).toEqual([false, 1]);
    expect(u.in_syscall).toBe(false);
    syscall_exit(t, env(0));
    expect([tasksOutOfKernel([t, u]), tasksInKernel([t, u])]).toEqual([true, 0]);
    expect(() => syscall_exit(t, env(0))).toThrow();
  });
});
