// Partial-order reduction for breadth-first search: ample sets from learned footprints, with
// the breadth-first cycle proviso. Sound for invariants, step properties, assertions (WARN_ON,
// BUG_ON) and deadlock, which is every kind of property kmc has.
//
// THE AMPLE SET. At a state s the search may follow only T = the enabled actions of ONE thread t
// (at location l), instead of all enabled actions, when
//   (C1) independence: for every other live thread u, at location l_u, with Fut(u) the locations
//        reachable from l_u along the footprints' edges: t's writes at l meet neither the reads
//        nor the writes of Fut(u), t's reads at l (every action's guard there included, so
//        another thread can neither enable nor disable an alternative of t) meet no write of
//        Fut(u); and no step at l has ever halted the system while another thread is alive;
//   (C2) invisibility: t's writes at l meet the read set of no selected invariant that has not
//        been found violated yet (step properties are evaluated as part of the step: their
//        reads are the step's reads, and they need no visibility condition, nor do assertions);
//   (C3) cycle proviso for BFS: if a successor through T is already in the visited set, s is
//        expanded fully. Every cycle of the reduced graph then has a fully expanded state: the
//        state of the cycle expanded last finds its successor on the cycle already stored
//        (Bošnački & Holzmann, "Improving Spin's partial-order reduction for breadth-first
//        search", SPIN 2005; Clarke, Grumberg & Peled, Model Checking, ch. 10, condition C3).
// Program counters are slots like the others: only properties read them (s.at, s.ended,
// s.fnAt), and a thread's own steps are the only writers of its pc, so a property that reads
// where a thread is makes that thread's moves visible, and nothing else changes.
//
// FOOTPRINTS ARE LEARNED (footprints.ts). Guards, recipes and properties are opaque functions;
// what they read and write is recorded while they run, through the views of
// src/model/layout.ts. C1 needs the footprints of other threads' FUTURE steps, in states the
// reduced search may never visit. So a reduced search (a *pass*) uses the footprints learned so
// far, records every evaluation it performs, and if any footprint grows the pass is not
// trusted: the search starts again with the grown footprints (they only grow, and are finite,
// so this ends; a short unreduced prefix seeds them first so that restarts are rare).
//
// WHY A PASS IN WHICH NOTHING GREW IS SOUND. An evaluation (the guards at a location, a step
// with its step properties, recipe and next(), an invariant) is a deterministic function of
// the values it reads, and which slot it reads next depends only on the values read so far.
// Call it *conforming* if every slot it reads or writes is in its location's footprint (or the
// invariant's read set), it halts only where halting was seen, and its next() goes where next()
// was seen to go. Lemma: if two states agree on the slots an evaluation reads before its first
// non-conforming event, the evaluation performs the same events in both, up to that event.
//  (a) Every evaluation in the FULL state graph conforms. Else take a state s' with a
//      non-conforming evaluation E at the least distance from the initial state, and a shortest
//      path w to it: every evaluation on w before s' conforms. Walk the reduced graph from the
//      initial state with a residue ρ (initially w, E pending at its end) whose steps re-run
//      w's steps with the same values read: at the current state r with ample set T,
//      - if a step of ρ is in T, take the first such; by C1 the steps of ρ before it neither
//        write what it reads nor read what it writes, so it runs from r with the same values,
//        and so does the rest of ρ after it;
//      - otherwise take any step of T (t has no step in ρ: its first would be at l, enabled at
//        r since by C1 nobody else writes the guards at l, hence in T); by C1 it writes nothing
//        any step of ρ (a future step of another thread) reads or writes and reads nothing they
//        write, so ρ runs from its successor with the same values.
//      Either way E's read prefix is unchanged (its reads are in a footprint no T-step writes, by
//      C1, or by C2 for an invariant, since the second case needs T reduced). The second case
//      cannot repeat forever: its steps are edges of the reduced graph, so a repetition closes
//      a cycle, and C3 puts a fully expanded state on it, where the first step of ρ is in T.
//      So ρ is used up at a reduced state where E runs again (guards are evaluated in every
//      state, every step taken is run, invariants are evaluated in every stored state) and by
//      the lemma is non-conforming there: the pass would have seen a footprint grow.
//  (b) So the footprints over-approximate every evaluation of the full graph, T is a persistent
//      and invisible set, and the classic argument applies (the same walk): every deadlock is
//      reached, every step that violates a step property or fires an assertion is re-run with
//      the same values, and from every state violating an invariant the walk ends in a stored
//      state that differs from it only in slots invisible steps wrote, so it violates the
//      invariant too (Godefroid, Partial-Order Methods for the Verification of Concurrent
//      Systems, LNCS 1032, 1996, ch. 4 and 6; Clarke, Grumberg & Peled, ch. 10).
//  An invariant found violated keeps its verdict whatever comes later, so C2 drops it then, and
//  growth of its read set after that does not spoil the pass.
//  With symmetry (symmetry.ts) the reduced graph's states are canonical and the footprints are
//  closed under the group, so an evaluation and its image conform alike; the walk maps ρ
//  through the permutation at each canonicalised step and goes through unchanged (Emerson,
//  Jha & Peled, "Combining partial order and symmetry reductions", TACAS 1997; the proviso is
//  checked on canonical states, i.e. on the cycles of the quotient graph).
//
// MEMOS (memo.ts): recording goes through views, which is slow. An evaluation whose state
// agrees with an already recorded one on every slot that one read is, by the lemma, the same
// evaluation: it is not recorded again, and runs only on the fast path.
//
// Counterexamples from a reduced search are real paths (indices into the full enabled list), but
// not necessarily the shortest: `--shortest` re-searches without POR up to their length.

