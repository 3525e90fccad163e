// The execution context: which CPU a task runs on, preemption, interrupts, system calls, and the
// global conditions built on them (stop_machine, the freezer). One primitive owns all of it, so a
// model no longer keeps `busy`, `irqs_off` and `in_kernel` by hand at every lock and unlock.
//
// Two parts, as in the kernel:
//   - CpuContext, global (one per system): per CPU whether it is online, which thread runs there
//     non-preemptibly (`owner`) and whether its interrupts are off; the stop_machine stopper.
//   - TaskContext, one per thread: its preempt_count, the CPU it is pinned to while
//     non-preemptible, and whether it is inside a system call (per task, as in the kernel: no
//     counter of tasks in the kernel exists there; the freezer looks at each task in turn, so a
//     task's system-call entry and exit write only its own state). It belongs in the thread's locals
//     (`threadKind(..., { task: taskContext() }, ...)`, read as `env.local.task`), where it moves
//     with the thread under symmetry; a model without locals may keep it in a per-thread array.
//
// What "runs on a free CPU" means here: preemptible code runs wherever the scheduler puts it, so
// the model does not track it; the CPU matters when the task becomes non-preemptible
// (preempt_disable, spin_lock, local_irq_disable), and from then on until it is preemptible
// again it occupies that CPU: nobody else can become non-preemptible there, stop_machine cannot
// start, an IPI to it waits if its interrupts are off. `onSomeCpu` makes that pick a choice, one
// action per CPU the task can run on. With `needsCpuGate` a task's steps also need a CPU to run on
// (its own, or a free online one): with every CPU occupied or offline, tasks wait.
//
// Global conditions are gates (System.gates, src/model/types.ts), declared once:
//   - stopMachineGate: while stop_machine runs, every other CPU spins in multi_cpu_stop() with
//     interrupts off, so no other thread takes a step; stop_machine starts only when no other
//     CPU is inside a non-preemptible section (stopMachineMayStart).
//   - freezerGate: while the system is frozen, a freezable task takes no step (it sits in the
//     refrigerator); freeze_processes() completes only when no task is inside a system call
//     (tasksOutOfKernel, which reads every task's context: ContextRef.tasks), since a task
//     freezes on its way out of the kernel.

import type { Draft, Gate, GatedAction, LocationDef, ActionDef, StepEnv, SymmetryDef } from '../model/index.js';
import { localsOf } from '../model/locals.js';
import { declareStraight } from '../model/straight.js';

export type CpuContext = {
  /** cpu_online_mask: tasks run only on online CPUs. */
  online: boolean[];
  /** Per CPU: the thread running there non-preemptibly (preemption or interrupts off), or -1. */
  owner: number[];
  /** Per CPU: interrupts disabled. */
  irqs_off: boolean[];
  /** The thread running stop_machine (every other CPU spins with interrupts off), or -1. */
  stopper: number;
};

export type TaskContext = {
  /** preempt_count(): preempt_disable depth (spin_lock included). */
  preempt_count: number;
  /** The CPU the task is pinned to while non-preemptible, or -1. */
  cpu: number;
  /** Between the kernel entry and the exit to user mode. */
  in_syscall: boolean;
};

/** `cpus` CPUs, all online (or as `online` says), all free, interrupts on. */
export function cpuContext(cpus: number, online?: readonly boolean[]): CpuContext {
  return {
    online: Array.from({ length: cpus }, (_, c) => online?.[c] ?? true),
    owner: Array.from({ length: cpus }, () => -1),
    irqs_off: Array.from({ length: cpus }, () => false),
    stopper: -1,
  };
}

/** A task in user mode, preemptible, on no particular CPU. */
export function taskContext(): TaskContext {
  return { preempt_count: 0, cpu: -1, in_syscall: false };
}

/** Where a model keeps the context: the global part, and a thread's task part. */
export interface ContextRef<S, L extends object = any> {
  cpu(state: S | Draft<S>): CpuContext;
  task(state: S | Draft<S>, env: StepEnv<L>): TaskContext;
  /** Every task's context (the freezer's look at each task), by thread; a thread that is no task (has none) is absent. */
  tasks(state: S | Draft<S>, env: StepEnv<any>): Iterable<Readonly<TaskContext>>;
  /** freeze_processes() may complete: tasksOutOfKernel(tasks(state, env)), as a guard the step compiler takes (contextRef's has it). */
  outOfKernel?: (state: S, env: StepEnv<any>) => boolean;
}

