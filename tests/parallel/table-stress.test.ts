// The shared table under real concurrency: worker threads insert the same keys at once, each in
// its own order, into a table started at 16 slots that grows at level ends (by the last worker
// to arrive, the others waiting, as in the level search). Every key must be claimed by exactly one
// worker, the keys of earlier levels never again, and each new key must end with the smallest
// edge key any worker offered it with (what makes the parallel counterexamples the sequential
// ones). Fingerprints include the values a slot uses as markers (0, all ones) and a long run of
// keys that share one bucket; and tables sized far too small, so that the workers spill and
// the table grows at each level's end. The searches of tests/parallel/random-models.test.ts and
// shared-table.test.ts compare whole runs; this one makes the workers meet on the same slots.

import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Control } from '../../src/parallel/control.js';
import { sharedTable } from '../../src/parallel/shared-table.js';
import { edgeFor, type StressSetup } from '../fixtures/parallel/table-stress.js';

interface Report {
  levels: { keys: number[]; edges: number[] }[];
  size: number;
  grows: number;
  spills: number;
}

const boot = pathToFileURL(fileURLToPath(new URL('../../src/parallel/boot.mjs', import.meta.url))).href;
const entry = new URL('../fixtures/parallel/table-stress-worker.ts', import.meta.url).href;

async function run(workers: number, levels: number[], expected: StressSetup['expected'] = 'exact'): Promise<Report[]> {
  const table = sharedTable(16);
  const { control, board } = Control.allocate(workers);
  const reports = Array.from({ length: workers }, (_, me) => {
    const stress: StressSetup = { table, control, board, workers, me, levels, expected };
    const w = new Worker(new URL(boot), { workerData: { kmcWorker: entry, stress } });
    return new Promise<Report>((resolve, reject) => {
      w.once('message', (m: Report) => resolve(m));
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`stress worker ${me} exited (${code}) without a report`)));
    }).finally(() => void w.terminate());
  });
  return Promise.all(reports);
}

function expectExact(reports: Report[], levels: number[], workers: number): void {
  let before = 0;
  levels.forEach((n, L) => {
    const level = L + 1;
    const owner = new Map<number, number>();
    reports.forEach((r, w) => {
      const { keys, edges } = r.levels[L]!;
      expect(edges.length).toBe(keys.length);
      keys.forEach((k, i) => {
        expect(owner.has(k), `level ${level}: key ${k} claimed by workers ${owner.get(k)} and ${w}`).toBe(false);
        owner.set(k, w);
        let best = Infinity;
        for (let v = 0; v < workers; v++) best = Math.min(best, edgeFor(k, v, level));
        expect(edges[i], `level ${level}: edge key of ${k}`).toBe(best);
      });
    });
    // Exactly the keys new at this level: before..n-1.
    expect([...owner.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: n - before }, (_, i) => before + i));
    before = n;
  });
  expect(reports.reduce((s, r) => s + r.size, 0)).toBe(levels[levels.length - 1]);
}

describe('the shared table with workers inserting the same keys at once', () => {
  it.each([2, 3])('%i workers: each key claimed once, with the smallest edge key, in a table grown at level ends', async (workers) => {
    const levels = [6000, 20000, 26000, 40000];
    const reports = await run(workers, levels);
    expectExact(reports, levels, workers);
    // 16 slots to 2^13, 2^15 and 2^16 before levels 1-3 (40,000 fit in 2^16), seen by every worker.
    for (const r of reports) expect(r.grows).toBe(3);
    for (const r of reports) expect(r.spills).toBe(0);
  });

  it.each([2, 3])('%i workers: levels far larger than the table was sized for spill, and complete at their ends just as exactly', async (workers) => {
    const levels = [6000, 20000, 26000, 40000];
    const reports = await run(workers, levels, 'one');
    expectExact(reports, levels, workers);
    // Level 1 spilled in every worker (16 slots, and each offers every key), and the table grew
    // at its end for all that spilled (each worker's offers of every key: later levels fit).
    for (const r of reports) expect(r.spills).toBeGreaterThanOrEqual(1);
    for (const r of reports) expect(r.grows).toBeGreaterThanOrEqual(1);
  });
});
