// Every bundled model that declares symmetry (kvm-hotplug: its VM creators, and its CPUs without
// the suspend cycle; xen-remove-from-physmap: its hypercall vCPUs), every variant, at small
// parameters: the parallel search with symmetry, and with symmetry under a preemption bound,
// gives the sequential result with the same reductions for 1, 2 and 4 workers (the very
// counterexamples, each replayed on the unreduced model by the reference explorer).
//
// The comparisons select the safety properties: liveness runs apart, unreduced, in one worker,
// the same engine check() as the sequential search (src/parallel/pool.ts), so repeating it for
// every variant, reduction and worker count compared that one search with itself, at the cost
// of a full unreduced search each time. Each model and size compares the whole property set
// (liveness included) once, for its first variant with 2 workers.

import { describe, expect, it } from 'vitest';
import { bundled, registry } from '../../models/index.js';
import { check } from '../../src/engine/check.js';
import { withBuiltinLiveness } from '../../src/property/index.js';
import { expectSameReduced } from './same-result.js';
import { checkersFor } from './checkers.js';

const checkers = checkersFor([1, 2, 4]);

const SYMMETRIC: { name: string; params: Record<string, number | boolean> }[] = [
  // enableCanFail off: the failure path triples the state space and is not what symmetry is tested on.
  { name: 'kvm-hotplug', params: { cpus: 3, creators: 2, suspend: false, enableCanFail: false } },
  { name: 'kvm-hotplug', params: { cpus: 2, creators: 3, enableCanFail: false } },
  { name: 'xen-remove-from-physmap', params: { hypercalls: 2 } },
];

describe('bundled models with symmetry: parallel search = sequential search', () => {
  for (const { name, params } of SYMMETRIC) {
    const entry = bundled.find((e) => e.model.name === name)!;
    const safety = withBuiltinLiveness(entry.properties).filter((p) => p.kind !== 'liveness').map((p) => p.name);
    const target = () => ({ model: entry.model, properties: entry.properties, source: { kind: 'bundled' as const, registry: registry.module!, source: entry.source } });
    const first = Object.keys(entry.model.variants)[0]!;
    it(`${name} ${first} ${JSON.stringify(params)}: symmetry, every property (liveness unreduced in one worker), 2 workers`, async () => {
      const options = { variant: first, params, symmetry: true };
      const sequential = check(entry.model, entry.properties, options);
      expect(sequential.status !== 'error' && sequential.properties.some((p) => p.kind === 'liveness')).toBe(true);
      expectSameReduced(await checkers.get(2)!.check(target(), options), sequential, 2, `${name} ${first} with liveness`, { def: entry.model, properties: entry.properties.properties, variant: first, params });
    });
    // One test per variant: each has the whole timeout to itself.
    for (const variant of Object.keys(entry.model.variants)) {
    it(`${name} ${variant} ${JSON.stringify(params)}: symmetry and symmetry + a bound of 1 (safety properties)`, async () => {
      expect(entry, `${name} is bundled`).toBeDefined();
      {
        for (const reductions of [{ symmetry: true }, { symmetry: true, preemptionBound: 1 }]) {
          const options = { variant, params, property: safety, ...reductions };
          const sequential = check(entry.model, entry.properties, options);
          // The model's declaration is in use (a test that reduced nothing would prove little).
          expect(sequential.status !== 'error' && sequential.reductions?.symmetry.length).toBeGreaterThan(0);
          const what = `${name} ${variant} ${JSON.stringify(reductions)}`;
          for (const [w, checker] of checkers)
            expectSameReduced(await checker.check(target(), options), sequential, w, what, { def: entry.model, properties: entry.properties.properties, variant, params });
        }
      }
    });
    }
  }
});
