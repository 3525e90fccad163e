// The search each worker runs: level-synchronous breadth-first search. All workers expand the
// states of depth L before any expands depth L+1, so the states of each depth, the
// distinct-state count and the length of every shortest counterexample are the same for any
// number of workers; with the edge keys and ranks of ranks.ts the counterexamples are even the
// very paths the sequential search reports.
//
// Expanding a state is the engine's Expander (deadlock, step properties, assertions, successors,
// and the reducer for symmetry and the preemption bound), exactly as in the sequential search;
// what differs is only where a successor goes (the Dedup scheme), who expands what (the shared
// frontier) and how parent links are kept (ranks.ts).
// Per level:
//
//   claim states of depth L from the shared frontier and expand them, offering each
//     successor (edge key rank*K + choice) to the deduplication scheme
//   finishLevel: exchange until every successor of depth L+1 is with the worker that stores
//     it, and its smallest key is final
//   mark my new states' keys in the level's bitmap, seal my frontier share  | barrier
//   worker 0: prefix counts (the level's size), room for the next keys, stop or go on
//                                                                             | barrier

import { ExhaustiveChooser } from '../engine/chooser.js';
import type { Evaluator } from '../engine/evaluate.js';
import { Expander, type ExpandHandlers } from '../engine/expand.js';
import { HALTED_MARK } from '../engine/search.js';
import { residentBytes } from '../engine/limits.js';
import type { Reducer } from '../engine/reduction/reducer.js';
import type { CompiledAction, CompiledModel } from '../model/compile.js';
import type { TransitionSystem } from '../model/system.js';
import type { Property } from '../property/types.js';
import { hashHi, hashLo } from '../util/hash.js';
import { B, Control, G, STOP } from './control.js';
import type { Dedup, NewStateSink } from './dedup.js';
import { SharedFrontier } from './frontier.js';
import type { Mailbox } from './mailbox.js';
import type { Candidate, WorkerLimits, WorkerReport } from './protocol.js';
import type { LevelRanks } from './ranks.js';

/** Expansions between two looks at the mailbox, the stop flag and the counters. */
const POLL_EVERY = 64;
/** Milliseconds between two memory readings (reading the RSS costs a system call and a parse). */
const RSS_EVERY_MS = 100;

/** A bound on the number of enabled actions of any state: each thread offers at most its widest location's actions. */
export function maxBranching(model: CompiledModel): number {
  let k = 0;
  for (const t of model.threads) {
    let m = 0;
    for (const l of t.locations) m = Math.max(m, l.actions.length);
    k += m;
  }
  return Math.max(1, k);
}

/** Does candidate `a` come before `b` in the sequential search's order? */
export function comesBefore(a: Candidate, b: Candidate): boolean {
  if (a.length !== b.length) return a.length < b.length;
  if (a.level !== b.level) return a.level < b.level;
  if (a.rank !== b.rank) return a.rank < b.rank;
  if (a.choice !== b.choice) return a.choice < b.choice;
  if (a.order !== b.order) return a.order < b.order;
  return a.property < b.property;
}

export interface LevelSearchContext {
  model: TransitionSystem<CompiledAction>;
  mailbox: Mailbox;
  evaluator: Evaluator;
  selected: readonly Property[];
  me: number;
  control: Control;
  ranks: LevelRanks;
  limits: WorkerLimits;
  /**
   * Symmetry and the preemption bound (src/engine/reduction/reductions.ts, POR off): the
   * Expander consults it, so each successor is canonical and carries the bound's words before
   * it is fingerprinted and offered. Ranks and keys then index the enabled actions of the
   * stored (canonical) states; the orchestrator turns those paths into the model's own.
   */
  reducer?: Reducer | undefined;
  /** The initial state of the search (the reducer's: with the bound's words, canonical). */
  initial: Int32Array;
}

/** What one worker's level search reports: the search's part of its WorkerReport. */
export type LevelSearchResult = Pick<WorkerReport, 'states' | 'transitions' | 'diameter' | 'depthCut' | 'peakRss' | 'storeBytes' | 'waitMs' | 'candidates'>;

