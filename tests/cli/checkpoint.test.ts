// kmc check --workers 1 --checkpoint DIR (the sequential search) and kmc resume DIR on the real
// executable (the parallel search's: checkpoint-parallel.test.ts): a run killed with
// SIGKILL at random points (seeded) and resumed gives exactly the result of an uninterrupted
// run (verdicts, state and transition counts, shortest counterexamples); SIGTERM writes a final
// checkpoint (exit 3); a torn newest checkpoint falls back to the older one; a checkpoint of a
// changed model file, or a directory with nothing sound in it, is refused (exit 2).

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { latestCheckpoint } from '../../src/engine/checkpoint/file.js';
import { comparable, kmc, root, tempDirs } from '../helpers/checkpoint-cli.js';
import { mulberry32 } from '../../src/util/prng.js';
import { runKmc } from '../helpers/kmc-cli.js';

const built = existsSync(join(root, 'dist', 'src', 'cli', 'commands', 'resume.js'));
const MODEL = ['pm-freeze', '--variant', 'driver-suspend'];
// The killed and the time-bounded runs search a larger instance (about 280,000 states, some 2 s on
// an idle machine): since the step compiler took pm-freeze's steps (session 9) the default size
// ends in well under a second, so a kill up to 1.5 s after the first checkpoint often found the
// run already over (CI: 1 kill of 3), and --max-time 500ms often found nothing to cut. The kill
// delays stay well inside the larger run.
const LARGE = [...MODEL, '--param', 'submitters=2'];
const tmp = tempDirs('kmc-ckcli-');

/** Start a checkpointed check; SIGKILL it `delayMs` after its first checkpoint appears. Resolves whether it was killed. */
function killedAfter(dir: string, delayMs: number): Promise<boolean> {
  return new Promise((done) => {
    const p = spawn(process.execPath, ['bin/kmc.js', 'check', ...LARGE, '--workers', '1', '--checkpoint', dir, '--checkpoint-every', '50ms', '--json', '--no-traces'], { cwd: root, stdio: 'ignore' });
    let killed = false;
    const poll = setInterval(() => {
      if (existsSync(dir) && readdirSync(dir).some((n) => n.endsWith('.kmc'))) {
        clearInterval(poll);
        setTimeout(() => {
          killed = p.kill('SIGKILL');
        }, delayMs);
      }
    }, 10);
    const guard = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('close', (_code, signal) => {
      clearInterval(poll);
      clearTimeout(guard);
      done(killed && signal === 'SIGKILL');
    });
  });
}

describe.skipIf(!built)('checkpoint and resume (real processes)', () => {
  it('a run SIGKILLed at random points and resumed gives the uninterrupted result', async () => {
    const whole = kmc(['check', ...LARGE, '--workers', '1', '--json', '--no-traces', '--quiet']);
    expect(whole.code).toBe(1);
    const expected = comparable(whole.out);
    const rnd = mulberry32(13);
    let kills = 0;
    for (let seed = 0; seed < 3; seed++) {
      const dir = join(tmp(), 'ck');
      if (await killedAfter(dir, Math.floor(rnd() * 800))) kills++;
      expect(latestCheckpoint(dir).file?.header.kind).toBe('sequential');
      const resumed = kmc(['resume', dir, '--json', '--no-traces']);
      expect(resumed.code, resumed.err).toBe(1);
      expect(comparable(resumed.out)).toEqual(expected);
    }
    // Meaningful only if runs were really killed part-way.
    expect(kills).toBeGreaterThanOrEqual(2);
  });

  it('SIGTERM writes a final checkpoint and exits 3, saying how to go on', async () => {
    const dir = join(tmp(), 'ck');
    const r = await new Promise<{ code: number | null; err: string }>((done) => {
      // A larger instance (about 280,000 states), so that the signal lands in the safety search: a
      // signal during the later liveness search leaves the last periodic checkpoint, not a final
      // one (the liveness search is not checkpointed), and pm-freeze's default size is searched in
      // well under a second on an idle machine.
      const p = spawn(process.execPath, ['bin/kmc.js', 'check', ...LARGE, '--workers', '1', '--checkpoint', dir, '--quiet', '--no-traces'], { cwd: root });
      let err = '';
      p.stderr.on('data', (d) => (err += d));
      const poll = setInterval(() => {
        if (existsSync(dir) && readdirSync(dir).some((n) => n.endsWith('.kmc'))) {
          clearInterval(poll);
          setTimeout(() => p.kill('SIGTERM'), 300);
        }
      }, 10);
      p.on('close', (code) => {
        clearInterval(poll);
        done({ code, err });
      });
    });
    // Stopped before the end: a run that finished first would assert nothing (make LARGE larger).
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/kmc: the search is saved in \S+checkpoint-\d+\.kmc; continue it with: kmc resume /);
    const newest = readdirSync(dir).filter((n) => n.endsWith('.kmc')).sort().pop()!;
    const header = readFileSync(join(dir, newest)).toString('latin1');
    expect(header).toContain('"final":true');
  });
});

