// Symmetry reduction (src/engine/reduction/symmetry.ts): one canonical state per orbit, the
// same verdicts and shortest-counterexample lengths as the unreduced search, counterexamples
// rebuilt into paths of the model itself (replayed by the reference explorer), declarations
// checked (shape errors, an initial state the permutations move), and the automorphism check
// (tests/engine/reduction/automorphism.ts) able to tell a wrong declaration.

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { check } from '../../../src/engine/check.js';
import type { CheckResult } from '../../../src/engine/result.js';
import { compileModel } from '../../../src/model/compile.js';
import { defineModel, step, thread, type SymmetryDef } from '../../../src/model/index.js';
import { Canonicalizer, permutations } from '../../../src/engine/reduction/symmetry.js';
import { Reductions } from '../../../src/engine/reduction/reductions.js';
import { deadlockFree, invariant } from '../../../src/property/index.js';
import { expectReplaysToViolation } from '../../oracle/compare.js';
import { RefSystem } from '../../oracle/reference-explorer.js';
import { checkAutomorphism } from './automorphism.js';
import { buildSymmetricModel, symSpec } from './symmetric-model.js';

const seed = process.env.KMC_FC_SEED ? { seed: Number(process.env.KMC_FC_SEED) } : {};

function lengths(r: CheckResult): Record<string, string | number> {
  if (r.status === 'error') return { error: r.message };
  return Object.fromEntries(r.properties.map((p) => [p.name, p.status === 'violated' ? p.violation.path.length : p.status]));
}

/** Three workers, each: flag[i] = 1, then count++ under no lock (a lost update is possible). */
type W = { flag: number[]; count: number; last: number };
const workers = (decl: Partial<SymmetryDef> | null) =>
  defineModel<W>({
    name: 'workers',
    doc: '',
    params: {},
    variants: { only: '' },
    build: () => ({
      init: { flag: [0, 0, 0], count: 0, last: -1 },
      threads: [0, 1, 2].map((i) =>
        thread<W>(`w${i}`, [
          step<W>('mark', 'f: flag[self] = 1', { run: (d, env) => void (d.flag[env.self] = 1) }),
          step<W>('read', 'f: tmp = count', { run: (d, env) => void (d.flag[env.self] = d.count + 2) }),
          step<W>('write', 'f: count = tmp + 1; last = self', {
            run: (d, env) => {
              d.count = d.flag[env.self]! - 1;
              d.last = env.self;
            },
          }),
        ]),
      ),
      ...(decl ? { symmetry: [{ name: 'workers', members: [0, 1, 2], threads: (i: number) => [`w${i}`], indexed: ['flag'], threadValues: ['last'], ...decl }] } : {}),
    }),
  });
const workerProps = [invariant<W>('no-lost-update', 'all three increments count', (s) => !(s.ended(0) && s.ended(1) && s.ended(2)) || s.vars.count === 3), deadlockFree()];

