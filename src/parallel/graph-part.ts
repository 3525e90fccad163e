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
// graph.ts's arrays.
//
// Memory (the two-worker liveness peak, bench/README.md "Liveness memory on two workers"): the
// arrays are chunks of CHUNK elements in ordinary ArrayBuffers, appended as the part grows (no
// copy on growth, no outgrown buffer left for the worker's garbage collector, at most one chunk
// unused per array), and moved to the orchestrator with the worker's report (transferred, not
// copied: the worker keeps nothing of them; partBuffers). The orchestrator drops them once joined
// (graph-join.ts), before the analysis. Shared buffers, as before, stayed alive until a garbage
// collection in every worker that had touched them, which an idle worker does not run.

import type { CompiledAction, CompiledModel } from '../model/compile.js';
import { actionIndexOf, labelWords, writeLabels, type Labeller } from '../engine/liveness/graph.js';

/** Elements per chunk: 2^CHUNK_BITS. */
export const CHUNK_BITS = 16;
export const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

/** What a worker sends back: its arrays as lists of chunks (element i of an array is chunk i >>> CHUNK_BITS, index i & (CHUNK - 1)). */
export interface GraphPart {
  edges: number;
  to: Int32Array[];
  choice: Uint16Array[];
  action: Int32Array[];
  nodes: number;
  /** The graph id of this worker's k-th stored state. */
  ids: Int32Array[];
  /** `words` label words per node (CHUNK nodes a chunk). */
  labels: Uint32Array[];
  words: number;
  halted: Uint8Array[];
  expandedCount: number;
  /** The graph id of the k-th state this worker expanded, and how many of the edges (in order) are its own. */
  expanded: Int32Array[];
  outDegree: Int32Array[];
}

/** The buffers of a part, to move with the report (each chunk has a buffer of its own). */
export function partBuffers(p: GraphPart): ArrayBuffer[] {
  return [p.to, p.choice, p.action, p.ids, p.labels, p.halted, p.expanded, p.outDegree].flatMap((list: ArrayBufferView[]) => list.map((a) => a.buffer as ArrayBuffer));
}

export class GraphPartRecorder {
  private m = 0;
  private readonly to: Int32Array[] = [];
  private readonly choice: Uint16Array[] = [];
  private readonly action: Int32Array[] = [];
  /** The chunks being appended to (the last of each list). */
  private toNow = new Int32Array(0);
  private choiceNow = new Uint16Array(0);
  private actionNow = new Int32Array(0);
  /** Edges whose target waits in the spill (to = -1), in the order of the offers. */
  private spilled: number[] = [];
  private nodes = 0;
  private named = 0;
  private readonly ids: Int32Array[] = [];
  private readonly labels: Uint32Array[] = [];
  private readonly halted: Uint8Array[] = [];
  private labelsNow = new Uint32Array(0);
  private haltedNow = new Uint8Array(0);
  private nExpanded = 0;
  private readonly expandedIds: Int32Array[] = [];
  private readonly degrees: Int32Array[] = [];
  /** Edges recorded before the state being expanded now. */
  private before = 0;
  readonly words: number;
  private readonly actionIndex: Map<CompiledAction, number>;

  constructor(
    model: CompiledModel,
    private readonly labellers: readonly Labeller[],
  ) {
    this.words = labelWords(labellers.length);
    this.actionIndex = actionIndexOf(model);
  }

  /** An edge of the state being expanded, by enabled action `choice`, to the state of table id `to` (-1: spilled). */
  edge(to: number, choice: number, action: CompiledAction): void {
    const k = this.m++;
    const i = k & MASK;
    if (i === 0) {
      this.to.push((this.toNow = new Int32Array(CHUNK)));
      this.choice.push((this.choiceNow = new Uint16Array(CHUNK)));
      this.action.push((this.actionNow = new Int32Array(CHUNK)));
    }
    this.toNow[i] = to;
    this.choiceNow[i] = choice;
    this.actionNow[i] = this.actionIndex.get(action)!;
    if (to < 0) this.spilled.push(k);
  }

  /** The spill's replay gave its offers these table ids (in the order they were spilled). */
  patchSpilled(ids: readonly number[]): void {
    if (ids.length !== this.spilled.length) throw new Error(`internal: ${this.spilled.length} spilled edges but ${ids.length} replayed offers`);
    for (let k = 0; k < ids.length; k++) {
      const e = this.spilled[k]!;
      this.to[e >>> CHUNK_BITS]![e & MASK] = ids[k]!;
    }
    this.spilled = [];
  }

  /** This worker stored a new state (`words` is reused: read now): its labels. */
  node(words: Int32Array, halted: boolean): void {
    const k = this.nodes++;
    const i = k & MASK;
    if (i === 0) {
      this.halted.push((this.haltedNow = new Uint8Array(CHUNK)));
      this.labels.push((this.labelsNow = new Uint32Array(CHUNK * this.words)));
    }
    this.haltedNow[i] = halted ? 1 : 0;
    writeLabels(this.labellers, words, this.labelsNow, i * this.words);
  }

  /** The next stored state (in the order node() was called) has graph id `id`. */
  identify(id: number): void {
    const k = this.named++;
    if ((k & MASK) === 0) this.ids.push(new Int32Array(CHUNK));
    this.ids[k >>> CHUNK_BITS]![k & MASK] = id;
  }

  /**
   * The state of graph id `id` was expanded (its enabled actions followed, none cut by the depth
   * bound): the edges recorded since the last call are its own. A state the depth bound left
   * unexpanded recorded none and is not told.
   */
  expanded(id: number): void {
    const k = this.nExpanded++;
    const i = k & MASK;
    if (i === 0) {
      this.expandedIds.push(new Int32Array(CHUNK));
      this.degrees.push(new Int32Array(CHUNK));
    }
    this.expandedIds[k >>> CHUNK_BITS]![i] = id;
    this.degrees[k >>> CHUNK_BITS]![i] = this.m - this.before;
    this.before = this.m;
  }

  /** The part: the recorder's chunks (it records nothing after this; partBuffers to move them). */
  finish(): GraphPart {
    if (this.named !== this.nodes) throw new Error(`internal: ${this.nodes} states stored but ${this.named} given graph ids`);
    if (this.spilled.length > 0) throw new Error(`internal: ${this.spilled.length} spilled edges never resolved`);
    if (this.before !== this.m) throw new Error(`internal: ${this.m - this.before} edges of no expanded state`);
    return {
      edges: this.m,
      to: this.to,
      choice: this.choice,
      action: this.action,
      nodes: this.nodes,
      ids: this.ids,
      labels: this.labels,
      words: this.words,
      halted: this.halted,
      expandedCount: this.nExpanded,
      expanded: this.expandedIds,
      outDegree: this.degrees,
    };
  }
}
