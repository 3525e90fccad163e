// Every bundled model, in every variant at its defaults: the parallel search with 1, 2 and 4
// workers finds what the sequential search finds (verdict, states, the very counterexamples).
// Workers load the models the way the CLI makes them: from the registry, by `source`.
//
// Liveness is compared once per variant, with 2 workers (on the graph the parallel search
// records: src/parallel/graph-part.ts, whose own test compares the graphs array for array at 1,
// 2 and 3 workers); 1 and 4 workers are compared on the safety properties (against the
// sequential search of those). That saves two graph searches and analyses per variant.
//
// Two models are compared at a smaller size than their defaults (AT), where the same code runs:
// every thread kind, every variant, the same violated properties (kvm-intx-mask's
// shared-line-not-disabled aside, which needs a second device IRQ). At defaults they are 97,000
// to 140,000 states a variant, five searches each (two of them parallel under tso), which took
// the file past two minutes under load; their default counts and verdicts are pinned in
// tests/models/ and models/expectations.json, not here.

import { describe, expect, it } from 'vitest';
import { bundled, registry } from '../../models/index.js';
import { check } from '../../src/engine/check.js';
import { withBuiltinLiveness } from '../../src/property/index.js';
import { expectSameResult } from './same-result.js';
import { checkersFor } from './checkers.js';

const checkers = checkersFor([1, 2, 4]);

/** Parameters per model (defaults otherwise): 40,701 states a variant instead of 136,422; 26,571 to 37,854 instead of 96,868 to 140,467. */
const AT: Record<string, Record<string, number | boolean>> = {
  'kvm-intx-mask': { irqs: 1 },
  'sched-delayed-dequeue': { interrupts: 1, halts: 1 },
};

describe('bundled models: parallel search = sequential search', () => {
  it('the registry has models to compare', () => expect(bundled.length).toBeGreaterThan(0));
  const statuses = new Map<string, string[]>();
  for (const entry of bundled) {
    const params = Object.hasOwn(AT, entry.model.name) ? AT[entry.model.name]! : {};
    // One test per variant: each has the whole timeout to itself.
    for (const variant of Object.keys(entry.model.variants)) {
      it(`${entry.model.name} ${variant}${Object.keys(params).length > 0 ? ` ${JSON.stringify(params)}` : ''}`, async () => {
        const source = { kind: 'bundled' as const, registry: registry.module!, source: entry.source };
        const safety = withBuiltinLiveness(entry.properties).filter((p) => p.kind !== 'liveness').map((p) => p.name);
        const sequential = check(entry.model, entry.properties, { variant, params });
        const sequentialSafety = check(entry.model, entry.properties, { variant, params, property: safety });
        statuses.set(entry.model.name, [...(statuses.get(entry.model.name) ?? []), sequential.status]);
        for (const [w, checker] of checkers) {
          const target = { model: entry.model, properties: entry.properties, source };
          if (w === 2) expectSameResult(await checker.check(target, { variant, params }), sequential, w, `${entry.model.name} ${variant}`);
          else expectSameResult(await checker.check(target, { variant, params, property: safety }), sequentialSafety, w, `${entry.model.name} ${variant} (safety)`);
        }
      });
    }
  }
  it('the smaller sizes are of bundled models and still have counterexamples to compare', () => {
    for (const name of Object.keys(AT)) expect(statuses.get(name), name).toContain('violated');
  });
});
