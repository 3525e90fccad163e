// on_each_cpu(func, info, wait=1): run `func` on every online CPU and wait for all of them.
//
// The caller runs `func` on its own CPU with interrupts off, and sends an IPI to every other
// online CPU. Each target runs `func` in its IPI handler, atomically, when it can take the
// interrupt (the model says when: interrupts on, not inside a stop_machine section...). Each
// target is an "ipi" thread of its own, so the targets run in any order with respect to each
// other and to everything else, as they do on real hardware. The caller waits until every
// IPI it sent has run.
//
// State: `pending[sender][cpu]` is the id of the function queued by `sender` for `cpu`, or 0.

import type { Draft, LocationDef, StepEnv, ThreadDef } from '../model/index.js';

export interface CrossCalls {
  pending: number[][];
}

/** Initial cross-call state for `senders` callers and `cpus` CPUs. */
export function crossCalls(senders: number, cpus: number): CrossCalls {
  return { pending: Array.from({ length: senders }, () => Array.from({ length: cpus }, () => 0)) };
}

/** A function that can be run on each CPU: its C name and its effect on a CPU. */
export interface CpuFunc<S> {
  /** Non-zero id, unique in the model. */
  id: number;
  name: string;
  run(d: Draft<S>, cpu: number, env: StepEnv): void;
}

export interface OnEachCpuOptions<S> {
  /** Location id prefix for the steps this expands into. */
  id: string;
  /** The calling C function, for labels. */
  caller: string;
  func: CpuFunc<S>;
  /** Sender slot of the calling thread in `pending`. */
  sender: number;
  /** The CPU the caller runs on. */
  cpu: number;
  xcalls: (s: S | Draft<S>) => CrossCalls;
  /** The online mask (cpu_online_mask) at the time of the call. */
  online: (s: S | Draft<S>) => readonly boolean[];
  /** Where control goes after the wait. */
  next?: string;
}

/**
 * Expands to three steps: send the IPIs, run `func` locally (irqs off), wait for completion.
 */
export function onEachCpu<S>(o: OnEachCpuOptions<S>): LocationDef<S>[] {
  const call = `on_each_cpu(${o.func.name}, NULL, 1)`;
  return [
    {
      id: `${o.id}`,
      actions: [
        {
          label: `${o.caller}: ${call}: send IPIs to the other online CPUs`,
          fn: o.caller,
          run: (d) => {
            const online = o.online(d);
            const row = o.xcalls(d).pending[o.sender]!;
            for (let c = 0; c < online.length; c++) if (online[c] && c !== o.cpu) row[c] = o.func.id;
          },
          tags: ['on_each_cpu'],
        },
      ],
    },
    {
      id: `${o.id}.local`,
      actions: [
        {
          label: `${o.caller}: ${call}: ${o.func.name}() on this CPU${o.cpu >= 0 ? ` (cpu${o.cpu})` : ''}`,
          fn: o.func.name,
          run: (d, env) => o.func.run(d, o.cpu, env),
          tags: ['on_each_cpu'],
        },
      ],
    },
    {
      id: `${o.id}.wait`,
      actions: [
        {
          label: `${o.caller}: ${call}: wait for the other CPUs`,
          fn: o.caller,
          guard: (s) => o.xcalls(s).pending[o.sender]!.every((f) => f === 0),
          blockedOn: (s) => {
            const row = o.xcalls(s).pending[o.sender]!;
            const cpus = row.flatMap((f, c) => (f !== 0 ? [`cpu${c}`] : []));
            return `IPIs still pending on ${cpus.join(', ')}`;
          },
          tags: ['on_each_cpu'],
          ...(o.next !== undefined ? { next: o.next } : {}),
        },
      ],
    },
  ];
}

export interface IpiThreadOptions<S> {
  /** Thread name, e.g. `cpu1/ipi`. */
  name: string;
  cpu: number;
  funcs: readonly CpuFunc<S>[];
  xcalls: (s: S | Draft<S>) => CrossCalls;
  /** When `cpu` can take the IPI (interrupts on, CPU online, not stopped...). */
  canTakeIpi: (s: S) => boolean;
  /** Number of sender slots in `pending`. */
  senders: number;
}

/**
 * The IPI handler of one CPU: whenever a cross call is pending for it and it can take the
 * interrupt, it runs the queued function (one step per pending call). It idles at an end
 * location, so an IPI thread with nothing to do is never a deadlock.
 */
export function ipiThread<S>(o: IpiThreadOptions<S>): ThreadDef<S> {
  // One action per sender: calls queued by different CPUs run in either order.
  const actions = Array.from({ length: o.senders }, (_, sender) => ({
    label: `generic_smp_call_function_single_interrupt: cpu${o.cpu} runs the function queued by sender ${sender}`,
    fn: 'generic_smp_call_function_single_interrupt',
    guard: (s: S) => o.xcalls(s).pending[sender]![o.cpu] !== 0 && o.canTakeIpi(s),
    blockedOn: () => 'an IPI',
    run: (d: Draft<S>, env: StepEnv) => {
      const row = o.xcalls(d).pending[sender]!;
      const id = row[o.cpu]!;
      const f = o.funcs.find((g) => g.id === id);
      if (!f) throw new Error(`no cross-call function with id ${id}`);
      f.run(d, o.cpu, env);
      row[o.cpu] = 0;
    },
    next: 'idle',
    tags: ['ipi'],
  }));
  const anyEnabled = (s: S) => {
    const rows = o.xcalls(s).pending;
    for (let i = 0; i < rows.length; i++) if (rows[i]![o.cpu] !== 0) return o.canTakeIpi(s);
    return false;
  };
  return { name: o.name, program: [{ id: 'idle', end: true, actions, anyEnabled }] };
}
