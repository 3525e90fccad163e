// Partial-order reduction under store buffers (--memory tso and lkmm) against the unreduced
// search, on random shared-memory programs (fast-check): two to three threads of stores,
// releases, loads, barriers and atomics on two shared variables, on two CPUs (threads on one
// CPU share its store buffer, as a task and its interrupt handler do), with the memory thread
// of their memory model (src/kernel/memory.ts). The same verdict for every property and the same
// store-buffer-bound verdict (one or two entries per CPU, so that the bound cuts about half the
// programs: the reduction must not hide it, src/engine/reduction/por.ts, "UNDER STORE
// BUFFERS"), never more states, every counterexample replayable on the unreduced model through
// the reference explorer's own semantics; with --first and --shortest, as short as without.
// The properties: an invariant over memory that the drains make true or false part-way, a final
// outcome (a litmus test's exists clause), a step property reading a store buffer, and deadlock.
// Recording no writes of store-buffer slots in the footprints makes the first test fail (a
// violation missed: two threads on one CPU taken as independent).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check } from '../../../src/engine/check.js';
import type { CheckResult } from '../../../src/engine/result.js';
import { atomic_add, memoryParams, memoryThreads, READ_ONCE, sharedMemory, smp_mb, smp_store_release, smp_wmb, WRITE_ONCE, xchg, type SharedMemory } from '../../../src/kernel/memory.js';
import { compileModel } from '../../../src/model/compile.js';
import { choice, defineModel, END, step, thread, type ActionDef, type Draft, type ModelDef, type StepEnv, type ThreadDef } from '../../../src/model/index.js';
import { assertion, defineProperties, invariant, stepProperty, type Property } from '../../../src/property/index.js';
import { expectReplaysToViolation } from '../../oracle/compare.js';
import { RefSystem } from '../../oracle/reference-explorer.js';
import { neverZero, symmetricCpus, visibleOnceRead } from '../../memory/symmetric-cpus.js';

const VARS = ['x', 'y'] as const;
/** Fixed, so that the counts below say the same on every run (KMC_FC_SEED tries another). */
const SEED = Number(process.env.KMC_FC_SEED ?? 15);
type Var = (typeof VARS)[number];

type Op =
  | { op: 'store'; x: Var; v: number; release?: boolean }
  | { op: 'load'; x: Var; r: 'r0' | 'r1' }
  | { op: 'mb' | 'wmb' }
  | { op: 'xchg'; x: Var; v: number; r: 'r0' | 'r1' }
  | { op: 'add'; x: Var };

interface Program {
  /** Each thread's CPU (0 or 1: threads on one CPU share its store buffer, as a task and its interrupt handler do) and operations. */
  threads: { cpu: number; ops: Op[] }[];
  memory: 'tso' | 'lkmm';
  storeBuffer: number;
  /** The memory invariant's forbidden pair (x, y); the final-state invariant's forbidden (P0's r0, x); the step property's value. */
  pair: [number, number] | null;
  final: [number, number] | null;
  value: number;
}

const opArb = (thread: number, index: number): fc.Arbitrary<Op> => {
  const x = fc.constantFrom(...VARS);
  const v = 1 + ((thread * 3 + index) % 3); // few values: outcomes repeat, invariants can fail
  const r = index % 2 === 0 ? 'r0' : 'r1';
  return fc.oneof(
    { weight: 5, arbitrary: x.map((x): Op => ({ op: 'store', x, v })) },
    { weight: 1, arbitrary: x.map((x): Op => ({ op: 'store', x, v, release: true })) },
    { weight: 4, arbitrary: x.map((x): Op => ({ op: 'load', x, r })) },
    { weight: 1, arbitrary: fc.constantFrom<Op>({ op: 'mb' }, { op: 'wmb' }) },
    { weight: 1, arbitrary: x.map((x): Op => ({ op: 'xchg', x, v, r })) },
    { weight: 1, arbitrary: x.map((x): Op => ({ op: 'add', x })) },
  );
};
const threadArb = (thread: number) =>
  fc.record({ cpu: fc.integer({ min: 0, max: 1 }), ops: fc.integer({ min: 1, max: 3 }).chain((len) => fc.tuple(...Array.from({ length: len }, (_, i) => opArb(thread, i)))) });
const small = fc.integer({ min: 0, max: 3 });
const programArb: fc.Arbitrary<Program> = fc.record({
  threads: fc.integer({ min: 2, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, t) => threadArb(t)))),
  memory: fc.constantFrom<'tso' | 'lkmm'>('tso', 'lkmm'),
  storeBuffer: fc.constantFrom(1, 2),
  pair: fc.option(fc.tuple(small, small), { nil: null }),
  final: fc.option(fc.tuple(small, small), { nil: null }),
  value: fc.integer({ min: 1, max: 3 }),
});

type S = { m: SharedMemory<Record<Var, number>> };
type L = { cpu: number; r0: number; r1: number };

