// Identical CPUs on shared memory, declared interchangeable (symmetry reduction): each stores 1
// to `flag`, reads `flag` back and records what it read. Its own store is always there to read
// (store forwarding, or memory), so a CPU never reads 0: the invariant holds under sc, tso and
// lkmm. Under tso and lkmm every CPU may have read while its store still waits in its buffer.
// The declaration is right only when each CPU's store buffer moves with it, which kmc adds
// (src/kernel/memory-symmetry.ts): tests/memory/symmetry.test.ts.
import { defineModel, step, thread, END, memoryParams, memoryThreads, sharedMemory, READ_ONCE, WRITE_ONCE, type SharedMemory, type System } from '../../src/index.js';
import { invariant } from '../../src/property/index.js';

export type S = { m: SharedMemory<{ flag: number }>; seen: number[] };

export interface SymmetricCpusOptions {
  cpus?: number;
  /** Declare the store buffers (`m.sb`) as indexed by CPU, as a user may (kmc adds them anyway). */
  listBuffers?: boolean;
  /** A wrong declaration: member c runs the thread of CPU cpus-1-c. */
  mismatched?: boolean;
  /** A thread outside the group on CPU 0 (an interrupt handler sharing its buffer). */
  irqOnCpu0?: boolean;
}

export function symmetricCpus(o: SymmetricCpusOptions = {}) {
  const cpus = o.cpus ?? 2;
  return defineModel({
    name: 'symmetric-cpus',
    doc: 'identical CPUs storing to and loading from one shared variable, declared symmetric',
    params: { ...memoryParams('tso') },
    variants: { cpus: 'identical CPUs' },
    build({ params }): System<S> {
      const init: S = { m: sharedMemory(params, { flag: 0 }, cpus), seen: new Array<number>(cpus).fill(-1) };
      const cpu = (c: number) =>
        thread<S, { cpu: number }>(`cpu${c}`, [
          step('store', 'WRITE_ONCE(flag, 1)', { run: (d, env) => WRITE_ONCE(d.m, 'flag', 1, env) }),
          step('load', 'seen[cpu] = READ_ONCE(flag)', { run: (d, env) => void (d.seen[env.local.cpu] = READ_ONCE(d.m, 'flag', env)), next: END }),
        ], { locals: { cpu: c } });
      const irq = thread<S, { cpu: number }>('irq0', [step('irq', 'irq: WRITE_ONCE(flag, 1)', { run: (d, env) => WRITE_ONCE(d.m, 'flag', 1, env), next: END })], { locals: { cpu: 0 } });
      const threads = [...Array.from({ length: cpus }, (_, c) => cpu(c)), ...(o.irqOnCpu0 ? [irq] : [])];
      return {
        init,
        threads: [...threads, ...memoryThreads(init, (s) => s.m)],
        symmetry: [
          {
            name: 'CPUs',
            members: Array.from({ length: cpus }, (_, c) => c),
            threads: (c) => [`cpu${o.mismatched ? cpus - 1 - c : c}`],
            indexed: ['seen', ...(o.listBuffers ? ['m.sb'] : [])],
            localMemberValues: ['cpu'],
          },
        ],
      };
    },
  });
}

export const neverZero = invariant<S>('reads-a-store', 'a CPU that read `flag` read a store of 1 (its own at least), never the initial 0', (s) => s.vars.seen.every((v) => v !== 0));
/** Violated under tso and lkmm only: every CPU has read 1 while flag is still 0 in memory (every store buffered). */
export const visibleOnceRead = invariant<S>('visible-once-read', 'once every CPU has read flag, flag is 1 in memory', (s) => s.vars.seen.some((v) => v === -1) || s.vars.m.mem.flag === 1);
