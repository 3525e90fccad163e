// Partial-order reduction for breadth-first search: strong stubborn sets from learned
// footprints, with the breadth-first cycle proviso. Sound for invariants, step properties,
// assertions (WARN_ON, BUG_ON) and deadlock, which is every kind of property kmc has.
//
// THE REDUCED SET. The steps of a model are grouped by program location: a *unit* is a
// (thread, location) with all the actions offered there. At a state s the search follows only
// the enabled actions of a set S of units, closed under (Valmari's stubborn sets; in this form
// Wehrle & Helmert, "On the relationship between partial-order reduction techniques", ICAPS
// 2014, "strong stubborn sets"; Godefroid's persistent sets, LNCS 1032, ch. 4):
//   (S1) an enabled action of a unit at its thread's current location brings in every unit of
//        another live thread, at a location that thread can still reach, whose footprint
//        conflicts with the action's own (one writes what the other reads or writes; the
//        action's footprint is finer than its location's, and its evaluations in s, the ones
//        this argument needs, are themselves recorded);
//   (S2) a unit at its thread's current location with a disabled action brings in every unit,
//        reachable for its thread, that writes a slot those guards read IN s (a guard is a
//        deterministic function of what it reads: it stays false until one of those changes);
//   (S3) a unit not at its thread's current location but reachable from it brings in the
//        thread's current unit (the thread must move first); an unreachable one nothing;
// starting from the current unit of one thread with enabled actions (every thread is tried;
// the smallest result wins). The enabled actions of S then form a persistent set: a path from s
// that avoids them avoids S altogether (by S2/S3 the first step of S on it would be enabled at
// s), and steps outside S touch nothing the enabled steps of S read or write (S1). Moreover
//   (C2) invisibility: no enabled action of S writes a slot read by a selected invariant that
//        has not been found violated yet (step properties are evaluated as part of the step:
//        their reads are the step's reads; they need no visibility condition, nor do
//        assertions); an action that may halt the system (BUG_ON) makes the set full too;
//   (C3) cycle proviso for BFS: if a successor through the reduced set is already stored at a
//        depth no greater than s's own, s is expanded fully. Every cycle of the reduced graph
//        then has a fully expanded state (the condition C3 stands for, Clarke, Grumberg & Peled,
//        Model Checking, ch. 10, "every cycle contains a fully expanded state"): an edge s -> t
//        of a breadth-first search has depth(t) <= depth(s) + 1, so around a cycle, whose depths
//        sum to no change, some edge has depth(t) <= depth(s); when s is expanded at depth d,
//        every state of depth <= d is already stored (the frontier is FIFO), and its store id is
//        below the count of states stored when the first state of depth d was expanded (ids
//        follow discovery order), which is what is compared. A successor first stored at depth
//        d + 1 (a diamond of independent steps closing, the common case) is no cycle and does
//        not force the full set; "already stored at all" would, and then hardly any state is
//        reduced (the rule of Bošnački & Holzmann, "Improving Spin's partial-order reduction
//        for breadth-first search", SPIN 2005, compares with the queue in the same spirit).
// Program counters are slots like the others: only properties read them, and a thread's own
// steps are the only writers of its pc, so a property that reads where a thread is (s.at)
// makes that thread's moves visible. `s.ended(t)` and `s.fnAt(t)` show less: they read
// observation slots (footprints.ts), functions of pc(t) that a move writes only when it changes
// what they show (it ends the thread; it enters another function). The argument below needs
// nothing more: an evaluation is a deterministic function of the slot values it reads, and
// an observation slot's value is what the property sees; a move that leaves it unchanged
// leaves the property's evaluation unchanged, as for any slot a step does not write.
//
// FOOTPRINTS ARE LEARNED (footprints.ts). Guards, recipes and properties are opaque functions;
// what they read and write is recorded while they run, through the model's FootprintRecorder
// (model.recorder(sinks), src/model/system.ts), whose views (src/model/layout.ts), guards (gates
// included), recipes and next() report each slot into the sinks this class sets. S1 needs the footprints of other threads' FUTURE steps, in states the
// reduced search may never visit. So a reduced search (a *pass*) uses the footprints learned so
// far, records every evaluation it performs, and if any footprint grows the pass is not
// trusted: the search starts again with the grown footprints (they only grow, and are finite,
// so this ends; an unreduced prefix and random walks seed them first so that restarts are
// rare: run.ts). Where hardly any state has a smaller set (every step conflicts with another
// thread's, or an invariant sees it), run.ts gives up early and searches without reduction.
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
//      w's steps with the same values read: at the current state r with reduced set T (the
//      enabled actions of S),
//      - if a step of ρ is in T, take the first such; by S1 the steps of ρ before it (outside
//        S, by S2/S3) neither write what it reads nor read what it writes, so it runs from r
//        with the same values, and so does the rest of ρ after it;
//      - otherwise no step of ρ is in S (S2/S3), and ρ's steps commute with any step t of T
//        (S1): take t; ρ runs from its successor with the same values.
//      Either way E's read prefix is unchanged: its unit is reachable for its thread, so if t
//      conflicted with it, S1 would have put it in S, and then S3 its thread's current unit,
//      whose first step in ρ (or E itself) would be in T; if E is a guard of a thread blocked at
//      r, S2 put the writers of what those guards read at r in S, so ρ does not write them and
//      E runs at r itself with the same reads; an invariant is protected by C2, the second case
//      needing T reduced. The second case cannot repeat forever: its steps are edges of the
//      reduced graph, so a repetition closes a cycle, and C3 puts a fully expanded state on it,
//      where the first step of ρ is in T.
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
// UNDER STORE BUFFERS (--memory tso and lkmm, src/kernel/memory.ts). Nothing above assumes
// sequential consistency. Each CPU's store buffer is state like any other (its count `n`, the
// entries' addresses and values, lkmm's groups and marks: slots of the packed state), the
// memory subsystem's drains are the steps of a thread of their own (tso/memory, lkmm/memory),
// and the kernel primitives (READ_ONCE, WRITE_ONCE, the fences and RMWs) are code inside steps,
// whose reads and writes of buffer and memory slots are recorded like any other. So the learned
// footprints make dependent exactly the steps that touch a common slot:
//   - a store by a thread on CPU c writes c's buffer (the count, the new entry): it depends on
//     the drains of c, on the loads of threads on c (store forwarding reads the buffer), and on
//     the other threads on c (a task and the interrupt handler that interrupts it push into one
//     FIFO: their order is the order their stores reach memory), and on their fences and RMWs;
//   - a drain of c reads c's buffer and writes the memory location x of its oldest entry (an
//     action's footprint is the union over every x it has drained): it depends on the stores
//     and fences of c, on loads of x that read memory (other CPUs'), on every other write of x
//     to memory (drains of other CPUs, RMWs), and is visible (C2) to an invariant that reads x;
//   - a fence or a LOCK'd RMW on c drains c's buffer: it reads and writes all of the above.
// The footprint of a location is coarser than that where one location holds several actions
// (the memory thread has one location; its drains of all CPUs form one unit), which is sound.
// Since every drain writes shared memory, an invariant over the shared variables makes every
// drain visible and the states where one is enabled fully expanded: under tso partial-order
// reduction pays only where the invariants read little of the shared memory (the bundled
// sched-delayed-dequeue: about 3% fewer states, and run.ts's default gives up on it).
// THE STORE-BUFFER BOUND. A store into a full buffer (the `storeBuffer` bound) first writes the
// oldest entry to memory and reports STORE_BUFFER_BOUND to the search (a WARN_ON-like tag), and a
// run in which some step reported it is never verified (result-builder.ts): behaviours with more
// pending stores were not explored. The reduced search stores fewer states, so it changes which
// states hit the bound; it must not change WHETHER some reachable state does. It does not:
// whether a store reports the bound is a function of what the store step reads (its CPU's `n`),
// so "a step of the full graph reports the bound" is a step event like a WARN_ON evaluated,
// and (a)/(b) re-run every step of the full graph, with the same values read, in a pass in which
// no footprint grew (the walk uses up ρ, whose last step is that store). The reduced graph's
// steps are steps of the full graph, so it never reports a cut the full search would not. Two
// recorded conflicts protect that store in particular: it reads `n`, which the drains of its
// CPU write, and at the bound it writes the oldest entry's location to memory, as the drain of
// that entry does. Only the pass that gives the verdict counts (coverage.ts: each search counts
// afresh), and a checkpoint, which partial-order reduction never writes, carries the tag in its
// saved coverage (src/engine/checkpoint/session.ts). tests/engine/reduction/por-memory.test.ts
// compares verdicts and store-buffer-bound verdicts with the unreduced search on random
// programs whose threads share CPUs (recording no writes of buffer slots makes it fail).
//
// MEMOS (memo.ts): recording goes through views, which is slow. An evaluation whose state
// agrees with an already recorded one on every slot that one read is, by the lemma, the same
// evaluation: it is not recorded again, and runs only on the fast path. The reduced set itself
// is a function of the program counters, the enabled actions and the read sets of the disabled
// guards (with the footprints and the invariants not yet violated fixed): select-cache.ts keeps
// it per such key, cleared whenever a footprint grows or an invariant is found violated, so the
// closures run once per key rather than once per state.
//
// Counterexamples from a reduced search are real paths (indices into the full enabled list), but
// not necessarily the shortest: `--shortest` re-searches without POR up to their length.

