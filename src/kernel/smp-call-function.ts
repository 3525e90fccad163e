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
// The state is the CrossCalls of on-each-cpu.ts: `pending[sender][cpu]` is the id of the
// function `sender` queued for `cpu`, or 0. The targets are cpu_online_mask at the time of the
// send; a target runs the call in its IPI handler when the model says it can take the interrupt.

import type { ActionDef, Draft, LocationDef, StepEnv, ThreadDef } from '../model/index.js';
import type { CrossCalls } from './on-each-cpu.js';

/** One possible outcome of a cross-call function on a CPU. */
export interface CpuCallOutcome<S> {
  /** The C statements this outcome executes, for the label (after `name: `). */
  what: string;
  /** Whether this outcome is possible in this state on this CPU (pure). Default: always. */
  when?: (s: S, cpu: number) => boolean;
  run?: (d: Draft<S>, cpu: number, env: StepEnv) => void;
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

export interface CpuCallActionOptions<S> {
  /** Appended to each label in brackets: where and on whose behalf the call runs. */
  where: string;
  guard?: (s: S, env: StepEnv) => boolean;
  /** Extra update after the call, in the same atomic step. */
  after?: (d: Draft<S>, env: StepEnv) => void;
  next?: string;
  tags?: readonly string[];
}

/**
 * `func()` called on `cpu` as one atomic step (the callers run it with interrupts off on that
 * CPU): one action per outcome possible in the current state.
 */
export function cpuCallActions<S>(f: CpuCall<S>, cpu: number, o: CpuCallActionOptions<S>): ActionDef<S>[] {
  return f.outcomes.map((out) => {
    const when = out.when;
    const extra = o.guard;
    const guard =
      when && extra ? (s: S, env: StepEnv) => when(s, cpu) && extra(s, env) : when ? (s: S) => when(s, cpu) : extra;
    return {
      label: `${f.name}: ${out.what} [${o.where}]`,
      fn: f.name,
      ...(guard ? { guard } : {}),
      run: (d: Draft<S>, env: StepEnv) => {
        out.run?.(d, cpu, env);
        o.after?.(d, env);
      },
      tags: [...(f.tags ?? []), ...(o.tags ?? [])],
      ...(o.next !== undefined ? { next: o.next } : {}),
    };
  });
}

export interface OnEachCpuCallOptions<S> {
  /** Location id prefix. */
  id: string;
  /** The calling C function, for labels. */
  caller: string;
  func: CpuCall<S>;
  /** Sender slot of the calling thread in `pending`, and its thread name (for labels and tags). */
  sender: number;
  senderName: string;
  /** The CPU the caller runs on (it has preemption off for the whole call). */
  cpu: number;
  xcalls: (s: S | Draft<S>) => CrossCalls;
  /** cpu_online_mask. */
  online: (s: S | Draft<S>) => readonly boolean[];
  order: 'remote-first' | 'local-first';
  /** Where control goes after the call. */
  next?: string;
  /** Extra update in the call's last step (e.g. preempt_enable bookkeeping). */
  onReturn?: (d: Draft<S>, env: StepEnv) => void;
  /** Extra tags on the call's last step (what a property about "when on_each_cpu returns" keys on). */
  returnTags?: readonly string[];
}

/**
 * on_each_cpu(func, NULL, 1) by a caller pinned to `cpu`: three steps, send the IPIs to the
 * other online CPUs, run `func` locally (interrupts off, one action per outcome), and wait
 * until every IPI sent has run; the last two in the order `order` says.
 */
export function onEachCpuCall<S>(o: OnEachCpuCallOptions<S>): LocationDef<S>[] {
  const call = `on_each_cpu(${o.func.name}, NULL, 1)`;
  const sendId = o.id;
  const localId = `${o.id}.local`;
  const waitId = `${o.id}.wait`;
  const remoteFirst = o.order === 'remote-first';
  const last = remoteFirst ? localId : waitId;
  const afterLast = o.next !== undefined ? { next: o.next } : {};
  const send: LocationDef<S> = {
    id: sendId,
    actions: [
      {
        label: remoteFirst
          ? `${o.caller}: ${call}: smp_call_function(): IPI every other online CPU [cpu${o.cpu}]`
          : `${o.caller}: ${call}: send IPIs to the other online CPUs [cpu${o.cpu}]`,
        fn: o.caller,
        run: (d) => {
          const online = o.online(d);
          const row = o.xcalls(d).pending[o.sender]!;
          for (let c = 0; c < online.length; c++) if (online[c] && c !== o.cpu) row[c] = o.func.id;
        },
        tags: ['on_each_cpu'],
        next: remoteFirst ? waitId : localId,
      },
    ],
  };
  const local: LocationDef<S> = {
    id: localId,
    actions: cpuCallActions(o.func, o.cpu, {
      where: `cpu${o.cpu}, local call in ${call} by ${o.senderName}`,
      tags: ['on_each_cpu', 'on_each_cpu_local', ...(last === localId ? (o.returnTags ?? []) : [])],
      ...(last === localId ? { ...(o.onReturn ? { after: o.onReturn } : {}), ...afterLast } : { next: waitId }),
    }),
  };
  const wait: LocationDef<S> = {
    id: waitId,
    actions: [
      {
        label: `${o.caller}: ${call}: wait until every IPI has run [cpu${o.cpu}]`,
        fn: o.caller,
        guard: (s) => o.xcalls(s).pending[o.sender]!.every((f) => f === 0),
        blockedOn: (s) => {
          const row = o.xcalls(s).pending[o.sender]!;
          return `IPIs still pending on ${row.flatMap((f, c) => (f !== 0 ? [`cpu${c}`] : [])).join(', ')}`;
        },
        tags: ['on_each_cpu', ...(last === waitId ? (o.returnTags ?? []) : [])],
        ...(last === waitId
          ? { ...(o.onReturn ? { run: o.onReturn } : {}), ...afterLast }
          : { next: localId }),
      },
    ],
  };
  return remoteFirst ? [send, wait, local] : [send, local, wait];
}

export interface IpiCallThreadOptions<S> {
  /** Thread name, e.g. `cpu1/ipi`. */
  name: string;
  cpu: number;
  funcs: readonly CpuCall<S>[];
  xcalls: (s: S | Draft<S>) => CrossCalls;
  /** When `cpu` takes the interrupt (online, interrupts on, not stopped...). */
  canTakeIpi: (s: S) => boolean;
  /** Thread name of each sender slot of `pending`. */
  senders: readonly string[];
}

/**
 * The IPI handler of one CPU: for each sender with a call queued for this CPU, when the CPU can
 * take the interrupt, it runs the call (one action per sender x outcome; the step's `fn` is the
 * called function). Calls queued by different senders run in either order. It idles at an end
 * location: an IPI handler with nothing to do is not deadlocked.
 */
export function ipiCallThread<S>(o: IpiCallThreadOptions<S>): ThreadDef<S> {
  const actions = o.senders.flatMap((senderName, sender) =>
    o.funcs.flatMap((f) =>
      cpuCallActions(f, o.cpu, {
        where: `cpu${o.cpu}, IPI from ${senderName}`,
        guard: (s) => o.xcalls(s).pending[sender]![o.cpu] === f.id && o.canTakeIpi(s),
        after: (d) => {
          o.xcalls(d).pending[sender]![o.cpu] = 0;
        },
        next: 'idle',
        tags: ['ipi', `ipi-from:${senderName}`],
      }).map((a) => ({ ...a, blockedOn: () => 'an IPI' })),
    ),
  );
  // One test while idle instead of one per sender x function x outcome.
  const anyEnabled = (s: S) => {
    const rows = o.xcalls(s).pending;
    for (let i = 0; i < rows.length; i++) if (rows[i]![o.cpu] !== 0) return o.canTakeIpi(s);
    return false;
  };
  return { name: o.name, program: [{ id: 'idle', end: true, actions, anyEnabled }] };
}
