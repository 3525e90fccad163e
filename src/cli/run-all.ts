// The runs of `kmc check --all` (every variant of every model) side by side: as many lanes as
// workers, each a pool of its own, taking the next run when its last one ends. Most bundled runs
// are small, and a small run spends more time starting its search and at level barriers than
// searching, so two runs on one worker each finish sooner than the same runs one after the other
// on two. One lane (one worker, --por, or a single run) runs them one after the other as before,
// on all the workers. Each run is the same check as alone (run-check.ts), so the same verdicts and
// counts; the results, their headlines and trace files come in the order of the runs whatever
// order they end in.

import type { ModelEntry } from '../property/registry.js';
import { ParallelChecker } from '../parallel/index.js';
import type { Io } from './io.js';
import { ProgressPrinter, type ProgressSnapshot } from './progress.js';
import { runCheck, stopOnInterrupt, type RunCheckOptions, type RunCheckOutcome } from './run-check.js';

export interface AllRun {
  entry: ModelEntry;
  variant: string;
}

export interface AllOutcome extends RunCheckOutcome, AllRun {}

export interface RunAllOptions extends Omit<RunCheckOptions, 'checker' | 'variant' | 'workers' | 'signal'> {
  /** Worker threads in all (workersFor): one lane each when there are runs enough. */
  workers: number;
}

/**
 * Run every one of `runs`; `onEach` sees each outcome in the order of `runs` as soon as it and
 * every run before it have ended. After a stop request (Ctrl-C, SIGTERM) no further run starts:
 * `cut` says so, and `outcomes` are the runs that started (a prefix of `runs`).
 */
export async function runAll(runs: readonly AllRun[], o: RunAllOptions, onEach: (outcome: AllOutcome) => void): Promise<{ outcomes: AllOutcome[]; cut: boolean }> {
  const lanes = Math.max(1, Math.min(o.workers, runs.length));
  const perLane = Math.max(1, Math.floor(o.workers / lanes));
  const checkers: ParallelChecker[] = [];
  const outcomes: AllOutcome[] = [];
  let next = 0;
  let flushed = 0;
  let cut = false;
  let failure: { error: unknown } | undefined;
  // Side by side the runs share one interrupt and one progress line (the sum over the lanes);
  // one lane at a time, each run has its own, as a single check.
  const shared = lanes > 1;
  const interrupt = new AbortController();
  const printer = shared && !o.quiet ? new ProgressPrinter(o.io) : undefined;
  const running = new Map<number, ProgressSnapshot>();
  let doneStates = 0;
  const start = performance.now();
  const report = () => {
    const now = [...running.values()];
    const p: ProgressSnapshot = {
      states: doneStates + now.reduce((s, x) => s + x.states, 0),
      queue: now.reduce((s, x) => s + x.queue, 0),
      depth: Math.max(0, ...now.map((x) => x.depth)),
      elapsedMs: performance.now() - start,
      rss: Math.max(0, ...now.map((x) => x.rss)),
      workers: lanes,
    };
    printer?.update(p);
    o.io.progress?.(p);
  };
  const laneIo = (lane: number): Io => ({
    out: o.io.out,
    err: o.io.err,
    isTTY: o.io.isTTY,
    progress: (p) => (running.set(lane, p), report()),
  });
  const stopListening = shared ? stopOnInterrupt(o.io, printer, interrupt) : undefined;
  const flush = () => {
    while (flushed < runs.length && outcomes[flushed] !== undefined) {
      printer?.finish();
      onEach(outcomes[flushed++]!);
    }
  };
  const lane = async (k: number): Promise<void> => {
    while (!cut && failure === undefined && !interrupt.signal.aborted && next < runs.length) {
      const i = next++;
      const run = runs[i]!;
      try {
        const ran = await runCheck(run.entry, {
          ...o,
          variant: run.variant,
          checker: checkers[k],
          ...(shared ? { quiet: true, signal: interrupt.signal, io: laneIo(k) } : {}),
        });
        outcomes[i] = { ...ran, ...run };
        running.delete(k);
        if (ran.result.status !== 'error') doneStates += ran.result.stats.states;
        if (ran.interrupted) cut = true;
      } catch (e) {
        failure ??= { error: e };
        return;
      }
      flush();
    }
  };
  try {
    for (let k = 0; k < lanes; k++) checkers.push(new ParallelChecker(perLane));
    await Promise.all(checkers.map((_, k) => lane(k)));
  } finally {
    printer?.finish();
    stopListening?.();
    await Promise.all(checkers.map((c) => c.close()));
  }
  if (failure) throw failure.error;
  return { outcomes: outcomes.slice(0, next), cut: cut || interrupt.signal.aborted };
}
