// A registry names its models without loading them and loads one on request
// (src/property/registry.ts): what lets `kmc check m` import one bundled model, not all of them.

import { describe, expect, it } from 'vitest';
import { lazyRegistry, loadAll, registryOf, type LazyModel } from '../../src/property/registry.js';
import { registry } from '../../models/registry.js';
import { bundled } from '../../models/index.js';

describe('model registry', () => {
  it('loads only the model asked for, once, and refuses an entry that loads another model', async () => {
    const [a, b] = bundled;
    const loads: string[] = [];
    const lazy = (name: string, entry = a!): LazyModel => ({
      name,
      source: entry.source,
      load: async () => {
        loads.push(name);
        return { model: entry.model, properties: entry.properties };
      },
    });
    const r = lazyRegistry([lazy(a!.model.name), lazy(b!.model.name, b), lazy('misnamed')]);
    expect(r.models.map((m) => m.name)).toEqual([a!.model.name, b!.model.name, 'misnamed']);
    expect(loads).toEqual([]);
    const first = await r.load(b!.model.name);
    expect(first?.model).toBe(b!.model);
    expect(await r.load(b!.model.name)).toBe(first);
    expect(await r.load('nothing')).toBeUndefined();
    expect(loads).toEqual([b!.model.name]);
    await expect(r.load('misnamed')).rejects.toThrow(`the entry 'misnamed' (${a!.source}) loads the model '${a!.model.name}'`);
    await expect(loadAll(r)).rejects.toThrow(/misnamed/);
  });

  it("the bundled registry's names and sources are the models it loads, in order", async () => {
    expect(registry.models).toEqual(bundled.map((e) => ({ name: e.model.name, source: e.source })));
    expect(await loadAll(registry)).toEqual(bundled);
    expect(await registry.load(bundled[0]!.model.name)).toBe(bundled[0]);
    expect((await loadAll(registryOf(bundled))).map((e) => e.model.name)).toEqual(bundled.map((e) => e.model.name));
  });
});
