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
//   mark my new states' keys in the level's bitmap, seal my frontier share  | barrier, whose
//     last arriver, before letting anyone go: prefix counts (the level's size), room for the
//     next keys, stop or go on
//   a checkpointed run, now and then: every worker sends its part, waits until it is written
//
// Small levels (fewer states than soloBelow, shared table only): one worker, the lead, expands
// them alone and the barriers count it alone, while the other workers are parked (control.ts
// solo phase). A level of a few hundred states is expanded in less time than two workers take to
// meet at its end; so is the start, where the other workers are still loading and compiling the
// model (the lead is then the first worker ready: control.ts soloFromStart, and it stays alone,
// whatever the levels' size, until every other is parked, i.e. ready). At the end of a
// level the lead decides whether the next is expanded alone or by all; a worker that joins again
// takes up the search at that level, whose frontier is the lead's share alone (no other stored a
// state of it). Who expands what changes nothing in the result (the
// ranks, not the order of expansion, give every state its rank and path).
//
// A level's end is the checkpoint's consistent cut (src/parallel/checkpoint.ts): every state of
// depth <= L is stored, its parent link is in the sealed ranks, the frontier is depth L's sealed
// shares, and every violation found is one of an expansion of depth < L or an invariant of a
// state of depth <= L. A run stopped part-way through the next level still holds that cut (the
// level being built is told apart by depth, and its frontier shares are in the other parity's
// chunks), so a stop writes the checkpoint of its last level end, redoing part of one level.

import { ExhaustiveChooser } from '../engine/chooser.js';
import type { Evaluator } from '../engine/evaluate.js';
import { Expander, type ExpandHandlers } from '../engine/expand.js';
import { HALTED_MARK } from '../engine/search.js';
import { residentBytes } from '../engine/limits.js';
import type { Reducer } from '../engine/reduction/reducer.js';
import type { CompiledAction, CompiledModel } from '../model/compile.js';
import type { TransitionSystem } from '../model/system.js';
import type { Property } from '../property/types.js';
import { hash64, hashHi, hashLo } from '../util/hash.js';
import { B, Control, G, STOP } from './control.js';
import type { Dedup, NewStateSink } from './dedup.js';
import { SharedFrontier } from './frontier.js';
import type { Mailbox } from './mailbox.js';
import type { Candidate, LevelBoundary, LevelCheckpointPart, LevelResume, WorkerLimits, WorkerReport } from './protocol.js';
import type { CoverageCounts } from '../engine/coverage.js';
import type { LevelRanks } from './ranks.js';
import type { GraphPartRecorder } from './graph-part.js';

/** Expansions between two looks at the mailbox, the stop flag and the counters. */
const POLL_EVERY = 64;
/** Milliseconds between two memory readings (reading the RSS costs a system call and a parse). */
const RSS_EVERY_MS = 100;
/**
 * KMC_LEVEL_PHASES=1 (diagnostics, bench/README.md "session 8"): each worker prints, at its end,
 * where its wall time went per phase of the level loop (a few clock reads per level, not per state).
 */
const PHASES = typeof process !== 'undefined' && process.env.KMC_LEVEL_PHASES === '1';

/** The phases KMC_LEVEL_PHASES reports (the seal and the prepares are decide's, by the last arriver at a level end, inside `meet`). */
const PHASE_NAMES = ['expand', 'settle', 'mark', 'publish', 'meet', 'seal', 'ranksPrepare', 'tablePrepare', 'begin', 'parked'] as const;
const P = Object.fromEntries(PHASE_NAMES.map((n, k) => [n, k])) as Readonly<Record<(typeof PHASE_NAMES)[number], number>>;

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

/** Each property's earliest candidate over all workers, in the order the sequential search finds them. */
export function bestPerProperty(all: readonly Candidate[]): Candidate[] {
  const best = new Map<number, Candidate>();
  for (const c of all) {
    const b = best.get(c.property);
    if (!b || comesBefore(c, b)) best.set(c.property, c);
  }
  return [...best.values()].sort((a, b) => (comesBefore(a, b) ? -1 : comesBefore(b, a) ? 1 : 0));
}

