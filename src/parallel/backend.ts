// How a planned check is searched. Two backends over one pool of worker threads (the main thread
// searches in neither: it stays free for progress, the memory bound and Ctrl-C):
//  - sequential: the engine's own check() in one worker, the only search that does
//    partial-order reduction;
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
  return { kind: 'parallel', workers: checker.workers, search: (target, options) => checker.check(target, options) };
}

/**
 * The backend for a check on this pool: partial-order reduction, and any reduction on a pool of
 * one worker, in the sequential search (the pool has one worker then: the CLI refuses --por
 * with more); everything else in the parallel search.
 */
export function backendFor(checker: ParallelChecker, o: { por: boolean; reduced: boolean }): SearchBackend {
  if (o.por && checker.workers > 1) throw new RangeError(`partial-order reduction runs in one worker, not ${checker.workers}`);
  return checker.workers === 1 && o.reduced ? sequentialBackend(checker) : parallelBackend(checker);
}
