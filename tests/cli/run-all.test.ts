// kmc check --all runs its models side by side, one lane of the pool each (src/cli/run-all.ts):
// the results, in the order of the runs whatever order they end in, have the verdicts and
// counts of the runs one after the other, and the exit code is the same.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import type { ProgressSnapshot } from '../../src/cli/progress.js';
import { runAll, type AllOutcome } from '../../src/cli/run-all.js';
import type { ModelEntry } from '../../src/property/registry.js';
import { runKmc } from '../helpers/kmc-cli.js';
import { intParam } from '../../src/model/params.js';
import { abba, abbaProps, lostUpdate, lostUpdateProps } from '../fixtures/textbook.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/models/${name}.ts`, import.meta.url));
const lost: ModelEntry = { model: lostUpdate, properties: lostUpdateProps, source: fixture('lost-update') };
const abbaEntry: ModelEntry = { model: abba, properties: abbaProps, source: fixture('abba') };
// The same model with five threads by default (8,638 states racy): the largest run here.
const lost5: ModelEntry = { ...lost, model: { ...lostUpdate, params: { threads: intParam(5, 'threads', { min: 1, max: 8 }) } } };

function quietIo(progress?: (p: ProgressSnapshot) => void): Io {
  return { out: () => {}, err: () => {}, isTTY: false, ...(progress ? { progress } : {}) };
}

/** What must not depend on how the runs were spread. */
const summary = (o: AllOutcome) =>
  o.result.status === 'error'
    ? [o.entry.model.name, o.variant, 'error']
    : [o.entry.model.name, o.variant, o.result.status, o.result.stats.states, o.result.properties.map((p) => p.status).join(','), o.result.status === 'violated' ? o.result.violations.map((v) => v.path.join('/')).join(' ') : ''];

describe('kmc check --all side by side', () => {
  it('two lanes: every run on a worker of its own, the results and their callbacks in the order of the runs, as one after the other', async () => {
    // The first run is the largest (8,638 states): the runs after it end first on the other lane.
    const runs = [
      { entry: lost5, variant: 'racy' },
      { entry: abbaEntry, variant: Object.keys(abba.variants)[0]! },
      { entry: lost, variant: 'atomic' },
      { entry: lost, variant: 'racy' },
    ];
    const seen: string[] = [];
    const snapshots: ProgressSnapshot[] = [];
    const common = { symmetry: false, quiet: false, progressIntervalMs: 5 };
    const two = await runAll(
      runs.map(({ entry, variant }) => ({ entry, variant })),
      { ...common, workers: 2, io: quietIo((p) => void snapshots.push(p)) },
      (o) => void seen.push(`${o.entry.model.name}/${o.variant}`),
    );
    const one = await runAll(
      runs.map(({ entry, variant }) => ({ entry, variant })),
      { ...common, workers: 1, io: quietIo() },
      () => {},
    );
    expect(seen).toEqual(runs.map((r) => `${r.entry.model.name}/${r.variant}`));
    expect(two.cut).toBe(false);
    expect(two.outcomes.map(summary)).toEqual(one.outcomes.map(summary));
    expect(two.outcomes.map((o) => o.result.status !== 'error' && o.result.stats.workers)).toEqual([1, 1, 1, 1]);
    // One progress line for the lanes together: their sum, naming both.
    expect(snapshots.length).toBeGreaterThan(0);
    expect(snapshots.every((p) => p.workers === 2)).toBe(true);
  });

  it('the command: the same table rows, in the same order, and the same exit code with --workers 2 as with --workers 1', async () => {
    const args = ['check', '--all', fixture('lost-update'), fixture('abba'), '--no-traces', '--quiet'];
    const [one, two] = await Promise.all([runKmc(...args, '--workers', '1'), runKmc(...args, '--workers', '2')]);
    const rows = (out: string) => out.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| model')).map((l) => l.replace(/\| [\d.]+ m?s +\|/, '| T |'));
    expect(rows(one.out).length).toBeGreaterThan(2);
    expect(rows(two.out)).toEqual(rows(one.out));
    expect([two.code, one.code]).toEqual([1, 1]);
  });
});