/**
 * The context at `cpu(s)`, task parts in the thread's locals at `task(local)` (which returns
 * undefined for a thread whose locals hold none: it is no task).
 */
export function contextRef<S, L extends object>(cpu: (s: S) => CpuContext, task: (local: L) => TaskContext | undefined): ContextRef<S, L> {
  const taskOf = (_s: S | Draft<S>, env: StepEnv<L>): TaskContext => {
    const t = task(env.local);
    if (t === undefined) throw new Error(`thread ${env.threadNames[env.self]} has no task context in its locals`);
    return t;
  };
  // The step compiler's form: where the thread's locals hold no task context, `task` returns
  // undefined, which the compiler cannot treat as a part of the state, so it keeps the general path.
  declareStraight(taskOf, { fn: (_s: unknown, env: StepEnv<L>) => task(env.local), bind: { task } });
  function* tasks(s: S | Draft<S>, env: StepEnv<any>): Iterable<Readonly<TaskContext>> {
    for (const name of env.threadNames) {
      const t = task(localsOf(s, name) as L);
      if (t !== undefined) yield t;
    }
  }
  const outOfKernel = (s: S, env: StepEnv<any>): boolean => tasksOutOfKernel(tasks(s, env));
  // Its straight form: the generator's loop over the threads unrolled (env.threadNames.every), a
  // thread whose locals hold no task context (undefined: `?.` gives undefined, `!` true) skipped
  // as the generator skips it; `t.in_syscall` tested for truth as tasksOutOfKernel tests it.
  declareStraight(outOfKernel, {
    fn: (s: S, env: StepEnv<any>) => env.threadNames.every((name) => !task(localsOf(s, name) as L)?.in_syscall),
    bind: { task, localsOf },
  });
  return { cpu: cpu as ContextRef<S, L>['cpu'], task: taskOf, tasks, outOfKernel };
}

// ---- queries ------------------------------------------------------------------------------

/**
 * Can this task run non-preemptibly on `c`: its own CPU, or (unpinned) an online CPU nobody
 * occupies. (stop_machine's hold on the other CPUs is its gate's, stopMachineGate: without the
 * gate, stop_machine stops only its own CPU.)
 */
export function canRunOn(ctx: Readonly<CpuContext>, task: Readonly<TaskContext>, c: number): boolean {
  if (task.cpu >= 0) return task.cpu === c;
  return ctx.online[c] === true && ctx.owner[c]! < 0;
}

/** Does the task have a CPU to run on: its own, or a free online one? */
export function hasCpu(ctx: Readonly<CpuContext>, task: Readonly<TaskContext>): boolean {
  if (task.cpu >= 0) return true;
  for (let c = 0; c < ctx.online.length; c++) if (ctx.online[c] && ctx.owner[c]! < 0) return true;
  return false;
}

/** preemptible(): preempt_count() == 0 && !irqs_disabled(). */
export function preemptible(ctx: Readonly<CpuContext>, task: Readonly<TaskContext>): boolean {
  return task.preempt_count === 0 && (task.cpu < 0 || !ctx.irqs_off[task.cpu]);
}

/** irqs_disabled() on the task's CPU. */
export function irqsDisabled(ctx: Readonly<CpuContext>, task: Readonly<TaskContext>): boolean {
  return task.cpu >= 0 && ctx.irqs_off[task.cpu] === true;
}

/** Is some other thread inside a non-preemptible section on an online CPU? (stop_machine waits for it.) */
export function othersNonPreemptible(ctx: Readonly<CpuContext>, self: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < ctx.owner.length; c++) if (ctx.online[c] && ctx.owner[c]! >= 0 && ctx.owner[c] !== self) out.push(c);
  return out;
}

/** stop_machine may start: no other CPU is inside a non-preemptible section, nobody else stops the machine. */
export function stopMachineMayStart(ctx: Readonly<CpuContext>, self: number): boolean {
  if (ctx.stopper >= 0) return false;
  // othersNonPreemptible(ctx, self) is empty (written out: the step compiler takes this form).
  for (let c = 0; c < ctx.owner.length; c++) if (ctx.online[c] && ctx.owner[c]! >= 0 && ctx.owner[c] !== self) return false;
  return true;
}

