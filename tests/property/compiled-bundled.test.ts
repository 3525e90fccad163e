// Invariants compiled over the packed state (src/model/straight.ts, straightProperty; evaluated
// by src/engine/evaluate.ts) on the bundled models: on every state of a breadth-first prefix of
// every variant, each compiled invariant that decided (did not bail) gives the verdict of the
// property's own function evaluated on the view of a model that compiles nothing (`straight:
// false`: no code shared with the compiled path); where the property throws, the compiled one
// must have bailed (the textbook models too). And which invariants compile is pinned: a change to the compiler's
// subset or to a properties file that moves the count shows here.

import { describe, expect, it } from 'vitest';
import { bundled } from '../../models/index.js';
import { compileModel, type CompiledAction } from '../../src/model/compile.js';
import { compileInvariants, makeEvaluator } from '../../src/engine/evaluate.js';
import type { Property, PropertySet } from '../../src/property/index.js';
import { defineModel, intParam, step, thread, type ModelDef } from '../../src/model/index.js';
import { check } from '../../src/engine/check.js';
import { deadlockFree, invariant } from '../../src/property/index.js';
import { lostUpdate, lostUpdateProps, peterson, petersonProps } from '../fixtures/textbook.js';

const LIMIT = 300;
/** Per model: the invariants compiled (in any variant), and the compiled verdicts compared. */
const compiledBy = new Map<string, Set<string>>();
const decidedBy = new Map<string, number>();
const statesBy = new Map<string, number>();

type Entry = { model: ModelDef; properties: PropertySet | readonly Property[] };
const propertiesOf = (e: Entry): Property[] => [...('properties' in e.properties ? e.properties.properties : e.properties)];
/** The textbook models too (tests/fixtures/textbook.ts): invariants over where threads are (at, ended, threads.every). */
const entries: Entry[] = [...bundled, { model: peterson, properties: petersonProps }, { model: lostUpdate, properties: lostUpdateProps }];

describe('compiled invariants on the bundled models', () => {
  const cases = entries.flatMap((e) => Object.keys(e.model.variants).map((variant) => [e.model.name, variant, e] as const));
  it.each(cases)('%s %s: every compiled invariant agrees with the property on a BFS prefix', (name, variant, entry) => {
    const m = compileModel(entry.model, { variant });
    const own = compileModel(entry.model, { variant, straight: false });
    const invariants = propertiesOf(entry).filter((p) => p.kind === 'invariant');
    const compiled = compileInvariants(m, invariants);
    // A model that compiles nothing compiles no property either.
    expect(compileInvariants(own, invariants).every((c) => c === undefined)).toBe(true);
    const names = compiledBy.get(name) ?? new Set<string>();
    compiled.forEach((c, i) => c !== undefined && names.add(invariants[i]!.name));
    compiledBy.set(name, names);
    const ev = makeEvaluator(own, invariants, invariants);
    const seen = new Set([m.init.join()]);
    const queue = [m.init];
    const out: CompiledAction[] = [];
    let decided = 0;
    let visited = 0;
    while (queue.length > 0 && seen.size < LIMIT) {
      const s = queue.shift()!;
      visited++;
      const info = ev.info(s);
      invariants.forEach((p, i) => {
        const c = compiled[i];
        if (c === undefined || p.kind !== 'invariant') return;
        const r = c(s);
        let want: boolean;
        try {
          want = p.holds(info);
        } catch {
          expect(r, `${p.name}: the property throws, the compiled one must bail`).toBe(-1);
          return;
        }
        if (r < 0) return;
        decided++;
        if ((r === 1) !== want) expect.fail(`${name} ${variant}: ${p.name} at ${m.locationIds(s).join(' ')}: compiled ${r}, property ${want}`);
      });
      const n = m.enabled(s, out);
      for (let k = 0; k < n; k++) {
        const d = new Int32Array(m.width);
        if (m.apply(s, out[k]!, d).halted) continue;
        const key = d.join();
        if (!seen.has(key)) {
          seen.add(key);
          queue.push(d);
        }
      }
    }
    decidedBy.set(name, (decidedBy.get(name) ?? 0) + decided);
    statesBy.set(name, (statesBy.get(name) ?? 0) + visited);
  });

  it('which bundled invariants compile (pinned), and each compiled one decided on the states above', () => {
    const all = Object.fromEntries(entries.map((e) => [e.model.name, propertiesOf(e).filter((p) => p.kind === 'invariant').length]));
    const got = Object.fromEntries([...compiledBy].map(([k, v]) => [k, [...v].sort()]));
    expect(all).toEqual({ 'kvm-hotplug': 5, 'pm-freeze': 3, 'xen-remove-from-physmap': 4, 'kvm-intx-mask': 2, 'sched-delayed-dequeue': 2, peterson: 1, 'lost-update': 1 });
    // The helpers the invariants call from their module (cpusOf, quiescent, rcuReaders,
    // interruptLost, each lock's accessor) are declared (`bind` on the property,
    // declareStraight on a helper, `{ all }` for locksReleasedAtEnd's locks, lock-order's test
    // declared as lockOrderInversion's loop). The others run as written: no-urb-lost builds
    // strings (lostBecause), no-lost-wakeup names threads by template strings and reads piOf.
    expect(got).toEqual({
      'kvm-hotplug': ['cpus-restored-at-end', 'dead-cpu-disabled', 'locks-released', 'off-after-reboot', 'quiescent'],
      'pm-freeze': ['locks-released', 'run-bit-clear-while-frozen'],
      'xen-remove-from-physmap': ['lock-order', 'locks-released', 'no-free-under-reader', 'rcu-unlocked'],
      'kvm-intx-mask': ['no-lost-interrupt', 'shared-line-not-disabled'],
      'sched-delayed-dequeue': ['preempted-only-if-runnable'],
      peterson: ['mutex'],
      'lost-update': ['no-lost-update'],
    });
    // The compiled invariants decided (did not bail) on the states visited: at least one verdict each.
    for (const [k, v] of compiledBy) if (v.size > 0) expect(decidedBy.get(k), k).toBeGreaterThanOrEqual(statesBy.get(k)!);
  });
});

