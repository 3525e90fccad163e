import { describe, expect, it } from 'vitest';
import { check, propertiesOf } from '../../src/engine/check.js';
import { replayOnVariant, replayPath } from '../../src/engine/replay.js';
import { compileModel } from '../../src/model/compile.js';
import { mermaidText, sequenceDiagram, traceDiagram, variantDiagram } from '../../src/report/mermaid.js';
import { abba, abbaProps, peterson, petersonProps } from '../fixtures/textbook.js';
import { spinner, spinnerProps } from '../fixtures/liveness-textbook.js';
import { prove } from '../../src/engine/prove.js';
import { renderProveMarkdown } from '../../src/report/prove.js';

/** Every line is one of the few Mermaid statements kmc writes, with no raw ';', '#', '<', '>', '"' or '%' in text. */
function expectWellFormed(diagram: string): void {
  const lines = diagram.split('\n');
  expect(lines[0]).toBe('sequenceDiagram');
  for (const line of lines.slice(1)) {
    const text = line.replace(/#\d+;/g, '').replace(/<br\/>/g, ' ');
    expect(text).toMatch(/^    (participant T\d+ as [^;#<>"%]+|Note over T\d+(,T\d+)?: [^;#<>"%]+|loop [^;#<>"%]+|end)$/);
  }
}

describe('Mermaid sequence diagrams', () => {
  it('escapes what Mermaid would parse: #, ;, <, >, quotes, %; newlines become <br/>', () => {
    expect(mermaidText('while (a < b && c > "d"); # x\ny')).toBe('while (a #60; b && c #62; #34;d#34;)#59; #35; x<br/>y');
    expect(mermaidText('%%{init: {}}%% 5%')).toBe('#37;#37;{init: {}}#37;#37; 5#37;');
  });

  it('one participant per thread, one note per step over its thread, the violation over all', () => {
    const r = check(abba, abbaProps, { variant: 'abba' });
    if (r.status !== 'violated') throw new Error('abba deadlocks');
    const model = compileModel(abba, { variant: 'abba' });
    const all = propertiesOf(abbaProps);
    const run = replayPath(model, all, all, r.violations[0]!.path);
    const d = traceDiagram(model, run.trace, run);
    expectWellFormed(d);
    expect(d.split('\n')).toEqual([
      'sequenceDiagram',
      '    participant T0 as t0',
      '    participant T1 as t1',
      '    Note over T0: 1. lock_ab: spin_lock(&A)<br/>a.holder: -1 → 0',
      '    Note over T1: 2. lock_ba: spin_lock(&B)<br/>b.holder: -1 → 1',
      expect.stringMatching(/^    Note over T0,T1: ✗ deadlock \(deadlock\) violated after step 2: deadlock: no step can run#59; t0 is stuck/),
    ]);
  });

  it('the interleaving on the patched variant ends with what blocks it', () => {
    const model = compileModel(peterson, { variant: 'broken' });
    const r = check(peterson, petersonProps, { variant: 'broken' });
    if (r.status !== 'violated') throw new Error('broken peterson is broken');
    const all = propertiesOf(petersonProps);
    const run = replayPath(model, all, all, r.violations[0]!.path);
    const vr = replayOnVariant(run, compileModel(peterson, { variant: 'correct' }), all, all);
    const d = variantDiagram(vr, run.trace.steps.length);
    expectWellFormed(d);
    const lines = d.split('\n');
    expect(lines.filter((l) => l.startsWith('    Note over T0: (for 1)'))).toHaveLength(1);
    expect(lines).toContain('    Note over T1: (old step 3, peterson_lock: flag[i] = true: already ran above)');
    expect(lines.at(-2)).toBe('    Note over T1: ⛔ peterson_lock: while (flag[j] && turn == j)#59;<br/>waits for flag[0] && turn == 0 to become false');
    expect(lines.at(-1)).toMatch(/^    Note over T0,T1: it stops at step 4 of 6: /);
  });

  it("a lasso's loop is a loop block around the steps that repeat; a run that stays put says so", () => {
    const r = check(spinner, spinnerProps, { variant: 'buggy', property: ['livelock'] });
    if (r.status !== 'violated') throw new Error('the buggy spinner livelocks');
    const v = r.violations[0]!;
    expect({ path: v.path, loop: v.loop }).toEqual({ path: [1, 0, 0], loop: 1 });
    const model = compileModel(spinner, { variant: 'buggy' });
    const all = propertiesOf(spinnerProps);
    const run = replayPath(model, all, [], v.path);
    const d = traceDiagram(model, run.trace, run, v.loop);
    expectWellFormed(d);
    expect(d.split('\n').slice(3)).toEqual([
      '    Note over T1: 1. wake: WRITE_ONCE(other, 1)<br/>other: 0 → 1',
      '    loop ↻ steps 2..3 lead back to the state after step 1 and repeat for ever',
      expect.stringMatching(/^    Note over T0: 2\. wait_for_cond: while \(!READ_ONCE\(cond\)\) \/\* still clear \*\/$/),
      '    Note over T0: 3. wait_for_cond: cpu_relax()',
      '    end',
    ]);
    // The same lasso with the loop at its end: the run stays in its last state for ever.
    expect(traceDiagram(model, run.trace, run, 3).split('\n').at(-1)).toBe('    Note over T0,T1: ↻ after step 3 the run stays in this state for ever (no fairly scheduled step can run)');
    // kmc prove --markdown draws the lasso of a liveness counterexample the same way.
    const md = renderProveMarkdown(prove(spinner, spinnerProps, { from: 'buggy', to: 'fixed', property: ['livelock'] }));
    expect(md).toContain('    loop ↻ steps 2..3 lead back to the state after step 1 and repeat for ever');
    expect(() => sequenceDiagram(['t0'], [{ loop: 'x' }])).toThrow(/never ends/);
  });

  it('thread names with slashes become aliases of plain participant ids', () => {
    const d = sequenceDiagram(['cpu0', 'cpu1/hotplug'], [{ over: [1], text: 'x' }, { over: [], text: 'all' }]);
    expect(d).toBe('sequenceDiagram\n    participant T0 as cpu0\n    participant T1 as cpu1/hotplug\n    Note over T1: x\n    Note over T0,T1: all');
  });
});
