// A verified result claims "all N reachable states" only when N is that: with reductions the
// count is of the states stored, and the text, the CI message and the Markdown table say so.
import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/check.js';
import { compileModel } from '../../src/model/compile.js';
import { holdsClaim, reducedBy } from '../../src/report/holds.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { headline } from '../../src/report/text.js';
import { lostUpdate, lostUpdateProps, peterson, petersonProps } from '../fixtures/textbook.js';

const KEEP = { porSeed: { states: 0, walks: 0, keep: true } };

describe('what a verified search claims', () => {
  it('unreduced: every reachable state, counted', () => {
    const r = check(peterson, petersonProps, { variant: 'correct' });
    expect(r.status).toBe('verified');
    if (r.status !== 'verified') return;
    expect(reducedBy(r)).toBe('');
    expect(holdsClaim(r)).toBe(`in all ${r.stats.states} reachable states (exhaustive)`);
    expect(headline(r)).toContain(`every property holds in all ${r.stats.states} reachable states`);
  });

  it('reduced: the states stored, and by what', () => {
    const r = check(peterson, petersonProps, { variant: 'correct', por: true, ...KEEP });
    expect(r.status).toBe('verified');
    if (r.status !== 'verified') return;
    expect(reducedBy(r)).toBe('partial-order reduction');
    expect(holdsClaim(r)).toBe(`in every reachable state (exhaustive, partial-order reduction: ${r.stats.states} states stored)`);
    expect(headline(r)).not.toContain('reachable states');
  });

  it('the Markdown table marks a trace not known to be shortest and explains the counts', () => {
    const params = { threads: 3 };
    const reduced = check(lostUpdate, lostUpdateProps, { params, por: true, ...KEEP });
    const plain = check(lostUpdate, lostUpdateProps, { params });
    expect(reduced.status).toBe('violated');
    if (reduced.status !== 'violated') return;
    expect(reduced.violations.every((v) => v.shortest === false)).toBe(true);
    const model = compileModel(lostUpdate, { params });
    const md = renderMarkdown([{ result: reduced, model }]);
    expect(md).toMatch(/\| \d+ † \|/);
    expect(md).toContain('†: found under partial-order reduction');
    expect(md).toContain('*states*: the distinct states each search stored. With kmc\'s reductions (here partial-order reduction)');
    const mdPlain = renderMarkdown([{ result: plain, model }]);
    expect(mdPlain).not.toContain('†');
    expect(mdPlain).not.toContain('*states*');
  });
});
