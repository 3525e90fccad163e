// How a run's reductions show in its result, in one place for the sequential search (check.ts)
// and the parallel one (src/parallel/pool.ts), so that both say the same about the same run.

import type { CheckResult, Reductions } from '../result.js';
import type { SearchOutcome } from '../search.js';

/** What a run with reductions did, for the report. */
export interface ReductionSummary {
  por: boolean;
  /** Passes of the reduced search (a pass is repeated when footprints grew), seed excluded. */
  passes: number;
  /** States expanded with an ample set smaller than all enabled actions, in the last pass. */
  reducedStates: number;
  symmetry: { name: string; members: number[] }[];
  preemptionBound?: number;
  /** Transitions not followed because of the preemption bound. */
  preemptionCut?: number;
  /** Whether each violation's path is a shortest one, by property name. */
  shortest: Record<string, boolean>;
  notes: string[];
  /** States stored over every pass (seed and repeated passes included). */
  totalStates: number;
}

/**
 * Are the counterexamples of a breadth-first search shortest ones? Not when partial-order
 * reduction left edges out, nor under a preemption bound (a shorter path may need more
 * preemptions), nor when the search stopped at its first violation. Symmetry keeps distances.
 */
export function pathsAreShortest(por: boolean, bounded: boolean, first: boolean): boolean {
  return !por && !bounded && !first;
}

/** What the result says about a run's reductions (ReductionSummary without the counters for bench/tests). */
export type ReductionReport = Pick<ReductionSummary, 'por' | 'passes' | 'symmetry' | 'notes' | 'preemptionBound' | 'shortest'>;

/**
 * The report of a run with symmetry and the preemption bound but no partial-order reduction
 * (the parallel search): the reducer's groups, bound and notes, and which paths are shortest.
 */
export function reportWithoutPor(
  red: { canon: { describe(): { name: string; members: number[] }[] } | null; bound: { bound: number } | null; notes: readonly string[] },
  violated: readonly string[],
  first: boolean,
): ReductionReport {
  const report: ReductionReport = {
    por: false,
    passes: 0,
    symmetry: red.canon?.describe() ?? [],
    notes: [...red.notes],
    shortest: Object.fromEntries(violated.map((name) => [name, pathsAreShortest(false, red.bound !== null, first)])),
  };
  if (red.bound) report.preemptionBound = red.bound.bound;
  return report;
}

/** A bounded run explored a smaller system: it is never complete, so never verified. */
export function markBounded(outcome: SearchOutcome, summary: Pick<ReductionReport, 'preemptionBound'>): void {
  if (summary.preemptionBound !== undefined && outcome.stoppedBy === undefined) outcome.stoppedBy = 'preemption-bound';
}

/** The result with which reductions ran, and whether each counterexample is known to be shortest. */
export function attachReductions(result: CheckResult, summary: ReductionReport): CheckResult {
  if (result.status === 'error') return result;
  const reductions: Reductions = { por: summary.por, passes: summary.passes, symmetry: summary.symmetry, notes: summary.notes };
  if (summary.preemptionBound !== undefined) reductions.preemptionBound = summary.preemptionBound;
  result.reductions = reductions;
  if (result.status === 'violated')
    for (const v of result.violations) v.shortest = summary.shortest[v.property] ?? false;
  return result;
}
