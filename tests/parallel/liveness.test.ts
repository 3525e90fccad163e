// Liveness through the worker pool (what kmc check runs): on the graph the parallel search
// records (tests/parallel/graph-part.test.ts compares it with the sequential one), or, where it
// cannot (reductions, --first), the separate, unreduced liveness search in one worker beside the
// parallel or reduced safety search; and what the result says about it. Issue 12's edge cases: a reduced run on a bundled model says liveness ran unreduced;
// a --max-states cut never reports a liveness property as holding.

import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundled, registry } from '../../models/index.js';
import type { CheckResult } from '../../src/engine/result.js';
import { withBuiltinLiveness } from '../../src/property/index.js';
import { spinner, spinnerProps } from '../fixtures/liveness-textbook.js';
import { lassoProblem } from '../oracle/brute-force-lasso.js';
import { RefSystem } from '../oracle/reference-explorer.js';
import { check } from '../../src/engine/check.js';
import { parallelBackend, type ParallelProgress } from '../../src/parallel/index.js';
import { checkersFor } from './checkers.js';

const checkers = checkersFor([1, 2]);
const pool = () => checkers.get(2)!;
const SPINNER = { kind: 'file' as const, module: resolve('tests/fixtures/models/spinner.ts') };
const statuses = (r: CheckResult) => (r.status === 'error' ? { error: r.message } : Object.fromEntries(r.properties.map((p) => [p.name, p.status])));
const notes = (r: CheckResult) => (r.status === 'error' ? '' : (r.liveness?.notes ?? []).join(' '));
const workers = (r: CheckResult) => (r.status === 'error' ? r.message : r.stats.workers);
/** What a check found, whichever search ran it. */
const found = (r: CheckResult) =>
  r.status === 'error'
    ? { error: r.message }
    : { status: r.status, states: r.stats.states, transitions: r.stats.transitions, properties: r.properties, violations: r.status === 'violated' ? r.violations : [], graph: [r.liveness?.states, r.liveness?.edges] };

