// Step properties compiled for each step (src/model/straight.ts through compileProperty with the
// step: `when` by src/engine/evaluate.ts compileStepAntecedents, `then` by
// src/property/consequents.ts compileStepConsequents). Random `{ when, then }` step properties
// (fast-check writes their text) over the forms a step property reads: the step's members as
// constants (tags' includes/some/every/find/length, fn, thread, threadIndex, id, label, a bound
// regular expression's test), s.variant and a frozen array's includes, template literals, known
// strings compared with a string or undefined, sliced and turned into a Number, a conditional
// whose condition is known, `const at = s.at(t)` and `[...].includes(s.at(t))`, helpers bound by
// name; mixed with reads of the state. For every action of the model (enabled or not) on every
// state of a BFS prefix, each compiled `when` and `then` that decided gives the verdict of the
// property's own function on the view of a model that compiles nothing; where that throws, the
// compiled one bails. check() gives the same result with and without the compiled code. And a
// `then` declared wrongly is caught by the determinism probe.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileModel, type CompiledAction } from '../../src/model/compile.js';
import { choice, declareStraight, defineModel, spawn, threadKind, type ModelDef } from '../../src/model/index.js';
import { END } from '../../src/model/types.js';
import { stepProperty, type StateInfo, type StepInfo, type StepProperty } from '../../src/property/index.js';
import { compileStepAntecedents, makeEvaluator } from '../../src/engine/evaluate.js';
import { compileStepConsequents } from '../../src/property/consequents.js';
import { stepConsequent } from '../../src/property/define.js';
import { check } from '../../src/engine/check.js';
import { checkDeterminism } from '../../src/cli/determinism.js';
import { ModelError } from '../../src/util/errors.js';

type S = { a: number; b: boolean; arr: number[] };
type L = { i: number };

/** Two threads 'cpu0/p' and 'cpu1/q' whose steps carry tags and C functions, in two variants. */
const model: ModelDef<S> = (() => {
  const kind = threadKind<S, L>('t', { i: 0 }, [
    choice<S, L>('l0', [
      { label: 'do_inc: arr[a % 3]++', fn: 'do_inc', tags: ['lock:a', 'ipi-from:cpu1/q'], run: (d) => void (d.arr[d.a % 3] = (d.arr[d.a % 3]! + 1) % 3), next: 'l1' },
      { label: 'flag_nolock: b = !b', fn: 'flag_nolock', tags: ['might_sleep'], run: (d, env) => void ((d.b = !d.b), (env.local.i = (env.local.i + 1) % 2)), next: 'user.idle' },
    ]),
    choice<S, L>('l1', [
      { label: 'bump: a++', fn: 'bump', tags: ['switch-in:1'], run: (d) => void (d.a = (d.a + 1) % 4), next: 'l0' },
      { label: 'leave', guard: (d) => d.a > 1, next: END },
    ]),
    choice<S, L>('user.idle', [{ label: 'back: arr[1] = a', fn: 'back', tags: ['ipi-from:cpu0/p', 'switch-in:0', 'switch-in:2'], run: (d) => void (d.arr[1] = d.a % 3), next: 'l0' }]),
  ]);
  return defineModel<S>({
    name: 'compiled-step-forms',
    doc: 'two threads over a counter, a flag and an array, whose steps are tagged',
    params: {},
    variants: { v1: 'one', v2: 'the other' },
    build: () => ({ init: { a: 0, b: false, arr: [0, 1, 2] }, threads: [spawn(kind, 'cpu0/p'), spawn(kind, 'cpu1/q', { i: 1 })] }),
  });
})();

// ---- random step properties ---------------------------------------------------------------------

/** The names a property may read from its module, bound by name (`bind`). */
const IPI = 'ipi-from:';
const OLD = Object.freeze(['v1', 'v0']);
const NOLOCK = /_nolock$/;
const SUFFIX = Object.freeze(['p', 'q']);
const HELPERS = {
  // nolockOwner's form: the sender a tag names, or the step's own thread.
  owner: 'function owner(s, step) { const from = step.tags.find((t) => t.startsWith(IPI)); return from === undefined ? step.threadIndex : s.threads.indexOf(from.slice(IPI.length)); }',
  // frozen-task-not-scheduled's: the element a switch-in tag names.
  switched: "function switched(s, step) { const tag = step.tags.find((t) => t.startsWith('switch-in:')); return tag === undefined ? -1 : s.vars.arr[Number(tag.slice('switch-in:'.length))]; }",
  // A const naming where the step's thread is.
  idle: "(s, step) => { const at = s.at(step.threadIndex); return at === 'user.idle' || at === 'l1'; }",
  // A thread's name by a template.
  named: '(i) => `cpu${i}/${SUFFIX[i]}`',
} as const;
type Helper = keyof typeof HELPERS;
const CONSTS = { IPI, OLD, NOLOCK, SUFFIX } as const;

