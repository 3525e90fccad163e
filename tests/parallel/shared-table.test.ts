// The shared fingerprint table grows: started with 16 slots it must double a dozen times during
// a run, while 1, 2 or 4 workers insert into it, and still give exactly the sequential result.
// When it cannot grow any more the run stops, reported incomplete (memory bound), never with a
// state silently dropped from a "complete" result. In-thread tests check the table itself.

import { describe, expect, it } from 'vitest';
import { check, type CheckOptions } from '../../src/engine/check.js';
import { Control, STOP } from '../../src/parallel/control.js';
import type { ModelDef } from '../../src/model/types.js';
import { type ParallelTarget } from '../../src/parallel/index.js';
import type { PropertySet } from '../../src/property/types.js';
import { SharedTableDedup, sharedTable } from '../../src/parallel/shared-table.js';
import synthetic, { properties as syntheticProps } from '../fixtures/parallel/synthetic.js';
import { lostUpdate, lostUpdateProps } from '../fixtures/textbook.js';
import { essence, expectSameResult } from './same-result.js';
import { checkersFor } from './checkers.js';
import { lostUpdateTarget, syntheticTarget } from '../fixtures/parallel/targets.js';

const synth = syntheticTarget;
const lost = lostUpdateTarget;

const checkers = checkersFor([1, 2, 4]);

describe('the shared table grows during the search', () => {
  it('from 16 slots: the same result as check(), for 1, 2 and 4 workers', async () => {
    const runs: { target: ParallelTarget; model: ModelDef; properties: PropertySet; options: CheckOptions }[] = [
      { target: synth, model: synthetic, properties: syntheticProps, options: { variant: 'mixed', params: { threads: 4, rounds: 2, mod: 3 } } },
      { target: synth, model: synthetic, properties: syntheticProps, options: { variant: 'leaky', params: { threads: 3, rounds: 3, mod: 4 } } },
      { target: lost, model: lostUpdate, properties: lostUpdateProps, options: { params: { threads: 5 } } },
    ];
    for (const { target, model, properties, options } of runs) {
      const sequential = check(model, properties, options);
      // 16 slots hold 12 states; tens of thousands mean a dozen grows, most in the middle of a level.
      expect(sequential.status !== 'error' && sequential.stats.states).toBeGreaterThan(5000);
      for (const [w, checker] of checkers) {
        const r = await checker.check(target, { ...options, dedup: 'shared-table', tableSlots: 16 });
        expectSameResult(r, sequential, w, `${model.name} ${JSON.stringify(options)} from 16 slots`);
      }
    }
  });

  it('an interrupt of a run whose table keeps growing leaves no worker waiting', async () => {
    const ac = new AbortController();
    let ticks = 0;
    const r = await checkers.get(2)!.check(lost, {
      variant: 'racy',
      params: { threads: 8 },
      dedup: 'shared-table',
      tableSlots: 16,
      signal: ac.signal,
      progressIntervalMs: 50,
      onProgress: () => {
        if (++ticks === 4) ac.abort();
      },
    });
    expect(r.status === 'incomplete' && r.stoppedBy).toBe('interrupted');
    // The pool is usable afterwards, the table too.
    const options = { variant: 'leaky', params: { threads: 3, rounds: 3, mod: 4 } };
    expect(essence(await checkers.get(2)!.check(synth, { ...options, dedup: 'shared-table', tableSlots: 16 }))).toEqual(essence(check(synthetic, syntheticProps, options)));
  });
});

/** One worker's table in this thread, with a sink that records what it stored. */
function table(slots: number, maxSlots?: number) {
  const { control: c, board } = Control.allocate(1);
  const control = new Control(c, board, 1);
  const added: number[] = [];
  const dedup = new SharedTableDedup(sharedTable(slots, maxSlots), control, { added: (s) => void added.push(s[0]!) });
  return { control, dedup, added };
}

const state = (n: number) => Int32Array.of(n);
/** Distinct fingerprints for n (the table hashes them again). */
const hi = (n: number) => Math.imul(n, 0x85ebca6b) >>> 0;
const lo = (n: number) => Math.imul(n ^ 0x5bd1e995, 0xc2b2ae35) >>> 0;

describe('SharedTableDedup', () => {
  it('grows as it fills, keeps every state once and the smallest edge key of the level', () => {
    const { dedup, added, control } = table(16);
    dedup.beginLevel(1);
    const n = 5000;
    for (let k = 0; k < n; k++) dedup.offer(state(k), hi(k), lo(k), 1000 + k, false);
    // Offered again (duplicates), some with smaller keys, after the table grew past them.
    for (let k = 0; k < n; k++) dedup.offer(state(k), hi(k), lo(k), k % 3 === 0 ? k : 5000 + k, false);
    expect(dedup.finishLevel()).toBe(true);
    expect(dedup.newCount).toBe(n);
    expect(dedup.size).toBe(n);
    expect(added).toEqual(Array.from({ length: n }, (_, k) => k));
    for (let i = 0; i < n; i++) expect(dedup.edgeOf(i)).toBe(i % 3 === 0 ? i : 1000 + i);
    // 16 slots to at least 5000 / (3/4): 9 doublings.
    expect(dedup.grows).toBeGreaterThanOrEqual(9);
    expect(dedup.bytes()).toBeGreaterThan((n / 0.75) * 16);
    // The next level: old states are not new again, and their keys are not touched.
    dedup.beginLevel(2);
    for (let k = 0; k < n + 10; k++) dedup.offer(state(k), hi(k), lo(k), 7, false);
    expect(dedup.finishLevel()).toBe(true);
    expect(dedup.newCount).toBe(10);
    expect(dedup.edgeOf(0)).toBe(7);
    expect(control.stopped).toBe(false);
  });

  it('at its size limit it stops the run (memory bound) instead of dropping states silently', () => {
    const { dedup, control } = table(16, 64);
    dedup.beginLevel(1);
    for (let k = 0; k < 200; k++) dedup.offer(state(k), hi(k), lo(k), k, false);
    expect(control.stopCode).toBe(STOP.maxMemory);
    // 64 slots at 3/4 load: 48 states stored, the others refused once the run was stopped.
    expect(dedup.size).toBe(48);
    expect(dedup.finishLevel()).toBe(false);
    // The keys of what was stored are still there (a stopped run reports what it found so far).
    expect(dedup.edgeOf(47)).toBe(47);
  });
});
