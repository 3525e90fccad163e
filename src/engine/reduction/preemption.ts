// Preemption bounding (Musuvathi & Qadeer, "Iterative context bounding for systematic testing
// of multithreaded programs", PLDI 2007 -- CHESS; loom's `preemption_bound`): explore only the
// interleavings with at most K preemptions, where a preemption is a step by another thread than
// the one that took the previous step while that one could still have gone on (it still had an
// enabled action). Switching away from a thread that has ended or is blocked is free.
//
// Two words are appended to the packed state: the thread of the last step (-1 at the start) and
// the preemptions used so far; a transition that would exceed the bound is not followed. The
// bounded system is a different, smaller system: a run that finds nothing proves nothing beyond
// "no violation within K preemptions", and the engine never reports it verified (check.ts).

import type { CompiledAction } from '../../model/compile.js';

export class PreemptionBound {
  /** Transitions not followed because they exceeded the bound (0: the bound never mattered). */
  cut = 0;
  private pending = 0;

  constructor(
    /** Offset of the two extra words (the model's own width). */
    readonly base: number,
    readonly bound: number,
  ) {}

  /** The preemptions a step by `action` from `state` would have used, or -1 beyond the bound. */
  count(state: Int32Array, action: CompiledAction, n: number, actions: readonly CompiledAction[]): number {
    const last = state[this.base]!;
    let used = state[this.base + 1]!;
    if (last >= 0 && action.thread !== last) {
      for (let i = 0; i < n; i++)
        if (actions[i]!.thread === last) {
          used++;
          break;
        }
    }
    return used > this.bound ? -1 : used;
  }

  admit(state: Int32Array, action: CompiledAction, n: number, actions: readonly CompiledAction[]): boolean {
    const c = this.count(state, action, n, actions);
    if (c < 0) {
      this.cut++;
      return false;
    }
    this.pending = c;
    return true;
  }

  /** Write the extra words of the successor of the step just admitted. */
  write(action: CompiledAction, next: Int32Array): void {
    next[this.base] = action.thread;
    next[this.base + 1] = this.pending;
  }

  /** The initial state's extra words. */
  init(state: Int32Array): void {
    state[this.base] = -1;
    state[this.base + 1] = 0;
  }
}
