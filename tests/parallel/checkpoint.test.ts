// Checkpoints of the parallel level search, in-process: a run stopped after its k-th level-end
// checkpoint (seeded k) and resumed, with the same or another number of workers, from the
// checkpoint it wrote when it stopped (the last level end, a part of the next level redone) or
// from the periodic one before it (what a SIGKILL leaves), gives exactly the result of an
// uninterrupted run: verdict, states, transitions, diameter, step counts and the very
// counterexample paths. tests/cli/checkpoint-parallel.test.ts does it with real processes.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundled, registry } from '../../models/index.js';
import { checkpointFiles, latestCheckpoint, readCheckpointFile } from '../../src/engine/checkpoint/file.js';
import type { CheckpointConfig } from '../../src/engine/checkpoint/session.js';
import type { CheckResult } from '../../src/engine/result.js';
import { runIdentity } from '../../src/engine/run-identity.js';
import { compileModel } from '../../src/model/compile.js';
import type { ParallelCheckOptions, ParallelTarget } from '../../src/parallel/index.js';
import { mulberry32 } from '../../src/util/prng.js';
import { lostUpdateTarget, syntheticTarget } from '../fixtures/parallel/targets.js';
import { checkersFor } from './checkers.js';
import { essence } from './same-result.js';

const checkers = checkersFor([1, 2, 3]);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'kmc-pckpt-'));
  dirs.push(d);
  return d;
};

interface Case {
  name: string;
  target: ParallelTarget;
  options: ParallelCheckOptions;
}

const xen = bundled.find((e) => e.model.name === 'xen-remove-from-physmap')!;
const hotplug = bundled.find((e) => e.model.name === 'kvm-hotplug')!;
const bundledTarget = (e: (typeof bundled)[number]): ParallelTarget => ({ model: e.model, properties: e.properties, source: { kind: 'bundled', registry: registry.module!, source: e.source } });

const cases: Case[] = [
  { name: 'synthetic leaky (violated)', target: syntheticTarget, options: { variant: 'leaky', params: { threads: 3, rounds: 3, mod: 4 } } },
  { name: 'synthetic mixed', target: syntheticTarget, options: { variant: 'mixed', params: { threads: 3, rounds: 2, mod: 5 } } },
  { name: 'lost update racy', target: lostUpdateTarget, options: { variant: 'racy', params: { threads: 4 } } },
  { name: 'xen x86-as-posted, symmetry', target: bundledTarget(xen), options: { variant: 'x86-as-posted', symmetry: true} },
  { name: 'kvm-hotplug v6.12, preemption bound 1', target: bundledTarget(hotplug), options: { variant: 'v6.12', params: { enableCanFail: false }, preemptionBound: 1} },
];

function config(c: Case, dir: string, extra: Partial<CheckpointConfig>): CheckpointConfig {
  const model = compileModel(c.target.model, { variant: c.options.variant, params: c.options.params });
  return { dir, everyMs: Infinity, everyLevels: 1, identity: runIdentity({ model, sourceFile: fileURLToPath(import.meta.url), properties: [], kmcVersion: 'test' }), run: {}, ...extra };
}

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

  it('--max-memory: the run stops (incomplete) with a final checkpoint, which a resumed run goes on from', async () => {
    // Far too big to finish (34 million states): only the memory bound, 100 MB above what the
    // process holds now, ends it, a second or two in.
    const huge: Case = { name: 'huge', target: lostUpdateTarget, options: { variant: 'racy', params: { threads: 8 } } };
    const dir = tmp();
    const bound = process.memoryUsage.rss() + 100 * 2 ** 20;
    const cut = await checkers.get(2)!.check(huge.target, { ...huge.options, maxMemory: bound, checkpoint: config(huge, dir, { everyLevels: 1000 }) });
    expect(cut.status === 'incomplete' && cut.stoppedBy).toBe('max-memory');
    const saved = latestCheckpoint(dir).file!;
    expect(saved.header).toMatchObject({ kind: 'level', final: true });
    const before = saved.header.states as number;
    expect(before).toBeGreaterThan(1000);
    // Resumed (with a state bound instead): it goes on from the saved states, not from the start.
    const more = await checkers.get(1)!.check(huge.target, { ...huge.options, maxStates: before + 5000, checkpoint: config(huge, dir, { everyLevels: 1000, resumeFrom: saved.path }) });
    expect(more.status === 'incomplete' && more.stoppedBy).toBe('max-states');
    expect(more.status === 'incomplete' && more.stats.states).toBeGreaterThanOrEqual(before + 5000);
    expect(more.status === 'incomplete' && more.stats.states).toBeLessThan(before + 50_000);
  });

  it('a stop during the liveness search: the finished safety search was saved, and the resumed run goes straight on to liveness', async () => {
    const whole = await checkers.get(2)!.check(c.target, c.options);
    expect(whole.status !== 'error' && whole.liveness).toBeTruthy();
    const dir = tmp();
    const stop = new AbortController();
    // Stopped right after the safety search's last checkpoint: the liveness search does not run.
    const cut = await checkers.get(2)!.check(c.target, { ...c.options, signal: stop.signal, checkpoint: config(c, dir, { everyLevels: 1000, onSaved: (_p, final) => (final ? stop.abort() : undefined) }) });
    expect(stop.signal.aborted).toBe(true);
    expect(cut.status !== 'error' && cut.liveness).toBeFalsy();
    const saved = latestCheckpoint(dir).file!;
    // The whole safety search, nothing left to expand.
    expect(saved.header).toMatchObject({ kind: 'level', final: true, queued: 0, states: whole.status === 'error' ? -1 : whole.stats.states });
    const resumed = await checkers.get(2)!.check(c.target, { ...c.options, checkpoint: config(c, dir, { everyLevels: 1000, resumeFrom: saved.path }) });
    expect(essence(resumed)).toEqual(essence(whole));
    expect(resumed.status !== 'error' && resumed.liveness?.notes.join(' ')).toMatch(/the liveness search is not checkpointed: the safety search was saved when it ended/);
  });
});
