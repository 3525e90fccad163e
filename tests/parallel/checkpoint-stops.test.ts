// Checkpoints of the parallel level search that a stop writes, in-process: --max-states (a
// resume with a larger bound goes on to the uninterrupted result), --max-memory (in the
// parallel and the sequential search: a final checkpoint, which a resumed run goes on from),
// and the end of the safety search, saved before the liveness search, so that a run stopped
// during the liveness search resumes straight into it (with --first too).

import { describe, expect, it } from 'vitest';
import { latestCheckpoint } from '../../src/engine/checkpoint/file.js';
import type { ParallelCheckOptions } from '../../src/parallel/index.js';
import { cases, config, huge, tempDirs } from './checkpoint-cases.js';
import { checkersFor } from './checkers.js';
import { essence } from './same-result.js';

const checkers = checkersFor([1, 2, 3]);
const tmp = tempDirs();

describe('stops that save: the bounds, and the end of the safety search before the liveness search', () => {
  const c = cases[0]!;

  it('--max-states: the last level end is saved; resumed without the bound, the run ends as an uninterrupted one', async () => {
    const whole = await checkers.get(2)!.check(c.target, c.options);
    const states = whole.status === 'error' ? 0 : whole.stats.states;
    const dir = tmp();
    const cut = await checkers.get(2)!.check(c.target, { ...c.options, maxStates: Math.floor(states / 2), checkpoint: config(c, dir, { everyLevels: 1000 }) });
    expect(cut.status === 'incomplete' || cut.status === 'violated' ? cut.stoppedBy : undefined).toBe('max-states');
    const saved = latestCheckpoint(dir).file!;
    expect(saved.header).toMatchObject({ kind: 'level', final: true });
    expect(saved.header.states as number).toBeLessThanOrEqual(cut.status === 'error' ? 0 : cut.stats.states);
    const resumed = await checkers.get(3)!.check(c.target, { ...c.options, checkpoint: config(c, dir, { everyLevels: 1000, resumeFrom: saved.path }) });
    expect(essence(resumed)).toEqual(essence(whole));
  });

  it.each([
    ['the parallel search', 'level'],
    ['the sequential search', 'sequential'],
  ] as const)('--max-memory, %s: the run stops (incomplete) with a final checkpoint, which a resumed run goes on from', async (_what, kind) => {
    // The huge instance: only the memory bound, 80 MB above what the process holds now, ends it, a few seconds in.
    const run = (o: ParallelCheckOptions) => (kind === 'level' ? checkers.get(2)!.check(huge.target, { ...huge.options, ...o }) : checkers.get(1)!.checkSequential(huge.target, { ...huge.options, ...o }));
    const dir = tmp();
    // The workers load the model first (its source is compiled then): not counted in the margin.
    await run({ maxStates: 10 });
    const bound = process.memoryUsage.rss() + 80 * 2 ** 20;
    const cut = await run({ maxMemory: bound, checkpoint: config(huge, dir, { everyLevels: 1000 }) });
    expect(cut.status === 'incomplete' && cut.stoppedBy).toBe('max-memory');
    const saved = latestCheckpoint(dir).file!;
    expect(saved.header).toMatchObject({ kind, final: true });
    const before = saved.header.states as number;
    expect(before).toBeGreaterThan(1000);
    // Resumed (with a state bound instead): it goes on from the saved states, not from the start.
    const more = await run({ maxStates: before + 5000, checkpoint: config(huge, dir, { everyLevels: 1000, resumeFrom: saved.path }) });
    expect(more.status === 'incomplete' && more.stoppedBy).toBe('max-states');
    expect(more.status === 'incomplete' && more.stats.states).toBeGreaterThanOrEqual(before + 5000);
    expect(more.status === 'incomplete' && more.stats.states).toBeLessThan(before + 50_000);
  });

  it.each([
    ['', {}],
    [' (--first: the saved violation ends the resumed safety search at once)', { first: true }],
  ] as const)('a stop during the liveness search: the finished safety search was saved, and the resumed run goes straight on to liveness%s', async (_what, more) => {
    const c = { ...cases[0]!, options: { ...cases[0]!.options, ...more } };
    const whole = await checkers.get(2)!.check(c.target, c.options);
    expect(whole.status !== 'error' && whole.liveness).toBeTruthy();
    const dir = tmp();
    const stop = new AbortController();
    // Stopped right after the safety search's last checkpoint: the liveness search does not run.
    const cut = await checkers.get(2)!.check(c.target, { ...c.options, signal: stop.signal, checkpoint: config(c, dir, { everyLevels: 1000, onSaved: (_p, final) => (final ? stop.abort() : undefined) }) });
    expect(stop.signal.aborted).toBe(true);
    expect(cut.status !== 'error' && cut.liveness).toBeFalsy();
    const saved = latestCheckpoint(dir).file!;
    // The whole safety search, nothing left to expand (with --first: states left, and a violation).
    expect(saved.header).toMatchObject({ kind: 'level', final: true, states: whole.status === 'error' ? -1 : whole.stats.states });
    if ('first' in more) expect((saved.header.candidates as unknown[]).length).toBeGreaterThan(0);
    else expect(saved.header.queued).toBe(0);
    const resumed = await checkers.get(2)!.check(c.target, { ...c.options, checkpoint: config(c, dir, { everyLevels: 1000, resumeFrom: saved.path }) });
    expect(essence(resumed)).toEqual(essence(whole));
    expect(resumed.status !== 'error' && resumed.liveness?.notes.join(' ')).toMatch(/the liveness search is not checkpointed: the safety search was saved when it ended/);
  });
});
