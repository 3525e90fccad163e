// Parameters and variants: defaults, parsing, and bad values as one UsageError naming what is valid.

import { describe, expect, expectTypeOf, it } from 'vitest';
import { boolParam, defineModel, intParam, step, thread, type ModelDef, type System } from '../../src/model/index.js';
import { defaultParams, parseParamArgs, resolveParams, resolveVariant } from '../../src/model/params.js';
import { compileModel } from '../../src/model/compile.js';
import { check } from '../../src/engine/check.js';
import { UsageError } from '../../src/util/errors.js';

type S = { n: number };
const def = defineModel<S>({
  name: 'knobs',
  doc: 'a model with parameters',
  params: { cpus: intParam(2, 'CPUs', { min: 1, max: 4 }), fail: boolParam(false, 'enable can fail'), rounds: intParam(1, 'rounds') },
  variants: { before: 'the code before the patch', after: 'the patch' },
  build: () => ({ init: { n: 0 }, threads: [thread<S>('t', [step<S>('s', 'f: nop')])] }),
});
const bare = defineModel<S>({ ...def, name: 'bare', params: {}, variants: {} });

function usage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parameters', () => {
  it('default to their specs, and parse overrides given as strings or values', () => {
    expect(defaultParams(def)).toEqual({ cpus: 2, fail: false, rounds: 1 });
    expect(resolveParams(def, { cpus: '3', fail: 'true' })).toEqual({ cpus: 3, fail: true, rounds: 1 });
    expect(resolveParams(def, { cpus: 4, fail: true, rounds: ' -2 ' })).toEqual({ cpus: 4, fail: true, rounds: -2 });
    for (const yes of ['true', '1', 'yes', 'on']) expect(resolveParams(def, { fail: yes }).fail).toBe(true);
    for (const no of ['false', '0', 'no', 'off']) expect(resolveParams(def, { fail: no }).fail).toBe(false);
    expect(intParam(3, 'doc', { min: 0 })).toEqual({ type: 'int', default: 3, doc: 'doc', min: 0 });
  });

  it.each([
    [{ cpu: '2' }, "model knobs has no parameter 'cpu'; its parameters are: cpus, fail, rounds"],
    [{ cpus: 'two' }, "parameter knobs.cpus is an integer, not 'two'"],
    [{ cpus: '2.5' }, "parameter knobs.cpus is an integer, not '2.5'"],
    [{ cpus: '' }, "parameter knobs.cpus is an integer, not ''"],
    [{ cpus: 2.5 }, "parameter knobs.cpus is an integer, not '2.5'"],
    [{ cpus: '0' }, 'parameter knobs.cpus=0 is below its minimum 1'],
    [{ cpus: '5' }, 'parameter knobs.cpus=5 is above its maximum 4'],
    [{ fail: 'maybe' }, "parameter knobs.fail is a boolean: use fail=true or fail=false, not 'maybe'"],
  ])('reject %j with one line naming what is valid', (overrides, message) => {
    expect(usage(() => resolveParams(def, overrides))).toBe(message);
  });

  it('name "(none)" when the model has no parameters', () => {
    expect(usage(() => resolveParams(bare, { cpus: '1' }))).toBe("model bare has no parameter 'cpus'; its parameters are: (none)");
  });

  it('--param arguments are name=value', () => {
    expect(parseParamArgs(['cpus=3', 'fail=', 'x_y-z=a=b'])).toEqual({ cpus: '3', fail: '', 'x_y-z': 'a=b' });
    expect(usage(() => parseParamArgs(['cpus']))).toBe("--param expects name=value (e.g. --param cpus=3), not 'cpus'");
    expect(usage(() => parseParamArgs(['=3']))).toMatch(/^--param expects name=value/);
  });
});

describe('variants', () => {
  it('default to the first, and an unknown one names the valid ones', () => {
    expect(resolveVariant(def, undefined)).toBe('before');
    expect(resolveVariant(def, 'after')).toBe('after');
    expect(usage(() => resolveVariant(def, 'v2'))).toBe("model knobs has no variant 'v2'; its variants are: before, after");
    expect(usage(() => resolveVariant(bare, undefined))).toBe('model bare declares no variants');
  });

  it('compileModel and check() pass bad parameters and variants on as UsageErrors', () => {
    expect(() => compileModel(def, { params: { cpus: '9' } })).toThrow(UsageError);
    expect(() => check(def, [], { variant: 'nope' })).toThrow(/has no variant 'nope'/);
    expect(() => check(def, [], { params: { nope: 1 } })).toThrow(/has no parameter 'nope'/);
    const m = compileModel(def, { variant: 'after', params: { cpus: '3' } });
    expect([m.variant, m.params]).toEqual(['after', { cpus: 3, fail: false, rounds: 1 }]);
  });
});

// Parameters are typed from their declarations: `build` reads `params.cpus` as a number because it
// was declared with intParam, and `params.fail` as a boolean (boolParam); the variant is one of the
// declared names. The `@ts-expect-error` lines are checked by `tsc -p tests`: each must be an error.
describe('typed parameters', () => {
  const seen: unknown[] = [];
  const typed = defineModel({
    name: 'typed',
    doc: 'parameters typed from their declarations',
    params: { cpus: intParam(2, 'CPUs', { min: 1 }), fail: boolParam(false, 'enable can fail') },
    variants: { before: 'before the patch', after: 'the patch' },
    build({ params, variant }): System<S> {
      expectTypeOf(params.cpus).toEqualTypeOf<number>();
      expectTypeOf(params.fail).toEqualTypeOf<boolean>();
      expectTypeOf(variant).toEqualTypeOf<'before' | 'after'>();
      // @ts-expect-error cpus was declared with intParam: not a boolean
      const wrong: boolean = params.cpus;
      // @ts-expect-error fail was declared with boolParam: no arithmetic on it
      const sum: number = params.fail + 1;
      // @ts-expect-error no parameter 'cpu' was declared
      const missing = params.cpu;
      // @ts-expect-error 'patched' is not a declared variant
      const other = variant === 'patched';
      // @ts-expect-error parameters are read-only in build
      params.cpus = 3;
      seen.push({ cpus: params.cpus + 1, fail: !params.fail, variant }, wrong, sum, missing, other);
      return { init: { n: params.cpus }, threads: [thread<S>('t', [step<S>('s', 'f: nop')])] };
    },
  });

  it('build receives the resolved values with the declared types', () => {
    seen.length = 0;
    const m = compileModel(typed, { variant: 'after', params: { cpus: '3', fail: 'true' } });
    expect(seen[0]).toEqual({ cpus: 4, fail: false, variant: 'after' });
    expect(m.vars(m.init)).toEqual({ n: 3 });
  });

  it('a typed model is still a ModelDef the engine takes', () => {
    const untyped: ModelDef = typed;
    expect(check(untyped, [], { params: { cpus: 1 } }).status).toBe('verified');
  });
});
