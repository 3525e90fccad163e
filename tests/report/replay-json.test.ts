// The JSON form of replays, built from the same runs as the text: checked field by field on
// textbook models and against the definitions in schemas/kmc-replay.schema.json.

import { describe, expect, it } from 'vitest';
import { propertiesOf } from '../../src/engine/check.js';
import { replayOnVariant, replayPath } from '../../src/engine/replay.js';
import { compileModel } from '../../src/model/compile.js';
import { describeChoice, describePortEnd } from '../../src/report/replay.js';
import { replayToJson, runJson, stateJson, variantOutcome, variantReplayJson } from '../../src/report/replay-json.js';
import { abba, abbaProps, lostUpdate, lostUpdateProps } from '../fixtures/textbook.js';
import { pinnedCounter, pinnedCounterProps } from '../fixtures/choices.js';
import { validateReplay } from './json-schemas.js';

const lu = compileModel(lostUpdate, { variant: 'racy' });
const luAll = propertiesOf(lostUpdateProps);

function valid(doc: unknown): void {
  const ok = validateReplay(JSON.parse(JSON.stringify(doc)));
  expect(validateReplay.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

describe('a replay as JSON', () => {
  it('every step with its thread, C statement, changes and the state after it; the violation at its step', () => {
    const run = replayPath(lu, luAll, luAll, [0, 1, 0, 0]);
    const j = runJson(run);
    expect(j.path).toBe('0/1/0/0');
    expect(j.ran).toBe(4);
    expect(j.initialState).toEqual({ locations: { t0: 'load', t1: 'load' }, vars: { counter: 0, tmp: [0, 0] } });
    expect(j.steps[2]).toEqual({
      step: 3,
      thread: 't0',
      location: 'store',
      label: 'inc: counter = tmp + 1',
      function: 'inc',
      choice: 0,
      next: '$end',
      changes: [{ path: 'counter', before: 0, after: 1 }],
      fired: [],
      state: { locations: { t0: '$end', t1: 'store' }, vars: { counter: 1, tmp: [0, 0] } },
    });
    expect(j.violations).toEqual([{ property: 'no-lost-update', kind: 'invariant', step: 4, message: expect.stringMatching(/^invariant no-lost-update is false/) }]);
    expect(j.finalState).toEqual(j.steps[3]!.state);
    expect(j).toMatchObject({ stop: null, error: null });
    const doc = replayToJson({ exitCode: 1, version: '0', run });
    expect(doc).toMatchObject({ trace: null, matched: true, outcome: 'violated', onVariant: null, divergence: null });
    valid(doc);
  });

  it('a path that stops early: where and why, not matched, exit 2', () => {
    const run = replayPath(lu, luAll, luAll, [0, 0, 4]);
    const doc = replayToJson({ exitCode: 2, version: '0', run });
    expect(doc).toMatchObject({ matched: false, outcome: 'stopped', ran: 2, stop: { kind: 'not-enabled', step: 3, choice: 4, enabled: 1, message: 'step 3 chooses action 4, but only action 0 is enabled there' } });
    valid(doc);
    // The schema ties the outcome to the exit code: the same document with exit 1 is rejected.
    expect(validateReplay({ ...doc, exitCode: 1 })).toBe(false);
  });

  it('stateJson: thread locations by name and the variables as plain data', () => {
    expect(stateJson(lu, lu.init)).toEqual({ locations: { t0: 'load', t1: 'load' }, vars: { counter: 0, tmp: [0, 0] } });
  });
});

describe('an interleaving on another variant as JSON', () => {
  it('abba on ordered: each old step placed or not, the blocked end with what it waits for', () => {
    const all = propertiesOf(abbaProps);
    const run = replayPath(compileModel(abba, { variant: 'abba' }), all, all, [0, 1]);
    const vr = replayOnVariant(run, compileModel(abba, { variant: 'ordered' }), all, all);
    const j = variantReplayJson(vr, 'deadlock');
    expect(j.matching).toEqual([{ kind: 'matched', oldStep: 1, thread: 't0', label: 'lock_ab: spin_lock(&A)', location: expect.any(String), choice: 0, runStep: 1, chose: null }]);
    expect(j.end).toMatchObject({ kind: 'blocked', oldStep: 2, thread: 't1', waitsFor: 'A, held by t0', inconclusive: false, description: describePortEnd(vr.port.end, 2, 'ordered') });
    expect(j).toMatchObject({ variant: 'ordered', property: 'deadlock', oldSteps: 2, reproduced: null, outcome: 'no-longer-violated' });
    expect(j.run.steps).toHaveLength(1);
    valid(replayToJson({ exitCode: 0, version: '0', file: 'x.itf.json', claimed: { property: 'deadlock', kind: 'deadlock', message: 'm', step: 2 }, run, onVariant: { replay: vr, property: 'deadlock' } }));
  });

  it('a choice the bounded search settled: every alternative, how far it got, which was taken and why', () => {
    const all = propertiesOf(pinnedCounterProps);
    const run = replayPath(compileModel(pinnedCounter, { variant: 'racy' }), all, all, [0, 1, 0, 0]);
    const vr = replayOnVariant(run, compileModel(pinnedCounter, { variant: 'locked' }), all, all);
    const j = variantReplayJson(vr, 'no-lost-update');
    const chosen = j.matching.filter((m) => m.chose);
    expect(chosen.length).toBeGreaterThan(0);
    const first = vr.port.steps.find((s) => s.kind !== 'done-earlier' && s.chose)!;
    if (first.kind === 'done-earlier' || !first.chose) throw new Error('unreachable');
    expect(chosen[0]).toMatchObject({ kind: first.kind, oldStep: first.oldStep, thread: 't0', label: 'inc: spin_lock(&lock) [on cpu1]' });
    expect(chosen[0]!.chose).toEqual({
      alternatives: first.chose.alternatives.map((a) => ({ label: a.label, choice: a.choice, placed: a.placed ?? null, end: a.end ?? null })),
      taken: first.chose.taken,
      by: first.chose.by,
      description: describeChoice(first.chose, 4),
    });
    valid(replayToJson({ exitCode: 0, version: '0', run, onVariant: { replay: vr, property: 'no-lost-update' } }));
  });

  it('the outcome follows kmc replay’s exit codes: still violated, no longer, inconclusive', () => {
    const all = propertiesOf(lostUpdateProps);
    const run = replayPath(lu, all, all, [0, 1, 0, 0]);
    const same = replayOnVariant(run, compileModel(lostUpdate, { variant: 'racy' }), all, all);
    expect(variantOutcome(same, 'no-lost-update')).toBe('still-violated');
    expect(variantOutcome(same, undefined)).toBe('still-violated');
    const fixed = replayOnVariant(run, compileModel(lostUpdate, { variant: 'atomic' }), all, all);
    expect(variantOutcome(fixed, 'no-lost-update')).toBe('no-longer-violated');
    const bounded = { ...fixed, port: { ...fixed.port, end: { kind: 'loops' as const, oldStep: 1, thread: 't0', wanted: 'x' } } };
    expect(variantOutcome(bounded, 'no-lost-update')).toBe('inconclusive');
  });
});
