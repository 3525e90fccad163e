// Fair-cycle emptiness on the stored state graph: is there a fair infinite run inside a part of
// the graph (the states a property's counterexample may stay in)?
//
// The algorithm is the SCC-based check for Streett (strong fairness) conditions:
//   - Tarjan's strongly connected components (R. E. Tarjan, "Depth-first search and linear graph
//     algorithms", SIAM J. Computing 1(2), 1972), iteratively;
//   - a component is a fair cycle when it satisfies every fairness constraint, since one cycle
//     can run through all its states and edges (Couvreur, "On-the-fly verification of linear
//     temporal logic", FM'99, checks the acceptance sets of a component the same way);
//   - weak fairness WF(A) holds in a component when A is disabled in one of its states or one of
//     its edges is an A step; if not, no part of the component satisfies it either;
//   - strong fairness SF(A) holds when A is enabled in none of its states or one of its edges is
//     an A step; otherwise the states where A is enabled cannot be on a fair cycle: they are
//     removed and the rest is decomposed again (Emerson and Lei, "Modalities for model checking",
//     1987; Latvala and Heljanko, "Coping with strong fairness", Fundamenta Informaticae 2000).
// TLC's liveness checker (tlc2.tool.liveness.LiveCheck) works the same way: SCCs of the
// behaviour graph, checked against the fairness conditions ("AE" state and action checks).
//
// A run that cannot go on may also stay in a state for ever (stuttering, as in TLA+): where no
// fair thread or step is enabled, staying is fair, so such a state is a fair "cycle" of no steps.
//
// Every cycle of every region lies in a non-trivial component of the whole graph (its expanded,
// unhalted states and all their edges): a state on no cycle of the graph is on no cycle of any
// part of it, and leaving it out splits no component. So the analysis decomposes the whole graph
// once (cyclicStates) and each search looks only at the states it found on a cycle. Kernel
// code paths mostly run to an end, and so many models' graphs have no cycle at all: kvm-hotplug
// at 4 CPUs (1,176,124 states) has none, and its livelock check's 16 decompositions of the whole
// graph were most of the analysis's 2.2 s (bench/README.md "Liveness on the graph's cycles only",
// session 14).

import type { StateGraph } from './graph.js';
import type { AnalysisMeter } from './meter.js';
import { enabledWhere } from './constraints.js';

export interface Constraint {
  kind: 'weak' | 'strong';
  /** What it is, for messages: 'cpu0/waiter', 'step irq: handle_irq'. */
  name: string;
  /** enabled[s] = 1 when the constraint's action can run in state s. */
  enabled: Uint8Array;
  /** taken[a] = 1 when action a (an index into model.allActions) is one of its steps. */
  taken: Uint8Array;
}

/** The part of the graph a counterexample's cycle may use. */
export interface Region {
  /** 1 for the states the cycle may visit. */
  node: Uint8Array;
  /** May the cycle take edge e (an index into graph.to)? Default: every edge. */
  edge?: (e: number) => boolean;
  /** The cycle must visit one of these states (Büchi acceptance); default: none required. */
  accept?: (s: number) => boolean;
  /** May a run stay for ever in a state where no fair constraint is enabled? */
  stutter: boolean;
}

/** A fair cycle: the states of a fair component (or one state to stay in, with no steps). */
export interface FairComponent {
  states: Int32Array;
  /** Staying in states[0] for ever, without a step. */
  stutter: boolean;
}

/** A set of states: typed (on a graph of millions of states a number[] is twice the size, and garbage). */
export type States = ArrayLike<number> & Iterable<number>;

/**
 * The decomposition's arrays, a few per state: allocated once for an analysis and shared by its
 * finders (one per property), which use them one at a time. Between two decompositions `index`
 * is all -1 and `onStack` all 0; `stamp` only grows, so a stale `member` mark never matches.
 */
export class TarjanScratch {
  readonly index: Int32Array;
  readonly low: Int32Array;
  readonly onStack: Uint8Array;
  /** Membership stamps: member[s] === stamp when s is in the set being decomposed. */
  readonly member: Int32Array;
  stamp = 0;
  /** Tarjan's stack, and the explicit call stack (a state and the next edge of it to look at). */
  readonly stack: Int32Array;
  readonly callState: Int32Array;
  readonly callEdge: Int32Array;

