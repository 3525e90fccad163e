// Checkpoint and resume in the engine: a search stopped right after its k-th checkpoint (what a
// SIGKILL at a random point leaves on disk: the newest complete checkpoint) and resumed from it
// gives exactly the result of an uninterrupted search: verdicts, distinct-state and transition
// counts, diameter, coverage and the shortest counterexamples step by step. Several stopping
// points per model (seeded), textbook and bundled models, plain, with symmetry and with a
// preemption bound. tests/cli/checkpoint.test.ts does the same with real processes and SIGKILL.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundled } from '../../../models/index.js';
import { check, type CheckOptions } from '../../../src/engine/check.js';
import { latestCheckpoint } from '../../../src/engine/checkpoint/file.js';
import type { CheckResult } from '../../../src/engine/result.js';
import { runIdentity } from '../../../src/engine/run-identity.js';
import { compileModel } from '../../../src/model/compile.js';
import type { ModelDef } from '../../../src/model/index.js';
import type { PropertySet } from '../../../src/property/index.js';
import { mulberry32 } from '../../../src/util/prng.js';
import { abba, abbaProps, lostUpdate, lostUpdateProps, peterson, petersonProps } from '../../fixtures/textbook.js';
import lostWakeup, { properties as lostWakeupProps } from '../../fixtures/models/lost-wakeup.js';
import storeBufferCut, { properties as storeBufferCutProps } from '../../fixtures/models/store-buffer-cut.js';
import fc from 'fast-check';
import { buildRandomModel, modelSpec } from '../../oracle/random-model.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'kmc-ckpt-'));
  dirs.push(d);
  return d;
};

class Killed extends Error {}

/** What must be the same: everything but timings and memory. */
export function comparable(r: CheckResult): unknown {
  if (r.status === 'error') return r;
  const { timeMs: _t, peakMemory: _p, statesPerSecond: _s, bytesPerState: _b, ...stats } = r.stats as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...r, stats };
  if ('liveness' in r && r.liveness) {
    // The notes differ on purpose: a checkpointed run says its liveness search was separate (and not checkpointed).
    const { analysisMs: _a, searchMs: _m, notes: _n, ...l } = r.liveness as unknown as Record<string, unknown>;
    out.liveness = l;
  }
  return out;
}

interface Case {
  name: string;
  def: ModelDef;
  props: PropertySet;
  options: CheckOptions;
}

const source = fileURLToPath(import.meta.url);

/**
 * Stop after the k-th checkpoint, resume from the newest one on disk and stop that run again after
 * its 3rd checkpoint, then resume to the end; returns the last result and how often it stopped.
 */
function stoppedAndResumed(c: Case, every: number, k: number): { result: CheckResult; stops: number } {
  const dir = tmp();
  const model = compileModel(c.def, c.options);
  const identity = runIdentity({ model, sourceFile: source, properties: [], kmcVersion: 'test' });
  let stops = 0;
  let resumeFrom: string | undefined;
  for (const stopAfter of [k, 3, Infinity]) {
    let saves = 0;
    try {
      const result = check(c.def, c.props, {
        ...c.options,
        checkpoint: {
          dir,
          everyMs: Infinity,
          everyExpansions: every,
          identity,
          run: {},
          resumeFrom,
          onSaved: () => {
            if (++saves === stopAfter) throw new Killed();
          },
        },
      });
      return { result, stops };
    } catch (e) {
      if (!(e instanceof Killed)) throw e;
      stops++;
    }
    const latest = latestCheckpoint(dir);
    expect(latest.skipped).toEqual([]);
    expect(latest.file).toBeDefined();
    resumeFrom = latest.file!.path;
  }
  throw new Error('unreachable: the last run has no stop');
}

const xen = bundled.find((e) => e.model.name === 'xen-remove-from-physmap')!;
const hotplug = bundled.find((e) => e.model.name === 'kvm-hotplug')!;
const freeze = bundled.find((e) => e.model.name === 'pm-freeze')!;

