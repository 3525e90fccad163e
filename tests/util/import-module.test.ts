// Which model files are imported through tsx (TypeScript, and .js in a CommonJS package) and
// which as they are (compiled JavaScript: start-up without loading tsx).
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importModelModule, needsTsx } from '../../src/util/import-module.js';

const fixture = (p: string) => pathToFileURL(resolve('tests/fixtures/model-files', p)).href;

describe('needsTsx', () => {
  it('TypeScript needs tsx, in any package', () => {
    expect(needsTsx(fixture('cjs/counter.ts'))).toBe(true);
    expect(needsTsx(fixture('cjs/counter.mts'))).toBe(true);
    expect(needsTsx(fixture('esm/anything.ts'))).toBe(true);
  });
  it('.js follows its package: CommonJS needs tsx (ES module syntax in it), an ES module package does not', () => {
    expect(needsTsx(fixture('cjs/plain.js'))).toBe(true);
    expect(needsTsx(fixture('esm/compiled.js'))).toBe(false);
  });
  it('.mjs and .cjs say their own format', () => {
    expect(needsTsx(fixture('cjs/x.mjs'))).toBe(false);
    expect(needsTsx(fixture('cjs/x.cjs'))).toBe(false);
  });
  it('a compiled model in an ES module package imports as it is', async () => {
    const mod = await importModelModule(resolve('tests/fixtures/model-files/esm/compiled.js'));
    expect((mod.default as { name: string }).name).toBe('esm-counter');
  });
});
