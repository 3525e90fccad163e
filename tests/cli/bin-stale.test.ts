// bin/kmc.js in a checkout: a dist/ older than its sources is rebuilt before kmc runs, or refused
// in one line; never silently run as it was at the last build. Exercised on a throwaway copy of
// the launcher with a stub compiler, so the real dist/ is never touched.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A fake checkout: bin/kmc.js, src/a.ts, dist/src/a.js, a dist main and supervisor that print 'ran', optionally a stub tsc. */
function checkout(o: { stale: boolean; tsc?: 'ok' | 'fails' }): string {
  const root = mkdtempSync(join(tmpdir(), 'kmc-stale-'));
  dirs.push(root);
  mkdirSync(join(root, 'bin'));
  copyFileSync('bin/kmc.js', join(root, 'bin', 'kmc.js'));
  writeFileSync(join(root, 'tsconfig.json'), '{}');
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  mkdirSync(join(root, 'dist', 'src', 'cli'), { recursive: true });
  for (const f of ['src/a.ts', 'src/cli/main.ts']) writeFileSync(join(root, f), '');
  writeFileSync(join(root, 'dist/src/a.js'), '');
  writeFileSync(join(root, 'dist/src/cli/main.js'), "export async function run() { process.stdout.write('ran\\n'); return 0; }\n");
  // bin/kmc.js runs commands through the supervisor (dist/src/cli/supervise.js), --step through main.js
  writeFileSync(join(root, 'dist/src/cli/supervise.js'), "export async function supervise() { process.stdout.write('ran\\n'); return 0; }\n");
  const old = new Date(Date.now() - 60_000);
  for (const f of o.stale ? ['dist/src/a.js'] : ['src/a.ts', 'src/cli/main.ts']) utimesSync(join(root, f), old, old);
  if (o.tsc) {
    mkdirSync(join(root, 'node_modules', 'typescript', 'bin'), { recursive: true });
    // The stub "compiler" brings the output up to date (or fails), as tsc would.
    const body = o.tsc === 'ok' ? "require('fs').writeFileSync('dist/src/a.js', '');" : "process.stderr.write('src/a.ts(1,1): error TS1000\\n'); process.exit(1);";
    writeFileSync(join(root, 'node_modules', 'typescript', 'bin', 'tsc'), body);
    writeFileSync(join(root, 'node_modules', 'typescript', 'package.json'), '{"type":"commonjs"}');
    // The build's second step, the bundler (scripts/bundle.mjs), stubbed: it leaves a mark.
    mkdirSync(join(root, 'scripts'));
    writeFileSync(join(root, 'scripts', 'bundle.mjs'), "import { writeFileSync } from 'node:fs';\nwriteFileSync('bundled', '');\n");
  }
  return root;
}

function kmc(root: string) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'kmc.js'), 'list'], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('bin/kmc.js and a stale dist/', () => {
  it('runs at once when dist/ is up to date', () => {
    expect(kmc(checkout({ stale: false }))).toEqual({ code: 0, out: 'ran\n', err: '' });
  });
  it('rebuilds a stale dist/ first, saying so', () => {
    const root = checkout({ stale: true, tsc: 'ok' });
    const r = kmc(root);
    expect(r.err).toBe('kmc: dist/ is older than src/a.ts: rebuilding (npm run build)\n');
    expect(r.out).toBe('ran\n');
    expect(existsSync(join(root, 'bundled'))).toBe(true);
  });
  it('refuses in one line when it cannot rebuild', () => {
    const r = kmc(checkout({ stale: true }));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^kmc: dist\/ is missing or older than src\/a\.ts; run `npm run build` in .*\n$/);
  });
  it('refuses when the rebuild fails, after the compiler\'s own errors', () => {
    const root = checkout({ stale: true, tsc: 'fails' });
    const r = kmc(root);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/error TS1000\n.*kmc: the build failed/s);
    expect(existsSync(join(root, 'bundled'))).toBe(false);
  });
});
