// The one model loader (src/property/load-model.ts): the CLI's lookups (a registry's name, a
// model file's path) and the worker threads' sources load the same model by the same convention.

import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isModelPath, loadModel, loadSource } from '../../src/property/load-model.js';
import { propertiesOf } from '../../src/property/model-file.js';
import { bundled, registry } from '../../models/index.js';
import { UsageError } from '../../src/util/errors.js';

const ABBA = resolve(import.meta.dirname, '../fixtures/models/abba.ts');
const names = (ps: readonly { name: string }[]) => ps.map((p) => p.name);

describe('one model loader', () => {
  it('the CLI: a registry name, a file path, and an error naming both ways for anything else', async () => {
    const first = bundled[0]!;
    expect(await loadModel(first.model.name, registry)).toBe(first);
    const file = await loadModel(ABBA, registry);
    expect(file.model.name).toBe('abba');
    expect(file.source).toBe(ABBA);
    expect(names(propertiesOf(file.properties))).toContain('deadlock');
    expect(isModelPath('abba')).toBe(false);
    expect(isModelPath('./abba.ts')).toBe(true);
    await expect(loadModel('no-such-model', registry)).rejects.toThrow(UsageError);
    await expect(loadModel('no-such-model', registry)).rejects.toThrow(/unknown model 'no-such-model'; bundled models: .*model file's path/);
    await expect(loadModel('./missing/x.ts', registry)).rejects.toThrow(/no model file at/);
  });

  it("the workers: a file source gives the CLI's model and properties (the same convention, deadlock freedom included)", async () => {
    const cli = await loadModel(ABBA, registry);
    const worker = await loadSource({ kind: 'file', module: ABBA });
    expect(worker.model.name).toBe(cli.model.name);
    expect(names(worker.properties)).toEqual(names(propertiesOf(cli.properties)));
    // Cached per thread: the same source is imported once.
    expect(loadSource({ kind: 'file', module: ABBA })).toBe(loadSource({ kind: 'file', module: ABBA }));
  });

  it("the workers: a registry module's entry by its source, and a clear error for one it lacks", async () => {
    const entry = bundled[0]!;
    const module = pathToFileURL(resolve(import.meta.dirname, '../../models/index.ts')).href;
    const loaded = await loadSource({ kind: 'bundled', registry: module, source: entry.source });
    expect(loaded.model.name).toBe(entry.model.name);
    expect(names(loaded.properties)).toEqual(names(propertiesOf(entry.properties)));
    await expect(loadSource({ kind: 'bundled', registry: module, source: 'models/nothing.ts' })).rejects.toThrow(/has no bundled model from models\/nothing.ts/);
  });
});
