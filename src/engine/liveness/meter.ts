// The fair-cycle analysis's budget (analyse.ts): it honours the stops the search honours (the
// interrupt, the time and memory bounds: limits.ts, polled as search.ts polls them) and reports
// progress through the same sink, as a Progress with `analysis` set. The analysis is a sequence
// of passes over the graph, planned up front (reachability, each property's fairness
// constraints, its fair-cycle searches); each pass counts the states it visits down in `left`, a
// counter: the clock and the stop are read only every `pollEvery` states and at each pass's
// start. A stop throws AnalysisStopped, which livenessOf (run.ts) turns into verdicts "unknown"
// and the run's stop reason: a stopped analysis never says that a property holds.

import { Budget } from '../limits.js';
import type { StopReason } from '../result.js';
import type { AnalysisProgress, Progress } from '../search.js';

/** States visited between two polls of the stop, by default. */
export const ANALYSIS_POLL_EVERY = 1 << 14;

export class AnalysisStopped extends Error {
  constructor(
    readonly reason: StopReason,
    readonly at: AnalysisProgress,
  ) {
    super(`the liveness analysis stopped (${reason}) in pass ${at.pass} of ${at.passes}`);
    this.name = 'AnalysisStopped';
  }
}

export interface MeterOptions {
  /** The run's budget: its interrupt (signal and poll), deadline, memory bound and progress sink. */
  budget?: Budget | undefined;
  /** Milliseconds between two progress reports (default 1000). */
  progressIntervalMs?: number | undefined;
  /** States visited between two polls (default ANALYSIS_POLL_EVERY; tests make it small). */
  pollEvery?: number | undefined;
}

/** What the progress reports say besides the analysis: the search's figures. */
export type SearchFigures = Pick<Progress, 'states' | 'transitions' | 'depth'>;

export class AnalysisMeter {
  /**
   * Visits left before the next poll. The analysis's loops count it down themselves, inline:
   * `if (meter !== undefined && --meter.left === 0) meter.poll()`: a method call per state cost
   * about 60 instructions, 12-16% of kvm-intx-mask's analysis (callgrind: bench/README.md,
   * "Liveness memory on two workers").
   */
  left: number;
  /** Visits counted before the current countdown, and its length. */
  private counted = 0;
  private span: number;
  private passStart = 0;
  private current = 0;
  private lastProgress: number;
  private readonly budget: Budget;
  private readonly every: number;
  private readonly interval: number;

  constructor(
    /** The passes the analysis plans (a pass it finds it need not do is skipped, still counted). */
    readonly passes: number,
    private readonly figures: SearchFigures,
    o: MeterOptions = {},
  ) {
    this.budget = o.budget ?? new Budget();
    this.every = Math.max(1, o.pollEvery ?? ANALYSIS_POLL_EVERY);
    this.interval = o.progressIntervalMs ?? 1000;
    this.left = this.span = this.every;
    this.lastProgress = performance.now();
  }

  /** States visited so far. */
  private get ticks(): number {
    return this.counted + this.span - this.left;
  }

  /** Where the analysis is now. */
  get at(): AnalysisProgress {
    return { pass: this.current, passes: this.passes, visited: this.ticks - this.passStart };
  }

  /** The next pass starts (polled: a stop between two passes is taken there). */
  pass(): void {
    this.current++;
    this.passStart = this.ticks;
    this.poll();
  }

  /** Go on after pass `n` (the passes between were not needed). */
  skipTo(n: number): void {
    if (n > this.current) this.current = n;
  }

  /** The stops (as search.ts polls them) and, about once per interval, progress and memory. */
  poll(): void {
    this.counted = this.ticks;
    this.left = this.span = this.every;
    const budget = this.budget;
    if (budget.interrupted()) throw new AnalysisStopped('interrupted', this.at);
    const now = performance.now();
    if (budget.overTime(now)) throw new AnalysisStopped('max-time', this.at);
    if (now - this.lastProgress >= this.interval) {
      this.lastProgress = now;
      const rss = budget.rss();
      if (rss > budget.maxMemory) throw new AnalysisStopped('max-memory', this.at);
      budget.progress({ ...this.figures, queue: 0, elapsedMs: budget.elapsedMs(now), rss, analysis: this.at });
    }
  }
}
