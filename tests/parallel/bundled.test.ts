// Every bundled model, in every variant at its defaults: the parallel search with 1, 2 and 4
// workers finds what the sequential search finds (verdict, states, the very counterexamples).
// Workers load the models the way the CLI makes them: from the registry, by `source`.
//
// Liveness runs apart, in one worker, the engine's own check() whatever the worker count
// (src/parallel/pool.ts): it is compared once per variant, with 2 workers; 1 and 4 workers are
// compared on the safety properties (against the sequential search of those), which is what
// the worker count changes. That saves two full graph searches per variant.

import { describe, expect, it } from 'vitest';
import { bundled, registry } from '../../models/index.js';
import { check } from '../../src/engine/check.js';
import { withBuiltinLiveness } from '../../src/property/index.js';
import { expectSameResult } from './same-result.js';
import { checkersFor } from './checkers.js';

const checkers = checkersFor([1, 2, 4]);

describe('bundled models: parallel search = sequential search', () => {
  it('the registry has models to compare', () => expect(bundled.length).toBeGreaterThan(0));
  for (const entry of bundled) {
    it(`${entry.model.name}, every variant`, async () => {
      const source = { kind: 'bundled' as const, registry: registry.module!, source: entry.source };
      const safety = withBuiltinLiveness(entry.properties).filter((p) => p.kind !== 'liveness').map((p) => p.name);
      for (const variant of Object.keys(entry.model.variants)) {
        const sequential = check(entry.model, entry.properties, { variant });
        const sequentialSafety = check(entry.model, entry.properties, { variant, property: safety });
        for (const [w, checker] of checkers) {
          const target = { model: entry.model, properties: entry.properties, source };
          if (w === 2) expectSameResult(await checker.check(target, { variant }), sequential, w, `${entry.model.name} ${variant}`);
          else expectSameResult(await checker.check(target, { variant, property: safety }), sequentialSafety, w, `${entry.model.name} ${variant} (safety)`);
        }
      }
    });
  }
});
