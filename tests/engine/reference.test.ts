// The reference semantics of a step is immer's `produce` on the plain state (CompileOptions.reference,
// `kmc check --reference`); the fast codec path must agree with it. On every variant of every
// bundled model at small parameters, and on random models, the two searches give the same
// verdicts, the same counterexample paths and the same distinct-state and transition counts.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bundled } from '../../models/index.js';
import { check, type CheckOptions } from '../../src/engine/check.js';
import { compileModel } from '../../src/model/compile.js';
import type { CheckResult } from '../../src/engine/result.js';
import type { ModelDef } from '../../src/model/index.js';
import type { Property, PropertySet } from '../../src/property/index.js';
import { buildRandomModel, modelSpec } from '../oracle/random-model.js';

/** Small parameters per bundled model, so that the slower reference path runs in seconds. */
const SMALL: Record<string, Record<string, string | number | boolean>> = {
  'kvm-hotplug': { creators: 1, suspend: false },
  'pm-freeze': {},
  'xen-remove-from-physmap': {},
  'kvm-intx-mask': { irqs: 1 },
  'sched-delayed-dequeue': { freezer: false, halts: 1 },
};

function summary(r: CheckResult) {
  if (r.status === 'error') return { status: r.status, message: r.message };
  return {
    status: r.status,
    states: r.stats.states,
    transitions: r.stats.transitions,
    properties: r.properties,
    violations: r.status === 'violated' ? r.violations.map((v) => ({ property: v.property, path: v.path, message: v.message })) : [],
  };
}

function bothWays(def: ModelDef, properties: PropertySet | readonly Property[], o: CheckOptions) {
  return { fast: summary(check(def, properties, o)), reference: summary(check(def, properties, { ...o, reference: true })) };
}

describe('--reference: every recipe under immer produce gives the fast path\'s results', () => {
  it('the reference model really applies steps through produce (another apply than the fast one)', () => {
    const def = bundled[0]!.model;
    expect(compileModel(def, { reference: true }).apply).not.toBe(compileModel(def, {}).apply);
    expect(compileModel(def, { reference: true }).apply.name).toBe('applyReference');
  });

  for (const entry of bundled) {
    const params = SMALL[entry.model.name];
    it(`${entry.model.name}: every variant, same verdicts, paths and counts`, () => {
      expect(params, `small parameters for ${entry.model.name}`).toBeDefined();
      for (const variant of Object.keys(entry.model.variants)) {
        const { fast, reference } = bothWays(entry.model, entry.properties, { variant, params });
        expect(fast.status, `${entry.model.name}/${variant}`).not.toBe('error');
        expect(fast.status, `${entry.model.name}/${variant}`).not.toBe('incomplete');
        expect(reference, `${entry.model.name}/${variant}`).toEqual(fast);
      }
    });
  }

  it('random models: same verdicts and counts', () => {
    fc.assert(
      fc.property(modelSpec, (spec) => {
        const { model, properties } = buildRandomModel(spec);
        const { fast, reference } = bothWays(model, properties, {});
        expect(reference).toEqual(fast);
      }),
      { numRuns: 40, seed: 17 },
    );
  });
});