  constructor(n: number) {
    this.index = new Int32Array(n).fill(-1);
    this.low = new Int32Array(n);
    this.onStack = new Uint8Array(n);
    this.member = new Int32Array(n);
    this.stack = new Int32Array(n);
    this.callState = new Int32Array(n);
    this.callEdge = new Int32Array(n);
  }
}

export class FairCycleFinder {
  private readonly member: Int32Array;

  constructor(
    private readonly g: StateGraph,
    private readonly constraints: readonly Constraint[],
    /** Told every state a decomposition takes (the analysis's progress and stops). */
    private readonly meter?: AnalysisMeter,
    /** The states on a cycle of the whole graph, in increasing order (cyclicStates); undefined: every state may be. */
    private readonly cycles?: Int32Array,
    /** The decomposition's arrays (shared by an analysis's finders). */
    private readonly scratch = new TarjanScratch(g.n),
  ) {
    this.member = scratch.member;
  }

  /**
   * A fair component within the region, reachable from nowhere in particular (the caller has
   * already limited region.node to what the run may reach), preferring the one nearest to the
   * initial state (least state id: ids are breadth-first). Undefined when there is none.
   */
  find(r: Region): FairComponent | undefined {
    const { g } = this;
    let best: FairComponent | undefined;
    let bestMin = Infinity;
    const better = (c: FairComponent) => {
      let min = Infinity;
      for (const s of c.states) if (s < min) min = s;
      if (min < bestMin) {
        best = c;
        bestMin = min;
      }
    };
    if (r.stutter) {
      const busy = this.fairEnabled();
      for (let s = 0; s < g.n; s++)
        if (r.node[s] && !busy[s] && g.expanded(s) && !g.halted(s) && (!r.accept || r.accept(s))) {
          better({ states: Int32Array.of(s), stutter: true });
          break;
        }
    }
    const cycles = this.cycles;
    const all = cycles ? cycles.filter((s) => r.node[s] === 1) : statesWhere(g.n, (s) => r.node[s] === 1 && g.expanded(s) && !g.halted(s));
    for (const c of this.components(all, r.edge)) {
      const fair = this.fairPart(c, r);
      if (fair) better({ states: fair, stutter: false });
    }
    return best;
  }

  private anyFairEnabled: Uint8Array | undefined;

  /**
   * [s] = 1 where some fair thread or step is enabled (elsewhere a run may stay for ever): one
   * pass over the edges for all the constraints together (constraints.ts enabledWhere with the
   * union of their steps), not one per constraint (their states where each is enabled are found
   * only if a component needs them).
   */
  private fairEnabled(): Uint8Array {
    if (this.anyFairEnabled) return this.anyFairEnabled;
    const fair = new Uint8Array(this.g.model.allActions.length);
    for (const k of this.constraints) for (let a = 0; a < fair.length; a++) if (k.taken[a]) fair[a] = 1;
    return (this.anyFairEnabled = enabledWhere(this.g, fair, this.meter));
  }

  /** The first fair sub-component of component `c`, or undefined. */
  private fairPart(c: Int32Array, r: Region): Int32Array | undefined {
    if (r.accept && !c.some(r.accept)) return undefined;
    const stamp = this.mark(c);
    const edge = r.edge;
    const inside = (e: number) => this.member[this.g.to[e]!] === stamp && (!edge || edge(e));
    const strongFails: Constraint[] = [];
    for (const k of this.constraints) {
      let enabledSomewhere = false;
      let disabledSomewhere = false;
      for (const s of c) {
        if (k.enabled[s]) enabledSomewhere = true;
        else disabledSomewhere = true;
      }
      if (!enabledSomewhere) continue;
      if (k.kind === 'weak' && disabledSomewhere) continue;
      if (this.takenInside(c, k, inside)) continue;
      if (k.kind === 'weak') return undefined;
      strongFails.push(k);
    }
    if (strongFails.length === 0) return c;
    // Strong fairness: drop the states where an unserved strongly fair action is enabled.
    const rest = c.filter((s) => strongFails.every((k) => !k.enabled[s]));
    for (const sub of this.components(rest, r.edge)) {
      const fair = this.fairPart(sub, r);
      if (fair) return fair;
    }
    return undefined;
  }

