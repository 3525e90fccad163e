// A breadth-first search with reductions: the search core (search.ts) with a Reductions
// reducer, in passes when partial-order reduction learns footprints (por.ts: a pass in which a
// footprint grew is not trusted and the search starts again), then the counterexamples turned
// into paths of the model itself (symmetry-path.ts), and, with `shortest`, made shortest by a
// search without partial-order reduction up to their length.

import type { CompiledAction, CompiledModel } from '../../model/compile.js';
import type { TransitionSystem } from '../../model/system.js';
import type { Property } from '../../property/types.js';
import { ExhaustiveChooser } from '../chooser.js';
import { makeEvaluator, type Evaluator } from '../evaluate.js';
import { StateQueue } from '../frontier.js';
import { Budget, type Limits } from '../limits.js';
import { ModelError } from '../../util/errors.js';
import { search, type FoundViolation, type SearchOutcome } from '../search.js';
import { FingerprintSet } from '../visited.js';
import { uniformChooser, walk } from '../walk.js';
import type { ConflictCount } from './por.js';
import { Reductions, type ReductionOptions } from './reductions.js';
import { pathsAreShortest, type ReductionSummary } from './summary.js';
import { realViolation } from './symmetry-path.js';
import type { CheckpointSession } from '../checkpoint/session.js';

export interface ReducedSearchOptions extends ReductionOptions, Limits {
  /** Re-search without partial-order reduction up to the counterexamples' length, so that they are shortest. */
  shortest?: boolean | undefined;
  /** The run's clock, memory bound, interrupt and progress sink, shared by every pass (time and memory bounds are read from it). */
  budget?: Budget | undefined;
  /**
   * How much the footprints are learned before the first reduced pass: states of an unreduced
   * prefix and random walks (defaults 20000 and none; after a pass in which a footprint grew,
   * walks up to a quarter of `seedWalks`, by default 250). Soundness does not depend on it
   * (tests set both to 0, so that every model goes through restarts); speed does.
   */
  seedStates?: number | undefined;
  seedWalks?: number | undefined;
  /** Do not give up on partial-order reduction when it reduces hardly anything (tests, bench). */
  keepPor?: boolean | undefined;
  /** Debugging: called after the search with the slots that made the last reduced pass's closures big (por.ts, ConflictCount). */
  blame?: ((top: ConflictCount[]) => void) | undefined;
  /** Checkpoint the search (src/engine/checkpoint; without partial-order reduction, which restarts passes). */
  checkpoint?: CheckpointSession | undefined;
}

export interface ReducedOutcome {
  outcome: SearchOutcome;
  summary: ReductionSummary;
  /** The system searched (with the preemption bound's words, if any). */
  model: TransitionSystem<CompiledAction>;
  /** Of the last pass's visited set. */
  bytesPerState: number;
}

/** The unreduced prefix: it seeds the footprints and is the baseline partial-order reduction must beat. */
const SEED_STATES = 20000;
/** Passes abandoned as soon as a footprint grows (later ones run to their end). */
const ABORTED_PASSES = 2;

/**
 * Random walks after the prefix (none: measured on bench/spin's system and the bundled models,
 * walks before the first pass cost more time than the restarts they saved), walks after a pass
 * in which a footprint grew, and how long a run of walks that teach nothing ends them.
 */
const SEED_WALKS = 0;
const RESTART_WALKS = 250;
const QUIET_WALKS = 50;
const WALK_DEPTH = 500;


