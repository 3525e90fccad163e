// Footprint recording (src/engine/reduction/por.ts, footprints.ts): what a guard, a step with
// its step properties, recipe and next(), and an invariant read and write is recorded, by the
// views, into the location's and the action's footprint; a location read by a property counts
// as a read of that thread's program counter; computed next() targets and BUG_ON are learned;
// and an evaluation seen before (same values at every slot it read) is not recorded again.

import { describe, expect, it } from 'vitest';
import { compileModel, type CompiledAction } from '../../../src/model/compile.js';
import { choice, defineModel, END, step, thread } from '../../../src/model/index.js';
import { invariant, stepProperty } from '../../../src/property/index.js';
import { PartialOrder } from '../../../src/engine/reduction/por.js';
import { ReadMemo } from '../../../src/engine/reduction/memo.js';

type S = { a: number; b: number; c: number; flags: boolean[] };

const model = defineModel<S>({
  name: 'fp',
  doc: '',
  params: {},
  variants: { only: '' },
  build: () => ({
    init: { a: 0, b: 0, c: 0, flags: [false, false] },
    threads: [
      thread<S>('t0', [
        choice<S>('pick', [
          { label: 'f: if (a) b = c', guard: (s) => s.flags[1]! === false, run: (d) => void (d.a !== 0 && (d.b = d.c)), next: (s) => (s.b > 0 ? 'pick' : END) },
          { label: 'f: BUG_ON(c)', guard: (s) => s.c > 5, run: (_d, env) => env.bugOn(true, 'bug') },
        ]),
      ]),
      thread<S>('t1', [step<S>('set', 'g: a = 1; flags[0] = true', { run: (d) => { d.a = 1; d.flags[0] = true; } })]),
    ],
  }),
});

const props = [
  invariant<S>('inv', 'flags[0] implies t1 ended', (s) => !s.vars.flags[0] || s.ended('t1')),
  stepProperty<S>('sp', 'f runs with c < 10', (s, st) => st.fn !== 'f' || s.vars.c < 10),
];

describe('footprint recording', () => {
  const m = compileModel(model);
  const por = new PartialOrder(m, props, props, null);
  const fp = por.fp;
  const names = (bits: Uint32Array, off: number) => fp.slots(bits, off).map((s) => fp.slotName(s)).sort();
  const loc = (t: number, l: number) => fp.loc(t, l);
  const actions: CompiledAction[] = [];

  it('records guards, steps (with step properties and next) and invariants', () => {
    por.beginPass('learn', null);
    const s0 = m.init;
    por.visitGuards(s0);
    // t0's two guards read flags[1] and c; t1 has none.
    expect(names(fp.reads, loc(0, 0) * fp.words)).toEqual(['c', 'flags[1]']);
    expect(names(fp.reads, loc(1, 0) * fp.words)).toEqual([]);
    const n = m.enabled(s0, actions);
    expect(n).toBe(2);
    // t0's step with a = 0: reads a (recipe), c (step property), b (next); writes pc(t0) (it ends).
    por.visitStep(s0, actions[0]!);
    expect(names(fp.reads, loc(0, 0) * fp.words)).toEqual(['a', 'b', 'c', 'flags[1]']);
    expect(names(fp.writes, loc(0, 0) * fp.words)).toEqual(['ended(t0)', 'fn(t0)', 'pc(t0)']);
    const a0 = fp.actionIndex.get(actions[0]!)!;
    expect(names(fp.actionReads, a0 * fp.words)).toEqual(['a', 'b', 'c', 'flags[1]']);
    expect([...fp.edges[loc(0, 0)]!]).toContain(-1);
    // t1's step writes a, flags[0] and its pc.
    por.visitStep(s0, actions[1]!);
    expect(names(fp.writes, loc(1, 0) * fp.words)).toEqual(['a', 'ended(t1)', 'flags[0]', 'fn(t1)', 'pc(t1)']);
    // The invariant reads flags[0], and whether t1 ended (not its location) only when flags[0] is set.
    por.visitInvariants(s0);
    expect(fp.slots(fp.inv[0]!, 0).map((s) => fp.slotName(s))).toEqual(['flags[0]']);
    const s1 = m.pack({ a: 1, b: 0, c: 2, flags: [true, false] }, ['pick', 'set']);
    por.visitInvariants(s1);
    expect(fp.slots(fp.inv[0]!, 0).map((s) => fp.slotName(s)).sort()).toEqual(['ended(t1)', 'flags[0]']);
  });

  it('learns a computed next() target and a BUG_ON, and grows only on something new', () => {
    const s2 = m.pack({ a: 1, b: 0, c: 7, flags: [true, false] }, ['pick', END]);
    m.enabled(s2, actions);
    const version = fp.version;
    // a = 1: b = c (reads c, writes b), next goes back to 'pick'.
    por.visitStep(s2, actions[0]!);
    expect(fp.version).toBeGreaterThan(version);
    expect(names(fp.writes, loc(0, 0) * fp.words)).toEqual(['b', 'ended(t0)', 'fn(t0)', 'pc(t0)']);
    expect([...fp.edges[loc(0, 0)]!].sort()).toEqual([-1, loc(0, 0)]);
    por.visitStep(s2, actions[1]!);
    expect(fp.halts[loc(0, 0)]).toBe(1);
    // The same evaluations again: the memo knows them, nothing grows.
    const v2 = fp.version;
    por.visitStep(s2, actions[0]!);
    por.visitStep(s2, actions[1]!);
    por.visitGuards(s2);
    expect(fp.version).toBe(v2);
  });
});

describe('read memo', () => {
  it('knows an evaluation by the values of exactly the slots it read', () => {
    const memo = new ReadMemo();
    const s = Int32Array.from([1, 2, 3, 4]);
    expect(memo.seen(s)).toBeNull();
    memo.remember(s, Int32Array.from([0, 2]));
    expect(memo.seen(Int32Array.from([1, 9, 3, 9]))).toEqual(Int32Array.from([0, 2]));
    expect(memo.seen(Int32Array.from([1, 2, 4, 4]))).toBeNull();
    memo.remember(Int32Array.from([5, 5, 5, 5]), Int32Array.from([1]));
    expect(memo.seen(Int32Array.from([0, 5, 0, 0]))).toEqual(Int32Array.from([1]));
    // Many tuples of one shape.
    for (let i = 0; i < 5000; i++) memo.remember(Int32Array.from([i, 0, -i, 0]), Int32Array.from([0, 2]));
    for (let i = 0; i < 5000; i += 97) expect(memo.seen(Int32Array.from([i, 7, -i, 7]))).not.toBeNull();
    expect(memo.seen(Int32Array.from([3, 0, 3, 0]))).toBeNull();
  });

  it('knows an evaluation that read nothing in every state, and only once one is remembered', () => {
    const memo = new ReadMemo();
    expect(memo.seenShape(Int32Array.from([1, 2]))).toBe(-1);
    expect(memo.remember(Int32Array.from([1, 2]), new Int32Array(0))).toBe(0);
    for (const s of [[1, 2], [0, 0], [-7, 9]]) expect(memo.seen(Int32Array.from(s))).toEqual(new Int32Array(0));
    expect(memo.seenShape(Int32Array.from([5, 5]))).toBe(0);
  });
});
