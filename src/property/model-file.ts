// The model-file convention, in one place for every loader (the CLI and the worker threads):
//
//   export default defineModel<S>({ ... });                       // the model
//   export const properties = defineProperties<S>('name', [...]);  // its properties
//
// Anything else is an error that names what the file does export, so that a misnamed export
// can never turn into a check of deadlock freedom alone that prints VERIFIED. Deadlock freedom
// is added unless the property set opts out by name (defineProperties(..., { deadlock: false })),
// and so is the built-in livelock check ({ livelock: false }).

import type { ModelDef } from '../model/types.js';
import type { Property, PropertySet } from './types.js';
import { withBuiltins } from './define.js';
import { UsageError } from '../util/errors.js';

export interface ModelFileExports {
  model: ModelDef;
  properties: PropertySet;
}

export function isModelDef(m: unknown): m is ModelDef {
  return !!m && typeof m === 'object' && typeof (m as ModelDef).build === 'function' && typeof (m as ModelDef).name === 'string';
}

function isProperty(p: unknown): p is Property {
  return !!p && typeof p === 'object' && typeof (p as Property).name === 'string' && typeof (p as Property).kind === 'string';
}

function isPropertySet(p: unknown): p is PropertySet {
  return !!p && typeof p === 'object' && Array.isArray((p as PropertySet).properties) && (p as PropertySet).properties.every(isProperty);
}

function isPropertyList(p: unknown): p is Property[] {
  return Array.isArray(p) && p.every(isProperty);
}

/** What an export is, in words, for the error messages. */
function describeExport(v: unknown): string {
  if (isModelDef(v)) return `a model '${v.name}'`;
  if (isPropertySet(v)) return `a property set (${v.properties.map((p) => p.name).join(', ') || 'empty'})`;
  if (isPropertyList(v)) return `a list of properties (${v.map((p) => p.name).join(', ') || 'empty'})`;
  if (isProperty(v)) return `a single property '${v.name}'`;
  if (typeof v === 'function') return 'a function';
  return Array.isArray(v) ? 'an array' : typeof v;
}

function exportList(mod: Record<string, unknown>): string {
  const names = Object.keys(mod).filter((k) => k !== '__esModule' && k !== 'module.exports');
  if (names.length === 0) return 'it exports nothing';
  return `it exports ${names.map((k) => `${k === 'default' ? 'default' : `'${k}'`} (${describeExport(mod[k])})`).join(', ')}`;
}

/**
 * The model and properties of a model module, by the convention above; `file` names it in
 * errors. The properties come back complete: with deadlock freedom unless opted out.
 */
export function modelFileExports(mod: Record<string, unknown>, file: string): ModelFileExports {
  // A CommonJS-transpiled module may put everything under `default`.
  const inner = mod.default as Record<string, unknown> | undefined;
  if (!isModelDef(inner) && inner && typeof inner === 'object' && isModelDef(inner.default)) mod = inner;
  const model = mod.default;
  if (!isModelDef(model)) {
    const named = Object.keys(mod).find((k) => k !== 'default' && isModelDef(mod[k]));
    const hint = named ? `: export it as default (export default ${named})` : ': export default defineModel({...})';
    throw new UsageError(`model file ${file} has no model as its default export; ${exportList(mod)}${hint}`);
  }
  const props = mod.properties;
  if (props === undefined) {
    const candidates = Object.keys(mod).filter((k) => k !== 'default' && (isPropertySet(mod[k]) || isPropertyList(mod[k])));
    const hint = candidates.length
      ? `; rename ${candidates.map((k) => `'${k}'`).join(' or ')} to 'properties' (export const properties = ${candidates[0]})`
      : "; add export const properties = defineProperties(model.name, [...]) (deadlock freedom is always checked; [] checks it alone)";
    throw new UsageError(`model file ${file} exports no 'properties', so kmc would check nothing but the built-in deadlock and livelock; ${exportList(mod)}${hint}`);
  }
  if (isPropertySet(props)) {
    if (props.model !== model.name)
      throw new UsageError(`model file ${file}: its properties are for model '${props.model}', but its model is '${model.name}'`);
    return { model, properties: withBuiltins(props) };
  }
  if (isPropertyList(props)) return { model, properties: withBuiltins({ model: model.name, properties: props }) };
  throw new UsageError(
    `model file ${file}: 'properties' is ${describeExport(props)}, not a property set (defineProperties(...)) or a list of properties`,
  );
}

/** The properties of a set or a list, as a list. */
export function propertiesOf(p: PropertySet | readonly Property[] | undefined): readonly Property[] {
  if (!p) return [];
  return Array.isArray(p) ? p : (p as PropertySet).properties;
}