const cases: Case[] = [
  { name: 'peterson correct rounds=2', def: peterson, props: petersonProps, options: { variant: 'correct', params: { rounds: 2 } } },
  { name: 'peterson broken', def: peterson, props: petersonProps, options: { variant: 'broken', params: { rounds: 2 } } },
  { name: 'abba', def: abba, props: abbaProps, options: {} },
  { name: 'lost update', def: lostUpdate, props: lostUpdateProps, options: {} },
  ...['x86-as-posted', 'ia64-hunk-on-x86'].map((variant) => ({ name: `xen ${variant}`, def: xen.model, props: xen.properties, options: { variant } })),
  { name: 'xen symmetry', def: xen.model, props: xen.properties, options: { variant: 'x86-as-posted', symmetry: true } },
  { name: 'kvm-hotplug v6.12', def: hotplug.model, props: hotplug.properties, options: { variant: 'v6.12', params: { enableCanFail: false } } },
  { name: 'kvm-hotplug v6.12 preemption bound 1', def: hotplug.model, props: hotplug.properties, options: { variant: 'v6.12', params: { enableCanFail: false }, preemptionBound: 1 } },
  { name: 'kvm-hotplug v2.6.37 symmetry', def: hotplug.model, props: hotplug.properties, options: { variant: 'v2.6.37', params: { enableCanFail: false }, symmetry: true } },
  // Under store buffers: the store-buffer-bound verdict (a cut early in the search, before most
  // checkpoints) survives the stop, as do the verdicts under tso and lkmm.
  { name: 'store-buffer-cut tso, cut by the bound', def: storeBufferCut, props: storeBufferCutProps, options: {} },
  { name: 'store-buffer-cut lkmm, cut by the bound', def: storeBufferCut, props: storeBufferCutProps, options: { params: { memory: 2 } } },
  { name: 'store-buffer-cut tso, 2 entries (verified)', def: storeBufferCut, props: storeBufferCutProps, options: { params: { storeBuffer: 2 } } },
  { name: 'lost wakeup __set_current_state tso (violated)', def: lostWakeup, props: lostWakeupProps, options: { variant: '__set_current_state', params: { memory: 1 } } },
  { name: 'pm-freeze freeze-run-bit small', def: freeze.model, props: freeze.properties, options: { variant: 'freeze-run-bit', params: { hotplug: 0 } } },
];

describe('a stopped search resumed from its newest checkpoint gives the uninterrupted result', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const whole = check(c.def, c.props, c.options);
    expect(whole.status).not.toBe('error');
    const states = whole.status === 'error' ? 0 : whole.stats.states;
    const rnd = mulberry32(states * 7919 + c.name.length);
    // Several stopping points: early, random, late; checkpoints every few expansions.
    const every = Math.max(1, Math.floor(states / 12));
    const points = [1, 1 + Math.floor(rnd() * 6), 6];
    let stops = 0;
    for (const k of points) {
      const { result, stops: n } = stoppedAndResumed(c, every, k);
      stops += n;
      expect(comparable(result), `stopped after checkpoint ${k} (every ${every} expansions)`).toEqual(comparable(whole));
    }
    // The test means something only if runs were really stopped part-way.
    expect(stops).toBeGreaterThanOrEqual(3);
  });
});

describe('under store buffers', () => {
  it('a run stopped after every store that found its buffer full resumes to store-buffer-bound, not verified', () => {
    const whole = check(storeBufferCut, storeBufferCutProps, {});
    expect(whole.status === 'incomplete' && whole.stoppedBy).toBe('store-buffer-bound');
    const dir = tmp();
    const model = compileModel(storeBufferCut, {});
    const identity = runIdentity({ model, sourceFile: source, properties: [], kmcVersion: 'test' });
    // Checkpoints after every expansion; stopped after the 12th: the publisher is done in every
    // state left to expand (its stores are at depths 1-4), so no store of the resumed run finds a
    // full buffer, and only the checkpoint can say that the bound cut something.
    let saves = 0;
    expect(() => check(storeBufferCut, storeBufferCutProps, { checkpoint: { dir, everyMs: Infinity, everyExpansions: 1, identity, run: {}, onSaved: () => { if (++saves === 12) throw new Killed(); } } })).toThrow(Killed);
    const saved = latestCheckpoint(dir).file!;
    const header = saved.header as unknown as { progress: { coverage: { reached: string[] } } };
    expect(header.progress.coverage.reached).toContain('$store-buffer-bound');
    const resumed = check(storeBufferCut, storeBufferCutProps, { checkpoint: { dir, everyMs: Infinity, identity, run: {}, resumeFrom: saved.path } });
    expect(resumed.status === 'incomplete' && resumed.stoppedBy).toBe('store-buffer-bound');
    // No property holds on a cut search (the safety search's verdicts come from the checkpoint's record of the cut).
    expect(resumed.status === 'incomplete' && resumed.properties.map((p) => p.status)).toEqual(['unknown', 'unknown', 'unknown']);
    expect(comparable(resumed)).toEqual(comparable(whole));
  });
});

