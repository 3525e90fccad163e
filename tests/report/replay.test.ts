import { describe, expect, it } from 'vitest';
import { propertiesOf } from '../../src/engine/check.js';
import { replayOnVariant, replayPath } from '../../src/engine/replay.js';
import { compileModel } from '../../src/model/compile.js';
import { describeChoice, describePortEnd, renderReplay, renderReplayStep, renderVariantReplay } from '../../src/report/replay.js';
import { abba, abbaProps, lostUpdate, lostUpdateProps } from '../fixtures/textbook.js';
import { pinnedCounter, pinnedCounterProps } from '../fixtures/choices.js';

const luModel = compileModel(lostUpdate, { variant: 'racy' });
const luAll = propertiesOf(lostUpdateProps);

describe('a replay as text', () => {
  it('the header, the table, what broke where, the final state', () => {
    const run = replayPath(luModel, luAll, luAll, [0, 1, 0, 0]);
    const text = renderReplay(run, 'traces/x.itf.json');
    expect(text.split('\n').slice(0, 3)).toEqual([
      'REPLAY lost-update --variant racy threads=2: 4 steps',
      'Trace file: traces/x.itf.json (every recorded step and state matches the model)',
      'Replay path: 0/1/0/0',
    ]);
    expect(text).toContain('Along the replay:\n  no-lost-update (invariant) violated after step 4: invariant no-lost-update is false');
    expect(text).toContain('Final state:\n  t0: finished\n  t1: finished\n  counter=1  tmp[0]=0  tmp[1]=0');
  });

  it('a path that holds says so, and one that stops early says where', () => {
    expect(renderReplay(replayPath(luModel, luAll, luAll, [0, 0]))).toContain('No property is violated along 2 steps.');
    const stopped = renderReplay(replayPath(luModel, luAll, luAll, [0, 0, 4]));
    expect(stopped.split('\n')[0]).toBe('REPLAY lost-update --variant racy threads=2: 2 steps of 3');
    expect(stopped).toContain('The path stops early: step 3 chooses action 4, but only action 0 is enabled there.');
  });

  it('one step: who ran what, where it went, what changed, what broke', () => {
    const run = replayPath(luModel, luAll, luAll, [0, 1, 0, 0]);
    expect(renderReplayStep(run, run.trace.steps[2]!)).toBe("Step 3/4: t0 runs 'inc: counter = tmp + 1' (choice 0; then finished)\n  counter: 0 -> 1");
    expect(renderReplayStep(run, run.trace.steps[0]!)).toBe("Step 1/4: t0 runs 'inc: tmp = counter' (choice 0; then at 'store')\n  (no variable changes)");
    expect(renderReplayStep(run, run.trace.steps[3]!)).toContain('  !! no-lost-update (invariant) violated after step 4');
  });
});

