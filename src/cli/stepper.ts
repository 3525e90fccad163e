// One step at a time on a terminal: Enter (or space) shows the next step, q (or Esc, Ctrl-C)
// quits. The key source is injectable so tests drive it without a terminal.

import type { ReplayRun } from '../engine/replay.js';
import { renderReplayStep, replayFooter, replayHeader, violationLine } from '../report/replay.js';
import { renderState } from '../report/text.js';
import type { Io } from './io.js';

export type Key = 'next' | 'quit';
export type KeySource = () => Promise<Key>;

/** Keys from a terminal's stdin in raw mode; `close` restores it. */
export function terminalKeys(stdin: NodeJS.ReadStream = process.stdin): { next: KeySource; close(): void } {
  const wasRaw = stdin.isRaw;
  stdin.setRawMode?.(true);
  stdin.resume();
  return {
    next: () =>
      new Promise<Key>((resolve) => {
        const on = (buf: Buffer) => {
          const s = buf.toString('utf8');
          let key: Key | undefined;
          if (s === '\r' || s === '\n' || s === ' ') key = 'next';
          else if (s === 'q' || s === 'Q' || s === '\x03' || s === '\x1b') key = 'quit';
          if (!key) return;
          stdin.off('data', on);
          resolve(key);
        };
        stdin.on('data', on);
      }),
    close: () => {
      stdin.setRawMode?.(wasRaw);
      stdin.pause();
    },
  };
}

/** Show a replay one step at a time; returns the number of steps shown. */
export async function stepThrough(run: ReplayRun, io: Io, keys: KeySource, file?: string): Promise<number> {
  const steps = run.trace.steps;
  io.out(replayHeader(run, file));
  io.out(`Initial state:\n${renderState(run.model, run.trace.init)}`);
  for (const v of run.violations) if (v.step === 0) io.out(`  !! ${violationLine(v)}`);
  for (let i = 0; i < steps.length; i++) {
    io.err(`-- step ${i + 1} of ${steps.length}: Enter for the next step, q to quit --`);
    if ((await keys()) === 'quit') {
      io.out(`(stopped after ${i} of ${steps.length} steps)`);
      return i;
    }
    io.out(renderReplayStep(run, steps[i]!));
  }
  io.out(replayFooter(run));
  return steps.length;
}
