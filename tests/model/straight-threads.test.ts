// The step compiler's constructs for reading across threads and tables of bound values
// (src/model/straight.ts, session 10): `env.threadNames.every/some(cb)` unrolled over the model's
// threads, `localsOf(s, name)` (a thread with locals, one whose locals lack a member: undefined,
// one without locals: localsOf's empty object), `x?.m` on a part of the state and on undefined,
// and frozen arrays and objects of functions and constants bound by a form (`T[j].get(d)`,
// `T.length`). Random guards and recipes over them (fast-check writes their source) give the same
// enabled sets, successors and errors as the scratch tree (`straight: false`) and immer's produce
// (`reference`), and the tests count that the compiled path ran.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileModel, compileSteps, type CompiledAction, type CompiledModel } from '../../src/model/compile.js';
import { choice, declareStraight, defineModel, spawn, thread, threadKind, type ModelDef } from '../../src/model/index.js';
import { localsOf } from '../../src/model/locals.js';
import { enabledOnAllPaths } from '../helpers/three-paths.js';

type Row = { x: number; f: boolean; v: number[] };
type S = { a: number; arr: number[]; flags: boolean[]; o: { x: number }; o2: { x: number }; rows: Row[] };
const row = (x: number): Row => ({ x, f: x > 0, v: [x, 0] });
const INIT: S = { a: 0, arr: [0, 1], flags: [false, false], o: { x: -1 }, o2: { x: -1 }, rows: [row(0), row(1), row(2)] };
type A = { i: number; k: boolean; t: { in: boolean } };
type B = { j: number };

/** A function from source with `names` bound (really closed over), its form declaring them. */
function bound(src: string, names: Record<string, unknown>): any {
  const keys = Object.keys(names);
  const f = new Function(...keys, `'use strict'; return ${src};`)(...keys.map((k) => names[k]));
  return declareStraight(f, { bind: names });
}

/**
 * Threads: p and q (kind A: locals i, k and a task-like object t), r (kind B: locals j only, so
 * `.i`, `.t` are undefined), u (no locals: localsOf's empty object). Each thread's own steps
 * change its locals; thread p's guard and recipe are the random ones.
 */
function buildModel(guard: string | undefined, run: string | undefined, names: Record<string, unknown>): ModelDef<S> {
  const a = threadKind<S, A>('a', { i: 0, k: false, t: { in: false } }, [
    choice<S, A>('l0', [
      { label: 'g', ...(guard ? { guard: bound(guard, names) } : {}), ...(run ? { run: bound(run, names) } : {}), next: 'l1' },
      { label: 'i', guard: (_s, env) => env.local.i < 2, run: (_d, env) => void (env.local.i += 1), next: 'l1' },
    ]),
    choice<S, A>('l1', [
      { label: 'k', run: (_d, env) => void (env.local.k = !env.local.k), next: 'l0' },
      { label: 't', run: (_d, env) => void (env.local.t.in = !env.local.t.in), next: 'l0' },
    ]),
  ]);
  const b = threadKind<S, B>('b', { j: 0 }, [choice<S, B>('m0', [{ label: 'j', guard: (_s, env) => env.local.j < 2, run: (_d, env) => void (env.local.j += 1), next: 'm0' }])]);
  const u = thread<S>('u', [choice<S>('n0', [{ label: 'x', guard: (s) => s.a < 2, run: (d) => void (d.a += 1), next: 'n0' }])]);
  return defineModel<S>({
    name: 'straight-threads',
    doc: 'random steps reading other threads and bound tables',
    params: {},
    variants: { v: 'only' },
    // u has no locals at all (no `locals` object), not an empty one.
    build: () => ({ init: structuredClone(INIT), threads: [spawn(a, 'p'), spawn(b, 'r'), u, spawn(a, 'q', { i: 1 })] }),
  });
}

