// Bounds: a search cut short is 'incomplete', never 'verified'; a violation found before the
// bound is still reported as violated (complete: false, the other properties unknown).

import { describe, expect, it } from 'vitest';
import { check, type CheckOptions } from '../../src/engine/check.js';
import type { CheckResult } from '../../src/engine/result.js';
import { defineModel, step, thread } from '../../src/model/index.js';
import { deadlockFree, invariant } from '../../src/property/index.js';

// `noise` independent threads each bump their own counter once: 2^noise states, all of them
// fine. With `bad`, one more thread sets x = 1 in its first step: an invariant violated at depth 1.
type S = { x: number; c: number[] };
const noisy = (noise: number, bad: boolean) =>
  defineModel<S>({
    name: 'noisy',
    doc: 'independent counters',
    params: {},
    variants: { v: 'only' },
    build: () => ({
      init: { x: 0, c: Array.from({ length: noise }, () => 0) },
      threads: [
        ...(bad ? [thread<S>('bad', [step<S>('set', 'bad: x = 1', { run: (d) => void (d.x = 1) })])] : []),
        ...Array.from({ length: noise }, (_, i) => thread<S>(`n${i}`, [step<S>('inc', 'noise: c[i]++', { run: (d) => void d.c[i]!++ })])),
      ],
    }),
  });
const props = [invariant<S>('x-zero', 'x stays 0', (s) => s.vars.x === 0), deadlockFree()];
const fine = noisy(11, false); // 2048 states, diameter 11
const bad = noisy(11, true); // 4096 states, x-zero violated after 1 step

function statusOf(r: CheckResult) {
  return {
    status: r.status,
    stoppedBy: 'stoppedBy' in r ? r.stoppedBy : undefined,
    complete: 'complete' in r ? r.complete : undefined,
    properties: 'properties' in r ? Object.fromEntries(r.properties.map((p) => [p.name, p.status])) : undefined,
  };
}

describe('bounds on a model where every property holds', () => {
  it('without a bound: verified, 2048 states', () => {
    const r = check(fine, props);
    expect(statusOf(r)).toEqual({ status: 'verified', stoppedBy: undefined, complete: undefined, properties: { 'x-zero': 'holds', deadlock: 'holds', livelock: 'holds' } });
    expect(r.status === 'verified' && [r.stats.states, r.stats.diameter]).toEqual([2048, 11]);
  });

  it.each<[string, CheckOptions, string]>([
    ['--max-states 100', { maxStates: 100 }, 'max-states'],
    ['--max-states 2048 (the bound reached exactly)', { maxStates: 2048 }, 'max-states'],
    ['--max-depth 10', { maxDepth: 10 }, 'max-depth'],
    ['--max-depth 0', { maxDepth: 0 }, 'max-depth'],
    ['--max-time 0', { maxTimeMs: 0 }, 'max-time'],
    ['an interrupt', { interrupted: () => true }, 'interrupted'],
  ])('%s: incomplete, every property unknown, never verified', (_what, options, stoppedBy) => {
    const r = check(fine, props, options);
    expect(statusOf(r)).toEqual({ status: 'incomplete', stoppedBy, complete: undefined, properties: { 'x-zero': 'unknown', deadlock: 'unknown', livelock: 'unknown' } });
    expect(r.status === 'incomplete' && r.stats.states).toBeLessThanOrEqual(2048);
  });

  it('--max-states stops within one expansion of the bound', () => {
    const r = check(fine, props, { maxStates: 100 });
    expect(r.status === 'incomplete' && r.stats.states).toBeGreaterThanOrEqual(100);
    expect(r.status === 'incomplete' && r.stats.states).toBeLessThan(100 + 12);
  });

  it('bounds that the search never reaches leave it verified', () => {
    expect(check(fine, props, { maxStates: 2049 }).status).toBe('verified');
    expect(check(fine, props, { maxDepth: 11 }).status).toBe('verified'); // depth-11 states have no successors
    expect(check(fine, props, { interrupted: () => false, maxTimeMs: 1e9 }).status).toBe('verified');
  });
});

describe('bounds on a model with a violation at depth 1', () => {
  it('without a bound: violated, complete, the shortest path', () => {
    const r = check(bad, props);
    expect(statusOf(r)).toEqual({ status: 'violated', stoppedBy: undefined, complete: true, properties: { 'x-zero': 'violated', deadlock: 'holds', livelock: 'holds' } });
    expect(r.status === 'violated' && r.violations.map((v) => [v.property, v.path])).toEqual([['x-zero', [0]]]);
  });

  it.each<[string, CheckOptions, string]>([
    ['--max-states 100', { maxStates: 100 }, 'max-states'],
    ['--max-depth 3', { maxDepth: 3 }, 'max-depth'],
    ['--max-time 0', { maxTimeMs: 0 }, 'max-time'],
    ['an interrupt', { interrupted: () => true }, 'interrupted'],
    ['--first', { first: true }, 'first-violation'],
  ])('%s: still violated, with complete: false and the other properties unknown', (_what, options, stoppedBy) => {
    const r = check(bad, props, options);
    expect(statusOf(r)).toEqual({ status: 'violated', stoppedBy, complete: false, properties: { 'x-zero': 'violated', deadlock: 'unknown', livelock: 'unknown' } });
    expect(r.status === 'violated' && r.violations.map((v) => [v.property, v.path])).toEqual([['x-zero', [0]]]);
    expect(r.status === 'violated' && r.stats.states).toBeLessThan(4096);
  });
});
