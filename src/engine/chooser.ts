// The chooser: which of the enabled actions of a state the search follows. Exhaustive search
// follows all of them; a random walk one picked by a random source (fast-check's scheduler
// plugs in here); replay the one the trace names. Everything else is the same search core.

import { UsageError } from '../util/errors.js';
import type { CompiledAction } from '../model/compile.js';

export interface Chooser {
  /**
   * Indices (into the state's enabled actions, 0..n-1) to follow from a state at `depth`.
   * An empty result follows none. `enabled` are the actions themselves (which thread, which
   * step), for choosers that prefer some threads, like the random search's schedules.
   */
  choose(n: number, depth: number, enabled: readonly CompiledAction[]): readonly number[];
}

export class ExhaustiveChooser implements Chooser {
  private range: number[] = [];
  choose(n: number): readonly number[] {
    while (this.range.length < n) this.range.push(this.range.length);
    return n === this.range.length ? this.range : this.range.slice(0, n);
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

/** Follows the recorded choice at each depth; a choice that is not enabled is an error. */
export class ReplayChooser implements Chooser {
  constructor(private readonly path: readonly number[]) {}
  choose(n: number, depth: number): readonly number[] {
    if (depth >= this.path.length) return [];
    const i = this.path[depth]!;
    if (i >= n)
      throw new UsageError(
        `replay: step ${depth + 1} chooses action ${i}, but only ${n} action${n === 1 ? ' is' : 's are'} enabled there`,
      );
    return [i];
  }
}

// The trace currency (choice indices joined by '/') lives in the trace layer, which trace files use.
export { formatPath, parsePath } from '../trace/path.js';