/** freeze_processes() may complete: no task is inside a system call (`tasks`: every task's context, ContextRef.tasks). */
export function tasksOutOfKernel(tasks: Iterable<Readonly<TaskContext>>): boolean {
  for (const t of tasks) if (t.in_syscall) return false;
  return true;
}

/** How many of `tasks` are inside a system call (for messages). */
export function tasksInKernel(tasks: Iterable<Readonly<TaskContext>>): number {
  let n = 0;
  for (const t of tasks) if (t.in_syscall) n++;
  return n;
}

// ---- updates (call inside a recipe) -------------------------------------------------------

function pin(ctx: CpuContext, task: TaskContext, self: number, c: number, what: string): void {
  if (task.cpu >= 0) {
    if (task.cpu !== c) throw new Error(`${what} on cpu${c}, but the task is pinned to cpu${task.cpu}`);
    return;
  }
  if (!canRunOn(ctx, task, c)) throw new Error(`${what} on cpu${c}, which is offline or occupied (guard the step with canRunOn)`);
  ctx.owner[c] = self;
  task.cpu = c;
}

function unpinIfPreemptible(ctx: CpuContext, task: TaskContext): void {
  if (task.cpu >= 0 && task.preempt_count === 0 && !ctx.irqs_off[task.cpu]) {
    ctx.owner[task.cpu] = -1;
    task.cpu = -1;
  }
}

/** preempt_disable() by a task running on `c` (pinned there from now on). */
export function preempt_disable(ctx: CpuContext, task: TaskContext, env: StepEnv<any>, c: number): void {
  pin(ctx, task, env.self, c, 'preempt_disable()');
  task.preempt_count += 1;
}

/** preempt_enable(): an unbalanced one is a BUG (the tag 'preempt_enable() unbalanced'). */
export function preempt_enable(ctx: CpuContext, task: TaskContext, env: StepEnv<any>): void {
  env.bugOn(task.preempt_count === 0, PREEMPT_UNBALANCED);
  task.preempt_count -= 1;
  unpinIfPreemptible(ctx, task);
}

/** local_irq_disable() by a task running on `c`. */
export function local_irq_disable(ctx: CpuContext, task: TaskContext, env: StepEnv<any>, c: number): void {
  pin(ctx, task, env.self, c, 'local_irq_disable()');
  ctx.irqs_off[c] = true;
}

/** local_irq_enable(). */
export function local_irq_enable(ctx: CpuContext, task: TaskContext): void {
  if (task.cpu < 0) return;
  ctx.irqs_off[task.cpu] = false;
  unpinIfPreemptible(ctx, task);
}

/** spin_lock_irq()'s part in the context (the lock itself is the lock helper's): local_irq_disable(), then preempt_disable(), on `c`. */
export function spin_lock_irq_context(ctx: CpuContext, task: TaskContext, env: StepEnv<any>, c: number): void {
  local_irq_disable(ctx, task, env, c);
  preempt_disable(ctx, task, env, c);
}

/** spin_unlock_irq()'s part: preempt_enable() and local_irq_enable(); the task is preemptible again. */
export function spin_unlock_irq_context(ctx: CpuContext, task: TaskContext, env: StepEnv<any>): void {
  preempt_enable(ctx, task, env);
  local_irq_enable(ctx, task);
}

/** The task enters the kernel (a system call): its own state only. */
export function syscall_enter(task: TaskContext, env: StepEnv<any>): void {
  env.bugOn(task.in_syscall, SYSCALL_UNBALANCED);
  task.in_syscall = true;
}

/** The task returns to user mode. */
export function syscall_exit(task: TaskContext, env: StepEnv<any>): void {
  env.bugOn(!task.in_syscall, SYSCALL_UNBALANCED);
  task.in_syscall = false;
}

/** stop_machine() begins: the stopper runs on `c` with interrupts off; every other CPU spins (stopMachineGate). */
export function stop_machine_begin(ctx: CpuContext, task: TaskContext, env: StepEnv<any>, c: number): void {
  if (!stopMachineMayStart(ctx, env.self)) throw new Error('stop_machine() started while another CPU is non-preemptible (guard the step with stopMachineMayStart)');
  local_irq_disable(ctx, task, env, c);
  ctx.stopper = env.self;
}

