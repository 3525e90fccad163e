// The README's "What kmc finds" table is what `kmc check --all --markdown` prints, not typed by
// hand: this test runs the command and compares. After a change to a model or the engine, run
// `KMC_UPDATE_README=1 npx vitest run tests/readme.test.ts` and review the diff.

import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli/main.js';
import type { Io } from '../src/cli/io.js';

const README = new URL('../README.md', import.meta.url);
const BEGIN = '<!-- BEGIN kmc check --all --markdown -->';
const END = '<!-- END kmc check --all --markdown -->';

describe('README', () => {
  it('"What kmc finds" is the output of kmc check --all --markdown', async () => {
    let out = '';
    const io: Io = { out: (t) => void (out += t.endsWith('\n') ? t : t + '\n'), err: () => {}, isTTY: false };
    const code = await run(['node', 'kmc', 'check', '--all', '--markdown', '--quiet', '--no-traces'], io);
    expect(code).toBe(1); // the bundled buggy variants are violated
    const text = readFileSync(README, 'utf8');
    const start = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const section = `${BEGIN}\n${out.trimEnd()}\n${END}`;
    if (process.env.KMC_UPDATE_README === '1') {
      writeFileSync(README, text.slice(0, start) + section + text.slice(end + END.length));
      return;
    }
    expect(text.slice(start, end + END.length)).toBe(section);
  });
});
