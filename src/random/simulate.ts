// Random search for models too big to exhaust: `kmc simulate`. Each run is one walk of the
// search core (a one-state frontier, a path log instead of the visited set, and a chooser that
// follows a schedule), stopping at the first violation or at the depth bound. fast-check
// generates the schedules from the seed, so a run is reproducible, and shrinks a failing one
// to fewer context switches and fewer steps. The uniform baseline picks each step uniformly at
// random among the enabled ones (bench/ compares how many runs each needs to hit a bug).

import fc from 'fast-check';
import type { CompiledModel } from '../model/compile.js';
import type { Property } from '../property/types.js';
import type { Chooser } from '../engine/chooser.js';
import { makeEvaluator } from '../engine/evaluate.js';
import type { FoundViolation } from '../engine/search.js';
import { uniformChooser, walk as walkCore } from '../engine/walk.js';
import { ScheduleChooser } from './schedule.js';

export interface WalkResult {
  violation: FoundViolation | undefined;
  /** Steps taken. */
  steps: number;
  error?: Error;
}

/** One random walk (src/engine/walk.ts), ending at its first violation. */
export function walk(model: CompiledModel, all: readonly Property[], selected: readonly Property[], chooser: Chooser, maxDepth: number): WalkResult {
  const outcome = walkCore(model, makeEvaluator(model, all, selected), chooser, { maxDepth, stopOnFirstViolation: true });
  const r: WalkResult = { violation: outcome.violations[0], steps: outcome.diameter };
  if (outcome.error) r.error = outcome.error;
  return r;
}

export interface SimulateOptions {
  runs: number;
  seed: number;
  /** Steps per run at most. */
  depth: number;
}

export type SimulateResult =
  | { status: 'violated'; violation: FoundViolation; runs: number; seed: number; shrunkFrom: number; switches: number; schedule: number[] }
  | { status: 'no-violation'; runs: number; seed: number; depth: number }
  | { status: 'error'; message: string };

/**
 * The schedule arbitrary: up to `depth` entries, each a small offset among the enabled steps.
 * fast-check's default size ('small') keeps arrays to about ten entries, after which a walk
 * never switches threads again, and deep bugs are then never hit; 'large' lets schedules
 * switch throughout a run. Offsets up to 3 hit more of the bundled bugs than up to 7
 * (bench/README.md, random search).
 */
export function scheduleArbitrary(depth: number): fc.Arbitrary<number[]> {
  return fc.array(fc.nat({ max: 3 }), { maxLength: depth, size: 'large' });
}

export function simulate(model: CompiledModel, all: readonly Property[], selected: readonly Property[], o: SimulateOptions): SimulateResult {
  let runs = 0;
  let firstLength = -1;
  let error: Error | undefined;
  const details = fc.check(
    fc.property(scheduleArbitrary(o.depth), (schedule) => {
      const r = walk(model, all, selected, new ScheduleChooser(schedule), o.depth);
      if (r.error) {
        error = r.error;
        return false;
      }
      if (firstLength < 0) runs++;
      if (r.violation && firstLength < 0) firstLength = r.violation.path.length;
      return r.violation === undefined;
    }),
    { numRuns: o.runs, seed: o.seed, endOnFailure: false },
  );
  if (error) return { status: 'error', message: error.message };
  if (!details.failed || !details.counterexample) return { status: 'no-violation', runs: details.numRuns, seed: o.seed, depth: o.depth };
  const schedule = details.counterexample[0];
  const chooser = new ScheduleChooser(schedule);
  const r = walk(model, all, selected, chooser, o.depth);
  if (!r.violation) return { status: 'error', message: 'internal: the shrunk schedule no longer fails' };
  return { status: 'violated', violation: r.violation, runs, seed: o.seed, shrunkFrom: firstLength, switches: chooser.switches, schedule };
}

/** Uniform baseline: runs until the first violation (or `runs` runs); returns how many it took. */
export function uniformRunsToViolation(model: CompiledModel, all: readonly Property[], selected: readonly Property[], o: SimulateOptions): number | undefined {
  // One generator for all the runs: each run continues its sequence.
  const chooser = uniformChooser(o.seed);
  for (let i = 1; i <= o.runs; i++) {
    const r = walk(model, all, selected, chooser, o.depth);
    if (r.error) throw r.error;
    if (r.violation) return i;
  }
  return undefined;
}

/** fast-check schedules: how many runs until the first violation (before shrinking). */
export function scheduleRunsToViolation(model: CompiledModel, all: readonly Property[], selected: readonly Property[], o: SimulateOptions): number | undefined {
  let i = 0;
  let hit: number | undefined;
  fc.check(
    fc.property(scheduleArbitrary(o.depth), (schedule) => {
      i++;
      const r = walk(model, all, selected, new ScheduleChooser(schedule), o.depth);
      if (r.violation && hit === undefined) hit = i;
      return r.violation === undefined;
    }),
    { numRuns: o.runs, seed: o.seed, endOnFailure: true },
  );
  return hit;
}