import type { CompiledAction, CompiledModel } from '../../model/compile.js';
import { buildView } from '../../model/layout.js';
import type { SlotSink } from '../../model/layout.js';
import type { StepEnv } from '../../model/types.js';
import type { Property } from '../../property/types.js';
import { hashHi, hashLo } from '../../util/hash.js';
import { makeEvaluator, type Evaluator } from '../evaluate.js';
import type { FingerprintSet } from '../visited.js';
import { Footprints } from './footprints.js';
import { ReadMemo } from './memo.js';

/** Collects the distinct slots one evaluation reads or writes. */
class SlotList implements SlotSink {
  readonly slots: Int32Array;
  n = 0;
  private readonly stamp: Int32Array;
  private gen = 1;

  constructor(
    private readonly pcs: number,
    width: number,
  ) {
    this.slots = new Int32Array(width);
    this.stamp = new Int32Array(width);
  }

  begin(): void {
    this.n = 0;
    this.gen++;
  }

  add(off: number): void {
    // Views add layout offsets; the property evaluator adds -1 - thread for a location read.
    const slot = off >= 0 ? this.pcs + off : -1 - off;
    if (this.stamp[slot] !== this.gen) {
      this.stamp[slot] = this.gen;
      this.slots[this.n++] = slot;
    }
  }

  sorted(): Int32Array {
    return this.slots.slice(0, this.n).sort();
  }
}

export type PorMode = 'learn' | 'reduce';

export class PartialOrder {
  readonly fp: Footprints;
  mode: PorMode = 'reduce';
  /** The visited set of the current pass (C3). */
  store: FingerprintSet | null = null;
  /** Invariants (indices into the selected invariants) found violated in the current pass. */
  private violated: Uint8Array;
  /** A pass is spoiled when a footprint it relied on grew. */
  spoiled = false;

  private readonly invariants: Property[];
  private readonly recEval: Evaluator;
  private readonly root: unknown;
  private readonly envs: StepEnv[];
  private readonly reads: SlotList;
  private readonly writes: SlotList;
  private readonly scratch: Int32Array;
  private readonly guardMemo: ReadMemo[];
  private readonly stepMemo: Map<CompiledAction, ReadMemo> = new Map();
  private readonly invMemo: ReadMemo[];

  // The expansion in progress.
  private reduced = false;
  private provisoHit = false;
  private ampleThread = -1;

  // Caches over the footprints (valid for one footprint version).
  private cacheVersion = -1;
  private futR: (Uint32Array | undefined)[] = [];
  private futW: (Uint32Array | undefined)[] = [];
  private conflictCache: Int8Array;
  private visibleCache: Int8Array;
  private invUnion: Uint32Array;
  private invDirty = true;

  /** Statistics: states expanded with a reduced ample set, and fully. */
  reducedStates = 0;
  fullStates = 0;

  constructor(
    private readonly model: CompiledModel,
    all: readonly Property[],
    selected: readonly Property[],
    closure: { slot: Int32Array; loc: Int32Array }[] | null,
  ) {
    this.invariants = selected.filter((p) => p.kind === 'invariant');
    this.fp = new Footprints(model, this.invariants.length, closure);
    this.fp.onInvariantGrowth = (i) => {
      this.invDirty = true;
      if (this.violated[i] === 0) this.spoiled = true;
    };
    this.violated = new Uint8Array(this.invariants.length);
    const target = model.target;
    this.root = buildView(model.layout.root, target);
    const view = (state: Int32Array) => {
      target.words = state;
      target.readOnly = true;
      return this.root;
    };
    this.recEval = makeEvaluator(model, all, selected, { view });
    this.envs = model.threadNames.map((name, self) => ({
      thread: name,
      self,
      threadNames: model.threadNames,
      warnOn() {},
      bugOn() {},
    }));
    const width = model.pcs + model.layout.size;
    this.reads = new SlotList(model.pcs, width);
    this.writes = new SlotList(model.pcs, width);
    this.scratch = new Int32Array(model.width);
    this.guardMemo = Array.from({ length: this.fp.nLocs }, () => new ReadMemo());
    this.invMemo = this.invariants.map(() => new ReadMemo());
    this.conflictCache = new Int8Array(this.fp.nLocs * this.fp.nLocs);
    this.visibleCache = new Int8Array(this.fp.nLocs);
    this.invUnion = new Uint32Array(this.fp.words);
  }

