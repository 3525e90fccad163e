// Small levels expanded by worker 0 alone (level-search.ts, the control block's solo phase):
// whatever the threshold, the result is exactly the sequential one (states, transitions,
// verdicts, the very counterexample paths), also while the shared table grows with the other
// workers parked, and a stop during a solo phase leaves no worker waiting. Each case also
// checks from the workers' reports that solo phases did happen (or did not), so that a
// threshold that were ignored fails here.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { check, type CheckOptions } from '../../src/engine/check.js';
import type { CheckResult } from '../../src/engine/result.js';
import type { ModelDef } from '../../src/model/types.js';
import { ParallelChecker, type ParallelTarget } from '../../src/parallel/index.js';
import type { WorkerReport } from '../../src/parallel/protocol.js';
import type { PropertySet } from '../../src/property/types.js';
import synthetic, { properties as syntheticProps } from '../fixtures/parallel/synthetic.js';
import { lostUpdate, lostUpdateProps } from '../fixtures/textbook.js';
import { lostUpdateTarget, syntheticTarget } from '../fixtures/parallel/targets.js';
import { checkersFor } from './checkers.js';
import { lockHotplug, lockHotplugProperties } from '../../bench/spin/lock-hotplug.js';
import { essence, expectSameResult } from './same-result.js';

const checkers = checkersFor([2, 3]);
/** bench/spin's kvm_lock/hotplug system (the one measured against SPIN). */
const lockHotplugTarget: ParallelTarget = {
  model: lockHotplug,
  properties: lockHotplugProperties,
  source: { kind: 'file', module: fileURLToPath(new URL('../../bench/spin/lock-hotplug.ts', import.meta.url)), exportName: 'lockHotplug', propertiesName: 'lockHotplugProperties' },
};

interface Case {
  target: ParallelTarget;
  model: ModelDef;
  properties: PropertySet;
  options: CheckOptions;
  /** A threshold with levels on both sides of it: small ones at the start, larger ones later. */
  mid: number;
}

const cases: Case[] = [
  // Violated (an invariant, an assertion, a step property), with counterexamples to compare.
  { target: syntheticTarget, model: synthetic, properties: syntheticProps, options: { variant: 'leaky', params: { threads: 3, rounds: 3, mod: 4 } }, mid: 40 },
  { target: lostUpdateTarget, model: lostUpdate, properties: lostUpdateProps, options: { params: { threads: 5 } }, mid: 1000 },
  // Verified; its level sizes cross 420 up and down six times (438, 378, 597, 408, 558, 306, ...).
  { target: lockHotplugTarget, model: lockHotplug, properties: lockHotplugProperties, options: { params: { cpus: 3, creators: 3 }, property: ['inconsistent', 'deadlock'] }, mid: 420 },
];

async function run(workers: number, c: Case, extra: { soloBelow: number; tableSlots?: number; maxStates?: number }): Promise<{ r: CheckResult; reports: readonly WorkerReport[] }> {
  let reports: readonly WorkerReport[] = [];
  const r = await checkers.get(workers)!.check(c.target, { ...c.options, ...extra, dedup: 'shared-table', onWorkerReports: (rs) => (reports = rs) });
  return { r, reports };
}

/** The workers that park: all but the lead (the first worker ready, in a run that starts alone). */
const others = (reports: readonly WorkerReport[]) => {
  expect(reports.filter((w) => w.lead).length).toBe(1);
  return reports.filter((w) => !w.lead);
};

