// A worker loads the model itself, from the module the orchestrator names: the bundled-model
// registry (then the entry with the given `source`), or a model file. Loaded modules are cached
// per thread, so a pool that checks many variants imports each model once.

import type { ModelDef } from '../model/types.js';
import type { Property, PropertySet } from '../property/types.js';
import { deadlockFree } from '../property/define.js';
import { propertiesOf } from '../engine/check.js';
import type { ModelSource } from './protocol.js';
import { importSpecifier } from './paths.js';

export interface LoadedModel {
  model: ModelDef;
  properties: readonly Property[];
}

const cache = new Map<string, Promise<LoadedModel>>();
let tsxRegistered = false;

async function importModule(module: string): Promise<Record<string, unknown>> {
  const { url, typescript } = importSpecifier(module);
  const g = globalThis as { __kmcTsxRegistered?: boolean };
  if (typescript && !tsxRegistered && !g.__kmcTsxRegistered) {
    const { register } = await import('tsx/esm/api');
    register();
    tsxRegistered = true;
  }
  return (await import(url)) as Record<string, unknown>;
}

function isModel(m: unknown): m is ModelDef {
  return !!m && typeof m === 'object' && typeof (m as ModelDef).build === 'function' && typeof (m as ModelDef).name === 'string';
}

async function load(source: ModelSource): Promise<LoadedModel> {
  if (source.kind === 'bundled') {
    const mod = await importModule(source.registry);
    const bundled = mod.bundled as { model: ModelDef; properties: PropertySet; source: string }[] | undefined;
    const entry = bundled?.find((e) => e.source === source.source);
    if (!entry) throw new Error(`the registry ${source.registry} has no bundled model from ${source.source}`);
    return { model: entry.model, properties: propertiesOf(entry.properties) };
  }
  const mod = await importModule(source.module);
  const model = source.exportName ? mod[source.exportName] : (mod.default ?? mod.model);
  if (!isModel(model)) throw new Error(`${source.module} does not export a model${source.exportName ? ` named ${source.exportName}` : ''}`);
  const props = mod[source.propertiesName ?? 'properties'] as PropertySet | Property[] | undefined;
  // The same default as the CLI's loader: a model file without properties is checked for deadlocks.
  return { model, properties: props ? propertiesOf(props) : [deadlockFree()] };
}

export function loadModel(source: ModelSource): Promise<LoadedModel> {
  const key = JSON.stringify(source);
  let p = cache.get(key);
  if (!p) {
    p = load(source);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}
