// Learned footprints: for each program location (thread, location) the union of every slot any
// evaluation there has been seen to read (guards of all its actions, the step properties of a
// step taken there, the step's recipe and next()) or write (the recipe; the thread's program
// counter when the step moves it), whether a step there has halted the system (BUG_ON), and the
// locations its computed next() has gone to; for each invariant the slots it has read. The
// recording itself is in por.ts; the argument for why learned footprints are enough is there too.
//
// Slots are indices into the packed state: program counters 0..pcs-1, then the variables;
// after them come two *observation slots* per thread, which are not in the packed state:
// `ended(t)` (is thread t at its end?) and `fn(t)` (the function label of t's location). A
// property that asks only `s.ended(t)` or `s.fnAt(t)` reads those, not t's program counter,
// and a step writes them only when it changes what they show (it ends its thread, or it moves
// into another function). Each is a function of pc(t): a reader of one sees exactly the moves
// that write it, so most moves of a thread stay invisible to an invariant that asks only
// whether it has ended (por.ts, C2). `s.at(t)` reads pc(t) itself.
// Locations are numbered globally: locBase[t] + l. With symmetry on, every set is kept closed
// under the symmetry group (a footprint seen for one member is taken for all), so that whether
// an evaluation conforms to the footprints does not depend on which member of an orbit the
// search happens to store.

import type { CompiledModel } from '../../model/compile.js';

export class Footprints {
  readonly nLocs: number;
  /** 32-bit words per slot set. */
  readonly words: number;
  readonly locBase: Int32Array;
  /** Thread of each global location. */
  readonly threadOf: Int32Array;
  readonly reads: Uint32Array;
  readonly writes: Uint32Array;
  readonly halts: Uint8Array;
  /** Successor locations (global numbers; -1 = the thread ends) of each location. */
  readonly edges: Set<number>[];
  /** Per selected invariant: the slots it has read. */
  readonly inv: Uint32Array[];
  /**
   * Per action (model.allActions order): its own guard, step properties, recipe and next()
   * (reads), its recipe and moves (writes), whether it has halted. Finer than a location's
   * footprint; used only for the actions enabled in the state being expanded, whose
   * evaluations there are themselves recorded (por.ts), so these need no symmetry closure.
   */
  readonly actionIndex: Map<unknown, number>;
  readonly actionReads: Uint32Array;
  readonly actionWrites: Uint32Array;
  readonly actionHalts: Uint8Array;
  /** Bumped on every growth: caches built on the footprints compare it. */
  version = 0;
  /** Set when a location's footprint grows (cleared by the pass runner). */
  grew = false;
  /** Called when invariant i's read set grows (whether that matters depends on the pass). */
  onInvariantGrowth: (i: number) => void = () => {};

  constructor(
    readonly model: CompiledModel,
    invariants: number,
    /** The symmetry group as slot and location maps (identity included), or null. */
    private readonly closure: { slot: Int32Array; loc: Int32Array }[] | null,
  ) {
    const pcs = model.pcs;
    this.locBase = new Int32Array(pcs + 1);
    for (let t = 0; t < pcs; t++) this.locBase[t + 1] = this.locBase[t]! + model.threads[t]!.locations.length;
    this.nLocs = this.locBase[pcs]!;
    this.threadOf = new Int32Array(this.nLocs);
    for (let t = 0; t < pcs; t++) for (let g = this.locBase[t]!; g < this.locBase[t + 1]!; g++) this.threadOf[g] = t;
    this.stateSlots = pcs + model.layout.size;
    this.words = Math.ceil((this.stateSlots + 2 * pcs) / 32);
    this.reads = new Uint32Array(this.nLocs * this.words);
    this.writes = new Uint32Array(this.nLocs * this.words);
    this.halts = new Uint8Array(this.nLocs);
    this.edges = Array.from({ length: this.nLocs }, () => new Set<number>());
    this.inv = Array.from({ length: invariants }, () => new Uint32Array(this.words));
    this.actionIndex = new Map(model.allActions.map((a, i) => [a, i] as const));
    this.actionReads = new Uint32Array(model.allActions.length * this.words);
    this.actionWrites = new Uint32Array(model.allActions.length * this.words);
    this.actionHalts = new Uint8Array(model.allActions.length);
    // Static next: known without running anything.
    model.threads.forEach((th, t) =>
      th.locations.forEach((loc, l) => {
        for (const a of loc.actions)
          if (a.staticNext !== null) this.edges[this.locBase[t]! + l]!.add(a.staticNext < 0 ? -1 : this.locBase[t]! + a.staticNext);
      }),
    );
  }

