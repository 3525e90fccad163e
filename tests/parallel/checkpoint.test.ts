// Checkpoints of the parallel level search, in-process: a run stopped after its k-th level-end
// checkpoint (seeded k) and resumed, with the same or another number of workers, from the
// checkpoint it wrote when it stopped (the last level end, a part of the next level redone) or
// from the periodic one before it (what a SIGKILL leaves), gives exactly the result of an
// uninterrupted run: verdict, states, transitions, diameter, step counts and the very
// counterexample paths; random models too, stopped with either deduplication scheme and resumed
// with the other. tests/cli/checkpoint-parallel.test.ts does it with real processes.

import { rmSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/check.js';
import type { DedupKind } from '../../src/parallel/protocol.js';
import { specModule } from '../fixtures/parallel/random-spec.js';
import { buildRandomModel, modelSpec } from '../oracle/random-model.js';
import { checkpointFiles, latestCheckpoint, readCheckpointFile } from '../../src/engine/checkpoint/file.js';
import type { CheckResult } from '../../src/engine/result.js';
import { mulberry32 } from '../../src/util/prng.js';
import { cases, config, tempDirs, type Case } from './checkpoint-cases.js';
import { checkersFor } from './checkers.js';
import { essence } from './same-result.js';

const checkers = checkersFor([1, 2, 3]);
const tmp = tempDirs();

/** Stop a `write`-worker run after its k-th checkpoint; resume it with `resume` workers, from its last checkpoint or (`dropLast`) the one before. */
async function stoppedAndResumed(c: Case, k: number, write: number, resume: number, dropLast: boolean): Promise<{ result: CheckResult; stopped: boolean }> {
  const dir = tmp();
  const stop = new AbortController();
  let saves = 0;
  const first = await checkers.get(write)!.check(c.target, {
    ...c.options,
    signal: stop.signal,
    checkpoint: config(c, dir, { onSaved: () => (++saves === k ? stop.abort() : undefined) }),
  });
  if (!stop.signal.aborted) return { result: first, stopped: false };
  expect(first.status === 'incomplete' || first.status === 'violated' ? first.stoppedBy : undefined).toBe('interrupted');
  const files = checkpointFiles(dir);
  // The last one is the stop's own (written as final): a SIGKILL would have left the one before.
  expect(readCheckpointFile(files[0]!.path).header.final).toBe(true);
  if (dropLast) rmSync(files[0]!.path);
  const from = latestCheckpoint(dir).file!;
  expect(from.header.kind).toBe('level');
  const result = await checkers.get(resume)!.check(c.target, { ...c.options, checkpoint: config(c, dir, { resumeFrom: from.path }) });
  return { result, stopped: true };
}

describe('a stopped parallel search resumed from a level-end checkpoint gives the uninterrupted result', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const whole = await checkers.get(2)!.check(c.target, c.options);
    expect(whole.status).not.toBe('error');
    const levels = whole.status === 'error' ? 0 : whole.stats.diameter;
    const rnd = mulberry32(levels * 31 + c.name.length);
    let stops = 0;
    // (writers, resumers): the same count, fewer and more; the last checkpoint or the one before.
    const runs: [number, number, boolean][] = [
      [2, 2, false],
      [2, 1, true],
      [2, 3, false],
      [1, 2, true],
    ];
    for (const [write, resume, dropLast] of runs) {
      const k = 1 + Math.floor(rnd() * Math.max(1, levels - 1));
      const r = await stoppedAndResumed(c, k, write, resume, dropLast);
      if (r.stopped) stops++;
      expect(essence(r.result), `written by ${write}, stopped after checkpoint ${k}, resumed by ${resume}${dropLast ? ' from the one before the last' : ''}`).toEqual(essence(whole));
    }
    // Meaningful only if runs were really stopped part-way.
    expect(stops).toBeGreaterThanOrEqual(3);
  });
});

describe('refusals', () => {
  it('a sequential checkpoint is not resumed by the parallel search, nor a level one by the sequential', async () => {
    const c = cases[2]!;
    const dir = tmp();
    const stop = new AbortController();
    await checkers.get(2)!.check(c.target, { ...c.options, signal: stop.signal, checkpoint: config(c, dir, { onSaved: () => stop.abort() }) });
    const level = latestCheckpoint(dir).file!;
    const r = await checkers.get(1)!.checkSequential(c.target, { ...c.options, checkpoint: config(c, dir, { resumeFrom: level.path }) });
    expect(r.status).toBe('error');
    expect(r.status === 'error' && r.message).toMatch(/is a checkpoint of the parallel level-synchronous search, not of the sequential search/);
  });
});

describe('random models (fast-check): stopped at a random level end and resumed with another worker count and scheme', () => {
  it('the sequential search\'s verdicts, counts, step counts and counterexamples', async () => {
    let stopped = 0;
    await fc.assert(
      fc.asyncProperty(
        modelSpec,
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom<DedupKind>('partitioned', 'shared-table'),
        fc.constantFrom<DedupKind>('partitioned', 'shared-table'),
        fc.boolean(),
        async (spec, k, writeDedup, resumeDedup, dropLast) => {
          const { model, properties } = buildRandomModel(spec);
          const c: Case = { name: 'random', target: { model, properties, source: { kind: 'file', module: specModule(spec) } }, options: {} };
          const sequential = check(model, properties);
          const dir = tmp();
          const stop = new AbortController();
          let saves = 0;
          // Partitioned ownership with 2 workers, or a shared table that grows from 16 slots.
          const scheme = (dedup: DedupKind) => (dedup === 'partitioned' ? { dedup } : { dedup, tableSlots: 16 });
          await checkers.get(2)!.check(c.target, { ...scheme(writeDedup), signal: stop.signal, checkpoint: config(c, dir, { onSaved: () => (++saves === k ? stop.abort() : undefined) }) });
          if (!stop.signal.aborted) return;
          stopped++;
          if (dropLast && checkpointFiles(dir).length > 1) rmSync(checkpointFiles(dir)[0]!.path);
          const from = latestCheckpoint(dir).file!;
          const resumed = await checkers.get(3)!.check(c.target, { ...scheme(resumeDedup), checkpoint: config(c, dir, { resumeFrom: from.path }) });
          expect(essence(resumed)).toEqual(essence(sequential));
        },
      ),
      { numRuns: 12, ...(process.env.KMC_FC_SEED ? { seed: Number(process.env.KMC_FC_SEED) } : {}) },
    );
    expect(stopped).toBeGreaterThan(4);
  }, 120_000);
});
