// on_each_cpu(func, info, wait=1) and the IPI handler that runs cross-calls, in the form a
// property that asks "which function runs, and where?" needs:
//
//   - every step that runs `func` carries `func`'s C name as its `fn` (the IPI handler of
//     on-each-cpu.ts labels its steps generic_smp_call_function_single_interrupt, so a
//     lockdep-style property on `func` would not see the calls made from IPIs);
//   - `func` may have several outcomes, each a separate action (a hardware enable that succeeds
//     or fails), so the nondeterminism sits where the hardware answers;
//   - the order of the local call: on_each_cpu() long was `smp_call_function(func, info, 1)`
//     (send, and wait for every other online CPU), then `func` locally with interrupts off
//     ('remote-first', e.g. 2.6.37 and 4.x); since Nadav Amit's "smp: Run functions concurrently
//     in smp_call_function_many_cond()" (2021) the IPIs are sent, `func` runs locally, then the
//     caller waits ('local-first', the order of on-each-cpu.ts).
//
// The CPU a call runs on is known when the program is written (a CPU's own boot path) or only
// when it runs: the CPU the calling task is pinned to (`env.local.task.cpu`), an IPI handler's
// own CPU (its local `cpu`). `CpuOf` is either, so one program serves every CPU (threadKind):
// the program's labels then name no CPU, the thread's locals say where it runs.
//
// The state is the CrossCalls of on-each-cpu.ts: `pending[sender][cpu]` is the id of the
// function `sender` queued for `cpu`, or 0. The targets are cpu_online_mask at the time of the
// send; a target runs the call in its IPI handler when the model says it can take the interrupt.

import type { ActionDef, Draft, LocationDef, StepEnv } from '../model/index.js';
import { declareStraight, threadKind, type ThreadKind } from '../model/index.js';
import type { CrossCalls } from './on-each-cpu.js';

/** One possible outcome of a cross-call function on a CPU. */
export interface CpuCallOutcome<S> {
  /** The C statements this outcome executes, for the label (after `name: `). */
  what: string;
  /** Whether this outcome is possible in this state on this CPU (pure). Default: always. */
  when?: (s: S, cpu: number) => boolean;
  run?: (d: Draft<S>, cpu: number, env: StepEnv<any>) => void;
}

/** A function run on a CPU (by on_each_cpu, an IPI, or called directly), with its outcomes. */
export interface CpuCall<S> {
  /** Non-zero id, unique in the model (what `pending` holds). */
  id: number;
  /** C name, e.g. `hardware_enable_nolock`: the `fn` of every step that runs it. */
  name: string;
  outcomes: CpuCallOutcome<S>[];
  tags?: readonly string[];
}

/** The CPU a call runs on: a number fixed in the program, or read from the running thread (its locals). */
export type CpuOf<L extends object> = number | ((env: StepEnv<L>) => number);

const cpuAt = <L extends object>(cpu: CpuOf<L>, env: StepEnv<L>): number => (typeof cpu === 'number' ? cpu : cpu(env));

/** cpuAt(cpu, ·) as a function of env alone, its straight form declared (declareStraight). */
function cpuFn<L extends object>(cpu: CpuOf<L>): (env: StepEnv<L>) => number {
  return typeof cpu === 'number' ? constantOf<StepEnv<L>>(cpu) : cpu;
}

/** `() => n` with its straight form declared. */
function constantOf<A>(n: number): (a: A) => number {
  const at = (_a: A) => n;
  return declareStraight(at, { fn: at, bind: { n } });
}

export interface CpuCallActionOptions<S, L extends object = {}> {
  /** The note of each action: where and on whose behalf the call runs (`CPU_DYING, interrupts off`). */
  where: string;
  guard?: (s: S, env: StepEnv<L>) => boolean;
  /** Extra update after the call, in the same atomic step. */
  after?: (d: Draft<S>, env: StepEnv<L>) => void;
  next?: ActionDef<S, L>['next'];
  tags?: readonly string[];
}

/**
 * `func()` called on `cpu` as one atomic step (the callers run it with interrupts off on that
 * CPU): one action per outcome possible in the current state. The label is the code
 * (`name: what`), `o.where` its note.
 */
