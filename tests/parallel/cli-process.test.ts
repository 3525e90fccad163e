// The real executable in a child process (`node bin/kmc.js`, from the dist/ tree `npm test`
// builds first): Ctrl-C (SIGINT) on a search that would run for minutes (also after it found a
// violation), a model step that throws in a worker thread, a worker thread that vanishes, and
// the memory bound. Skipped,
// saying why, only when dist/ has not been built.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const built = existsSync(join(root, 'dist', 'src', 'parallel', 'worker.js'));
const PARALLEL = ['--workers', '2', '--no-por', '--no-symmetry', '--no-traces'];
/** 34 million states: only a stop ends it during a test. */
const HUGE = ['tests/fixtures/models/lost-update.ts', '--param', 'threads=8'];
/** Millions of states, and an invariant (counter < mod - 1) broken within 9 steps: found at once, then searched on. */
const BROKEN_EARLY = ['tests/fixtures/parallel/synthetic.ts', '--param', 'threads=5', '--param', 'rounds=3', '--param', 'mod=4'];
const STACK_LINE = /^\s+at .*[(:]\d+/m;

function kmc(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/kmc.js', ...args], { cwd: root, encoding: 'utf8', timeout: 90_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Start kmc, send SIGINT once the first progress line shows the search running, collect the rest. */
function interruptAfterProgress(...args: string[]): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  return interruptWhen(/^progress: /m, ...args);
}

/** Start kmc, send SIGINT once a progress line matches `when`, collect the rest. */
function interruptWhen(when: RegExp, ...args: string[]): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/kmc.js', ...args], { cwd: root });
    let out = '';
    let err = '';
    let sent = false;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kmc did not exit after SIGINT; stderr so far:\n${err}`));
    }, 90_000);
    child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (!sent && when.test(err)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      // Let the pipes drain.
      setImmediate(() => resolve({ code, signal, out, err }));
    });
  });
}

describe.skipIf(!built)('node bin/kmc.js: stops and crashes', () => {
  it('Ctrl-C stops every worker and prints the statistics so far, marked incomplete (exit 3)', async () => {
    const r = await interruptAfterProgress('check', ...HUGE, ...PARALLEL);
    expect(r.err).toMatch(/^progress: [\d,]+ states, [\d,]+ states\/s, queue [\d,]+, depth \d+, .*, 2 workers$/m);
    expect(r.err).toContain('kmc: interrupted: stopping the check');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^INCOMPLETE lost-update --variant racy threads=8: stopped by an interrupt after [\d,]+ states; NOT verified$/m);
    expect(r.out).toMatch(/^[\d,]+ distinct states, [\d,]+ transitions, diameter \d+$/m);
    expect(r.out).toMatch(/; 2 workers$/m);
    expect(r.out + r.err).not.toMatch(STACK_LINE);
  });

  it('Ctrl-C on the default search (symmetry, every worker from the start) too', async () => {
    // --no-livelock: with a liveness property symmetry is off by default (src/cli/symmetry-default.ts).
    const r = await interruptWhen(/^progress: .*, 2 workers$/m, 'check', ...HUGE, '--workers', '2', '--no-traces', '--no-livelock');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^INCOMPLETE lost-update .* stopped by an interrupt after [\d,]+ states; NOT verified$/m);
    expect(r.out).toMatch(/^reductions: no partial-order, /m);
    expect(r.out).toMatch(/; 2 workers$/m);
  });

  it('Ctrl-C on the sequential search with --por (one worker) too', async () => {
    const r = await interruptWhen(/^progress: .*, 1 worker$/m, 'check', ...HUGE, '--por', '--no-traces');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^INCOMPLETE lost-update .* stopped by an interrupt after [\d,]+ states; NOT verified$/m);
    expect(r.out).toMatch(/; 1 worker$/m);
  });

  it('Ctrl-C after a violation was found: exit 3 (incomplete), the violations so far printed with their traces', async () => {
    for (const flags of [PARALLEL, ['--no-traces']]) {
      const r = await interruptAfterProgress('check', ...BROKEN_EARLY, ...flags);
      expect(r.err).toContain('kmc: interrupted: stopping the check');
      expect(r.code).toBe(3);
      expect(r.out).toMatch(/^VIOLATED parallel-synthetic --variant mixed threads=5 rounds=3 mod=4: .*counter-small.* \(search stopped early by an interrupt; other properties unknown\)$/m);
      // The counterexample itself, as a table of steps.
      expect(r.out).toContain('invariant counter-small is false');
      expect(r.out).toMatch(/rmw: counter = tmp \+ 1/);
      expect(r.out).toMatch(/^[\d,]+ distinct states, [\d,]+ transitions, diameter \d+$/m);
      expect(r.out + r.err).not.toMatch(STACK_LINE);
    }
  });

  it('a step that throws in a worker: exit 2, naming the model, thread, step and state, no stack trace', () => {
    for (const extra of [PARALLEL, ['--no-traces']]) {
      const r = kmc('check', 'tests/fixtures/parallel/throws-in-step.ts', ...extra);
      expect(r.code).toBe(2);
      const [head, state] = r.out.trimEnd().split('\n');
      expect(head).toMatch(/^ERROR throws-in-step --variant only limit=5: model throws-in-step: thread worker\d, step 'bump: count\+\+': it threw: /);
      expect(JSON.parse(state!.replace(/^State: /, ''))).toMatchObject({ locations: ['bump', 'bump', 'bump'], vars: { count: 4 } });
      expect(r.out + r.err).not.toMatch(STACK_LINE);
    }
  });

  it('a worker thread that vanishes: exit 2 with one line, not a hang', () => {
    const r = kmc('check', 'tests/fixtures/parallel/exits-in-worker.ts', ...PARALLEL);
    expect(r.code).toBe(2);
    expect(r.out.trimEnd()).toMatch(/^ERROR exits-in-worker --variant only: worker \d failed: .*code: 7$/);
    expect(r.out + r.err).not.toMatch(STACK_LINE);
  });

  it('--max-memory stops the run gracefully, marked incomplete (exit 3)', () => {
    const r = kmc('check', ...HUGE, '--max-memory', '64M', ...PARALLEL, '--quiet');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^INCOMPLETE lost-update .* stopped by the memory bound after [\d,]+ states; NOT verified$/m);
    // The limit is spent: no second (liveness) search runs past it; livelock stays unknown.
    expect(r.out).toMatch(/^  unknown  livelock: /m);
    expect(r.out).toContain('liveness (livelock) not checked: the search stopped (max-memory)');
  });
});

describe.skipIf(built)('node bin/kmc.js: stops and crashes (not built)', () => {
  it.skip('dist/ is absent: run `npm test` (it builds first) or `npx tsc -p .` to test the real executable', () => {});
});