/** A checkpointed level search: when worker 0 has every worker save, and where a worker's part goes. */
export interface LevelCheckpointHooks {
  everyMs: number;
  everyLevels?: number | undefined;
  /** Save at the first level end (a new run). */
  saveFirst: boolean;
  /** Keep a part for the orchestrator also when the search ends (a liveness search follows). */
  saveAtEnd: boolean;
  send(part: LevelCheckpointPart): void;
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
  checkpoint?: LevelCheckpointHooks | undefined;
  /** Go on from a checkpoint instead of starting (this worker's part of it). */
  resume?: LevelResume | undefined;
  /**
   * Levels of fewer states than this are expanded by the lead alone (0: never); the
   * orchestrator set the control block's solo phase from the start when it is above 1. Only
   * with a scheme where any worker may store any state (the shared table).
   */
  soloBelow?: number | undefined;
  /**
   * Record this worker's part of the state graph for liveness (graph-part.ts): the shared table
   * only (its ids name the successors), without a reducer and not resumed from a checkpoint.
   */
  graph?: GraphPartRecorder | undefined;
}

/** What one worker's level search reports: the search's part of its WorkerReport. */
export type LevelSearchResult = Pick<WorkerReport, 'states' | 'transitions' | 'diameter' | 'depthCut' | 'peakRss' | 'storeBytes' | 'waitMs' | 'parks' | 'parkedMs' | 'lead' | 'candidates' | 'checkpointPart'>;

