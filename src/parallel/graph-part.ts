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
//   edges     from (graph id), to (table id; -1 while the offer waits in the spill), choice, action
//   nodes     the states this worker stored, in the order it stored them: labels and halted flag
//             (computed on the state's words when it is stored, as GraphRecorder.state does),
//             and the graph id each got at its level's end
//   expanded  the graph ids of the states this worker expanded (EXPANDED: enabled >= 0)
// Within a state's edges the order is the sequential one (enabled actions in order), and each
// state is expanded by one worker: joining the edge lists by source gives graph.ts's arrays.

import type { CompiledAction, CompiledModel } from '../model/compile.js';
import type { Labeller } from '../engine/liveness/graph.js';

/** What a worker sends back (shared buffers: not copied again on the way). */
export interface GraphPart {
  edges: number;
  from: Int32Array;
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
  expanded: Int32Array;
}

function grown<T extends Int32Array | Uint16Array | Uint32Array | Uint8Array>(a: T, need: number, make: (n: number) => T): T {
  if (need <= a.length) return a;
  const b = make(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/** The first `n` elements of `a` in a shared buffer (sent back to the orchestrator without another copy). */
function shared<T extends Int32Array | Uint16Array | Uint32Array | Uint8Array>(a: T, n: number, make: (b: SharedArrayBuffer, n: number) => T): T {
  const out = make(new SharedArrayBuffer(Math.max(1, n) * a.BYTES_PER_ELEMENT), n);
  out.set(a.subarray(0, n));
  return out;
}
const i32 = (b: SharedArrayBuffer, n: number): Int32Array => new Int32Array(b, 0, n);
const u16 = (b: SharedArrayBuffer, n: number): Uint16Array => new Uint16Array(b, 0, n);
const u32 = (b: SharedArrayBuffer, n: number): Uint32Array => new Uint32Array(b, 0, n);
const u8 = (b: SharedArrayBuffer, n: number): Uint8Array => new Uint8Array(b, 0, n);

export class GraphPartRecorder {
  private m = 0;
  private from = new Int32Array(1024);
  private to = new Int32Array(1024);
  private choice = new Uint16Array(1024);
  private action = new Int32Array(1024);
  /** Edges whose target waits in the spill (to = -1), in the order of the offers. */
  private spilled: number[] = [];
  private nodes = 0;
  private named = 0;
  private ids = new Int32Array(1024);
  private labels: Uint32Array;
  private halted = new Uint8Array(1024);
  private nExpanded = 0;
  private expandedIds = new Int32Array(1024);
  readonly words: number;
  private readonly actionIndex: Map<CompiledAction, number>;

  constructor(
    model: CompiledModel,
    private readonly labellers: readonly Labeller[],
  ) {
    this.words = Math.max(1, Math.ceil(labellers.length / 32));
    this.labels = new Uint32Array(1024 * this.words);
    this.actionIndex = new Map(model.allActions.map((a, i) => [a, i]));
  }

  /** Edge from the state of graph id `from` by enabled action `choice` to the state of table id `to` (-1: spilled). */
  edge(from: number, to: number, choice: number, action: CompiledAction): void {
    const k = this.m++;
    if (k === this.to.length) this.growEdges();
    this.from[k] = from;
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
      this.halted = grown(this.halted, k + 1, (n) => new Uint8Array(n));
      this.labels = grown(this.labels, (k + 1) * this.words, (n) => new Uint32Array(n));
    }
    this.halted[k] = halted ? 1 : 0;
    const base = k * this.words;
    for (let i = 0; i < this.labellers.length; i++) if (this.labellers[i]!(words)) this.labels[base + (i >>> 5)]! |= 1 << (i & 31);
  }

  /** The next stored state (in the order node() was called) has graph id `id`. */
  identify(id: number): void {
    const k = this.named++;
    if (k === this.ids.length) this.ids = grown(this.ids, k + 1, (n) => new Int32Array(n));
    this.ids[k] = id;
  }

  /** The state of graph id `id` was expanded (its enabled actions followed, none cut by the depth bound). */
  expanded(id: number): void {
    const k = this.nExpanded++;
    if (k === this.expandedIds.length) this.expandedIds = grown(this.expandedIds, k + 1, (n) => new Int32Array(n));
    this.expandedIds[k] = id;
  }

  /** The part, in shared buffers of its exact size. */
  finish(): GraphPart {
    if (this.named !== this.nodes) throw new Error(`internal: ${this.nodes} states stored but ${this.named} given graph ids`);
    if (this.spilled.length > 0) throw new Error(`internal: ${this.spilled.length} spilled edges never resolved`);
    const m = this.m;
    const n = this.nodes;
    return {
      edges: m,
      from: shared<Int32Array>(this.from, m, i32),
      to: shared<Int32Array>(this.to, m, i32),
      choice: shared<Uint16Array>(this.choice, m, u16),
      action: shared<Int32Array>(this.action, m, i32),
      nodes: n,
      ids: shared<Int32Array>(this.ids, n, i32),
      labels: shared<Uint32Array>(this.labels, n * this.words, u32),
      words: this.words,
      halted: shared<Uint8Array>(this.halted, n, u8),
      expandedCount: this.nExpanded,
      expanded: shared<Int32Array>(this.expandedIds, this.nExpanded, i32),
    };
  }

  private growEdges(): void {
    const n = this.to.length * 2;
    this.from = grown(this.from, n, (k) => new Int32Array(k));
    this.to = grown(this.to, n, (k) => new Int32Array(k));
    this.choice = grown(this.choice, n, (k) => new Uint16Array(k));
    this.action = grown(this.action, n, (k) => new Int32Array(k));
  }
}
