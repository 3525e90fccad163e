// Partial-order reduction on small hand-made models, one per condition of the reduced set
// (src/engine/reduction/por.ts): each model has a violation that a reduction missing that
// condition would not find, and independent steps that a correct one does not interleave.

import { describe, expect, it } from 'vitest';
import { check, type CheckOptions } from '../../../src/engine/check.js';
import type { CheckResult } from '../../../src/engine/result.js';
import { choice, defineModel, END, step, thread } from '../../../src/model/index.js';
import { compileModel } from '../../../src/model/compile.js';
import { assertion, deadlockFree, defineProperties, invariant, stepProperty } from '../../../src/property/index.js';
import { expandPath } from '../../../src/trace/expand.js';
import type { ConflictCount } from '../../../src/engine/reduction/por.js';
import { abba, abbaProps, lostUpdate, lostUpdateProps, peterson, petersonProps } from '../../fixtures/textbook.js';

// No footprints learned beforehand: the restarts themselves are under test.
const POR: CheckOptions = { por: true, porSeed: { states: 0, walks: 0 } };

/**
 * Each property's verdict (defineProperties adds deadlock freedom, and with it the built-in
 * livelock property, so both are among them).
 */
function verdicts(r: CheckResult): Record<string, string> {
  if (r.status === 'error') throw new Error(r.message);
  return Object.fromEntries(r.properties.map((p) => [p.name, p.status]));
}

/** N threads that each write their own variable N times: nothing to interleave. */
type Own = { v: number[]; done: number };
const independent = (n: number, k: number) =>
  defineModel<Own>({
    name: 'independent',
    doc: 'threads that only write their own variable',
    params: {},
    variants: { only: '' },
    build: () => ({
      init: { v: Array.from({ length: n }, () => 0), done: 0 },
      threads: Array.from({ length: n }, (_, t) =>
        thread<Own>(
          `t${t}`,
          Array.from({ length: k }, (_, i) => step<Own>(`s${i}`, `f: v[${t}]++`, { run: (d) => void (d.v[t] = d.v[t]! + 1) })),
        ),
      ),
    }),
  });

