// The property compiler's forms for invariants that call helpers (src/model/straight.ts; session
// 10): helpers bound by name (`bind` on a when/then invariant, declareStraight on a helper, a
// helper whose body is `{ return LIST; }`), arrays as values (`map`, `filter`, `length`, `every`,
// `some` on the state's arrays and on a helper's result), tests of thread names and location ids
// known when compiling (`name.endsWith(..)`, `s.at(t).startsWith(..)`, `s.threads.includes(..)`,
// `indexOf`), `s.ended(e)` with `e` computed at run time, `s.local(t)`, and a declared conjunction
// (`{ all }`, locksReleasedAtEnd's form). Random invariants of these forms (fast-check writes
// their text) give, wherever the compiled code decides, the verdict of the property's own
// function on the view of a model that compiles nothing; where the property throws, the compiled
// one bails; check() gives the same result with and without them. And a form declared wrongly
// (a helper bound to another function, a conjunction missing a part) compiles and is caught by
// the determinism probe (src/cli/determinism.ts).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileModel, type CompiledAction } from '../../src/model/compile.js';
import { choice, declareStraight, defineModel, spawn, threadKind, type ModelDef } from '../../src/model/index.js';
import { END } from '../../src/model/types.js';
import { invariant, type Invariant, type StateInfo } from '../../src/property/index.js';
import { makeEvaluator } from '../../src/engine/evaluate.js';
import { check } from '../../src/engine/check.js';
import { checkDeterminism } from '../../src/cli/determinism.js';
import { ModelError } from '../../src/util/errors.js';

type S = { a: number; b: boolean; arr: number[]; flags: boolean[] };
type L = { i: number; k: boolean };

/** Two threads 'cpu0/p' and 'cpu1/q' of one kind (locals i, k) moving between l0, l1 and user.idle, and ending. */
const model: ModelDef<S> = (() => {
  const kind = threadKind<S, L>('t', { i: 0, k: false }, [
    choice<S, L>('l0', [
      { label: 'inc', run: (d) => void (d.arr[d.a % 3] = (d.arr[d.a % 3]! + 1) % 4), next: 'l1' },
      { label: 'flag', run: (d, env) => void ((d.flags[env.self] = !d.flags[env.self]), (env.local.k = !env.local.k)), next: 'user.idle' },
    ]),
    choice<S, L>('l1', [
      { label: 'a', run: (d, env) => void ((d.a = (d.a + 1) % 4), (env.local.i = (env.local.i + 1) % 3)), next: 'l0' },
      { label: 'end', guard: (d) => d.a > 1, next: END },
    ]),
    choice<S, L>('user.idle', [{ label: 'back', run: (d) => void (d.b = !d.b), next: 'l0' }]),
  ]);
  return defineModel<S>({
    name: 'compiled-forms',
    doc: 'two threads over arrays, flags and locals',
    params: {},
    variants: { v: 'only' },
    build: () => ({ init: { a: 0, b: false, arr: [0, 1, 2], flags: [false, false] }, threads: [spawn(kind, 'cpu0/p'), spawn(kind, 'cpu1/q', { i: 1 })] }),
  });
})();

// ---- random invariants ----------------------------------------------------------------------------

/** The helpers a property may call (each closed over by the property's function and bound by name). */
const HELPERS = {
  // An accessor returning an array value: the indices (kvm-hotplug's cpusOf).
  idx: '(s) => s.vars.arr.map((_, c) => c)',
  // A block body returning an array value (a helper written as a function).
  evens: 'function evens(s) { return s.vars.arr.filter((x) => x % 2 === 0); }',
  // A test of a thread's name (kvm-hotplug's isIpi).
  named: "(name) => name.endsWith('/q')",
  // A helper calling a helper, declared with its own bind.
  busy: "(s, t) => !s.ended(t) && !s.at(t).startsWith('user.')",
} as const;
type Helper = keyof typeof HELPERS;

