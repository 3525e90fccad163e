// Every bundled model, in every variant: the verdicts with the reductions `kmc check` applies by
// default (partial-order and symmetry reduction) are those of the unreduced search, and every
// counterexample found with them replays on the unreduced model, through the reference
// explorer's own semantics, to a violation. kvm-hotplug's symmetry declarations (VM creators;
// the CPUs other than the hotplugged one, without the suspend cycle) are checked against the
// model itself on every reachable state of small configurations.
//
// The reduced search is asked for the safety properties: with reductions, liveness runs apart on
// the full, unreduced graph (src/engine/liveness/run.ts), the very search the plain check makes,
// so comparing it compared that search with itself at the cost of one more full graph search per
// variant. The plain check still decides every property, liveness included.

import { describe, expect, it } from 'vitest';
import { bundled } from '../../../models/index.js';
import { check } from '../../../src/engine/check.js';
import type { CheckResult } from '../../../src/engine/result.js';
import { compileModel } from '../../../src/model/compile.js';
import { expectReplaysToViolation } from '../../oracle/compare.js';
import { RefSystem } from '../../oracle/reference-explorer.js';
import { checkAutomorphism } from './automorphism.js';
import { withBuiltinLiveness } from '../../../src/property/index.js';

function verdicts(r: CheckResult): Record<string, string> {
  if (r.status === 'error') return { error: r.message };
  return Object.fromEntries(r.properties.map((p) => [p.name, p.status]));
}

function expectSameVerdictsAndRealTraces(name: string, variant: string, params: Record<string, number | boolean>) {
  const entry = bundled.find((e) => e.model.name === name)!;
  const plain = check(entry.model, entry.properties, { variant, params });
  const safety = withBuiltinLiveness(entry.properties).filter((p) => p.kind !== 'liveness').map((p) => p.name);
  const reduced = check(entry.model, entry.properties, { variant, params, por: true, symmetry: true, property: safety });
  const plainSafety = Object.fromEntries(Object.entries(verdicts(plain)).filter(([name]) => plain.status === 'error' || safety.includes(name)));
  expect(verdicts(reduced)).toEqual(plainSafety);
  // The plain check decided the liveness properties too (none is left unknown).
  if (plain.status !== 'error') expect(plain.properties.filter((p) => p.status === 'unknown')).toEqual([]);
  if (plain.status === 'error' || reduced.status === 'error') return;
  expect(reduced.stats.states).toBeLessThanOrEqual(plain.stats.states);
  if (reduced.status === 'violated') {
    const m = compileModel(entry.model, { variant, params });
    const sys = new RefSystem(entry.model, { variant, params });
    for (const v of reduced.violations) expectReplaysToViolation(m, sys, entry.properties.properties, v);
  }
  return { plain, reduced };
}

// Partial-order reduction is refused under tso and lkmm (src/engine/check.ts), so a model checked
// under tso by default (sched-delayed-dequeue, whose states are the same under sc:
// tests/models/sched-delayed-dequeue.test.ts) is compared under sc, and the refusal is checked.
const weakByDefault = (e: (typeof bundled)[number]) => Object.hasOwn(e.model.params, 'memory') && e.model.params['memory']!.default !== 0;

describe('reductions on the bundled models', () => {
  for (const entry of bundled)
    for (const variant of Object.keys(entry.model.variants))
      it(`${entry.model.name} ${variant}: same verdicts, real counterexamples`, () => {
        expectSameVerdictsAndRealTraces(entry.model.name, variant, weakByDefault(entry) ? { memory: 0 } : {});
      });

  it('partial-order reduction under a model\'s default tso is refused, not run', () => {
    const weak = bundled.filter(weakByDefault);
    expect(weak.map((e) => e.model.name)).toEqual(['sched-delayed-dequeue']);
    for (const e of weak) {
      const r = check(e.model, e.properties, { variant: Object.keys(e.model.variants)[0]!, params: { freezer: false }, por: true });
      expect(r.status === 'error' && r.message).toMatch(/partial-order reduction is not supported under --memory tso/);
    }
  });

  it('kvm-hotplug with three creators and interchangeable CPUs: same verdicts, far fewer states', () => {
    const r = expectSameVerdictsAndRealTraces('kvm-hotplug', 'v2.6.37', { cpus: 3, creators: 3, suspend: false });
    expect(r!.reduced.reductions?.symmetry.map((g) => g.name)).toEqual(['creators', 'CPUs 0, 1']);
    expect(r!.reduced.stats.states * 6).toBeLessThan(r!.plain.stats.states);
  });

  const configs: Record<string, number | boolean>[] = [
    { cpus: 2, creators: 3 },
    { cpus: 3, creators: 2, suspend: false },
    { cpus: 4, creators: 1, suspend: false, enableCanFail: true },
  ];
  for (const params of configs)
    it(`kvm-hotplug's symmetry is an automorphism (${JSON.stringify(params)})`, () => {
      const entry = bundled.find((e) => e.model.name === 'kvm-hotplug')!;
      const report = checkAutomorphism(entry.model, entry.properties.properties, { params, maxStates: 1500, elements: 8 });
      expect(report.problem).toBeUndefined();
      expect(report.states).toBe(1500);
    });

  for (const [params, variant] of [
    [{ hypercalls: 2, rounds: 2 }, 'ia64-hunk-on-x86'],
    [{ hypercalls: 3 }, 'reviewed'],
  ] as const)
    it(`xen-remove-from-physmap's symmetry is an automorphism (${variant} ${JSON.stringify(params)})`, () => {
      const entry = bundled.find((e) => e.model.name === 'xen-remove-from-physmap')!;
      const report = checkAutomorphism(entry.model, entry.properties.properties, { params, variant, maxStates: 2000 });
      expect(report.problem).toBeUndefined();
      expect(report.states).toBe(2000);
    });

  it('xen-remove-from-physmap with three hypercall vCPUs: same verdicts, fewer states', () => {
    const r = expectSameVerdictsAndRealTraces('xen-remove-from-physmap', 'ia64-hunk-on-x86', { hypercalls: 3 });
    expect(r!.reduced.reductions?.symmetry.map((g) => g.name)).toEqual(['hypercall vCPUs']);
    expect(r!.reduced.stats.states * 3).toBeLessThan(r!.plain.stats.states);
  });
});
