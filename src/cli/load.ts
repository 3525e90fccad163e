// Finding a model: one of the registry's by name (the bundled models, injected by main.ts), or a
// model file by path. A model file follows one
// convention (src/property/model-file.ts): the model as its default export, its properties as
// the named export `properties`; anything else is an error naming what the file exports.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../util/errors.js';
import { importModelModule } from '../util/import-module.js';
import { modelFileExports } from '../property/model-file.js';
import { displayPath } from '../util/display-path.js';
import type { ModelEntry, ModelRegistry } from '../property/registry.js';

/** Does the argument name a file rather than a bundled model? */
export function isModelPath(nameOrPath: string): boolean {
  return /[/\\]|\.[cm]?[jt]s$/.test(nameOrPath);
}

export async function loadModel(nameOrPath: string, registry: ModelRegistry): Promise<ModelEntry> {
  const bundled = registry.entries;
  const entry = bundled.find((e) => e.model.name === nameOrPath);
  if (entry) return entry;
  if (isModelPath(nameOrPath)) {
    const file = resolve(nameOrPath);
    const shown = displayPath(file);
    if (!existsSync(file)) throw new UsageError(`no model file at ${shown}`);
    let mod: Record<string, unknown>;
    try {
      mod = await importModelFile(file);
    } catch (e) {
      throw new UsageError(`model file ${shown} failed to load: ${(e as Error).message}`);
    }
    const { model, properties } = modelFileExports(mod, shown);
    return { model, properties, source: file };
  }
  throw new UsageError(`unknown model '${nameOrPath}'; bundled models: ${bundled.map((e) => e.model.name).join(', ')}; or give a model file's path (./models/x.ts)`);
}

/** Each named model (a file or a bundled name), in order. */
export async function loadModels(names: readonly string[], registry: ModelRegistry): Promise<ModelEntry[]> {
  const out: ModelEntry[] = [];
  for (const n of names) out.push(await loadModel(n, registry));
  return out;
}

/** Import a model file as a module whatever its extension and its package's `type`. */
export const importModelFile = importModelModule;
