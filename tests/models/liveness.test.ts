// The bundled models' liveness properties (issue 12): pinned verdicts, real lassos (the
// brute-force oracle's lasso checker), and triggers that are reached (a property whose trigger
// never holds would hold vacuously).

import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/check.js';
import type { CheckResult } from '../../src/engine/result.js';
import { invariant, withBuiltinLiveness, type LivenessProperty, type Property } from '../../src/property/index.js';
import { bundled } from '../../models/index.js';
import { lassoProblem } from '../oracle/brute-force-lasso.js';
import { RefSystem } from '../oracle/reference-explorer.js';

const entry = (name: string) => bundled.find((e) => e.model.name === name)!;
const liveNames = (name: string) => withBuiltinLiveness(entry(name).properties.properties as Property[]).filter((p) => p.kind === 'liveness').map((p) => p.name);
const statuses = (r: CheckResult) => (r.status === 'error' ? { error: r.message } : Object.fromEntries(r.properties.map((p) => [p.name, p.status])));

function liveCheck(name: string, variant: string, params: Record<string, number | boolean> = {}): CheckResult {
  return check(entry(name).model, entry(name).properties, { variant, params, property: liveNames(name) });
}

/** The trigger of a leads-to property is reached: an invariant saying it never holds is violated. */
function triggerReached(name: string, variant: string, property: string): boolean {
  const p = entry(name).properties.properties.find((q) => q.name === property) as LivenessProperty;
  // (the model's assertions come along: a step may fire their tags)
  const asserts = entry(name).properties.properties.filter((q) => q.kind === 'assertion');
  const r = check(entry(name).model, [...asserts, invariant('never', 'the trigger never holds', (s) => !p.p!(s))], { variant, property: ['never'] });
  return r.status === 'violated';
}

describe('bundled models: liveness', () => {
  it('pm-freeze: every submitted URB eventually completes or is given back; freeze-run-bit leaves one pending for ever', () => {
    const bad = liveCheck('pm-freeze', 'freeze-run-bit');
    expect(statuses(bad)).toEqual({ livelock: 'holds', 'urb-completes': 'violated' });
    if (bad.status === 'violated') {
      const v = bad.violations[0]!;
      // The run stops with the URB still queued (a lasso of no loop steps: it stays there).
      expect(v.loop).toBe(v.path.length);
      expect(lassoProblem(new RefSystem(entry('pm-freeze').model, { variant: 'freeze-run-bit' }), withBuiltinLiveness(entry('pm-freeze').properties.properties as Property[]), v)).toBe('');
    }
    expect(statuses(liveCheck('pm-freeze', 'driver-suspend'))).toEqual({ livelock: 'holds', 'urb-completes': 'holds' });
  });

  it('kvm-hotplug: kvm_reboot returns and kvm_lock waiters are served in every variant; the triggers are reached', () => {
    for (const variant of Object.keys(entry('kvm-hotplug').model.variants))
      expect(statuses(liveCheck('kvm-hotplug', variant)), variant).toEqual({ livelock: 'holds', 'reboot-returns': 'holds', 'kvm-lock-waiters-served': 'holds' });
    expect(triggerReached('kvm-hotplug', 'v2.6.37', 'reboot-returns')).toBe(true);
  });

  it('kvm-intx-mask: no livelock and pending interrupts are injected, given that note_interrupt() trips; without that fairness an IRQ storm starves qemu', () => {
    for (const variant of ['v1', 'merged']) expect(statuses(liveCheck('kvm-intx-mask', variant)), variant).toEqual({ livelock: 'holds', 'pending-interrupt-injected': 'holds' });
    expect(triggerReached('kvm-intx-mask', 'v1', 'pending-interrupt-injected')).toBe(true);
    // The same model with plain weak fairness: the endless unhandled storm is a fair cycle.
    const plain = check(entry('kvm-intx-mask').model, entry('kvm-intx-mask').properties.properties.filter((p) => p.kind !== 'liveness'), { variant: 'v1', property: ['livelock'] });
    expect(statuses(plain)).toEqual({ livelock: 'violated' });
    if (plain.status === 'violated') expect(plain.violations[0]!.message).toMatch(/qemu never runs again \(starved\)/);
  });
});