export function levelSearch(c: LevelSearchContext, makeDedup: (sink: NewStateSink) => Dedup): LevelSearchResult {
  const { model, evaluator, control, ranks, me, limits, mailbox, graph } = c;
  if (graph !== undefined && (c.reducer !== undefined || c.resume !== undefined)) throw new Error('internal: the level search records the graph only unreduced and not resumed');
  /** The worker that expands the levels searched alone (the first one ready, when the run starts alone). */
  const lead = control.takeLead(me);
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
  /** The indices of this worker's new states of the level that are halted (in no frontier entry). */
  let halts: number[] = [];
  const sink: NewStateSink = {
    added(state, i, halted) {
      graph?.node(state, halted);
      const violated = evaluator.invariants(state);
      for (let k = 0; k < violated.length; k++) {
        const p = propIndex.get(violated[k]!)!;
        const b = best[p];
        if (b === undefined || b.length >= building) hits.push(i, p);
      }
      if (!halted) frontier.push(state, i);
      else halts.push(i);
    },
  };
  const dedup = makeDedup(sink);
  const expander = new Expander(model, evaluator, new ExhaustiveChooser(), c.reducer);

  // The state being expanded: its depth and rank (read by the handlers); recording the graph,
  // the graph id of its depth's first state (graph-part.ts).
  let depth = 0;
  let rank = 0;
  let levelOffset = 0;
  const handlers: ExpandHandlers = {
    successor(s, choice, halted, action) {
      // Halted (BUG_ON) states are marked in the fingerprint, as in the sequential search. Both
      // lanes from one pass over the state (hashHi and hashLo would each make one).
      const h = hash64(s);
      const id = dedup.offer(s, halted ? (h ^ HALTED_MARK) >>> 0 : h, hash64.lo, rank * K + choice, halted);
      if (graph !== undefined) graph.edge(id, choice, action as CompiledAction);
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

  /** Graph ids: the first of each depth (offsets[L]), for the sealed depths read so far. */
  const offsets = [0];
  const offsetOf = (L: number): number => {
    for (let l = offsets.length - 1; l < L; l++) offsets.push(offsets[l]! + ranks.size(l));
    return offsets[L]!;
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

  // A resumed run: worker 0 carries on what the run had found and counted.
  const resume = c.resume;
  for (const cand of resume?.candidates ?? []) record(cand);
  found = 0;
  if (resume?.coverage) evaluator.coverage?.restore(resume.coverage);
  const transitionsBefore = resume?.transitions ?? 0;
  const transitions = () => transitionsBefore + expander.transitions;

  let peakRss = residentBytes();
  let lastRss = performance.now();
  const publish = () => {
    control.set(me, B.states, dedup.size);
    control.set(me, B.transitions, transitions());
    control.set(me, B.queue, (me === lead ? frontier.unclaimed : 0) + frontier.stored);
    control.set(me, B.depth, depth);
  };
  const checkMemory = () => {
    lastRss = performance.now();
    const rss = residentBytes();
    if (rss > peakRss) peakRss = rss;
    control.set(me, B.rss, rss);
    if (rss > maxMemory) control.stop(STOP.maxMemory);
  };

  let diameter = resume?.diameter ?? 0;
  let depthCut = resume?.depthCut ?? false;
  /** Time spent at the end of levels, exchanging the last successors and waiting for the others. */
  let waitMs = 0;
  /** Times and time parked while the lead expanded small levels alone. */
  let parks = 0;
  let parkedMs = 0;
  const soloBelow = c.soloBelow ?? 0;
  let expansions = 0;
  const state = new Int32Array(model.width);
  /** KMC_LEVEL_PHASES: milliseconds per phase (PHASE_NAMES), and the levels this worker ended. */
  const phase = new Float64Array(PHASE_NAMES.length);
  let levelsEnded = 0;

  const ck = c.checkpoint;
  /** The last two level ends this worker arrived at (a checkpoint is of one of them). */
  const boundaries: LevelBoundary[] = [];
  const arrived = (level: number) => {
    if (!ck) return;
    const coverage: CoverageCounts | undefined = evaluator.coverage?.counts(c.selected);
    boundaries.push({ level, stored: dedup.size, transitions: transitions(), diameter, depthCut, coverage });
    if (boundaries.length > 2) boundaries.shift();
  };
  const part = (): LevelCheckpointPart => ({
    index: me,
    boundaries: [...boundaries],
    candidates: best.filter((b): b is Candidate => b !== undefined),
    fingerprints: dedup.fingerprints(Math.max(0, ...boundaries.map((b) => b.stored))),
    shares: frontier.sealedShares(),
  });
  let lastSave = performance.now();

  const start = resume?.level ?? 0;
  if (resume) {
    // Every state of depth <= start is stored, and the frontier is depth start's.
    dedup.restore(resume.stored, resume.fingerprints);
    frontier.restore(start, resume.frontier);
    arrived(start);
  } else {
    // Depth 0: the initial state, offered by the lead (to its owner).
    dedup.beginLevel(0);
    frontier.beginBuild(0);
    const init = c.initial;
    if (me === lead) dedup.offer(init, hashHi(init), hashLo(init), 0, false);
  }

  /**
   * The last worker at level L's end, with every worker's bits set and counts published: the
   * level's size (its ranks sealed), room for the next level's keys, stop or go on, save or not.
   */
  /** Add the time since `t` to phase `k`; returns now. */
  const lap = (k: number, t: number): number => {
    const now = performance.now();
    phase[k]! += now - t;
    return now;
  };
  const decide = (L: number): void => {
    // A level built by the lead alone is counted by it alone: a parked worker's counts are of
    // the last level it built (it may not even have read that it parks yet).
    const count = (slot: number) => (control.solo ? control.get(lead, slot) : control.sum(slot));
    const fresh = count(B.fresh);
    let t = PHASES ? performance.now() : 0;
    const size = L === 0 ? fresh : ranks.seal(L);
    if (PHASES) t = lap(P.seal, t);
    if (size !== fresh) throw new Error(`internal: depth ${L} has ${size} ranks but ${fresh} states`);
    const done = size === 0 || (limits.first && count(B.found) > 0);
    if (control.sum(B.states) >= maxStates) control.stop(STOP.maxStates);
    if (!done) {
      ranks.prepare(L + 1, size);
      if (PHASES) t = lap(P.ranksPrepare, t);
      // The next level stores about twice this one's states, at most this one's times K: the
      // shared table makes room for the expected count now (at 3/4 load), while every other
      // worker waits here; a level that stores more spills, and the table grows at that level's
      // end. It never grows during a level.
      dedup.prepare?.(size * K, 2 * size);
      if (PHASES) t = lap(P.tablePrepare, t);
    }
    control.resetClaims();
    control.setGlobal(G.levelSize, size);
    control.setGlobal(G.done, done ? 1 : 0);
    const due = ck !== undefined && !done && (ck.everyLevels !== undefined ? L % ck.everyLevels === 0 : performance.now() - lastSave >= ck.everyMs);
    control.setGlobal(G.save, due || (ck?.saveFirst === true && L === 0) ? 1 : 0);
    // Alone or all for depth L: decided last, when everything a joining worker reads is written.
    // A worker that is not parked yet is still loading or compiling the model (a run that starts
    // alone): the lead goes on alone until every other is ready, whatever the level's size, or
    // it would wait at this level's end for a worker that has not begun (bench/README.md "Two
    // workers on the small system", session 12).
    const solo = !done && (size < soloBelow || (control.solo && !control.allParked()));
    if (solo && !control.solo) control.beginSolo();
    else if (!solo && control.solo) {
      control.setGlobal(G.joinLevel, L);
      control.endSolo();
    }
  };

  /**
   * A worker other than the lead whose level is expanded by the lead alone: parked until the
   * lead ends the solo phase. Returns
   * the depth it then expands with the others, or -1 when the search ended meanwhile.
   */
  const park = (): number => {
    parks++;
    publish();
    const t = performance.now();
    const joined = control.awaitJoin(() => dedup.poll());
    parkedMs += performance.now() - t;
    if (!joined || control.global(G.done) !== 0) return -1;
    return control.global(G.joinLevel);
  };

  /**
   * The end of level L (its states all offered): settle them, seal the level, decide whether to
   * go on and whether to save. Returns the depth this worker expands next: L, or, for a worker
   * parked while the lead went on alone, the depth at which it joined again; -1 when the search
   * ends here (done, or stopped).
   */
  const endLevel = (L: number): number => {
    // The states of depth L have all been offered: settle them.
    let t = performance.now();
    const settled = dedup.finishLevel();
    const t1 = performance.now();
    waitMs += t1 - t;
    if (PHASES) phase[P.settle]! += t1 - t;
    if (!settled) return -1;
    // Edges to offers that waited in the spill: the table ids the replay gave them.
    if (graph !== undefined) graph.patchSpilled(dedup.takeReplayed!());
    levelsEnded++;
    const n = dedup.newCount;
    if (n > 0) diameter = L;
    // One pass over my new states: each key read once, written into its frontier entry and
    // marked in my bitmap of the level's keys (ranks.ts); the halted ones have no entry.
    if (L > 0) {
      ranks.focus(L);
      frontier.seal((i) => {
        const key = dedup.edgeOf(i);
        ranks.setBit(L, key, me);
        return key;
      });
      for (let k = 0; k < halts.length; k++) ranks.setBit(L, dedup.edgeOf(halts[k]!), me);
    } else frontier.seal((i) => dedup.edgeOf(i));
    halts = [];
    const t2 = PHASES ? lap(P.mark, t1) : 0;
    flushHits();
    control.set(me, B.fresh, n);
    control.set(me, B.found, found);
    publish();
    // The RSS is a system call and a parse (about 0.3 ms): at the first level end, then at most
    // every RSS_EVERY_MS as during expansion, not at each of a run's many short levels.
    if (L === 0 || performance.now() - lastRss >= RSS_EVERY_MS) checkMemory();
    arrived(L);
    // One barrier, not two: whoever arrives last (every worker's bits and counts are in) seals
    // the level's ranks and decides for all, before any worker goes on.
    t = performance.now();
    if (PHASES) phase[P.publish]! += t - t2;
    if (!control.barrier(undefined, () => decide(L))) return -1;
    if (graph !== undefined) {
      // Depth L is sealed: my new states of it get their graph ids (offset + rank), in the order
      // I stored them, and the table keeps each in its key's place for the edges' targets.
      ranks.focus(L);
      const offset = offsetOf(L);
      dedup.settleIds!((_i, key) => {
        const id = offset + ranks.rank(L, key);
        graph.identify(id);
        return id;
      });
    }
    waitMs += performance.now() - t;
    if (PHASES) phase[P.meet]! += performance.now() - t;
    if (control.global(G.done) !== 0) return -1;
    if (ck && control.global(G.save) !== 0) {
      // Everyone is here and nobody writes: the orchestrator reads the parts, the shared table,
      // the ranks and the frontier shares, and writes the checkpoint.
      const seen = control.checkpoints();
      ck.send(part());
      t = performance.now();
      if (!control.awaitCheckpoint(seen)) return -1;
      waitMs += performance.now() - t;
      lastSave = performance.now();
    }
    if (me !== lead && control.soloBeganForMe()) return park();
    return L;
  };

  /**
   * Expand the states of depth L this worker claims; true when the run was stopped meanwhile.
   * A function of its own, not a loop in levelSearch's body: V8 optimizes a loop in a long
   * function by on-stack replacement of the whole function, whose first optimized code lacked
   * feedback for a call made only at a level end and was thrown away, after which the level
   * loop ran in baseline code for the rest of the run (10.7% of a one-worker search's
   * instructions, bench/README.md "session 10"). This one is small and has its feedback by the
   * time it is optimized; the calls made only now and then (the memory reading, the stop) are
   * in `poll`, whose own call is made from the first level on: a call site the optimized code
   * has never seen run is a deoptimization when it first runs.
   */
  const expandLevel = (L: number): boolean => {
    for (let key = frontier.claim(state); key >= 0; key = frontier.claim(state)) {
      rank = ranks.rank(L, key);
      const enabled = expander.expand(state, L, maxDepth, handlers);
      if (enabled < 0) depthCut = true;
      else if (graph !== undefined) graph.expanded(levelOffset + rank);
      if (++expansions % POLL_EVERY === 0 && poll()) return true;
    }
    return false;
  };
  /** Between expansions, every POLL_EVERY: mail, counters, memory, the stop flag; true when stopped. */
  const poll = (): boolean => {
    mailbox.poll();
    dedup.poll();
    publish();
    if (performance.now() - lastRss >= RSS_EVERY_MS) checkMemory();
    if (control.sum(B.states) >= maxStates) control.stop(STOP.maxStates);
    return control.stopped;
  };

  /** The level to expand: L, whose end (its barrier) this worker has passed already when `ended`. */
  let L = start;
  // A resumed run starts by expanding its first level: that level's end was the checkpoint.
  let ended = resume !== undefined;
  /** Was depth L built by the lead alone (its frontier is then the lead's share only)? */
  let builtSolo = !resume && control.solo && me === lead;
  if (!resume && me !== lead && control.soloBeganForMe()) {
    // The lead started alone: join it when the levels are large enough.
    L = park();
    ended = true;
    builtSolo = true;
  }
  try {
    for (; L >= 0 && resume?.finished !== true; L++, ended = false) {
      if (!ended) {
        const next = endLevel(L);
        if (next < 0) break;
        if (next !== L) {
          L = next;
          builtSolo = true;
        }
      }
      /** Is depth L expanded by the lead alone (depth L+1 is then built by it alone)? */
      const expandSolo = me === lead && control.solo;

      // Expand depth L (any worker any state, claimed from the shared frontier); the
      // successors are the states of depth L+1. Faster peers may send those from now on, so
      // the level they belong to begins before any mail is read.
      found = 0;
      depth = L;
      building = L + 1;
      dedup.beginLevel(L + 1);
      frontier.beginBuild(L + 1);
      const t = performance.now();
      const ready = frontier.beginExpand(L, builtSolo ? lead : -1);
      builtSolo = expandSolo;
      const t1 = performance.now();
      waitMs += t1 - t;
      if (PHASES) phase[P.begin]! += t1 - t;
      if (!ready) break;
      ranks.focus(L);
      if (graph !== undefined) levelOffset = offsetOf(L);
      const stopped = expandLevel(L);
      if (PHASES) phase[P.expand]! += performance.now() - t1;
      if (stopped) break;
    }
  } finally {
    publish();
  }
  if (PHASES) {
    phase[P.parked] = parkedMs;
    const parts = PHASE_NAMES.map((n, k) => `${n} ${phase[k]!.toFixed(1)}`);
    console.error(`level-phases worker ${me}: levels ${levelsEnded}, ms: ${parts.join(', ')}`);
  }
  // Stopped part-way: keep what the level being built has shown so far.
  if (dedup.newCount > 0) diameter = Math.max(diameter, building);
  flushHits();
  peakRss = Math.max(peakRss, residentBytes());
  const out: LevelSearchResult = {
    states: dedup.size,
    transitions: transitions(),
    diameter,
    depthCut,
    peakRss,
    storeBytes: dedup.bytes(),
    waitMs,
    parks,
    parkedMs,
    lead: me === lead,
    candidates: best.filter((b): b is Candidate => b !== undefined),
  };
  // What the orchestrator saves of the last level end, when the run stopped (or liveness follows).
  if (ck && (control.stopped || ck.saveAtEnd)) out.checkpointPart = part();
  return out;
}
