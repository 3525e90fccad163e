// The liveness analysis honours the run's stops and reports its progress (src/engine/liveness/
// meter.ts): stopped at any of its polls (made deterministic: a poll every state, and an
// interrupt that fires at the k-th poll of the analysis), a check never says a liveness property
// holds; the safety verdicts of the finished search stand. Progress reports during the analysis
// say how far it is. (The search of these small models never polls: it polls every 1,024
// expansions, so every poll counted here is the analysis's.)

import { describe, expect, it } from 'vitest';
import { check, type CheckOptions } from '../../../src/engine/check.js';
import type { CheckResult } from '../../../src/engine/result.js';
import type { Progress } from '../../../src/engine/search.js';
import type { ModelDef } from '../../../src/model/index.js';
import type { PropertySet } from '../../../src/property/index.js';
import { abba, abbaProps } from '../../fixtures/textbook.js';
import { spinner, spinnerProps } from '../../fixtures/liveness-textbook.js';

const statuses = (r: CheckResult) => (r.status === 'error' ? { error: r.message } : Object.fromEntries(r.properties.map((p) => [p.name, p.status])));

/** The check, interrupted at the analysis's `stopAt`-th poll (never: Infinity); its polls and progress reports. */
function stoppedAt(def: ModelDef, props: PropertySet, stopAt: number, o: CheckOptions = {}): { r: CheckResult; polls: number; reports: Progress[] } {
  let polls = 0;
  const reports: Progress[] = [];
  const r = check(def, props, {
    ...o,
    analysisPollEvery: 1,
    progressIntervalMs: 0,
    interrupted: () => ++polls >= stopAt,
    onProgress: (p) => reports.push(p),
  });
  return { r, polls, reports };
}

describe('the liveness analysis: stops and progress', () => {
  it('stopped at any poll of the analysis: incomplete (interrupted), every liveness property unknown, never verified; the search finished, its safety verdict stands', () => {
    const whole = stoppedAt(spinner, spinnerProps, Infinity, { variant: 'fixed' });
    expect(whole.r.status).toBe('verified');
    expect(whole.polls).toBeGreaterThan(5);
    for (let k = 1; k <= whole.polls; k++) {
      const { r } = stoppedAt(spinner, spinnerProps, k, { variant: 'fixed' });
      expect(r.status, `stopped at poll ${k}`).toBe('incomplete');
      if (r.status !== 'incomplete') continue;
      expect(r.stoppedBy).toBe('interrupted');
      expect(statuses(r)).toEqual({ deadlock: 'holds', livelock: 'unknown', 'waiter-leaves': 'unknown' });
      // The search itself was whole: the graph it recorded is the uninterrupted one.
      expect(r.stats.states).toBe(whole.r.status === 'verified' ? whole.r.stats.states : -1);
      expect(r.liveness?.notes.join(' ')).toMatch(/liveness not checked: the analysis of the state graph stopped \(interrupted\) in its pass \d+ of \d+/);
    }
  });

  it('a safety violation found by the finished search is reported when the analysis is stopped; the result is not complete', () => {
    const whole = stoppedAt(abba, abbaProps, Infinity);
    expect(statuses(whole.r)).toEqual({ deadlock: 'violated', livelock: 'holds' });
    expect(whole.r.status === 'violated' && whole.r.complete).toBe(true);
    const { r } = stoppedAt(abba, abbaProps, 2);
    expect(statuses(r)).toEqual({ deadlock: 'violated', livelock: 'unknown' });
    expect(r.status).toBe('violated');
    if (r.status !== 'violated') return;
    expect(r.complete).toBe(false);
    expect(r.stoppedBy).toBe('interrupted');
    expect(r.violations.map((v) => v.property)).toEqual(['deadlock']);
  });

  it('reports progress while it analyses: the pass of the passes planned, in order, and the states visited', () => {
    const { r, reports } = stoppedAt(spinner, spinnerProps, Infinity, { variant: 'fixed' });
    expect(r.status).toBe('verified');
    const analysing = reports.filter((p) => p.analysis !== undefined);
    expect(analysing.length).toBeGreaterThan(5);
    // Reachability, the graph's cycles, then per property its constraints and searches: livelock 2 per thread (2 threads), waiter-leaves 2.
    expect(new Set(analysing.map((p) => p.analysis!.passes))).toEqual(new Set([2 + (1 + 4) + (1 + 2)]));
    const passes = analysing.map((p) => p.analysis!.pass);
    expect(passes).toEqual([...passes].sort((a, b) => a - b));
    expect(passes[0]).toBe(1);
    expect(Math.max(...passes)).toBeGreaterThan(3);
    expect(analysing.some((p) => p.analysis!.visited > 0)).toBe(true);
    // The search's figures, final, beside the analysis's.
    if (r.status === 'verified') for (const p of analysing) expect({ states: p.states, transitions: p.transitions }).toEqual({ states: r.stats.states, transitions: r.stats.transitions });
  });
});
