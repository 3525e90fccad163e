// The one search core. Exhaustive breadth-first search and random walks differ only in the
// frontier (which state next), the store (deduplicate or not) and the chooser (which enabled
// actions to follow); every bound, property and statistic is handled here once. It needs of a
// model only the model↔engine contract (src/model/system.ts). Replay follows one path with the
// one path follower instead (replay.ts), evaluating properties through the same evaluator.
//
// Shortest counterexamples: with a FIFO frontier states are expanded in order of depth, and a
// property's violation is recorded the first time it is seen, so the recorded one is at the
// least depth (invariants when a state is first stored, step properties and assertions when
// the step runs, deadlocks when the state is expanded).

import type { Property } from '../property/types.js';
import { hash64, hashHi, hashLo } from '../util/hash.js';
import { ModelError } from '../util/errors.js';
import type { Chooser } from './chooser.js';
import { Expander, type ExpandHandlers } from './expand.js';
import type { Evaluator } from './evaluate.js';
import type { CoverageCounts } from './coverage.js';
import type { Frontier } from './frontier.js';
import type { Reducer } from './reduction/reducer.js';
import type { StopReason } from './result.js';
import { Budget } from './limits.js';
import { pathTo, type StateStore } from './visited.js';
import { StepError, type BlockedThread, type Step, type TransitionSystem } from '../model/system.js';

export interface Progress {
  states: number;
  transitions: number;
  queue: number;
  depth: number;
  elapsedMs: number;
  rss: number;
  /** Set while the liveness analysis runs on the recorded graph (after the search: the figures above are its final ones). */
  analysis?: AnalysisProgress | undefined;
}

/** How far the fair-cycle analysis is (src/engine/liveness/meter.ts). */
export interface AnalysisProgress {
  /** The pass running now (1-based) of the passes planned: reachability, then each property's. */
  pass: number;
  passes: number;
  /** States this pass has visited so far. */
  visited: number;
}

export interface SearchOptions<A extends Step = Step> {
  frontier: Frontier;
  store: StateStore;
  chooser: Chooser;
  /** Bounds of this search (a reduced search's passes differ in them). */
  maxStates?: number | undefined;
  maxDepth?: number | undefined;
  /** Stop at the first violation of any property (random walks, `--first`). */
  stopOnFirstViolation?: boolean;
  /** The run's clock, memory bound, interrupt and progress sink (limits.ts); default: unbounded. */
  budget?: Budget | undefined;
  /** Polled with the budget's interrupt: this search alone stops ('interrupted') once it returns true. */
  interrupted?: () => boolean;
  progressIntervalMs?: number;
  /** State-space reductions (src/engine/reduction), consulted by the Expander on every state. */
  reducer?: Reducer<A>;
  /** Told every stored state, every transition and every expansion: the state graph liveness needs (src/engine/liveness). */
  graph?: GraphSink<A>;
  /** Save the search now and then, and continue a saved one (src/engine/checkpoint). */
  checkpoint?: SearchCheckpoint | undefined;
}

/** A violation found so far, as plain data (what a checkpoint keeps: the property by name). */
export interface SavedViolation {
  property: string;
  /** The state it shows in (for step properties and assertions: the source state), and the step (-1: none). */
  id: number;
  choice: number;
  message: string;
  blocked?: BlockedThread[];
}

/** What a breadth-first search has done so far, between two expansions: all it needs to go on. */
export interface SearchProgress {
  found: SavedViolation[];
  transitions: number;
  diameter: number;
  depthCut: boolean;
  /** Search time so far, over every session of the run. */
  elapsedMs: number;
  coverage?: CoverageCounts | undefined;
}

/** The progress with the store and frontier it belongs to (read them synchronously: the search goes on). */
export interface SearchSnapshot extends SearchProgress {
  store: StateStore;
  frontier: Frontier;
}