function effect(o: Op): (d: Draft<S>, env: StepEnv<L>) => void {
  switch (o.op) {
    case 'store':
      return (d, env) => (o.release ? smp_store_release : WRITE_ONCE)(d.m, o.x, o.v, env);
    case 'load':
      return (d, env) => void (env.local[o.r] = READ_ONCE(d.m, o.x, env));
    case 'mb':
      return (d, env) => smp_mb(d.m, env);
    case 'wmb':
      return (d, env) => smp_wmb(d.m, env);
    case 'xchg':
      return (d, env) => void (env.local[o.r] = xchg(d.m, o.x, o.v, env));
    case 'add':
      return (d, env) => atomic_add(d.m, o.x, 1, env);
  }
}

/** The program as a model: one thread per program (its CPU a local), and the memory thread of its memory model. */
function modelOf(p: Program): ModelDef<S> {
  return defineModel({
    name: 'random-shared-memory',
    doc: 'random loads, stores, barriers and atomics on two shared variables, some threads sharing a CPU',
    params: memoryParams(p.memory, p.storeBuffer),
    variants: { random: 'as generated' },
    build({ params }) {
      const init: S = { m: sharedMemory(params, { x: 0, y: 0 }, 2) };
      const threads: ThreadDef<S, L>[] = p.threads.map((t, i) => ({
        name: `P${i}`,
        locals: { cpu: t.cpu, r0: 0, r1: 0 },
        program: t.ops.map((o, k) => ({ id: `s${k}`, actions: [{ label: `P${i}: ${JSON.stringify(o)}`, run: effect(o) } as ActionDef<S, L>] })),
      }));
      return { init, threads: [...threads, ...memoryThreads(init, (s) => s.m as SharedMemory)] };
    },
  });
}

function propertiesOf(p: Program) {
  const list: Property[] = [
    // Reads CPU 0's store buffer before each step.
    stepProperty<S>('buffered-value', `no step runs while CPU 0's newest buffered store is ${p.value} and x is 0 in memory`, (s) => {
      const q = s.vars.m.sb[0]!;
      return q.n === 0 || q.val[q.n - 1] !== p.value || s.vars.m.mem.x !== 0;
    }) as Property,
  ];
  // A final outcome (every thread done, every buffer drained), as a litmus test's exists clause.
  if (p.final !== null) {
    const [r, x] = p.final;
    const n = p.threads.length;
    list.push(
      invariant<S>('final-outcome', `never P0's r0=${r} with x=${x} at the end`, (s) => {
        for (let i = 0; i < n; i++) if (!s.ended(i)) return true;
        return !(s.vars.m.sb.every((q) => q.n === 0) && s.local<L>(0).r0 === r && s.vars.m.mem.x === x);
      }) as Property,
    );
  }
  // Read part-way: the drains of the memory thread write what it reads (C2). Not always there:
  // with either invariant every drain is visible, and nearly every state is fully expanded.
  if (p.pair !== null) {
    const [a, b] = p.pair;
    list.push(invariant<S>('memory-pair', `never x=${a} and y=${b} in memory`, (s) => !(s.vars.m.mem.x === a && s.vars.m.mem.y === b)) as Property);
  }
  return defineProperties('random-shared-memory', list, { livelock: false });
}

function verdicts(r: CheckResult): Record<string, string> {
  if (r.status === 'error') return { error: r.message };
  return { status: r.status, stoppedBy: 'stoppedBy' in r ? String(r.stoppedBy) : '', ...Object.fromEntries(r.properties.map((q) => [q.name, q.status])) };
}