const num = fc.constantFrom('0', '1', '2', '3');
/** An array value (a list) over `s`. */
const list = fc.oneof(
  fc.constant('idx(s)'),
  fc.constant('evens(s)'),
  num.map((n) => `s.vars.arr.filter((x) => x > ${n})`),
  fc.constant('s.vars.arr.map((x, i) => x + i)'),
  fc.constant('s.vars.flags.map((f, i) => f ? i : 5)'),
  num.map((n) => `idx(s).filter((c) => s.vars.arr[c] !== ${n})`),
);
/** A list, maybe filtered again. */
const list2 = fc.oneof(list, fc.tuple(list, num).map(([l, n]) => `${l}.filter((y) => y < ${n})`));
const listUse = fc.oneof(
  fc.tuple(list2, fc.constantFrom('===', '>', '<'), num).map(([l, op, n]) => `${l}.length ${op} ${n}`),
  fc.tuple(list2, num).map(([l, n]) => `${l}.every((y) => y !== ${n})`),
  fc.tuple(list2, num).map(([l, n]) => `${l}.some((y) => y === ${n})`),
  list2.map((l) => `${l}.some((y) => s.vars.flags[y])`), // a computed index, out of range for y > 1 (undefined: falsy; bails compiled)
);
const method = fc.constantFrom('startsWith', 'endsWith', 'includes');
// Each method gives another answer for some of these and the names or ids (cpu0/p, l1, $end, ...).
const text = fc.constantFrom("'l'", "'1'", "'user.'", "'$'", "'zz'", "'cpu'", "'0'", "'p'", "'/q'", "'idle'");
const where = fc.oneof(
  fc.tuple(method, text).map(([m, a]) => `s.threads.every((name, t) => named(name) || s.at(t).${m}(${a}))`),
  fc.tuple(method, text).map(([m, a]) => `s.threads.some((name, t) => name.${m}(${a}) && !s.ended(t))`),
  fc.constant('s.threads.some((_, t) => busy(s, t))'),
  fc.constantFrom("'cpu0/p'", "'cpu1/q'", "'q'").map((n) => `s.threads.includes(${n})`),
  fc.tuple(fc.constantFrom("'cpu0/p'", "'cpu1/q'", "'q'"), fc.constantFrom('-1', '0', '1')).map(([n, k]) => `s.threads.indexOf(${n}) === ${k}`),
  fc.constantFrom('s.ended(s.vars.a)', 's.ended(s.vars.a % 2)', 's.ended(s.vars.arr[1] - 1)'), // run time: a thread's index, or a bail (the view throws or reads past)
  fc.constantFrom("s.local('cpu1/q').i > 0", 's.local(0).k', "s.local('cpu0/p').i === s.vars.a"),
);
const atom = fc.oneof(listUse, where, fc.constantFrom('s.vars.b', 's.vars.a > 1'));
const expr = fc.oneof(atom, fc.tuple(atom, fc.constantFrom('&&', '||'), atom).map(([x, op, y]) => `(${x} ${op} ${y})`), atom.map((x) => `!(${x})`));

/** `src` as a function closing over the helpers (so the property runs as written), and the helpers by name. */
const helpers = {} as Record<Helper, Function>;
for (const [k, v] of Object.entries(HELPERS)) helpers[k as Helper] = new Function(`'use strict'; return ${v};`)();
function made(src: string): { f: (s: StateInfo<S>) => boolean; bind: Record<Helper, Function> } {
  const f = new Function(...Object.keys(helpers), `'use strict'; return (s) => ${src};`)(...Object.values(helpers));
  return { f, bind: helpers };
}

type Form = 'plain' | 'implication' | 'all' | 'when-all';
/** An invariant over `src`: plain (declared with `bind`), when/then (`bind` on the property), or a conjunction (`{ all }`), alone or as a `then`. */
function property(i: number, form: Form, a: string, b: string): Invariant<S> {
  const x = made(a);
  const y = made(b);
  if (form === 'plain') return invariant<S>(`p${i}`, 'random', declareStraight(x.f, { bind: x.bind }));
  if (form === 'implication') return invariant<S>(`p${i}`, 'random', { when: x.f, then: y.f, bind: { ...x.bind } });
  declareStraight(x.f, { bind: x.bind });
  declareStraight(y.f, { bind: y.bind });
  const both = declareStraight((s: StateInfo<S>) => !!x.f(s) && !!y.f(s), { all: [x.f, y.f] });
  if (form === 'all') return invariant<S>(`p${i}`, 'random', both);
  return invariant<S>(`p${i}`, 'random', { when: (s) => s.vars.a !== 3, then: both });
}