type Out = { words: number[] } | { error: string };
function step(m: CompiledModel, src: Int32Array, a: CompiledAction): Out {
  const dst = new Int32Array(m.width);
  try {
    m.apply(src, a, dst);
    return { words: Array.from(dst) };
  } catch (e) {
    return { error: String(e) };
  }
}

/** BFS over `limit` states comparing the three paths; how often the random guard and recipe ran compiled (decided, not bailed). */
function compare(def: ModelDef<S>, limit: number): { guard: number; recipe: number } {
  const fast = compileSteps(compileModel(def));
  const tree = compileModel(def, { straight: false });
  const ref = compileModel(def, { reference: true });
  const g = fast.allActions.find((x) => x.thread === 0 && x.label === 'g')!;
  const ran = { guard: 0, recipe: 0 };
  const seen = new Set([fast.init.join()]);
  const queue = [fast.init];
  while (queue.length > 0 && seen.size < limit) {
    const s = queue.shift()!;
    if (g.straightGuard !== undefined && g.straightGuard(s) >= 0) ran.guard++;
    const en = enabledOnAllPaths(fast, tree, ref, s);
    if (typeof en === 'string') continue;
    for (const o of en) {
      const a = fast.allActions[o]!;
      if (a === g && g.straightRecipe !== undefined) {
        const d = new Int32Array(fast.width);
        if (g.straightRecipe(s, d)) ran.recipe++;
      }
      const got = step(fast, s, a);
      expect(got).toEqual(step(tree, s, tree.allActions[o]!));
      const want = step(ref, s, ref.allActions[o]!);
      if ('error' in got) expect('error' in want, `${a.label}: ${got.error}`).toBe(true);
      else {
        expect(got).toEqual(want);
        const key = got.words.join();
        if (!seen.has(key)) {
          seen.add(key);
          queue.push(Int32Array.from(got.words));
        }
      }
    }
  }
  return ran;
}

// A test of thread `n`'s locals (n a name from env.threadNames): members it has, lacks, or whose
// object it lacks (`?.`), and the whole locals compared with undefined through `?.`.
const threadTest = fc.constantFrom(
  'localsOf(s, n).i > 0',
  'localsOf(s, n).i === void 0',
  '!localsOf(s, n).k',
  'localsOf(s, n).k === false',
  '!task(localsOf(s, n))?.in',
  'task(localsOf(s, n))?.in === true',
  'localsOf(s, n).j !== 1',
  'localsOf(s, n)?.j === void 0 || s.arr[0] > 0',
  '(localsOf(s, n).i ?? 5) > s.a',
  "n === 'q' || localsOf(s, n).i !== 1",
);

