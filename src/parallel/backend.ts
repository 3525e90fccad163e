// How a planned check is searched. Two backends over one pool of worker threads (the main thread
// searches in neither: it stays free for progress, the memory bound and Ctrl-C):
//  - sequential: the engine's own check() in one worker (any check on a pool of one worker),
//    the only search that does partial-order reduction;
//  - parallel: the level-synchronous breadth-first search shared by every worker, with symmetry
//    and the preemption bound.
// Both return the same CheckResult, and both are checkpointed (src/engine/checkpoint,
// src/parallel/checkpoint.ts). A distributed search is a third backend.

import type { CheckResult } from '../engine/result.js';
import type { ParallelCheckOptions, ParallelChecker, ParallelTarget } from './pool.js';
import type { SequentialReductions } from './protocol.js';

export type BackendOptions = ParallelCheckOptions & SequentialReductions;

export interface SearchBackend {
  readonly kind: 'sequential' | 'parallel';
  /** Worker threads the search runs on. */
  readonly workers: number;
  search(target: ParallelTarget, options: BackendOptions): Promise<CheckResult>;
}

export function sequentialBackend(checker: ParallelChecker): SearchBackend {
  if (checker.workers !== 1) throw new RangeError(`the sequential search runs in a pool of one worker, not ${checker.workers}`);
  return { kind: 'sequential', workers: 1, search: (target, options) => checker.checkSequential(target, options) };
}

export function parallelBackend(checker: ParallelChecker): SearchBackend {
  // Where the whole check is one search of the graph (liveness, no reduction) that the parallel
  // search cannot record (--first, the partitioned scheme), that search in one worker rather than
  // a parallel safety search and the same graph again (pool.ts, checkSearchingOnce).
  return { kind: 'parallel', workers: checker.workers, search: (target, options) => checker.checkSearchingOnce(target, options) };
}

/**
 * The backend for a check on this pool: a pool of one worker runs the sequential search, the
 * only one with partial-order reduction, and with or without reductions faster per state than the
 * level search in one worker (same states, verdicts and shortest counterexamples; progress, the
 * memory bound and interrupts through the same board: bench/README.md "engine"); two or more run
 * the parallel search (the CLI refuses --por with more than one).
 */
export function backendFor(checker: ParallelChecker, o: { por: boolean }): SearchBackend {
  if (o.por && checker.workers > 1) throw new RangeError(`partial-order reduction runs in one worker, not ${checker.workers}`);
  return checker.workers === 1 ? sequentialBackend(checker) : parallelBackend(checker);
}
