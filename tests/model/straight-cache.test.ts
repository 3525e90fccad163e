// The step compiler's cache and its compiling on first use (straight.ts `compiled`, compile.ts
// `compileLazily`): a step compiles when the search first evaluates its guard or applies it; the
// same inputs (source texts, declared forms' bindings, layout, thread, locations) share one
// generated function across compiles and models, and any difference in them gives each model
// the code for its own inputs: every model below is checked against the tree path after another
// model with the same source text filled the cache.

import { describe, expect, it } from 'vitest';
import { compileModel, compileSteps, type CompiledAction, type CompiledModel } from '../../src/model/compile.js';
import { choice, declareStraight, defineModel, spawn, step, thread, threadKind, type ModelDef, type ThreadDef } from '../../src/model/index.js';

type S = { n: number; on: boolean };

const model = (threads: ThreadDef<any, any>[], init: object = { n: 0, on: false }): ModelDef<any> =>
  defineModel<any>({ name: 'cache', doc: 'test model', params: {}, variants: { v: 'only' }, build: () => ({ init: structuredClone(init), threads }) });

/** n counts 0, 1, 2, 0, ... under `guard` (with `next` if given) or not: x meets every n. */
const counter = (name: string, guard: (s: any, env: any) => boolean, next?: (s: any) => string): ThreadDef<any> =>
  thread<any>(name, [
    choice<any>('x', [
      { label: 'f: n++', guard, run: (d: S) => void (d.n = (d.n + 1) % 3), next: next ?? 'y' },
      { label: 'f: skip', run: (d: S) => void (d.n = (d.n + 1) % 3), next: 'x' },
    ]),
    step<any>('y', 'f: on', { run: (d: S) => void (d.on = !d.on), next: 'x' }),
  ]);

function enabled(m: CompiledModel, s: Int32Array): number[] {
  const out: CompiledAction[] = [];
  return out.slice(0, m.enabled(s, out)).map((a) => a.ordinal);
}

/**
 * Every reachable state: the compiled model's enabled sets and successors equal the tree path's,
 * and its compiled guards (all compiled up front) agree with the model's guards. Returns how many
 * guard evaluations the compiled code decided (did not bail) and how many computed nexts it
 * compiled, so a test can require the compiled code to have been used.
 */
function agrees(def: ModelDef<any>): number {
  const fast = compileSteps(compileModel(def));
  const tree = compileModel(def, { straight: false });
  const seen = new Set([fast.init.join()]);
  const queue = [fast.init];
  let decided = fast.allActions.filter((a) => a.straightNext !== undefined).length;
  while (queue.length > 0) {
    const s = queue.shift()!;
    for (const a of fast.allActions) {
      if (a.straightGuard === undefined || s[a.thread] !== a.location) continue;
      const r = a.straightGuard(s);
      if (r < 0) continue;
      decided++;
      const vars = fast.vars(s);
      expect(r === 1, `${a.label} at ${fast.locationIds(s).join(' ')}`).toBe(a.guard!(vars, { self: a.thread, local: fast.localsOf(vars, a.thread) } as never));
    }
    const n = enabled(fast, s);
    expect(n).toEqual(enabled(tree, s));
    for (const o of n) {
      const d = new Int32Array(fast.width);
      const e = new Int32Array(tree.width);
      fast.apply(s, fast.allActions[o]!, d);
      tree.apply(s, tree.allActions[o]!, e);
      expect(Array.from(d)).toEqual(Array.from(e));
      if (!seen.has(d.join())) {
        seen.add(d.join());
        queue.push(d);
      }
    }
  }
  return decided;
}

const eq1 = (x: number): boolean => x === 1;
const pos = (x: number): boolean => x > 0;

/** A thread kind whose guard reads its local i. */
const withLocal = threadKind<any, { i: number }>('t', { i: 0 }, [
  choice<any, { i: number }>('x', [
    { label: 'f: i', guard: (_s, env) => env.local.i === 1, run: (d: S) => void (d.n = (d.n + 1) % 3), next: 'x' },
    { label: 'f: flip', run: (_d, env) => void (env.local.i = 1 - env.local.i), next: 'x' },
  ]),
]);

