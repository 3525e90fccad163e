// One worker's part of the state graph a parallel search records for liveness (the shared-table
// level search, level-search.ts): the same graph the sequential search records
// (src/engine/liveness/graph.ts), in pieces the orchestrator joins (graph-join.ts).
//
// A state's id in the graph is the one the sequential breadth-first search gives it: the states
// of depth L are ids offset(L) .. offset(L) + N_L - 1, in rank order (ranks.ts: the rank is the
// position in the sequential order), so a state's graph id is offset(L) + rank. The id of a
// state being expanded is known (its level is sealed). A successor's is not yet when the edge is
// computed (its level is still being built, its smallest key not final): the edge keeps the
// successor's id in the shared table, which the table turns into its graph id once the level is
// sealed (SharedTableDedup.settleIds writes it in the key's place). Per worker:
//   edges     to (table id; -1 while the offer waits in the spill), choice, action, in the order
//             they were computed: each expanded state's edges one after the other
//   nodes     the states this worker stored, in the order it stored them: labels and halted flag
//             (computed on the state's words when it is stored, as GraphRecorder.state does),
//             and the graph id each got at its level's end
//   expanded  the graph ids of the states this worker expanded (EXPANDED: enabled >= 0), and how
//             many of the edges are each one's (its source, without 4 bytes an edge for it)
// Within a state's edges the order is the sequential one (enabled actions in order), and each
// state is expanded by one worker: placing each state's run of edges at its graph id gives
// graph.ts's arrays. The arrays live in shared buffers from the start, so the part reaches the
// orchestrator without a copy (a clone of a view of a shared buffer shares it).

import type { CompiledAction, CompiledModel } from '../model/compile.js';
import { actionIndexOf, labelWords, writeLabels, type Labeller } from '../engine/liveness/graph.js';

/** What a worker sends back (views of shared buffers: not copied on the way). */
export interface GraphPart {
  edges: number;
  to: Int32Array;
  choice: Uint16Array;
  action: Int32Array;
  nodes: number;
  /** The graph id of this worker's k-th stored state. */
  ids: Int32Array;
  /** `words` label words per node. */
  labels: Uint32Array;
  words: number;
  halted: Uint8Array;
  expandedCount: number;
  /** The graph id of the k-th state this worker expanded, and how many of the edges (in order) are its own. */
  expanded: Int32Array;
  outDegree: Int32Array;
}

type Shared = Int32Array | Uint16Array | Uint32Array | Uint8Array;
type Make<T extends Shared> = (b: SharedArrayBuffer, n: number) => T;
const i32: Make<Int32Array> = (b, n) => new Int32Array(b, 0, n);
const u16: Make<Uint16Array> = (b, n) => new Uint16Array(b, 0, n);
const u32: Make<Uint32Array> = (b, n) => new Uint32Array(b, 0, n);
const u8: Make<Uint8Array> = (b, n) => new Uint8Array(b, 0, n);

/** An array of `n` elements in a shared buffer of its own. */
function alloc<T extends Shared>(make: Make<T>, bytes: number, n: number): T {
  return make(new SharedArrayBuffer(Math.max(1, n) * bytes), n);
}

