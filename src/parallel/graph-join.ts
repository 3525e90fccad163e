// The orchestrator's side of a state graph recorded by the parallel search (graph-part.ts): the
// workers' parts joined into the arrays the sequential search's GraphRecorder.finish() makes
// (src/engine/liveness/graph.ts), so that the liveness analysis, its verdicts and its lassos are
// the sequential ones. A state's edges all come from the one worker that expanded it, one run in
// the order of its enabled actions, as the sequential search records them: each run is placed at
// its state's offset.

import type { CompiledModel } from '../model/compile.js';
import { EXPANDED, HALTED, StateGraph } from '../engine/liveness/graph.js';
import { CHUNK, CHUNK_BITS, type GraphPart } from './graph-part.js';

/**
 * The graph of `n` states from the workers' parts; `graphId` turns an edge's table id into its
 * target's graph id (shared-table.ts, graphIdsOf). Throws on a part that does not fit the count
 * (an internal error: a state without a graph id, or an id out of range). The parts are read
 * chunk by chunk, and each chunk list is emptied once read: what the caller still holds of the
 * parts is then empty, and the graph's arrays are the only copy (the analysis that follows peaks
 * without the parts beside it).
 */
export function joinGraph(model: CompiledModel, n: number, parts: readonly GraphPart[], graphId: (tableId: number) => number): StateGraph {
  const words = parts[0]?.words ?? 1;
  const m = parts.reduce((s, p) => s + p.edges, 0);
  const nodes = parts.reduce((s, p) => s + p.nodes, 0);
  if (nodes !== n) throw new Error(`internal: the workers' graph parts hold ${nodes} states, the search stored ${n}`);
  const start = new Int32Array(n + 1);
  const flags = new Uint8Array(n);
  for (const p of parts)
    for (let k = 0; k < p.expandedCount; k++) {
      const s = p.expanded[k >>> CHUNK_BITS]![k & (CHUNK - 1)]!;
      if (s < 0 || s >= n || (flags[s]! & EXPANDED) !== 0) throw new Error(`internal: graph id ${s} (of ${n}) expanded twice, or out of range`);
      flags[s]! |= EXPANDED;
      start[s + 1] = p.outDegree[k >>> CHUNK_BITS]![k & (CHUNK - 1)]!;
    }
  for (let s = 0; s < n; s++) start[s + 1]! += start[s]!;
  if (start[n] !== m) throw new Error(`internal: ${m} edges, ${start[n]} by the expanded states' counts`);
  const to = new Int32Array(m);
  const choice = new Uint16Array(m);
  const action = new Int32Array(m);
  for (const p of parts) {
    // Each expanded state's run of edges, in order, at its place.
    for (let k = 0, e = 0; k < p.expandedCount; k++) {
      let at = start[p.expanded[k >>> CHUNK_BITS]![k & (CHUNK - 1)]!]!;
      for (const end = e + p.outDegree[k >>> CHUNK_BITS]![k & (CHUNK - 1)]!; e < end; e++, at++) {
        const c = e >>> CHUNK_BITS;
        const i = e & (CHUNK - 1);
        const target = graphId(p.to[c]![i]!);
        if (!(target >= 0 && target < n)) throw new Error(`internal: an edge to table id ${p.to[c]![i]} has graph id ${target} of ${n}`);
        to[at] = target;
        choice[at] = p.choice[c]![i]!;
        action[at] = p.action[c]![i]!;
      }
    }
    release(p.to, p.choice, p.action, p.expanded, p.outDegree);
  }
  const labels = new Uint32Array(n * words);
  for (const p of parts) {
    for (let k = 0; k < p.nodes; k++) {
      const c = k >>> CHUNK_BITS;
      const i = k & (CHUNK - 1);
      const id = p.ids[c]![i]!;
      if (id < 0 || id >= n) throw new Error(`internal: a stored state has graph id ${id} of ${n}`);
      for (let w = 0; w < words; w++) labels[id * words + w] = p.labels[c]![i * words + w]!;
      if (p.halted[c]![i] === 1) flags[id]! |= HALTED;
    }
    release(p.ids, p.labels, p.halted);
  }
  return new StateGraph(model, n, start, to, choice, action, labels, words, flags);
}

/** Empty the chunk lists (their buffers are then garbage, unless the caller kept a chunk itself). */
function release(...lists: unknown[][]): void {
  for (const l of lists) l.length = 0;
}
