// The shared fingerprint table grows: started with 16 slots it must double a dozen times during
// a run (at level ends, for the next level's expected size, or for what a level spilled), while 1, 2 or 4 workers insert into
// it, and still give exactly the sequential result (two workers inserting the same state agree
// on one slot and one id, or the counts would differ).
// When it cannot grow any more the run stops, reported incomplete (memory bound), never with a
// state silently dropped from a "complete" result. In-thread tests check the table itself.

import { describe, expect, it } from 'vitest';
import { check, type CheckOptions } from '../../src/engine/check.js';
import { Control, STOP } from '../../src/parallel/control.js';
import type { ModelDef } from '../../src/model/types.js';
import { type ParallelTarget } from '../../src/parallel/index.js';
import type { PropertySet } from '../../src/property/types.js';
import { SharedTableDedup, restoredTable, sharedTable, tableFingerprints } from '../../src/parallel/shared-table.js';
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
  const buf = sharedTable(slots, maxSlots);
  const dedup = new SharedTableDedup(buf, control, { added: (s) => void added.push(s[0]!) });
  return { control, dedup, added, buf };
}

const state = (n: number) => Int32Array.of(n);
/** Distinct fingerprints for n (the table hashes them again). */
const hi = (n: number) => Math.imul(n, 0x85ebca6b) >>> 0;
const lo = (n: number) => Math.imul(n ^ 0x5bd1e995, 0xc2b2ae35) >>> 0;
/** A table's fingerprints as sorted strings, and those of states 0..n-1. */
const key = (fp: Uint32Array) => Array.from({ length: fp.length / 2 }, (_, i) => `${fp[2 * i]}/${fp[2 * i + 1]}`).sort();
const expected = (n: number) => Array.from({ length: n }, (_, k) => `${hi(k)}/${lo(k)}`).sort();

