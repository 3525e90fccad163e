// Thread-local variables (src/model/locals.ts): one program per thread kind, each thread's own
// locals in the state. The same system written with locals and with globals (per-thread arrays)
// has the same state space (counts, verdicts, shortest counterexamples, with and without
// symmetry), the reference explorer agrees with the engine, views and immer agree, locals show
// in traces, and what a thread's guards may not do to them is refused.

import { describe, expect, expectTypeOf, it } from 'vitest';
import { check } from '../../src/engine/check.js';
import type { CheckResult } from '../../src/engine/result.js';
import { compileModel } from '../../src/model/compile.js';
import { localSlots, onlyOwnLocals } from '../../src/model/locals.js';
import {
  defineModel, END, programListing, spawn, step, thread, threadKind, type StepEnv, type SymmetryDef, type System,
} from '../../src/model/index.js';
import { deadlockFree, invariant, type Property } from '../../src/property/index.js';
import { expandPath } from '../../src/trace/expand.js';
import { expectViewsMatchProduce } from '../helpers/view-equivalence.js';
import { expectAgreement } from '../oracle/compare.js';
import { checkAutomorphism } from '../engine/reduction/automorphism.js';

// `cpus` workers each run `rounds` times: tmp = count; count = tmp + 1; last = cpu (a lost
// update is possible). With locals, `cpu`, `i` (the round) and `tmp` are the thread's own.
type G = { count: number; last: number };
type L = { cpu: number; i: number; tmp: number };

const worker = (rounds: number) =>
  threadKind<G, L>('worker', { cpu: 0, i: 0, tmp: 0 }, [
    step('read', 'worker: tmp = count', { run: (d, { local }) => void (local.tmp = d.count) }),
    step('write', 'worker: count = tmp + 1; last = cpu; i++', {
      run: (d, { local }) => {
        d.count = local.tmp + 1;
        d.last = local.cpu;
        local.i++;
      },
      next: (_s, { local }) => (local.i < rounds ? 'read' : END),
    }),
  ]);

const withLocals = (symmetric: boolean) =>
  defineModel({
    name: 'workers-locals',
    doc: 'workers with thread-local tmp and round counter',
    params: {},
    variants: { only: '' },
    build(): System<G> {
      const kind = worker(2);
      const cpus = [0, 1, 2];
      return {
        init: { count: 0, last: -1 },
        threads: cpus.map((cpu) => spawn(kind, `cpu${cpu}/worker`, { cpu })),
        ...(symmetric
          ? { symmetry: [{ name: 'CPUs', members: cpus, threads: (c: number) => [`cpu${c}/worker`], memberValues: ['last'], localMemberValues: ['cpu'] }] }
          : {}),
      };
    },
  });

// The same system with globals: per-CPU arrays indexed by the thread's CPU, one copy of the
// program per CPU.
type GG = { count: number; last: number; i: number[]; tmp: number[] };
const withGlobals = (symmetric: boolean) =>
  defineModel({
    name: 'workers-globals',
    doc: 'workers with per-CPU arrays for tmp and the round counter',
    params: {},
    variants: { only: '' },
    build(): System<GG> {
      const cpus = [0, 1, 2];
      const sym: SymmetryDef = { name: 'CPUs', members: cpus, threads: (c) => [`cpu${c}/worker`], indexed: ['i', 'tmp'], memberValues: ['last'] };
      return {
        init: { count: 0, last: -1, i: [0, 0, 0], tmp: [0, 0, 0] },
        threads: cpus.map((cpu) =>
          thread<GG>(`cpu${cpu}/worker`, [
            step<GG>('read', 'worker: tmp = count', { run: (d) => void (d.tmp[cpu] = d.count) }),
            step<GG>('write', 'worker: count = tmp + 1; last = cpu; i++', {
              run: (d) => {
                d.count = d.tmp[cpu]! + 1;
                d.last = cpu;
                d.i[cpu] = d.i[cpu]! + 1;
              },
              next: (s) => (s.i[cpu]! < 2 ? 'read' : END),
            }),
          ]),
        ),
        ...(symmetric ? { symmetry: [sym] } : {}),
      };
    },
  });

const allDone = (s: { ended(t: number): boolean }) => s.ended(0) && s.ended(1) && s.ended(2);
const props: Property<G>[] = [
  invariant<G>('no-lost-update', 'every increment counts', (s) => !allDone(s) || s.vars.count === 6),
  invariant<G>('last-is-a-cpu', 'last names a CPU once anyone wrote', (s) => s.vars.count === 0 || (s.vars.last >= 0 && s.vars.last < 3)),
  deadlockFree(),
];

function summary(r: CheckResult) {
  if (r.status === 'error') throw new Error(r.message);
  return {
    states: r.stats.states,
    transitions: r.stats.transitions,
    verdicts: Object.fromEntries(r.properties.map((p) => [p.name, p.status === 'violated' ? p.violation.path.length : p.status])),
  };
}

