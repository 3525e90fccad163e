// The bundles (dist/bundle, src/util/bundle.ts) change how fast kmc's code loads, never what it
// does: the same commands, run with them and without (KMC_NO_BUNDLE=1), print the same reports,
// timings aside. Covers the command thread's bundle (every command) and the pool worker's
// (--workers 2). Skipped, saying why, only when dist/ has not been built.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const built = existsSync(join(root, 'dist', 'bundle', 'cli.cjs')) && existsSync(join(root, 'dist', 'bundle', 'worker.cjs'));

function kmc(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/kmc.js', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A report without what a run's timing or memory changes. */
function steady(json: string): unknown {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!/time|ms$|perSecond|memory|bytes|rss|peak|elapsed|lead/i.test(k)) out[k] = strip(x);
    return out;
  };
  return strip(JSON.parse(json));
}

const both = (...args: string[]) => [kmc({}, ...args), kmc({ KMC_NO_BUNDLE: '1' }, ...args)] as const;

describe.skipIf(!built)('kmc with and without its bundles', () => {
  it('the built bundles are used: fresh, loadable, with their code cache written beside them', () => {
    // dist/src/util/bundle.js, as the command thread and the pool workers call it (a stale bundle,
    // e.g. after a bare tsc, would give undefined here: run `npm run build`).
    const probe = "const { loadBundle } = await import('./dist/src/util/bundle.js'); console.log(typeof loadBundle('cli')?.run, typeof loadBundle('worker')?.default);";
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: root, encoding: 'utf8', env: { ...process.env, KMC_NO_BUNDLE: '' } });
    expect([r.stdout, r.stderr]).toEqual(['function function\n', '']);
    expect(kmc({}, 'list').code).toBe(0);
    expect(readdirSync(join(root, 'dist', 'bundle')).some((f) => f.startsWith('cli.cjs.') && f.endsWith('.cache'))).toBe(true);
  });

  it('runs its code in strict mode, as the ES modules it was built from (a write to a frozen state throws)', () => {
    for (const name of ['cli', 'worker']) expect(readFileSync(join(root, 'dist', 'bundle', `${name}.cjs`), 'utf8').startsWith('"use strict";\n')).toBe(true);
  });

  it('the same help and model list', () => {
    for (const args of [['--help'], ['list'], ['check', '--help']]) {
      const [a, b] = both(...args);
      expect(a).toEqual(b);
      expect(a.out.length).toBeGreaterThan(100);
    }
  });

  it('the same verdict, counts and counterexample: verified, violated, one worker and two', () => {
    for (const args of [
      ['check', 'xen-remove-from-physmap', '--json'],
      ['check', 'tests/fixtures/models/peterson.ts', '--variant', 'broken', '--json', '--no-traces'],
      ['check', 'kvm-hotplug', '--variant', 'v2.6.37', '--json', '--no-traces', '--workers', '2'],
    ]) {
      const [a, b] = both(...args);
      expect([a.code, a.err]).toEqual([b.code, b.err]);
      expect(steady(a.out)).toEqual(steady(b.out));
      expect(a.code === 0 || a.code === 1).toBe(true);
    }
  });

  it('the same error for a model whose step throws', () => {
    const [a, b] = both('check', 'tests/fixtures/cli/throws-in-step.ts');
    expect(a).toEqual(b);
    expect(a.code).toBe(2);
  });
});
