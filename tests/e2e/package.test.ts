// End to end, as a kernel developer meets kmc (issue 11): the packed package installed into a
// fresh folder, offline, from the local npm cache (which `npm ci` filled); `kmc init`; strict tsc
// over the example model; `npx kmc check models/example.ts` (buggy exit 1, fixed 0, --all against
// the pinned expectations); the generated vitest test green; a type error in a model fails `npm test`.
//
// Offline: the temp project gets a lockfile built from this repository's (same versions, same
// integrity hashes), so npm resolves nothing on the network and takes every tarball from its cache.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(join(tmpdir(), 'kmc-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
// No network: npm and npx take everything from the cache or fail.
const env: NodeJS.ProcessEnv = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', NO_COLOR: '1' };
delete env.FORCE_COLOR;

function sh(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A lockfile for `dir`'s package.json: kmc's own entries (versions, integrity) plus the packed tarball. */
function writeLockfile(dir: string, tarball: string): void {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const ours = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const kmc = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const packages: Record<string, unknown> = { '': { name: pkg.name, devDependencies: pkg.devDependencies } };
  for (const [k, v] of Object.entries(ours.packages as Record<string, unknown>)) if (k !== '') packages[k] = v;
  packages['node_modules/kernel-model-checker'] = {
    version: kmc.version,
    resolved: `file:${tarball}`,
    integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
    dev: true,
    license: kmc.license,
    dependencies: kmc.dependencies,
    bin: kmc.bin,
    engines: kmc.engines,
    peerDependencies: kmc.peerDependencies,
    peerDependenciesMeta: kmc.peerDependenciesMeta,
  };
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: pkg.name, lockfileVersion: 3, requires: true, packages }, null, 2));
}

describe('kernel-model-checker, packed, installed and used in a new project', () => {
  it('npm pack; kmc init; npm install --offline; strict tsc; kmc check (buggy 1, fixed 0, --expect); vitest green', () => {
    expect(existsSync(join(root, 'dist', 'src', 'cli', 'main.js')), 'dist/ is built (npm test builds it first)').toBe(true);
    const packDir = join(work, 'pack');
    mkdirSync(packDir);
    ok(sh(npm, ['pack', '--ignore-scripts', '--pack-destination', packDir], root), 'npm pack');
    const tgz = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
    expect(tgz).toMatch(/^kernel-model-checker-\d+\.\d+\.\d+\.tgz$/);
    const tarball = join(packDir, tgz!);

    // kmc init, then the dependency pointed at the tarball (it is not on the registry from here).
    const proj = join(work, 'my-models');
    ok(sh(process.execPath, [join(root, 'bin', 'kmc.js'), 'init', proj], root), 'kmc init');
    const pkg = JSON.parse(readFileSync(join(proj, 'package.json'), 'utf8'));
    expect(pkg.devDependencies['kernel-model-checker']).toMatch(/^\^/);
    pkg.devDependencies['kernel-model-checker'] = `file:${tarball}`;
    writeFileSync(join(proj, 'package.json'), JSON.stringify(pkg, null, 2));
    writeLockfile(proj, tarball);
    ok(sh(npm, ['install', '--offline', '--no-audit', '--no-fund'], proj), 'npm install --offline');
    expect(existsSync(join(proj, 'node_modules', 'kernel-model-checker', 'LICENSE'))).toBe(true);

    // README's model file too (its first screen): a user copies it into models/.
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const model = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('<!-- README model: models/abba.ts')))![1]!;
    writeFileSync(join(proj, 'models', 'abba.ts'), model);

    // A strict type-check of the models and the test, importing only the package.
    ok(sh(npx, ['tsc', '-p', 'tsconfig.json'], proj), 'strict tsc');

    const kmc = (...args: string[]) => sh(npx, ['kmc', ...args, '--quiet', '--no-traces'], proj);
    const buggy = kmc('check', 'models/example.ts', '--variant', 'buggy');
    expect(buggy.stdout.split('\n')[0]).toBe('VIOLATED example --variant buggy: deadlock');
    expect(buggy.status).toBe(1);
    const fixed = kmc('check', 'models/example.ts', '--variant', 'fixed');
    expect(fixed.stdout.split('\n')[0]).toMatch(/^VERIFIED example --variant fixed: every property holds/);
    expect(fixed.status).toBe(0);
    const all = kmc('check', 'models/example.ts', '--all');
    expect(all.status).toBe(1);
    expect(all.stdout).toMatch(/\| example \| buggy +\| violated \|/);
    expect(all.stdout).toMatch(/\| example \| fixed +\| verified \|/);
    expect(all.stdout).toContain('Properties checked:\n  example: woken-only-when-done, deadlock, livelock');
    const expected = kmc('check', 'models/example.ts', '--all', '--expect', 'models/expectations.json');
    expect(expected.stderr).toContain('every verdict and state count matches models/expectations.json (2 runs)');
    expect(expected.status).toBe(0);

    const abba = kmc('check', './models/abba.ts', '--variant', 'buggy');
    expect(abba.stdout.split('\n')[0]).toBe('VIOLATED abba --variant buggy: deadlock, lock-order');
    expect(abba.status).toBe(1);
    // Each model file was compiled once into the project's cache (src/util/model-cache.ts: esbuild
    // found through the installed tsx), which the later runs and their workers imported: one file a model.
    expect(readdirSync(join(proj, 'node_modules', '.cache', 'kmc')).filter((f) => f.endsWith('.mjs'))).toHaveLength(2);
    // The installed kmc ran from its bundles (dist/bundle, src/util/bundle.ts), which write their V8
    // code cache beside them when first loaded: shipped in the tarball, and used.
    expect(readdirSync(join(proj, 'node_modules', 'kernel-model-checker', 'dist', 'bundle')).sort()).toEqual(
      expect.arrayContaining(['cli.cjs', `cli.cjs.${process.version}-${process.arch}.cache`, 'manifest.json', 'worker.cjs']),
    );

    // The project's own npm test: tsc, then the generated vitest test.
    const test = sh(npm, ['test'], proj);
    expect(test.stdout + test.stderr).toMatch(/Tests +2 passed/);
    expect(test.status).toBe(0);

    // The installed package's own kmc init (its templates ship in the tarball).
    ok(sh(npx, ['kmc', 'init', 'second'], proj), 'kmc init from the installed package');
    expect(readFileSync(join(proj, 'second', 'models', 'example.ts'), 'utf8')).toBe(readFileSync(join(root, 'templates', 'init', 'models', 'example.ts'), 'utf8'));
    expect(existsSync(join(proj, 'second', '.github', 'workflows', 'kmc.yml'))).toBe(true);
    rmSync(join(proj, 'second'), { recursive: true });

    // A model with a type error fails npm test at tsc (kmc itself does not type-check).
    writeFileSync(join(proj, 'models', 'broken.ts'), "import { intParam } from 'kernel-model-checker/model';\nexport const p: string = intParam(1, 'a count');\n");
    const broken = sh(npm, ['test'], proj);
    expect(broken.status).not.toBe(0);
    expect(broken.stdout + broken.stderr).toMatch(/models\/broken\.ts\(2,14\): error TS2322/);
  });
});
