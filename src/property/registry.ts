// A set of models with their properties, as the CLI and the worker threads receive them: the
// bundled models (models/registry.ts) are one, injected by the CLI's entry module rather than
// imported by the commands, so that the engine and the CLI never depend on which models exist.
//
// A registry names its models without loading them, and loads one when it is asked for: a command
// that names one model (kmc check xen-remove-from-physmap) imports that model and its properties
// only, not every bundled model (start-up time: bench/startup.ts).

import type { ModelDef } from '../model/types.js';
import type { PropertySet } from './types.js';

export interface ModelEntry {
  model: ModelDef;
  properties: PropertySet;
  /** The module (relative to the package root) that exports the model as default. */
  source: string;
}

/** A model of a registry as known before it is loaded: its name and its source module. */
export interface RegistryModel {
  /** The model's name (ModelDef.name). */
  name: string;
  /** The module (relative to the package root) that exports the model as default (ModelEntry.source). */
  source: string;
}

export interface ModelRegistry {
  /** The models, in order, known without loading any. */
  models: readonly RegistryModel[];
  /** The entry of the model named `name`, loading that model and its properties only; undefined when it has none. */
  load(name: string): Promise<ModelEntry | undefined>;
  /**
   * The module that exports this registry as `registry` (a file: URL), which worker threads
   * import to load an entry by its `source` (functions do not cross threads). Absent: entries
   * that only the main thread can run.
   */
  module?: string | undefined;
}

/** A model of a lazy registry: how to import it and its properties. */
export interface LazyModel extends RegistryModel {
  load(): Promise<{ model: ModelDef; properties: PropertySet }>;
}

/** A registry that imports each model the first time it is asked for (once: later loads give the same entry). */
export function lazyRegistry(models: readonly LazyModel[], module?: string): ModelRegistry {
  const loaded = new Map<string, Promise<ModelEntry>>();
  return {
    models: models.map(({ name, source }) => ({ name, source })),
    module,
    load(name) {
      const m = models.find((x) => x.name === name);
      if (!m) return Promise.resolve(undefined);
      let p = loaded.get(name);
      if (!p) {
        p = m.load().then(({ model, properties }) => {
          // The name is what the registry promises before loading: a mismatch is a wrong entry, not a model to run under another name.
          if (model.name !== name) throw new Error(`registry: the entry '${name}' (${m.source}) loads the model '${model.name}'`);
          return { model, properties, source: m.source };
        });
        loaded.set(name, p);
      }
      return p;
    },
  };
}

/** A registry of entries already loaded (tests, embedders). */
export function registryOf(entries: readonly ModelEntry[], module?: string): ModelRegistry {
  return {
    models: entries.map((e) => ({ name: e.model.name, source: e.source })),
    module,
    load: (name) => Promise.resolve(entries.find((e) => e.model.name === name)),
  };
}

/** Every entry of `registry`, in order (loads every model). */
export async function loadAll(registry: ModelRegistry): Promise<ModelEntry[]> {
  return Promise.all(
    registry.models.map(async (m) => {
      const entry = await registry.load(m.name);
      if (!entry) throw new Error(`registry: the model '${m.name}' it lists does not load`);
      return entry;
    }),
  );
}

/** No models: what a program sees when no registry was injected. */
export const NO_MODELS: ModelRegistry = registryOf([]);
