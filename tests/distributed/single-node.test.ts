// The distributed search against a real single redis-server: the same verdicts, distinct states,
// transitions, diameters and the very counterexamples as the sequential search, with 1, 2 and 3
// workers, on the bundled models (small parameters), textbook models and random fast-check
// models. Workers run in this process (interleaved at every Redis round trip); cli.test.ts runs
// them as processes.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundled } from '../../models/index.js';
import { check } from '../../src/engine/check.js';
import type { ModelDef } from '../../src/model/types.js';
import type { PropertySet } from '../../src/property/types.js';
import { buildRandomModel, modelSpec } from '../oracle/random-model.js';
import * as abba from '../fixtures/models/abba.js';
import * as lostUpdate from '../fixtures/models/lost-update.js';
import * as peterson from '../fixtures/models/peterson.js';
import { essence } from '../parallel/same-result.js';
import { distributedCheck } from './in-process.js';
import { SMALL } from './small.js';
import { keyCount, redisInstalled, SKIP_REASON, startSingle, type RedisSetup } from './servers.js';


function safety(properties: PropertySet): string[] {
  return properties.properties.filter((p) => p.kind !== 'liveness').map((p) => p.name);
}

async function expectSame(url: string, def: ModelDef, properties: PropertySet, o: { variant?: string; params?: Record<string, number | boolean> }, what: string) {
  const property = safety(properties);
  const sequential = check(def, properties, { variant: o.variant, params: o.params ?? {}, property, symmetry: false });
  for (const w of [1, 2, 3]) {
    const { result, workers } = await distributedCheck(url, def, properties, w, { ...o, property });
    expect(essence(result), `${what} with ${w} worker(s)`).toEqual(essence(sequential));
    expect(workers.map((x) => x.code)).toEqual(workers.map(() => 0));
  }
}

describe.skipIf(!redisInstalled)('distributed search on one redis-server = sequential search', () => {
  let redis: RedisSetup;
  beforeAll(async () => void (redis = await startSingle()));
  afterAll(async () => redis?.stop());

  it('textbook models: lost update, ABBA, Peterson', async () => {
    const cases: [string, ModelDef, PropertySet][] = [
      ['lost-update', lostUpdate.default as ModelDef, lostUpdate.properties as PropertySet],
      ['abba', abba.default as ModelDef, abba.properties as PropertySet],
      ['peterson', peterson.default as ModelDef, peterson.properties as PropertySet],
    ];
    for (const [name, def, props] of cases) for (const variant of Object.keys(def.variants)) await expectSame(redis.url, def, props, { variant }, `${name} ${variant}`);
    // Nothing left behind once a run is over.
    expect(keyCount(redis)).toBe(0);
  }, 60_000);

  for (const entry of bundled) {
    it(`${entry.model.name}, its first two variants, small parameters`, async () => {
      const params = SMALL[entry.model.name] ?? {};
      for (const variant of Object.keys(entry.model.variants).slice(0, 2)) await expectSame(redis.url, entry.model, entry.properties, { variant, params }, `${entry.model.name} ${variant}`);
    }, 60_000);
  }

  it('random models', async () => {
    await fc.assert(
      fc.asyncProperty(modelSpec, async (spec) => {
        const { model, properties } = buildRandomModel(spec);
        await expectSame(redis.url, model, properties, {}, 'random model');
      }),
      { numRuns: Number(process.env.KMC_RANDOM_RUNS ?? 15) },
    );
  }, 90_000);
});

describe.skipIf(redisInstalled)('distributed search', () => {
  it.skip(`skipped: ${SKIP_REASON}`, () => {});
});