describe('thread-local variables', () => {
  it('give the same state space as the same model written with globals', () => {
    const loc = summary(check(withLocals(false), props));
    const glob = summary(check(withGlobals(false), props as never));
    expect(loc).toEqual(glob);
    expect(loc.verdicts['no-lost-update']).toBeGreaterThan(0); // the lost update is found
    expect(loc.states).toBeGreaterThan(100);
  });

  it('agree with the reference explorer (states, transitions, shortest counterexamples, replayed paths)', () => {
    // Properties read a thread's locals with s.local(thread).
    const localProps: Property<G>[] = [
      ...props,
      invariant<G>('rounds-bounded', 'no worker runs more than two rounds', (s) => [0, 1, 2].every((t) => s.local<L>(t).i <= 2)),
      invariant<G>('cpu0-one-round', 'cpu0 runs at most one round (false: it runs two)', (s) => s.local<L>('cpu0/worker').i < 2),
    ];
    const { result, ref } = expectAgreement(withLocals(false), localProps);
    expect(result.status).toBe('violated');
    expect(ref.states).toBe(summary(result).states);
    const v = summary(result).verdicts;
    expect([v['rounds-bounded'], v['cpu0-one-round']]).toEqual(['holds', 4]);
  });

  it('run the same through views, the scratch path and immer', () => {
    const stats = expectViewsMatchProduce(withLocals(false), {}, 5000);
    expect(stats.states).toBeGreaterThan(100);
    expect(stats.errors).toBe(0);
  });

  it('move with their thread under symmetry: one program, no location renames, the same orbits as the globals model', () => {
    const locSym = summary(check(withLocals(true), props, { symmetry: true }));
    const globSym = summary(check(withGlobals(true), props as never, { symmetry: true }));
    const plain = summary(check(withLocals(false), props));
    expect(locSym.states).toBe(globSym.states);
    expect(locSym.states).toBeLessThan(plain.states / 3);
    expect(locSym.verdicts).toEqual(plain.verdicts);
    const auto = checkAutomorphism(withLocals(true), props);
    expect(auto.problem).toBeUndefined();
    expect(auto.states).toBe(plain.states);
  });

  it('a wrong symmetry declaration over locals is caught (the cpu local not renamed)', () => {
    const wrong = defineModel({
      ...withLocals(true),
      build: (ctx) => {
        const sys = withLocals(true).build(ctx);
        return { ...sys, symmetry: sys.symmetry!.map((d) => ({ ...d, localMemberValues: [] })) };
      },
    });
    // The initial state is then not fixed by the permutations (cpu0's locals say cpu 0 after
    // moving to cpu1): the canonicaliser refuses the declaration.
    const r = check(wrong, props, { symmetry: true });
    expect(r.status).toBe('error');
    if (r.status === 'error') expect(r.message).toMatch(/initial state is not symmetric.*\$local\.cpu\d\/worker\.cpu/);
  });

  it('are part of the state: packed, unpacked, owned, and shown in traces', () => {
    const m = compileModel(withLocals(false));
    expect(m.vars(m.init)).toEqual({
      count: 0,
      last: -1,
      $local: { 'cpu0/worker': { cpu: 0, i: 0, tmp: 0 }, 'cpu1/worker': { cpu: 1, i: 0, tmp: 0 }, 'cpu2/worker': { cpu: 2, i: 0, tmp: 0 } },
    });
    // Slot owners: the globals are -1, each thread's locals its index.
    const owners = Array.from(m.localOwner);
    expect(owners.filter((o) => o === -1)).toHaveLength(2);
    for (let t = 0; t < 3; t++) {
      const slots = localSlots(m.layout, `cpu${t}/worker`);
      expect(slots).toHaveLength(3);
      for (const s of slots) expect(owners[s]).toBe(t);
    }
    // cpu1 reads count into its tmp: the trace's change names the thread's local.
    const trace = expandPath(m, [1]);
    expect(trace.steps[0]!.thread).toBe('cpu1/worker');
    expect(trace.steps[0]!.changes).toEqual([]); // tmp = count = 0: no change yet
    const two = expandPath(m, [1, 1]);
    expect(two.steps[1]!.changes).toEqual([
      { path: '$local.cpu1/worker.i', before: 0, after: 1 },
      { path: 'count', before: 0, after: 1 },
      { path: 'last', before: -1, after: 1 },
    ]);
  });

  it('a thread kind is listed once, with its instances', () => {
    const text = programListing(compileModel(withLocals(false)));
    expect(text.match(/thread kind worker/g)).toHaveLength(2);
    expect(text).toContain('thread kind worker (first instance cpu0/worker)\n  read:\n    worker: tmp = count\n');
    expect(text).toContain('thread kind worker runs as: cpu0/worker, cpu1/worker, cpu2/worker\n');
  });

  it('footprints tell a step that touches only its own locals (what POR will use)', () => {
    // A loop over CPUs on a local counter, then a write of a global.
    type F = { seen: number };
    const scan = threadKind<F, { i: number }>('scan', { i: 0 }, [
      step('next', 'for (i = 0; i < 3; i++)', { run: (_d, { local }) => void (local.i += 1), next: (_s, { local }) => (local.i < 3 ? 'next' : 'done') }),
      step('done', 'seen++', { run: (d) => void (d.seen += 1), next: END }),
    ]);
    const m = compileModel(
      defineModel({ name: 'scan', doc: '', params: {}, variants: { only: '' }, build: (): System<F> => ({ init: { seen: 0 }, threads: [spawn(scan, 'a'), spawn(scan, 'b')] }) }),
    );
    const sinks: { reads: Set<number> | null; writes: Set<number> | null } = { reads: null, writes: null };
    const recorder = m.recorder(sinks);
    const footprint = (state: Int32Array, thread: number) => {
      const acts: typeof m.allActions = [];
      const n = m.enabled(state, acts);
      const a = acts.slice(0, n).find((x) => x.thread === thread)!;
      const reads = new Set<number>();
      const writes = new Set<number>();
      const dst = new Int32Array(m.width);
      sinks.reads = reads;
      sinks.writes = writes;
      expect(recorder.guard(state, a)).toBe(true);
      recorder.apply(state, a, dst);
      sinks.reads = sinks.writes = null;
      // A second recorder of its own records the same slots (recorders share nothing).
      const other = { reads: new Set<number>(), writes: new Set<number>() };
      m.recorder(other).apply(state, a, new Int32Array(m.width));
      expect([[...reads].sort(), [...writes].sort()]).toEqual([[...other.reads].sort(), [...other.writes].sort()]);
      // With the sinks unset, nothing is recorded.
      const before = reads.size;
      recorder.apply(state, a, new Int32Array(m.width));
      expect(reads.size).toBe(before);
      return { slots: [...reads, ...writes], dst };
    };
    const first = footprint(m.init, 1);
    expect(first.slots.length).toBeGreaterThan(0);
    expect(onlyOwnLocals(m.localOwner, 1, first.slots)).toBe(true); // b's i++
    expect(onlyOwnLocals(m.localOwner, 0, first.slots)).toBe(false); // not a's
    let s = m.init;
    for (let k = 0; k < 3; k++) s = footprint(s, 0).dst; // a runs its loop out
    expect(m.locationIds(s)[0]).toBe('done');
    expect(onlyOwnLocals(m.localOwner, 0, footprint(s, 0).slots)).toBe(false); // seen++ is global
  });

  it('a model whose threads declare no locals has no $local key (layouts unchanged)', () => {
    const m = compileModel(withGlobals(false));
    expect(Object.keys(m.vars(m.init))).toEqual(['count', 'i', 'last', 'tmp']);
    expect(Array.from(m.localOwner).every((o) => o === -1)).toBe(true);
  });

  it('refuse a guard that writes a local, and an assignment to env.local itself', () => {
    type N = { n: number };
    const bad = (how: 'guard' | 'replace') =>
      defineModel({
        name: `bad-${how}`,
        doc: '',
        params: {},
        variants: { only: '' },
        build: (): System<N> => ({
          init: { n: 0 },
          threads: [
            thread<N, { k: number }>(
              't',
              [
                how === 'guard'
                  ? step('s', 'f: k++ in a guard', { guard: (_s, { local }) => ++local.k > 0 })
                  : step('s', 'f: local = {...}', { run: (_d, env) => void ((env as { local: unknown }).local = { k: 1 }) }),
              ],
              { locals: { k: 0 } },
            ),
          ],
        }),
      });
    const g = check(bad('guard'), []);
    expect(g.status).toBe('error');
    if (g.status === 'error') expect(g.message).toMatch(/guard.*wrote to the state/);
    const r = check(bad('replace'), []);
    expect(r.status).toBe('error');
    if (r.status === 'error') expect(r.message).toMatch(/'f: local = \{\.\.\.\}': it threw/);
  });

  it('refuse a state that claims the $local key', () => {
    const m = defineModel({
      name: 'claims',
      doc: '',
      params: {},
      variants: { only: '' },
      build: (): System<{ $local: number }> => ({ init: { $local: 1 }, threads: [thread('t', [step('s', 'f: nop')])] }),
    });
    expect(() => compileModel(m)).toThrow(/may not have a key '\$local'/);
  });

  it('are typed per thread kind', () => {
    threadKind<G, L>('typed', { cpu: 0, i: 0, tmp: 0 }, [
      step('s', 'f: typed', {
        run: (d, env) => {
          expectTypeOf(env).toEqualTypeOf<StepEnv<L>>();
          expectTypeOf(env.local.tmp).toEqualTypeOf<number>();
          // @ts-expect-error no local 'j' was declared
          d.count = env.local.j;
        },
      }),
    ]);
    // @ts-expect-error a spawn's overrides are locals of the kind
    spawn(worker(1), 'x', { nope: 1 });
  });
});