// The compiled code of a property depends on the parameter values and the threads it reads
// (s.params.n, s.threads, s.ended, s.at): they are in the cache key, so one process checking a
// model at two sizes or in two variants gets the code of each. The s.params case fails with the
// parameters left out of the key (the second check gets the first one's constant and reports a
// violation that is not there); the thread count also changes the layout, and peterson's
// variants have the same location indices, so those two cases pass without the threads' part
// of the key: they check the results, not that part.
describe('compiled invariants across parameter values in one process', () => {
  type C = { x: number };
  const counter = defineModel<C>({
    name: 'count-to-n',
    doc: 'one thread counts x up to the parameter n',
    params: { n: intParam(1, 'the bound') },
    variants: { only: 'the one variant' },
    build: ({ params }) => ({
      init: { x: 0 },
      threads: [thread<C>('t', [step('inc', 'if (x < n) x++', { run: (d) => void (d.x < (params.n as number) && d.x++) }), step('again', 'if (x < n) x++', { run: (d) => void (d.x < (params.n as number) && d.x++) })])],
    }),
  });
  const bounded = [invariant<C>('x-at-most-n', 'x never passes n', (s) => s.vars.x <= (s.params.n as number)), deadlockFree()];

  it('s.params.n: each value its own code', () => {
    const inv = bounded[0]!;
    expect(inv.kind === 'invariant' && compileModel(counter, { params: { n: 1 } }).compileProperty!(inv.holds) !== undefined).toBe(true);
    for (const n of [1, 2, 1]) expect(check(counter, bounded, { params: { n } }).status, `n = ${n}`).toBe('verified');
  });

  it('s.threads and s.ended: each thread count its own code (the layout differs too)', () => {
    for (const threads of [2, 3, 2]) expect(check(lostUpdate, lostUpdateProps, { variant: 'atomic', params: { threads } }).status, `threads = ${threads}`).toBe('verified');
  });

  it("s.at: each variant's location indices its own code (the same layout)", () => {
    for (const variant of ['broken', 'correct', 'broken', 'correct']) expect(check(peterson, petersonProps, { variant }).status, variant).toBe(variant === 'correct' ? 'verified' : 'violated');
  });
});