/** stop_machine() returns: every CPU runs again. */
export function stop_machine_end(ctx: CpuContext, task: TaskContext, env: StepEnv<any>): void {
  env.bugOn(ctx.stopper !== env.self, STOP_MACHINE_UNBALANCED);
  ctx.stopper = -1;
  local_irq_enable(ctx, task);
}

/**
 * start_secondary(): a CPU being brought up runs its boot path (and, up to v6.2, the
 * CPU_STARTING notifiers) with interrupts off *before* it is in cpu_online_mask. The thread that
 * models that code runs there, pinned, though the CPU is not online yet; `set_cpu_online(ctx, c,
 * true)` and `local_irq_enable` follow.
 */
export function start_secondary(ctx: CpuContext, task: TaskContext, env: StepEnv<any>, c: number): void {
  if (ctx.online[c]) throw new Error(`start_secondary() on cpu${c}, which is online`);
  if (ctx.owner[c]! >= 0 || task.cpu >= 0) throw new Error(`start_secondary() on cpu${c}: the CPU or the task is already taken`);
  ctx.owner[c] = env.self;
  task.cpu = c;
  ctx.irqs_off[c] = true;
}

/** set_cpu_online(cpu, online): cpu_online_mask. */
export function set_cpu_online(ctx: CpuContext, c: number, online: boolean): void {
  ctx.online[c] = online;
}

/** Tags of the BUG_ONs these functions raise (declare them as assertions in the properties). */
export const PREEMPT_UNBALANCED = 'preempt_enable() unbalanced';
export const SYSCALL_UNBALANCED = 'system call entry/exit unbalanced';
export const STOP_MACHINE_UNBALANCED = 'stop_machine() ended by another thread';

// The step compiler's forms of the updates (straight.ts): each is its own form, with the
// functions and tags it reads bound. A `throw` (misuse: a CPU taken, a task pinned elsewhere)
// compiles to a bail: the general path runs the step and raises the error; a BUG_ON that fires
// bails too, one that does not is heard.
declareStraight(canRunOn, { fn: canRunOn });
declareStraight(hasCpu, { fn: hasCpu });
declareStraight(preemptible, { fn: preemptible });
declareStraight(irqsDisabled, { fn: irqsDisabled });
declareStraight(stopMachineMayStart, { fn: stopMachineMayStart });
declareStraight(pin, { fn: pin, bind: { canRunOn } });
declareStraight(unpinIfPreemptible, { fn: unpinIfPreemptible });
declareStraight(preempt_disable, { fn: preempt_disable, bind: { pin } });
declareStraight(preempt_enable, { fn: preempt_enable, bind: { PREEMPT_UNBALANCED, unpinIfPreemptible } });
declareStraight(local_irq_disable, { fn: local_irq_disable, bind: { pin } });
declareStraight(local_irq_enable, { fn: local_irq_enable, bind: { unpinIfPreemptible } });
declareStraight(spin_lock_irq_context, { fn: spin_lock_irq_context, bind: { local_irq_disable, preempt_disable } });
declareStraight(spin_unlock_irq_context, { fn: spin_unlock_irq_context, bind: { preempt_enable, local_irq_enable } });
declareStraight(syscall_enter, { fn: syscall_enter, bind: { SYSCALL_UNBALANCED } });
declareStraight(syscall_exit, { fn: syscall_exit, bind: { SYSCALL_UNBALANCED } });
declareStraight(stop_machine_begin, { fn: stop_machine_begin, bind: { stopMachineMayStart, local_irq_disable } });
declareStraight(stop_machine_end, { fn: stop_machine_end, bind: { STOP_MACHINE_UNBALANCED, local_irq_enable } });
declareStraight(start_secondary, { fn: start_secondary });
declareStraight(set_cpu_online, { fn: set_cpu_online });

// ---- step builders --------------------------------------------------------------------------

/**
 * A non-preemptible section begins on whichever CPU the task runs on: one action per CPU `c` of
 * `cpus` where it can (canRunOn), labelled `… [on cpuN]`, its guard `canRunOn && o.guard`. A task
 * already pinned has exactly one such action (its own CPU). `make(c)` gives the rest of the action
 * (its label, run, next…); its run gets `c`.
 */
