// A breadth-first search with reductions: the search core (search.ts) with a Reductions
// reducer, in passes when partial-order reduction learns footprints (por.ts: a pass in which a
// footprint grew is not trusted and the search starts again), then the counterexamples turned
// into paths of the model itself (symmetry-path.ts), and, with `shortest`, made shortest by a
// search without partial-order reduction up to their length.

import type { CompiledModel } from '../../model/compile.js';
import type { Property } from '../../property/types.js';
import { ExhaustiveChooser } from '../chooser.js';
import { makeEvaluator, type Evaluator } from '../evaluate.js';
import { StateQueue } from '../frontier.js';
import { search, type FoundViolation, type Progress, type SearchOutcome } from '../search.js';
import { FingerprintSet } from '../visited.js';
import { Reductions, type ReductionOptions } from './reductions.js';
import { realViolation } from './symmetry-path.js';

export interface ReducedSearchOptions extends ReductionOptions {
  /** Re-search without partial-order reduction up to the counterexamples' length, so that they are shortest. */
  shortest?: boolean | undefined;
  maxStates?: number | undefined;
  maxDepth?: number | undefined;
  maxTimeMs?: number | undefined;
  maxMemory?: number | undefined;
  stopOnFirstViolation?: boolean;
  interrupted?: () => boolean;
  onProgress?: (p: Progress) => void;
  /** States of the unreduced search that seeds the footprints (default 2000). */
  seedStates?: number;
}

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

export interface ReducedOutcome {
  outcome: SearchOutcome;
  summary: ReductionSummary;
  model: CompiledModel;
  /** Of the last pass's visited set. */
  bytesPerState: number;
}

const SEED_STATES = 2000;

export function searchWithReductions(base: CompiledModel, all: readonly Property[], selected: readonly Property[], o: ReducedSearchOptions): ReducedOutcome {
  const start = performance.now();
  const red = new Reductions(base, all, selected, o);
  const model = red.model;
  const inner = makeEvaluator(model, all, selected);
  const por = red.por;
  // The search's evaluator, telling partial-order reduction which invariants it found violated.
  const evaluator: Evaluator = por
    ? {
        ...inner,
        invariants(state) {
          const out = inner.invariants(state);
          for (const p of out) por.invariantViolated(p);
          return out;
        },
      }
    : inner;
  const remaining = () => (o.maxTimeMs === undefined ? undefined : Math.max(0, o.maxTimeMs - (performance.now() - start)));
  let totalStates = 0;
  let peakRss = 0;
  const run = (store: FingerprintSet, limits: { maxStates?: number | undefined; maxDepth?: number | undefined }, reducer: Reductions | undefined) => {
    const out = search(model, evaluator, {
      frontier: new StateQueue(model.width, 'fifo'),
      store,
      chooser: new ExhaustiveChooser(),
      maxStates: limits.maxStates,
      maxDepth: limits.maxDepth,
      maxTimeMs: remaining(),
      maxMemory: o.maxMemory,
      stopOnFirstViolation: o.stopOnFirstViolation === true,
      ...(o.interrupted ? { interrupted: o.interrupted } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(reducer ? { reducer } : {}),
    });
    totalStates += out.states;
    peakRss = Math.max(peakRss, out.peakRss);
    return out;
  };

  if (por) {
    // Seed the footprints with a short unreduced prefix (everything it records is kept).
    const store = new FingerprintSet();
    por.beginPass('learn', store);
    por.visitInvariants(model.init);
    run(store, { maxStates: Math.min(o.seedStates ?? SEED_STATES, o.maxStates ?? Infinity), maxDepth: o.maxDepth }, red);
  }
  let passes = 0;
  let outcome: SearchOutcome;
  let store: FingerprintSet;
  for (;;) {
    passes++;
    store = new FingerprintSet();
    if (por) {
      por.beginPass('reduce', store);
      por.visitInvariants(model.init);
    }
    outcome = run(store, { maxStates: o.maxStates, maxDepth: o.maxDepth }, red);
    if (!por || !por.passSpoiled) break;
    // Whatever a spoiled pass found is real (every path is a run of the model), but its
    // completeness is not established: search again, unless it stopped for another reason.
    if (outcome.error || (outcome.stoppedBy !== undefined && outcome.stoppedBy !== 'first-violation')) break;
    if (o.stopOnFirstViolation && outcome.violations.length > 0) break;
  }
  const trusted = !por || !por.passSpoiled;

  const shortest: Record<string, boolean> = {};
  let violations = outcome.violations.map((v) => (red.canon ? realViolation(red, inner, v) : v));
  // Without partial-order reduction, breadth-first order gives shortest paths (symmetry keeps
  // distances: the initial state is fixed by every permutation). With it, not necessarily.
  for (const v of violations) shortest[v.property.name] = !por && !red.bound && o.stopOnFirstViolation !== true;
  if (o.shortest && por && violations.length > 0 && !outcome.error) {
    const depth = Math.max(...violations.map((v) => v.path.length));
    const plain = new Reductions(base, all, selected, { symmetry: o.symmetry, preemptionBound: o.preemptionBound });
    const again = searchPlain(plain, all, selected, depth, remaining(), o);
    totalStates += again.states;
    const better = new Map(again.violations.map((v) => [v.property.name, plain.canon ? realViolation(plain, makeEvaluator(plain.model, all, selected), v) : v]));
    violations = violations.map((v) => {
      const b = better.get(v.property.name);
      if (b && again.stoppedBy !== 'max-time' && again.stoppedBy !== 'interrupted' && again.stoppedBy !== 'max-memory') {
        shortest[v.property.name] = true;
        return b;
      }
      return v;
    });
  }

  const summary: ReductionSummary = {
    por: por !== null,
    passes: por ? passes : 0,
    reducedStates: por?.reducedStates ?? 0,
    symmetry: red.canon?.describe() ?? [],
    shortest,
    notes: [...red.notes],
    totalStates,
  };
  if (por && !trusted) summary.notes.push('partial-order reduction: footprints were still growing when the search stopped');
  if (red.bound) {
    summary.preemptionBound = red.bound.bound;
    summary.preemptionCut = red.bound.cut;
  }
  const final: SearchOutcome = { ...outcome, violations, timeMs: performance.now() - start, peakRss: Math.max(peakRss, outcome.peakRss) };
  return { outcome: final, summary, model, bytesPerState: store.bytesPerState() };
}

/** A breadth-first search to `depth` with the given (POR-free) reductions. */
function searchPlain(red: Reductions, all: readonly Property[], selected: readonly Property[], depth: number, maxTimeMs: number | undefined, o: ReducedSearchOptions): SearchOutcome {
  return search(red.model, makeEvaluator(red.model, all, selected), {
    frontier: new StateQueue(red.model.width, 'fifo'),
    store: new FingerprintSet(),
    chooser: new ExhaustiveChooser(),
    maxDepth: depth,
    maxTimeMs,
    maxMemory: o.maxMemory,
    ...(o.interrupted ? { interrupted: o.interrupted } : {}),
    ...(red.active ? { reducer: red } : {}),
  });
}

export type { FoundViolation };