import type { CompiledAction, CompiledModel } from '../../model/compile.js';
import type { SlotSink } from '../../model/layout.js';
import type { FootprintRecorder, SlotSinks } from '../../model/system.js';
import type { Property } from '../../property/types.js';
import { makeEvaluator, propertyThrew, type Evaluator } from '../evaluate.js';
import type { FingerprintSet } from '../visited.js';
import { Footprints } from './footprints.js';
import { MAX_SHAPES, ReadMemo } from './memo.js';
import { KEY_SEED, keyHash, keyStep, SelectCache } from './select-cache.js';

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
    // Views add layout offsets; the property evaluator's location reads come in through
    // addSlot (a program counter or an observation slot: footprints.ts).
    const slot = off >= 0 ? this.pcs + off : -1 - off;
    if (this.stamp[slot] !== this.gen) {
      this.stamp[slot] = this.gen;
      this.slots[this.n++] = slot;
    }
  }

  /** Add a slot (a packed-state index) directly. */
  addSlot(slot: number): void {
    if (this.stamp[slot] !== this.gen) {
      this.stamp[slot] = this.gen;
      this.slots[this.n++] = slot;
    }
  }

  sorted(): Int32Array {
    return this.slots.slice(0, this.n).sort();
  }

  /** The packed-state slots the evaluation's result depends on (an observation slot by its program counter), for the memo. */
  stateSlots(fp: Footprints): Int32Array {
    let plain = true;
    for (let i = 0; i < this.n; i++) if (this.slots[i]! >= fp.stateSlots) plain = false;
    if (plain) return this.sorted();
    return Int32Array.from(new Set(Array.from(this.slots.subarray(0, this.n), (s) => fp.stateSlot(s)))).sort();
  }
}

