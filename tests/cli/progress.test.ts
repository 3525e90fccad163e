// Progress output: a live status line on a terminal, a plain line every few seconds otherwise,
// nothing with --quiet, through the Io abstraction (no terminal needed).

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { run } from '../../src/cli/main.js';
import { ProgressPrinter, progressLine } from '../../src/cli/progress.js';
import { runCheck } from '../../src/cli/run-check.js';
import { lostUpdate, lostUpdateProps } from '../fixtures/textbook.js';

function fakeIo(isTTY: boolean): Io & { errs: string[]; outs: string[] } {
  const errs: string[] = [];
  const outs: string[] = [];
  return { errs, outs, isTTY, out: (t) => void outs.push(t), err: (t) => void errs.push(t) };
}

const snap = (elapsedMs: number, states: number) => ({ states, queue: 1234, depth: 17, elapsedMs, rss: 300 * 2 ** 20, workers: 2 });
const LINE = /^[\d,]+ states, [\d,]+ states\/s, queue [\d,]+, depth \d+, [\d.]+ m?s, [\d.]+ [KMG]iB, \d+ workers?$/;
/** The line while the liveness analysis runs, after the search. */
const ANALYSIS_LINE = /^analysing the state graph of [\d,]+ states for liveness: pass \d+ of \d+, [\d,]+ states visited in it, [\d.]+ m?s, [\d.]+ [KMG]iB, \d+ workers?$/;

describe('the status line', () => {
  it('names states, rate, queue, depth, elapsed time, memory and workers', () => {
    expect(progressLine(snap(2500, 1_234_567), 45_678.4)).toBe('1,234,567 states, 45,678 states/s, queue 1,234, depth 17, 2.50 s, 300.0 MiB, 2 workers');
  });

  it('while the liveness analysis runs after the search: says it analyses the state graph, its pass of the passes and the states it visited (no rate: the search is over)', () => {
    const line = progressLine({ ...snap(4200, 1_176_124), queue: 0, analysis: { pass: 3, passes: 19, visited: 412_345 } }, 0);
    expect(line).toMatch(ANALYSIS_LINE);
    expect(line).toBe('analysing the state graph of 1,176,124 states for liveness: pass 3 of 19, 412,345 states visited in it, 4.20 s, 300.0 MiB, 2 workers');
  });

  it('on a terminal: rewritten in place at every update, with the rate of the last interval; cleared at the end', () => {
    const io = fakeIo(true);
    const p = new ProgressPrinter(io);
    p.update(snap(1000, 10_000));
    p.update(snap(2000, 30_000));
    expect(io.errs).toHaveLength(2);
    for (const e of io.errs) {
      expect(e.startsWith('\r\x1b[K')).toBe(true);
      expect(e.endsWith('\r')).toBe(true);
      expect(e.slice(4, -1)).toMatch(LINE);
    }
    expect(io.errs[0]).toContain('10,000 states/s');
    expect(io.errs[1]).toContain('20,000 states/s');
    p.finish();
    expect(io.errs[2]).toBe('\r\x1b[K\r');
  });

  it('not on a terminal: a plain line every few seconds, nothing to clear', () => {
    const io = fakeIo(false);
    const p = new ProgressPrinter(io);
    for (let s = 1; s <= 12; s++) p.update(snap(s * 1000, s * 1000));
    expect(io.errs).toEqual([expect.stringMatching(/^progress: /), expect.stringMatching(/^progress: /)]);
    expect(io.errs[0]).toContain('5.00 s');
    expect(io.errs[1]).toContain('10.00 s');
    for (const e of io.errs) expect(e.slice('progress: '.length)).toMatch(LINE);
    p.finish();
    expect(io.errs).toHaveLength(2);
  });
});

describe('progress of a real check', () => {
  const entry = { model: lostUpdate, properties: lostUpdateProps, source: fileURLToPath(new URL('../fixtures/models/lost-update.ts', import.meta.url)) };
  const options = { variant: 'racy', params: { threads: '6' }, workers: 2, por: false, symmetry: false, progressIntervalMs: 20 };

  it('a terminal gets status lines while the workers search', async () => {
    const io = fakeIo(true);
    const { result } = await runCheck(entry, { ...options, io });
    expect(result.status).toBe('violated');
    const lines = io.errs.filter((e) => e !== '\r\x1b[K\r');
    expect(lines.length).toBeGreaterThan(0);
    // The search's lines, then (the default livelock check) the analysis's.
    for (const l of lines) expect(l.slice(4, -1)).toMatch(l.includes('analysing') ? ANALYSIS_LINE : LINE);
    expect(lines[0]!.slice(4, -1)).toMatch(LINE);
    expect(io.errs.at(-1)).toBe('\r\x1b[K\r');
  });

  it('--quiet prints none', async () => {
    const io = fakeIo(true);
    await runCheck(entry, { ...options, quiet: true, io });
    expect(io.errs).toEqual([]);
  });

  it('the summary says how many workers ran', async () => {
    const io = fakeIo(false);
    const code = await run(['node', 'kmc', 'check', entry.source, '--param', 'threads=3', '--workers', '3', '--no-por', '--no-symmetry', '--quiet', '--no-traces'], io);
    expect(code).toBe(1);
    expect(io.outs.join('\n')).toMatch(/; 3 workers$/m);
  });

  /** A terminal Io that presses Ctrl-C at the first status line (the search is under way). */
  function interruptingIo(): Io & { outs: string[]; errs: string[]; listening: () => boolean } {
    let interrupt: (() => void) | undefined;
    const io = fakeIo(true);
    return {
      ...io,
      err: (t) => {
        io.err(t);
        if (t.startsWith('\r\x1b[K') && t.length > 4) interrupt?.();
      },
      onInterrupt: (h) => {
        interrupt = h;
        return () => void (interrupt = undefined);
      },
      listening: () => interrupt !== undefined,
    };
  }

  it('Ctrl-C on the parallel search: every worker stops, the statistics so far, incomplete, exit 3', async () => {
    const io = interruptingIo();
    const code = await run(['node', 'kmc', 'check', entry.source, '--param', 'threads=8', '--workers', '2', '--no-por', '--no-symmetry', '--no-traces'], io);
    expect(code).toBe(3);
    expect(io.errs.join('')).toContain('kmc: interrupted');
    const out = io.outs.join('\n');
    expect(out).toMatch(/^INCOMPLETE lost-update .* stopped by an interrupt after [\d,]+ states; NOT verified/);
    expect(out).toMatch(/^[\d,]+ distinct states/m);
    expect(out).toMatch(/; 2 workers$/m);
    expect(io.listening()).toBe(false);
  });

  it('Ctrl-C on the search with reductions in one worker (--workers 1, sequential): the same', async () => {
    const io = interruptingIo();
    const code = await run(['node', 'kmc', 'check', entry.source, '--param', 'threads=8', '--workers', '1', '--no-traces'], io);
    expect(code).toBe(3);
    const out = io.outs.join('\n');
    expect(out).toMatch(/^INCOMPLETE lost-update .* stopped by an interrupt after [\d,]+ states; NOT verified/);
    expect(out).toMatch(/; 1 worker$/m);
  });
});