/** `a`, or a shared array of at least `need` elements (twice as many) holding its elements. */
function grown<T extends Shared>(a: T, need: number, make: Make<T>): T {
  if (need <= a.length) return a;
  const b = alloc(make, a.BYTES_PER_ELEMENT, Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/** The first `n` elements of a shared array, as a view of the same buffer. */
const first = <T extends Shared>(a: T, n: number): T => a.subarray(0, n) as T;

const START = 1024;

export class GraphPartRecorder {
  private m = 0;
  private to = alloc(i32, 4, START);
  private choice = alloc(u16, 2, START);
  private action = alloc(i32, 4, START);
  /** Edges whose target waits in the spill (to = -1), in the order of the offers. */
  private spilled: number[] = [];
  private nodes = 0;
  private named = 0;
  private ids = alloc(i32, 4, START);
  private labels: Uint32Array;
  private halted = alloc(u8, 1, START);
  private nExpanded = 0;
  private expandedIds = alloc(i32, 4, START);
  private degrees = alloc(i32, 4, START);
  /** Edges recorded before the state being expanded now. */
  private before = 0;
  readonly words: number;
  private readonly actionIndex: Map<CompiledAction, number>;

  constructor(
    model: CompiledModel,
    private readonly labellers: readonly Labeller[],
  ) {
    this.words = labelWords(labellers.length);
    this.labels = alloc(u32, 4, START * this.words);
    this.actionIndex = actionIndexOf(model);
  }

  /** An edge of the state being expanded, by enabled action `choice`, to the state of table id `to` (-1: spilled). */
  edge(to: number, choice: number, action: CompiledAction): void {
    const k = this.m++;
    if (k === this.to.length) this.growEdges();
    this.to[k] = to;
    this.choice[k] = choice;
    this.action[k] = this.actionIndex.get(action)!;
    if (to < 0) this.spilled.push(k);
  }

  /** The spill's replay gave its offers these table ids (in the order they were spilled). */
  patchSpilled(ids: readonly number[]): void {
    if (ids.length !== this.spilled.length) throw new Error(`internal: ${this.spilled.length} spilled edges but ${ids.length} replayed offers`);
    for (let k = 0; k < ids.length; k++) this.to[this.spilled[k]!] = ids[k]!;
    this.spilled = [];
  }

  /** This worker stored a new state (`words` is reused: read now): its labels. */
  node(words: Int32Array, halted: boolean): void {
    const k = this.nodes++;
    if (k === this.halted.length) {
      this.halted = grown(this.halted, k + 1, u8);
      this.labels = grown(this.labels, this.halted.length * this.words, u32);
    }
    this.halted[k] = halted ? 1 : 0;
    const base = k * this.words;
    writeLabels(this.labellers, words, this.labels, base);
  }

  /** The next stored state (in the order node() was called) has graph id `id`. */
  identify(id: number): void {
    const k = this.named++;
    if (k === this.ids.length) this.ids = grown(this.ids, k + 1, i32);
    this.ids[k] = id;
  }

  /**
   * The state of graph id `id` was expanded (its enabled actions followed, none cut by the depth
   * bound): the edges recorded since the last call are its own. A state the depth bound left
   * unexpanded recorded none and is not told.
   */
  expanded(id: number): void {
    const k = this.nExpanded++;
    if (k === this.expandedIds.length) {
      this.expandedIds = grown(this.expandedIds, k + 1, i32);
      this.degrees = grown(this.degrees, k + 1, i32);
    }
    this.expandedIds[k] = id;
    this.degrees[k] = this.m - this.before;
    this.before = this.m;
  }

  /** The part: views of the recorder's shared buffers (it records nothing after this). */
  finish(): GraphPart {
    if (this.named !== this.nodes) throw new Error(`internal: ${this.nodes} states stored but ${this.named} given graph ids`);
    if (this.spilled.length > 0) throw new Error(`internal: ${this.spilled.length} spilled edges never resolved`);
    if (this.before !== this.m) throw new Error(`internal: ${this.m - this.before} edges of no expanded state`);
    const m = this.m;
    const n = this.nodes;
    return {
      edges: m,
      to: first(this.to, m),
      choice: first(this.choice, m),
      action: first(this.action, m),
      nodes: n,
      ids: first(this.ids, n),
      labels: first(this.labels, n * this.words),
      words: this.words,
      halted: first(this.halted, n),
      expandedCount: this.nExpanded,
      expanded: first(this.expandedIds, this.nExpanded),
      outDegree: first(this.degrees, this.nExpanded),
    };
  }

  private growEdges(): void {
    const n = this.to.length * 2;
    this.to = grown(this.to, n, i32);
    this.choice = grown(this.choice, n, u16);
    this.action = grown(this.action, n, i32);
  }
}
