// Invariants' `when` antecedents compiled over the packed state (src/engine/evaluate.ts,
// compileAntecedents; coverage.ts decides with them): while an antecedent has not been seen to
// hold, every state the search stores asks it, and a state where each pending antecedent is
// compiled and false is no longer decoded. Coverage says the same with and without them (the
// bundled models' exercised and not-exercised properties), and a wrongly declared antecedent,
// which the compiled `holds` alone would not show (its `then` holds everywhere), is caught by the
// determinism probe.

import { describe, expect, it } from 'vitest';
import { bundled } from '../../models/index.js';
import { compileModel, type CompiledAction, type CompiledModel } from '../../src/model/compile.js';
import { choice, declareStraight, defineModel, thread } from '../../src/model/index.js';
import { compileAntecedents, compileStepAntecedents, makeEvaluator } from '../../src/engine/evaluate.js';
import { check } from '../../src/engine/check.js';
import { invariant, stepProperty, type StateInfo, type StepInfo } from '../../src/property/index.js';
import { checkDeterminism } from '../../src/cli/determinism.js';
import { ModelError } from '../../src/util/errors.js';

type S = { x: number; y: number };
const model = defineModel<S>({
  name: 'antecedents',
  doc: 'x counts to 3, y flips',
  params: {},
  variants: { only: 'the one variant' },
  build: () => ({
    init: { x: 0, y: 0 },
    threads: [
      thread<S>('t', [
        choice<S>('l', [
          { label: 'x++', guard: (s) => s.x < 3, run: (d) => void (d.x += 1), next: 'l' },
          { label: 'y ^= 1', run: (d) => void (d.y ^= 1), next: 'l' },
        ]),
      ]),
    ],
  }),
});

/** A function the compiler cannot read on its own: it calls one from its closure. */
function opaque<F extends Function>(f: F): F {
  const hidden = f;
  return ((...args: unknown[]) => hidden(...args)) as unknown as F;
}

/** Every state of `m` (breadth-first). */
function states(m: CompiledModel<S>): Int32Array[] {
  const seen = new Set([m.init.join()]);
  const all = [m.init];
  const out: CompiledAction[] = [];
  for (let i = 0; i < all.length; i++) {
    const n = m.enabled(all[i]!, out);
    for (let k = 0; k < n; k++) {
      const d = new Int32Array(m.width);
      m.apply(all[i]!, out[k]!, d);
      if (!seen.has(d.join())) {
        seen.add(d.join());
        all.push(d);
      }
    }
  }
  return all;
}