export function searchWithReductions(base: CompiledModel, all: readonly Property[], selected: readonly Property[], o: ReducedSearchOptions): ReducedOutcome {
  const start = performance.now();
  const red = new Reductions(base, all, selected, o);
  const model = red.model;
  const inner = makeEvaluator(model, all, selected);
  const por = red.por;
  if (por && o.blame) por.blaming();
  const session = o.checkpoint;
  if (session && por) throw new ModelError('a checkpointed search cannot use partial-order reduction (its passes start the search again)');
  if (session && red.bound) {
    const bound = red.bound;
    bound.cut = session.savedReducer?.boundCut ?? 0;
    session.reducerState = () => ({ boundCut: bound.cut });
  }
  // The search's evaluator, telling partial-order reduction which invariants it found violated
  // (with none selected, the evaluator itself: no wrapper called on every new state).
  const evaluator: Evaluator = por && selected.some((p) => p.kind === 'invariant')
    ? {
        ...inner,
        invariants(state) {
          const out = inner.invariants(state);
          for (let i = 0; i < out.length; i++) por.invariantViolated(out[i]!); // no iterator per state
          return out;
        },
      }
    : inner;
  const budget = o.budget ?? new Budget(o);
  let totalStates = 0;
  let peakRss = 0;
  let gaveUp = '';
  // One chooser for every pass: the ranges it makes as it first meets each number of enabled
  // actions are made in the prefix, not again in the reduced pass's first states (where the
  // JIT, having optimized the prefix's expansions without that path, deoptimized for it).
  const chooser = new ExhaustiveChooser();
  /** How far the unreduced prefix got with how many states (undefined: it explored everything). */
  let baseline: { states: number; depth: number } | undefined;
  const run = (store: FingerprintSet, limits: { maxStates?: number | undefined; maxDepth?: number | undefined }, reducer: Reductions | undefined, reducing: boolean, abortWhenSpoiled = reducing) => {
    const interrupted = reducing
      ? () => {
          if (abortWhenSpoiled && por!.passSpoiled) return true;
          // Nothing to gain: with as many states as the unreduced prefix stored, the reduced
          // search is no deeper than it got (every step conflicts with some other thread's, or
          // an invariant sees it, so hardly anything is left out), and recording costs time.
          // Give up while the pass is young; a plain search is exact.
          if (o.keepPor !== true && baseline !== undefined && store.size >= baseline.states && red.depth + 1 <= baseline.depth) {
            gaveUp = `partial-order reduction: given up (with the ${baseline.states} states an unreduced search stores up to depth ${baseline.depth}, it got no deeper); searched without it`;
            return true;
          }
          return false;
        }
      : undefined;
    const out = search(model, evaluator, {
      frontier: session ? session.frontier(model.width) : new StateQueue(model.width, 'fifo'),
      store,
      ...(session ? { checkpoint: session.searchCheckpoint() } : {}),
      chooser,
      maxStates: limits.maxStates,
      maxDepth: limits.maxDepth,
      budget,
      stopOnFirstViolation: o.first === true,
      ...(interrupted ? { interrupted } : {}),
      // An inactive reducer (symmetry asked for, as `kmc check` does by default, on a model that
      // declares no interchangeable members, and no other reduction) changes nothing: the search
      // runs without one instead of consulting it at every state and transition (bench/README.md,
      // "The small run's one-worker and reduced search", session 11).
      ...(reducer?.active ? { reducer } : {}),
    });
    totalStates += out.states;
    peakRss = Math.max(peakRss, out.peakRss);
    return out;
  };

  /** The unreduced prefix when it covered the whole state space: then it is the search. */
  let whole: { outcome: SearchOutcome; store: FingerprintSet } | undefined;
  // Learning runs: an unreduced breadth-first prefix, then random walks until they stop
  // teaching anything (everything they record is kept; they decide nothing).
  const learn = (seedStates: number, walks: number) => {
    // Sized to grow in the prefix (from 1,024 states), so that the visited set's growth has run
    // before the JIT optimizes the search around it: a pass's store first grows at 65,536
    // states, and there the optimized search deoptimized for it.
    const store = new FingerprintSet(1 << 10);
    por!.beginPass('learn', store);
    por!.visitInvariants(model.init);
    if (seedStates > 0) {
      const prefix = run(store, { maxStates: Math.min(seedStates, o.maxStates ?? Infinity), maxDepth: o.maxDepth }, red, false);
      // The prefix was the whole state space: a complete search without partial-order
      // reduction, with shortest paths; a reduced pass could only repeat it.
      if (prefix.stoppedBy === undefined && !prefix.error) {
        whole = { outcome: prefix, store };
        return;
      }
      if (prefix.stoppedBy === 'max-states') baseline = { states: prefix.states, depth: prefix.diameter };
    }
    let quiet = 0;
    for (let i = 0; i < walks && quiet < QUIET_WALKS; i++) {
      const v = por!.fp.version;
      // One random walk from the initial state (learning mode: every evaluation is recorded).
      walk(model, evaluator, uniformChooser(((i + 1) * 0x9e3779b1) >>> 0), { maxDepth: o.maxDepth ?? WALK_DEPTH, budget, reducer: red });
      quiet = por!.fp.version === v ? quiet + 1 : 0;
    }
  };
  const walks = o.seedWalks ?? SEED_WALKS;
  if (por) learn(o.seedStates ?? SEED_STATES, walks);
  let passes = 0;
  let outcome: SearchOutcome;
  let store: FingerprintSet;
  if (whole) {
    ({ outcome, store } = whole);
    red.withoutPor();
  } else for (;;) {
    passes++;
    store = session ? session.store() : new FingerprintSet();
    if (por) {
      por.beginPass('reduce', store);
      por.visitInvariants(model.init);
    }
    // A pass whose footprints grew is not trusted: the first ones are abandoned at once, the
    // footprints learn some more, and the search starts again; later ones run to their end
    // (learning all the reduced graph shows) before the search starts again.
    red.depth = 0;
    outcome = run(store, { maxStates: o.maxStates, maxDepth: o.maxDepth }, red, por !== null, por !== null && passes <= ABORTED_PASSES);
    if (gaveUp) {
      red.withoutPor();
      store = new FingerprintSet();
      outcome = run(store, { maxStates: o.maxStates, maxDepth: o.maxDepth }, red, false);
      break;
    }
    if (!por || !por.passSpoiled) break;
    // Whatever a spoiled pass found is real (every path is a run of the model), but its
    // completeness is not established: search again, unless it stopped for another reason.
    if (outcome.error || (outcome.stoppedBy !== undefined && outcome.stoppedBy !== 'first-violation' && !(outcome.stoppedBy === 'interrupted' && !budget.interrupted())))
      break;
    if (o.first && outcome.violations.length > 0) break;
    learn(0, o.seedWalks === undefined ? RESTART_WALKS : Math.ceil(o.seedWalks / 4));
  }
  if (por && o.blame) o.blame(por.conflicts(20));
  const trusted = !por || gaveUp !== '' || whole !== undefined || !por.passSpoiled;

  const shortest: Record<string, boolean> = {};
  let violations = outcome.violations.map((v) => (red.canon ? realViolation(red, inner, v) : v));
  // Without partial-order reduction, breadth-first order gives shortest paths (symmetry keeps
  // distances: the initial state is fixed by every permutation). With it, not necessarily.
  const reducedByPor = por !== null && gaveUp === '' && whole === undefined;
  for (const v of violations) shortest[v.property.name] = pathsAreShortest(reducedByPor, red.bound !== null, o.first === true);
  if (o.shortest && reducedByPor && violations.length > 0 && !outcome.error) {
    const depth = Math.max(...violations.map((v) => v.path.length));
    const plain = new Reductions(base, all, selected, { symmetry: o.symmetry, preemptionBound: o.preemptionBound });
    const again = searchPlain(plain, all, selected, depth, budget);
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
    por: reducedByPor,
    passes: por ? passes : 0,
    // (A prefix that was the whole search reduced nothing: its shadow expansions, por.ts, only counted.)
    reducedStates: por !== null && whole === undefined ? por.reducedStates : 0,
    symmetry: red.canon?.describe() ?? [],
    shortest,
    notes: [
      ...red.notes,
      ...(gaveUp ? [gaveUp] : []),
      ...(whole ? [`partial-order reduction: not needed (the unreduced search it starts with covered the whole state space, ${whole.outcome.states} states)`] : []),
    ],
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
function searchPlain(red: Reductions, all: readonly Property[], selected: readonly Property[], depth: number, budget: Budget): SearchOutcome {
  return search(red.model, makeEvaluator(red.model, all, selected), {
    frontier: new StateQueue(red.model.width, 'fifo'),
    store: new FingerprintSet(),
    chooser: new ExhaustiveChooser(),
    maxDepth: depth,
    budget,
    ...(red.active ? { reducer: red } : {}),
  });
}

export type { FoundViolation };
