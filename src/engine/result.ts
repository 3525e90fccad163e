// What a check returns: data, as discriminated unions. The CLI and reporters render it; the
// `assert` form (assertHolds) throws.

import type { BlockedThread } from '../model/compile.js';
import type { Property } from '../property/types.js';
import type { Trace } from '../trace/expand.js';
import type { Coverage } from './coverage.js';

export interface Stats {
  /** Distinct states stored. */
  states: number;
  /** Transitions executed (successor computations). */
  transitions: number;
  /** The greatest depth (steps from the initial state) of any stored state. */
  diameter: number;
  timeMs: number;
  statesPerSecond: number;
  /** Peak resident set size of the process, in bytes. */
  peakMemory: number;
  /** Bytes per stored state in the visited set. */
  bytesPerState: number;
  /** Probability that two distinct states shared a fingerprint (so one was never explored). */
  collisionProbability: number;
  workers: number;
}

export interface Violation {
  property: string;
  kind: Property['kind'];
  /** The choice index at each step, from the initial state: the trace currency. */
  path: number[];
  /** What went wrong, in one line. */
  message: string;
  /** For deadlocks: each blocked thread and what it waits for. */
  blocked?: BlockedThread[];
  /**
   * The path expanded: the states, and per step the thread, statement and changed variables
   * (set by the check, so that reporters render it without running the model; not part of the
   * JSON output, which has the path and the steps).
   */
  trace?: Trace;
  /**
   * Set when reductions ran: whether this path is known to be a shortest one (partial-order
   * reduction and the preemption bound may find a longer one; `--shortest` makes it so).
   * Absent: the plain breadth-first search, whose paths are shortest.
   */
  shortest?: boolean;
  /**
   * Liveness counterexamples are lassos: `path[loop..]` leads from the state reached by
   * `path[0..loop)` back to that same state, and repeats for ever. `loop === path.length`: the
   * run stays in its last state for ever (no fairly scheduled step can run there).
   */
  loop?: number;
}

/** How liveness properties were checked (src/engine/liveness), when the run had any. */
export interface LivenessInfo {
  /** The state graph the fair-cycle search ran on. */
  states: number;
  edges: number;
  /** Bytes of the graph's arrays (edges, labels, flags), and per state. */
  graphBytes: number;
  bytesPerState: number;
  /** Time of the fair-cycle analysis, after the search. */
  analysisMs: number;
  /** Time of a separate search for the graph, when the safety search could not provide it (reductions, workers). */
  searchMs?: number;
  /** What the run did differently for liveness (reductions off, sequential), and why. */
  notes: string[];
}

/** Which reductions a run used (absent: none). */
export interface Reductions {
  /** Partial-order reduction ran (passes: how many times the reduced search ran, see src/engine/reduction/por.ts). */
  por: boolean;
  passes: number;
  /** Symmetry groups applied: name and members. */
  symmetry: { name: string; members: number[] }[];
  /** The preemption bound, when the run was bounded (never verified then). */
  preemptionBound?: number;
  /** Why a requested reduction did not run. */
  notes: string[];
}

export type PropertyStatus =
  /**
   * `notExercised`: it holds only vacuously (its assertion never evaluated, its steps never ran,
   * its antecedent never held; src/engine/coverage.ts), and why: every output says "holds, not
   * exercised" then, never a plain "holds".
   */
  | { name: string; kind: Property['kind']; doc: string; status: 'holds'; notExercised?: string }
  | { name: string; kind: Property['kind']; doc: string; status: 'violated'; violation: Violation }
  /** The search was cut short before finding a violation: no verdict. */
  | { name: string; kind: Property['kind']; doc: string; status: 'unknown' };

export type StopReason =
  | 'max-states'
  | 'max-time'
  | 'max-depth'
  | 'max-memory'
  | 'interrupted'
  | 'first-violation'
  /** Only interleavings with at most `reductions.preemptionBound` preemptions were explored. */
  | 'preemption-bound'
  /** A store found its CPU's store buffer full (--store-buffer K): behaviours with more pending stores were not explored. */
  | 'store-buffer-bound';

export interface RunInfo {
  model: string;
  variant: string;
  params: Record<string, number | boolean>;
}

export type CheckResult =
  /** Exhaustive search, every selected property holds in every reachable state. `coverage`: how often each step ran (coverage.ts). */
  | { status: 'verified'; run: RunInfo; stats: Stats; properties: PropertyStatus[]; reductions?: Reductions; coverage?: Coverage; liveness?: LivenessInfo }
  /** At least one property violated (shortest counterexamples); `complete` says whether the whole space was explored. */
  | {
      status: 'violated';
      run: RunInfo;
      stats: Stats;
      properties: PropertyStatus[];
      violations: Violation[];
      complete: boolean;
      stoppedBy?: StopReason;
      reductions?: Reductions;
      coverage?: Coverage;
      liveness?: LivenessInfo;
    }
  /** The search stopped early with no violation: no verdict. */
  | { status: 'incomplete'; run: RunInfo; stats: Stats; properties: PropertyStatus[]; stoppedBy: StopReason; reductions?: Reductions; coverage?: Coverage; liveness?: LivenessInfo }
  /** The model is broken (a step threw, wrote a bad value...). */
  | { status: 'error'; run: RunInfo; message: string; thread?: string; label?: string; state?: unknown };

export const EXIT = { verified: 0, violated: 1, error: 2, incomplete: 3 } as const;

export function exitCodeOf(r: CheckResult): number {
  // An interrupted search is incomplete even when it found violations before the interrupt
  // (they are still reported, with their traces): exit 3, as TLC and SPIN users expect. A bound
  // the user set (--max-states...) that ends a search after a violation keeps exit 1.
  if (r.status === 'violated' && r.stoppedBy === 'interrupted') return EXIT.incomplete;
  return EXIT[r.status];
}
