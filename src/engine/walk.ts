// The one random walk: the search core with a LIFO frontier, a path log instead of the visited
// set and a chooser that picks one enabled action per state. kmc simulate walks by schedules
// (src/random), partial-order reduction's learning runs walk uniformly (reduction/run.ts).

import type { Step, TransitionSystem } from '../model/system.js';
import { mulberry32, uniformPick } from '../util/prng.js';
import { RandomChooser, type Chooser } from './chooser.js';
import type { Evaluator } from './evaluate.js';
import type { Budget } from './limits.js';
import { StateQueue } from './frontier.js';
import type { Reducer } from './reduction/reducer.js';
import { search, type SearchOutcome } from './search.js';
import { PathLog } from './visited.js';

export interface WalkOptions<A extends Step = Step> {
  maxDepth: number;
  /** The run's clock and interrupt (a learning walk shares its reduced search's). */
  budget?: Budget | undefined;
  /** End the walk at its first violation (kmc simulate); otherwise it runs to its depth or a dead end. */
  stopOnFirstViolation?: boolean;
  reducer?: Reducer<A> | undefined;
}

export function walk<A extends Step>(model: TransitionSystem<A>, evaluator: Evaluator, chooser: Chooser, o: WalkOptions<A>): SearchOutcome {
  return search(model, evaluator, {
    frontier: new StateQueue(model.width, 'lifo'),
    store: new PathLog(),
    chooser,
    maxDepth: o.maxDepth,
    budget: o.budget,
    ...(o.stopOnFirstViolation ? { stopOnFirstViolation: true } : {}),
    ...(o.reducer ? { reducer: o.reducer } : {}),
  });
}

/** A chooser picking uniformly among the enabled actions, reproducible from `seed`. */
export function uniformChooser(seed: number): Chooser {
  return new RandomChooser(uniformPick(mulberry32(seed)));
}