describe('SharedTableDedup', () => {
  it('grows only at level ends, for the next level\'s expected size; keeps every state once and the smallest edge key of the level', () => {
    const { dedup, added, control } = table(16);
    dedup.beginLevel(0);
    dedup.offer(state(-1), hi(-1), lo(-1), 0, false);
    expect(dedup.finishLevel()).toBe(true);
    const n = 5000;
    // The last worker at the level end: the next level stores at most n new states.
    dedup.prepare(n);
    // 16 slots to hold 5001 ids at 3/4 load: 2^13 slots, reached in one grow.
    expect(dedup.grows).toBe(1);
    dedup.beginLevel(1);
    for (let k = 0; k < n; k++) dedup.offer(state(k), hi(k), lo(k), 1000 + k, false);
    // Offered again (duplicates), some with smaller keys.
    for (let k = 0; k < n; k++) dedup.offer(state(k), hi(k), lo(k), k % 3 === 0 ? k : 5000 + k, false);
    // The initial state again: of an earlier level, not new, its key not touched.
    dedup.offer(state(-1), hi(-1), lo(-1), 0, false);
    expect(dedup.finishLevel()).toBe(true);
    expect(dedup.grows).toBe(1);
    expect(dedup.newCount).toBe(n);
    expect(dedup.size).toBe(n + 1);
    expect(added).toEqual([-1, ...Array.from({ length: n }, (_, k) => k)]);
    for (let i = 0; i < n; i++) expect(dedup.edgeOf(i)).toBe(i % 3 === 0 ? i : 1000 + i);
    // Four bytes per slot (2^13 here), twelve per id, four per entry of the worker's list of new
    // states: about 25 bytes per state (the 16-byte slots and the list's 20 bytes took over 40).
    expect(dedup.bytes()).toBeGreaterThan((n + 1) * 12);
    expect(dedup.bytes()).toBeLessThan((n + 1) * 26);
    // The next level: old states are not new again, and their keys are not touched.
    dedup.prepare(2 * n);
    expect(dedup.grows).toBe(2);
    dedup.beginLevel(2);
    for (let k = 0; k < n + 10; k++) dedup.offer(state(k), hi(k), lo(k), 7, false);
    expect(dedup.finishLevel()).toBe(true);
    expect(dedup.newCount).toBe(10);
    expect(dedup.edgeOf(0)).toBe(7);
    expect(control.stopped).toBe(false);
  });

  it('at its size limit it stops the run (memory bound) instead of dropping states silently', () => {
    const { dedup, control } = table(16, 64);
    dedup.beginLevel(0);
    expect(dedup.finishLevel()).toBe(true);
    // Room for 200 is asked; 64 slots, 60 ids at 15/16 load, is all it gets.
    dedup.prepare(200);
    dedup.beginLevel(1);
    for (let k = 0; k < 200; k++) dedup.offer(state(k), hi(k), lo(k), k, false);
    expect(control.stopCode).toBe(STOP.maxMemory);
    expect(dedup.size).toBe(60);
    expect(dedup.finishLevel()).toBe(false);
    // The keys of what was stored are still there (a stopped run reports what it found so far).
    expect(dedup.edgeOf(59)).toBe(59);
  });

  it('a level that stores far more than its table was sized for spills, and completes at its end with every state once and its smallest key', () => {
    const { control: c, board } = Control.allocate(1);
    const control = new Control(c, board, 1);
    /** What the sink got, in order: the state's first word and whether it was halted. */
    const level = (buf: SharedArrayBuffer, first: number, bound: number, restored = 0) => {
      const added: [number, boolean][] = [];
      const dedup = new SharedTableDedup(buf, control, { added: (s, i, halted) => void (added[i] = [s[0]!, halted]) });
      dedup.restore(restored);
      if (restored === 0) {
        dedup.beginLevel(0);
        dedup.offer(state(0), hi(0), lo(0), 0, false);
        expect(dedup.finishLevel()).toBe(true);
        // The expected count is given as 1: the table stays at 16 slots for a level of thousands.
        dedup.prepare(bound, 1);
      }
      dedup.beginLevel(first);
      // Each state offered twice, the second time with a smaller key for every third; every
      // seventh halted; the state of depth 0 again (not new, its key not touched).
      for (let k = 1; k <= bound; k++) dedup.offer(state(k), hi(k), lo(k), 1000 + k, k % 7 === 0);
      for (let k = bound; k >= 0; k--) dedup.offer(state(k), hi(k), lo(k), k % 3 === 0 ? k : 5000 + k, k % 7 === 0);
      expect(control.stopCode).toBe(STOP.none);
      // Stored during the level: what the small table had ids for; the rest is in the spill.
      expect(dedup.newCount).toBeLessThan(200);
      expect(dedup.finishLevel()).toBe(true);
      expect(dedup.spills).toBe(1);
      expect(dedup.newCount).toBe(bound);
      expect(dedup.size).toBe(bound + 1);
      const seen = added.map(([k]) => k).sort((x, y) => x - y);
      expect(seen).toEqual(Array.from({ length: bound }, (_, k) => k + 1));
      for (let i = 0; i < bound; i++) {
        const [k, halted] = added[i]!;
        expect(halted).toBe(k % 7 === 0);
        expect(dedup.edgeOf(i)).toBe(k % 3 === 0 ? k : 1000 + k);
      }
      return dedup;
    };
    // 16 slots hold 15 ids: the level's 7,679 states spill all but a few; the end grows the table.
    const buf = sharedTable(16);
    const dedup = level(buf, 1, 7679);
    expect(dedup.grows).toBeGreaterThan(0);
    expect(key(tableFingerprints(buf, 1))).toEqual(expected(7680));
    // The next level finds them all stored: nothing new, nothing spilled.
    dedup.prepare(10, 10);
    dedup.beginLevel(2);
    for (let k = 0; k <= 7679; k++) dedup.offer(state(k), hi(k), lo(k), 3, false);
    expect(dedup.finishLevel()).toBe(true);
    expect(dedup.newCount).toBe(0);
    expect(dedup.spills).toBe(1);
    // A resumed run after depth 0, its table made for an expected level of one state.
    level(restoredTable(Uint32Array.of(hi(0), lo(0)), 0, 7679, 16, 1, 1), 1, 7679, 1);
  });

  it('a checkpoint reads the states of depth <= L, also while the next level is being built; a restored table holds exactly them', () => {
    const { dedup, control, buf } = table(16);
    const offerAll = (from: number, to: number) => {
      for (let k = from; k < to; k++) dedup.offer(state(k), hi(k), lo(k), k, false);
    };
    dedup.beginLevel(0);
    offerAll(0, 1);
    dedup.finishLevel();
    dedup.prepare(300);
    dedup.beginLevel(1);
    offerAll(0, 300);
    dedup.finishLevel();
    // Ids came in blocks of 18 (300 / 16): depth 1 left 6 unused, which this grow must leave out.
    dedup.prepare(3000);
    expect(dedup.grows).toBe(2);
    dedup.beginLevel(2);
    // Part of depth 2 (a run stopped mid-level): the checkpoint is of depth 1's end.
    offerAll(250, 1000);
    expect(key(tableFingerprints(buf, 1))).toEqual(expected(300));
    expect(key(tableFingerprints(buf, 0))).toEqual(expected(1));
    expect(() => tableFingerprints(buf, 2)).toThrow(/no record of the end of depth 2/);
    // Resumed: depth 2 is built again into a table holding depths 0-1.
    const restored = restoredTable(tableFingerprints(buf, 1), 1, 3000, 16, 1);
    expect(key(tableFingerprints(restored, 1))).toEqual(expected(300));
    const again = new SharedTableDedup(restored, control, { added: () => {} });
    again.restore(300);
    again.beginLevel(2);
    for (let k = 250; k < 1000; k++) again.offer(state(k), hi(k), lo(k), k, false);
    expect(again.finishLevel()).toBe(true);
    expect(again.newCount).toBe(700);
    expect(again.size).toBe(1000);
    expect(again.grows).toBe(0);
  });
});