export type PorMode = 'learn' | 'reduce';

/**
 * What made the stubborn closures of a pass big (a debug report: `porSeed.blame`, bench/por.ts
 * with KMC_POR_BLAME=1): per slot and rule, how many times a unit of another thread was brought
 * into a closure because of it (S1: the slot is in the conflict between an enabled action and
 * that unit; S2: a disabled guard read the slot and that unit writes it), and how many times an
 * enabled action made the set full by writing it (C2: an invariant reads it). Units of the
 * closure's own thread are not counted (they cost nothing: S3 brings in its current unit only).
 */
export interface ConflictCount {
  slot: string;
  rule: 'S1' | 'S2' | 'C2';
  count: number;
}

const EMPTY_SLOTS = new Int32Array(0);
/**
 * A learning pass (the unreduced prefix, random walks) expands one state in this many in shadow:
 * select() computes its reduced set (closures, the select cache, pick), successor() and stored()
 * the cycle proviso, rest() the rest, as a reduced pass would, and then every action is followed
 * in the search's order all the same, so the pass searches, records and learns exactly what it
 * did without. Why: the JIT compiles the search's code during the prefix, with type feedback
 * from the paths the prefix runs. Code only a reduced pass ran (the closures, the proviso's
 * comparisons, the reduced branches of select and rest) had none, so at the reduced pass's
 * start the optimized search (expandSome with expand, follow, the reducer's calls inlined)
 * deoptimized at each such site in turn and ran in baseline code while it was compiled again,
 * and the closures of the pass's first thousands of states, most of a pass's closures, ran in
 * baseline code too (bench/README.md, "The reduced run's cold start", session 12).
 */
const SHADOW_EVERY = 32;
/** guardShape of a thread that has ended (no guards, no read set). */
const NO_GUARDS = -2;

export class PartialOrder {
  readonly fp: Footprints;
  mode: PorMode = 'reduce';
  /** The visited set of the current pass (C3). */
  store: FingerprintSet | null = null;
  /** Invariants (indices into the selected invariants) found violated in the current pass. */
  private violated: Uint8Array;
  /** Set when an invariant not yet violated grew its read set. */
  private spoiled = false;

  private readonly invariants: Property[];
  private readonly recEval: Evaluator;
  private readonly sinks: SlotSinks;
  private readonly rec: FootprintRecorder<CompiledAction>;
  private readonly reads: SlotList;
  private readonly writes: SlotList;
  private readonly scratch: Int32Array;
  private readonly guardMemo: ReadMemo[];
  /** By action ordinal (an array index per transition, not a Map lookup). */
  private readonly stepMemo: ReadMemo[];
  private readonly invMemo: ReadMemo[];
  /** What the guards at a thread's location read in the state being expanded, when its memo is full (guardShape -1). */
  private readonly guardReads: Int32Array[];
  /** Which read set of its location's guard memo the guards at a thread's location read in the state being expanded (location * MAX_SHAPES + index), -1 when the memo is full (guardReads), NO_GUARDS when the thread ended. */
  private readonly guardShape: Int32Array;
  /** Reduced sets by what they depend on (select-cache.ts), for the current footprints and invariants. */
  private readonly selects: SelectCache;
  /** The arrays select() (outs) and rest() (rests) return, one per length, reused from call to call (pick). */
  private readonly outs: number[][] = [];
  private readonly rests: number[][] = [];
  /** The threads whose enabled actions the reduced set of the state being expanded holds. */
  private readonly selected: Uint32Array;
  /** The thread of each chosen action of the state being expanded (select(), for pick). */
  private readonly chosenThread: Int32Array;
  /** The hash of the select cache's key selectKey wrote last. */
  private keyHash = 0;
  /** States select() has seen in learning passes (every SHADOW_EVERY-th is a shadow expansion). */
  private learnTick = 0;

  // The expansion in progress.
  private reduced = false;
  private provisoHit = false;
  /** successor() saw a successor of the reduced set whose store id C3 must look at. */
  private provisoPending = false;
  /** Closure bookkeeping: units marked with the closure's generation, listed in `members`. */
  private mark: Int32Array;
  private gen = 0;
  private members: Int32Array;
  /** Units in the last closure computed, and the best closure of the current state. */
  private count = 0;
  private bestMembers: Int32Array;
  private bestCount = 0;
  private enabledAt: Int32Array;
  /** Actions offered at each location (by global location number, footprints.ts): the closure and the key compare enabledAt with it. */
  private readonly offered: Int32Array;
  /** The chosen actions of each thread in the state being expanded (action indices). */
  private actionsOf: Int32Array[];
  private actionConflicts: (Int32Array | undefined)[] = [];

  // Caches over the footprints (valid for one footprint version).
  private cacheVersion = -1;
  private reach: (Uint8Array | undefined)[] = [];
  private writers: (Int32Array | undefined)[] = [];
  private invUnion: Uint32Array;
  private invDirty = true;