describe('partial-order reduction under tso and lkmm on random shared-memory programs', () => {
  it('the unreduced verdicts and store-buffer-bound verdict, no more states, real counterexamples', () => {
    const seen = { runs: 0, reduced: 0, cut: 0, whole: 0, violated: 0, restarted: 0, lkmm: 0 };
    fc.assert(
      fc.property(programArb, (p) => {
        const model = modelOf(p);
        const properties = propertiesOf(p);
        const options = {};
        const plain = check(model, properties, options);
        // Nothing learned before the first pass (every program goes through restarts), and no
        // giving up: the reduced search itself is compared.
        const por = check(model, properties, { ...options, por: true, porSeed: { states: 0, walks: 0, keep: true } });
        expect(verdicts(por)).toEqual(verdicts(plain));
        if (plain.status === 'error' || por.status === 'error') return;
        seen.runs++;
        if (p.memory === 'lkmm') seen.lkmm++;
        expect(por.stats.states).toBeLessThanOrEqual(plain.stats.states);
        if (por.stats.states < plain.stats.states) seen.reduced++;
        if ((por.reductions?.passes ?? 0) > 1) seen.restarted++;
        if ('stoppedBy' in plain && plain.stoppedBy === 'store-buffer-bound') seen.cut++;
        if (plain.status === 'verified') seen.whole++;
        if (por.status === 'violated') {
          seen.violated++;
          const compiled = compileModel(model, options);
          const sys = new RefSystem(model, options);
          for (const v of por.violations) expectReplaysToViolation(compiled, sys, properties.properties, v);
        }
      }),
      { numRuns: 100, seed: SEED },
    );
    // Not degenerate: both memory models, runs the bound cut and runs it did not, reductions,
    // restarts and counterexamples.
    expect(seen.lkmm).toBeGreaterThan(seen.runs / 4);
    expect(seen.cut).toBeGreaterThan(seen.runs / 5);
    expect(seen.whole).toBeGreaterThan(seen.runs / 10);
    expect(seen.reduced).toBeGreaterThan(seen.runs / 15);
    expect(seen.restarted).toBeGreaterThan(seen.runs / 10);
    expect(seen.violated).toBeGreaterThan(seen.runs / 5);
  });

  it('with --first and --shortest: the first violation found, as short as the unreduced search finds it', () => {
    let compared = 0;
    fc.assert(
      fc.property(programArb, (p) => {
        const model = modelOf(p);
        const properties = propertiesOf(p);
        const plain = check(model, properties);
        if (plain.status !== 'violated') return;
        const por = check(model, properties, { por: true, shortest: true, first: true, porSeed: { states: 0, walks: 0, keep: true } });
        expect(por.status).toBe('violated');
        if (por.status !== 'violated') return;
        compared++;
        // The one violation --first keeps is one the unreduced search finds, at its length.
        const v = por.violations[0]!;
        const same = plain.violations.find((w) => w.property === v.property);
        expect(same, `${v.property} is not violated without the reduction`).toBeDefined();
        expect(v.path.length).toBe(same!.path.length);
        expect(v.shortest).toBe(true);
        expectReplaysToViolation(compileModel(model), new RefSystem(model), properties.properties, v);
      }),
      { numRuns: 40, seed: SEED },
    );
    expect(compared).toBeGreaterThan(10);
  });

  it('with symmetry too (kmc check --por): interchangeable CPUs whose buffers move with them, the verdicts of symmetry alone, real counterexamples', () => {
    for (const memory of [1, 2]) {
      const def = symmetricCpus({ cpus: 3 });
      const props = [neverZero, visibleOnceRead];
      const options = { params: { memory } };
      const sym = check(def, props, { ...options, symmetry: true });
      const both = check(def, props, { ...options, symmetry: true, por: true, porSeed: { states: 0, walks: 0, keep: true } });
      expect(verdicts(both)).toEqual(verdicts(sym));
      expect(both.status).toBe('violated');
      if (both.status !== 'violated' || sym.status !== 'violated') return;
      expect(both.reductions?.por).toBe(true);
      expect(both.stats.states).toBeLessThanOrEqual(sym.stats.states);
      for (const v of both.violations) expectReplaysToViolation(compileModel(def, options), new RefSystem(def, options), props, v);
    }
  });

  // S2 through the store buffers (the random programs above have no guards, and dropping S2
  // altogether fails none of them): thread a on cpu0 either stores x (and ends) or, once it sees
  // flag = 1, fires `bad`; b on cpu1 stores flag, which a sees only after the memory thread has
  // drained it. At the start a's only enabled action is its store, and only S2 brings in the
  // writers of what its disabled guard reads: the drain that writes flag to memory (the memory
  // thread's disabled guards in turn read cpu1's buffer count, which b's store writes). Without
  // that, the reduced set is a's store alone and `bad` is never reached.
  it('S2 under store buffers: a branch enabled only once another CPU\'s store is drained is taken', () => {
    type T = { m: SharedMemory<{ flag: number; x: number }> };
    const model = (memory: 'tso' | 'lkmm'): ModelDef<T> =>
      defineModel({
        name: 's2-store-buffer',
        doc: 'a: x = 1, or WARN once flag = 1 is seen; b on another CPU: flag = 1',
        params: memoryParams(memory, 1),
        variants: { only: '' },
        build({ params }) {
          const init: T = { m: sharedMemory(params, { flag: 0, x: 0 }, 2) };
          return {
            init,
            threads: [
              thread<T>('a', [
                choice<T>('pick', [
                  { label: 'f: WRITE_ONCE(x, 1)', run: (d, env) => WRITE_ONCE(d.m, 'x', 1, env), next: END },
                  { label: 'f: if (READ_ONCE(flag)) WARN', guard: (s, env) => READ_ONCE(s.m, 'flag', env) === 1, run: (_d, env) => env.warnOn(true, 'bad'), next: END },
                ]),
              ]),
              thread<T>('b', [step<T>('set', 'g: WRITE_ONCE(flag, 1)', { run: (d, env) => WRITE_ONCE(d.m, 'flag', 1, env) })]),
              ...memoryThreads(init, (s) => s.m as SharedMemory),
            ],
          };
        },
      });
    const props = defineProperties<T>('s2-store-buffer', [assertion('bad', 'the branch taken after flag is seen', 'bad')], { livelock: false });
    for (const memory of ['tso', 'lkmm'] as const) {
      const plain = check(model(memory), props);
      const por = check(model(memory), props, { por: true, porSeed: { states: 0, walks: 0, keep: true } });
      expect(verdicts(plain), memory).toEqual({ status: 'violated', stoppedBy: '', bad: 'violated', deadlock: 'holds' });
      expect(verdicts(por), memory).toEqual(verdicts(plain));
      expect(por.status === 'violated' && por.reductions?.por, memory).toBe(true);
    }
  });
});