describe('liveness through the worker pool', () => {
  it('the spinner: the livelock lasso on the graph the parallel search recorded (a real lasso), the fixed form verified', async () => {
    const buggy = await pool().check({ model: spinner, properties: spinnerProps, source: SPINNER }, { variant: 'buggy' });
    expect(statuses(buggy)).toEqual({ deadlock: 'holds', livelock: 'violated', 'waiter-leaves': 'violated' });
    expect(notes(buggy)).toMatch(/the state graph was recorded by the parallel search on 2 workers/);
    if (buggy.status !== 'violated') return;
    const lasso = buggy.violations.find((v) => v.property === 'livelock')!;
    expect({ path: lasso.path, loop: lasso.loop }).toEqual({ path: [1, 0, 0], loop: 1 });
    expect(lassoProblem(new RefSystem(spinner, { variant: 'buggy' }), withBuiltinLiveness(spinnerProps), lasso)).toBe('');
    const fixed = await pool().check({ model: spinner, properties: spinnerProps, source: SPINNER }, { variant: 'fixed' });
    expect(fixed.status).toBe('verified');
    expect(statuses(fixed)).toEqual({ deadlock: 'holds', livelock: 'holds', 'waiter-leaves': 'holds' });
  });

  it('the parallel backend (kmc check on 2 workers): liveness without reductions on the graph the parallel search records; where that search cannot record it (--first, the partitioned scheme), one search of the graph in one worker; symmetry and --first under symmetry search safety in parallel', async () => {
    const backend = parallelBackend(pool());
    const target = { model: spinner, properties: spinnerProps, source: SPINNER };
    for (const variant of ['buggy', 'fixed']) {
      const sequential = found(check(spinner, spinnerProps, { variant }));
      const recorded = await backend.search(target, { variant });
      expect(workers(recorded)).toBe(2);
      expect(notes(recorded)).toMatch(/the state graph was recorded by the parallel search on 2 workers/);
      expect(found(recorded)).toEqual(sequential);
      // --first: the level search would end the level where the sequential one stops at once.
      const once = await backend.search(target, { variant, first: true });
      expect(workers(once)).toBe(1);
      expect(notes(once)).toMatch(/one search of the state graph, in one worker of 2, checked every property/);
      expect(found(once)).toEqual(found(check(spinner, spinnerProps, { variant, first: true })));
      const partitioned = await backend.search(target, { variant, dedup: 'partitioned' });
      expect(workers(partitioned)).toBe(1);
      expect(found(partitioned)).toEqual(sequential);
    }
    // Symmetry asked for on a model it cannot reduce is the plain search, as check() runs it.
    expect(workers(await backend.search(target, { variant: 'buggy', symmetry: true }))).toBe(2);
    // With --first under symmetry check() searches twice: the parallel safety search runs.
    const twice = await backend.search(target, { variant: 'buggy', symmetry: true, first: true });
    expect([workers(twice), notes(twice)]).toEqual([2, expect.stringMatching(/checked by one worker of 2 on the full state graph/)]);
    expect(workers(await backend.search(target, { variant: 'buggy', property: ['deadlock'] }))).toBe(2);
    const xen = bundled.find((e) => e.model.name === 'xen-remove-from-physmap')!;
    const source = { kind: 'bundled' as const, registry: registry.module!, source: xen.source };
    const symmetric = await backend.search({ model: xen.model, properties: xen.properties, source }, { variant: 'reviewed', params: { hypercalls: 2 }, symmetry: true });
    expect(workers(symmetric)).toBe(2);
    expect(notes(symmetric)).toMatch(/checked by one worker of 2 on the full state graph, without reductions/);
  });

  it('a --max-states cut: the liveness properties are unknown, never holding, and the run incomplete', async () => {
    const r = await pool().check({ model: spinner, properties: spinnerProps, source: SPINNER }, { variant: 'fixed', maxStates: 2 });
    expect(r.status).toBe('incomplete');
    expect(statuses(r)).toMatchObject({ livelock: 'unknown', 'waiter-leaves': 'unknown' });
    const xen = bundled.find((e) => e.model.name === 'xen-remove-from-physmap')!;
    const source = { kind: 'bundled' as const, registry: registry.module!, source: xen.source };
    const cut = await pool().check({ model: xen.model, properties: xen.properties, source }, { variant: 'reviewed', maxStates: 100 });
    expect(cut.status).toBe('incomplete');
    expect(cut.status !== 'error' && cut.properties.filter((p) => p.kind === 'liveness').map((p) => p.status)).toEqual(['unknown']);
  });

  it('the analysis of the recorded graph, on the orchestrator thread after the workers: stopped at any of its polls (a poll every state, the interrupt at the k-th), liveness unknown and never verified; its progress reported with the workers', async () => {
    const target = { model: spinner, properties: spinnerProps, source: SPINNER };
    const run = async (stopAt: number) => {
      let polls = 0;
      const reports: ParallelProgress[] = [];
      const r = await pool().check(target, { variant: 'fixed', analysisPollEvery: 1, progressIntervalMs: 0, interrupted: () => ++polls >= stopAt, onProgress: (p) => reports.push(p) });
      return { r, polls, analysing: reports.filter((p) => p.analysis !== undefined) };
    };
    const whole = await run(Infinity);
    expect(whole.r.status).toBe('verified');
    expect(whole.polls).toBeGreaterThan(5);
    expect(whole.analysing.length).toBeGreaterThan(5);
    for (const p of whole.analysing) expect(p.workers).toBe(2);
    for (const k of [1, 2, Math.ceil(whole.polls / 2), whole.polls]) {
      const { r } = await run(k);
      expect(r.status, `stopped at poll ${k}`).toBe('incomplete');
      if (r.status !== 'incomplete') continue;
      expect(r.stoppedBy).toBe('interrupted');
      expect(statuses(r)).toEqual({ deadlock: 'holds', livelock: 'unknown', 'waiter-leaves': 'unknown' });
      expect(notes(r)).toMatch(/the analysis of the state graph stopped \(interrupted\)/);
    }
  });

  it('a reduced run on a bundled model (symmetry, partial-order reduction) says its liveness ran unreduced, and agrees with the unreduced run', async () => {
    const xen = bundled.find((e) => e.model.name === 'xen-remove-from-physmap')!;
    const source = { kind: 'bundled' as const, registry: registry.module!, source: xen.source };
    const target = { model: xen.model, properties: xen.properties, source };
    // Two hypercall vCPUs: interchangeable, so symmetry reduces.
    const params = { hypercalls: 2 };
    const plain = await pool().check(target, { variant: 'reviewed', params, property: ['livelock'] });
    const symmetric = await pool().check(target, { variant: 'reviewed', params, symmetry: true });
    expect(symmetric.status !== 'error' && symmetric.reductions?.symmetry.length).toBeGreaterThan(0);
    expect(notes(symmetric)).toMatch(/checked by one worker of 2 on the full state graph, without reductions: .*symmetry reduction (are|is) not sound for liveness here/);
    // --por runs in a pool of one worker, the engine's sequential check (as kmc check --por does):
    // its liveness search is separate and unreduced too.
    const por = await checkers.get(1)!.checkSequential(target, { variant: 'reviewed', params, por: true });
    expect(notes(por)).toMatch(/without partial-order reduction/);
    for (const r of [symmetric, por]) {
      const live = r.status !== 'error' && r.properties.find((p) => p.name === 'livelock');
      const want = plain.status !== 'error' && plain.properties.find((p) => p.name === 'livelock');
      expect(live).toEqual(want);
      // The liveness search counted the full graph, not the reduced one.
      expect(r.status !== 'error' && r.liveness?.states).toBe(plain.status !== 'error' && plain.liveness?.states);
    }
  });
});