describe('compiled invariants calling helpers (session 10 forms)', () => {
  it('random invariants: the compiled verdicts are the property\'s own on the view, and check() gives the same result', () => {
    let compiledProps = 0;
    let decided = 0;
    const spec = fc.array(fc.tuple(fc.constantFrom('plain', 'implication', 'all', 'when-all') as fc.Arbitrary<Form>, expr, expr), { minLength: 1, maxLength: 3 });
    const fast = compileModel(model);
    const ev = makeEvaluator(compileModel(model, { straight: false }), [], []);
    fc.assert(
      fc.property(spec, (props) => {
        const list = props.map(([form, a, b], i) => property(i, form, a, b));
        const compiled = list.map((p) => fast.compileProperty!(p.holds));
        compiledProps += compiled.filter((c) => c !== undefined).length;
        const seen = new Set([fast.init.join()]);
        const queue = [fast.init];
        const out: CompiledAction[] = [];
        while (queue.length > 0 && seen.size < 60) {
          const st = queue.shift()!;
          const info = ev.info(st);
          list.forEach((p, i) => {
            const r = compiled[i]?.(st) ?? -1;
            let want: boolean | 'threw';
            try {
              want = p.holds(info as never);
            } catch {
              want = 'threw';
            }
            if (want === 'threw') expect(r, p.name).toBe(-1);
            else if (r >= 0) {
              decided++;
              expect(r === 1, `${p.name} at ${st.join()}`).toBe(want);
            }
          });
          const n = fast.enabled(st, out);
          for (let k = 0; k < n; k++) {
            const d = new Int32Array(fast.width);
            if (fast.apply(st, out[k]!, d).halted) continue;
            if (!seen.has(d.join())) {
              seen.add(d.join());
              queue.push(d);
            }
          }
        }
        const strip = (r: ReturnType<typeof check>) => JSON.parse(JSON.stringify(r, (k, v) => (k === 'timeMs' || k === 'statesPerSecond' || k === 'elapsedMs' || k === 'peakMemory' ? undefined : v)));
        // A property that throws (s.ended of no thread's index) throws out of check() on both.
        const run = (straight: boolean) => {
          try {
            return strip(check(model, list, { maxStates: 60, straight }));
          } catch (e) {
            return String(e);
          }
        };
        expect(run(true)).toEqual(run(false));
      }),
      { numRuns: 60, seed: 0x5e10 },
    );
    // Most of them compile (all but those reading past an array's end at compile time), and decide.
    expect(compiledProps).toBeGreaterThan(90);
    expect(decided).toBeGreaterThan(2500);
  });
});

describe('a wrongly declared property form is caught by the determinism probe', () => {
  const m = compileModel(model);
  const ended = (s: StateInfo<S>) => s.threads.some((_, t) => s.ended(t));

  it('a helper bound to another function than the one the property calls', () => {
    const idx = (s: StateInfo<S>) => s.vars.arr.map((_, c) => c);
    const wrongIdx = (s: StateInfo<S>) => s.vars.arr.map((_, c) => c).filter((c) => c > 0);
    const mk = (bound: Function) => invariant<S>('small', 'some element is below 3', { when: (s) => s.vars.a >= 0, then: (s) => idx(s).some((c) => s.vars.arr[c]! < 3), bind: { idx: bound } });
    const good = mk(idx);
    expect(m.compileProperty!(good.holds)).toBeDefined();
    expect(() => checkDeterminism(m, { properties: [good] })).not.toThrow();
    const wrong = mk(wrongIdx);
    expect(m.compileProperty!(wrong.holds)).toBeDefined();
    expect(() => checkDeterminism(m, { properties: [wrong] })).toThrow(ModelError);
    expect(() => checkDeterminism(m, { properties: [wrong] })).toThrow(/property small: its compiled form and the property's own function disagree/);
  });

  it('a conjunction ({ all }) missing a part', () => {
    const parts = [(s: StateInfo<S>) => s.vars.a < 3 || !ended(s), (s: StateInfo<S>) => !s.vars.b || s.vars.arr.every((x) => x < 4)];
    for (const p of parts) declareStraight(p, { bind: { ended } });
    const holds = () => (s: StateInfo<S>) => parts.every((p) => p(s));
    const good = invariant<S>('both', 'both parts', declareStraight(holds(), { all: parts }));
    expect(m.compileProperty!(good.holds)).toBeDefined();
    expect(() => checkDeterminism(m, { properties: [good] })).not.toThrow();
    const wrong = invariant<S>('both', 'both parts', declareStraight(holds(), { all: [parts[1]!] }));
    expect(m.compileProperty!(wrong.holds)).toBeDefined();
    expect(() => checkDeterminism(m, { properties: [wrong] })).toThrow(/property both: its compiled form and the property's own function disagree/);
  });
});