const num = fc.constantFrom('0', '1', '2', '3');
const tag = fc.constantFrom("'lock:a'", "'might_sleep'", "'switch-in:1'", "'ipi-from:cpu0/p'", "'none'", '`${IPI}cpu1/q`');
/** A test of the step alone: a constant for each step. */
const stepAtom = fc.oneof(
  tag.map((t) => `step.tags.includes(${t})`),
  fc.constantFrom("step.tags.some((t) => t.startsWith('switch-in:'))", "step.tags.every((t) => t.includes(':'))", 'step.tags.length > 1', "step.tags.find((t) => t.startsWith(IPI)) === undefined", "step.tags.find((t) => t.startsWith('lock:')) !== undefined"),
  fc.constantFrom("step.fn === 'bump'", "step.fn !== 'do_inc'", "step.fn.startsWith('do_')", 'NOLOCK.test(step.fn)', "step.fn.slice(0, 4) === 'flag'", 'step.fn.length > 4'),
  fc.constantFrom("step.thread === 'cpu1/q'", 'step.thread === named(0)', 'step.threadIndex === 1', "step.id.startsWith('l')", "step.label.includes('a')", "step.id === 'user.idle'"),
  fc.constantFrom('OLD.includes(s.variant)', "s.variant === 'v2'", "(OLD.includes(s.variant) ? step.threadIndex === 0 : step.fn === 'back')"),
);
/** A test of the state (maybe through the step). */
const stateAtom = fc.oneof(
  num.map((n) => `s.vars.a > ${n}`),
  fc.constant('s.vars.b'),
  fc.tuple(num, num).map(([i, n]) => `s.vars.arr[${Number(i) % 3}] === ${n}`),
  num.map((n) => `s.vars.a % 2 === owner(s, step) + ${n} - 1`),
  num.map((n) => `switched(s, step) === ${Number(n) % 3}`),
  fc.constant('idle(s, step)'),
  fc.constantFrom("['l0', 'user.idle'].includes(s.at(step.threadIndex))", "s.at(named(1)) === 'l1'", "s.local(step.threadIndex).i === 1", 's.threads.indexOf(step.thread) === step.threadIndex'),
  // A thread's name by an index known when compiling (past the last thread: undefined).
  fc.constantFrom("s.threads[step.threadIndex] === 'cpu1/q'", "s.threads[step.threadIndex + 1] !== 'cpu1/q'", "s.threads[step.threadIndex - 1] === named(0)"),
  fc.constantFrom("(step.threadIndex === 0 ? s.vars.a > 1 : s.vars.b)", "(step.tags.includes('might_sleep') ? !s.vars.b : s.vars.arr[step.threadIndex] > 0)"),
);
const atom = fc.oneof(stepAtom, stateAtom, stateAtom);
const expr = fc.oneof(atom, fc.tuple(atom, fc.constantFrom('&&', '||'), atom).map(([x, op, y]) => `(${x} ${op} ${y})`), atom.map((x) => `!(${x})`));

/** The helpers as functions closing over the constants (so a property runs as written), each declared with the names it reads. */
const helpers = {} as Record<Helper, Function>;
for (const [k, v] of Object.entries(HELPERS)) helpers[k as Helper] = new Function(...Object.keys(CONSTS), `'use strict'; return ${v};`)(...Object.values(CONSTS));
declareStraight(helpers.owner, { bind: { IPI } });
declareStraight(helpers.switched, { bind: { Number } });
declareStraight(helpers.named, { bind: { SUFFIX } });
const names = { ...CONSTS, ...helpers };

/** `src` as a step property's part closing over the helpers and constants (the property runs as written). */
function made(src: string): (s: StateInfo<S>, step: StepInfo) => boolean {
  return new Function(...Object.keys(names), `'use strict'; return (s, step) => ${src};`)(...Object.values(names));
}

function property(i: number, when: string, then: string): StepProperty<S> {
  return stepProperty<S>(`p${i}`, 'random', { when: made(when), then: made(then), bind: { ...names } });
}

