// A lasso through the state graph: a prefix from the initial state and a loop back to the
// loop's first state, as choice indices (the trace currency). The prefix is a breadth-first
// (shortest) path within what the property allows; the loop runs through the fair component,
// visiting what makes it fair (a state where a weakly fair action is disabled, or a step of it)
// and what the property needs (an accepting state): shortest between those waypoints, not a
// shortest loop overall.

import type { Constraint, FairComponent, Region } from './fair-cycle.js';
import type { StateGraph } from './graph.js';
import type { AnalysisMeter } from './meter.js';

/** Breadth-first search over graph edges: each reached state's parent edge (-1: a seed). */
export class Bfs {
  readonly parentEdge: Int32Array;
  readonly parentState: Int32Array;
  /** The states reached, in breadth-first order (typed: on a graph of millions of states a number[] is twice the size, and garbage). */
  readonly order: Int32Array;

  constructor(
    private readonly g: StateGraph,
    seeds: ArrayLike<number>,
    allowed: (s: number) => boolean,
    edgeOk: (e: number) => boolean = () => true,
    /** Told every state the search takes (the analysis's progress and stops). */
    meter?: AnalysisMeter,
  ) {
    this.parentEdge = new Int32Array(g.n).fill(-2);
    this.parentState = new Int32Array(g.n).fill(-1);
    const order = new Int32Array(g.n);
    let end = 0;
    for (let k = 0; k < seeds.length; k++) {
      const s = seeds[k]!;
      if (allowed(s) && this.parentEdge[s] === -2) {
        this.parentEdge[s] = -1;
        order[end++] = s;
      }
    }
    for (let i = 0; i < end; i++) {
      const v = order[i]!;
      if (meter !== undefined && --meter.left === 0) meter.poll();
      for (let e = g.start[v]!; e < g.start[v + 1]!; e++) {
        const w = g.to[e]!;
        if (this.parentEdge[w] !== -2 || !allowed(w) || !edgeOk(e)) continue;
        this.parentEdge[w] = e;
        this.parentState[w] = v;
        order[end++] = w;
      }
    }
    this.order = order.subarray(0, end);
  }

  reached(s: number): boolean {
    return this.parentEdge[s] !== -2;
  }

  /** The seed a state was reached from. */
  seedOf(s: number): number {
    while (this.parentEdge[s]! >= 0) s = this.parentState[s]!;
    return s;
  }

  /** The edges from its seed to `s`. */
  edgesTo(s: number): number[] {
    const out: number[] = [];
    while (this.parentEdge[s]! >= 0) {
      out.push(this.parentEdge[s]!);
      s = this.parentState[s]!;
    }
    return out.reverse();
  }
}

/** The loop through a fair component, from and back to `head`: its edges. */
export function fairLoop(g: StateGraph, comp: FairComponent, head: number, r: Region, inside: (e: number) => boolean, constraints: readonly Constraint[]): number[] {
  if (comp.stutter) return [];
  const members = new Set(comp.states);
  const waypoints: ({ state: number } | { edge: number })[] = [];
  if (r.accept) waypoints.push({ state: comp.states.find(r.accept)! });
  for (const k of constraints) {
    if (!comp.states.some((s) => k.enabled[s])) continue;
    const off = k.kind === 'weak' ? comp.states.find((s) => !k.enabled[s]) : undefined;
    if (off !== undefined) {
      waypoints.push({ state: off });
      continue;
    }
    const e = insideEdge(g, comp.states, inside, (e) => k.taken[g.action[e]!] === 1);
    if (e === undefined) throw new Error(`liveness: component not fair for ${k.name} (a bug in fair-cycle.ts)`);
    waypoints.push({ edge: e });
  }
  const loop: number[] = [];
  let cur = head;
  const walkTo = (target: number) => {
    if (cur === target) return;
    const b = new Bfs(g, [cur], (s) => members.has(s), inside);
    if (!b.reached(target)) throw new Error('liveness: component not strongly connected (a bug in fair-cycle.ts)');
    loop.push(...b.edgesTo(target));
    cur = target;
  };
  for (const w of waypoints) {
    if ('state' in w) walkTo(w.state);
    else {
      walkTo(sourceOf(g, w.edge));
      loop.push(w.edge);
      cur = g.to[w.edge]!;
    }
  }
  if (loop.length === 0) {
    const e = insideEdge(g, [head], inside, () => true)!;
    loop.push(e);
    cur = g.to[e]!;
  }
  walkTo(head);
  return loop;
}

function insideEdge(g: StateGraph, states: ArrayLike<number> & Iterable<number>, inside: (e: number) => boolean, want: (e: number) => boolean): number | undefined {
  for (const s of states) for (let e = g.start[s]!; e < g.start[s + 1]!; e++) if (inside(e) && want(e)) return e;
  return undefined;
}

/** The state an edge leaves (binary search in the rows). */
export function sourceOf(g: StateGraph, e: number): number {
  let lo = 0;
  let hi = g.n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (g.start[mid]! <= e) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
