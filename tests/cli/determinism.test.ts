// The probe that runs before every CLI check (src/cli/determinism.ts): besides steps that are not
// functions of their state, it catches compiled code that disagrees with the model's own functions
// on a reachable state: a guard, recipe or gate whose declared straight form (declareStraight, a
// gate's forAction) says something other than what the function computes. Each wrong declaration
// below is checked to have been compiled (else the test would pass without testing anything), and
// the same model with a true declaration passes the probe.

import { describe, expect, it } from 'vitest';
import { compileModel, compileSteps } from '../../src/model/compile.js';
import { declareStraight, defineModel, func, step, thread, type Gate, type ModelDef, type System } from '../../src/model/index.js';
import { checkDeterminism } from '../../src/cli/determinism.js';
import { ModelError } from '../../src/util/errors.js';

type S = { x: number; y: number };

/** A guard or recipe the compiler cannot read on its own: its source calls a function from its closure. */
function opaque<F extends Function>(f: F): F {
  const hidden = f;
  return ((...args: unknown[]) => hidden(...args)) as unknown as F;
}

interface Parts {
  /** What the guard of 'inc' declares it computes (the guard itself is s.x < 2). */
  guardForm?: (s: S) => boolean;
  /** What the recipe of 'inc' declares it does (the recipe itself is d.x += 1). */
  recipeForm?: (d: S) => void;
  /** What the gate's forAction hands back for 'inc' (the gate itself allows when s.y === 0). */
  gateForm?: (s: S) => boolean;
}

function model(p: Parts): ModelDef<S> {
  const guard = opaque((s: S) => s.x < 2);
  if (p.guardForm) declareStraight(guard, { fn: p.guardForm });
  const run = opaque((d: S) => void (d.x += 1));
  if (p.recipeForm) declareStraight(run, { fn: p.recipeForm });
  const gates: Gate<S>[] = p.gateForm
    ? [{ name: 'y is zero', allows: (s, _env, action) => action.id !== 'inc' || s.y === 0, forAction: (_env, action) => (action.id === 'inc' ? p.gateForm! : true) }]
    : [];
  return defineModel<S>({
    name: 'declared',
    doc: 'steps with declared straight forms',
    params: {},
    variants: { only: 'the one variant' },
    build(): System<S> {
      const t = (name: string) =>
        thread<S>(name, func<S>('work', [step('inc', 'x++', { guard, run }), step('flip', 'y ^= 1', { run: (d) => void (d.y ^= 1) })]));
      return { init: { x: 0, y: 0 }, threads: [t('a'), t('b')], ...(gates.length ? { gates } : {}) };
    },
  });
}

function compiled(p: Parts) {
  const m = compileSteps(compileModel(model(p), { variant: 'only' }));
  const inc = m.allActions.find((a) => a.label === 'work: x++')!;
  return { m, inc };
}

describe('the determinism probe checks compiled code against the model', () => {
  it('passes a model whose declared forms are true, and they are compiled', () => {
    const { m, inc } = compiled({ guardForm: (s) => s.x < 2, recipeForm: (d) => void (d.x += 1), gateForm: (s) => s.y === 0 });
    expect(inc.straightGuard).toBeDefined();
    expect(inc.straightRecipe).toBeDefined();
    expect(() => checkDeterminism(m)).not.toThrow();
  });

  it('reports a declared guard form that differs from its guard', () => {
    const { m, inc } = compiled({ guardForm: (s) => s.x < 1 });
    expect(inc.straightGuard).toBeDefined();
    expect(() => checkDeterminism(m)).toThrow(ModelError);
    expect(() => checkDeterminism(m)).toThrow(/thread b, step 'work: x\+\+': its compiled guard and the model's guard disagree/);
  });

  it('reports a declared recipe form that differs from its recipe', () => {
    const { m, inc } = compiled({ recipeForm: (d) => void (d.x += 2) });
    expect(inc.straightRecipe).toBeDefined();
    expect(() => checkDeterminism(m)).toThrow(/its compiled recipe and the model's recipe give different successors/);
  });

  it('catches each wrong form also in a model compiled as the CLI compiles it (each step on its first use, during the probe)', () => {
    const lazy = (p: Parts) => compileModel(model(p), { variant: 'only' });
    expect(() => checkDeterminism(lazy({ guardForm: (s) => s.x < 2, recipeForm: (d) => void (d.x += 1), gateForm: (s) => s.y === 0 }))).not.toThrow();
    expect(() => checkDeterminism(lazy({ guardForm: (s) => s.x < 1 }))).toThrow(/its compiled guard and the model's guard disagree/);
    expect(() => checkDeterminism(lazy({ recipeForm: (d) => void (d.x += 2) }))).toThrow(/its compiled recipe and the model's recipe give different successors/);
    expect(() => checkDeterminism(lazy({ guardForm: (s) => s.x < 2, gateForm: (s) => s.y === 1 }))).toThrow(/its compiled guard and the model's guard disagree/);
  });

  it("reports a gate whose forAction differs from what it allows", () => {
    const { m, inc } = compiled({ guardForm: (s) => s.x < 2, gateForm: (s) => s.y === 1 });
    expect(inc.straightGuard).toBeDefined();
    expect(() => checkDeterminism(m)).toThrow(/its compiled guard and the model's guard disagree/);
  });
});