export interface SearchCheckpoint {
  /**
   * Go on from here instead of starting: SearchOptions' store and frontier then hold the saved
   * visited set and frontier (the initial state is not inserted again).
   */
  resume?: SearchProgress | undefined;
  /** Milliseconds between two saves (checked every 1024 expansions). */
  everyMs: number;
  /** Or save every this many expansions (deterministic: tests stop runs at chosen points). */
  everyExpansions?: number | undefined;
  /** Save also when the search ends (a liveness search follows: a resumed run goes straight to it). */
  saveAtEnd?: boolean | undefined;
  /**
   * Save the snapshot. Called when the search starts (when not resuming), every `everyMs`, and
   * with `final` when it stops on an interrupt, the time, memory or state bound (max-states
   * stops after the expansion that reached it, so the store and frontier agree: a resume with
   * a larger bound goes on), and with `saveAtEnd` when it ends; never on an error.
   */
  save(s: SearchSnapshot, final: boolean): void;
}

/** What the search tells a recorder of the state graph (src/engine/liveness/graph.ts). */
export interface GraphSink<A extends Step = Step> {
  /** A new state was stored under `id` (`words` is reused: read it now). */
  state(id: number, words: Int32Array, halted: boolean): void;
  /** Enabled action `choice` (= `action`) leads from state `from` to state `to`. */
  edge(from: number, to: number, choice: number, action: A): void;
  /** State `id` was expanded: `enabled` actions (0: none can run), or -1 when the depth bound left it unexpanded. */
  expanded(id: number, enabled: number): void;
}

export interface FoundViolation {
  property: Property;
  /** Path to the state where it shows (for step properties and assertions: the source state). */
  path: number[];
  message: string;
  blocked?: BlockedThread[];
}

export interface SearchOutcome {
  states: number;
  transitions: number;
  diameter: number;
  timeMs: number;
  peakRss: number;
  violations: FoundViolation[];
  stoppedBy: StopReason | undefined;
  /** Set when a model step threw: the search stopped there. */
  error?: StepError | ModelError;
  /** What the evaluator saw: steps run, properties exercised (coverage.ts). */
  coverage?: CoverageCounts;
}

interface Pending {
  property: Property;
  id: number;
  choice: number;
  message: string;
  blocked?: BlockedThread[];
}

/** XORed into the high fingerprint lane of a halted (BUG_ON) state. */
export const HALTED_MARK = 0x68a17ed5;

