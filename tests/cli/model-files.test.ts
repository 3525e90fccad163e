// Model files as first-class citizens (issue 11): kmc list FILE, kmc check FILE --all with
// --expect, SARIF pointing at the model file's own line for each step, relative paths in what
// kmc writes, and .ts/.mts/.js model files loading whatever their package's type.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKmc as kmc } from '../helpers/kmc-cli.js';

const EXAMPLE = 'templates/init/models/example.ts';
const dir = mkdtempSync(join(tmpdir(), 'kmc-model-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe('a model file', () => {
  it('kmc list FILE shows its variants and the properties that will be checked', async () => {
    const r = await kmc('list', EXAMPLE);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^example\n/);
    expect(r.out).toMatch(/ {4}buggy {14}tests `done` before/);
    expect(r.out).toMatch(/ {4}woken-only-when-done +invariant/);
    expect(r.out).toMatch(/ {4}deadlock +deadlock/);
  });

  it('kmc check FILE --all checks every variant: buggy violated, fixed verified', async () => {
    const r = await kmc('check', EXAMPLE, '--all', '--quiet', '--no-traces');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/\| example \| buggy +\| violated \| 12 +\|.*deadlock \(4 steps\)/);
    expect(r.out).toMatch(/\| example \| fixed +\| verified \| 15 +\|/);
    expect(r.out).toContain('Properties checked:\n  example: woken-only-when-done, deadlock, livelock');
  });

  it('--write-expect and --expect over all variants of the file', async () => {
    const file = join(dir, 'expect.json');
    expect((await kmc('check', EXAMPLE, '--all', '--quiet', '--no-traces', '--write-expect', file)).code).toBe(1);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(written.example)).toEqual(['buggy', 'fixed']);
    const same = await kmc('check', EXAMPLE, '--all', '--quiet', '--no-traces', '--expect', file);
    expect(same.code).toBe(0);
    expect(same.err).toContain('every verdict and state count matches');
    written.example.fixed.states = 16;
    writeFileSync(file, JSON.stringify(written));
    expect((await kmc('check', EXAMPLE, '--all', '--quiet', '--no-traces', '--expect', file)).code).toBe(1);
  });

  it('SARIF: relative URIs, and each step of the trace at the model file line that defines it', async () => {
    const r = await kmc('check', EXAMPLE, '--variant', 'buggy', '--quiet', '--no-traces', '--reporter', 'sarif');
    expect(r.code).toBe(1);
    const sarif = JSON.parse(r.out);
    const fail = sarif.runs[0].results.find((x: { kind: string }) => x.kind === 'fail');
    const flow = fail.codeFlows[0].threadFlows[0].locations.map((l: any) => l.location);
    const lines = readFileSync(EXAMPLE, 'utf8').split('\n');
    // The line of each step, found independently: the line of the model that spells its label.
    const lineOf = (label: string) => lines.findIndex((l) => l.includes(`'${label}'`)) + 1;
    expect(flow.length).toBe(4);
    for (const l of flow) {
      // "thread: function: statement [note]"; the model spells the statement inside its func(...).
      const label = (l.message.text as string).replace(/^\w+: \w+: /, '').replace(/ \[[^\]]*\]$/, '');
      expect(l.physicalLocation.artifactLocation.uri).toBe(EXAMPLE);
      expect(lineOf(label)).toBeGreaterThan(0);
      expect(l.physicalLocation.region.startLine).toBe(lineOf(label));
    }
    expect(fail.locations[0].physicalLocation).toEqual(flow[3].physicalLocation);
  });

  it.each([
    ['a .ts file in a CommonJS package', 'tests/fixtures/model-files/cjs/counter.ts', 'cjs-counter'],
    ['a .mts file', 'tests/fixtures/model-files/cjs/counter.mts', 'mts-counter'],
    ['a .js file with ES module syntax in a CommonJS package', 'tests/fixtures/model-files/cjs/plain.js', 'js-counter'],
  ])('%s loads (main thread and workers)', async (_what, file, name) => {
    const r = await kmc('check', file, '--quiet', '--no-traces', '--workers', '2', '--no-por');
    expect(r.err).toBe('');
    expect(r.out.split('\n')[0]).toMatch(new RegExp(`^VERIFIED ${name} `));
    expect(r.code).toBe(0);
  });

  it('a compiled .js model in an ES module package loads without tsx (main thread and workers, the real binary)', () => {
    const r = spawnSync(process.execPath, ['bin/kmc.js', 'check', 'tests/fixtures/model-files/esm/compiled.js', '--quiet', '--no-traces', '--workers', '2'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toMatch(/^VERIFIED esm-counter /);
    expect(r.status).toBe(0);
  });

  it('SARIF from the real binary: a bundled model (compiled in dist/) points at its .ts source line', () => {
    const r = spawnSync(process.execPath, ['bin/kmc.js', 'check', 'xen-remove-from-physmap', '--variant', 'ia64-hunk-on-x86', '--first', '--quiet', '--no-traces', '--reporter', 'sarif'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    const fail = JSON.parse(r.stdout).runs[0].results.find((x: { kind: string }) => x.kind === 'fail');
    const loc = fail.locations[0].physicalLocation;
    expect(loc.artifactLocation.uri).toBe('models/xen-remove-from-physmap.ts');
    // The line is one of the model's own, and it spells a step builder call.
    const line = readFileSync('models/xen-remove-from-physmap.ts', 'utf8').split('\n')[loc.region.startLine - 1]!;
    expect(line).toMatch(/[A-Za-z]+\(/);
  });
});
