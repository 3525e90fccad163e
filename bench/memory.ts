// The cost of weak memory: states, transitions and time of the same programs under sc, tso and
// lkmm, as ratios to sc. First the bundled model that declares shared memory,
// sched-delayed-dequeue (its PI descriptor), at its defaults and without the freezer, each
// variant: every store cpu0 makes there is a LOCK'd RMW, so the states are the same under all
// three and the ratio is the cost of the store-buffer bookkeeping alone. Then litmus programs
// under tso with store buffers of 2 and 4 entries, where the buffers fill. The family: T CPUs, each
// storing to S variables of its own and then loading every other CPU's first variable (the
// store-buffering shape, grown), the exists clause unreachable so that every search is
// exhaustive. A run whose stores found a buffer full says so (store-buffer-bound): its counts are
// of the bounded search.

import { check } from '../src/engine/check.js';
import type { CheckResult } from '../src/engine/result.js';
import { litmusModel, litmusProperties, type Litmus, type LitmusOp } from '../src/kernel/litmus.js';
import type { MemoryModelName } from '../src/kernel/memory.js';
import { renderTable } from '../src/report/text.js';
import schedDelayedDequeue from '../models/sched-delayed-dequeue.js';
import { properties as schedProperties } from '../properties/sched-delayed-dequeue.js';
import { byLength } from './long.js';

type Base = { states: number; ms: number };

/**
 * One table row: what ran, under which memory model, its counts and time, the visited set's bytes
 * per stored state (store buffers widen a state, not the set's bytes per state), and the ratios
 * to the sc run (`base`).
 */
function ratioRow(what: string, memory: string, r: Exclude<CheckResult, { status: 'error' }>, base: Base, digits: number): string[] {
  const ms = r.stats.timeMs;
  return [
    what,
    memory,
    r.status === 'incomplete' ? `incomplete (${r.stoppedBy})` : r.status,
    String(r.stats.states),
    String(r.stats.transitions),
    `${ms.toFixed(0)} ms`,
    r.stats.bytesPerState.toFixed(1),
    `${(r.stats.states / base.states).toFixed(digits)}×`,
    `${(ms / Math.max(base.ms, 1)).toFixed(digits)}×`,
  ];
}

/** sched-delayed-dequeue under sc, tso and lkmm: states, transitions, time, and the ratios to sc. */
export function benchBundledMemory(log: (s: string) => void = console.log): void {
  const rows: string[][] = [];
  const memories: MemoryModelName[] = ['sc', 'tso', 'lkmm'];
  for (const [what, params] of [['defaults', {}], ['freezer=false', { freezer: false }]] as const)
    for (const variant of Object.keys(schedDelayedDequeue.variants)) {
      let base: Base | undefined;
      for (const [i, memory] of memories.entries()) {
        const r = check(schedDelayedDequeue, schedProperties, { variant, params: { ...params, memory: i } });
        if (r.status === 'error') throw new Error(r.message);
        base ??= { states: r.stats.states, ms: r.stats.timeMs };
        rows.push(ratioRow(`${variant} ${what}`, memory, r, base, 2));
      }
    }
  log(renderTable(['sched-delayed-dequeue', 'memory', 'result', 'states', 'transitions', 'time', 'bytes/state', 'states vs sc', 'time vs sc'], rows, [34, 6, 10, 9, 12, 9, 11, 12, 10]));
}

/**
 * The store-buffering programs (CPUs, stores each): SB-3x2 only in the long form
 * (KMC_BENCH_FULL=1), where under lkmm it did not finish in 200 s (bench/README.md, memory).
 */
const SB_SIZES = byLength<readonly (readonly [number, number])[]>(
  [[2, 1], [2, 2], [2, 3], [3, 1]],
  [[2, 1], [2, 2], [2, 3], [3, 1], [3, 2]],
);
/** Each litmus search's time bound (a run it cuts says so: incomplete (max-time)); KMC_BENCH_MAX_TIME in seconds, default 60 (600 in the long form). */
const SB_MAX_TIME_MS = Number(process.env.KMC_BENCH_MAX_TIME ?? byLength(60, 600)) * 1000;

export function storeBufferingFamily(cpus: number, stores: number): Litmus {
  const v = (c: number, k: number) => `v${c}_${k}`;
  const threads: LitmusOp[][] = Array.from({ length: cpus }, (_, c) => [
    ...Array.from({ length: stores }, (_, k): LitmusOp => ({ op: 'store', x: v(c, k), v: 1 })),
    ...Array.from({ length: cpus }, (_, d) => d).filter((d) => d !== c).map((d): LitmusOp => ({ op: 'load', x: v(d, 0), r: `r${d}` })),
  ]);
  // Unreachable: some register reads 2, a value nobody stores.
  return { name: `SB-${cpus}x${stores}`, vars: {}, threads, exists: { reg: [0, `r1`], eq: 2 } };
}

export function benchMemory(log: (s: string) => void = console.log): void {
  const rows: string[][] = [];
  const configs: { memory: MemoryModelName; storeBuffer: number }[] = [
    { memory: 'sc', storeBuffer: 2 },
    { memory: 'tso', storeBuffer: 2 },
    { memory: 'tso', storeBuffer: 4 },
    { memory: 'lkmm', storeBuffer: 4 },
  ];
  for (const [cpus, stores] of SB_SIZES) {
    const t = storeBufferingFamily(cpus, stores);
    let base: Base | undefined;
    for (const c of configs) {
      const r = check(litmusModel(t, c.memory), litmusProperties(t), { params: { storeBuffer: c.storeBuffer }, maxTimeMs: SB_MAX_TIME_MS });
      if (r.status === 'error') throw new Error(r.message);
      base ??= { states: r.stats.states, ms: r.stats.timeMs };
      rows.push(ratioRow(t.name, `${c.memory}${c.memory === 'sc' ? '' : ` K=${c.storeBuffer}`}`, r, base, 1));
    }
  }
  log(renderTable(['program', 'memory', 'result', 'states', 'transitions', 'time', 'bytes/state', 'states vs sc', 'time vs sc'], rows, [10, 10, 30, 9, 12, 9, 11, 12, 10]));
}

export const section = {
  name: 'memory',
  doc: 'states and time under sc, tso and lkmm (sched-delayed-dequeue, then store-buffering programs of growing size)',
  run: () => {
    benchBundledMemory();
    console.log('');
    benchMemory();
  },
};