describe('compiled when antecedents', () => {
  it('a state where every pending antecedent is compiled and false is not decoded; one that is not compiled decodes each state', () => {
    const m = compileModel(model);
    let decodes = 0;
    const counting = { ...m, view: (s: Int32Array) => (decodes++, m.view(s)) };
    const never = invariant<S>('x-never-9', 'x never reaches 9 (when y is 5: never)', { when: (s) => s.vars.y === 5, then: (s) => s.vars.x < 9 });
    expect(compileAntecedents(m as never, [never])[0]).toBeDefined();
    const all = states(m);
    expect(all.length).toBe(8);
    const ev = makeEvaluator(counting as never, [never], [never]);
    decodes = 0; // the evaluator decodes the initial state once when it is made
    for (const s of all) expect(ev.invariants(s)).toEqual([]);
    expect(decodes).toBe(0);
    expect(ev.coverage!.counts([never]).exercised).toEqual([false]);
    // The same antecedent behind a closure (not compiled): every state decoded, the same coverage.
    const hidden = invariant<S>('x-never-9', 'the same, its when opaque', { when: opaque((s: StateInfo<S>) => s.vars.y === 5), then: (s) => s.vars.x < 9 });
    expect(compileAntecedents(m as never, [hidden])[0]).toBeUndefined();
    const ev2 = makeEvaluator(counting as never, [hidden], [hidden]);
    decodes = 0;
    for (const s of all) expect(ev2.invariants(s)).toEqual([]);
    expect(decodes).toBe(all.length);
    expect(ev2.coverage!.counts([hidden]).exercised).toEqual([false]);
  });

  it('an antecedent that holds somewhere is exercised, without a decode', () => {
    const m = compileModel(model);
    let decodes = 0;
    const counting = { ...m, view: (s: Int32Array) => (decodes++, m.view(s)) };
    const some = invariant<S>('x-3-when-y', 'when y is 1, x is at most 3', { when: (s) => s.vars.y === 1, then: (s) => s.vars.x <= 3 });
    const ev = makeEvaluator(counting as never, [some], [some]);
    decodes = 0;
    for (const s of states(m)) ev.invariants(s);
    expect(ev.coverage!.counts([some]).exercised).toEqual([true]);
    expect(decodes).toBe(0);
  });

  it('the bundled models: the same coverage (exercised or not) and results with and without compiled properties', () => {
    for (const e of bundled) {
      const props = 'properties' in e.properties ? e.properties.properties : e.properties;
      const opts = { maxStates: 3000, property: props.filter((p) => p.kind === 'invariant').map((p) => p.name) };
      const strip = (r: ReturnType<typeof check>) => JSON.parse(JSON.stringify(r, (k, v) => (k === 'timeMs' || k === 'statesPerSecond' || k === 'elapsedMs' || k === 'peakMemory' ? undefined : v)));
      expect(strip(check(e.model, props, opts)), e.model.name).toEqual(strip(check(e.model, props, { ...opts, straight: false })));
    }
  });

  it('a wrong declared antecedent is caught by the determinism probe, though `holds` agrees', () => {
    const m = compileModel(model);
    const when = opaque((s: StateInfo<S>) => s.vars.y === 1);
    const mk = () => invariant<S>('x-bounded-when-y', 'when y is 1, x is at most 3', { when, then: (s) => s.vars.x <= 3 });
    declareStraight(when, { fn: (s: StateInfo<S>) => s.vars.y === 1 });
    expect(() => checkDeterminism(m as never, { properties: [mk()] })).not.toThrow();
    declareStraight(when, { fn: (s: StateInfo<S>) => s.vars.y === 0 });
    const wrong = mk();
    expect(compileAntecedents(m as never, [wrong])[0]).toBeDefined();
    // `then` holds everywhere: the compiled `holds` agrees with the property on every state.
    const holds = m.compileProperty!(wrong.holds)!;
    const ev = makeEvaluator(m as never, [wrong], [wrong]);
    for (const s of states(m)) expect(holds(s) === 1).toBe(wrong.holds(ev.info(s) as never));
    expect(() => checkDeterminism(m as never, { properties: [wrong] })).toThrow(ModelError);
    expect(() => checkDeterminism(m as never, { properties: [wrong] })).toThrow(/property x-bounded-when-y: its compiled form and the property's own function disagree/);
  });

  it("a step property's when and then compiled for each step: no state decoded; a then not compiled is evaluated on the view where the when holds", () => {
    const m = compileModel(model);
    let decodes = 0;
    const counting = { ...m, view: (s: Int32Array) => (decodes++, m.view(s)) };
    // Only x++ steps are about it (by its label), and x stays at most 3 before one (its guard).
    const re = /^x\+\+$/;
    const incOnly = stepProperty<S>('x-small-before-inc', 'x is below 3 before x++', { when: (_s, step) => re.test(step.label), then: (s) => s.vars.x < 3, bind: { re } });
    const ev = makeEvaluator(counting as never, [incOnly], [incOnly]);
    const out: CompiledAction[] = [];
    let steps = 0;
    let inc = 0;
    decodes = 0;
    for (const s of states(m)) {
      const n = m.enabled(s, out);
      for (let k = 0; k < n; k++) {
        expect(ev.steps(s, out[k]!)).toEqual([]);
        steps++;
        if (out[k]!.label === 'x++') inc++;
      }
    }
    expect(inc).toBeGreaterThan(0);
    expect(steps).toBeGreaterThan(inc);
    // Decoded nowhere: the compiled when decides which steps are x++ (coverage's antecedent
    // too), and where it holds the compiled then decides x < 3.
    expect(decodes).toBe(0);
    expect(ev.coverage!.counts([incOnly]).exercised).toEqual([true]);
    // A then the compiler refuses is evaluated on the view: decoded before x++ only.
    const viewThen = stepProperty<S>('x-small-before-inc', 'x is below 3 before x++', { when: (_s, step) => re.test(step.label), then: opaque((s: StateInfo<S>) => s.vars.x < 3), bind: { re } });
    const ev3 = makeEvaluator(counting as never, [viewThen], [viewThen]);
    decodes = 0;
    for (const s of states(m)) {
      const n = m.enabled(s, out);
      for (let k = 0; k < n; k++) expect(ev3.steps(s, out[k]!)).toEqual([]);
    }
    expect(decodes).toBe(inc);
    // A then that fails where the when holds is still reported.
    const wrong = stepProperty<S>('x-zero-before-inc', 'x is 0 before x++ (false)', { when: (_s, step) => re.test(step.label), then: (s) => s.vars.x === 0, bind: { re } });
    const ev2 = makeEvaluator(m as never, [wrong], [wrong]);
    const violated = states(m).some((s) => {
      const n = m.enabled(s, out);
      return out.slice(0, n).some((a) => ev2.steps(s, a).length > 0);
    });
    expect(violated).toBe(true);
  });

  it("a wrong declared step antecedent is caught by the determinism probe", () => {
    const m = compileModel(model);
    const when = opaque((_s: StateInfo<S>, step: StepInfo) => step.label === 'x++');
    const mk = () => stepProperty<S>('x-small-before-inc', 'x is below 3 before x++', { when, then: (s) => s.vars.x < 3 });
    declareStraight(when, { fn: (_s: StateInfo<S>, step: StepInfo) => step.tags.length === 0 && step.label.startsWith('x') });
    expect(() => checkDeterminism(m as never, { properties: [mk()] })).not.toThrow();
    declareStraight(when, { fn: (_s: StateInfo<S>, step: StepInfo) => step.label.startsWith('y') });
    const wrong = mk();
    const info: StepInfo = { thread: 't', threadIndex: 0, id: 'l', label: 'x++', fn: '', tags: [] };
    expect(compileStepAntecedents(m as never, [wrong], info)[0]).toBeDefined();
    expect(() => checkDeterminism(m as never, { properties: [wrong] })).toThrow(/property x-small-before-inc: its compiled form and the property's own function disagree/);
  });
});
