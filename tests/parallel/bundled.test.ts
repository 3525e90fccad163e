// Every bundled model, in every variant at its defaults: the parallel search with 1, 2 and 4
// workers finds what the sequential search finds (verdict, states, the very counterexamples).
// Workers load the models the way the CLI makes them: from the registry, by `source`.

import { describe, expect, it } from 'vitest';
import { bundled, registry } from '../../models/index.js';
import { check } from '../../src/engine/check.js';
import { expectSameResult } from './same-result.js';
import { checkersFor } from './checkers.js';

const checkers = checkersFor([1, 2, 4]);

describe('bundled models: parallel search = sequential search', () => {
  it('the registry has models to compare', () => expect(bundled.length).toBeGreaterThan(0));
  for (const entry of bundled) {
    it(`${entry.model.name}, every variant`, async () => {
      const source = { kind: 'bundled' as const, registry: registry.module!, source: entry.source };
      for (const variant of Object.keys(entry.model.variants)) {
        const sequential = check(entry.model, entry.properties, { variant });
        for (const [w, checker] of checkers)
          expectSameResult(await checker.check({ model: entry.model, properties: entry.properties, source }, { variant }), sequential, w, `${entry.model.name} ${variant}`);
      }
    });
  }
});
