// A scratch directory holding a real counterexample file: abba's deadlock, written by `kmc check`.
// The CLI input tests (hostile files, traces naming code) start from it.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import { runKmc } from './kmc-cli.js';

/** The repository root, and whether the CLI has been built there (tests of `node bin/kmc.js` need it). */
export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const built = existsSync(join(root, 'dist', 'src', 'cli', 'main.js'));
export const ABBA = resolve(root, 'tests/fixtures/models/abba.ts');

/** Registers beforeAll/afterAll: a fresh directory with abba's deadlock trace in it, removed afterwards. */
export function abbaTraceDir(prefix: string): { readonly dir: string; readonly trace: string } {
  const at = { dir: '', trace: '' };
  beforeAll(async () => {
    at.dir = mkdtempSync(join(tmpdir(), prefix));
    const r = await runKmc('check', ABBA, '--variant', 'abba', '--quiet', '--trace-dir', at.dir);
    expect(r.code).toBe(1);
    at.trace = join(at.dir, 'abba--abba--deadlock.itf.json');
  });
  afterAll(() => rmSync(at.dir, { recursive: true, force: true }));
  return at;
}
