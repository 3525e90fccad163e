import { describe, expect, it } from 'vitest';
import { prove } from '../../src/engine/prove.js';
import { defineModel, step, thread } from '../../src/model/index.js';
import { defineProperties, invariant } from '../../src/property/index.js';
import { proofParts, renderProveMarkdown, renderProveText } from '../../src/report/prove.js';
import { abba, abbaProps, lostUpdate, lostUpdateProps } from '../fixtures/textbook.js';

describe('prove as text', () => {
  it('a proof: the three parts, the counterexample, and the interleaving on the fix', () => {
    const text = renderProveText(prove(abba, abbaProps, { from: 'abba', to: 'ordered' }));
    const lines = text.split('\n');
    expect(lines[0]).toBe('PROVED abba: abba -> ordered');
    expect(lines[1]).toMatch(/^  1\. abba has a counterexample: yes -- deadlock \(deadlock\) violated after step 2: /);
    // ABBA's runs all end: the built-in livelock check holds only vacuously, and the proof says so.
    expect(lines[2]).toBe('  2. ordered holds exhaustively: yes -- every property holds in all 16 reachable states (exhaustive); not exercised (holds only vacuously): livelock (no run loops: the state graph has no cycle of steps through states where a thread is busy (every run ends or idles))');
    expect(lines[3]).toBe(
      "  3. the abba interleaving no longer breaks it on ordered: yes -- it stops at step 2 of 2: t1 cannot get to 'lock_ba: spin_lock(&B)': on ordered it must first run 'lock_ab: spin_lock(&A)', which waits for A, held by t0",
    );
    expect(text).toContain('Counterexample on abba (kmc replay abba 0/1 --variant abba):');
    expect(text).toMatch(/\| - +\| 2 +\| t1 +\| lock_ab: spin_lock\(&A\) +\| BLOCKED: waits for A, held by t0 +\|/);
  });

  it('not a proof: names every failed part and why', () => {
    const r = prove(lostUpdate, lostUpdateProps, { from: 'atomic', to: 'racy' });
    const text = renderProveText(r);
    expect(text.split('\n')[0]).toBe('NOT PROVED lost-update threads=2: atomic -> racy: parts 1, 2, 3 failed');
    expect(text).toContain('1. atomic has a counterexample: NO -- no: every property holds on atomic in all 4 reachable states, so there is no bug for the patch to fix');
    expect(text).toContain('2. racy holds exhaustively: NO -- no: no-lost-update violated after 4 steps');
    expect(text).toContain('3. the atomic interleaving no longer breaks it on racy: NO -- not tried: there is no counterexample on atomic');
    expect(proofParts(r).map((p) => p.ok)).toEqual([false, false, false]);
  });
});

describe('prove as Markdown', () => {
  it('a table of the three parts and both traces as Mermaid diagrams', () => {
    const md = renderProveMarkdown(prove(abba, abbaProps, { from: 'abba', to: 'ordered' }), 'Checked with kmc prove abba --from abba --to ordered');
    expect(md.split('\n').slice(0, 9)).toEqual([
      '### kmc prove `abba`: `abba` → `ordered`',
      '',
      '**Proved.** The bug is real on `abba`, the fix holds on `ordered` in every reachable state, and the interleaving that breaks `abba` no longer breaks `ordered`.',
      '',
      '| | claim | holds | why |',
      '|---|---|---|---|',
      expect.stringMatching(/^\| 1 \| abba has a counterexample \| yes \| deadlock \(deadlock\) violated after step 2: .* \|$/),
      '| 2 | ordered holds exhaustively | yes | every property holds in all 16 reachable states (exhaustive); not exercised (holds only vacuously): livelock (no run loops: the state graph has no cycle of steps through states where a thread is busy (every run ends or idles)) |',
      expect.stringMatching(/^\| 3 \| the abba interleaving no longer breaks it on ordered \| yes \| it stops at step 2 of 2: .* \|$/),
    ]);
    expect(md.match(/^```mermaid$/gm)).toHaveLength(2);
    expect(md.match(/^```$/gm)).toHaveLength(2);
    expect(md).toContain('Replay: `kmc replay abba 0/1 --variant abba`');
    expect(md).toContain('#### The same interleaving on `ordered`');
    expect(md.trimEnd().endsWith('<sub>Checked with kmc prove abba --from abba --to ordered</sub>')).toBe(true);
  });

  it('a failed proof has no diagrams to show when there is no counterexample', () => {
    const md = renderProveMarkdown(prove(lostUpdate, lostUpdateProps, { from: 'atomic', to: 'racy' }));
    expect(md).toContain('**Not proved**: part 1, part 2, part 3 failed.');
    expect(md).not.toContain('```mermaid');
  });

  it('escapes pipes in table cells', () => {
    type S = { x: number };
    const m = defineModel<S>({
      name: 'pipes',
      doc: '',
      params: {},
      variants: { buggy: '', fixed: '' },
      build: ({ variant }) => ({
        init: { x: 0 },
        threads: [thread<S>('t', [step(variant === 'buggy' ? 's' : 's2', variant === 'buggy' ? 'f: if (a || b) x = 2' : 'f: x = 1', { run: (d) => void (d.x = variant === 'buggy' ? 2 : 1) })])],
      }),
    });
    const props = defineProperties<S>('pipes', [invariant('x-not-2', 'x || y is never 2', (s) => s.vars.x !== 2)]);
    const md = renderProveMarkdown(prove(m, props, { from: 'buggy', to: 'fixed' }));
    const row3 = md.split('\n').find((l) => l.startsWith('| 3 |'))!;
    expect(row3).toContain("no statement 'f: if (a \\|\\| b) x = 2'");
    expect(row3.replace(/\\\|/g, '').split('|')).toHaveLength(6);
  });
});
