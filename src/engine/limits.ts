// The bounds of a check and the budget that enforces them. `Limits` is the one type for the
// bounds: the engine's check(), the reduced search, the parallel search's options and worker
// tasks, and the CLI's flags are all typed from it. A `Budget` is one run's clock, memory
// reader, interrupt and progress sink: every search of a run (the passes of a reduced search,
// its learning walks, the parallel search's watcher) reads time and memory through it, so a
// time bound is one deadline for the whole run, not one per pass.

import type { Progress } from './search.js';

export interface Limits {
  /** Stop after this many distinct states (reported incomplete). */
  maxStates?: number | undefined;
  /** Do not expand states deeper than this (reported incomplete). */
  maxDepth?: number | undefined;
  /** Stop after this many milliseconds (reported incomplete). */
  maxTimeMs?: number | undefined;
  /** Stop before the process's resident set exceeds this many bytes (reported incomplete). */
  maxMemory?: number | undefined;
  /** Stop at the first violation instead of finding the shortest violation of every property. */
  first?: boolean | undefined;
}

/** The process's resident set size now, in bytes: the one place kmc reads memory. */
export function residentBytes(): number {
  return process.memoryUsage.rss();
}

export interface BudgetHooks {
  /** Aborting it interrupts the run (Ctrl-C). */
  signal?: AbortSignal | undefined;
  /** Polled too: the run is interrupted once it returns true (a worker's stop flag). */
  interrupted?: (() => boolean) | undefined;
  /** Where progress goes (about once a second). */
  onProgress?: ((p: Progress) => void) | undefined;
}

/** One run's clock, memory and interrupt, against its limits. */
export class Budget {
  private readonly start = performance.now();
  private peak = residentBytes();
  readonly maxTimeMs: number;
  readonly maxMemory: number;

  constructor(
    readonly limits: Limits = {},
    readonly hooks: BudgetHooks = {},
  ) {
    this.maxTimeMs = limits.maxTimeMs ?? Infinity;
    this.maxMemory = limits.maxMemory ?? Infinity;
  }

  /** Milliseconds since the run started. */
  elapsedMs(now = performance.now()): number {
    return now - this.start;
  }

  /** Milliseconds left before the time bound (Infinity: none). */
  remainingMs(now = performance.now()): number {
    return Math.max(0, this.maxTimeMs - this.elapsedMs(now));
  }

  overTime(now = performance.now()): boolean {
    return this.elapsedMs(now) > this.maxTimeMs;
  }

  /** The resident set size now; the peak is kept. */
  rss(): number {
    const rss = residentBytes();
    if (rss > this.peak) this.peak = rss;
    return rss;
  }

  get peakRss(): number {
    return this.peak;
  }

  /** Was the run interrupted (its signal aborted, or its poll said so)? */
  interrupted(): boolean {
    return this.hooks.signal?.aborted === true || this.hooks.interrupted?.() === true;
  }

  progress(p: Progress): void {
    this.hooks.onProgress?.(p);
  }
}

/** Just the limits of a larger options object (plain data: it crosses to worker threads). */
export function limitsOf(o: Limits): Limits {
  return { maxStates: o.maxStates, maxDepth: o.maxDepth, maxTimeMs: o.maxTimeMs, maxMemory: o.maxMemory, first: o.first === true };
}
