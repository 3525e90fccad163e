// The README table's `memory` column (src/report/markdown.ts): each row says which memory model
// its verdict was obtained under, read from the run's parameters, and the legend explains the
// column once some run is not sequentially consistent.
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/report/markdown.js';
import { check } from '../../src/engine/index.js';
import { compileModel } from '../../src/model/compile.js';
import model, { properties } from '../fixtures/models/lost-wakeup.js';

const run = (memory: number) => {
  const opts = { variant: '__set_current_state', params: { memory } };
  return { result: check(model, properties, opts), model: compileModel(model, opts) };
};

describe('Markdown: the memory column', () => {
  it('names the memory model of each run, and explains the column when one is not sc', () => {
    const sc = run(0);
    const tso = run(1);
    const both = renderMarkdown([sc, tso]);
    expect(both).toMatch(/^\| model \| variant \| memory \| property \| verdict \| states \| trace length \|$/m);
    expect(both).toMatch(/^\| lost-wakeup \| __set_current_state \| sc \| no-lost-wakeup \| holds \|/m);
    expect(both).toMatch(/^\| lost-wakeup \| __set_current_state \| tso \| no-lost-wakeup \| \*\*violated\*\* \|/m);
    expect(both).toContain('*memory*: the memory model the verdict was obtained under');
    expect(renderMarkdown([sc])).not.toContain('*memory*');
  });
});
