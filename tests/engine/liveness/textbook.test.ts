// Textbook liveness cases with known answers (tests/fixtures/liveness-textbook.ts): the spinner
// of issue 12, Peterson's starvation freedom under weak fairness, a test-and-set spinlock that
// starves a CPU unless taking it is strongly fair, and a lost wakeup in an idle loop. Each lasso
// is checked with the brute-force oracle's lasso checker (tests/oracle/brute-force-lasso.ts).

import { describe, expect, it } from 'vitest';
import { check } from '../../../src/engine/check.js';
import type { CheckResult } from '../../../src/engine/result.js';
import type { ModelDef } from '../../../src/model/index.js';
import { defineProperties, leadsTo, withBuiltinLiveness, type PropertySet } from '../../../src/property/index.js';
import { abba, abbaProps } from '../../fixtures/textbook.js';
import { lassoProblem } from '../../oracle/brute-force-lasso.js';
import { RefSystem } from '../../oracle/reference-explorer.js';
import { idleWakeup, idleWakeupProps, petersonLoop, petersonLoopProps, spinner, spinnerProps, tasLock, tasLockProps, tasLockStrongProps } from '../../fixtures/liveness-textbook.js';

const statuses = (r: CheckResult) => (r.status === 'error' ? { error: r.message } : Object.fromEntries(r.properties.map((p) => [p.name, p.status])));

function expectRealLassos(def: ModelDef, props: PropertySet, r: CheckResult, variant?: string): void {
  if (r.status !== 'violated') return;
  const sys = new RefSystem(def, variant ? { variant } : {});
  for (const v of r.violations.filter((x) => x.kind === 'liveness')) expect(lassoProblem(sys, withBuiltinLiveness(props.properties), v), v.property).toBe('');
}

