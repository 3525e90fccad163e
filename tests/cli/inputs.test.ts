// Files kmc reads are data of any shape: each bad one is one line on stderr and exit 2, never a
// stack with exit 1, never a hang, never raw control characters on the terminal.

import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKmc } from '../helpers/kmc-cli.js';
import { ABBA, abbaTraceDir, built, root } from '../helpers/abba-trace.js';
import { run } from '../../src/cli/main.js';

const kmc = runKmc;
const at = abbaTraceDir('kmc-inputs-');


const expectOneLine = (r: { code: number; out: string; err: string }, message: RegExp) => {
  expect(r.code).toBe(2);
  expect(r.out).toBe('');
  expect(r.err.split('\n')).toEqual([expect.stringMatching(message)]);
};

describe('trace files kmc cannot take', () => {
  it('over 512 MiB: refused from its size, before reading', async () => {
    const f = join(at.dir, 'huge.itf.json');
    const fd = openSync(f, 'w');
    ftruncateSync(fd, 513 * 2 ** 20); // sparse: no disk used
    closeSync(fd);
    expectOneLine(await kmc('replay', f, '--model', ABBA), /^kmc: trace file .*huge\.itf\.json is 513 MiB, more than the 512 MiB kmc reads$/);
  });

  it('JSON nested 5,000 levels deep', async () => {
    const f = join(at.dir, 'deep.itf.json');
    const j = JSON.parse(readFileSync(at.trace, 'utf8'));
    writeFileSync(f, JSON.stringify(j).replace('"vars":', `"deep":${'['.repeat(5000)}${']'.repeat(5000)},"vars":`));
    expectOneLine(await kmc('replay', f, '--model', ABBA), /nested more than 256 levels deep/);
    // and in an expectations file
    writeFileSync(join(at.dir, 'deep.json'), `{"abba":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`);
    const e = await kmc('check', ABBA, '--variant', 'abba', '--quiet', '--no-traces', '--expect', join(at.dir, 'deep.json'));
    expect(e.code).toBe(2);
    expect(e.err.split('\n').filter((l) => l.startsWith('kmc:'))).toEqual([expect.stringMatching(/nested more than 256 levels deep/)]);
  });

  it.skipIf(process.platform === 'win32')('a FIFO is refused at once instead of blocking', async () => {
    const f = join(at.dir, 'fifo.itf.json');
    execFileSync('mkfifo', [f]);
    expectOneLine(await kmc('replay', f, '--model', ABBA), /is not a regular file/);
  });

  it('a UTF-8 byte-order mark is accepted', async () => {
    const f = join(at.dir, 'bom.itf.json');
    writeFileSync(f, '\ufeff' + readFileSync(at.trace, 'utf8'));
    const r = await kmc('replay', f, '--model', ABBA);
    expect(r.code).toBe(1);
    expect(r.out).toContain('deadlock (deadlock) violated after step 2');
  });

  it('a 200,000-step path: the error line says how many steps it left out, not all of them', async () => {
    const f = join(at.dir, 'long.itf.json');
    const j = JSON.parse(readFileSync(at.trace, 'utf8'));
    j['#meta'].replay = Array(200_000).fill(0).join('/');
    writeFileSync(f, JSON.stringify(j));
    const r = await kmc('replay', f, '--model', ABBA);
    expectOneLine(r, /replay path "0\/0\/.*\/… \(199,960 more steps\)" has 200000 steps/);
    expect(r.err.length).toBeLessThan(2000);
  });

  it('escape sequences in a trace file are shown escaped, never sent to the terminal', async () => {
    const f = join(at.dir, 'escape.itf.json');
    const j = JSON.parse(readFileSync(at.trace, 'utf8'));
    j['#meta'].model = 'x\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202e';
    writeFileSync(f, JSON.stringify(j));
    const r = await kmc('replay', f);
    expectOneLine(r, /is for model 'x\\u001b\]0;pwned\\u0007\\u001b\[2J\\u009b31m\\u202e'/);
    expect(r.err).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
  });

  it('a directory, a missing file: one line', async () => {
    expectOneLine(await kmc('replay', at.dir, '--model', ABBA), /is a directory/);
    expectOneLine(await kmc('replay', join(at.dir, 'nope.itf.json')), /no trace file at/);
  });
});

describe('errors that are not verdicts: exit 2 with one line, the stack only with --debug', () => {
  it('an internal error is one line naming it; --debug adds the stack', async () => {
    const boom = (debug: string[]) => {
      const err: string[] = [];
      const io = { out: () => { throw new Error('boom\nsecond line'); }, err: (t: string) => void err.push(t), isTTY: false };
      return run(['node', 'kmc', 'list', ...debug], io).then((code) => ({ code, err: err.join('\n') }));
    };
    const plain = await boom([]);
    expect(plain).toEqual({ code: 2, err: 'kmc: internal error: boom (run with --debug for the stack)' });
    const debug = await boom(['--debug']);
    expect(debug.code).toBe(2);
    expect(debug.err).toMatch(/^kmc: internal error: boom \(run with --debug for the stack\)\nError: boom\nsecond line\n\s+at /);
  });

  it.skipIf(!built)('as a real process: a model file that throws on load is one line, no stack', () => {
    const r = spawnSync(process.execPath, ['bin/kmc.js', 'check', 'tests/fixtures/cli/throws-on-load.ts'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^kmc: model file .* failed to load: this model file is broken at load time$/)]);
  });
});
