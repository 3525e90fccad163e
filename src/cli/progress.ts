// Progress while a check runs, on stderr: on a terminal one status line rewritten in place
// (about once a second, as often as the search reports); in a pipe or a log file a plain line
// every few seconds, so CI logs show a long run is alive without filling up.

import type { AnalysisProgress } from '../engine/search.js';
import { bytes, seconds, thousands } from '../util/format.js';
import type { Io } from './io.js';

export interface ProgressSnapshot {
  states: number;
  queue: number;
  depth: number;
  elapsedMs: number;
  rss: number;
  workers?: number;
  /** Set while the liveness analysis runs on the state graph, after the search. */
  analysis?: AnalysisProgress | undefined;
}

/** One status line; `rate` is states per second (not shown while the graph is analysed: the search is over). */
export function progressLine(p: ProgressSnapshot, rate: number): string {
  const workers = p.workers === undefined ? '' : `, ${p.workers} worker${p.workers === 1 ? '' : 's'}`;
  const a = p.analysis;
  if (a) return `analysing the state graph of ${thousands(p.states)} states for liveness: pass ${a.pass} of ${a.passes}, ${thousands(a.visited)} states visited in it, ${seconds(p.elapsedMs)}, ${bytes(p.rss)}${workers}`;
  return `${thousands(p.states)} states, ${thousands(rate)} states/s, queue ${thousands(p.queue)}, depth ${p.depth}, ${seconds(p.elapsedMs)}, ${bytes(p.rss)}${workers}`;
}

export class ProgressPrinter {
  private prev: ProgressSnapshot | undefined;
  private lastPlain = 0;
  private live = false;

  constructor(
    private readonly io: Io,
    /** Milliseconds between plain lines when stderr is not a terminal. */
    private readonly plainEveryMs = 5000,
  ) {}

  /** Feed a snapshot (the search calls this about once a second). */
  readonly update = (p: ProgressSnapshot): void => {
    const prev = this.prev;
    this.prev = { ...p };
    // The rate over the last interval: what the search does now, not its average since start.
    const dt = prev ? p.elapsedMs - prev.elapsedMs : p.elapsedMs;
    const rate = dt > 0 ? ((p.states - (prev?.states ?? 0)) / dt) * 1000 : 0;
    const line = progressLine(p, rate);
    if (this.io.isTTY) {
      this.io.err(`\r\x1b[K${line}\r`);
      this.live = true;
    } else if (p.elapsedMs - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = p.elapsedMs;
      this.io.err(`progress: ${line}`);
    }
  };

  /** Clear the live line before the result is printed. */
  finish(): void {
    if (this.live) this.io.err('\r\x1b[K\r');
    this.live = false;
  }
}