export function cpuCallActions<S, L extends object = {}>(f: CpuCall<S>, cpu: CpuOf<L>, o: CpuCallActionOptions<S, L>): ActionDef<S, L>[] {
  return f.outcomes.map((out) => {
    const when = out.when;
    const extra = o.guard;
    // Each guard is its own straight form (declareStraight), with the names it reads bound.
    const where = cpuFn(cpu);
    const whenAnd = (s: S, env: StepEnv<L>) => when!(s, where(env)) && extra!(s, env);
    const whenOnly = (s: S, env: StepEnv<L>) => when!(s, where(env));
    const guard = when && extra ? declareStraight(whenAnd, { fn: whenAnd, bind: { when, where, extra } }) : when ? declareStraight(whenOnly, { fn: whenOnly, bind: { when, where } }) : extra;
    // The call on the CPU, then `after`; its straight form is itself (an outcome or `after` not
    // given calls nothing).
    const body = out.run;
    const after = o.after;
    const run = (d: Draft<S>, env: StepEnv<L>) => {
      body?.(d, where(env), env);
      after?.(d, env);
    };
    declareStraight(run, { fn: run, bind: { body, where, after } });
    return {
      label: `${f.name}: ${out.what}`,
      note: o.where,
      fn: f.name,
      ...(guard ? { guard } : {}),
      run,
      tags: [...(f.tags ?? []), ...(o.tags ?? [])],
      ...(o.next !== undefined ? { next: o.next } : {}),
    };
  });
}

export interface OnEachCpuCallOptions<S, L extends object = {}> {
  /** Location id prefix. */
  id: string;
  /** The calling C function, for labels. */
  caller: string;
  func: CpuCall<S>;
  /** Sender slot of the calling thread in `pending`. */
  sender: number | ((env: StepEnv<L>) => number);
  /** The CPU the caller runs on (it has preemption off for the whole call). */
  cpu: CpuOf<L>;
  xcalls: (s: S | Draft<S>) => CrossCalls;
  /** cpu_online_mask. */
  online: (s: S | Draft<S>) => readonly boolean[];
  order: 'remote-first' | 'local-first';
  /** Where control goes after the call. */
  next?: string;
  /** Extra update in the call's last step (e.g. preempt_enable). */
  onReturn?: (d: Draft<S>, env: StepEnv<L>) => void;
  /** Extra tags on the call's last step (what a property about "when on_each_cpu returns" keys on). */
  returnTags?: readonly string[];
}

/**
 * on_each_cpu(func, NULL, 1) by a caller pinned to `cpu`: three steps, send the IPIs to the
 * other online CPUs, run `func` locally (interrupts off, one action per outcome), and wait
 * until every IPI sent has run; the last two in the order `order` says.
 */
export function onEachCpuCall<S, L extends object = {}>(o: OnEachCpuCallOptions<S, L>): LocationDef<S, L>[] {
  const call = `on_each_cpu(${o.func.name}, NULL, 1)`;
  const sendId = o.id;
  const localId = `${o.id}.local`;
  const waitId = `${o.id}.wait`;
  const remoteFirst = o.order === 'remote-first';
  const last = remoteFirst ? localId : waitId;
  const afterLast = o.next !== undefined ? { next: o.next } : {};
  const on = typeof o.cpu === 'number' ? `cpu${o.cpu}` : undefined;
  const sender = typeof o.sender === 'number' ? constantOf<StepEnv<L>>(o.sender) : o.sender;
  const xcalls = o.xcalls;
  // on_each_cpu's wait: every IPI this sender queued has run (its straight form declared).
  const allRun = (s: S, env: StepEnv<L>) => {
    const row = xcalls(s).pending[sender(env)]!;
    for (let c = 0; c < row.length; c++) if (row[c] !== 0) return false;
    return true;
  };
  declareStraight(allRun, { fn: allRun, bind: { xcalls, sender } });
  // The IPIs: `id` queued for every other online CPU (its straight form is itself).
  const online = o.online;
  const where = cpuFn(o.cpu);
  const id = o.func.id;
  const send_ipis = (d: Draft<S>, env: StepEnv<L>) => {
    const mask = online(d);
    const self = where(env);
    const row = xcalls(d).pending[sender(env)]!;
    for (let c = 0; c < mask.length; c++) if (mask[c] && c !== self) row[c] = id;
  };
  declareStraight(send_ipis, { fn: send_ipis, bind: { online, where, xcalls, sender, id } });
  const send: LocationDef<S, L> = {
    id: sendId,
    actions: [
      {
        label: remoteFirst ? `${o.caller}: ${call}: smp_call_function(): IPI every other online CPU` : `${o.caller}: ${call}: send IPIs to the other online CPUs`,
        ...(on ? { note: on } : {}),
        fn: o.caller,
        run: send_ipis,
        tags: ['on_each_cpu'],
        next: remoteFirst ? waitId : localId,
      },
    ],
  };
  const local: LocationDef<S, L> = {
    id: localId,
    actions: cpuCallActions<S, L>(o.func, o.cpu, {
      where: `${on ? `${on}, ` : ''}local call in ${call}`,
      tags: ['on_each_cpu', 'on_each_cpu_local', ...(last === localId ? (o.returnTags ?? []) : [])],
      ...(last === localId ? { ...(o.onReturn ? { after: o.onReturn } : {}), ...afterLast } : { next: waitId }),
    }),
  };
  const wait: LocationDef<S, L> = {
    id: waitId,
    actions: [
      {
        label: `${o.caller}: ${call}: wait until every IPI has run`,
        ...(on ? { note: on } : {}),
        fn: o.caller,
        guard: allRun,
        blockedOn: (s, env) => {
          const row = o.xcalls(s).pending[sender(env)]!;
          return `IPIs still pending on ${row.flatMap((f, c) => (f !== 0 ? [`cpu${c}`] : [])).join(', ')}`;
        },
        tags: ['on_each_cpu', ...(last === waitId ? (o.returnTags ?? []) : [])],
        ...(last === waitId ? { ...(o.onReturn ? { run: o.onReturn } : {}), ...afterLast } : { next: localId }),
      },
    ],
  };
  return remoteFirst ? [send, wait, local] : [send, local, wait];
}