export function levelSearch(c: LevelSearchContext, makeDedup: (sink: NewStateSink) => Dedup): LevelSearchResult {
  const { model, evaluator, control, ranks, me, limits, mailbox } = c;
  const K = ranks.K;
  const maxDepth = limits.maxDepth ?? Infinity;
  const maxStates = limits.maxStates ?? Infinity;
  const maxMemory = limits.maxMemory ?? Infinity;
  const propIndex = new Map(c.selected.map((p, i) => [p, i] as const));
  const best: (Candidate | undefined)[] = c.selected.map(() => undefined);
  let found = 0;
  const record = (cand: Candidate) => {
    found++;
    const b = best[cand.property];
    if (b === undefined || comesBefore(cand, b)) best[cand.property] = cand;
  };

  const frontier = new SharedFrontier(me, control.workers, model.width, control, mailbox);
  /** Depth of the states being stored now (one more than the depth being expanded). */
  let building = 0;
  /** Pairs (index of a new state of the level, property): invariants violated in it. */
  let hits: number[] = [];
  const sink: NewStateSink = {
    added(state, i, halted) {
      const violated = evaluator.invariants(state);
      for (let k = 0; k < violated.length; k++) {
        const p = propIndex.get(violated[k]!)!;
        const b = best[p];
        if (b === undefined || b.length >= building) hits.push(i, p);
      }
      if (!halted) frontier.push(state, i);
    },
  };
  const dedup = makeDedup(sink);
  const expander = new Expander(model, evaluator, new ExhaustiveChooser(), c.reducer);

  // The state being expanded: its depth and rank (read by the handlers).
  let depth = 0;
  let rank = 0;
  const handlers: ExpandHandlers = {
    successor(s, choice, halted) {
      // Halted (BUG_ON) states are marked in the fingerprint, as in the sequential search.
      const h = hashHi(s);
      dedup.offer(s, halted ? (h ^ HALTED_MARK) >>> 0 : h, hashLo(s), rank * K + choice, halted);
    },
    violation(p, choice) {
      record({
        property: propIndex.get(p)!,
        length: choice < 0 ? depth : depth + 1,
        level: depth,
        rank,
        choice,
        order: p.kind === 'assertion' ? 1 : 0,
      });
    },
  };

  /** Invariant hits of the level being built become candidates, with their states' (final, or on a stop current) keys. */
  const flushHits = () => {
    for (let k = 0; k < hits.length; k += 2) {
      const i = hits[k]!;
      const property = hits[k + 1]!;
      if (building === 0) {
        record({ property, length: 0, level: -1, rank: 0, choice: -1, order: 2 });
        continue;
      }
      const key = dedup.edgeOf(i);
      const choice = key % K;
      record({ property, length: building, level: building - 1, rank: (key - choice) / K, choice, order: 2 });
    }
    hits = [];
  };

  let peakRss = residentBytes();
  let lastRss = performance.now();
  const publish = () => {
    control.set(me, B.states, dedup.size);
    control.set(me, B.transitions, expander.transitions);
    control.set(me, B.queue, (me === 0 ? frontier.unclaimed : 0) + frontier.stored);
    control.set(me, B.depth, depth);
  };
  const checkMemory = () => {
    lastRss = performance.now();
    const rss = residentBytes();
    if (rss > peakRss) peakRss = rss;
    control.set(me, B.rss, rss);
    if (rss > maxMemory) control.stop(STOP.maxMemory);
  };

  let diameter = 0;
  let depthCut = false;
  /** Time spent at the end of levels, exchanging the last successors and waiting for the others. */
  let waitMs = 0;
  let expansions = 0;
  const state = new Int32Array(model.width);

  // Depth 0: the initial state, offered by worker 0 (to its owner).
  dedup.beginLevel(0);
  frontier.beginBuild(0);
  const init = c.initial;
  if (me === 0) dedup.offer(init, hashHi(init), hashLo(init), 0, false);

  try {
    for (let L = 0; ; L++) {
      // The states of depth L have all been offered: settle them.
      let t = performance.now();
      const settled = dedup.finishLevel();
      waitMs += performance.now() - t;
      if (!settled) break;
      const n = dedup.newCount;
      if (n > 0) diameter = L;
      if (L > 0) for (let i = 0; i < n; i++) ranks.setBit(L, dedup.edgeOf(i));
      frontier.seal((i) => dedup.edgeOf(i));
      flushHits();
      control.set(me, B.fresh, n);
      control.set(me, B.found, found);
      publish();
      checkMemory();
      t = performance.now();
      if (!control.barrier()) break;
      waitMs += performance.now() - t;
      if (me === 0) {
        const size = L === 0 ? control.sum(B.fresh) : ranks.seal(L);
        if (size !== control.sum(B.fresh)) throw new Error(`internal: depth ${L} has ${size} ranks but ${control.sum(B.fresh)} states`);
        const done = size === 0 || (limits.first && control.sum(B.found) > 0);
        if (control.sum(B.states) >= maxStates) control.stop(STOP.maxStates);
        if (!done) ranks.prepare(L + 1, size);
        control.resetClaims();
        control.setGlobal(G.levelSize, size);
        control.setGlobal(G.done, done ? 1 : 0);
      }
      t = performance.now();
      if (!control.barrier()) break;
      waitMs += performance.now() - t;
      if (control.global(G.done) !== 0) break;

      // Expand depth L (any worker any state, claimed from the shared frontier); the
      // successors are the states of depth L+1. Faster peers may send those from now on, so
      // the level they belong to begins before any mail is read.
      found = 0;
      depth = L;
      building = L + 1;
      dedup.beginLevel(L + 1);
      frontier.beginBuild(L + 1);
      t = performance.now();
      const ready = frontier.beginExpand(L);
      waitMs += performance.now() - t;
      if (!ready) break;
      let stopped = false;
      for (let key = frontier.claim(state); key >= 0; key = frontier.claim(state)) {
        rank = ranks.rank(L, key);
        if (expander.expand(state, L, maxDepth, handlers) < 0) depthCut = true;
        if (++expansions % POLL_EVERY === 0) {
          mailbox.poll();
          dedup.poll();
          publish();
          if (performance.now() - lastRss >= RSS_EVERY_MS) checkMemory();
          if (control.sum(B.states) >= maxStates) control.stop(STOP.maxStates);
          if (control.stopped) {
            stopped = true;
            break;
          }
        }
      }
      if (stopped) break;
    }
  } finally {
    publish();
  }
  // Stopped part-way: keep what the level being built has shown so far.
  if (dedup.newCount > 0) diameter = Math.max(diameter, building);
  flushHits();
  const out: LevelSearchResult = {
    states: dedup.size,
    transitions: expander.transitions,
    diameter,
    depthCut,
    peakRss,
    storeBytes: dedup.bytes(),
    waitMs,
    candidates: best.filter((b): b is Candidate => b !== undefined),
  };
  return out;
}