/** `(s) => s.n === K` with K from its closure, declared with K bound (the same source text for every K). */
function equalsK(K: number, bind: { K: number } = { K }): (s: S) => boolean {
  const f = new Function('K', `'use strict'; return (s) => s.n === K;`)(K) as (s: S) => boolean;
  return declareStraight(f, { fn: f, bind });
}

describe('compiling a step on its first use', () => {
  it('a guard compiles when first evaluated, a recipe when first applied; compileSteps compiles the rest now', () => {
    const def = model([counter('a', (s) => s.n < 2)]);
    const m = compileModel(def);
    const [inc, , flip] = m.allActions;
    const stubs = [inc!.straightGuard, inc!.straightRecipe, flip!.straightRecipe];
    expect(stubs.every((f) => typeof f === 'function')).toBe(true);
    expect(enabled(m, m.init)).toEqual([0, 1]);
    // The guard's stub put the compiled guard in its place; the recipes are still stubs.
    expect(inc!.straightGuard).not.toBe(stubs[0]);
    expect(inc!.straightGuard!(m.init)).toBe(1);
    expect([inc!.straightRecipe, flip!.straightRecipe]).toEqual([stubs[1], stubs[2]]);
    const s1 = new Int32Array(m.width);
    m.apply(m.init, inc!, s1);
    expect(m.vars(s1)).toEqual({ n: 1, on: false });
    expect(inc!.straightRecipe).not.toBe(stubs[1]);
    expect(flip!.straightRecipe).toBe(stubs[2]);
    compileSteps(m);
    expect(flip!.straightRecipe).not.toBe(stubs[2]);
    // Compiled up front or on first use: the same code (the same cached function).
    const eager = compileSteps(compileModel(def));
    expect(eager.allActions.map((a) => [a.straightGuard, a.straightRecipe])).toEqual(m.allActions.map((a) => [a.straightGuard, a.straightRecipe]));
  });

  it('a step the compiler refuses is undefined after its first use, and runs on the tree', () => {
    const N = 0;
    const m = compileModel(model([counter('a', (s) => s.n > N)]));
    const inc = m.allActions[0]!;
    // The stub's answer for the refused guard: evaluate the model's (false at n = 0).
    expect(enabled(m, m.init)).toEqual([1]);
    expect(inc.straightGuard).toBeUndefined(); // N is a name from the closure
    expect(agrees(model([counter('a', (s) => s.n > N)]))).toBe(0);
    // A refused recipe, applied first: the stub leaves it to the tree path.
    const r = compileModel(model([thread<any>('a', [step<any>('x', 'f: n += N', { run: (d: S) => void (d.n += N + 2) })])]));
    const d = new Int32Array(r.width);
    r.apply(r.init, r.allActions[0]!, d);
    expect(r.allActions[0]!.straightRecipe).toBeUndefined();
    expect(r.vars(d)).toEqual({ n: 2, on: false });
  });
});