describe('straight-line steps across threads and over bound tables (straight.ts)', () => {
  it('random env.threadNames.every/some over localsOf, members a thread lacks and `?.`: the same as the scratch tree and immer', () => {
    const task = (l: { t?: { in: boolean } }) => l.t;
    const spec = fc.record({
      method: fc.constantFrom('every', 'some'),
      test: threadTest,
      and: fc.constantFrom('', ' && s.a < 2', ' || s.flags[0]'),
    });
    let compiled = 0;
    let ran = 0;
    fc.assert(
      fc.property(spec, ({ method, test, and }) => {
        const guard = `(s, env) => env.threadNames.${method}((n) => ${test})${and}`;
        const def = buildModel(guard, '(d, env) => { d.flags[0] = !d.flags[0]; }', { localsOf, task });
        const g = compileSteps(compileModel(def)).allActions.find((x) => x.thread === 0 && x.label === 'g')!;
        // `??` and a thread's name compared (a string as a value) are outside the subset: refused; the rest compiles.
        expect(g.straightGuard !== undefined, guard).toBe(!test.includes('??') && !test.includes("'q'"));
        if (g.straightGuard !== undefined) compiled++;
        ran += compare(def, 60).guard;
      }),
      { numRuns: 50, seed: 0x7ead5 },
    );
    expect(compiled).toBeGreaterThan(30);
    expect(ran).toBeGreaterThan(500);
  });

  it('refused: localsOf of a part of the state, or with a name not known when compiling; a chain after `?.` of undefined; a member Object.prototype has', () => {
    const task = (l: { t?: { in: boolean } }) => l.t;
    for (const guard of [
      '(s, env) => env.threadNames.every((n) => localsOf(s.o, n).i > 0)',
      "(s, env) => localsOf(s, env.self === 0 ? 'p' : 'q').i > 0",
      "(s) => task(localsOf(s, 'u'))?.in.x === 1",
      "(s) => localsOf(s, 'p').toString === void 0",
      "(s) => localsOf(s, 'u').constructor === void 0",
      '(s, env) => env.threadNames.length > 0',
    ]) {
      const def = buildModel(guard, undefined, { localsOf, task });
      expect(compileSteps(compileModel(def)).allActions.find((x) => x.thread === 0 && x.label === 'g')!.straightGuard, guard).toBeUndefined();
      compare(def, 20);
    }
  });

  it('random recipes over a frozen table of lock-like references (`T[j].get(d)`, `T.length`, a literal argument): the same as the scratch tree and immer', () => {
    // As lockOrderNoteAcquire(vars, order, classes, acquired, self): for every other class the
    // thread holds, an order flag set; the table a frozen array of frozen objects with a getter.
    const T = Object.freeze([Object.freeze({ name: 'o', get: (s: S) => s.o }), Object.freeze({ name: 'o2', get: (s: S) => s.o2 })]);
    const note = (vars: S, flags: boolean[], classes: typeof T, acquired: number, self: number) => {
      for (let held = 0; held < classes.length; held++) if (held !== acquired && classes[held]!.get(vars).x === self) flags[held] = true;
    };
    const spec = fc.record({
      cls: fc.constantFrom(0, 1),
      take: fc.constantFrom('d.o.x = env.self;', 'd.o2.x = env.self;', 'd.o.x = -1;', ''),
      how: fc.constantFrom('note(d, d.flags, T, CLS, env.self)', 'note(d, d.flags, T, CLS + 0, env.self)', 'd.arr[T.length - 1] = T[CLS].get(d).x + 1', "d.a = T[CLS].name === 'o' ? 1 : 0"),
    });
    let compiled = 0;
    let ran = 0;
    fc.assert(
      fc.property(spec, ({ cls, take, how }) => {
        const run = `(d, env) => { ${how.replaceAll('CLS', String(cls))}; ${take} }`;
        const def = buildModel(undefined, run, { note, T });
        const g = compileSteps(compileModel(def)).allActions.find((x) => x.thread === 0 && x.label === 'g')!;
        // A string used as a value (T[c].name compared) is outside the subset; the rest compiles.
        expect(g.straightRecipe !== undefined, run).toBe(!how.includes('.name'));
        if (g.straightRecipe !== undefined) compiled++;
        ran += compare(def, 60).recipe;
      }),
      { numRuns: 40, seed: 0x10c4 },
    );
    expect(compiled).toBeGreaterThan(20);
    expect(ran).toBeGreaterThan(100);
    // Not frozen (its members could change after compiling), or an index not known when compiling: refused.
    for (const [table, run] of [
      [[T[0], T[1]], '(d, env) => { note(d, d.flags, T, 0, env.self); }'],
      [Object.freeze([{ name: 'o', get: (s: S) => s.o }, T[1]]), '(d) => { d.a = T[0].get(d).x; }'],
      [T, '(d) => { d.a = T[d.arr[0]].get(d).x; }'],
    ] as const) {
      const def = buildModel(undefined, run, { note, T: table });
      expect(compileSteps(compileModel(def)).allActions.find((x) => x.thread === 0 && x.label === 'g')!.straightRecipe, run).toBeUndefined();
      compare(def, 20);
    }
  });

  it('random guards and recipes over an element of an array of objects picked by a computed index (`s.rows[e].x`, passed to a helper, named by a const): the same as the scratch tree and immer', () => {
    // A helper that writes the value the caller's index read, then reads the element again: the
    // element is the one the index gave at the call (the index evaluated once, in argument order).
    const bump = (r: Row, d: S) => {
      d.a = (d.a + 1) % 4;
      r.x = (r.x + d.a) % 3;
      r.v[1] = r.f ? 1 : 0;
    };
    const test = (r: Row, k: number) => r.x === k || (r.f && r.v[0]! > k);
    const index = fc.constantFrom('env.local.i', 's.a', 's.arr[1]', '(s.a + env.local.i) % 4', 's.rows[s.a].x');
    const guard = fc.oneof(
      fc.tuple(index, fc.constantFrom('.x > 0', '.f', '.v[1] === 0', '.v[s.arr[0]] < 2')).map(([e, m]) => `(s, env) => s.rows[${e}]${m}`),
      fc.tuple(index, fc.constantFrom('0', '1', 's.a')).map(([e, k]) => `(s, env) => test(s.rows[${e}], ${k})`),
      fc.tuple(index).map(([e]) => `(s, env) => { const r = s.rows[${e}]; return r.x < 2 && !r.f; }`),
      fc.tuple(index).map(([e]) => `(s, env) => s.rows[${e}].v.some((y) => y > 1)`),
    );
    const stmt = fc.oneof(
      fc.tuple(index, fc.constantFrom('0', '1', 'd.a', 'd.rows[1].x + 1')).map(([e, v]) => `d.rows[${e}].x = ${v};`),
      fc.tuple(index).map(([e]) => `d.rows[${e}].f = !d.rows[${e}].f;`),
      fc.tuple(index).map(([e]) => `d.rows[${e}].v[d.a] += 1;`),
      fc.tuple(index).map(([e]) => `bump(d.rows[${e}], d);`),
      fc.constant('d.rows[env.local.i++].x = 2;'),
      fc.constant('d.a = (d.a + 1) % 4;'),
    );
    const spec = fc.record({ g: guard, ss: fc.array(stmt, { minLength: 1, maxLength: 3 }) });
    let compiled = 0;
    let ran = 0;
    fc.assert(
      fc.property(spec, ({ g, ss }) => {
        const gs = g;
        const run = `(d, env) => { ${ss.map((x) => x.replaceAll('s.a', 'd.a').replaceAll('s.arr', 'd.arr').replaceAll('s.rows', 'd.rows')).join(' ')} }`;
        const def = buildModel(gs, run, { test, bump });
        const a = compileSteps(compileModel(def)).allActions.find((x) => x.thread === 0 && x.label === 'g')!;
        expect(a.straightGuard, gs).toBeDefined();
        expect(a.straightRecipe, run).toBeDefined();
        compiled++;
        const r = compare(def, 80);
        ran += r.guard + r.recipe;
      }),
      { numRuns: 60, seed: 0x50ed },
    );
    expect(compiled).toBe(60);
    expect(ran).toBeGreaterThan(1000);
    // A const naming such an element in a recipe, then a write to what its index read: the const
    // is still the element the index gave at its declaration.
    for (const run of ['(d, env) => { const r = d.rows[d.a]; d.a = (d.a + 1) % 4; r.x = (r.x + 1) % 3; }', '(d, env) => { bump(d.rows[d.a], d); { const r = d.rows[d.a]; d.a = 0; r.f = !r.f; } }']) {
      const def = buildModel(undefined, run, { bump });
      expect(compileSteps(compileModel(def)).allActions.find((x) => x.thread === 0 && x.label === 'g')!.straightRecipe, run).toBeDefined();
      expect(compare(def, 40).recipe, run).toBeGreaterThan(5);
    }
  });
});
