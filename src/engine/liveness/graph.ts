// The stored state graph liveness needs: the search (src/engine/search.ts) tells a GraphRecorder
// every state it stores, every transition it computes (to a new state or to one already stored)
// and every expansion. Safety needs only a parent link per state; liveness needs every edge,
// because a counterexample is a cycle. Per state the recorder keeps a few label bits (the
// predicates of the liveness properties, and per thread whether it is idle), computed once
// when the state is stored, so the analysis never rebuilds a state.
//
// Layout (typed arrays, no object per state or edge), in compressed sparse rows once finished:
//   start   Int32Array(n + 1)  edges of state s are start[s] .. start[s+1]-1
//   to      Int32Array(m)      target state id
//   choice  Uint16Array(m)     the index of the enabled action taken: the trace currency
//   action  Int32Array(m)      the action, as an index into model.allActions (thread, step, tags)
//   labels  Uint32Array(n * words)  label bits
//   flags   Uint8Array(n)      EXPANDED, HALTED

import type { CompiledAction, CompiledModel } from '../../model/compile.js';
import type { GraphSink } from '../search.js';

export const EXPANDED = 1;
export const HALTED = 2;

/** A label of a state: a predicate over the packed state, evaluated once when it is stored. */
export type Labeller = (words: Int32Array) => boolean;

/** Label words per state for `count` labellers (at least one). */
export function labelWords(count: number): number {
  return Math.max(1, Math.ceil(count / 32));
}

/** A stored state's label bits, from `labels[base]` on: bit i where labeller i holds on `words`. */
export function writeLabels(labellers: readonly Labeller[], words: Int32Array, labels: Uint32Array, base: number): void {
  for (let i = 0; i < labellers.length; i++) if (labellers[i]!(words)) labels[base + (i >>> 5)]! |= 1 << (i & 31);
}

/** Each action's index in model.allActions: what the graph's `action` array holds. */
export function actionIndexOf(model: CompiledModel): Map<CompiledAction, number> {
  return new Map(model.allActions.map((a, i) => [a, i]));
}

export class GraphRecorder implements GraphSink {
  private n = 0;
  private m = 0;
  private efrom = new Int32Array(1024);
  private eto = new Int32Array(1024);
  private echoice = new Uint16Array(1024);
  private eaction = new Int32Array(1024);
  private labels: Uint32Array;
  private flags = new Uint8Array(1024);
  private readonly words: number;
  private readonly actionIndex: Map<CompiledAction, number>;

  constructor(
    readonly model: CompiledModel,
    private readonly labellers: readonly Labeller[],
  ) {
    this.words = labelWords(labellers.length);
    this.labels = new Uint32Array(1024 * this.words);
    this.actionIndex = actionIndexOf(model);
  }

  state(id: number, words: Int32Array, halted: boolean): void {
    while (id >= this.flags.length) this.growStates();
    if (id >= this.n) this.n = id + 1;
    if (halted) this.flags[id]! |= HALTED;
    const base = id * this.words;
    writeLabels(this.labellers, words, this.labels, base);
  }

  edge(from: number, to: number, choice: number, action: CompiledAction): void {
    if (this.m === this.eto.length) this.growEdges();
    const k = this.m++;
    this.efrom[k] = from;
    this.eto[k] = to;
    this.echoice[k] = choice;
    this.eaction[k] = this.actionIndex.get(action)!;
  }

  expanded(id: number, enabled: number): void {
    if (enabled >= 0) this.flags[id]! |= EXPANDED;
  }

  /** The graph in compressed sparse rows (the recorder's edge lists are dropped). */
  finish(): StateGraph {
    const n = this.n;
    const m = this.m;
    const start = new Int32Array(n + 1);
    for (let k = 0; k < m; k++) start[this.efrom[k]! + 1]!++;
    for (let s = 0; s < n; s++) start[s + 1]! += start[s]!;
    const fill = start.slice(0, n);
    const to = new Int32Array(m);
    const choice = new Uint16Array(m);
    const action = new Int32Array(m);
    for (let k = 0; k < m; k++) {
      const at = fill[this.efrom[k]!]!++;
      to[at] = this.eto[k]!;
      choice[at] = this.echoice[k]!;
      action[at] = this.eaction[k]!;
    }
    const g = new StateGraph(this.model, n, start, to, choice, action, this.labels.slice(0, n * this.words), this.words, this.flags.slice(0, n));
    this.efrom = this.eto = this.eaction = new Int32Array(0);
    this.echoice = new Uint16Array(0);
    return g;
  }

  private growStates(): void {
    const n = this.flags.length * 2;
    const flags = new Uint8Array(n);
    flags.set(this.flags);
    this.flags = flags;
    const labels = new Uint32Array(n * this.words);
    labels.set(this.labels);
    this.labels = labels;
  }

  private growEdges(): void {
    const n = this.eto.length * 2;
    const grow = <T extends Int32Array | Uint16Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.efrom = grow(this.efrom, new Int32Array(n));
    this.eto = grow(this.eto, new Int32Array(n));
    this.echoice = grow(this.echoice, new Uint16Array(n));
    this.eaction = grow(this.eaction, new Int32Array(n));
  }
}

export class StateGraph {
  constructor(
    readonly model: CompiledModel,
    /** Number of states (ids 0..n-1, 0 the initial state, ids in breadth-first order). */
    readonly n: number,
    readonly start: Int32Array,
    readonly to: Int32Array,
    readonly choice: Uint16Array,
    readonly action: Int32Array,
    private readonly labels: Uint32Array,
    private readonly words: number,
    readonly flags: Uint8Array,
  ) {}

  get edges(): number {
    return this.to.length;
  }

  label(s: number, i: number): boolean {
    return (this.labels[s * this.words + (i >>> 5)]! & (1 << (i & 31))) !== 0;
  }

  expanded(s: number): boolean {
    return (this.flags[s]! & EXPANDED) !== 0;
  }

  halted(s: number): boolean {
    return (this.flags[s]! & HALTED) !== 0;
  }

  /** Bytes held by the graph's arrays. */
  bytes(): number {
    return this.start.byteLength + this.to.byteLength + this.choice.byteLength + this.action.byteLength + this.labels.byteLength + this.flags.byteLength;
  }
}