describe('an interleaving on another variant as text', () => {
  it('abba on ordered: the matched step, the blocked one, the outcome', () => {
    const all = propertiesOf(abbaProps);
    const run = replayPath(compileModel(abba, { variant: 'abba' }), all, all, [0, 1]);
    const vr = replayOnVariant(run, compileModel(abba, { variant: 'ordered' }), all, all);
    const text = renderVariantReplay(run, vr, 'deadlock');
    expect(text.split('\n')[0]).toBe('The abba interleaving (2 steps) on abba --variant ordered, steps matched by thread and C statement:');
    expect(text).toMatch(/\| 1 +\| 1 +\| t0 +\| lock_ab: spin_lock\(&A\) +\| +\|/);
    expect(text).toContain("Outcome: it stops at step 2 of 2: t1 cannot get to 'lock_ba: spin_lock(&B)': on ordered it must first run 'lock_ab: spin_lock(&A)', which waits for A, held by t0.");
    expect(text).toContain('deadlock holds along what runs on ordered (1 step).');
  });

  it('every way the matching can end reads as a sentence', () => {
    expect(describePortEnd({ kind: 'completed' }, 3, 'fixed')).toBe('all 3 steps run on fixed');
    expect(describePortEnd({ kind: 'absent', oldStep: 1, thread: 't', wanted: 'f: x' }, 3, 'fixed')).toBe(
      "it stops at step 1 of 3: t has no statement 'f: x' on fixed (the patch removed or rewrote it), so this interleaving cannot happen there",
    );
    expect(describePortEnd({ kind: 'blocked', oldStep: 2, thread: 't', wanted: 'f: x', id: 'x', label: 'f: x', waitsFor: 'L, held by u', extra: false }, 3, 'fixed')).toBe(
      "it stops at step 2 of 3: t's 'f: x' is not enabled on fixed: it waits for L, held by u",
    );
    expect(describePortEnd({ kind: 'ended', oldStep: 2, thread: 't', wanted: 'f: x' }, 3, 'fixed')).toBe("it stops at step 2 of 3: on fixed, t finishes without reaching 'f: x'");
    expect(describePortEnd({ kind: 'halted', oldStep: 1, thread: 't', label: 'f: BUG_ON(y)', fired: ['y'] }, 3, 'fixed')).toBe("it stops at step 1 of 3: t's 'f: BUG_ON(y)' hits a BUG_ON on fixed (y)");
    expect(describePortEnd({ kind: 'no-thread', oldStep: 1, thread: 't', wanted: 'f: x' }, 3, 'fixed')).toBe('inconclusive at step 1 of 3: fixed has no thread named t');
    expect(describePortEnd({ kind: 'bound', oldStep: 1, thread: 't', wanted: 'f: x', options: ['a', 'b'], budget: 5000 }, 3, 'fixed')).toBe(
      "inconclusive at step 1 of 3: to get to 'f: x', t has 2 ways forward ('a' or 'b'), and trying them ran over the bound of 5,000 steps on fixed",
    );
    expect(describePortEnd({ kind: 'bound', oldStep: 2, thread: 't', wanted: 'f: x', options: ['a'], budget: 10 }, 3, 'fixed')).toBe(
      "inconclusive at step 2 of 3: getting t to 'f: x' ran over the bound of 10 steps on fixed",
    );
    expect(describePortEnd({ kind: 'loops', oldStep: 1, thread: 't', wanted: 'f: x' }, 3, 'fixed')).toBe("inconclusive at step 1 of 3: t loops on fixed without reaching 'f: x'");
  });

  it('a choice says what was chosen, among what, how far each way got, and why', () => {
    const alternatives = [
      { label: 'f: spin_lock(&L) [on cpu0]', choice: 0, placed: 3, end: 'blocked' as const },
      { label: 'f: spin_lock(&L) [on cpu1]', choice: 1, placed: 2, end: 'ended' as const },
      { label: 'f: spin_lock(&L) [on cpu2]', choice: 2 },
    ];
    expect(describeChoice({ alternatives, taken: 0, by: 'placed' }, 13)).toBe(
      "chose 'f: spin_lock(&L) [on cpu0]' of 3 alternatives: 'f: spin_lock(&L) [on cpu0]' (places 3 of 13 old steps, then blocked) or " +
        "'f: spin_lock(&L) [on cpu1]' (places 2 of 13 old steps, then the thread finishes) or 'f: spin_lock(&L) [on cpu2]' (not tried): it places the most old steps",
    );
    expect(describeChoice({ alternatives: [{ label: 'a', choice: 0, placed: 4, end: 'completed' }, { label: 'b', choice: 1 }], taken: 0, by: 'closest' }, 4)).toBe(
      "chose 'a' of 2 alternatives: 'a' (places all 4 old steps) or 'b' (not tried): it is the closest to the old trace's labels",
    );
  });

  it('the table and the text of a ported run name every choice', () => {
    const all = propertiesOf(pinnedCounterProps);
    const run = replayPath(compileModel(pinnedCounter, { variant: 'racy' }), all, all, [0, 1, 0, 0]);
    const vr = replayOnVariant(run, compileModel(pinnedCounter, { variant: 'locked' }), all, all);
    const text = renderVariantReplay(run, vr, 'no-lost-update');
    expect(text).toContain('| 1 | (1)      | t0     | inc: spin_lock(&lock) [on cpu1] | runs first: t0 must pass it to reach     |');
    expect(text).toContain("|   |          |        |                                 | chose 'inc: spin_lock(&lock) [on cpu1]'  |");
    expect(text).toContain(
      "1 choice settled (a thread had several ways forward; kmc tried them):\n  Before old step 1, t0 chose 'inc: spin_lock(&lock) [on cpu1]' of 2 alternatives: ",
    );
  });
});