/** The locals of an IPI handler: the CPU it runs on. */
export type IpiHandlerLocals = { cpu: number };

export interface IpiHandlerOptions<S> {
  /** The thread kind's name (`ipi`); spawn one per CPU with `{ cpu }`. */
  kind?: string;
  funcs: readonly CpuCall<S>[];
  xcalls: (s: S | Draft<S>) => CrossCalls;
  /** When `cpu` takes the interrupt (online, interrupts on...). */
  canTakeIpi: (s: S, cpu: number) => boolean;
  /** Thread name of each sender slot of `pending`. */
  senders: readonly string[];
}

/**
 * The IPI handler, one program for every CPU (spawn it with `{ cpu }`): for each sender with a
 * call queued for this CPU, when the CPU can take the interrupt, it runs the call (one action
 * per sender x outcome; the step's `fn` is the called function). Calls queued by different
 * senders run in either order. It idles at an end location: an IPI handler with nothing to do
 * is not deadlocked.
 */
export function ipiHandler<S>(o: IpiHandlerOptions<S>): ThreadKind<S, IpiHandlerLocals> {
  const self = (env: StepEnv<IpiHandlerLocals>) => env.local.cpu;
  const { xcalls, canTakeIpi } = o;
  const actions = o.senders.flatMap((senderName, sender) =>
    o.funcs.flatMap((f) => {
      const id = f.id;
      // Its straight form declared, with the names it reads bound.
      const queued = (s: S, env: StepEnv<IpiHandlerLocals>) => xcalls(s).pending[sender]![env.local.cpu] === id && canTakeIpi(s, env.local.cpu);
      declareStraight(queued, { fn: queued, bind: { xcalls, sender, id, canTakeIpi } });
      // The call ran: its slot is cleared (its straight form is itself).
      const ran = (d: Draft<S>, env: StepEnv<IpiHandlerLocals>) => {
        xcalls(d).pending[sender]![env.local.cpu] = 0;
      };
      declareStraight(ran, { fn: ran, bind: { xcalls, sender } });
      return cpuCallActions<S, IpiHandlerLocals>(f, self, {
        where: `IPI from ${senderName}`,
        guard: queued,
        after: ran,
        next: 'idle',
        tags: ['ipi', `ipi-from:${senderName}`],
      }).map((a) => ({ ...a, blockedOn: () => 'an IPI' }));
    }),
  );
  // One test while idle instead of one per sender x function x outcome.
  const anyEnabled = (s: S, env: StepEnv<IpiHandlerLocals>) => {
    const rows = o.xcalls(s).pending;
    const cpu = env.local.cpu;
    for (let i = 0; i < rows.length; i++) if (rows[i]![cpu] !== 0) return o.canTakeIpi(s, cpu);
    return false;
  };
  return threadKind<S, IpiHandlerLocals>(o.kind ?? 'ipi', { cpu: -1 }, [{ id: 'idle', end: true, actions, anyEnabled }]);
}
