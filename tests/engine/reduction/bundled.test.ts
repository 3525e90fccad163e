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

describe('reductions on the bundled models', () => {
  // Each under its own default memory model (sched-delayed-dequeue: tso).
  for (const entry of bundled)
    for (const variant of Object.keys(entry.model.variants))
      it(`${entry.model.name} ${variant}: same verdicts, real counterexamples`, () => {
        expectSameVerdictsAndRealTraces(entry.model.name, variant, {});
      });

  it('sched-delayed-dequeue under its default tso: partial-order reduction itself gives the unreduced verdicts, with real counterexamples', () => {
    const entry = bundled.find((e) => e.model.name === 'sched-delayed-dequeue')!;
    expect(entry.model.params['memory']!.default).toBe(1);
    const variant = 'delayed-dequeue';
    const params = { halts: 1, interrupts: 1, preemptions: 0 };
    const safety = withBuiltinLiveness(entry.properties).filter((p) => p.kind !== 'liveness').map((p) => p.name);
    const plain = check(entry.model, entry.properties, { variant, params, property: safety });
    // Nothing learned before the first pass and no giving up (the CLI's defaults give up on this
    // model: its stores are LOCK'd RMWs and its invariants read the descriptor the drains write).
    const reduced = check(entry.model, entry.properties, { variant, params, property: safety, por: true, porSeed: { states: 0, walks: 0, keep: true } });
    expect(verdicts(reduced)).toEqual(verdicts(plain));
    expect(reduced.status).toBe('violated');
    if (plain.status === 'error' || reduced.status !== 'violated') return;
    expect(reduced.reductions?.por).toBe(true);
    // Pinned: the unreduced states, and the reduced search's (about 3% fewer).
    expect([plain.stats.states, reduced.stats.states]).toEqual([6685, 6505]);
    const m = compileModel(entry.model, { variant, params });
    const sys = new RefSystem(entry.model, { variant, params });
    for (const v of reduced.violations) expectReplaysToViolation(m, sys, entry.properties.properties, v);
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
