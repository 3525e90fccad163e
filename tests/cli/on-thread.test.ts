// A check of one worker's plan searches on the command thread first and starts no pool when that
// is the whole run (src/cli/run-check.ts, ON_THREAD_STATES); a larger one is searched again on
// the pool. Either way the same verdicts and counts; a stop request reaches a search on the
// command thread between states (Io.pollInterrupt), in process and through the real supervisor.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { defaultWorkers, runCheck, type RunCheckOptions } from '../../src/cli/run-check.js';
import type { CheckResult } from '../../src/engine/result.js';
import { built, root } from '../helpers/abba-trace.js';
import { lostUpdate, lostUpdateProps } from '../fixtures/textbook.js';

function fakeIo(): Io & { errs: string[] } {
  const errs: string[] = [];
  return { errs, isTTY: false, out: () => {}, err: (t) => void errs.push(t) };
}

const entry = { model: lostUpdate, properties: lostUpdateProps, source: fileURLToPath(new URL('../fixtures/models/lost-update.ts', import.meta.url)) };
// 8,638 states without symmetry, a violation: searched on the thread, or on the pool. The safety
// properties: with the built-in livelock the pool would run one search of the graph in one worker
// (src/parallel/pool.ts, checkSearchingOnce), and the parallel search is what is compared here.
const base = { variant: 'racy', params: { threads: '5' }, symmetry: false, property: ['no-lost-update', 'deadlock'], quiet: true } satisfies Partial<RunCheckOptions>;

/** What must not depend on where the search ran. */
function verdicts(r: CheckResult) {
  if (r.status === 'error') return { status: r.status, message: r.message };
  return {
    status: r.status,
    states: r.stats.states,
    properties: r.properties.map((p) => [p.name, p.status]),
    paths: r.status === 'violated' ? r.violations.map((v) => [v.property, v.path.join('/')]) : [],
  };
}

describe('a one-worker check on the command thread', () => {
  it('a small run is searched on this thread (one worker, no pool), with the verdicts and counts of the pool', async () => {
    const [here, pool] = await Promise.all([runCheck(entry, { ...base, io: fakeIo() }), runCheck(entry, { ...base, workers: 2, io: fakeIo() })]);
    expect(here.result.status).toBe('violated');
    expect(here.result.status !== 'error' && here.result.stats.workers).toBe(1);
    expect(pool.result.status !== 'error' && pool.result.stats.workers).toBe(2);
    expect(verdicts(here.result)).toEqual(verdicts(pool.result));
  });

  it('a run larger than the thread takes goes to the pool (every worker), with the same result', async () => {
    const [small, larger] = await Promise.all([runCheck(entry, { ...base, io: fakeIo() }), runCheck(entry, { ...base, onThreadStates: 1000, io: fakeIo() })]);
    expect(small.result.status !== 'error' && small.result.stats.workers).toBe(1);
    expect(larger.result.status !== 'error' && larger.result.stats.workers).toBe(defaultWorkers());
    expect(verdicts(larger.result)).toEqual(verdicts(small.result));
  });

  it('a --max-states within what the thread takes is the run itself: stopped by it, on this thread', async () => {
    const { result } = await runCheck(entry, { ...base, maxStates: 500, onThreadStates: 1000, io: fakeIo() });
    expect(result.status === 'violated' || result.status === 'incomplete' ? [result.stoppedBy, result.stats.workers] : result.status).toEqual(['max-states', 1]);
    expect(result.status !== 'error' && result.stats.states).toBeLessThan(1000);
  });

  it('a --por run is searched on this thread to its end, not again on the pool (one worker either way), with the pool\'s result', async () => {
    // The thread's stop poll runs every 1,024 expansions of a search on this thread: a run cut at
    // 100 states and then sent to the pool would poll it never.
    let polls = 0;
    const io = { ...fakeIo(), pollInterrupt: () => void polls++ };
    const [here, pool] = await Promise.all([
      runCheck(entry, { ...base, por: true, onThreadStates: 100, io }),
      runCheck(entry, { ...base, por: true, onThreadStates: 0, io: fakeIo() }),
    ]);
    expect(here.result.status !== 'error' && here.result.stats.states).toBeGreaterThan(2048);
    expect(polls).toBeGreaterThan(0);
    expect(here.result.status !== 'error' && pool.result.status !== 'error' && [here.result.stats.workers, pool.result.stats.workers]).toEqual([1, 1]);
    expect(verdicts(here.result)).toEqual(verdicts(pool.result));
  });

  it('a stop request waiting on the thread is taken between states (pollInterrupt): interrupted, the statistics so far', async () => {
    const io = fakeIo();
    let handler: ((why?: string) => void) | undefined;
    let polls = 0;
    const { result, interrupted } = await runCheck(entry, {
      ...base,
      io: {
        ...io,
        onInterrupt: (h) => ((handler = h), () => void (handler = undefined)),
        pollInterrupt: () => void (++polls === 2 && handler?.('SIGTERM')),
      },
    });
    expect(interrupted).toBe(true);
    expect(result.status === 'incomplete' || result.status === 'violated' ? [result.stoppedBy, result.stats.workers] : result.status).toEqual(['interrupted', 1]);
    expect(result.status !== 'error' && result.stats.states).toBeLessThan(8638);
    expect(io.errs).toContain('kmc: stopped by SIGTERM: stopping the check (Ctrl-C again to quit at once)');
    expect(handler).toBeUndefined();
  });
});

describe.skipIf(!built)('a signal while the command thread searches (real process)', () => {
  it('SIGTERM stops the search on the command thread cleanly: its own incomplete result, exit 3, no hard stop', async () => {
    const r = await new Promise<{ code: number | null; out: string; err: string }>((done) => {
      const p = spawn(process.execPath, ['bin/kmc.js', 'check', 'tests/fixtures/cli/slow-step.ts', '--no-traces', '--quiet'], { cwd: root, env: { ...process.env, KMC_TEST_ANNOUNCE_HANG: '1' } });
      let out = '';
      let err = '';
      let sent = false;
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => {
        err += d;
        if (!sent && err.includes('slow-step: the search is under way')) sent = p.kill('SIGTERM');
      });
      const guard = setTimeout(() => p.kill('SIGKILL'), 60_000);
      p.on('close', (code) => (clearTimeout(guard), done({ code, out, err })));
    });
    expect(r.code).toBe(3);
    expect(r.err).toContain('kmc: stopped by SIGTERM: stopping the check');
    // The search's own result (not the supervisor's "INCOMPLETE: stopped by SIGTERM (...)"), from one worker.
    expect(r.out).toMatch(/^INCOMPLETE slow-step .*stopped by an interrupt after [\d,]+ states; NOT verified/m);
    expect(r.out).toMatch(/; 1 worker$/m);
  });
});
