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
import { invariant, leadsTo, type StateInfo } from '../../src/property/index.js';
import { compileLivenessPredicates } from '../../src/engine/liveness/analyse.js';
import { runCheck } from '../../src/cli/run-check.js';
import type { Io } from '../../src/cli/io.js';
import { runProgram } from '../../src/cli/program.js';
import type { ModelRegistry } from '../../src/property/registry.js';

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

// Invariants: the compiler compiles a property's own source, or the form it declares
// (declareStraight); a wrong declared form would make the search check another property than
// the model's, silently. The probe compares each compiled invariant with the property's own
// function on the sampled states.
describe('the determinism probe checks compiled invariants against the properties', () => {
  /** `x <= 2` (true in every reachable state: the guard x < 2 caps x at 2), declared as `form`. */
  const bounded = (form?: (s: StateInfo<S>) => boolean) => {
    const holds = opaque((s: StateInfo<S>) => s.vars.x <= 2);
    if (form) declareStraight(holds, { fn: form });
    return invariant<S>('x-bounded', 'x stays at most 2', holds);
  };
  const plain = compileModel(model({ guardForm: (s) => s.x < 2, recipeForm: (d) => void (d.x += 1) }), { variant: 'only' });

  it('passes a true declared form, and compiles it (a property the compiler reads itself too)', () => {
    const good = bounded((s) => s.vars.x <= 2);
    expect(plain.compileProperty!(good.holds)).toBeDefined();
    expect(() => checkDeterminism(plain, { properties: [good] })).not.toThrow();
    const own = invariant<S>('y-small', 'y is 0 or 1', (s) => s.vars.y < 2);
    expect(plain.compileProperty!(own.holds)).toBeDefined();
    expect(() => checkDeterminism(plain, { properties: [own, good] })).not.toThrow();
  });

  it('reports a declared form that differs from the property (exit 2: a ModelError naming it)', () => {
    const wrong = bounded((s) => s.vars.x < 2);
    expect(plain.compileProperty!(wrong.holds)).toBeDefined();
    expect(() => checkDeterminism(plain, { properties: [wrong] })).toThrow(ModelError);
    expect(() => checkDeterminism(plain, { properties: [wrong] })).toThrow(/property x-bounded: its compiled form and the property's own function disagree on a reachable state/);
    // A when/then invariant compiles through its declared parts: a wrong `then` form is caught too.
    const then = opaque((s: StateInfo<S>) => s.vars.x <= 2);
    declareStraight(then, { fn: (s: StateInfo<S>) => s.vars.x !== 2 });
    const implication = invariant<S>('x-bounded-when-y', 'when y is 0, x is at most 2', { when: (s) => s.vars.y === 0, then });
    expect(plain.compileProperty!(implication.holds)).toBeDefined();
    expect(() => checkDeterminism(plain, { properties: [implication] })).toThrow(/property x-bounded-when-y: its compiled form/);
    // Without the properties, the probe does not look at them.
    expect(() => checkDeterminism(plain)).not.toThrow();
  });

  it("compares a liveness property's p and q, compiled as the state graph's labels are, with their own functions", () => {
    // leadsTo(p, q) with q declared wrongly (x === 2 is reached, the form says never).
    const q = opaque((s: StateInfo<S>) => s.vars.x === 2);
    declareStraight(q, { fn: (s: StateInfo<S>) => s.vars.x === 3 });
    const wrong = leadsTo<S>('x-reaches-2', 'x gets to 2', (s) => s.vars.y === 0, q);
    const [compiled] = compileLivenessPredicates(plain, [wrong]);
    expect(compiled!.p).toBeDefined();
    expect(compiled!.q).toBeDefined();
    expect(() => checkDeterminism(plain, { properties: [wrong] })).toThrow(/property x-reaches-2: its compiled form and the property's own function disagree on a reachable state/);
    const right = leadsTo<S>('x-reaches-2', 'x gets to 2', (s) => s.vars.y === 0, (s) => s.vars.x === 2);
    expect(() => checkDeterminism(plain, { properties: [right] })).not.toThrow();
  });

  it('a wrong declared property form makes `kmc check` exit 2 before the search', async () => {
    const io: Io = { out: () => {}, err: () => {}, isTTY: false };
    const wrong = bounded((s) => s.vars.x < 2);
    // No cache files for this made-up entry (src/cli/step-cache.ts).
    const saved = process.env.KMC_NO_MODEL_CACHE;
    process.env.KMC_NO_MODEL_CACHE = '1';
    try {
      const entry = { model: model({}), properties: [wrong], source: 'tests/cli/determinism.test.ts' };
      await expect(runCheck(entry as never, { variant: 'only', workers: 1, quiet: true, io })).rejects.toThrow(/property x-bounded: its compiled form and the property's own function disagree/);
      // The same entry with the true form is checked (and holds).
      const good = await runCheck({ ...entry, properties: [bounded((s) => s.vars.x <= 2)] } as never, { variant: 'only', workers: 1, quiet: true, io });
      expect(good.result.status).toBe('verified');
    } finally {
      if (saved === undefined) delete process.env.KMC_NO_MODEL_CACHE;
      else process.env.KMC_NO_MODEL_CACHE = saved;
    }
  });
});

describe('kmc simulate and kmc prove probe compiled invariants too', () => {
  // A registry holding the model with a wrong declared invariant form, made in this module (so
  // the form is declared to the same step compiler the CLI runs here).
  const holds = opaque((s: StateInfo<S>) => s.vars.x <= 2);
  declareStraight(holds, { fn: (s: StateInfo<S>) => s.vars.x < 2 });
  const entry = { model: model({}), properties: [invariant<S>('x-bounded', 'x stays at most 2', holds)], source: 'declared' };
  const registry: ModelRegistry = { models: [{ name: 'declared', source: 'declared' }], load: async (name) => (name === 'declared' ? (entry as never) : undefined) };
  const kmc = async (...args: string[]) => {
    const err: string[] = [];
    const code = await runProgram(['node', 'kmc', ...args], { out: () => {}, err: (t) => void err.push(t), isTTY: false }, registry);
    return { code, err: err.join('\n') };
  };
  it.each([
    ['simulate', ['declared', '--runs', '5', '--seed', '1']],
    ['prove', ['declared', '--from', 'only', '--to', 'only']],
  ])('kmc %s exits 2 naming the property whose compiled form disagrees', async (command, args) => {
    const r = await kmc(command, ...args);
    expect(r.err).toMatch(/property x-bounded: its compiled form and the property's own function disagree/);
    expect(r.code).toBe(2);
  });
});
