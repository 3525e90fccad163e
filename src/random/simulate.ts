// Random search for models too big to exhaust: `kmc simulate`. Each run is one walk of the
// search core (a one-state frontier, a path log instead of the visited set, and a chooser that
// follows a schedule), stopping at the first violation or at the depth bound. fast-check
// generates the schedules from the seed, so a run is reproducible, and shrinks a failing one
// to fewer context switches and fewer steps. The uniform baseline picks each step uniformly at
// random among the enabled ones (bench/ compares how many runs each needs to hit a bug).
//
// Liveness: a random walk is finite, so it can show a liveness violation only as a lasso it
// closed itself: a walk that comes back to a state it visited (the steps between repeat for
// ever), or one that stops where no step can run (it stays there for ever). Such a lasso is a
// real counterexample when the lasso checker (src/engine/liveness/lasso-check.ts, what kmc replay
// uses) finds it fair and breaking the property; every other walk says nothing about liveness,
// and finding no lasso is never a proof.

import * as fc from 'fast-check';
import type { CompiledModel } from '../model/compile.js';
import type { CompiledAction } from '../model/compile.js';
import type { LivenessProperty, Property } from '../property/types.js';
import type { Chooser } from '../engine/chooser.js';
import { makeEvaluator } from '../engine/evaluate.js';
import { checkLasso } from '../engine/liveness/lasso-check.js';
import type { FoundViolation } from '../engine/search.js';
import { uniformChooser, walk as walkCore } from '../engine/walk.js';
import { ScheduleChooser } from './schedule.js';

/** A violation a walk found: a liveness one is a lasso, its loop starting after `loop` steps. */
export type WalkViolation = FoundViolation & { loop?: number };

export interface WalkResult {
  violation: WalkViolation | undefined;
  /** Steps taken. */
  steps: number;
  /** The walk closed a lasso (came back to a state, or stopped), so liveness was checked on it. */
  lasso?: boolean;
  error?: Error;
}

/** Records the one choice a walk makes at each depth. */
class Recorder implements Chooser {
  readonly path: number[] = [];
  constructor(private readonly inner: Chooser) {}
  choose(n: number, depth: number, enabled: readonly CompiledAction[]): readonly number[] {
    const c = this.inner.choose(n, depth, enabled);
    this.path.length = depth;
    if (c.length > 0) this.path.push(c[0]!);
    return c;
  }
}

const isLiveness = (p: Property): p is LivenessProperty => p.kind === 'liveness';

/**
 * One random walk (src/engine/walk.ts), ending at its first violation. The safety properties
 * are checked along it; the liveness ones on the lasso it closes, if it closes one.
 */
export function walk(model: CompiledModel, all: readonly Property[], selected: readonly Property[], chooser: Chooser, maxDepth: number): WalkResult {
  const liveness = selected.filter(isLiveness);
  const recorder = liveness.length > 0 ? new Recorder(chooser) : undefined;
  const outcome = walkCore(model, makeEvaluator(model, all, selected.filter((p) => !isLiveness(p))), recorder ?? chooser, { maxDepth, stopOnFirstViolation: true });
  const r: WalkResult = { violation: outcome.violations[0], steps: outcome.diameter };
  if (outcome.error) r.error = outcome.error;
  if (r.violation || r.error || !recorder) return r;
  const lassos = closedLassos(model, recorder.path);
  if (lassos.length === 0) return r;
  r.lasso = true;
  const info = makeEvaluator(model, all, []);
  for (const lasso of lassos)
    for (const property of liveness) {
      const c = checkLasso(model, property, lasso.path, lasso.loop, (w) => info.info(w));
      if (c.ok) {
        r.violation = { property, path: lasso.path, loop: lasso.loop, message: c.message };
        return r;
      }
    }
  return r;
}

/**
 * The lassos a walk's path closes (none when it neither repeats a state nor stops): up to the
 * first state it visits a second time (the loop starts at the first visit); the whole path
 * when its last state repeats an earlier one (the loop from the latest earlier visit: where the
 * walk settled); or, when it stops where no step can run, the whole path with the run staying
 * in its last state. Two candidates at most per walk, so a walk of d steps costs O(d).
 */
export function closedLassos(model: CompiledModel, path: readonly number[]): { path: number[]; loop: number }[] {
  const first = new Map<string, number>();
  const latest = new Map<string, number>();
  const buf: CompiledAction[] = [];
  const out: { path: number[]; loop: number }[] = [];
  let state = model.init;
  for (let i = 0; ; i++) {
    const key = state.join(',');
    const seen = first.get(key);
    if (seen !== undefined && out.length === 0) out.push({ path: path.slice(0, i), loop: seen });
    const n = model.enabled(state, buf);
    if (i === path.length) {
      const before = latest.get(key);
      if (before !== undefined && !(out[0]?.path.length === i && out[0]?.loop === before)) out.push({ path: [...path], loop: before });
      if (n === 0) out.push({ path: [...path], loop: path.length });
      return out;
    }
    if (seen === undefined) first.set(key, i);
    latest.set(key, i);
    const next = new Int32Array(model.width);
    if (model.apply(state, buf[path[i]!]!, next).halted) return out;
    state = next;
  }
}

export interface SimulateOptions {
  runs: number;
  seed: number;
  /** Steps per run at most. */
  depth: number;
}

export type SimulateResult =
  | { status: 'violated'; violation: WalkViolation; runs: number; seed: number; shrunkFrom: number; switches: number; schedule: number[] }
  /** `lassos`: how many runs closed a lasso, on which the liveness properties were checked. */
  | { status: 'no-violation'; runs: number; seed: number; depth: number; lassos: number }
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
  let lassos = 0;
  let error: Error | undefined;
  const details = fc.check(
    fc.property(scheduleArbitrary(o.depth), (schedule) => {
      const r = walk(model, all, selected, new ScheduleChooser(schedule), o.depth);
      if (r.error) {
        error = r.error;
        return false;
      }
      if (firstLength < 0) runs++;
      if (r.lasso && firstLength < 0) lassos++;
      if (r.violation && firstLength < 0) firstLength = r.violation.path.length;
      return r.violation === undefined;
    }),
    { numRuns: o.runs, seed: o.seed, endOnFailure: false },
  );
  if (error) return { status: 'error', message: error.message };
  if (!details.failed || !details.counterexample) return { status: 'no-violation', runs: details.numRuns, seed: o.seed, depth: o.depth, lassos };
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