  private takenInside(c: Int32Array, k: Constraint, inside: (e: number) => boolean): boolean {
    const { g, meter } = this;
    for (const s of c) {
      if (meter !== undefined && --meter.left === 0) meter.poll();
      for (let e = g.start[s]!; e < g.start[s + 1]!; e++) if (k.taken[g.action[e]!] && inside(e)) return true;
    }
    return false;
  }

  private mark(states: States): number {
    const stamp = ++this.scratch.stamp;
    for (const s of states) this.member[s] = stamp;
    return stamp;
  }

  /**
   * The non-trivial strongly connected components (a cycle of at least one edge) of `states`,
   * through the edges `edgeOk` allows (default: all), each in the order Tarjan's stack pops it.
   */
  components(states: States, edgeOk?: (e: number) => boolean): Int32Array[] {
    const { g, meter } = this;
    const { index, low, onStack, member, stack, callState, callEdge } = this.scratch;
    const stamp = this.mark(states);
    const out: Int32Array[] = [];
    let sp = 0;
    let cp = 0;
    let counter = 0;
    const ok = (e: number) => member[g.to[e]!] === stamp && (!edgeOk || edgeOk(e));
    for (let k = 0; k < states.length; k++) {
      const root = states[k]!;
      if (index[root] !== -1) continue;
      if (meter !== undefined && --meter.left === 0) meter.poll();
      index[root] = low[root] = counter++;
      stack[sp++] = root;
      onStack[root] = 1;
      callState[cp] = root;
      callEdge[cp++] = g.start[root]!;
      while (cp > 0) {
        const top = cp - 1;
        const v = callState[top]!;
        const e = callEdge[top]!;
        if (e < g.start[v + 1]!) {
          callEdge[top] = e + 1;
          if (!ok(e)) continue;
          const w = g.to[e]!;
          if (index[w] === -1) {
            if (meter !== undefined && --meter.left === 0) meter.poll();
            index[w] = low[w] = counter++;
            stack[sp++] = w;
            onStack[w] = 1;
            callState[cp] = w;
            callEdge[cp++] = g.start[w]!;
          } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
          continue;
        }
        cp--;
        if (cp > 0) {
          const u = callState[cp - 1]!;
          low[u] = Math.min(low[u]!, low[v]!);
        }
        if (low[v] === index[v]) {
          // The component is the stack from v up, popped from the top.
          let at = sp - 1;
          while (stack[at] !== v) at--;
          const size = sp - at;
          const comp = size > 1 || this.selfLoop(v, ok) ? new Int32Array(size) : undefined;
          for (let j = 0; j < size; j++) {
            const w = stack[sp - 1 - j]!;
            onStack[w] = 0;
            if (comp) comp[j] = w;
          }
          sp = at;
          if (comp) out.push(comp);
        }
      }
    }
    // Reset for the next decomposition (only what this one touched).
    for (let k = 0; k < states.length; k++) index[states[k]!] = -1;
    return out;
  }

  private selfLoop(v: number, ok: (e: number) => boolean): boolean {
    const { g } = this;
    for (let e = g.start[v]!; e < g.start[v + 1]!; e++) if (g.to[e] === v && ok(e)) return true;
    return false;
  }

  /** The states on a cycle of the whole graph (expanded, not halted): the only ones a region's cycle can use. */
  cyclicStates(): Int32Array {
    const { g } = this;
    const mask = new Uint8Array(g.n);
    for (const c of this.components(statesWhere(g.n, (s) => g.expanded(s) && !g.halted(s)))) for (const s of c) mask[s] = 1;
    return statesWhere(g.n, (s) => mask[s] === 1);
  }

  /** Is edge e inside the given state set (and allowed by the region)? For the lasso builder. */
  insideOf(states: States, r: Region): (e: number) => boolean {
    const stamp = this.mark(states);
    return (e: number) => this.member[this.g.to[e]!] === stamp && (!r.edge || r.edge(e));
  }
}

/** The states s < n where `want` holds, in increasing order. */
export function statesWhere(n: number, want: (s: number) => boolean): Int32Array {
  let count = 0;
  for (let s = 0; s < n; s++) if (want(s)) count++;
  const out = new Int32Array(count);
  for (let s = 0, k = 0; k < count; s++) if (want(s)) out[k++] = s;
  return out;
}
