// Liveness properties' p and q compiled over the packed state (compileLivenessPredicates,
// src/engine/liveness/analyse.ts), which label every state of the recorded graph: on the bundled
// models, each compiled predicate that decides gives the verdict of the property's own function on
// the view of a model that compiles nothing (`straight: false`: no code shared with the compiled
// path), on a breadth-first prefix of every variant; which ones compile is pinned. And the labels
// take the compiled verdict where it decides and the property's own function where it bails.

import { describe, expect, it } from 'vitest';
import { bundled } from '../../models/index.js';
import { compileModel } from '../../src/model/compile.js';
import { forEachInPrefix } from '../helpers/reachable.js';
import { makeEvaluator } from '../../src/engine/evaluate.js';
import { compileLivenessPredicates, livenessLabellers } from '../../src/engine/liveness/analyse.js';
import { lostUpdate } from '../fixtures/textbook.js';
import { leadsTo, type LivenessProperty, type Property, type StateInfo } from '../../src/property/index.js';

const LIMIT = 300;
const compiledBy = new Map<string, Set<string>>();
const decidedBy = new Map<string, number>();

const livenessOf = (props: readonly Property[]): LivenessProperty[] => props.filter((p): p is LivenessProperty => p.kind === 'liveness');

describe("compiled liveness predicates on the bundled models", () => {
  const cases = bundled.flatMap((e) => Object.keys(e.model.variants).map((variant) => [e.model.name, variant, e] as const));
  it.each(cases)('%s %s: every compiled p and q agrees with the property on a BFS prefix', (name, variant, entry) => {
    const m = compileModel(entry.model, { variant });
    const own = compileModel(entry.model, { variant, straight: false });
    const liveness = livenessOf(entry.properties.properties);
    const compiled = compileLivenessPredicates(m, liveness);
    expect(compileLivenessPredicates(own, liveness).every((c) => c.p === undefined && c.q === undefined)).toBe(true);
    const names = compiledBy.get(name) ?? new Set<string>();
    compiled.forEach((c, i) => {
      if (c.p) names.add(`${liveness[i]!.name}.p`);
      if (c.q) names.add(`${liveness[i]!.name}.q`);
    });
    compiledBy.set(name, names);
    const ev = makeEvaluator(own, entry.properties.properties, []);
    let decided = 0;
    const compare = (s: Int32Array) => {
      const info = ev.info(s);
      liveness.forEach((p, i) => {
        for (const [which, fn, c] of [['p', p.p, compiled[i]!.p], ['q', p.q, compiled[i]!.q]] as const) {
          if (fn === undefined || c === undefined) continue;
          const r = c(s);
          if (r < 0) continue;
          decided++;
          const want = fn(info);
          if ((r === 1) !== want) expect.fail(`${name} ${variant}: ${p.name}.${which} at ${m.locationIds(s).join(' ')}: compiled ${r}, property ${want}`);
        }
      });
    };
    forEachInPrefix(m, LIMIT, compare);
    decidedBy.set(name, (decidedBy.get(name) ?? 0) + decided);
  });

  it('which bundled predicates compile (pinned), and each model with one compared some states', () => {
    const got = Object.fromEntries([...compiledBy].map(([k, v]) => [k, [...v].sort()]));
    expect(got).toEqual(PINNED);
    for (const [name, set] of compiledBy) if (set.size > 0) expect(decidedBy.get(name), name).toBeGreaterThan(0);
  });
});

describe('the graph labels of p and q', () => {
  type S = { x: number };
  it('take the compiled verdict where it decides, and the property\'s own function where it bails', () => {
    // Any compiled model: the labels read only its threads' locations; `info` below is the view.
    const model = compileModel(lostUpdate, { variant: Object.keys(lostUpdate.variants)[0]! });
    const p = leadsTo<S>('x', 'x', (s) => s.vars.x > 0, (s) => s.vars.x > 1);
    const info = (w: Int32Array) => ({ vars: { x: w[model.pcs]! } }) as unknown as StateInfo<unknown>;
    const state = (x: number) => {
      const w = new Int32Array(model.width);
      w[model.pcs] = x;
      return w;
    };
    // A "compiled" p that says 1 for x = 5, bails (-1) elsewhere; q never compiled.
    const labels = livenessLabellers(model, [p], info, [{ p: (w) => (w[model.pcs] === 5 ? 1 : -1) }]);
    const [pl, ql] = labels.slice(model.pcs);
    expect(pl!(state(5))).toBe(true);
    expect(pl!(state(0))).toBe(false); // bailed: the property's own x > 0
    expect(pl!(state(3))).toBe(true);
    expect(ql!(state(2))).toBe(true);
    expect(ql!(state(1))).toBe(false);
    // Where the compiled one decides, its verdict is the label (here, deliberately unlike the property's).
    const lying = livenessLabellers(model, [p], info, [{ p: () => 0 }]);
    expect(lying[model.pcs]!(state(3))).toBe(false);
  });
});

/** Every bundled p and q compiles (the helpers they call are bound: `bind` on the property, declareStraight on a helper). */
const PINNED = {
  'kvm-hotplug': ['kvm-lock-waiters-served.p', 'reboot-returns.p', 'reboot-returns.q'],
  'kvm-intx-mask': ['pending-interrupt-injected.p', 'pending-interrupt-injected.q'],
  'pm-freeze': ['urb-completes.p'],
  'sched-delayed-dequeue': ['interrupt-delivered.p'],
  'xen-remove-from-physmap': [],
};
