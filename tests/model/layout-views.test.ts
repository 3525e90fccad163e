// Unit tests of src/model/layout.ts: the packed layout (canonical whatever the key order), the
// fixed shape (enforced with ModelErrors that name the variable), and the views' behaviour as
// drafts (reads, writes, array methods, spread, swaps).

import fc from 'fast-check';
import { produce } from 'immer';
import { describe, expect, it } from 'vitest';
import { buildLayout, buildView, isView, packInto, toPlain, unpack, type Layout, type StateData, type ViewTarget } from '../../src/model/layout.js';
import { compileModel, StepError } from '../../src/model/compile.js';
import { defineModel, step, thread } from '../../src/model/index.js';
import { check } from '../../src/engine/check.js';
import { ModelError } from '../../src/util/errors.js';

function packed(layout: Layout, value: unknown): number[] {
  const words = new Int32Array(layout.size);
  packInto(layout.root, value, words, 0);
  return Array.from(words);
}

/** A writable view over a fresh packing of `init`. */
function viewOf<T>(init: T): { view: T; target: ViewTarget; layout: Layout; plain: () => unknown } {
  const layout = buildLayout(init as StateData);
  const target: ViewTarget = { words: new Int32Array(layout.size), base: 0, readOnly: false, reads: null, writes: null };
  packInto(layout.root, init, target.words, 0);
  return { view: buildView(layout.root, target) as T, target, layout, plain: () => unpack(layout.root, target.words, 0) };
}

// Random plain data of a random shape, and the same data with every object's keys reordered.
const leaf = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.boolean());
const data: fc.Arbitrary<StateData> = fc.letrec<{ node: StateData }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', 'zeta', 'Alpha', '_x', '10', '9'), tie('node'), { maxKeys: 4 }),
  ),
})).node;
const rootData = fc.dictionary(fc.constantFrom('x', 'y', 'cpus', 'lock', 'B', '2'), data, { minKeys: 1, maxKeys: 5 });

function reorder(v: StateData, rnd: () => number): StateData {
  if (Array.isArray(v)) return v.map((x) => reorder(x, rnd));
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort(() => rnd() - 0.5);
    return Object.fromEntries(keys.map((k) => [k, reorder((v as Record<string, StateData>)[k]!, rnd)]));
  }
  return v;
}

