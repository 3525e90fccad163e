// One check with state-space reductions on a pool of workers, every reduction asked for applied
// or said why not. Symmetry and the preemption bound run in the parallel search (pool.ts).
// Partial-order reduction cannot (its cycle proviso needs the visited set at the moment a state
// is expanded, which no single worker has), so with POR asked and several workers:
//
//  - the sequential reduced search starts in one worker. Its own give-up rule decides whether
//    POR can help (src/engine/reduction/run.ts: once the reduced search has stored as many
//    states as an unreduced prefix of 20,000, is it any deeper?). That rule is the probe;
//  - POR given up (most bundled models): the run ends there and the parallel search takes
//    over, with symmetry and the bound, as the sequential search would have gone on without POR;
//  - POR kept: the sequential run simply goes on to its end, in one worker, and the result
//    says so (a note), since the other workers had nothing to do;
//  - the state space smaller than the prefix: the prefix was the whole search (run.ts says so).
//
// With one worker the sequential search does everything, as it always did.

import type { CheckResult } from '../engine/result.js';
import { statesPerSecond } from '../engine/result-builder.js';
import type { ParallelCheckOptions, ParallelChecker, ParallelProgress, ParallelTarget } from './pool.js';
import type { SequentialReductions } from './protocol.js';

export type ReducedCheckOptions = ParallelCheckOptions & Omit<SequentialReductions, 'stopIfPorGivenUp'>;

export async function checkWithReductions(checker: ParallelChecker, target: ParallelTarget, o: ReducedCheckOptions): Promise<CheckResult> {
  const W = checker.workers;
  if (W === 1) return checker.checkSequential(target, o);
  // Under a bound the reductions turn POR off themselves (and say so): no probe needed.
  if (o.por !== true || o.preemptionBound !== undefined) return checker.check(target, o);
  const start = performance.now();
  let gaveUp: string | undefined;
  const probe = await checker.checkSequential(target, { ...o, onPorGivenUp: (note) => (gaveUp = note) });
  if (gaveUp === undefined) {
    // Kept, unless the state space was small enough for the probe's unreduced prefix to cover it
    // (then that was the search, and its note says so).
    if (probe.status !== 'error' && probe.reductions?.por === true)
      probe.reductions.notes.push(`partial-order reduction kept: the search ran in one worker of ${W} (the parallel search cannot do it; --no-por to use all ${W})`);
    return probe;
  }
  // An interrupt or the time bound may have come while the probe ran.
  if (o.signal?.aborted) return probe;
  const spent = performance.now() - start;
  const maxTimeMs = o.maxTimeMs === undefined ? undefined : Math.max(0, o.maxTimeMs - spent);
  // Progress goes on where the probe's left off: its clock counts the whole run.
  const onProgress = o.onProgress;
  const progress = onProgress ? { onProgress: (p: ParallelProgress) => onProgress({ ...p, elapsedMs: p.elapsedMs + spent }) } : {};
  const result = await checker.check(target, { ...o, por: false, maxTimeMs, ...progress });
  if (result.status === 'error') return result;
  // The probe's time is part of the run (the sequential search counts its prefix too).
  result.stats.timeMs += spent;
  result.stats.statesPerSecond = statesPerSecond(result.stats.states, result.stats.timeMs);
  const reductions = result.reductions ?? { por: false, passes: 0, symmetry: [], notes: [] };
  reductions.notes.push(`${gaveUp} (by ${W} workers)`);
  result.reductions = reductions;
  return result;
}
