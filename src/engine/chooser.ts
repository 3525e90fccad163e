// The chooser: which of the enabled actions of a state the search follows. Exhaustive search
// follows all of them; a random walk one picked by a random source (fast-check's scheduler
// plugs in here); replay the one the trace names. Everything else is the same search core.

import type { Step } from '../model/system.js';

export interface Chooser {
  /**
   * Indices (into the state's enabled actions, 0..n-1) to follow from a state at `depth`.
   * An empty result follows none. `enabled` are the actions themselves (which thread, which
   * step), for choosers that prefer some threads, like the random search's schedules.
   */
  choose(n: number, depth: number, enabled: readonly Step[]): readonly number[];
}

export class ExhaustiveChooser implements Chooser {
  /** [0, 1, ..., n-1] at index n, made once: choose runs on every state and allocates nothing. */
  private readonly ranges: number[][] = [[]];
  choose(n: number): readonly number[] {
    const ranges = this.ranges;
    while (ranges.length <= n) ranges.push([...ranges[ranges.length - 1]!, ranges.length - 1]);
    return ranges[n]!;
  }
}

/** Follows one action picked by `pick(n)` in 0..n-1 (a seeded PRNG, or fast-check). */
export class RandomChooser implements Chooser {
  constructor(private readonly pick: (n: number, depth: number) => number) {}
  choose(n: number, depth: number): readonly number[] {
    if (n === 0) return [];
    const i = this.pick(n, depth);
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`random chooser picked ${i} of ${n}`);
    return [i];
  }
}

export { formatPath, parsePath } from '../trace/path.js';
