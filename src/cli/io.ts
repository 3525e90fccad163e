// Where the CLI writes: injectable so tests run commands in-process and read what they print.

import type { ProgressSnapshot } from './progress.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Is stdout a terminal (live progress line) or a pipe/file (plain lines)? */
  isTTY: boolean;
  /**
   * Call `handler` on Ctrl-C (SIGINT) until the returned function is called. Optional: an Io
   * without it (tests) is never interrupted, or interrupts by calling the handler itself.
   */
  onInterrupt?(handler: (why?: string) => void): () => void;
  /**
   * Deliver a stop request that is waiting (Ctrl-C, SIGTERM, a limit) to the onInterrupt
   * handlers now. A search that runs on this thread calls it between states: its event loop,
   * which would deliver the request, does not turn until the search returns.
   */
  pollInterrupt?(): void;
  /**
   * Statistics so far, about once a second while a search runs (even with --quiet): what the
   * supervisor (supervise.ts) reports when it has to stop a step that never returns.
   */
  progress?(p: ProgressSnapshot): void;
}

export const processIo: Io = {
  out: (t) => void process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
  err: (t) => void process.stderr.write(t.endsWith('\n') || t.endsWith('\r') ? t : t + '\n'),
  isTTY: process.stderr.isTTY === true,
  onInterrupt(handler) {
    let count = 0;
    const h = () => {
      // The first Ctrl-C stops the search cleanly (statistics so far, exit 3); a second one
      // does not wait for that.
      if (++count > 1) {
        process.stderr.write('\nkmc: interrupted again; exiting without a result\n');
        process.exit(130);
      }
      handler();
    };
    process.on('SIGINT', h);
    return () => void process.off('SIGINT', h);
  },
};
