// The parallel search agrees with the sequential one for 1, 2 and 4 workers, with either
// deduplication scheme: on the textbook models and on bigger synthetic ones (full message
// batches, halted states, deadlocks, every kind of property). Bundled models: bundled.test.ts;
// random models: random-models.test.ts.

import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { check } from '../../src/engine/check.js';
import type { ModelDef } from '../../src/model/types.js';
import type { PropertySet } from '../../src/property/types.js';
import { type ModelSource } from '../../src/parallel/index.js';
import synthetic, { properties as syntheticProps } from '../fixtures/parallel/synthetic.js';
import * as textbook from '../fixtures/textbook.js';
import { expectSameResult } from './same-result.js';
import { checkersFor } from './checkers.js';

const TEXTBOOK = fileURLToPath(new URL('../fixtures/textbook.ts', import.meta.url));
const SYNTHETIC = fileURLToPath(new URL('../fixtures/parallel/synthetic.ts', import.meta.url));

interface Case {
  name: string;
  model: ModelDef;
  properties: PropertySet;
  source: ModelSource;
  params?: Record<string, number>;
}

const fromTextbook = (exportName: keyof typeof textbook, propertiesName: keyof typeof textbook, params?: Record<string, number>): Case => ({
  name: `${String(exportName)}${params ? ' ' + JSON.stringify(params) : ''}`,
  model: textbook[exportName] as ModelDef,
  properties: textbook[propertiesName] as PropertySet,
  source: { kind: 'file', module: TEXTBOOK, exportName, propertiesName },
  ...(params ? { params } : {}),
});

const cases: Case[] = [
  fromTextbook('peterson', 'petersonProps', { rounds: 2 }),
  fromTextbook('abba', 'abbaProps'),
  fromTextbook('lostUpdate', 'lostUpdateProps', { threads: 3 }),
  fromTextbook('lostUpdate', 'lostUpdateProps', { threads: 6 }),
  ...[{ threads: 3, rounds: 3, mod: 4 }, { threads: 4, rounds: 2, mod: 3 }].map(
    (params): Case => ({ name: `synthetic ${JSON.stringify(params)}`, model: synthetic, properties: syntheticProps, source: { kind: 'file', module: SYNTHETIC }, params }),
  ),
];

const checkers = checkersFor([1, 2, 4]);

describe('parallel search = sequential search', () => {
  for (const c of cases) {
    it(`${c.name}, every variant`, async () => {
      for (const variant of Object.keys(c.model.variants)) {
        const options = { variant, params: c.params ?? {} };
        const sequential = check(c.model, c.properties, options);
        for (const [w, checker] of checkers) {
          const target = { model: c.model, properties: c.properties, source: c.source };
          expectSameResult(await checker.check(target, options), sequential, w, `${c.name} ${variant}`);
          if (w === 2) expectSameResult(await checker.check(target, { ...options, dedup: 'shared-table' }), sequential, w, `${c.name} ${variant} (shared table)`);
        }
      }
    });
  }
});