  /** Slots of the packed state (program counters and variables); the observation slots follow. */
  readonly stateSlots: number;

  /** The observation slot `ended(t)`. */
  endSlot(t: number): number {
    return this.stateSlots + t;
  }

  /** The observation slot `fn(t)`. */
  fnSlot(t: number): number {
    return this.stateSlots + this.model.pcs + t;
  }

  /** The packed-state slot a slot's value is a function of (an observation slot's thread's program counter). */
  stateSlot(slot: number): number {
    if (slot < this.stateSlots) return slot;
    return (slot - this.stateSlots) % this.model.pcs;
  }

  /** The image of a slot under a symmetry element's map of the packed state's slots. */
  private mapSlot(map: Int32Array, slot: number): number {
    if (slot < this.stateSlots) return map[slot]!;
    const pcs = this.model.pcs;
    const k = slot - this.stateSlots;
    return this.stateSlots + (k >= pcs ? pcs : 0) + map[k % pcs]!;
  }

  loc(thread: number, pc: number): number {
    return this.locBase[thread]! + pc;
  }

  private set(bits: Uint32Array, offset: number, slot: number): boolean {
    const w = offset + (slot >>> 5);
    const m = 1 << (slot & 31);
    if ((bits[w]! & m) !== 0) return false;
    bits[w] = bits[w]! | m;
    return true;
  }

  private images(loc: number, slot: number, f: (loc: number, slot: number) => boolean): boolean {
    if (this.closure === null) return f(loc, slot);
    let any = false;
    for (const e of this.closure) if (f(loc < 0 ? loc : e.loc[loc]!, slot < 0 ? slot : this.mapSlot(e.slot, slot))) any = true;
    return any;
  }

  private grown(): void {
    this.version++;
    this.grew = true;
  }

  addRead(loc: number, slot: number): void {
    if (this.images(loc, slot, (l, s) => this.set(this.reads, l * this.words, s))) this.grown();
  }

  addWrite(loc: number, slot: number): void {
    if (this.images(loc, slot, (l, s) => this.set(this.writes, l * this.words, s))) this.grown();
  }

  addHalt(loc: number): void {
    if (
      this.images(loc, -1, (l) => {
        if (this.halts[l] !== 0) return false;
        this.halts[l] = 1;
        return true;
      })
    )
      this.grown();
  }

  /** `to`: a global location, or -1 for the end of the thread. */
  addEdge(loc: number, to: number): void {
    let grew = false;
    const add = (from: number, dest: number) => {
      if (this.edges[from]!.has(dest)) return;
      this.edges[from]!.add(dest);
      grew = true;
    };
    if (this.closure === null) add(loc, to);
    else for (const e of this.closure) add(e.loc[loc]!, to < 0 ? -1 : e.loc[to]!);
    if (grew) this.grown();
  }

  /** An action's own footprint (no closure: see actionReads). */
  addActionRead(a: number, slot: number): void {
    if (this.set(this.actionReads, a * this.words, slot)) this.grown();
  }

  addActionWrite(a: number, slot: number): void {
    if (this.set(this.actionWrites, a * this.words, slot)) this.grown();
  }

  addActionHalt(a: number): void {
    if (this.actionHalts[a] === 0) {
      this.actionHalts[a] = 1;
      this.grown();
    }
  }

  addInvariantRead(i: number, slot: number): void {
    const bits = this.inv[i]!;
    if (this.images(0, slot, (_l, s) => this.set(bits, 0, s))) {
      this.version++;
      this.onInvariantGrowth(i);
    }
  }

  /** Do two slot sets (at word offsets a, b of their arrays) share a slot? */
  static meet(x: Uint32Array, a: number, y: Uint32Array, b: number, words: number): boolean {
    for (let i = 0; i < words; i++) if ((x[a + i]! & y[b + i]!) !== 0) return true;
    return false;
  }

  /** The slots of a set, for reports and tests. */
  slots(bits: Uint32Array, offset: number): number[] {
    const out: number[] = [];
    for (let s = 0; s < this.words * 32; s++) if ((bits[offset + (s >>> 5)]! & (1 << (s & 31))) !== 0) out.push(s);
    return out;
  }

  /** Slot names, for messages: a thread's location or a variable's path. */
  slotName(slot: number): string {
    const m = this.model;
    if (slot < m.pcs) return `pc(${m.threadNames[slot]})`;
    if (slot < this.stateSlots) return m.layout.paths[slot - m.pcs]!;
    const k = slot - this.stateSlots;
    return `${k < m.pcs ? 'ended' : 'fn'}(${m.threadNames[k % m.pcs]})`;
  }
}
