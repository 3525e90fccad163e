// kmc init: the files of a model project, written once and never over an existing file. (The
// project itself is installed, type-checked and checked end to end in tests/e2e/package.test.ts.)

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKmc as kmc } from '../helpers/kmc-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'kmc-init-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


const FILES = ['package.json', 'tsconfig.json', 'models/example.ts', 'models/expectations.json', 'tests/example.test.ts', '.github/workflows/kmc.yml', '.gitignore', 'README.md'];

describe('kmc init', () => {
  it('writes a model project depending on kernel-model-checker, strict, with tests, expectations and CI', async () => {
    const proj = join(dir, 'My Models');
    const r = await kmc('init', proj);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`kmc init: wrote ${FILES.length} files in`);
    for (const f of FILES) expect(existsSync(join(proj, f)), f).toBe(true);
    const pkg = JSON.parse(readFileSync(join(proj, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('my-models');
    expect(pkg.devDependencies['kernel-model-checker']).toMatch(/^\^\d+\.\d+\.\d+/);
    expect(pkg.scripts.test).toBe('tsc -p tsconfig.json && vitest run');
    expect(JSON.parse(readFileSync(join(proj, 'tsconfig.json'), 'utf8')).compilerOptions.strict).toBe(true);
    const workflow = readFileSync(join(proj, '.github/workflows/kmc.yml'), 'utf8');
    expect(workflow).toContain('npx kmc check models/example.ts --all --expect models/expectations.json --reporter sarif --report-file kmc.sarif');
    expect(workflow).toContain('github/codeql-action/upload-sarif');
  });

  it('the template expectations are what kmc finds for the template model', async () => {
    const r = await kmc('check', 'templates/init/models/example.ts', '--all', '--quiet', '--no-traces', '--expect', 'templates/init/models/expectations.json');
    expect(r.err).toContain('every verdict and state count matches');
    expect(r.code).toBe(0);
  });

  it('never overwrites: an existing file stops it before anything is written', async () => {
    const proj = join(dir, 'existing');
    // A directory that already has a README.md.
    mkdirSync(proj);
    writeFileSync(join(proj, 'README.md'), 'mine\n');
    const r = await kmc('init', proj);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/already has README\.md; nothing written \(kmc init never overwrites a file\): give it a new folder, e\.g\. kmc init kernel-models$/);
    expect(existsSync(join(proj, 'package.json'))).toBe(false);
    expect(readFileSync(join(proj, 'README.md'), 'utf8')).toBe('mine\n');
  });
});