describe('the compiled-code cache', () => {
  it('the same model compiled again gets the same functions', () => {
    const def = model([counter('a', (s) => s.n !== 2)]);
    const one = compileSteps(compileModel(def));
    const two = compileSteps(compileModel(def));
    expect(one.allActions[0]!.straightGuard).toBeDefined();
    expect(two.allActions.map((a) => [a.straightGuard, a.straightRecipe])).toEqual(one.allActions.map((a) => [a.straightGuard, a.straightRecipe]));
  });

  it('the same source with another bound constant, bound function, layout, thread or locations: each model its own code', () => {
    const defs: ModelDef<any>[] = [
      // A declared form's constant: one source text, K = 1 then 2.
      model([counter('a', equalsK(1))]),
      model([counter('a', equalsK(2))]),
      // A bound function: one wrapper source, two helpers.
      ...[(x: number) => x === 1, (x: number) => x > 0].map((h) => {
        const f = new Function('h', `'use strict'; return (s) => h(s.n);`)(h);
        return model([counter('a', declareStraight(f, { fn: f, bind: { h } }))]);
      }),
      // The layout: n in another slot.
      model([counter('a', (s) => s.n !== 1)]),
      model([counter('a', (s) => s.n !== 1)], { m: 5, on: false, n: 0 }),
      // The thread: env.self in a second thread; a thread of the same name at another index.
      model([counter('a', (_s, env) => env.self === 1), counter('b', (_s, env) => env.self === 1)]),
      model([counter('b', (_s, env) => env.self === 1), counter('a', (_s, env) => env.self === 1)]),
      // Two bound functions' names swapped (bound in the other order); one function bound twice, or two.
      ...[true, false].map((first) => {
        const [h, g] = first ? [eq1, pos] : [pos, eq1];
        const f = new Function('h', 'g', `'use strict'; return (s) => h(s.n) || !g(s.n);`)(h, g);
        return model([counter('a', declareStraight(f, { fn: f, bind: first ? { h, g } : { g, h } }))]);
      }),
      ...[eq1, pos].map((k) => {
        const f = new Function('h', 'k', `'use strict'; return (s) => h(s.n) || !k(s.n);`)(eq1, k);
        return model([counter('a', declareStraight(f, { fn: f, bind: { h: eq1, g: pos, k } }))]);
      }),
      // A thread's locals: p and q swap places (the same layout, self and source).
      model([spawn(withLocal, 'p'), spawn(withLocal, 'q', { i: 1 })]),
      model([spawn(withLocal, 'q', { i: 1 }), spawn(withLocal, 'p')]),
      // The locations: one next source, its names at other indices.
      model([counter('a', () => true, (s) => (s.n === 1 ? 'x' : 'y'))]),
      model([
        thread<any>('a', [
          step<any>('y', 'f: on', { run: (d: S) => void (d.on = !d.on), next: 'x' }),
          step<any>('x', 'f: n++', { run: (d: S) => void (d.n = (d.n + 1) % 3), next: (s: S) => (s.n === 1 ? 'x' : 'y') }),
        ]),
      ]),
    ];
    for (const def of defs) expect(agrees(def)).toBeGreaterThan(0);
    // The pairs did not share code where it differs.
    const guards = defs.map((d) => compileSteps(compileModel(d)).allActions[0]!.straightGuard);
    expect(new Set(guards.slice(0, 4)).size).toBe(4);
  });

  it('a bound string (a WARN_ON tag) is part of the key: each model hears its own tag', () => {
    const heard = (T: string) => {
      const f = new Function('T', `'use strict'; return (d, env) => { env.warnOn(d.n > 5, T); d.n = 1; };`)(T);
      const m = compileSteps(compileModel(model([thread<any>('a', [step<any>('x', 'f: warn', { run: declareStraight(f, { fn: f, bind: { T } }) })])])));
      const tags: string[] = [];
      m.hearAssertions((tag) => tags.push(tag));
      m.apply(m.init, m.allActions[0]!, new Int32Array(m.width));
      expect(m.allActions[0]!.straightRecipe).toBeDefined();
      return tags;
    };
    expect([heard('one'), heard('two')]).toEqual([['one'], ['two']]);
  });

  it("a declared form's bindings are read at each compile", () => {
    const bind = { K: 1 };
    const g = equalsK(1, bind);
    const def = model([counter('a', g)]);
    const at = (m: CompiledModel, n: number) => m.allActions[0]!.straightGuard!(m.pack({ n, on: false }, ['x']));
    const one = compileSteps(compileModel(def));
    expect([at(one, 1), at(one, 2)]).toEqual([1, 0]);
    // The form now says K is 2 (the running closure still has 1: only the compiled code follows the form).
    bind.K = 2;
    const two = compileSteps(compileModel(def));
    expect([at(two, 1), at(two, 2)]).toEqual([0, 1]);
  });
});