export function search<A extends Step>(model: TransitionSystem<A>, evaluator: Evaluator, o: SearchOptions<A>): SearchOutcome {
  const start = performance.now();
  const width = model.width;
  const current = new Int32Array(width);
  const found = new Map<string, Pending>();
  const resume = o.checkpoint?.resume;
  // A resumed search adds what the sessions before it did.
  const transitionsBefore = resume?.transitions ?? 0;
  const elapsedBefore = resume?.elapsedMs ?? 0;
  let transitions = 0;
  let diameter = resume?.diameter ?? 0;
  let stoppedBy: StopReason | undefined;
  const budget = o.budget ?? new Budget();
  let peakRss = budget.rss();
  let lastProgress = start;
  const progressEvery = o.progressIntervalMs ?? 1000;
  const maxStates = o.maxStates ?? Infinity;
  const maxDepth = o.maxDepth ?? Infinity;

  const record = (property: Property, id: number, choice: number, message: () => string, blocked?: () => BlockedThread[]) => {
    if (found.has(property.name)) return;
    const v: Pending = { property, id, choice, message: message() };
    if (blocked) v.blocked = blocked();
    found.set(property.name, v);
  };
  const done = () => o.stopOnFirstViolation === true && found.size > 0;
  // Apart from the successor handler, which runs per transition: a closure there would allocate
  // the variables it captures on every call.
  const recordInvariants = (violated: readonly Property[], id: number, state: Int32Array) => {
    for (const p of violated) record(p, id, -1, () => evaluator.explain(p, state));
  };

  const finish = (error?: StepError | ModelError): SearchOutcome => {
    peakRss = Math.max(peakRss, budget.rss());
    const violations = [...found.values()].map((v): FoundViolation => {
      const path = pathTo(o.store, v.id);
      if (v.choice >= 0) path.push(v.choice);
      const f: FoundViolation = { property: v.property, path, message: v.message };
      if (v.blocked) f.blocked = v.blocked;
      return f;
    });
    const out: SearchOutcome = {
      states: o.store.size,
      transitions,
      diameter,
      timeMs: elapsedBefore + performance.now() - start,
      peakRss,
      violations,
      stoppedBy,
    };
    if (error) out.error = error;
    if (evaluator.coverage) out.coverage = evaluator.coverage.counts(evaluator.properties);
    return out;
  };

  // Coverage counts this search alone (an evaluator may serve several: reduction passes, walks).
  evaluator.coverage?.reset();
  if (resume?.coverage) evaluator.coverage?.restore(resume.coverage);
  if (resume) {
    for (const v of resume.found) {
      const property = evaluator.properties.find((p) => p.name === v.property);
      if (!property) throw new Error(`internal: the checkpoint names property '${v.property}', which this run does not check`);
      found.set(property.name, { property, id: v.id, choice: v.choice, message: v.message, ...(v.blocked ? { blocked: v.blocked } : {}) });
    }
  }
  const expander = new Expander(model, evaluator, o.chooser, o.reducer);
  const reducer = o.reducer;
  let id = 0;
  let depth = 0;
  const handlers: ExpandHandlers<A> = {
    violation: (p, choice, message, blocked) => record(p, id, choice, message, blocked),
    successor: (next, choice, halted, action) => {
      // A state reached by a BUG_ON is a dead kernel: it must not be mistaken for the same
      // variables and locations reached normally (which has successors), so its fingerprint
      // is marked. Without this, whichever was reached first hid the other.
      const h = hash64(next);
      const hi = halted ? (h ^ HALTED_MARK) >>> 0 : h;
      const sid = o.store.insert(hi, hash64.lo, id, choice);
      const storedId = sid >= 0 ? sid : -sid - 1; // new (sid >= 0) or stored before (-sid - 1)
      if (reducer !== undefined) reducer.stored?.(storedId, sid >= 0);
      if (o.graph) {
        if (sid >= 0) o.graph.state(sid, next, halted);
        o.graph.edge(id, storedId, choice, action);
      }
      if (sid < 0) return;
      if (depth + 1 > diameter) diameter = depth + 1;
      const violated = evaluator.invariants(next);
      if (violated.length > 0) recordInvariants(violated, sid, next);
      if (!halted) o.frontier.push(next, sid, depth + 1);
      // Conservative: reaching the bound is never "verified", even if nothing was left to do.
      if (o.store.size >= maxStates) stoppedBy ??= 'max-states';
    },
  };

  let depthCut = resume?.depthCut ?? false;
  const ck = o.checkpoint;
  let lastSave = start;
  const snapshot = (): SearchSnapshot => ({
    store: o.store,
    frontier: o.frontier,
    found: [...found.values()].map((v) => ({ property: v.property.name, id: v.id, choice: v.choice, message: v.message, ...(v.blocked ? { blocked: v.blocked } : {}) })),
    transitions: transitionsBefore + expander.transitions,
    diameter,
    depthCut,
    elapsedMs: elapsedBefore + performance.now() - start,
    coverage: evaluator.coverage?.counts(evaluator.properties),
  });

  /**
   * Every 1,024 expansions: the interrupt, the time and memory bounds, progress, a timed
   * checkpoint; the reason to stop, if any. Called between two calls of expandSome (below), not
   * from its loop: its calls are first made late in a run.
   */
  const poll = (): StopReason | undefined => {
    const now = performance.now();
    if (budget.interrupted() || o.interrupted?.()) return 'interrupted';
    if (budget.overTime(now)) return 'max-time';
    if (now - lastProgress >= progressEvery) {
      lastProgress = now;
      const rss = budget.rss();
      peakRss = Math.max(peakRss, rss);
      if (rss > budget.maxMemory) return 'max-memory';
      budget.progress({ states: o.store.size, transitions: transitionsBefore + expander.transitions, queue: o.frontier.size, depth, elapsedMs: elapsedBefore + budget.elapsedMs(now), rss });
    }
    if (ck && now - lastSave >= ck.everyMs) {
      ck.save(snapshot(), false);
      lastSave = performance.now();
    }
    return undefined;
  };

  try {
    if (!resume) {
      // The initial state.
      const initId = o.store.insert(hashHi(model.init), hashLo(model.init), -1, 0);
      for (const p of evaluator.invariants(model.init)) record(p, initId, -1, () => evaluator.explain(p, model.init));
      o.graph?.state(initId, model.init, false);
      o.frontier.push(model.init, initId, 0);
      ck?.save(snapshot(), false);
    }

    let expansions = 0;
    // Every stop is taken between two expansions, before the next state is popped, so that the
    // store, the frontier and the violations agree: what a checkpoint saves.
    const saveEvery = ck?.everyExpansions ?? 0;
    /**
     * Expand states until a poll is due (every 1,024 expansions: true), or until the search ends
     * or stops (false); `polled`: the poll of the next expansion was just made, go on with its
     * state. A function of its own, called once per 1,024 expansions, with the poll outside it:
     * V8 optimizes it as a function, and again at its next call after a deoptimization. The
     * loop in search's body was optimized by on-stack replacement of the whole search, whose
     * code a call site first reached late (progress, a memory reading) threw away, leaving the
     * loop in baseline code for much of the run (bench/README.md, "session 10").
     */
    const expandSome = (polled: boolean): boolean => {
      for (let checks = !polled; stoppedBy === undefined && o.frontier.size > 0; checks = true) {
        if (checks) {
          if (done()) {
            stoppedBy = 'first-violation';
            return false;
          }
          if (saveEvery > 0 && expansions > 0 && expansions % saveEvery === 0) ck!.save(snapshot(), false);
          if ((++expansions & 1023) === 0) return true;
        }
        o.frontier.pop(current);
        id = o.frontier.id;
        depth = o.frontier.depth;
        // A state at the depth bound is still checked (deadlock) but not expanded; the search
        // goes on with the rest of the frontier and is reported as cut by the bound.
        const enabled = expander.expand(current, depth, maxDepth, handlers);
        o.graph?.expanded(id, enabled);
        if (enabled < 0) depthCut = true;
      }
      return false;
    };
    for (let polled = false; expandSome(polled); polled = true) {
      stoppedBy = poll();
      if (stoppedBy !== undefined) break;
    }
    // --first found its violation: that is what stopped the search, also when the violation came
    // with the frontier's last state and a state at the depth bound was cut too (the parallel
    // search, which ends the level, says the same).
    if (stoppedBy === undefined && done()) stoppedBy = 'first-violation';
    if (stoppedBy === undefined && depthCut) stoppedBy = 'max-depth';
    const stoppedEarly = stoppedBy === 'interrupted' || stoppedBy === 'max-time' || stoppedBy === 'max-memory' || stoppedBy === 'max-states';
    // (a resumed search that had nothing left to do saves nothing new)
    const ended = ck?.saveAtEnd === true && (stoppedBy === undefined || stoppedBy === 'max-depth') && !(resume && expansions === 0);
    if (ck && (stoppedEarly || ended)) ck.save(snapshot(), true);
    transitions = transitionsBefore + expander.transitions;
    return finish();
  } catch (e) {
    transitions = transitionsBefore + expander.transitions;
    if (e instanceof StepError || e instanceof ModelError) return finish(e);
    throw e;
  }
}
