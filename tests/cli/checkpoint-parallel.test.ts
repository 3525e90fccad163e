// kmc check --workers 2 --checkpoint DIR and kmc resume DIR on the real executable: a parallel
// run killed with SIGKILL at random points (seeded) and resumed, with 2 workers or with 1 or 3,
// gives exactly the result of an uninterrupted run (verdicts, state and transition counts, the
// shortest counterexample step by step); SIGTERM writes a final checkpoint of the last level end
// (exit 3); a checkpoint of the sequential search is not resumed with more workers. Resuming a
// stop's own checkpoint (Ctrl-C, SIGTERM, the bounds) is tests/parallel/checkpoint.test.ts's.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { latestCheckpoint } from '../../src/engine/checkpoint/file.js';
import { comparable, kmc, root, tempDirs } from '../helpers/checkpoint-cli.js';
import { mulberry32 } from '../../src/util/prng.js';

const built = existsSync(join(root, 'dist', 'src', 'parallel', 'checkpoint.js'));
const MODEL = ['pm-freeze', '--variant', 'driver-suspend'];
// The signalled runs search a larger instance (about 280,000 states): since the step compiler took
// pm-freeze's steps (session 9) the default size ends in well under a second, so a signal sent up
// to 1.5 s after the first checkpoint could find the run over (checkpoint.test.ts failed so in CI).
const LARGE = ['--param', 'submitters=2'];
const tmp = tempDirs('kmc-pckcli-');

/** Start a checkpointed 2-worker check; send `signal` `delayMs` after its first checkpoint appears. */
function signalledAfter(dir: string, delayMs: number, signal: NodeJS.Signals, extra: string[] = []): Promise<{ code: number | null; signalled: boolean; killed: boolean; err: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, ['bin/kmc.js', 'check', ...MODEL, ...extra, '--workers', '2', '--checkpoint', dir, '--checkpoint-every', '50ms', '--json', '--no-traces'], { cwd: root });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.stdout.resume();
    let signalled = false;
    const poll = setInterval(() => {
      if (existsSync(dir) && readdirSync(dir).some((n) => n.endsWith('.kmc'))) {
        clearInterval(poll);
        setTimeout(() => (signalled = p.kill(signal)), delayMs);
      }
    }, 10);
    const guard = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('close', (code, sig) => {
      clearInterval(poll);
      clearTimeout(guard);
      done({ code, signalled, killed: sig === 'SIGKILL', err });
    });
  });
}

describe.skipIf(!built)('checkpoint and resume of the parallel search (real processes)', () => {
  it('a --workers 2 run SIGKILLed at random points and resumed with 2, 1 or 3 workers gives the uninterrupted result', async () => {
    const whole = kmc(['check', ...MODEL, ...LARGE, '--workers', '2', '--json', '--no-traces', '--quiet']);
    expect(whole.code).toBe(1);
    const expected = comparable(whole.out);
    const rnd = mulberry32(1302);
    let kills = 0;
    for (const workers of ['2', '1', '3']) {
      const dir = join(tmp(), 'ck');
      const r = await signalledAfter(dir, Math.floor(rnd() * 800), 'SIGKILL', LARGE);
      if (r.killed && r.signalled) kills++;
      expect(latestCheckpoint(dir).file?.header.kind).toBe('level');
      const resumed = kmc(['resume', dir, '--workers', workers, '--json', '--no-traces']);
      expect(resumed.code, resumed.err).toBe(1);
      expect(comparable(resumed.out), `resumed with ${workers} workers`).toEqual(expected);
    }
    // Meaningful only if runs were really killed part-way.
    expect(kills).toBeGreaterThanOrEqual(2);
  });

  it('SIGTERM writes a final checkpoint of the last level end and exits 3', async () => {
    const dir = join(tmp(), 'ck');
    // The larger instance, so that the signal lands in the safety search.
    const r = await signalledAfter(dir, 300, 'SIGTERM', LARGE);
    // Stopped before the end: a run that finished first would assert nothing (make LARGE larger).
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/kmc: the search is saved in \S+checkpoint-\d+\.kmc; continue it with: kmc resume /);
    const newest = latestCheckpoint(dir).file!;
    // (resuming from such a checkpoint is tests/parallel/checkpoint.test.ts's, in-process: cheaper)
    expect(newest.header).toMatchObject({ kind: 'level', final: true });
    expect(newest.header.level).toBeGreaterThan(0);
  });

  it('--max-states: saved, exit 3, saying to resume with a larger bound; resumed with one, the uninterrupted result', () => {
    const xen = ['xen-remove-from-physmap', '--workers', '2', '--json', '--no-traces'];
    const whole = kmc(['check', ...xen, '--quiet']);
    const dir = join(tmp(), 'ck');
    const cut = kmc(['check', ...xen, '--max-states', '100', '--checkpoint', dir]);
    expect(cut.code).toBe(3);
    expect(cut.err).toMatch(/kmc: the search is saved in \S+checkpoint-\d+\.kmc; continue it with: kmc resume \S+ --max-states N \(N above [\d,]+\)$/m);
    expect(latestCheckpoint(dir).file?.header).toMatchObject({ kind: 'level', final: true });
    const resumed = kmc(['resume', dir, '--max-states', '1M', '--workers', '1', '--json', '--no-traces']);
    expect(resumed.code, resumed.err).toBe(whole.code);
    expect(comparable(resumed.out)).toEqual(comparable(whole.out));
  });

  it('a checkpoint of the sequential search goes on in one worker: --workers 2 is refused (exit 2)', () => {
    const dir = join(tmp(), 'ck');
    const xen = ['check', 'xen-remove-from-physmap', '--workers', '1', '--quiet', '--no-traces'];
    expect(kmc([...xen, '--checkpoint', dir]).code).toBe(kmc(xen).code);
    expect(latestCheckpoint(dir).file?.header.kind).toBe('sequential');
    const r = kmc(['resume', dir, '--workers', '2']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--workers 2: this checkpoint holds the sequential search, which goes on in one worker/);
  });
});