describe('liveness textbook cases', () => {
  it('the spinner whose waker never sets cond livelocks: a lasso looping on READ_ONCE/cpu_relax', () => {
    const r = check(spinner, spinnerProps, { variant: 'buggy' });
    expect(statuses(r)).toEqual({ deadlock: 'holds', livelock: 'violated', 'waiter-leaves': 'violated' });
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    const v = r.violations.find((x) => x.property === 'livelock')!;
    // The waker runs (1 step), then the waiter spins for ever: READ_ONCE (still clear), cpu_relax.
    expect({ path: v.path, loop: v.loop }).toEqual({ path: [1, 0, 0], loop: 1 });
    expect(v.message).toMatch(/cpu0\/waiter spins without progress/);
    expectRealLassos(spinner, spinnerProps, r, 'buggy');
  });

  it('the fixed spinner verifies (weak fairness makes the waker run)', () => {
    const r = check(spinner, spinnerProps, { variant: 'fixed' });
    expect(r.status).toBe('verified');
    expect(statuses(r)).toEqual({ deadlock: 'holds', livelock: 'holds', 'waiter-leaves': 'holds' });
  });

  it("Peterson's algorithm is starvation-free under weak fairness, and not when p1 need not be scheduled", () => {
    const r = check(petersonLoop, petersonLoopProps);
    expect(statuses(r)).toEqual({ deadlock: 'holds', livelock: 'holds', 'p0-enters': 'holds', 'p1-enters': 'holds', 'p1-enters-unfair': 'violated' });
    expect(r.status !== 'error' && r.stats.states).toBe(26);
    expectRealLassos(petersonLoop, petersonLoopProps, r);
  });

  it('a test-and-set spinlock starves a CPU under weak fairness, not when acquiring is strongly fair', () => {
    const weak = check(tasLock, tasLockProps);
    expect(statuses(weak)).toEqual({ deadlock: 'holds', livelock: 'violated' });
    expectRealLassos(tasLock, tasLockProps, weak);
    if (weak.status === 'violated') expect(weak.violations[0]!.message).toMatch(/cpu0 spins without progress, running only 'spin_lock: test_and_set\(&l\) \/\* was 1/);
    const strong = check(tasLock, tasLockStrongProps);
    expect(strong.status).toBe('verified');
  });

  it('a lost wakeup in an idle loop: not a deadlock nor a livelock (the kthread idles), but the work is never handled', () => {
    const buggy = check(idleWakeup, idleWakeupProps, { variant: 'buggy' });
    expect(statuses(buggy)).toEqual({ deadlock: 'holds', livelock: 'holds', 'work-handled': 'violated', 'idles-or-works': 'holds' });
    if (buggy.status !== 'violated') return;
    const v = buggy.violations[0]!;
    // check (idle), queue, wake (a no-op: still running), set_current_state, then it sleeps for ever.
    expect({ path: v.path, loop: v.loop }).toEqual({ path: [0, 1, 1, 0], loop: 4 });
    expectRealLassos(idleWakeup, idleWakeupProps, buggy, 'buggy');
    expect(check(idleWakeup, idleWakeupProps, { variant: 'fixed' }).status).toBe('verified');
  });

  it('"holds" means exercised: livelock on a graph without a cycle, a leads-to whose trigger never fired', () => {
    // ABBA in lock order: every run ends, so no run can livelock; the livelock check holds vacuously.
    const ordered = check(abba, abbaProps, { variant: 'ordered' });
    expect(ordered.status).toBe('verified');
    if (ordered.status !== 'verified') return;
    expect(ordered.properties.find((p) => p.name === 'livelock')).toMatchObject({ status: 'holds', notExercised: expect.stringMatching(/^no run loops: the state graph has no cycle/) });
    expect(ordered.properties.find((p) => p.name === 'deadlock')).not.toHaveProperty('notExercised');
    // The fixed spinner has a cycle (the waiter spinning while the waker has not run): exercised.
    const fixed = check(spinner, spinnerProps, { variant: 'fixed' });
    expect(fixed.status !== 'error' && fixed.properties.filter((p) => p.status === 'holds' && p.notExercised !== undefined)).toEqual([]);
    type S = { cond: number; other: number };
    const never = defineProperties<S>('spinner', [
      leadsTo<S>('other-then-leave', 'once other is set the waiter leaves', (s) => s.vars.other === 1, (s) => s.ended('cpu0/waiter')),
      leadsTo<S>('left-then-cond', 'once the waiter left, cond is set', (s) => s.ended('cpu0/waiter'), (s) => s.vars.cond === 1),
    ], { deadlock: false, livelock: false });
    const r = check(spinner, never, { variant: 'fixed' });
    expect(r.status === 'verified' && r.properties.map((p) => [p.name, p.status === 'holds' && p.notExercised])).toEqual([
      ['other-then-leave', 'its trigger p held in no reachable state'],
      ['left-then-cond', 'whenever p held, q already held (nothing to wait for)'],
    ]);
  });

  it('leadsTo (p ~> q): violated by a lasso where q never comes, holds (exercised) when it does', () => {
    type S = { cond: number; other: number };
    const props = defineProperties<S>('spinner', [
      leadsTo<S>('woken-leaves', 'once the waker has run, the waiter eventually leaves its loop', (s) => s.ended('cpu1/waker'), (s) => s.ended('cpu0/waiter')),
    ], { deadlock: false, livelock: false });
    const buggy = check(spinner, props, { variant: 'buggy' });
    expect(buggy.status).toBe('violated');
    if (buggy.status !== 'violated') return;
    // The waker runs (p holds, q does not), then the waiter spins for ever: READ_ONCE, cpu_relax.
    expect(buggy.violations.map((v) => [v.property, v.path, v.loop])).toEqual([['woken-leaves', [1, 0, 0], 1]]);
    expectRealLassos(spinner, props, buggy, 'buggy');
    const fixed = check(spinner, props, { variant: 'fixed' });
    expect(fixed.status).toBe('verified');
    expect(fixed.status === 'verified' && fixed.properties[0]).toEqual(expect.not.objectContaining({ notExercised: expect.anything() }));
  });

  it('with reductions asked for, liveness runs on the full graph and says so; a preemption bound leaves it unknown', () => {
    const r = check(spinner, spinnerProps, { variant: 'buggy', por: true, symmetry: true });
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    expect(r.liveness?.notes.join(' ')).toMatch(/without partial-order and symmetry reduction/);
    expect(r.violations.find((v) => v.property === 'livelock')?.shortest).toBe(false);
    const fixed = check(spinner, spinnerProps, { variant: 'fixed', preemptionBound: 5 });
    expect(fixed.status).toBe('incomplete');
    expect(statuses(fixed)).toEqual({ deadlock: 'unknown', livelock: 'unknown', 'waiter-leaves': 'unknown' });
    expect(fixed.status === 'incomplete' && fixed.liveness?.notes[0]).toMatch(/liveness not checked: a preemption-bounded search/);
  });

  it('a bound that cuts the search never reports a liveness property as holding', () => {
    for (const o of [{ maxStates: 3 }, { maxDepth: 1 }]) {
      const r = check(spinner, spinnerProps, { variant: 'fixed', ...o });
      expect(r.status).toBe('incomplete');
      expect(statuses(r)).toMatchObject({ livelock: 'unknown', 'waiter-leaves': 'unknown' });
    }
  });

  it('livelock is on wherever deadlock is, and left out by selecting properties by name', () => {
    const r = check(spinner, spinnerProps, { variant: 'buggy', property: ['deadlock'] });
    expect(statuses(r)).toEqual({ deadlock: 'holds' });
    expect(r.status).toBe('verified');
  });
});