  /** A new pass: fresh visited set, nothing violated yet, nothing spoiled. */
  beginPass(mode: PorMode, store: FingerprintSet | null): void {
    this.mode = mode;
    this.store = store;
    this.violated.fill(0);
    this.invDirty = true;
    this.spoiled = false;
    this.fp.grew = false;
    this.reducedStates = 0;
    this.fullStates = 0;
  }

  /** Did this pass see anything that may invalidate its ample sets? */
  get passSpoiled(): boolean {
    return this.fp.grew || this.spoiled;
  }

  /** The search found invariant `p` violated: C2 no longer needs it. */
  invariantViolated(p: Property): void {
    const i = this.invariants.indexOf(p);
    if (i >= 0 && this.violated[i] === 0) {
      this.violated[i] = 1;
      this.invDirty = true;
    }
  }

  // ---- recording -------------------------------------------------------------------------

  /** The guards at every thread's location in `state` (every state the search expands). */
  visitGuards(state: Int32Array): void {
    const model = this.model;
    const target = model.target;
    for (let t = 0; t < model.pcs; t++) {
      const pc = state[t]!;
      if (pc < 0) continue;
      const loc = this.fp.loc(t, pc);
      const memo = this.guardMemo[loc]!;
      if (memo.seen(state)) continue;
      const reads = this.reads;
      reads.begin();
      target.words = state;
      target.readOnly = true;
      target.reads = reads;
      try {
        for (const a of model.threads[t]!.locations[pc]!.actions) a.def.guard?.(this.root as never, this.envs[t]!);
      } finally {
        target.reads = null;
      }
      for (let i = 0; i < reads.n; i++) this.fp.addRead(loc, reads.slots[i]!);
      memo.remember(state, reads.sorted());
    }
  }

  /** A step about to be taken from `state`: its step properties, recipe and next(). */
  visitStep(state: Int32Array, action: CompiledAction): void {
    let memo = this.stepMemo.get(action);
    if (memo === undefined) this.stepMemo.set(action, (memo = new ReadMemo()));
    if (memo.seen(state)) return;
    const model = this.model;
    const target = model.target;
    const { reads, writes, scratch } = this;
    reads.begin();
    writes.begin();
    target.reads = reads;
    target.writes = writes;
    let halted: boolean;
    try {
      this.recEval.steps(state, action);
      halted = model.applyViaViews(state, action, scratch).halted;
    } finally {
      target.reads = null;
      target.writes = null;
    }
    const t = action.thread;
    const loc = this.fp.loc(t, action.location);
    for (let i = 0; i < reads.n; i++) this.fp.addRead(loc, reads.slots[i]!);
    for (let i = 0; i < writes.n; i++) this.fp.addWrite(loc, writes.slots[i]!);
    const to = scratch[t]!;
    if (to !== state[t]) this.fp.addWrite(loc, t);
    if (action.staticNext === null) this.fp.addEdge(loc, to < 0 ? -1 : this.fp.loc(t, to));
    if (halted) this.fp.addHalt(loc);
    memo.remember(state, reads.sorted());
  }

  /** The selected invariants in a state the search stores (the initial state, every successor). */
  visitInvariants(state: Int32Array): void {
    const invs = this.invariants;
    if (invs.length === 0) return;
    const target = this.model.target;
    let info: ReturnType<Evaluator['info']> | undefined;
    for (let i = 0; i < invs.length; i++) {
      const memo = this.invMemo[i]!;
      if (memo.seen(state)) continue;
      info ??= this.recEval.info(state);
      const reads = this.reads;
      reads.begin();
      target.words = state;
      target.readOnly = true;
      target.reads = reads;
      try {
        (invs[i] as Property & { kind: 'invariant' }).holds(info);
      } finally {
        target.reads = null;
      }
      for (let k = 0; k < reads.n; k++) this.fp.addInvariantRead(i, reads.slots[k]!);
      memo.remember(state, reads.sorted());
    }
  }

  // ---- the ample set ---------------------------------------------------------------------

  private refresh(): void {
    if (this.cacheVersion === this.fp.version) return;
    this.cacheVersion = this.fp.version;
    this.futR = [];
    this.futW = [];
    this.conflictCache.fill(0);
    this.visibleCache.fill(0);
    this.invDirty = true;
  }

