// The one model loader, for the CLI and the worker threads alike.
//
// - The CLI finds a model by name in the registry it was given (the bundled models, injected by
//   src/cli/main.ts), or by a model file's path (loadModel).
// - A worker thread loads what the orchestrator names (loadSource): an entry of a registry's
//   module (functions do not cross threads, so each thread imports the registry itself), or a
//   model module.
//
// A model file follows one convention (model-file.ts): the model as its default export, its
// properties as `properties`; anything else is an error naming what the file exports. Files are
// imported through src/util/import-module.ts (the compiled-model cache for TypeScript ES modules,
// else tsx's scoped import, so any extension loads in any package type), by both, so both see the
// same module. A registry's module is imported as it
// is: compiled (.js) it needs nothing, and as TypeScript it is only ever named to worker threads
// started from the sources, whose bootstrap (src/parallel/boot.mjs) registered tsx: the one
// registration.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModelDef } from '../model/types.js';
import { displayPath } from '../util/display-path.js';
import { UsageError } from '../util/errors.js';
import { importModelModule } from '../util/import-module.js';
import { isModelDef, modelFileExports, propertiesOf } from './model-file.js';
import type { ModelEntry, ModelRegistry } from './registry.js';
import type { Property, PropertySet } from './types.js';

/** Where a worker thread loads its model from (plain data: it crosses threads). */
export type ModelSource =
  /** A registry's model: the registry's module (ModelRegistry.module, e.g. models/registry.js or .ts) and the entry's `source`. */
  | { kind: 'bundled'; registry: string; source: string }
  /**
   * A model module (absolute path or file: URL, query string allowed) exporting the model as
   * `default` (or `exportName`) and its properties as `properties` (or `propertiesName`).
   */
  | { kind: 'file'; module: string; exportName?: string; propertiesName?: string };

export interface LoadedModel {
  model: ModelDef;
  properties: readonly Property[];
  /** The set opted out of the built-in livelock check by name (PropertySet.livelock). */
  livelock?: false;
}

const loaded = (model: ModelDef, props: PropertySet | readonly Property[]): LoadedModel =>
  Array.isArray(props) || (props as PropertySet).livelock !== false ? { model, properties: propertiesOf(props) } : { model, properties: propertiesOf(props), livelock: false };

/** Does the argument name a file rather than a registry's model? */
export function isModelPath(nameOrPath: string): boolean {
  return /[/\\]|\.[cm]?[jt]s$/.test(nameOrPath);
}

/** A model by name from `registry`, or from the model file at that path (the CLI's models). */
export async function loadModel(nameOrPath: string, registry: ModelRegistry): Promise<ModelEntry> {
  const entry = await registry.load(nameOrPath);
  if (entry) return entry;
  if (isModelPath(nameOrPath)) {
    const file = resolve(nameOrPath);
    const shown = displayPath(file);
    if (!existsSync(file)) throw new UsageError(`no model file at ${shown}`);
    let mod: Record<string, unknown>;
    try {
      mod = await importModelModule(file);
    } catch (e) {
      throw new UsageError(`model file ${shown} failed to load: ${(e as Error).message}`);
    }
    const { model, properties } = modelFileExports(mod, shown);
    return { model, properties, source: file };
  }
  throw new UsageError(
    `unknown model '${nameOrPath}'; bundled models: ${registry.models.map((m) => m.name).join(', ')}; or give a model file's path (./models/x.ts)`,
  );
}

/** Each named model (a file or a registry's name), in order. */
export async function loadModels(names: readonly string[], registry: ModelRegistry): Promise<ModelEntry[]> {
  const out: ModelEntry[] = [];
  for (const n of names) out.push(await loadModel(n, registry));
  return out;
}

/** Loaded sources, per thread: a pool that checks many variants imports each model once. */
const cache = new Map<string, Promise<LoadedModel>>();

/** The model a worker thread is told to load (cached per thread). */
export function loadSource(source: ModelSource): Promise<LoadedModel> {
  const key = JSON.stringify(source);
  let p = cache.get(key);
  if (!p) {
    p = load(source);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

async function load(source: ModelSource): Promise<LoadedModel> {
  if (source.kind === 'bundled') {
    const url = source.registry.startsWith('file:') ? source.registry : pathToFileURL(source.registry).href;
    const { registry } = (await import(url)) as { registry?: ModelRegistry };
    const name = registry?.models.find((m) => m.source === source.source)?.name;
    const entry = name === undefined ? undefined : await registry!.load(name);
    if (!entry) throw new Error(`the registry ${source.registry} has no bundled model from ${source.source}`);
    return loaded(entry.model, entry.properties);
  }
  const mod = await importModelModule(source.module);
  if (!source.exportName && !source.propertiesName) {
    // The model-file convention, exactly as loadModel applies it for the CLI (deadlock freedom included).
    const { model, properties } = modelFileExports(mod, source.module);
    return loaded(model, properties);
  }
  const model = source.exportName ? mod[source.exportName] : mod.default;
  if (!isModelDef(model)) throw new Error(`${source.module} does not export a model${source.exportName ? ` named ${source.exportName}` : ''}`);
  const props = mod[source.propertiesName ?? 'properties'] as PropertySet | Property[] | undefined;
  if (!props) throw new Error(`${source.module} does not export properties named ${source.propertiesName ?? 'properties'}`);
  // Named exports are the engine API's business (tests): the properties exactly as exported.
  return loaded(model, props);
}