describe('levels expanded by one worker', () => {
  it('any threshold gives the sequential result; the other workers park (and, when ready in time, join the wide levels)', async () => {
    for (const c of cases) {
      const sequential = check(c.model, c.properties, c.options);
      expect(sequential.status).toBe(c.model === lockHotplug ? 'verified' : 'violated');
      for (const workers of [2, 3]) {
        const what = `${c.model.name} ${JSON.stringify(c.options)}`;
        // Never alone: nobody parks.
        const all = await run(workers, c, { soloBelow: 0 });
        expectSameResult(all.r, sequential, workers, `${what}, every level by all`);
        expect(all.reports.every((w) => w.parks === 0)).toBe(true);
        // Always alone: the others park at the start and store nothing.
        const alone = await run(workers, c, { soloBelow: 1e9 });
        expectSameResult(alone.r, sequential, workers, `${what}, every level by worker 0`);
        for (const w of others(alone.reports)) expect([w.parks, w.states, w.transitions]).toEqual([1, 0, 0]);
        // In between: alone at the start, all in the wide levels, alone again in narrow ones.
        // (Whether a joined worker stores anything depends on how soon it runs: worker 0 may
        // claim a whole level first. Parking again proves that it joined. How often a worker
        // joins depends on when it is ready: the lead stays alone until every worker has loaded
        // the model and parked, so on a loaded machine a late worker misses the first wide levels.
        // Each parks at least once, when ready.)
        const mixed = await run(workers, c, { soloBelow: c.mid });
        expectSameResult(mixed.r, sequential, workers, `${what}, levels under ${c.mid} states by worker 0`);
        for (const w of others(mixed.reports)) expect(w.parks).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('the shared table grows while the other workers are parked (from 16 slots)', async () => {
    for (const c of cases.slice(0, 2))
      for (const workers of [2, 3]) {
        const sequential = check(c.model, c.properties, c.options);
        // Alone up to levels of 300 states: most of the dozen grows happen with the others parked.
        const { r, reports } = await run(workers, c, { soloBelow: 300, tableSlots: 16 });
        expectSameResult(r, sequential, workers, `${c.model.name} from 16 slots, levels under 300 states by worker 0`);
        expect(others(reports).every((w) => w.parks >= 1)).toBe(true);
      }
  });

  it('a run that starts alone is led by the first worker ready, not by worker 0 when another is ready first', async () => {
    // One worker of a fresh pool loads the model SLOW_MS late (tests/fixtures/parallel/slow-first-load.ts):
    // the other leads, from its own start, and the late one parks when it is ready. With worker 0
    // leading by rule, a worker 0 that loaded late left the other parked, on the clock, until it
    // came. Which worker is late is up to the threads: a fresh pool again until it is worker 0
    // (most runs), so that the case that tells the two rules apart is the one checked.
    const c = cases[1]!;
    const source = { kind: 'file' as const, module: fileURLToPath(new URL('../fixtures/parallel/slow-first-load.ts', import.meta.url)), exportName: 'lostUpdate', propertiesName: 'lostUpdateProps' };
    const sequential = essence(check(c.model, c.properties, c.options));
    const before = process.env.KMC_TEST_SLOW_LOAD;
    try {
      for (let attempt = 0; attempt < 6; attempt++) {
        const dir = mkdtempSync(join(tmpdir(), 'kmc-solo-lead-'));
        process.env.KMC_TEST_SLOW_LOAD = join(dir, 'lock');
        const pool = new ParallelChecker(2);
        let reports: readonly WorkerReport[] = [];
        try {
          const r = await pool.check({ ...c.target, source }, { ...c.options, soloBelow: 1e9, dedup: 'shared-table', onWorkerReports: (rs) => (reports = rs) });
          expect(essence(r)).toEqual(sequential);
          expect(r.status !== 'error' && reports.reduce((n, w) => n + w.states, 0)).toBe(r.status !== 'error' && r.stats.states);
        } finally {
          await pool.close();
          rmSync(dir, { recursive: true, force: true });
        }
        const [first, late] = [...reports].sort((a, b) => a.searchStart - b.searchStart);
        // (No bound on how much later the late one started: on a loaded machine the other's own
        // load eats into the fixture's delay, a test of the clock and not of the rule, which
        // failed once at load 9 with 190 ms against SLOW_MS / 4. Whichever started first must lead.)
        // The first worker ready led and stored every state; the late one parked and stored none.
        expect([first!.lead, first!.parks, late!.lead, late!.parks, late!.states]).toEqual([true, 0, false, 1, 0]);
        if (late!.index === 0) break;
      }
    } finally {
      if (before === undefined) delete process.env.KMC_TEST_SLOW_LOAD;
      else process.env.KMC_TEST_SLOW_LOAD = before;
    }
  });

  it('a run that starts alone is searched by the lead alone, whatever the levels\' size, until the other worker is ready', async () => {
    // The late worker of a fresh pool (tests/fixtures/parallel/slow-first-load.ts) loads the
    // model only when the test has seen, in the progress, every state stored: by the lead alone,
    // at a threshold (2) that every level but the first crosses. Had the lead let the other join
    // at level 1 (as it did before it looked whether that one was ready), it would wait at that
    // level's end for a worker that has not begun, the states would stop short of the total,
    // and the late worker would load after UNTIL_MS and store some of them.
    const c = cases[1]!;
    const source = { kind: 'file' as const, module: fileURLToPath(new URL('../fixtures/parallel/slow-first-load.ts', import.meta.url)), exportName: 'lostUpdate', propertiesName: 'lostUpdateProps' };
    const seq = check(c.model, c.properties, c.options);
    if (seq.status === 'error') throw new Error(seq.message);
    const total = seq.stats.states;
    const dir = mkdtempSync(join(tmpdir(), 'kmc-solo-ready-'));
    const go = join(dir, 'go');
    const before = [process.env.KMC_TEST_SLOW_LOAD, process.env.KMC_TEST_SLOW_UNTIL] as const;
    process.env.KMC_TEST_SLOW_LOAD = join(dir, 'lock');
    process.env.KMC_TEST_SLOW_UNTIL = go;
    const pool = new ParallelChecker(2);
    let reports: readonly WorkerReport[] = [];
    try {
      const r = await pool.check(
        { ...c.target, source },
        {
          ...c.options,
          soloBelow: 2,
          dedup: 'shared-table',
          progressIntervalMs: 10,
          onProgress: (p) => {
            if (p.states >= total) writeFileSync(go, '');
          },
          onWorkerReports: (rs) => (reports = rs),
        },
      );
      expect(essence(r)).toEqual(essence(seq));
    } finally {
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
      for (const [k, v] of [['KMC_TEST_SLOW_LOAD', before[0]], ['KMC_TEST_SLOW_UNTIL', before[1]]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const late = others(reports)[0]!;
    // It parked once, when it was ready, and found the search over: the lead stored every state.
    expect([late.parks, late.states, late.transitions]).toEqual([1, 0, 0]);
  });

  it('a stop during a solo phase (--max-states) ends every worker, incomplete; the pool goes on', async () => {
    const c = cases[1]!;
    const { r, reports } = await run(2, { ...c, options: { variant: 'racy', params: { threads: 8 } } }, { soloBelow: 1e9, maxStates: 3000 });
    expect(r.status === 'incomplete' && r.stoppedBy).toBe('max-states');
    expect(r.status !== 'error' && r.stats.states).toBeGreaterThanOrEqual(3000);
    expect(others(reports).map((w) => [w.parks, w.states])).toEqual([[1, 0]]);
    const after = await run(2, c, { soloBelow: c.mid });
    expect(essence(after.r)).toEqual(essence(check(c.model, c.properties, c.options)));
  });
});
