// The README's "What kmc finds" table is what `kmc check --all --markdown --shortest` prints, not typed by
// hand, and models/expectations.json pins every bundled verdict and distinct-state count for
// `kmc check --all --expect`. One run of the checker serves both. After a change to a model or
// the engine: `KMC_UPDATE_README=1 npx vitest run tests/readme.test.ts`, then review the diff.

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli/main.js';
import type { Io } from '../src/cli/io.js';

const README = new URL('../README.md', import.meta.url);
const EXPECTATIONS = fileURLToPath(new URL('../models/expectations.json', import.meta.url));
const BEGIN = '<!-- BEGIN kmc check --all --markdown --shortest -->';
const END = '<!-- END kmc check --all --markdown --shortest -->';

describe('bundled models', () => {
  it('README "What kmc finds" is the output of kmc check --all --markdown --shortest, and every verdict and count matches models/expectations.json', async () => {
    const update = process.env.KMC_UPDATE_README === '1';
    let out = '';
    let err = '';
    const io: Io = { out: (t) => void (out += t.endsWith('\n') ? t : t + '\n'), err: (t) => void (err += t + '\n'), isTTY: false };
    const args = ['node', 'kmc', 'check', '--all', '--markdown', '--shortest', '--quiet', '--no-traces', ...(update ? ['--write-expect', EXPECTATIONS, '--force'] : ['--expect', EXPECTATIONS])];
    const code = await run(args, io);
    const text = readFileSync(README, 'utf8');
    const start = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const section = `${BEGIN}\n${out.trimEnd()}\n${END}`;
    if (update) {
      writeFileSync(README, text.slice(0, start) + section + text.slice(end + END.length));
      return;
    }
    expect(err).toContain('every verdict and state count matches');
    expect(code).toBe(0);
    expect(text.slice(start, end + END.length)).toBe(section);
  });
});
