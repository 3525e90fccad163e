// bench/README.md's table "The default run and the long form" names every section `npm run bench`
// runs (bench/run.ts), so that nobody meets a section whose default size and long form are not
// written down; and bench/long.ts picks the long form only under KMC_BENCH_FULL=1.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

/** The section modules bench/run.ts imports (its `extra` list), and the engine section it defines itself. */
function sectionModules(): string[] {
  const run = read('bench/run.ts');
  const list = /const extra = \[([^\]]*)\]/.exec(run);
  expect(list, 'bench/run.ts lists its section modules in `const extra = [...]`').not.toBeNull();
  return [...list![1]!.matchAll(/'\.\/([a-z-]+)\.js'/g)].map((m) => m[1]!);
}

describe('npm run bench: its sections and their defaults', () => {
  it('every section is a row of bench/README.md "The default run and the long form"', async () => {
    const readme = read('bench/README.md');
    const start = readme.indexOf('## The default run and the long form');
    expect(start).toBeGreaterThan(-1);
    // The table whose header is `| section | default | ...`, up to the blank line that ends it.
    const head = readme.indexOf('| section | default |', start);
    expect(head).toBeGreaterThan(start);
    const table = readme.slice(head, readme.indexOf('\n\n', head));
    const names = ['engine'];
    for (const m of sectionModules()) {
      const mod = (await import(`../../bench/${m}.ts`)) as { section?: { name: string } };
      expect(mod.section, `bench/${m}.ts exports a section`).toBeDefined();
      names.push(mod.section!.name);
    }
    expect(names.length).toBeGreaterThan(5);
    // The table's rows after its header and separator.
    const rows = [...table.matchAll(/^\| ([a-z-]+) \|/gm)].map((m) => m[1]).slice(1);
    expect(rows.sort()).toEqual([...new Set(names)].sort());
  });

  it('the long form only under KMC_BENCH_FULL=1', async () => {
    const { byLength, FULL } = await import('../../bench/long.js');
    expect(FULL).toBe(process.env.KMC_BENCH_FULL === '1');
    expect(byLength('short', 'full')).toBe(FULL ? 'full' : 'short');
  });
});