describe.skipIf(!built)('--max-time with a checkpoint (real process)', () => {
  it('writes a final checkpoint and exits 3; resumed, the run ends as an uninterrupted one', () => {
    const whole = kmc(['check', ...LARGE, '--workers', '1', '--json', '--no-traces', '--quiet']);
    const dir = join(tmp(), 'ck');
    const cut = kmc(['check', ...LARGE, '--workers', '1', '--checkpoint', dir, '--max-time', '500ms', '--json', '--no-traces']);
    const r = JSON.parse(cut.out) as { status: string; complete?: boolean; stoppedBy?: string };
    // Cut by the bound: incomplete (3), or violated so far (1: a bound the user set keeps exit 1).
    expect(r.stoppedBy).toBe('max-time');
    expect(cut.code).toBe(r.status === 'incomplete' ? 3 : 1);
    expect(cut.err).toMatch(/continue it with: kmc resume /);
    const resumed = kmc(['resume', dir, '--json', '--no-traces']);
    expect(resumed.code).toBe(1);
    expect(comparable(resumed.out)).toEqual(comparable(whole.out));
  });
});

describe('resume refuses what it must', () => {
  const textbook = join(root, 'tests', 'fixtures', 'textbook.ts');
  const modelFile = (dir: string, comment: string) => {
    const f = join(dir, 'peterson.ts');
    writeFileSync(f, `// ${comment}\nexport { peterson as default, petersonProps as properties } from ${JSON.stringify(textbook)};\n`);
    return f;
  };

  it('a changed model file: exit 2, one line naming the source hash', async () => {
    const d = tmp();
    const f = modelFile(d, 'first');
    const ck = join(d, 'ck');
    const first = await runKmc('check', f, '--variant', 'broken', '--checkpoint', ck, '--no-traces', '--quiet', '--workers', '1');
    expect(first.code).toBe(1);
    modelFile(d, 'changed');
    const r = await runKmc('resume', ck, '--no-traces');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual([expect.stringMatching(/^kmc: kmc resume: refusing \S+checkpoint-\d+\.kmc: the model file \(source hash\) differs: the model file changed since the run started/)]);
    // The same file unchanged resumes (to the same verdict).
    modelFile(d, 'first');
    expect((await runKmc('resume', ck, '--no-traces', '--quiet')).code).toBe(1);
  });

  it('a torn newest checkpoint: the older one is used, and the user is told', async () => {
    const d = tmp();
    const ck = join(d, 'ck');
    // Every 1 ms (looked at every 1024 expansions): several checkpoints are written, the newest two kept.
    const model = ['kvm-hotplug', '--variant', 'v6.12', '--param', 'enableCanFail=false'];
    const first = await runKmc('check', ...model, '--checkpoint', ck, '--checkpoint-every', '1ms', '--no-traces', '--quiet', '--workers', '1', '--json');
    const files = readdirSync(ck).sort();
    expect(files.length).toBe(2);
    truncateSync(join(ck, files[1]!), 64);
    const r = await runKmc('resume', ck, '--no-traces', '--json');
    expect(r.err).toContain(`${files[1]}: checksum mismatch (torn or corrupt); skipping it`);
    expect(r.code).toBe(first.code);
    expect(comparable(r.out)).toEqual(comparable(first.out));
  });

  it('nothing sound to resume, a used directory and --por: exit 2 with one line each', async () => {
    const d = tmp();
    const f = modelFile(d, 'y');
    expect(await runKmc('resume', join(d, 'nothing-here'))).toMatchObject({ code: 2, err: expect.stringMatching(/^kmc: kmc resume: nothing to resume in \S+: it does not exist$/) });
    const ck = join(d, 'ck');
    expect((await runKmc('check', f, '--checkpoint', ck, '--no-traces', '--quiet', '--workers', '1')).code).toBe(0);
    for (const n of readdirSync(ck)) writeFileSync(join(ck, n), 'garbage');
    // (two: the one at the start, and the safety search's end, before the liveness search)
    expect(await runKmc('resume', ck)).toMatchObject({ code: 2, err: expect.stringMatching(/nothing to resume in \S+: none of its 2 checkpoints is sound$/) });
    expect(await runKmc('check', f, '--checkpoint', ck)).toMatchObject({ code: 2, err: expect.stringMatching(/already holds checkpoints of a run \(2\); continue that run with kmc resume/) });
    const other = join(d, 'other');
    expect(await runKmc('check', f, '--checkpoint', other, '--por')).toMatchObject({ code: 2, err: expect.stringMatching(/--checkpoint does not go with --por/) });
  });
});