  /** Reads and writes of every location reachable from `loc` (itself included). */
  private future(loc: number): void {
    const fp = this.fp;
    const W = fp.words;
    const r = new Uint32Array(W);
    const w = new Uint32Array(W);
    const seen = new Set<number>([loc]);
    const stack = [loc];
    while (stack.length) {
      const g = stack.pop()!;
      for (let i = 0; i < W; i++) {
        r[i] = r[i]! | fp.reads[g * W + i]!;
        w[i] = w[i]! | fp.writes[g * W + i]!;
      }
      for (const to of fp.edges[g]!)
        if (to >= 0 && !seen.has(to)) {
          seen.add(to);
          stack.push(to);
        }
    }
    this.futR[loc] = r;
    this.futW[loc] = w;
  }

  /** C1 between thread t at location `a` and another thread at location `b`: 1 conflict, 2 none. */
  private conflict(a: number, b: number): boolean {
    const key = a * this.fp.nLocs + b;
    const c = this.conflictCache[key]!;
    if (c !== 0) return c === 1;
    if (this.futR[b] === undefined) this.future(b);
    const fp = this.fp;
    const W = fp.words;
    const fr = this.futR[b]!;
    const fw = this.futW[b]!;
    const hit =
      Footprints.meet(fp.writes, a * W, fr, 0, W) || Footprints.meet(fp.writes, a * W, fw, 0, W) || Footprints.meet(fp.reads, a * W, fw, 0, W);
    this.conflictCache[key] = hit ? 1 : 2;
    return hit;
  }

  /** C2: does a step at `loc` write a slot an invariant not yet violated reads? */
  private visible(loc: number): boolean {
    if (this.invDirty) {
      this.invUnion.fill(0);
      for (let i = 0; i < this.invariants.length; i++)
        if (this.violated[i] === 0) {
          const b = this.fp.inv[i]!;
          for (let k = 0; k < b.length; k++) this.invUnion[k] = this.invUnion[k]! | b[k]!;
        }
      this.visibleCache.fill(0);
      this.invDirty = false;
    }
    const c = this.visibleCache[loc]!;
    if (c !== 0) return c === 1;
    const hit = Footprints.meet(this.fp.writes, loc * this.fp.words, this.invUnion, 0, this.fp.words);
    this.visibleCache[loc] = hit ? 1 : 2;
    return hit;
  }

  /** The indices of `chosen` to follow first (all of them when no thread qualifies). */
  select(state: Int32Array, actions: readonly CompiledAction[], chosen: readonly number[]): readonly number[] {
    this.reduced = false;
    this.provisoHit = false;
    if (this.mode === 'learn' || chosen.length < 2) {
      this.fullStates++;
      return chosen;
    }
    this.refresh();
    const model = this.model;
    const pcs = model.pcs;
    // Threads with chosen actions, fewest first.
    const count = new Int32Array(pcs);
    for (const i of chosen) count[actions[i]!.thread]!++;
    let threads = 0;
    for (let t = 0; t < pcs; t++) if (count[t]! > 0) threads++;
    if (threads < 2) {
      this.fullStates++;
      return chosen;
    }
    const order = [...count.keys()].filter((t) => count[t]! > 0).sort((a, b) => count[a]! - count[b]! || a - b);
    const fp = this.fp;
    for (const t of order) {
      const a = fp.loc(t, state[t]!);
      let ok = !this.visible(a);
      if (ok && fp.halts[a] !== 0) for (let u = 0; u < pcs && ok; u++) if (u !== t && state[u]! >= 0) ok = false;
      for (let u = 0; u < pcs && ok; u++) if (u !== t && state[u]! >= 0 && this.conflict(a, fp.loc(u, state[u]!))) ok = false;
      if (!ok) continue;
      this.reduced = true;
      this.ampleThread = t;
      this.reducedStates++;
      return chosen.filter((i) => actions[i]!.thread === t);
    }
    this.fullStates++;
    return chosen;
  }

  /** C3: a successor of the ample set (canonical, as stored) already visited? */
  successor(next: Int32Array, halted: boolean): void {
    if (!this.reduced || this.provisoHit || halted || this.store === null) return;
    if (this.store.has(hashHi(next), hashLo(next))) this.provisoHit = true;
  }

  rest(actions: readonly CompiledAction[], chosen: readonly number[]): readonly number[] {
    if (!this.reduced || !this.provisoHit) return NONE;
    this.reduced = false;
    this.reducedStates--;
    this.fullStates++;
    const t = this.ampleThread;
    return chosen.filter((i) => actions[i]!.thread !== t);
  }
}

const NONE: readonly number[] = Object.freeze([]);