describe('random models (fast-check): stopped at a random checkpoint and resumed, the same result', () => {
  it('same verdicts, counts, coverage and shortest violations', () => {
    let stopped = 0;
    fc.assert(
      fc.property(modelSpec, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 50 }), (spec, k, everyAtMost) => {
        const { model, properties } = buildRandomModel(spec);
        const c: Case = { name: 'random', def: model, props: properties, options: { maxStates: 5000 } };
        const whole = check(model, properties, c.options);
        // Checkpoints often enough for k of them in a model of any size (many random models have
        // a few hundred states or fewer): a fixed interval of up to 50 expansions stopped about
        // half the runs, so the count below depended on the seed.
        const states = whole.status === 'error' ? 0 : whole.stats.states;
        const every = Math.max(1, Math.min(everyAtMost, Math.floor(states / (4 * (k + 1)))));
        const r = stoppedAndResumed(c, every, k);
        stopped += r.stops;
        expect(comparable(r.result)).toEqual(comparable(whole));
      }),
      { numRuns: 15, ...(process.env.KMC_FC_SEED ? { seed: Number(process.env.KMC_FC_SEED) } : {}) },
    );
    // The property means something only if runs were really stopped part-way (a handful of random
    // models have fewer states than k checkpoints need; the others stop: 21-27 stops in 15 runs).
    expect(stopped).toBeGreaterThan(8);
  });
});

describe('stops that save: --max-states, and the end of the safety search before the liveness search', () => {
  const c = cases.find((x) => x.name === 'kvm-hotplug v6.12')!;
  const model = compileModel(c.def, c.options);
  const identity = runIdentity({ model, sourceFile: source, properties: [], kmcVersion: 'test' });
  const config = (dir: string, extra: Partial<CheckOptions['checkpoint'] & object> = {}) => ({ dir, everyMs: Infinity, identity, run: {}, ...extra });

  it('--max-states: saved after the expansion that reached the bound; resumed without it, the uninterrupted result', () => {
    const whole = check(c.def, c.props, c.options);
    const states = whole.status === 'error' ? 0 : whole.stats.states;
    const dir = tmp();
    const cut = check(c.def, c.props, { ...c.options, maxStates: Math.floor(states / 3), checkpoint: config(dir) });
    expect(cut.status === 'incomplete' || cut.status === 'violated' ? cut.stoppedBy : undefined).toBe('max-states');
    const saved = latestCheckpoint(dir).file!;
    expect(saved.header).toMatchObject({ kind: 'sequential', final: true, states: cut.status === 'error' ? -1 : cut.stats.states });
    const resumed = check(c.def, c.props, { ...c.options, checkpoint: config(dir, { resumeFrom: saved.path }) });
    expect(comparable(resumed)).toEqual(comparable(whole));
  });

  it('a stop during the liveness search: the finished safety search was saved, and the resumed run goes straight on to liveness', () => {
    const whole = check(c.def, c.props, c.options);
    expect(whole.status !== 'error' && whole.liveness).toBeTruthy();
    const dir = tmp();
    let stop = false;
    // Interrupted as soon as the safety search's last checkpoint is written: in the liveness search.
    const cut = check(c.def, c.props, { ...c.options, interrupted: () => stop, checkpoint: config(dir, { onSaved: (_p, final) => (stop ||= final) }) });
    expect(cut.status === 'incomplete' || cut.status === 'violated' ? cut.stoppedBy : undefined).toBe('interrupted');
    const saved = latestCheckpoint(dir).file!;
    expect(saved.header).toMatchObject({ kind: 'sequential', final: true, queued: 0, states: whole.status === 'error' ? -1 : whole.stats.states });
    let saves = 0;
    const resumed = check(c.def, c.props, { ...c.options, checkpoint: config(dir, { resumeFrom: saved.path, onSaved: () => saves++ }) });
    expect(comparable(resumed)).toEqual(comparable(whole));
    // Nothing was left of the safety search: nothing new to save.
    expect(saves).toBe(0);
  });
});