export function onSomeCpu<S, L extends object>(
  id: string,
  ref: ContextRef<S, L>,
  cpus: readonly number[],
  make: (c: number) => ActionDef<S, L>,
): LocationDef<S, L> {
  return {
    id,
    actions: cpus.map((c): ActionDef<S, L> => {
      const a = make(c);
      const own = a.guard;
      // Each guard is its own straight form, with the names it reads from here bound.
      const { cpu, task } = ref;
      const bind = { canRunOn, cpu, task, c, own };
      const on = (s: S, env: StepEnv<L>) => canRunOn(cpu(s), task(s, env), c);
      const onAnd = (s: S, env: StepEnv<L>) => canRunOn(cpu(s), task(s, env), c) && own!(s, env);
      return {
        ...a,
        label: `${a.label} [on cpu${c}]`,
        guard: own ? declareStraight(onAnd, { fn: onAnd, bind }) : declareStraight(on, { fn: on, bind }),
        blockedOn: (s, env) =>
          canRunOn(ref.cpu(s), ref.task(s, env), c)
            ? (a.blockedOn?.(s, env) ?? 'its guard to hold')
            : `cpu${c} to be online and free${ref.cpu(s).owner[c]! >= 0 ? ` (${env.threadNames[ref.cpu(s).owner[c]!]} runs there)` : ''}`,
      };
    }),
  };
}

// ---- gates --------------------------------------------------------------------------------

/** While stop_machine runs, only the stopper takes steps (every other CPU spins with interrupts off). */
export function stopMachineGate<S>(cpu: (s: S) => CpuContext): Gate<S> {
  const allows = (s: S, env: StepEnv<any>): boolean => {
    const stopper = cpu(s).stopper;
    return stopper < 0 || stopper === env.self;
  };
  declareStraight(allows, { fn: allows, bind: { cpu } });
  return {
    name: (s, env) => `stop_machine (run by ${env.threadNames[cpu(s).stopper] ?? '?'}): every CPU spins with interrupts off`,
    allows,
    forAction: () => allows,
  };
}

/** While `frozen(s)`, a freezable thread (`freezable(env, action)`) takes no step: it is in the refrigerator. */
export function freezerGate<S>(frozen: (s: S) => boolean, freezable: (env: StepEnv<any>, action: GatedAction) => boolean): Gate<S> {
  const thawed = (s: S): boolean => !frozen(s);
  declareStraight(thawed, { fn: thawed, bind: { frozen } });
  return {
    name: 'the freezer (tasks are frozen)',
    // Whether the thread is freezable first: a thread that is not never reads `frozen`, so
    // partial-order reduction does not see it depend on the freezer's steps.
    allows: (s, env, action) => !freezable(env, action) || !frozen(s),
    // `freezable` is decided by the thread and the action (it throws if it reads env.local).
    forAction: (env, action) => (freezable(env, action) ? thawed : true),
  };
}

/** A task's steps need a CPU: its own, or a free online one (`isTask` says which threads are tasks). */
export function needsCpuGate<S>(ref: ContextRef<S>, isTask: (env: StepEnv<any>, action: GatedAction) => boolean): Gate<S> {
  const { cpu, task } = ref;
  const test = (s: S, env: StepEnv<any>): boolean => hasCpu(cpu(s), task(s, env));
  declareStraight(test, { fn: test, bind: { hasCpu, cpu, task } });
  return {
    name: 'a free online CPU to run on',
    allows: (s, env, action) => !isTask(env, action) || hasCpu(ref.cpu(s), ref.task(s, env)),
    forAction: (env, action) => (isTask(env, action) ? test : true),
  };
}

// ---- symmetry -----------------------------------------------------------------------------

/**
 * What a symmetry declaration over CPUs must say about a CpuContext at `path` and task contexts
 * in the locals at `taskPath` (merge into the SymmetryDef): the per-CPU arrays are indexed by
 * CPU, `owner` and `stopper` hold thread indices, a task's `cpu` a CPU.
 */
export function contextSymmetry(path: string, taskPath?: string): Pick<SymmetryDef, 'indexed' | 'threadValues' | 'localMemberValues'> {
  return {
    indexed: [`${path}.online`, `${path}.owner`, `${path}.irqs_off`],
    threadValues: [`${path}.owner`, `${path}.stopper`],
    ...(taskPath !== undefined ? { localMemberValues: [`${taskPath}.cpu`] } : {}),
  };
}
