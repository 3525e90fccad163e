// Schedules: how a random walk picks the next step, encoded so that fast-check's shrinking
// makes counterexamples simpler.
//
// A schedule is an array of non-negative integers, one per step. At each state the walk looks
// at the enabled actions (in the engine's canonical order) and at the thread that ran last:
//   - 0 means "keep running the same thread" (its first enabled action): no context switch;
//     when that thread has nothing enabled, 0 means the first enabled action.
//   - k > 0 means the action k places after that one, wrapping around.
// Past the end of the array every entry reads as 0. So shrinking an entry towards 0 removes a
// context switch, and shrinking the array's length removes the switches at its end: fast-check
// shrinks counterexamples towards fewer context switches and, since the walk stops at the first
// violation, usually fewer steps.

import type { Step } from '../model/system.js';
import type { Chooser } from '../engine/chooser.js';

export class ScheduleChooser implements Chooser {
  private lastThread = -1;
  /** Context switches made so far (a step by another thread than the previous step's). */
  switches = 0;

  constructor(private readonly schedule: readonly number[]) {}

  choose(n: number, depth: number, enabled: readonly Step[]): readonly number[] {
    if (n === 0) return [];
    let preferred = 0;
    for (let i = 0; i < n; i++)
      if (enabled[i]!.thread === this.lastThread) {
        preferred = i;
        break;
      }
    const k = this.schedule[depth] ?? 0;
    const choice = (preferred + k) % n;
    const thread = enabled[choice]!.thread;
    if (this.lastThread >= 0 && thread !== this.lastThread) this.switches++;
    this.lastThread = thread;
    return [choice];
  }
}
