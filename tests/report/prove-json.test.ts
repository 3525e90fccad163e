// The JSON form of a patch proof: the verdicts, every counterexample replayed on both variants,
// checked on textbook models and against schemas/kmc-prove.schema.json.

import { describe, expect, it } from 'vitest';
import { prove } from '../../src/engine/prove.js';
import { defineModel, step, thread } from '../../src/model/index.js';
import { defineProperties, invariant } from '../../src/property/index.js';
import { proofParts } from '../../src/report/prove.js';
import { proveToJson, verdictJson } from '../../src/report/prove-json.js';
import { abba, abbaProps, lostUpdate, lostUpdateProps } from '../fixtures/textbook.js';
import { validateProve } from './json-schemas.js';

function valid(doc: unknown): void {
  const ok = validateProve(JSON.parse(JSON.stringify(doc)));
  expect(validateProve.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

// Two properties broken on the buggy variant, by different paths, both fixed by the patch.
type S = { x: number; y: number };
const twice = defineModel<S>({
  name: 'twice',
  doc: '',
  params: {},
  variants: { buggy: 'x and y set unguarded', fixed: 'neither set' },
  build: ({ variant }) => ({
    init: { x: 0, y: 0 },
    threads: [
      thread<S>('a', [step('a', variant === 'buggy' ? 'f: x = 1' : 'f: nop', { run: (d) => void (variant === 'buggy' && (d.x = 1)) })]),
      thread<S>('b', [step('b1', 'g: wait', {}), step('b2', variant === 'buggy' ? 'g: y = 1' : 'g: nop', { run: (d) => void (variant === 'buggy' && (d.y = 1)) })]),
    ],
  }),
});
const twiceProps = defineProperties<S>('twice', [invariant('x-zero', 'x stays 0', (s) => s.vars.x === 0), invariant('y-zero', 'y stays 0', (s) => s.vars.y === 0)]);

describe('a proof as JSON', () => {
  it('abba -> ordered: the parts as the text has them, both verdicts, the counterexample on both variants', () => {
    const p = prove(abba, abbaProps, { from: 'abba', to: 'ordered' });
    const ces = p.counterexamples;
    expect(ces).toHaveLength(1);
    expect(ces[0]!.run).toBe(p.counterexample!.run); // the proof's own replay, not a second one
    const doc = proveToJson(p, '0');
    expect(doc.parts).toEqual(proofParts(p).map((x, i) => ({ part: i + 1, name: ['counterexample', 'verified', 'blocked'][i], ok: x.ok, claim: x.claim, detail: x.detail })));
    expect(doc).toMatchObject({ proved: true, exitCode: 0, buggy: { status: 'violated', violations: [{ property: 'deadlock', path: '0/1', length: 2 }] }, fixed: { status: 'verified', stats: { states: 16 } } });
    expect(doc.counterexamples[0]).toMatchObject({ property: 'deadlock', path: '0/1', replay: 'kmc replay abba 0/1 --variant abba', proof: true, shown: true, onFixed: { variant: 'ordered', outcome: 'no-longer-violated', end: { kind: 'blocked' } } });
    valid(doc);
  });

  it('every counterexample of the buggy variant is replayed and run on the fix, not only the proof’s own', () => {
    const p = prove(twice, twiceProps, { from: 'buggy', to: 'fixed' });
    const doc = proveToJson(p, '0');
    expect(doc.counterexamples.map((c) => [c.property, c.path, c.proof, c.shown])).toEqual([
      ['x-zero', '0', true, true],
      ['y-zero', '1/1', false, true],
    ]);
    expect(doc.counterexamples[1]!.onFixed).toMatchObject({ property: 'y-zero', outcome: 'no-longer-violated', end: { kind: 'completed' } });
    expect(doc.counterexamples[1]!.onBuggy.violations.map((v) => v.property)).toContain('y-zero');
    valid(doc);
  });

  it('not proved, with no counterexample: nothing replayed, exit 1', () => {
    const p = prove(lostUpdate, lostUpdateProps, { from: 'atomic', to: 'racy' });
    const doc = proveToJson(p, '0');
    expect(doc).toMatchObject({ proved: false, exitCode: 1, counterexamples: [], buggy: { status: 'verified' }, fixed: { status: 'violated' } });
    valid(doc);
    // The schema holds the parts to the verdict: "proved" with a violated fix is rejected.
    expect(validateProve({ ...JSON.parse(JSON.stringify(doc)), proved: true, exitCode: 0 })).toBe(false);
  });

  it('a search cut short is an incomplete verdict with what stopped it', () => {
    const p = prove(lostUpdate, lostUpdateProps, { from: 'racy', to: 'atomic', maxStates: 2 });
    expect(verdictJson(p.fixed)).toMatchObject({ status: 'incomplete', complete: false, stoppedBy: 'max-states', violations: [] });
  });
});