describe('partial-order reduction', () => {
  it('explores one interleaving of independent threads', () => {
    const plain = check(independent(3, 3), [deadlockFree()]);
    const por = check(independent(3, 3), [deadlockFree()], POR);
    expect(plain.status).toBe('verified');
    expect(por.status).toBe('verified');
    if (plain.status !== 'verified' || por.status !== 'verified') return;
    expect(plain.stats.states).toBe(4 ** 3);
    // One thread at a time: 3 * 3 steps, 10 states.
    expect(por.stats.states).toBe(10);
  });

  it('keeps the textbook verdicts (Peterson, ABBA deadlock, lost update)', () => {
    for (const [m, p] of [
      [peterson, petersonProps],
      [abba, abbaProps],
      [lostUpdate, lostUpdateProps],
    ] as const) {
      const plain = check(m, p);
      const por = check(m, p, POR);
      expect(verdicts(por)).toEqual(verdicts(plain));
      if (por.status === 'violated') for (const v of por.violations) expect(v.shortest).toBe(false);
    }
  });

  // S2: an alternative disabled in s, enabled by another thread, must be taken into account.
  it('S2: a choice whose other branch another thread can enable', () => {
    type S = { flag: number; x: number };
    const model = defineModel<S>({
      name: 's2',
      doc: '',
      params: {},
      variants: { only: '' },
      build: () => ({
        init: { flag: 0, x: 0 },
        threads: [
          thread<S>('a', [
            choice<S>('pick', [
              { label: 'f: x = 1', run: (d) => void (d.x = 1), next: END },
              { label: 'f: if (flag) WARN', guard: (s) => s.flag === 1, run: (_d, env) => env.warnOn(true, 'bad'), next: END },
            ]),
          ]),
          thread<S>('b', [step<S>('set', 'g: flag = 1', { run: (d) => void (d.flag = 1) })]),
        ],
      }),
    });
    const props = defineProperties<S>('s2', [assertion('bad', 'the branch taken after flag is set', 'bad')]);
    const r = check(model, props, POR);
    expect(verdicts(r)).toEqual({ bad: 'violated', deadlock: 'holds', livelock: 'holds' });
  });

  // S3: a conflicting step further ahead in another thread brings in that thread's current step.
  it('S3: a conflict in another thread\'s future', () => {
    type S = { x: number };
    const model = defineModel<S>({
      name: 's3',
      doc: '',
      params: {},
      variants: { only: '' },
      build: () => ({
        init: { x: 0 },
        threads: [
          thread<S>('a', [step<S>('set', 'f: x = 1', { run: (d) => void (d.x = 1) })]),
          thread<S>('b', [step<S>('nop', 'g: nothing'), step<S>('check', 'g: WARN_ON(x == 0)', { run: (d, env) => env.warnOn(d.x === 0, 'early') })]),
        ],
      }),
    });
    const props = defineProperties<S>('s3', [assertion('early', 'g runs before f', 'early')]);
    expect(verdicts(check(model, props, POR))).toEqual({ early: 'violated', deadlock: 'holds', livelock: 'holds' });
  });

  // C3: a thread that loops on its own must not let the reduced search ignore another forever.
  it('C3: the cycle proviso (no thread is ignored around a cycle)', () => {
    type S = { x: number; y: number };
    const model = defineModel<S>({
      name: 'c3',
      doc: '',
      params: {},
      variants: { only: '' },
      build: () => ({
        init: { x: 0, y: 0 },
        threads: [
          thread<S>('spinner', [step<S>('spin', 'f: x ^= 1', { run: (d) => void (d.x ^= 1), next: 'spin' })]),
          thread<S>('b', [step<S>('warn', 'g: WARN_ON(1)', { run: (d, env) => { d.y = 1; env.warnOn(true, 'reached'); } })]),
        ],
      }),
    });
    const props = defineProperties<S>('c3', [assertion('reached', 'b runs at all', 'reached')]);
    // The spinner loops forever without ending or making progress: a real livelock, with or
    // without the reduction.
    const expected = { reached: 'violated', deadlock: 'holds', livelock: 'violated' };
    expect(verdicts(check(model, props, POR))).toEqual(expected);
    expect(verdicts(check(model, props))).toEqual(expected);
  });

  // C2: an invariant over what a thread writes makes its steps visible.
  it('C2: an invariant sees the intermediate state of independent threads', () => {
    type S = { a: number; b: number };
    const model = defineModel<S>({
      name: 'c2',
      doc: '',
      params: {},
      variants: { only: '' },
      build: () => ({
        init: { a: 0, b: 0 },
        threads: [
          thread<S>('a', [step<S>('up', 'f: a = 1', { run: (d) => void (d.a = 1) }), step<S>('down', 'f: a = 0', { run: (d) => void (d.a = 0) })]),
          thread<S>('b', [step<S>('up', 'g: b = 1', { run: (d) => void (d.b = 1) }), step<S>('down', 'g: b = 0', { run: (d) => void (d.b = 0) })]),
        ],
      }),
    });
    const props = defineProperties<S>('c2', [invariant<S>('not-both', 'a and b are never both set', (s) => !(s.vars.a === 1 && s.vars.b === 1))]);
    expect(verdicts(check(model, props, POR))).toEqual({ 'not-both': 'violated', deadlock: 'holds', livelock: 'holds' });
    // Without the invariant the two threads are independent: one order suffices.
    const dl = check(model, [deadlockFree()], POR);
    expect(dl.status === 'verified' && dl.stats.states).toBe(5);
  });

  // A property that reads where a thread is makes that thread's moves visible.
  it('an invariant on locations (s.at) is preserved', () => {
    type S = { n: number };
    const model = defineModel<S>({
      name: 'at',
      doc: '',
      params: {},
      variants: { only: '' },
      build: () => ({
        init: { n: 0 },
        threads: ['a', 'b'].map((name) =>
          thread<S>(name, [step<S>('enter', `${name}: enter`), step<S>('crit', `${name}: critical section`), step<S>('leave', `${name}: leave`)]),
        ),
      }),
    });
    const props = defineProperties<S>('at', [invariant<S>('mutex', 'never both in the critical section', (s) => !(s.at('a') === 'leave' && s.at('b') === 'leave'))]);
    const r = check(model, props, POR);
    expect(verdicts(r)).toEqual({ mutex: 'violated', deadlock: 'holds', livelock: 'holds' });
    if (r.status === 'violated') {
      const trace = expandPath(compileModel(model), r.violations[0]!.path);
      expect(compileModel(model).locationIds(trace.steps.at(-1)!.state)).toEqual(['leave', 'leave']);
    }
  });

  // `s.ended(t)` and `s.fnAt(t)` read observation slots (footprints.ts), not the program counter:
  // only a move that ends the thread, or enters another function, is visible to them.
  type Obs = { x: number; y: number };
  const observed = (k: number) =>
    defineModel<Obs>({
      name: 'observed',
      doc: 'thread b runs k - 1 steps in function g and one in h, and ends; thread a runs k steps of its own',
      params: {},
      variants: { only: '' },
      build: () => ({
        init: { x: 0, y: 0 },
        // b first: seeds are tried in thread order, so a reduction that took b's moves for
        // invisible would run b to its end before a moves.
        threads: [
          thread<Obs>('b', [
            ...Array.from({ length: k - 1 }, (_, i) => step<Obs>(`b${i}`, `g: y = ${i + 1}`, { run: (d) => void (d.y = i + 1) })),
            step<Obs>('out', `h: y = ${k}`, { run: (d) => void (d.y = k) }),
          ]),
          thread<Obs>('a', Array.from({ length: k }, (_, i) => step<Obs>(`a${i}`, `f: x = ${i + 1}`, { run: (d) => void (d.x = i + 1) }))),
        ],
      }),
    });

  it('C2 with observation slots: the move that ends a thread is visible to `ended`, the others not', () => {
    // Violated only where a has ended and b has not: a search that took b's last move for
    // invisible could run b to its end first and never see it.
    const endedProps = defineProperties<Obs>('observed', [invariant<Obs>('b-first', 'b ends before a', (s) => !(s.ended('a') && !s.ended('b')))]);
    expect(verdicts(check(observed(3), endedProps, POR))).toEqual({ 'b-first': 'violated', deadlock: 'holds', livelock: 'holds' });
    const fnProps = defineProperties<Obs>('observed', [invariant<Obs>('h-first', 'b has left g before a ends', (s) => !(s.ended('a') && s.fnAt('b') === 'g'))]);
    expect(verdicts(check(observed(3), fnProps, POR))).toEqual({ 'h-first': 'violated', deadlock: 'holds', livelock: 'holds' });
  });

  it('moves that change nothing a property asks are not interleaved', () => {
    const k = 6;
    // Both orders of everything: (k + 1)^2 states without reduction.
    const asksEnded = defineProperties<Obs>('observed', [invariant<Obs>('ends', 'b is in g or h, or ended; whether a ended is asked', (s) => (s.ended('a') ? 1 : 0) >= 0 && ['g', 'h', ''].includes(s.fnAt('b')))]);
    const plain = check(observed(k), asksEnded);
    expect(plain.status === 'verified' && plain.stats.states).toBe((k + 1) ** 2);
    const por = check(observed(k), asksEnded, POR);
    expect(verdicts(por)).toEqual({ ends: 'holds', deadlock: 'holds', livelock: 'holds' });
    // a's moves but the last, and b's, are invisible: far fewer than (k + 1)^2 states.
    expect(por.status === 'verified' && por.stats.states).toBeLessThan(4 * k);
    // s.at reads the program counter: every move is visible, nothing is left out.
    const asksAt = defineProperties<Obs>('observed', [invariant<Obs>('at', 'a and b are somewhere', (s) => s.at('a') !== 'nowhere' && s.at('b') !== 'nowhere')]);
    const atPor = check(observed(k), asksAt, POR);
    expect(atPor.status === 'verified' && atPor.stats.states).toBe((k + 1) ** 2);
  });

  // Step properties read the state before a step: their reads are the step's.
  it('a step property over another thread\'s variable', () => {
    type S = { lock: number; x: number };
    const model = defineModel<S>({
      name: 'step',
      doc: '',
      params: {},
      variants: { only: '' },
      build: () => ({
        init: { lock: 0, x: 0 },
        threads: [
          thread<S>('a', [step<S>('take', 'f: lock = 1', { run: (d) => void (d.lock = 1) }), step<S>('drop', 'f: lock = 0', { run: (d) => void (d.lock = 0) })]),
          thread<S>('b', [step<S>('touch', 'g: x++ (needs the lock)', { run: (d) => void (d.x += 1) })]),
        ],
      }),
    });
    const props = defineProperties<S>('step', [stepProperty<S>('locked', 'g runs with the lock taken', (s, st) => st.fn !== 'g' || s.vars.lock === 1)]);
    const r = check(model, props, POR);
    expect(verdicts(r)).toEqual({ locked: 'violated', deadlock: 'holds', livelock: 'holds' });
  });

  it('reports the passes it needed and that its counterexamples may not be shortest', () => {
    const r = check(lostUpdate, lostUpdateProps, POR);
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    expect(r.reductions).toMatchObject({ por: true, symmetry: [] });
    expect(r.reductions!.passes).toBeGreaterThanOrEqual(1);
    const s = check(lostUpdate, lostUpdateProps, { ...POR, shortest: true });
    const plain = check(lostUpdate, lostUpdateProps);
    if (s.status !== 'violated' || plain.status !== 'violated') throw new Error('expected violations');
    expect(s.violations.map((v) => [v.property, v.path.length, v.shortest])).toEqual(plain.violations.map((v) => [v.property, v.path.length, true]));
  });

  it('blame names the slots that make closures big, not the independent ones', () => {
    // Two threads: each bumps its own v[t], then a shared x (the only conflict), then v[t] again.
    type X = { v: number[]; x: number };
    const shared = defineModel<X>({
      name: 'shared',
      doc: 'own variables and one shared one',
      params: {},
      variants: { only: '' },
      build: () => ({
        init: { v: [0, 0], x: 0 },
        threads: [0, 1].map((t) =>
          thread<X>(`t${t}`, [
            step<X>('a', `v[${t}]++`, { run: (d) => void (d.v[t] = d.v[t]! + 1) }),
            step<X>('b', 'x++', { run: (d) => void (d.x += 1) }),
            step<X>('c', `v[${t}]++`, { run: (d) => void (d.v[t] = d.v[t]! + 1) }),
          ]),
        ),
      }),
    });
    let top: ConflictCount[] = [];
    const r = check(shared, [deadlockFree()], { por: true, porSeed: { states: 0, walks: 0, blame: (c) => (top = c) } });
    expect(r.status).toBe('verified');
    expect(top.length).toBeGreaterThan(0);
    expect(new Set(top.map((c) => `${c.rule} ${c.slot}`))).toEqual(new Set(['S1 x']));
  });
});
