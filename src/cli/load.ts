// Finding a model: a bundled one by name, or a module file by path (exporting the model as
// `default` or `model`, and optionally its `properties`).

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundled, type ModelEntry } from '../../models/index.js';
import { UsageError } from '../util/errors.js';
import { deadlockFree } from '../property/define.js';

export async function loadModel(nameOrPath: string): Promise<ModelEntry> {
  const entry = bundled.find((e) => e.model.name === nameOrPath);
  if (entry) return entry;
  if (/[/\\]|\.[cm]?[jt]s$/.test(nameOrPath)) {
    const file = resolve(nameOrPath);
    if (!existsSync(file)) throw new UsageError(`no model file at ${file}`);
    let mod: Record<string, unknown>;
    try {
      if (/\.[cm]?ts$/.test(file)) {
        const { register } = await import('tsx/esm/api');
        register();
      }
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`model file ${file} failed to load: ${(e as Error).message}`);
    }
    const model = (mod.default ?? mod.model) as ModelEntry['model'] | undefined;
    if (!model || typeof model !== 'object' || typeof model.build !== 'function' || typeof model.name !== 'string')
      throw new UsageError(`model file ${file} does not export a model (export default defineModel({...}))`);
    const properties = (mod.properties as ModelEntry['properties'] | undefined) ?? { model: model.name, properties: [deadlockFree()] };
    return { model, properties, source: file };
  }
  throw new UsageError(`unknown model '${nameOrPath}'; bundled models: ${bundled.map((e) => e.model.name).join(', ')}`);
}
