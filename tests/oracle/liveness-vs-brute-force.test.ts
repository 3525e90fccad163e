// The liveness checker (src/engine/liveness) against the brute-force lasso finder
// (brute-force-lasso.ts, no engine code) on random small models with cycles: every thread's
// program loops (or ends), steps are tagged progress or spin at random, locations may be end
// locations, and fairness is drawn per thread (weak, strong, none) and per step. Same verdict for
// every liveness form, and every lasso the engine prints is a real fair violating lasso.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/check.js';
import { choice, defineModel, END, thread, type ActionDef } from '../../src/model/index.js';
import {
  alwaysEventually,
  defineProperties,
  deadlockFree,
  eventually,
  eventuallyAlways,
  leadsTo,
  livelockFree,
  type FairnessSpec,
  type LivenessProperty,
} from '../../src/property/index.js';
import { bruteForceViolated, buildGraph, lassoProblem } from './brute-force-lasso.js';
import { RefSystem } from './reference-explorer.js';

const seed = process.env.KMC_FC_SEED ? { seed: Number(process.env.KMC_FC_SEED) } : {};

type S = { x: number };
const actionSpec = fc.record({
  guard: fc.constantFrom('any', 'x0', 'x1'),
  set: fc.constantFrom('keep', 'zero', 'one', 'flip'),
  next: fc.integer({ min: -1, max: 2 }), // -1: END
  tag: fc.constantFrom('', '', 'progress', 'spin', 'f'),
});
const locSpec = fc.record({ actions: fc.array(actionSpec, { minLength: 1, maxLength: 2 }), end: fc.constantFrom(false, false, false, true) });
const fairness = fc.constantFrom<'weak' | 'strong' | 'none'>('weak', 'strong', 'none');
const spec = fc.record({
  threads: fc.array(fc.array(locSpec, { minLength: 1, maxLength: 2 }), { minLength: 2, maxLength: 2 }),
  fair: fc.record({ default: fairness, t0: fc.option(fairness, { nil: undefined }), step: fc.option(fc.constantFrom<'weak' | 'strong'>('weak', 'strong'), { nil: undefined }) }),
  a: fc.integer({ min: 0, max: 1 }),
  b: fc.integer({ min: 0, max: 1 }),
});

type Spec = typeof spec extends fc.Arbitrary<infer T> ? T : never;

function build(sp: Spec) {
  const model = defineModel<S>({
    name: 'random-live',
    doc: 'random looping threads over one bit',
    params: {},
    variants: { only: 'random' },
    build() {
      const threads = sp.threads.map((locs, t) =>
        thread<S>(
          `t${t}`,
          locs.map((l, i) =>
            choice<S>(
              `l${i}`,
              l.actions.map((a, k): ActionDef<S> => {
                const next = a.next < 0 ? END : `l${a.next % locs.length}`;
                const out: ActionDef<S> = { label: `t${t}.l${i}.${k}`, next };
                if (a.guard !== 'any') out.guard = (s) => s.x === (a.guard === 'x0' ? 0 : 1);
                if (a.set !== 'keep') out.run = (d) => void (d.x = a.set === 'zero' ? 0 : a.set === 'one' ? 1 : 1 - d.x);
                if (a.tag) out.tags = [a.tag];
                return out;
              }),
              { end: l.end },
            ),
          ),
        ),
      );
      return { init: { x: 0 }, threads };
    },
  });
  const f: FairnessSpec = { default: sp.fair.default };
  if (sp.fair.t0) f.threads = { t0: sp.fair.t0 };
  if (sp.fair.step && sp.threads.some((locs) => locs.some((l) => l.actions.some((a) => a.tag === 'f')))) f.steps = [{ step: 'f', fairness: sp.fair.step }];
  const X = (v: number) => (s: { vars: S }) => s.vars.x === v;
  const live: LivenessProperty<S>[] = [
    livelockFree({ fairness: f }) as LivenessProperty<S>,
    eventually('ev', 'x becomes a', X(sp.a), { fairness: f }),
    alwaysEventually('inf', 'x is a again and again', X(sp.a), { fairness: f }),
    eventuallyAlways('stable', 'x settles at a', X(sp.a), { fairness: f }),
    leadsTo('lt', 'x = a leads to x = b', X(sp.a), (s) => s.vars.x === sp.b && s.at('t1') !== 'l0', { fairness: f }),
  ];
  return { model, properties: defineProperties<S>('random-live', [deadlockFree(), ...live]), live };
}

describe('liveness vs brute force on random looping models', () => {
  it('same verdict for livelock, eventually, always-eventually, eventually-always, leads-to; every lasso real', () => {
    const seen = { runs: 0, violated: new Set<string>(), held: new Set<string>(), loops: 0, stutters: 0 };
    fc.assert(
      fc.property(spec, (sp) => {
        const { model, properties, live } = build(sp);
        const sys = new RefSystem(model);
        const g = buildGraph(sys, 16);
        fc.pre(g !== undefined && g.states.length <= 16);
        seen.runs++;
        const r = check(model, properties);
        if (r.status === 'error') throw new Error(r.message);
        for (const p of live) {
          const want = bruteForceViolated(sys, g!, p) ? 'violated' : 'holds';
          const got = r.properties.find((q) => q.name === p.name)!;
          expect(got.status, `${p.name} (fairness ${JSON.stringify(sp.fair)})`).toBe(want);
          (want === 'violated' ? seen.violated : seen.held).add(p.form);
          if (got.status === 'violated') {
            const v = got.violation;
            expect(lassoProblem(sys, properties.properties, v), `${p.name}: ${v.path.join('/')} loop ${v.loop}`).toBe('');
            if (v.loop === v.path.length) seen.stutters++;
            else seen.loops++;
          }
        }
      }),
      { numRuns: 300, ...seed },
    );
    // Not degenerate: every form both holds and is violated somewhere, by cycles and by stopping.
    const forms = ['always-eventually', 'eventually', 'eventually-always', 'leads-to', 'livelock'];
    expect([...seen.violated].sort()).toEqual(forms);
    expect([...seen.held].sort()).toEqual(forms);
    expect(seen.runs).toBeGreaterThan(150);
    expect(seen.loops).toBeGreaterThan(50);
    expect(seen.stutters).toBeGreaterThan(20);
  });
});
