// Runs that end early, in-process: the bounds, --first, an interrupt, a step that throws in a
// worker and a worker that vanishes. None may hang, none may claim "verified", and each says
// how many workers ran.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/check.js';
import { type ParallelTarget } from '../../src/parallel/index.js';
import exitsInWorker, { properties as exitsProps } from '../fixtures/parallel/exits-in-worker.js';
import synthetic, { properties as syntheticProps } from '../fixtures/parallel/synthetic.js';
import throwsInStep, { properties as throwsProps } from '../fixtures/parallel/throws-in-step.js';
import { essence } from './same-result.js';
import { checkersFor } from './checkers.js';
import { lostUpdateTarget, syntheticTarget } from '../fixtures/parallel/targets.js';

const file = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const synth = syntheticTarget;
const lost = lostUpdateTarget;
/** Far too big to finish during a test (34 million states): only a stop ends it. */
const huge = { variant: 'racy', params: { threads: 8 } };

const checkers = checkersFor([1, 2, 4]);
const two = () => checkers.get(2)!;

describe('bounds', () => {
  it('--max-depth gives the sequential result exactly (the bound is a level)', async () => {
    const options = { variant: 'leaky', params: { threads: 3, rounds: 3, mod: 4 }, maxDepth: 9 };
    const sequential = check(synthetic, syntheticProps, options);
    expect(sequential.status === 'violated' && sequential.stoppedBy).toBe('max-depth');
    for (const [, checker] of checkers) expect(essence(await checker.check(synth, options))).toEqual(essence(sequential));
  });

  it('--max-states stops the run, incomplete, with at least that many states', async () => {
    const r = await two().check(lost, { ...huge, maxStates: 50_000 });
    expect(r.status).toBe('incomplete');
    if (r.status !== 'incomplete') return;
    expect(r.stoppedBy).toBe('max-states');
    expect(r.stats.states).toBeGreaterThanOrEqual(50_000);
    expect(r.stats.workers).toBe(2);
    expect(r.properties.every((p) => p.status === 'unknown')).toBe(true);
  });

  it('--max-time stops the run, incomplete', async () => {
    const r = await two().check(lost, { ...huge, maxTimeMs: 300 });
    expect(r.status === 'incomplete' && r.stoppedBy).toBe('max-time');
  });

  it('--max-memory stops the run, incomplete, before anything is killed', async () => {
    const r = await two().check(lost, { ...huge, maxMemory: 1 << 20 });
    expect(r.status === 'incomplete' && r.stoppedBy).toBe('max-memory');
  });

  it('--first reports what the sequential --first reports, for every worker count', async () => {
    const options = { variant: 'mixed', params: { threads: 4, rounds: 2, mod: 3 }, first: true };
    const sequential = check(synthetic, syntheticProps, options);
    expect(sequential.status).toBe('violated');
    if (sequential.status !== 'violated') return;
    for (const [, checker] of checkers) {
      const r = await checker.check(synth, options);
      expect(r.status === 'violated' && r.stoppedBy).toBe('first-violation');
      if (r.status !== 'violated') continue;
      expect(r.violations).toEqual(sequential.violations);
    }
  });
});

describe('interrupt', () => {
  it('an abort stops every worker; the statistics so far come back marked incomplete', async () => {
    const ac = new AbortController();
    let ticks = 0;
    const r = await two().check(lost, {
      ...huge,
      signal: ac.signal,
      progressIntervalMs: 50,
      onProgress: (p) => {
        expect(p.workers).toBe(2);
        if (++ticks === 3) ac.abort();
      },
    });
    expect(r.status).toBe('incomplete');
    if (r.status !== 'incomplete') return;
    expect(r.stoppedBy).toBe('interrupted');
    expect(r.stats.states).toBeGreaterThan(0);
    expect(r.stats.workers).toBe(2);
  });

  it('an abort before the start stops the run at once', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await two().check(lost, { ...huge, signal: ac.signal });
    expect(r.status === 'incomplete' && r.stoppedBy).toBe('interrupted');
  });
});

describe('crashes', () => {
  const throwing: ParallelTarget = { model: throwsInStep, properties: throwsProps, source: { kind: 'file', module: file('../fixtures/parallel/throws-in-step.ts') } };

  it('a step that throws in a worker ends the run with an error naming the model, thread, step and state', async () => {
    for (const [, checker] of checkers) {
      const r = await checker.check(throwing);
      expect(r.status).toBe('error');
      if (r.status !== 'error') continue;
      expect(r.message).toMatch(/^model throws-in-step: thread worker\d, step 'bump: count\+\+': it threw: cannot read properties/);
      expect(r.thread).toMatch(/^worker\d$/);
      expect(r.label).toBe('bump: count++');
      expect(r.state).toMatchObject({ vars: { count: 4 } });
    }
    // The pool is still usable afterwards.
    expect((await two().check(synth, { params: { threads: 2 } })).status).toBe('violated');
  });

  it('the sequential search reports the same kind of error', () => {
    const r = check(throwsInStep, throwsProps);
    expect(r.status === 'error' && r.label).toBe('bump: count++');
  });

  it('a worker thread that vanishes ends the run with an error, not a hang', async () => {
    const r = await two().check({ model: exitsInWorker, properties: exitsProps, source: { kind: 'file', module: file('../fixtures/parallel/exits-in-worker.ts') } });
    expect(r.status).toBe('error');
    if (r.status === 'error') expect(r.message).toMatch(/^worker \d failed: /);
    expect((await two().check(synth, { params: { threads: 2 } })).status).toBe('violated');
  });
});
