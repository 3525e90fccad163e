// A worker loads the model itself, from the module the orchestrator names: the bundled-model
// registry (then the entry with the given `source`), or a model file. Loaded modules are cached
// per thread, so a pool that checks many variants imports each model once.

import type { ModelDef } from '../model/types.js';
import type { Property, PropertySet } from '../property/types.js';
import { isModelDef, modelFileExports } from '../property/model-file.js';
import { importModelModule } from '../util/import-module.js';
import { propertiesOf } from '../engine/check.js';
import type { ModelSource } from './protocol.js';
import { pathToFileURL } from 'node:url';
import type { ModelEntry } from '../property/registry.js';

export interface LoadedModel {
  model: ModelDef;
  properties: readonly Property[];
}

/** A module path or file: URL as an import specifier; is it TypeScript (needs tsx)? */
function importSpecifier(module: string): { url: string; typescript: boolean } {
  const url = module.startsWith('file:') ? module : pathToFileURL(module).href;
  return { url, typescript: /\.[cm]?ts$/.test(new URL(url).pathname) };
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

async function load(source: ModelSource): Promise<LoadedModel> {
  if (source.kind === 'bundled') {
    const mod = await importModule(source.registry);
    const bundled = mod.bundled as ModelEntry[] | undefined;
    const entry = bundled?.find((e) => e.source === source.source);
    if (!entry) throw new Error(`the registry ${source.registry} has no bundled model from ${source.source}`);
    return { model: entry.model, properties: propertiesOf(entry.properties) };
  }
  // The user's file exactly as the CLI's loader imports it (tsx's scoped import for TypeScript).
  const mod = await importModelModule(source.module);
  if (!source.exportName && !source.propertiesName) {
    // The model-file convention, exactly as the CLI's loader applies it (deadlock freedom included).
    const { model, properties } = modelFileExports(mod, source.module);
    return { model, properties: propertiesOf(properties) };
  }
  const model = source.exportName ? mod[source.exportName] : mod.default;
  if (!isModelDef(model)) throw new Error(`${source.module} does not export a model${source.exportName ? ` named ${source.exportName}` : ''}`);
  const props = mod[source.propertiesName ?? 'properties'] as PropertySet | Property[] | undefined;
  if (!props) throw new Error(`${source.module} does not export properties named ${source.propertiesName ?? 'properties'}`);
  // Named exports are the engine API's business (tests): the properties exactly as exported.
  return { model, properties: propertiesOf(props) };
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