  /** Statistics of the current pass: states expanded with a reduced set, and fully; actions enabled, and not followed. */
  reducedStates = 0;
  fullStates = 0;
  enabledActions = 0;
  skippedActions = 0;
  /** Per slot, closures' conflicts by rule (S1, S2, C2: three counters a slot), when asked for (`blaming`). */
  private blame: Float64Array | null = null;

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
    // Recording is this class's own: the model's recorder reports every slot its views, guards
    // (gates included), recipes and next() read or write into the sinks set here.
    const sinks: SlotSinks = { reads: null, writes: null };
    this.sinks = sinks;
    this.rec = model.recorder(sinks);
    const view = (state: Int32Array) => this.rec.view(state);
    // A property's location read: `at` reads the program counter, `ended` and `fnAt` only what
    // they show (observation slots, footprints.ts).
    const location = (t: number, what: 'at' | 'fn' | 'ended') => {
      const r = sinks.reads as SlotList | null;
      if (r) r.addSlot(what === 'at' ? t : what === 'ended' ? this.fp.endSlot(t) : this.fp.fnSlot(t));
    };
    this.recEval = makeEvaluator(model, all, selected, { view, location });
    const width = this.fp.words * 32;
    this.reads = new SlotList(model.pcs, width);
    this.writes = new SlotList(model.pcs, width);
    this.scratch = new Int32Array(model.width);
    this.guardMemo = Array.from({ length: this.fp.nLocs }, () => new ReadMemo());
    this.invMemo = this.invariants.map(() => new ReadMemo());
    this.stepMemo = model.allActions.map(() => new ReadMemo());
    this.guardReads = model.threadNames.map(() => EMPTY_SLOTS);
    this.guardShape = new Int32Array(model.pcs);
    const maskWords = Math.ceil(model.pcs / 32);
    this.selected = new Uint32Array(maskWords);
    this.chosenThread = new Int32Array(model.allActions.length);
    this.selects = new SelectCache(2 * model.pcs + 1 + model.allActions.length, maskWords);
    this.mark = new Int32Array(this.fp.nLocs);
    this.members = new Int32Array(this.fp.nLocs);
    this.bestMembers = new Int32Array(this.fp.nLocs);
    this.enabledAt = new Int32Array(model.pcs);
    this.offered = new Int32Array(this.fp.nLocs);
    model.threads.forEach((th, t) => th.locations.forEach((l, pc) => (this.offered[this.fp.locBase[t]! + pc] = l.actions.length)));
    this.actionsOf = model.threads.map((th) => new Int32Array(Math.max(1, ...th.locations.map((l) => l.actions.length))));
    this.invUnion = new Uint32Array(this.fp.words);
  }

  /** The depth of the states being expanded, and how many states were stored when its first one was (C3). */
  private levelDepth = -1;
  private levelStart = 0;

  /** A new pass: fresh visited set, nothing violated yet, nothing spoiled. */
  beginPass(mode: PorMode, store: FingerprintSet | null): void {
    this.mode = mode;
    this.store = store;
    this.levelDepth = -1;
    this.levelStart = 0;
    this.violated.fill(0);
    this.invDirty = true;
    this.spoiled = false;
    this.fp.grew = false;
    this.selects.clear();
    this.blame?.fill(0);
    this.reducedStates = 0;
    this.fullStates = 0;
    this.enabledActions = 0;
    this.skippedActions = 0;
  }

  /** Count what makes closures big (ConflictCount) from now on; costs time, for debugging. */
  blaming(): void {
    this.blame ??= new Float64Array(this.fp.words * 32 * 3);
  }

  /** The `top` slots of the current pass that brought the most units into closures (or made sets full), most first. */
  conflicts(top: number): ConflictCount[] {
    const b = this.blame;
    if (b === null) return [];
    const rules = ['S1', 'S2', 'C2'] as const;
    const out: ConflictCount[] = [];
    for (let i = 0; i < b.length; i++) if (b[i]! > 0) out.push({ slot: this.fp.slotName(Math.floor(i / 3)), rule: rules[i % 3]!, count: b[i]! });
    return out.sort((x, y) => y.count - x.count).slice(0, top);
  }

  /** Blame the slots action `a` and unit `w` conflict on (S1). */
  private blameS1(a: number, w: number): void {
    const fp = this.fp;
    const W = fp.words;
    for (let k = 0; k < W; k++) {
      const bits = (fp.actionWrites[a * W + k]! & (fp.reads[w * W + k]! | fp.writes[w * W + k]!)) | (fp.actionReads[a * W + k]! & fp.writes[w * W + k]!);
      for (let j = 0; j < 32; j++) if ((bits & (1 << j)) !== 0) this.blame![(k * 32 + j) * 3]! += 1;
    }
  }

  /** Blame the slots action `a` writes that a live invariant reads (C2). */
  private blameC2(a: number): void {
    const fp = this.fp;
    const W = fp.words;
    for (let k = 0; k < W; k++) {
      const bits = fp.actionWrites[a * W + k]! & this.invUnion[k]!;
      for (let j = 0; j < 32; j++) if ((bits & (1 << j)) !== 0) this.blame![(k * 32 + j) * 3 + 2]! += 1;
    }
  }

  /** Did this pass see anything that may invalidate its reduced sets? */
  get passSpoiled(): boolean {
    return this.fp.grew || this.spoiled;
  }

  /** The search found invariant `p` violated: C2 no longer needs it. */
  invariantViolated(p: Property): void {
    const i = this.invariants.indexOf(p);
    if (i >= 0 && this.violated[i] === 0) {
      this.violated[i] = 1;
      this.invDirty = true;
      this.selects.clear();
    }
  }

  // ---- recording -------------------------------------------------------------------------

  /**
   * The guards at every thread's location in `state` (every state the search expands). The
   * common case, a read set already remembered, writes one number a thread (guardShape); the
   * slots themselves are looked up only when a closure needs them (guardSlots).
   */
  visitGuards(state: Int32Array): void {
    const pcs = this.model.pcs;
    const locBase = this.fp.locBase;
    const guardMemo = this.guardMemo;
    const guardShape = this.guardShape;
    for (let t = 0; t < pcs; t++) {
      const pc = state[t]!;
      if (pc < 0) {
        guardShape[t] = NO_GUARDS;
        continue;
      }
      const loc = locBase[t]! + pc;
      const known = guardMemo[loc]!.seenShape(state);
      if (known >= 0) guardShape[t] = loc * MAX_SHAPES + known;
      else this.recordGuards(state, t, pc, loc);
    }
  }

  /** The read set of thread t's guards in the state visitGuards saw last (S2). */
  private guardSlots(t: number): Int32Array {
    const g = this.guardShape[t]!;
    if (g === NO_GUARDS) return EMPTY_SLOTS;
    if (g < 0) return this.guardReads[t]!;
    return this.guardMemo[(g / MAX_SHAPES) | 0]!.shape(g % MAX_SHAPES);
  }

  /** visitGuards for a thread whose guards read values not seen before: record them. */
  private recordGuards(state: Int32Array, t: number, pc: number, loc: number): void {
    const model = this.model;
    const sinks = this.sinks;
    const memo = this.guardMemo[loc]!;
    // Each guard alone (the action's own footprint), all of them together (the location's).
    const reads = this.reads;
    const one = this.writes;
    reads.begin();
    try {
      for (const a of model.threads[t]!.locations[pc]!.actions) {
        one.begin();
        sinks.reads = one;
        this.rec.guard(state, a);
        sinks.reads = null;
        const ai = a.ordinal;
        for (let i = 0; i < one.n; i++) {
          reads.addSlot(one.slots[i]!);
          this.fp.addActionRead(ai, one.slots[i]!);
        }
      }
    } finally {
      sinks.reads = null;
    }
    for (let i = 0; i < reads.n; i++) this.fp.addRead(loc, reads.slots[i]!);
    const slots = reads.sorted();
    const shape = memo.remember(state, slots);
    this.guardReads[t] = slots;
    this.guardShape[t] = shape < 0 ? -1 : loc * MAX_SHAPES + shape;
  }

  /** A step about to be taken from `state`: its step properties, recipe and next(). */
  visitStep(state: Int32Array, action: CompiledAction): void {
    const memo = this.stepMemo[action.ordinal]!;
    if (memo.seenShape(state) < 0) this.recordStep(state, action, memo);
  }

  /**
   * visitStep for a step that reads values not seen before: record it. (A method of its own, as
   * recordGuards: the per-transition lookup stays a small function, which the JIT compiles
   * without the recording path.)
   */
  private recordStep(state: Int32Array, action: CompiledAction, memo: ReadMemo): void {
    const model = this.model;
    const sinks = this.sinks;
    const { reads, writes, scratch } = this;
    reads.begin();
    writes.begin();
    sinks.reads = reads;
    sinks.writes = writes;
    let halted: boolean;
    try {
      this.recEval.steps(state, action);
      halted = this.rec.apply(state, action, scratch).halted;
    } finally {
      sinks.reads = null;
      sinks.writes = null;
    }
    const t = action.thread;
    const loc = this.fp.loc(t, action.location);
    const ai = action.ordinal;
    for (let i = 0; i < reads.n; i++) {
      this.fp.addRead(loc, reads.slots[i]!);
      this.fp.addActionRead(ai, reads.slots[i]!);
    }
    for (let i = 0; i < writes.n; i++) {
      this.fp.addWrite(loc, writes.slots[i]!);
      this.fp.addActionWrite(ai, writes.slots[i]!);
    }
    const to = scratch[t]!;
    if (to !== state[t]) {
      this.fp.addWrite(loc, t);
      this.fp.addActionWrite(ai, t);
      // What the move changes of what `ended` and `fnAt` show.
      const fnFrom = model.threads[t]!.locations[state[t]!]!.actions[0]!.fn;
      const fnTo = to < 0 ? '' : model.threads[t]!.locations[to]!.actions[0]!.fn;
      if (to < 0) {
        this.fp.addWrite(loc, this.fp.endSlot(t));
        this.fp.addActionWrite(ai, this.fp.endSlot(t));
      }
      if (fnTo !== fnFrom) {
        this.fp.addWrite(loc, this.fp.fnSlot(t));
        this.fp.addActionWrite(ai, this.fp.fnSlot(t));
      }
    }
    if (action.staticNext === null) this.fp.addEdge(loc, to < 0 ? -1 : this.fp.loc(t, to));
    if (halted) {
      this.fp.addHalt(loc);
      this.fp.addActionHalt(ai);
    }
    memo.remember(state, reads.stateSlots(this.fp));
  }

  /** The selected invariants in a state the search stores (the initial state, every new successor: Reductions.stored). */
  visitInvariants(state: Int32Array): void {
    const invs = this.invariants;
    if (invs.length === 0) return;
    const sinks = this.sinks;
    let info: ReturnType<Evaluator['info']> | undefined;
    for (let i = 0; i < invs.length; i++) {
      const memo = this.invMemo[i]!;
      if (memo.seen(state) !== null) continue;
      info ??= this.recEval.info(state);
      const reads = this.reads;
      reads.begin();
      this.rec.view(state); // the views over `state` (info's variables are these views)
      sinks.reads = reads;
      try {
        (invs[i] as Property & { kind: 'invariant' }).holds(info);
      } catch (e) {
        throw propertyThrew(invs[i]!, e);
      } finally {
        sinks.reads = null;
      }
      for (let k = 0; k < reads.n; k++) this.fp.addInvariantRead(i, reads.slots[k]!);
      memo.remember(state, reads.stateSlots(this.fp));
    }
  }

  // ---- the reduced set -------------------------------------------------------------------

  private refresh(): void {
    if (this.cacheVersion === this.fp.version) return;
    this.cacheVersion = this.fp.version;
    this.reach = [];
    this.actionConflicts = [];
    this.writers = [];
    this.invDirty = true;
    this.selects.clear();
  }

  // The closure's lookups (reachable, conflictsOfAction, writersOf, visibleAction) are small
  // functions answering from caches over the footprints; what fills a cache is a method of its
  // own, called once per entry and footprint version, so that the JIT, which inlines the
  // lookups into closure(), does not compile the filling loops into it too (closure was
  // compiled twice in a cold check, each time with every one of them inlined).

  /** The locations reachable from `loc` along the footprints' edges (itself included). */
  private reachable(loc: number): Uint8Array {
    return this.reach[loc] ?? this.computeReach(loc);
  }

  /** Fills reach[loc]. */
  private computeReach(loc: number): Uint8Array {
    const fp = this.fp;
    const r = new Uint8Array(fp.nLocs);
    r[loc] = 1;
    const stack = [loc];
    while (stack.length) {
      const g = stack.pop()!;
      for (const to of fp.edges[g]!)
        if (to >= 0 && r[to] === 0) {
          r[to] = 1;
          stack.push(to);
        }
    }
    this.reach[loc] = r;
    return r;
  }

  /** The units of other threads whose footprint conflicts with action `a`'s own (S1). */
  private conflictsOfAction(a: number, thread: number): Int32Array {
    return this.actionConflicts[a] ?? this.computeConflicts(a, thread);
  }

  /** Fills actionConflicts[a]. */
  private computeConflicts(a: number, thread: number): Int32Array {
    const fp = this.fp;
    const W = fp.words;
    const out: number[] = [];
    for (let b = 0; b < fp.nLocs; b++) {
      if (fp.threadOf[b] === thread) continue;
      if (
        Footprints.meet(fp.actionWrites, a * W, fp.reads, b * W, W) ||
        Footprints.meet(fp.actionWrites, a * W, fp.writes, b * W, W) ||
        Footprints.meet(fp.actionReads, a * W, fp.writes, b * W, W)
      )
        out.push(b);
    }
    const c = Int32Array.from(out);
    this.actionConflicts[a] = c;
    return c;
  }

  /** C2 for one action: does it write a slot an invariant not yet violated reads? */
  private visibleAction(a: number): boolean {
    if (this.invDirty) this.computeInvUnion();
    return Footprints.meet(this.fp.actionWrites, a * this.fp.words, this.invUnion, 0, this.fp.words);
  }

  /** The slots the invariants not yet violated read (C2). */
  private computeInvUnion(): void {
    this.invUnion.fill(0);
    for (let i = 0; i < this.invariants.length; i++)
      if (this.violated[i] === 0) {
        const b = this.fp.inv[i]!;
        for (let k = 0; k < b.length; k++) this.invUnion[k] = this.invUnion[k]! | b[k]!;
      }
    this.invDirty = false;
  }

  /** The units that write `slot` (S2). */
  private writersOf(slot: number): Int32Array {
    return this.writers[slot] ?? this.computeWriters(slot);
  }

  /** Fills writers[slot]. */
  private computeWriters(slot: number): Int32Array {
    const fp = this.fp;
    const W = fp.words;
    const out: number[] = [];
    const w = slot >>> 5;
    const m = 1 << (slot & 31);
    for (let b = 0; b < fp.nLocs; b++) if ((fp.writes[b * W + w]! & m) !== 0) out.push(b);
    const c = Int32Array.from(out);
    this.writers[slot] = c;
    return c;
  }

  /**
   * The stubborn closure from thread `seed`'s current unit: its units are marked `gen` in
   * `mark` and listed in `members`. Returns the number of enabled (chosen) actions it covers,
   * or -1 when it must be the full set (a visible or halting unit, or every thread with chosen
   * actions) or covers `bound` actions or more (no better than a closure already found).
   */
  private closure(state: Int32Array, seed: number, enabledAt: Int32Array, totalUnits: number, bound: number): number {
    const fp = this.fp;
    const mark = this.mark;
    const gen = ++this.gen;
    const members = this.members;
    let n = 0;
    let next = 0;
    const locBase = fp.locBase;
    const threadOf = fp.threadOf;
    const first = locBase[seed]! + state[seed]!;
    mark[first] = gen;
    members[n++] = first;
    let covered = 0;
    let units = 0;
    while (next < n) {
      const b = members[next++]!;
      const v = threadOf[b]!;
      const pc = state[v]!;
      if (pc < 0) continue;
      const cur = locBase[v]! + pc;
      if (b !== cur) {
        // S3: the thread must move first (if it can get to b at all).
        if (this.reachable(cur)[b] === 1 && mark[cur] !== gen) {
          mark[cur] = gen;
          members[n++] = cur;
        }
        continue;
      }
      const enabledHere = enabledAt[v]!;
      if (this.offered[cur]! > enabledHere) {
        // S2: what would enable the disabled actions here.
        const g = this.guardSlots(v);
        for (let i = 0; i < g.length; i++) {
          const before = n;
          n = this.bringIn(this.writersOf(g[i]!), state, gen, n);
          if (this.blame !== null) for (let k = before; k < n; k++) if (threadOf[members[k]!] !== v) this.blame[g[i]! * 3 + 1]! += 1;
        }
      }
      if (enabledHere > 0) {
        covered += enabledHere;
        // It covers only more from here on: no better than the best closure so far (closeFrom).
        if (covered >= bound) return -1;
        if (++units === totalUnits) return -1;
        // S1, for each enabled action here by its own footprint (C2 and halting too).
        const acts = this.actionsOf[v]!;
        for (let j = 0; j < enabledHere; j++) {
          const a = acts[j]!;
          if (fp.actionHalts[a] !== 0) return -1;
          if (this.visibleAction(a)) {
            if (this.blame !== null) this.blameC2(a);
            return -1;
          }
          const before = n;
          n = this.bringIn(this.conflictsOfAction(a, v), state, gen, n);
          if (this.blame !== null) for (let k = before; k < n; k++) if (threadOf[members[k]!] !== v) this.blameS1(a, members[k]!);
        }
      }
    }
    this.count = n;
    return covered;
  }

  /**
   * Add to the closure `gen` (members[0..n)) each of `units` not in it yet whose thread is live
   * and can still reach it; returns the new member count.
   */
  private bringIn(units: Int32Array, state: Int32Array, gen: number, n: number): number {
    const { mark, members } = this;
    const { locBase, threadOf } = this.fp;
    for (let k = 0; k < units.length; k++) {
      const w = units[k]!;
      if (mark[w] === gen) continue;
      const u = threadOf[w]!;
      const upc = state[u]!;
      if (upc < 0 || this.reachable(locBase[u]! + upc)[w] !== 1) continue;
      mark[w] = gen;
      members[n++] = w;
    }
    return n;
  }

  /** The indices of `chosen` to follow first (all of them when nothing smaller qualifies). */
  select(state: Int32Array, actions: readonly CompiledAction[], chosen: readonly number[]): readonly number[] {
    this.reduced = false;
    this.provisoHit = false;
    this.enabledActions += chosen.length;
    // A learning pass follows every action, in the search's order; one state in SHADOW_EVERY
    // goes through the reduced set all the same (a shadow expansion: below, rest() and C3's
    // bookkeeping), whose result is dropped.
    const learning = this.mode === 'learn';
    if ((learning && ++this.learnTick % SHADOW_EVERY !== 0) || chosen.length < 2) {
      this.fullStates++;
      return chosen;
    }
    this.refresh();
    const pcs = this.model.pcs;
    const enabledAt = this.enabledAt;
    const chosenThread = this.chosenThread;
    // (Loops, not fill(): TypedArray.prototype.fill is a call into the runtime, per state.)
    for (let t = 0; t < pcs; t++) enabledAt[t] = 0;
    // The select cache's key starts with the chosen actions (selectKey), written here with its
    // hash as the actions are sorted by thread.
    const key = this.selects.key;
    key[0] = chosen.length;
    let h = keyStep(KEY_SEED, chosen.length);
    let threads = 0;
    for (let i = 0; i < chosen.length; i++) {
      const a = actions[chosen[i]!]!;
      const t = a.thread;
      const ai = a.ordinal;
      key[i + 1] = ai;
      h = keyStep(h, ai);
      chosenThread[i] = t;
      const k = enabledAt[t]!;
      if (k === 0) threads++;
      this.actionsOf[t]![k] = ai;
      enabledAt[t] = k + 1;
    }
    if (threads < 2) {
      this.fullStates++;
      return chosen;
    }
    // The closure depends on the state through the key only (select-cache.ts); blame counts
    // every closure, so it does without the cache.
    const len = this.blame === null ? this.selectKey(state, chosen.length + 1, h) : -1;
    const cached = len < 0 ? -1 : this.selects.find(len, this.keyHash);
    const sel = this.selected;
    // (One exit for a full set, cached or computed: a shadow expansion, which meets far fewer
    // cached full sets than a reduced pass, then gives the JIT feedback for it.)
    let full: boolean;
    if (cached >= 0) {
      full = this.selects.full(cached);
      if (!full) this.selects.maskInto(cached, sel);
    } else {
      full = !this.closeFrom(state, chosen.length, threads);
      if (len >= 0) this.selects.add(len, this.keyHash, full, sel);
    }
    if (full) {
      this.fullStates++;
      return chosen;
    }
    this.reduced = true;
    this.reducedStates++;
    // Reused: the expander follows these before it asks for the rest.
    const out = this.pick(chosen, 1, this.outs);
    this.skippedActions += chosen.length - out.length;
    return learning ? chosen : out;
  }

  /**
   * The select cache's key of the state being expanded: the chosen actions (select() wrote
   * key[0..n): their number, their ordinals; `h` is its hash so far), then for each thread its
   * program counter, followed, when the thread has a disabled action there, by the read set of
   * its guards (what the closure reads: closure(), S2; whether one follows is fixed by the
   * program counter and the chosen actions before it, so the key reads back one way only).
   * Returns its length and leaves its hash in keyHash, or returns -1 when a read set has no
   * index.
   */
  private selectKey(state: Int32Array, n: number, h: number): number {
    const key = this.selects.key;
    const pcs = this.model.pcs;
    const { offered, enabledAt, guardShape } = this;
    const locBase = this.fp.locBase;
    for (let t = 0; t < pcs; t++) {
      const pc = state[t]!;
      key[n++] = pc;
      h = keyStep(h, pc);
      if (pc < 0 || offered[locBase[t]! + pc] === enabledAt[t]) continue;
      const g = guardShape[t]!;
      if (g < 0) return -1;
      key[n++] = g;
      h = keyStep(h, g);
    }
    this.keyHash = keyHash(h);
    return n;
  }

  /**
   * The smallest closure over every seed (a thread with chosen actions, fewest first): true with
   * its threads in `selected` when it is smaller than the full set, false when nothing is.
   */
  private closeFrom(state: Int32Array, nChosen: number, threads: number): boolean {
    const pcs = this.model.pcs;
    const enabledAt = this.enabledAt;
    let best = -1;
    for (let pass = 1; pass <= nChosen && best !== 1; pass++) {
      for (let t = 0; t < pcs; t++) {
        if (enabledAt[t] !== pass) continue;
        // (blame counts every closure whole, so it sets no bound)
        const c = this.closure(state, t, enabledAt, threads, best >= 0 && this.blame === null ? best : Infinity);
        if (c < 0 || (best >= 0 && c >= best)) continue;
        best = c;
        for (let k = 0; k < this.count; k++) this.bestMembers[k] = this.members[k]!;
        this.bestCount = this.count;
        if (c === pass) break; // the seed's own actions: nothing smaller starts from here
      }
    }
    const sel = this.selected;
    for (let w = 0; w < sel.length; w++) sel[w] = 0;
    if (best < 0 || best >= nChosen) return false;
    const bestGen = ++this.gen;
    for (let k = 0; k < this.bestCount; k++) this.mark[this.bestMembers[k]!] = bestGen;
    const fp = this.fp;
    for (let t = 0; t < pcs; t++) if (enabledAt[t]! > 0 && this.mark[fp.locBase[t]! + state[t]!] === bestGen) sel[t >>> 5] = sel[t >>> 5]! | (1 << (t & 31));
    return true;
  }

  /** The search expands a state at `depth` (breadth-first: depths never decrease within a pass). */
  expanding(depth: number): void {
    if (depth !== this.levelDepth) {
      this.levelDepth = depth;
      this.levelStart = this.store?.size ?? 0;
    }
  }

  /** A successor of the reduced set is about to be stored (C3 looks at its store id, `stored`). */
  successor(halted: boolean): void {
    this.provisoPending = this.reduced && !this.provisoHit && !halted && this.store !== null;
  }

  /**
   * C3: the search stored that successor (canonical) under `id`, or found it stored: was it
   * stored before the first state of the expanded state's depth was expanded (at a depth no
   * greater than the expanded state's)? The search hashed it and looked it up; nothing here does
   * it again.
   */
  stored(id: number): void {
    // (One store of provisoHit whatever the outcome: a store reached only on a hit was first
    // reached late, after the search around it was optimized, which then deoptimized there.)
    this.provisoHit = this.provisoHit || (this.provisoPending && id < this.levelStart);
    this.provisoPending = false;
  }

  /** After the reduced set ran: the rest, if the cycle proviso asks for it. */
  rest(_state: Int32Array, actions: readonly CompiledAction[], chosen: readonly number[]): readonly number[] {
    if (!this.reduced || !this.provisoHit) return NONE;
    this.reduced = false;
    this.reducedStates--;
    this.fullStates++;
    const rest = this.pick(chosen, 0, this.rests);
    this.skippedActions -= rest.length;
    // A shadow expansion (select) followed every action already: none, as an array of the
    // pool's kind (NONE is another kind, which the expander then first sees in a reduced pass).
    return this.mode === 'learn' ? this.rests[0]! : rest;
  }

  /**
   * The indices of `chosen` whose thread (chosenThread, written by select()) is (`inSet` 1) or is
   * not (0) among the selected ones,
   * in a reused array of `pool` (one per length: emptying an array and pushing into it again
   * allocates a new backing store each time). The expander follows select()'s set before it asks
   * for rest(), so each has its own pool.
   */
  private pick(chosen: readonly number[], inSet: 0 | 1, pool: number[][]): number[] {
    const sel = this.selected;
    const chosenThread = this.chosenThread;
    let m = 0;
    for (let k = 0; k < chosen.length; k++) {
      const t = chosenThread[k]!;
      if (((sel[t >>> 5]! >>> (t & 31)) & 1) === inSet) m++;
    }
    while (pool.length <= m) pool.push(zeros(pool.length));
    const out = pool[m]!;
    m = 0;
    for (let k = 0; k < chosen.length; k++) {
      const t = chosenThread[k]!;
      if (((sel[t >>> 5]! >>> (t & 31)) & 1) === inSet) out[m++] = chosen[k]!;
    }
    return out;
  }
}

const NONE: readonly number[] = Object.freeze([]);

/**
 * `n` zeros, made by pushing: an array of small integers of the kind the exhaustive chooser's
 * ranges are (packed), so that what select() returns, a range or a pool's array, is of one kind
 * where the expander reads it (`new Array(n).fill(0)` makes a holey one: another map, for which
 * the expander, optimized in the prefix on ranges only, deoptimized at the reduced pass's start).
 */
function zeros(n: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(0);
  return a;
}
