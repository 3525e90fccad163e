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
import { compileInvariants, compileStepAntecedents, makeEvaluator } from '../../src/engine/evaluate.js';
import type { Property, PropertySet, StepInfo } from '../../src/property/index.js';
import { defineModel, intParam, step, thread, type ModelDef } from '../../src/model/index.js';
import { check } from '../../src/engine/check.js';
import { deadlockFree, invariant } from '../../src/property/index.js';
import { lostUpdate, lostUpdateProps, peterson, petersonProps } from '../fixtures/textbook.js';

const LIMIT = 300;
/** Random runs to their end per model and variant. */
const WALKS = 30;
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
    const compare = (s: Int32Array) => {
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
    };
    while (queue.length > 0 && seen.size < LIMIT) {
      const s = queue.shift()!;
      visited++;
      compare(s);
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
    // And the states of random runs to their end (a prefix does not reach the states late in a
    // run: pm-freeze's no-urb-lost once the PM core has ended), from a fixed seed.
    let seed = 0x2545f491;
    const random = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    for (let run = 0; run < WALKS; run++) {
      let s = m.init;
      for (let depth = 0; depth < 400; depth++) {
        compare(s);
        const n = m.enabled(s, out);
        if (n === 0) break;
        const d = new Int32Array(m.width);
        if (m.apply(s, out[random(n)]!, d).halted) break;
        s = d;
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
    // declared as lockOrderInversion's loop, no-urb-lost's through isLost for lostBecause's
    // strings). no-lost-wakeup runs as written: it names threads by template strings.
    expect(got).toEqual({
      'kvm-hotplug': ['cpus-restored-at-end', 'dead-cpu-disabled', 'locks-released', 'off-after-reboot', 'quiescent'],
      'pm-freeze': ['locks-released', 'no-urb-lost', 'run-bit-clear-while-frozen'],
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

// Step properties' `when`, compiled for each step (its tags, function and thread constants
// there; src/engine/evaluate.ts skips a step property, and the decode, where it is false): on
// every state of a BFS prefix of every variant, for each enabled step, the compiled antecedent
// (where it decided) is the property's own `when` on the view. Which compile is pinned (for how
// many of the model's actions).
describe("compiled step properties' antecedents on the bundled models", () => {
  const stepCompiled = new Map<string, Record<string, number>>();
  const cases = bundled.flatMap((e) => Object.keys(e.model.variants).map((variant) => [e.model.name, variant, e] as const));
  it.each(cases)('%s %s: every compiled step antecedent agrees with the property on a BFS prefix', (name, variant, entry) => {
    const m = compileModel(entry.model, { variant });
    const own = compileModel(entry.model, { variant, straight: false });
    const steps = propertiesOf(entry).filter((p) => p.kind === 'step');
    const ev = makeEvaluator(own, steps, steps);
    const whens = new Map<CompiledAction, { info: StepInfo; c: ReturnType<typeof compileStepAntecedents> }>();
    const counts: Record<string, number> = Object.fromEntries(steps.map((p) => [p.name, 0]));
    for (const a of m.allActions) {
      const info: StepInfo = { thread: m.threadNames[a.thread]!, threadIndex: a.thread, id: a.id, label: a.label, fn: a.fn, tags: a.tags };
      const c = compileStepAntecedents(m, steps, info);
      c.forEach((f, j) => f !== undefined && counts[steps[j]!.name]!++);
      whens.set(a, { info, c });
    }
    stepCompiled.set(`${name} ${variant}`, counts);
    const seen = new Set([m.init.join()]);
    const queue = [m.init];
    const out: CompiledAction[] = [];
    let decided = 0;
    while (queue.length > 0 && seen.size < LIMIT) {
      const s = queue.shift()!;
      const n = m.enabled(s, out);
      for (let k = 0; k < n; k++) {
        const { info, c } = whens.get(out[k]!)!;
        steps.forEach((p, j) => {
          const r = c[j]?.(s) ?? -1;
          if (r < 0 || p.kind !== 'step') return;
          decided++;
          if ((r === 1) !== p.when!(ev.info(s), info)) expect.fail(`${name} ${variant}: ${p.name} before '${info.label}' at ${m.locationIds(s).join(' ')}: compiled ${r}`);
        });
        const d = new Int32Array(m.width);
        if (m.apply(s, out[k]!, d).halted) continue;
        if (!seen.has(d.join())) {
          seen.add(d.join());
          queue.push(d);
        }
      }
    }
    if (Object.values(counts).some((x) => x > 0)) expect(decided).toBeGreaterThan(0);
  });

  it('which step antecedents compile, for how many of the actions (pinned, default variants)', () => {
    const at = (k: string) => stepCompiled.get(k);
    // nolock-under-kvm-lock's when (nolockStep) picks its regular expression by s.variant (a
    // frozen array's includes) and builds a tag with a template: constants for each step.
    expect(at('kvm-hotplug v2.6.37')).toEqual({ 'nolock-under-kvm-lock': 128, 'failed-enable-rolls-back': 128, 'reboot-disables-all': 128, 'no-sleep-in-atomic': 128 });
    expect(at('pm-freeze freeze-run-bit')).toEqual({ 'no-dma-while-frozen': 61, 'no-hotplug-between-prepare-and-finish': 61, 'usbcmd-under-uhci-lock': 61, 'uhci-lock-held': 61, 'no-sleep-in-atomic': 61 });
    expect(at('kvm-intx-mask v1')).toEqual({ 'guest-line-not-raised-while-masked': 60, 'no-hw-unmask-while-guest-masked': 60, 'kernel-keeps-user-mask': 60, 'no-sleep-in-atomic': 60 });
    expect(at('sched-delayed-dequeue eevdf')).toEqual({ 'frozen-task-not-scheduled': 123, 'freezer-freezes-sleeper': 123 });
  });
});

// A declared form's cases that no reachable state at the defaults tells apart (pm-freeze's
// no-urb-lost is declared through isLost for lostBecause; every variant's search meets a failed
// or dead-controller URB first, so the case "PM ended, URB linked, RS clear" decides nowhere
// above): every combination of what no-urb-lost reads, written into a reachable state's slots,
// compiled against the property on the view.
describe('pm-freeze no-urb-lost: its declared form against the property on every combination it reads', () => {
  it('urb[i] in each state, hc_inaccessible, usbcmd_rs, the PM core ended or not', () => {
    const entry = bundled.find((e) => e.model.name === 'pm-freeze')!;
    const p = propertiesOf(entry).find((q) => q.name === 'no-urb-lost')!;
    if (p.kind !== 'invariant') throw new Error('no-urb-lost is an invariant');
    const m = compileModel(entry.model);
    const own = compileModel(entry.model, { straight: false });
    const c = m.compileProperty!(p.holds)!;
    expect(c).toBeDefined();
    const ev = makeEvaluator(own, [p], [p]);
    const root = m.layout.root;
    if (root.kind !== 'object') throw new Error('an object state');
    const slot = (name: string) => m.pcs + root.fields.get(name)!.offset;
    const urb = root.fields.get('urb')!;
    if (urb.kind !== 'array') throw new Error('urb is an array');
    const pm = m.threadNames.indexOf('cpu0/pm-core');
    let compared = 0;
    for (let st = 0; st <= 6; st++)
      for (const dead of [0, 1])
        for (const rs of [0, 1])
          for (const ended of [false, true])
            for (let i = 0; i < urb.length; i++) {
              const s = m.init.slice();
              s[m.pcs + urb.items[i]!.offset] = st;
              s[slot('hc_inaccessible')] = dead;
              s[slot('usbcmd_rs')] = rs;
              if (ended) s[pm] = -1;
              const r = c(s);
              expect(r, `urb[${i}]=${st} dead=${dead} rs=${rs} ended=${ended}`).toBe(p.holds(ev.info(s)) ? 1 : 0);
              compared++;
            }
    expect(compared).toBe(7 * 2 * 2 * 2 * urb.length);
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

  it('s.variant: each variant its own code (the same layout and steps)', () => {
    const twoVariants = defineModel<C>({
      name: 'two-variants',
      doc: 'one thread sets x to 1 in variant a, to 2 in variant b',
      params: {},
      variants: { a: 'x = 1', b: 'x = 2' },
      build: ({ variant }) => ({ init: { x: 0 }, threads: [thread<C>('t', [step('set', 'x = v', { run: (d) => void (d.x = variant === 'a' ? 1 : 2) })])] }),
    });
    const props = [invariant<C>('x-of-variant', 'x is 0 or the variant\'s value', (s) => s.vars.x === 0 || s.vars.x === (s.variant === 'a' ? 1 : 2)), deadlockFree()];
    expect(props[0]!.kind === 'invariant' && compileModel(twoVariants, { variant: 'a' }).compileProperty!(props[0]!.holds) !== undefined).toBe(true);
    for (const variant of ['a', 'b', 'a', 'b']) expect(check(twoVariants, props, { variant }).status, variant).toBe('verified');
  });

  it("s.at: each variant's location indices its own code (the same layout)", () => {
    for (const variant of ['broken', 'correct', 'broken', 'correct']) expect(check(peterson, petersonProps, { variant }).status, variant).toBe(variant === 'correct' ? 'verified' : 'violated');
  });
});