describe('compiled step properties (when and then, for each step)', () => {
  it("random step properties: each compiled when and then is the property's own on the view, for every action on a BFS prefix; check() gives the same result", () => {
    let compiledParts = 0;
    let parts = 0;
    let decided = 0;
    const spec = fc.array(fc.tuple(expr, expr), { minLength: 1, maxLength: 3 });
    const variants = Object.keys(model.variants);
    fc.assert(
      fc.property(spec, fc.constantFrom(...variants), (props, variant) => {
        const fast = compileModel(model, { variant });
        const ev = makeEvaluator(compileModel(model, { variant, straight: false }), [], []);
        const list = props.map(([w, t], i) => property(i, w, t));
        const perAction = fast.allActions.map((a) => {
          const info: StepInfo = { thread: fast.threadNames[a.thread]!, threadIndex: a.thread, id: a.id, label: a.label, fn: a.fn, tags: a.tags };
          const whens = compileStepAntecedents(fast, list, info);
          const thens = compileStepConsequents(fast, list, info);
          parts += 2 * list.length;
          compiledParts += whens.filter((c) => c !== undefined).length + thens.filter((c) => c !== undefined).length;
          return { info, whens, thens };
        });
        const seen = new Set([fast.init.join()]);
        const queue = [fast.init];
        const out: CompiledAction[] = [];
        while (queue.length > 0 && seen.size < 40) {
          const st = queue.shift()!;
          const view = ev.info(st);
          for (const { info, whens, thens } of perAction)
            list.forEach((p, j) => {
              const pairs = [
                [whens[j], p.when!],
                [thens[j], stepConsequent(p)!],
              ] as const;
              for (const [c, own] of pairs) {
                const r = c?.(st) ?? -1;
                let want: boolean | 'threw';
                try {
                  want = own(view as never, info);
                } catch {
                  want = 'threw';
                }
                if (want === 'threw') expect(r, `${p.name} before '${info.label}'`).toBe(-1);
                else if (r >= 0) {
                  decided++;
                  if ((r === 1) !== want) expect.fail(`${p.name} (${String(own)}) before '${info.label}' at ${fast.locationIds(st).join(' ')} ${st.join()}: compiled ${r}, property ${want}`);
                }
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
        const run = (straight: boolean) => {
          try {
            return strip(check(model, list, { variant, maxStates: 60, straight }));
          } catch (e) {
            return String(e);
          }
        };
        expect(run(true)).toEqual(run(false));
        // The probe finds nothing wrong with what compiled (declared forms are the helpers' own).
        expect(() => checkDeterminism(fast, { properties: list })).not.toThrow();
      }),
      { numRuns: 50, seed: 0x5e11 },
    );
    // Every part compiles for every action (a helper's branch that reads a member of a tag not
    // found is skipped where the condition rules it out), and the compiled ones decide.
    expect(compiledParts).toBe(parts);
    expect(decided).toBeGreaterThan(20_000);
  });
});

describe("a wrongly declared step property's then is caught by the determinism probe", () => {
  it('a helper of then declared with a form that computes something else', () => {
    const m = compileModel(model, { variant: 'v1' });
    const sender = (s: StateInfo<S>, step: StepInfo) => (step.tags.includes('might_sleep') ? s.vars.a : s.vars.arr[step.threadIndex]!);
    const mk = (form: Function) => {
      const helper = declareStraight((s: StateInfo<S>, step: StepInfo) => sender(s, step), { fn: form });
      return stepProperty<S>('small', 'the step reads something small', { when: (_s, step) => step.fn !== 'leave', then: (s, step) => helper(s, step) < 2, bind: { helper } });
    };
    const good = mk(sender);
    const info = (a: CompiledAction): StepInfo => ({ thread: m.threadNames[a.thread]!, threadIndex: a.thread, id: a.id, label: a.label, fn: a.fn, tags: a.tags });
    expect(compileStepConsequents(m, [good], info(m.allActions[0]!))[0]).toBeDefined();
    expect(() => checkDeterminism(m, { properties: [good] })).not.toThrow();
    const wrong = mk((s: StateInfo<S>, step: StepInfo) => (step.tags.includes('might_sleep') ? s.vars.a : s.vars.arr[1 - step.threadIndex]!));
    expect(compileStepConsequents(m, [wrong], info(m.allActions[0]!))[0]).toBeDefined();
    expect(() => checkDeterminism(m, { properties: [wrong] })).toThrow(ModelError);
    expect(() => checkDeterminism(m, { properties: [wrong] })).toThrow(/property small: its compiled form and the property's own function disagree/);
  });
});
