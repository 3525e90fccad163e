// Parameters and variants: validation of what the user asked for, with one clear line naming
// what is valid when it is wrong.

import { UsageError } from '../util/errors.js';
import type { BoolParamSpec, IntParamSpec, ModelDef, ParamSpec, ParamValues } from './types.js';
import { hasOwnKey, ownKey, setOwn } from '../util/own.js';

export function intParam(def: number, doc: string, range: { min?: number; max?: number } = {}): IntParamSpec {
  return { type: 'int', default: def, doc, ...range };
}

export function boolParam(def: boolean, doc: string): BoolParamSpec {
  return { type: 'bool', default: def, doc };
}

export function defaultParams(def: ModelDef): ParamValues {
  const out: ParamValues = {};
  for (const [k, spec] of Object.entries(def.params)) out[k] = spec.default;
  return out;
}

/** Parse `name=value` overrides (strings from the command line, or values) against the model's specs. */
export function resolveParams(def: ModelDef, overrides: Record<string, string | number | boolean> = {}): ParamValues {
  const out = defaultParams(def);
  const names = Object.keys(def.params);
  for (const [k, raw] of Object.entries(overrides)) {
    const spec = ownKey(def.params, k);
    if (!spec)
      throw new UsageError(
        `model ${def.name} has no parameter '${k}'; its parameters are: ${names.length ? names.join(', ') : '(none)'}`,
      );
    out[k] = parseValue(def.name, k, spec, raw);
  }
  return out;
}

function parseValue(model: string, k: string, spec: ParamSpec, raw: string | number | boolean): number | boolean {
  if (spec.type === 'bool') {
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true' || raw === '1' || raw === 'yes' || raw === 'on') return true;
    if (raw === 'false' || raw === '0' || raw === 'no' || raw === 'off') return false;
    throw new UsageError(`parameter ${model}.${k} is a boolean: use ${k}=true or ${k}=false, not '${String(raw)}'`);
  }
  const n = typeof raw === 'number' ? raw : /^-?\d+$/.test(String(raw).trim()) ? Number(String(raw).trim()) : NaN;
  if (!Number.isInteger(n)) throw new UsageError(`parameter ${model}.${k} is an integer, not '${String(raw)}'`);
  if (spec.min !== undefined && n < spec.min)
    throw new UsageError(`parameter ${model}.${k}=${n} is below its minimum ${spec.min}`);
  if (spec.max !== undefined && n > spec.max)
    throw new UsageError(`parameter ${model}.${k}=${n} is above its maximum ${spec.max}`);
  return n;
}

/** Parse `cpus=3` strings (repeatable --param) into a map. */
export function parseParamArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const m = /^([A-Za-z_][\w-]*)=(.*)$/.exec(a);
    if (!m) throw new UsageError(`--param expects name=value (e.g. --param cpus=3), not '${a}'`);
    setOwn(out, m[1]!, m[2]!);
  }
  return out;
}

export function resolveVariant(def: ModelDef, variant: string | undefined): string {
  const names = Object.keys(def.variants);
  if (variant === undefined) {
    const first = names[0];
    if (first === undefined) throw new UsageError(`model ${def.name} declares no variants`);
    return first;
  }
  if (!hasOwnKey(def.variants, variant))
    throw new UsageError(`model ${def.name} has no variant '${variant}'; its variants are: ${names.join(', ')}`);
  return variant;
}