describe('symmetry reduction', () => {
  it('keeps one state per orbit, with the same verdicts and shortest lengths', () => {
    const plain = check(workers({}), workerProps);
    const sym = check(workers({}), workerProps, { symmetry: true });
    expect(lengths(sym)).toEqual(lengths(plain));
    if (plain.status === 'error' || sym.status === 'error') throw new Error('unexpected error');
    expect(sym.stats.states).toBeLessThan(plain.stats.states / 3);
    expect(sym.reductions?.symmetry).toEqual([{ name: 'workers', members: [0, 1, 2] }]);
    if (sym.status === 'violated') {
      const m = compileModel(workers({}));
      for (const v of sym.violations) {
        expect(v.shortest).toBe(true);
        expectReplaysToViolation(m, new RefSystem(workers({})), workerProps, v);
      }
    }
  });

  it('maps a state and every image of it to the same canonical state', () => {
    const report = checkAutomorphism(workers({}), workerProps);
    expect(report.problem).toBeUndefined();
    expect(report.states).toBeGreaterThan(50);
    expect(report.elements).toBe(6);
  });

  it('the automorphism check tells a wrong declaration (a thread index not declared)', () => {
    const report = checkAutomorphism(workers({ threadValues: [] }), workerProps);
    expect(report.problem).toMatch(/differ/);
  });

  it('refuses declarations that cannot be right', () => {
    const bad = (d: Partial<SymmetryDef>) => check(workers(d), workerProps, { symmetry: true });
    expect(bad({ threads: (i) => [`nobody${i}`] })).toMatchObject({ status: 'error', message: expect.stringMatching(/does not have/) });
    expect(bad({ indexed: ['count'] })).toMatchObject({ status: 'error', message: expect.stringMatching(/not an array/) });
    expect(bad({ indexed: ['nothing'] })).toMatchObject({ status: 'error', message: expect.stringMatching(/no 'nothing'/) });
    const moved = defineModel<W>({ ...workers({}), build: (c) => ({ ...workers({}).build(c), init: { flag: [1, 0, 0], count: 0, last: -1 } }) });
    expect(check(moved, workerProps, { symmetry: true })).toMatchObject({ status: 'error', message: expect.stringMatching(/initial state is not symmetric/) });
    // Without a declaration, asking for symmetry is said, not silently ignored.
    const none = check(workers(null), workerProps, { symmetry: true });
    expect(none.status !== 'error' && none.reductions?.notes.join()).toMatch(/declares no interchangeable/);
  });

  it('asked for on a model that declares none, the search does not consult the reducer at each state (kmc check asks for it by default)', () => {
    // Safety properties only (as bench/spin selects them): with a liveness property the check records the graph in one plain search.
    const safety = { property: ['no-lost-update', 'deadlock'] };
    const plain = check(workers(null), workerProps, safety);
    const visit = vi.spyOn(Reductions.prototype, 'visit');
    const admit = vi.spyOn(Reductions.prototype, 'admit');
    try {
      const sym = check(workers(null), workerProps, { ...safety, symmetry: true });
      expect(sym.status !== 'error' && sym.liveness).toBeUndefined();
      expect(sym.status !== 'error' && [sym.status, sym.stats.states, sym.stats.transitions]).toEqual(plain.status !== 'error' && [plain.status, plain.stats.states, plain.stats.transitions]);
      expect(visit).not.toHaveBeenCalled();
      expect(admit).not.toHaveBeenCalled();
      // A declaration it can use is consulted.
      check(workers({}), workerProps, { ...safety, symmetry: true });
      expect(visit).toHaveBeenCalled();
    } finally {
      visit.mockRestore();
      admit.mockRestore();
    }
  });

  it('asked for on a model that declares none, it is the plain search: one search for safety and liveness (livelock), the same result', () => {
    const same = (r: CheckResult) =>
      r.status === 'error' ? r : { status: r.status, states: r.stats.states, transitions: r.stats.transitions, lengths: lengths(r), paths: r.status === 'violated' ? r.violations.map((v) => [v.property, v.path, v.loop]) : [] };
    const plain = check(workers(null), workerProps);
    const sym = check(workers(null), workerProps, { symmetry: true });
    expect(same(sym)).toEqual(same(plain));
    expect(sym.status !== 'error' && sym.reductions?.notes.join()).toMatch(/declares no interchangeable/);
    // One search recorded the graph: no separate liveness search, none said.
    expect(sym.status !== 'error' && sym.liveness).toMatchObject({ notes: [], states: plain.status !== 'error' && plain.stats.states });
    expect(sym.status !== 'error' && sym.liveness?.searchMs).toBeUndefined();
    // Symmetry that reduces, and --first, keep the separate unreduced liveness search.
    for (const [def, o] of [[workers({}), { symmetry: true }], [workers(null), { symmetry: true, first: true }]] as const) {
      const r = check(def, workerProps, o);
      expect(r.status !== 'error' && r.liveness?.notes.join()).toMatch(/without symmetry reduction .*a separate search/);
    }
  });

  it('canonicalises by signature and tries every order of equal members', () => {
    const m = compileModel(workers({}));
    const c = new Canonicalizer(m, m.symmetry);
    expect(c.order).toBe(6);
    const a = m.pack({ flag: [1, 0, 2], count: 0, last: 2 }, ['read', 'mark', 'write']);
    const canon = a.slice();
    c.canonicalize(canon);
    for (let k = 0; k < 6; k++) {
      const img = c.image(a, k);
      c.canonicalize(img);
      expect([...img]).toEqual([...canon]);
    }
    expect(permutations(3).length).toBe(6);
  });

  it('on random symmetric models: same verdicts and lengths, real counterexamples, a true automorphism', () => {
    let reduced = 0;
    let runs = 0;
    let localsViolated = 0;
    let withLocals = 0;
    fc.assert(
      fc.property(symSpec, (spec) => {
        const { model, properties } = buildSymmetricModel(spec);
        const plain = check(model, properties, { maxStates: 3000 });
        fc.pre(plain.status === 'verified' || (plain.status === 'violated' && plain.complete));
        runs++;
        if (spec.locals && JSON.stringify(spec.program).includes('"setMine"')) withLocals++;
        if (plain.status === 'violated' && plain.violations.some((v) => v.property === 'mine-zero')) localsViolated++;
        const sym = check(model, properties, { symmetry: true });
        expect(lengths(sym)).toEqual(lengths(plain));
        const both = check(model, properties, { symmetry: true, por: true, porSeed: { states: 0, walks: 0 } });
        expect(Object.fromEntries(Object.entries(lengths(both)).map(([k, v]) => [k, typeof v === 'number' ? 'violated' : v]))).toEqual(
          Object.fromEntries(Object.entries(lengths(plain)).map(([k, v]) => [k, typeof v === 'number' ? 'violated' : v])),
        );
        if (sym.status !== 'error' && sym.stats.states < plain.stats.states) reduced++;
        const m = compileModel(model);
        const sys = new RefSystem(model);
        for (const r of [sym, both]) if (r.status === 'violated') for (const v of r.violations) expectReplaysToViolation(m, sys, properties.properties, v);
        if (runs % 10 === 0) expect(checkAutomorphism(model, properties.properties, { maxStates: 300 }).problem).toBeUndefined();
      }),
      { numRuns: 400, ...seed },
    );
    expect(reduced).toBeGreaterThan(runs / 2);
    // Thread-local variables are in the mix: many runs write them, some reach a value a property reads.
    expect(withLocals).toBeGreaterThan(25);
    expect(localsViolated).toBeGreaterThan(10);
  });
});
