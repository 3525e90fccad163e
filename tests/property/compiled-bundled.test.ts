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
import { compileStepConsequents } from '../../src/property/consequents.js';
import { stepConsequent } from '../../src/property/define.js';
import type { Property, PropertySet, StepInfo } from '../../src/property/index.js';
import { defineModel, intParam, step, thread, type ModelDef } from '../../src/model/index.js';
import { check } from '../../src/engine/check.js';
import { deadlockFree, invariant } from '../../src/property/index.js';
import { lostUpdate, lostUpdateProps, peterson, petersonProps } from '../fixtures/textbook.js';
import { forEachInPrefix } from '../helpers/reachable.js';
import { localsNode } from '../../src/model/locals.js';
import { TASK_INTERRUPTIBLE } from '../../src/kernel/index.js';

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
    forEachInPrefix(m, LIMIT, (s) => {
      visited++;
      compare(s);
    });
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
    // strings, no-lost-wakeup's through piOf's object and template-literal thread names).
    expect(got).toEqual({
      'kvm-hotplug': ['cpus-restored-at-end', 'dead-cpu-disabled', 'locks-released', 'off-after-reboot', 'quiescent'],
      'pm-freeze': ['locks-released', 'no-urb-lost', 'run-bit-clear-while-frozen'],
      'xen-remove-from-physmap': ['lock-order', 'locks-released', 'no-free-under-reader', 'rcu-unlocked'],
      'kvm-intx-mask': ['no-lost-interrupt', 'shared-line-not-disabled'],
      'sched-delayed-dequeue': ['no-lost-wakeup', 'preempted-only-if-runnable'],
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
  const thenCompiled = new Map<string, Record<string, number>>();
  const cases = bundled.flatMap((e) => Object.keys(e.model.variants).map((variant) => [e.model.name, variant, e] as const));
  it.each(cases)('%s %s: every compiled step antecedent agrees with the property on a BFS prefix', (name, variant, entry) => {
    const m = compileModel(entry.model, { variant });
    const own = compileModel(entry.model, { variant, straight: false });
    const steps = propertiesOf(entry).filter((p) => p.kind === 'step');
    const ev = makeEvaluator(own, steps, steps);
    const whens = new Map<CompiledAction, { info: StepInfo; c: ReturnType<typeof compileStepAntecedents>; t: ReturnType<typeof compileStepConsequents> }>();
    const counts: Record<string, number> = Object.fromEntries(steps.map((p) => [p.name, 0]));
    const thenCounts: Record<string, number> = Object.fromEntries(steps.map((p) => [p.name, 0]));
    for (const a of m.allActions) {
      const info: StepInfo = { thread: m.threadNames[a.thread]!, threadIndex: a.thread, id: a.id, label: a.label, fn: a.fn, tags: a.tags };
      const c = compileStepAntecedents(m, steps, info);
      c.forEach((f, j) => f !== undefined && counts[steps[j]!.name]!++);
      const t = compileStepConsequents(m, steps, info);
      t.forEach((f, j) => f !== undefined && thenCounts[steps[j]!.name]!++);
      whens.set(a, { info, c, t });
    }
    stepCompiled.set(`${name} ${variant}`, counts);
    thenCompiled.set(`${name} ${variant}`, thenCounts);
    const seen = new Set([m.init.join()]);
    const queue = [m.init];
    const out: CompiledAction[] = [];
    let decided = 0;
    let thenDecided = 0;
    while (queue.length > 0 && seen.size < LIMIT) {
      const s = queue.shift()!;
      const n = m.enabled(s, out);
      for (let k = 0; k < n; k++) {
        const { info, c, t } = whens.get(out[k]!)!;
        steps.forEach((p, j) => {
          const r = c[j]?.(s) ?? -1;
          if (r < 0 || p.kind !== 'step') return;
          decided++;
          if ((r === 1) !== p.when!(ev.info(s), info)) expect.fail(`${name} ${variant}: ${p.name} before '${info.label}' at ${m.locationIds(s).join(' ')}: compiled ${r}`);
        });
        // Each compiled `then` against the property's own (where that throws, only where `when`
        // is false, where the property never calls it, may the compiled one decide).
        steps.forEach((p, j) => {
          const r = t[j]?.(s) ?? -1;
          const then = stepConsequent(p);
          if (r < 0 || p.kind !== 'step' || then === undefined) return;
          let want: boolean;
          try {
            want = then(ev.info(s), info);
          } catch {
            expect(p.when!(ev.info(s), info), `${p.name}: its then throws where its when holds`).toBe(false);
            return;
          }
          thenDecided++;
          if ((r === 1) !== want) expect.fail(`${name} ${variant}: ${p.name}'s then before '${info.label}' at ${m.locationIds(s).join(' ')}: compiled ${r}`);
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
    if (Object.values(thenCounts).some((x) => x > 0)) expect(thenDecided).toBeGreaterThan(0);
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

  it("which step properties' then compile, for how many of the actions (pinned, default variants)", () => {
    const at = (k: string) => thenCompiled.get(k);
    // no-sleep-in-atomic's then is its atomic contexts' tests, a declared conjunction (the
    // strings only in its explanation): compiled for every step. frozen-task-not-scheduled's reads the task its switch-in tag names: compiled for the
    // two switch-in steps (on any other, `find` finds nothing and the member of undefined is refused).
    expect(at('kvm-hotplug v2.6.37')).toEqual({ 'nolock-under-kvm-lock': 128, 'failed-enable-rolls-back': 128, 'reboot-disables-all': 128, 'no-sleep-in-atomic': 128 });
    expect(at('pm-freeze freeze-run-bit')).toEqual({ 'no-dma-while-frozen': 61, 'no-hotplug-between-prepare-and-finish': 61, 'usbcmd-under-uhci-lock': 61, 'uhci-lock-held': 61, 'no-sleep-in-atomic': 61 });
    expect(at('kvm-intx-mask v1')).toEqual({ 'guest-line-not-raised-while-masked': 60, 'no-hw-unmask-while-guest-masked': 60, 'kernel-keeps-user-mask': 60, 'no-sleep-in-atomic': 60 });
    expect(at('sched-delayed-dequeue eevdf')).toEqual({ 'frozen-task-not-scheduled': 2, 'freezer-freezes-sleeper': 123 });
  });
});

// no-lost-wakeup reads the KVM senders' threads (`cpuK/kvm->vcpuN`, named by a template) and a
// second vCPU's descriptor only at other sizes than the defaults: compiled against the property on
// the view on a BFS prefix and seeded random runs there, under sc and tso (PI words in store
// buffers are not what piOf reads: it reads memory).
describe('sched-delayed-dequeue no-lost-wakeup at other sizes', () => {
  const entry = bundled.find((e) => e.model.name === 'sched-delayed-dequeue')!;
  const p = propertiesOf(entry).find((q) => q.name === 'no-lost-wakeup')!;
  const sizes: Record<string, number>[] = [{ vcpus: 2, kvmSenders: 1 }, { kvmSenders: 2, senders: 0 }, { kvmSenders: 1, memory: 1 }];
  it.each(sizes)('%o', (params) => {
    if (p.kind !== 'invariant') throw new Error('no-lost-wakeup is an invariant');
    const m = compileModel(entry.model, { params });
    const own = compileModel(entry.model, { params, straight: false });
    const holds = m.compileProperty!(p.holds)!;
    const when = m.compileProperty!(p.when!)!;
    expect(holds).toBeDefined();
    expect(when).toBeDefined();
    const ev = makeEvaluator(own, [p], [p]);
    const verdicts = { holds: [0, 0], when: [0, 0] };
    const compare = (s: Int32Array) => {
      const info = ev.info(s);
      for (const [part, c, f] of [['holds', holds, p.holds], ['when', when, p.when!]] as const) {
        const r = c(s);
        if (r < 0) continue;
        const want = f(info);
        if ((r === 1) !== want) expect.fail(`${JSON.stringify(params)}: ${part} at ${m.locationIds(s).join(' ')}: compiled ${r}, property ${want}`);
        verdicts[part][r]!++;
      }
    };
    const seen = new Set([m.init.join()]);
    const queue = [m.init];
    const out: CompiledAction[] = [];
    while (queue.length > 0 && seen.size < 3000) {
      const s = queue.shift()!;
      compare(s);
      const n = m.enabled(s, out);
      for (let k = 0; k < n; k++) {
        const d = new Int32Array(m.width);
        if (m.apply(s, out[k]!, d).halted) continue;
        if (!seen.has(d.join())) {
          seen.add(d.join());
          queue.push(d);
        }
      }
    }
    let seed = 0x1ee7;
    const random = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    for (let run = 0; run < 200; run++) {
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
    // Both verdicts of each part met (a vCPU asleep with an interrupt pending; its wakeup lost, in
    // the sizes where it can be).
    expect(verdicts.when[1]).toBeGreaterThan(0);
    expect(verdicts.when[0]).toBeGreaterThan(0);
    expect(verdicts.holds[1]).toBeGreaterThan(0);
  });
});

// The states where a KVM sender's wakeup is on its way to a vCPU asleep with an interrupt pending
// are rare on the runs above (2 of 19,334 states of 200 random runs at vcpus=2 kvmSenders=1):
// every combination of what no-lost-wakeup reads for vcpu0, written into the initial state's
// slots, compiled against the property on the view (a property is a function of the state:
// the two must agree on every state, reachable or not).
describe('sched-delayed-dequeue no-lost-wakeup on every combination it reads for vcpu0', () => {
  it('vcpu0 where and how asleep, PIR, ON, the wakeup list, the wakeup IRQ, the handler and its cursor, the KVM sender', () => {
    const entry = bundled.find((e) => e.model.name === 'sched-delayed-dequeue')!;
    const p = propertiesOf(entry).find((q) => q.name === 'no-lost-wakeup')!;
    if (p.kind !== 'invariant') throw new Error('no-lost-wakeup is an invariant');
    const params = { vcpus: 2, kvmSenders: 1 };
    const m = compileModel(entry.model, { params });
    const own = compileModel(entry.model, { params, straight: false });
    const holds = m.compileProperty!(p.holds)!;
    const when = m.compileProperty!(p.when!)!;
    const ev = makeEvaluator(own, [p], [p]);
    const slot = (...path: (string | number)[]) => {
      let n = m.layout.root;
      for (const k of path) n = n.kind === 'object' ? n.fields.get(String(k))! : n.kind === 'array' ? n.items[Number(k)]! : n;
      return m.pcs + n.offset;
    };
    const thread = (name: string) => m.threadNames.indexOf(name);
    const idsOf = (name: string) => [...m.threads[thread(name)]!.ids.entries()];
    const vcpu0 = thread('cpu0/vcpu0');
    const irq = thread('cpu0/irq');
    const kvm = thread('cpu1/kvm->vcpu0');
    expect([vcpu0, irq, kvm].every((t) => t >= 0)).toBe(true);
    const irqLocals = localsNode(m.layout, 'cpu0/irq')!;
    if (irqLocals.kind !== 'object') throw new Error('the handler has locals');
    const vmx = m.pcs + irqLocals.fields.get('vmx')!.offset;
    const ON = 1;
    let compared = 0;
    const verdicts = [0, 0];
    for (const vpc of [m.threads[vcpu0]!.ids.get('sched.off')!, m.threads[vcpu0]!.ids.get('guest')!])
      for (const state of [TASK_INTERRUPTIBLE, 0])
        for (const pir of [0, 4])
          for (const on of [0, 1])
            for (const listed of [0, 1])
              for (const ipi of [0, 1])
                for (const owner of [-1, irq])
                  for (const [, ipc] of idsOf('cpu0/irq'))
                    for (const cursor of [0, 1])
                      for (const kpc of [...idsOf('cpu1/kvm->vcpu0').map(([, i]) => i), -1]) {
                        const s = m.init.slice();
                        s[vcpu0] = vpc;
                        s[slot('tasks', 0, '__state')] = state;
                        s[slot('m', 'mem', 'pir0')] = pir;
                        s[slot('m', 'mem', 'control0')] = on * ON;
                        s[slot('vcpus', 0, 'on_wakeup_list')] = listed;
                        s[slot('cpu0', 'wakeup_ipi')] = ipi;
                        s[slot('ctx', 'owner', 0)] = owner;
                        s[irq] = ipc;
                        s[vmx] = cursor;
                        s[kvm] = kpc;
                        const info = ev.info(s);
                        expect(holds(s), `holds ${s.join()}`).toBe(p.holds(info) ? 1 : 0);
                        expect(when(s), `when ${s.join()}`).toBe(p.when!(info) ? 1 : 0);
                        verdicts[holds(s)]!++;
                        compared++;
                      }
    expect(compared).toBe(2 * 2 * 2 * 2 * 2 * 2 * 2 * 4 * 2 * 7);
    expect(verdicts[0]).toBeGreaterThan(0);
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
