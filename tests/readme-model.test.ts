// The model file on README's first screen is real: extracted from README.md, written into a
// folder of this package (so that `kernel-model-checker/...` resolves to this package, as it
// does for a user who installed it), and checked: what README says kmc prints is what it prints.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runKmc } from './helpers/kmc-cli.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const MARK = '<!-- README model: models/abba.ts';
const dir = mkdtempSync(join(root, '.tmp-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readmeModel(): string {
  const text = readFileSync(join(root, 'README.md'), 'utf8');
  const at = text.indexOf(MARK);
  expect(at, 'README marks its model file').toBeGreaterThan(0);
  const m = /```ts\n([\s\S]*?)```/.exec(text.slice(at));
  expect(m).not.toBeNull();
  return m![1]!;
}

const kmc = (...args: string[]) => runKmc(...args, '--quiet', '--no-traces');

describe("README's model file", () => {
  const file = join(dir, 'abba.ts');
  writeFileSync(file, readmeModel());
  const path = relative(process.cwd(), file);

  it('buggy: the deadlock in 2 steps and the lock-order inversion in 6, with lockdep\'s chains', async () => {
    const r = await kmc('check', path, '--variant', 'buggy');
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe('VIOLATED abba --variant buggy: deadlock, lock-order');
    expect(r.out).toContain('Property deadlock (deadlock) violated after 2 steps');
    expect(r.out).toContain(
      'Property lock-order (step) violated after 6 steps: possible circular locking dependency: cpu1 is trying to acquire a_lock (bar: spin_lock(&a_lock)) while holding b_lock (new chain b_lock -> a_lock); existing chain a_lock -> b_lock',
    );
  });

  it('--all: buggy violated, fixed verified, and the properties checked are listed', async () => {
    const r = await kmc('check', path, '--all');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/\| abba +\| buggy +\| violated \|/);
    expect(r.out).toMatch(/\| abba +\| fixed +\| verified \|/);
    expect(r.out).toContain('Properties checked:\n  abba: lock-order, locks-released, deadlock, livelock');
  });
});