describe('packed layout', () => {
  it('lays keys out in sorted order with their dotted paths and kinds', () => {
    const layout = buildLayout({ z: 1, a: { y: true, b: [1, 2] }, m: [[3], [4]] });
    expect(layout.paths).toEqual(['a.b[0]', 'a.b[1]', 'a.y', 'm[0][0]', 'm[1][0]', 'z']);
    expect(layout.kinds).toEqual(['int', 'int', 'bool', 'int', 'int', 'int']);
    expect(layout.size).toBe(6);
  });

  it('packs equal data to equal words whatever the key order, and unpacks it back', () => {
    fc.assert(
      fc.property(rootData, fc.integer(), (value, seed) => {
        let s = seed;
        const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) | 0) >>> 0) / 2 ** 32;
        const other = reorder(value, rnd);
        const a = buildLayout(value);
        const b = buildLayout(other);
        expect(b.paths).toEqual(a.paths);
        expect(packed(b, other)).toEqual(packed(a, value));
        expect(packed(a, other)).toEqual(packed(a, value));
        expect(unpack(a.root, new Int32Array(packed(a, other)), 0)).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    [{ x: 1.5 }, /x = 1.5: numbers must be int32/],
    [{ x: 2 ** 31 }, /x = 2147483648: numbers must be int32/],
    [{ x: -(2 ** 31) - 1 }, /numbers must be int32/],
    [{ x: NaN }, /x = NaN/],
    [{ s: 'text' }, /s is string/],
    [{ n: null }, /n is null/],
    [{ a: { u: undefined } }, /a\.u is undefined/],
    [[1, 2], /initial state must be an object/],
    [7, /initial state must be an object/],
  ])('rejects the initial state %j with a ModelError naming the variable', (init, message) => {
    expect(() => buildLayout(init as StateData)).toThrow(ModelError);
    expect(() => buildLayout(init as StateData)).toThrow(message);
  });

  it.each([
    [{ x: 1, y: 2 }, /^y: not in the state's shape \(state shapes are fixed\)$/],
    [{ x: true }, /^x = true: expected an int32 integer$/],
    [{ x: 2 ** 31 }, /^x = 2147483648: expected an int32 integer$/],
    [{ x: 0.5 }, /^x = 0.5: expected an int32 integer$/],
    [{}, /^x = undefined: expected an int32 integer$/],
  ])('packInto enforces the shape: %j', (value, message) => {
    const layout = buildLayout({ x: 0 });
    expect(() => packed(layout, value)).toThrow(ModelError);
    expect(() => packed(layout, value)).toThrow(message);
  });

  it('packInto enforces array lengths, element types and nested keys', () => {
    const layout = buildLayout({ cpus: [{ on: false }, { on: false }] });
    expect(() => packed(layout, { cpus: [{ on: true }] })).toThrow(/^cpus = \[\{"on":true\}\]: expected an array of length 2 \(state shapes are fixed\)$/);
    expect(() => packed(layout, { cpus: [{ on: 1 }, { on: true }] })).toThrow(/^cpus\[0\]\.on = 1: expected a boolean$/);
    expect(() => packed(layout, { cpus: [{ on: true }, { on: true, off: false }] })).toThrow(/^cpus\[1\]\.off: not in the state's shape/);
    expect(() => packed(layout, { cpus: 'no' })).toThrow(ModelError);
  });
});

describe('views', () => {
  it('read and write the packed words, as a draft would', () => {
    const { view, target, layout, plain } = viewOf({ n: 0, on: false, cpus: [1, 2, 3], lock: { holder: -1 } });
    view.n = -5;
    view.on = true;
    view.cpus[2] = 7;
    view.lock.holder = 1;
    expect(plain()).toEqual({ n: -5, on: true, cpus: [1, 2, 7], lock: { holder: 1 } });
    expect(Array.from(target.words)).toEqual([1, 2, 7, 1, -5, 1]);
    expect(layout.paths).toEqual(['cpus[0]', 'cpus[1]', 'cpus[2]', 'lock.holder', 'n', 'on']);
    expect(isView(view)).toBe(true);
    expect(isView(view.cpus)).toBe(true);
    expect(toPlain(view.lock)).toEqual({ holder: 1 });
    expect(JSON.parse(JSON.stringify(view))).toEqual(plain());
  });

  it('enumerate like plain objects: Object.keys/values/entries, spread, for-in, `in`', () => {
    const { view } = viewOf({ b: true, a: 2, arr: [4, 5] });
    expect(Object.keys(view).sort()).toEqual(['a', 'arr', 'b']);
    expect({ ...view, arr: [...view.arr] }).toEqual({ a: 2, b: true, arr: [4, 5] });
    expect(Object.values(view.arr)).toEqual([4, 5]);
    expect(Object.entries(view.arr)).toEqual([
      ['0', 4],
      ['1', 5],
    ]);
    const forIn: string[] = [];
    for (const k in view) forIn.push(k);
    expect(forIn.sort()).toEqual(['a', 'arr', 'b']);
    expect('a' in view && !('c' in view)).toBe(true);
    expect(Object.assign({}, view).a).toBe(2);
  });

  it('array views offer the read-only array methods', () => {
    const { view } = viewOf({ a: [3, 1, 2], m: [{ v: 1 }, { v: 2 }] });
    const a = view.a;
    expect(a.length).toBe(3);
    expect(a.map((x) => x * 2)).toEqual([6, 2, 4]);
    expect(a.filter((x) => x > 1)).toEqual([3, 2]);
    expect([a.some((x) => x === 2), a.every((x) => x > 0)]).toEqual([true, true]);
    expect(a.reduce((p, x) => p + x, 0)).toBe(6);
    expect([a.find((x) => x < 3), a.findIndex((x) => x === 2), a.indexOf(1), a.includes(4)]).toEqual([1, 2, 1, false]);
    expect([a.findLast((x) => x > 1), a.findLastIndex((x) => x > 1), a.at(-1)]).toEqual([2, 2, 2]);
    expect([a.slice(1), a.join('-'), [...a.entries()], [...a.keys()], [...a.values()]]).toEqual([
      [1, 2],
      '3-1-2',
      [
        [0, 3],
        [1, 1],
        [2, 2],
      ],
      [0, 1, 2],
      [3, 1, 2],
    ]);
    expect(a.flatMap((x) => [x, x])).toEqual([3, 3, 1, 1, 2, 2]);
    const seen: number[] = [];
    a.forEach((x) => seen.push(x));
    for (const x of a) seen.push(x);
    expect(seen).toEqual([3, 1, 2, 3, 1, 2]);
    expect(view.m.map((o) => o.v)).toEqual([1, 2]);
  });

  it.each(['push', 'pop', 'shift', 'unshift', 'splice', 'fill', 'sort', 'reverse', 'copyWithin'])(
    'array views refuse %s() with a ModelError: arrays have a fixed length',
    (m) => {
      const { view } = viewOf({ cpus: [1, 2] });
      const call = () => (view.cpus as unknown as Record<string, (...a: unknown[]) => unknown>)[m]!(0);
      expect(call).toThrow(ModelError);
      expect(call).toThrow(`cpus.${m}(): arrays in the state have a fixed length; assign elements instead`);
    },
  );

  it('refuse a length change, a wrong type, a non-int32, a reshaped sub-object, and deletion', () => {
    const { view } = viewOf({ n: 0, on: false, cpus: [1, 2], o: { a: 0 } });
    const v = view as Record<string, unknown> & { cpus: number[] & { length: number }; o: Record<string, unknown> };
    expect(() => (v.cpus.length = 3)).toThrow(/^cpus\.length = 3: arrays in the state have a fixed length$/);
    expect(() => (v.n = 1.5)).toThrow(/^n = 1.5: expected an int32 integer$/);
    expect(() => (v.n = 2 ** 31)).toThrow(/^n = 2147483648: expected an int32 integer$/);
    expect(() => (v.n = '1')).toThrow(/^n = "1": expected an int32 integer$/);
    expect(() => (v.n = NaN)).toThrow(ModelError);
    expect(() => (v.on = 1)).toThrow(/^on = 1: expected a boolean$/);
    expect(() => (v.cpus = [1, 2, 3])).toThrow(/^cpus = \[1,2,3\]: expected an array of length 2/);
    expect(() => (v.o = { a: 1, b: 2 })).toThrow(/^o\.b: not in the state's shape/);
    expect(() => (v.cpus[5] = 1)).toThrow(TypeError); // not extensible
    expect(() => (v.extra = 1)).toThrow(/Cannot add property extra/);
    expect(() => delete v.n).toThrow(TypeError);
    expect(v.n).toBe(0);
  });

  it('refuse every write while read-only, naming the variable', () => {
    const { view, target } = viewOf({ n: 0, o: { a: 0 } });
    target.readOnly = true;
    expect(() => (view.n = 1)).toThrow(/^n: written while the state is read-only \(in a guard, next or property\)$/);
    expect(() => (view.o.a = 1)).toThrow(/^o\.a: written while the state is read-only/);
    expect(() => (view.o = { a: 1 })).toThrow(/^o: written while the state is read-only/);
  });

  it('assignments of sub-objects and arrays read their whole value first (swaps work)', () => {
    const init = { q: [{ a: 1, b: true }, { a: 2, b: false }], m: [[1, 2], [3, 4]], o: { a: 9, b: true } };
    const swap = (d: typeof init) => {
      d.q = [d.q[1]!, d.q[0]!];
      d.m = [d.m[1]!, d.m[0]!];
      d.q[0] = d.q[1]!;
      d.o = { b: false, a: d.o.a + 1 };
    };
    const { view, plain } = viewOf(init);
    swap(view);
    expect(plain()).toEqual(produce(init, swap));
    expect(plain()).toEqual({ q: [{ a: 1, b: true }, { a: 1, b: true }], m: [[3, 4], [1, 2]], o: { a: 10, b: false } });
  });

  it('assigning a sub-object copies it (C struct assignment); immer would alias the two', () => {
    // A deliberate, documented difference: the packed state cannot alias, so `d.x = d.y` is a
    // copy. Immer keeps x and y the same draft within the recipe. Models copy explicitly
    // (`{ ...d.y }`), which means the same thing on both paths.
    const init = { x: { f: 1 }, y: { f: 2 } };
    const { view, plain } = viewOf(init);
    view.x = view.y;
    view.y.f = 5;
    expect(plain()).toEqual({ x: { f: 2 }, y: { f: 5 } });
    expect(produce(init, (d) => void ((d.x = d.y), (d.y.f = 5)))).toEqual({ x: { f: 5 }, y: { f: 5 } });
    const copy = (d: typeof init) => void ((d.x = { ...d.y }), (d.y.f = 5));
    const second = viewOf(init);
    copy(second.view);
    expect(second.plain()).toEqual(produce(init, copy));
  });

  it('record the slots read and written when footprints are on', () => {
    const { view, target, layout } = viewOf({ a: 0, b: [0, 0], c: { d: false } });
    const reads = new Set<number>();
    const writes = new Set<number>();
    Object.assign(target, { reads, writes });
    void view.a;
    view.b[1] = view.b[0]! + 1;
    view.c = { d: true };
    expect([...reads].map((i) => layout.paths[i]).sort()).toEqual(['a', 'b[0]']);
    expect([...writes].map((i) => layout.paths[i]).sort()).toEqual(['b[1]', 'c.d']);
  });

  it('record as reads every slot of a sub-object read whole (copy, swap, JSON)', () => {
    const { view, target, layout } = viewOf({ x: { f: 1, g: true }, y: { f: 2, g: false }, q: [[1], [2]], z: 0 });
    const paths = (set: Set<number>) => [...set].map((i) => layout.paths[i]).sort();
    const reads = new Set<number>();
    const writes = new Set<number>();
    Object.assign(target, { reads, writes });
    view.x = view.y;
    expect([paths(reads), paths(writes)]).toEqual([
      ['y.f', 'y.g'],
      ['x.f', 'x.g'],
    ]);
    reads.clear();
    view.q = [view.q[1]!, view.q[0]!];
    expect(paths(reads)).toEqual(['q[0][0]', 'q[1][0]']);
    reads.clear();
    JSON.stringify(view.x);
    expect(paths(reads)).toEqual(['x.f', 'x.g']);
  });
});

describe('shape errors from a step surface as model errors naming the step', () => {
  type S = { n: number; cpus: number[] };
  const model = (run: (d: S) => void) =>
    defineModel<S>({
      name: 'shape',
      doc: 'a step that breaks the shape',
      params: {},
      variants: { only: 'one' },
      build: () => ({ init: { n: 0, cpus: [0, 0] }, threads: [thread<S>('t', [step<S>('s', 'f: bad write', { run })])] }),
    });

  it.each([
    ['adds a key', (d: S) => void ((d as unknown as Record<string, number>).extra = 1), /Cannot add property extra/],
    ['writes a non-int32', (d: S) => void (d.n = 0.5), /n = 0.5: expected an int32 integer/],
    ['writes a boolean into an int', (d: S) => void ((d as unknown as Record<string, boolean>).n = true), /n = true: expected an int32 integer/],
    ['pushes onto an array', (d: S) => void d.cpus.push(1), /cpus(\.push\(\): arrays in the state have a fixed length| = \[0,0,1\]: expected an array of length 2)/],
    ['grows an array', (d: S) => void (d.cpus = [1, 2, 3]), /cpus = \[1,2,3\]: expected an array of length 2/],
  ])('a step that %s: ModelError from apply, error result from check', (_what, run, message) => {
    const m = compileModel(model(run));
    const out = new Int32Array(m.width);
    const act = m.allActions[0]!;
    let first: unknown;
    try {
      m.apply(m.init, act, out);
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(StepError);
    expect((first as Error).message).toMatch(message);
    // A failed step leaves nothing behind: applying it again fails the same way.
    expect(() => m.apply(m.init, act, out)).toThrow((first as Error).message);
    const r = check(model(run), []);
    expect(r.status).toBe('error');
    if (r.status !== 'error') return;
    expect(r.message).toMatch(/^model shape: thread t, step 'f: bad write': /);
    expect(r.message).toMatch(message);
    expect([r.thread, r.label, r.state]).toEqual(['t', 'f: bad write', { locations: ['s'], vars: { n: 0, cpus: [0, 0] } }]);
  });
});
