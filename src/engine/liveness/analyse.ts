// Checks liveness properties on the stored state graph (graph.ts) with the fair-cycle search
// (fair-cycle.ts). Each property's negation is a fair infinite run of a particular shape; the
// property holds when the graph has none:
//   livelock           a fair cycle, for some thread t, through states where t is neither ended
//                      nor at an end location, without a step of t tagged 'progress'
//   eventually p       a fair run from the initial state through states where p is false
//   []<>p              a fair cycle (reachable) through states where p is false
//   <>[]p              a fair cycle visiting a state where p is false
//   p ~> q             a state where p holds and q does not, then a fair run where q stays false
// "Fair cycle" includes staying for ever in a state where no fair step can run (stuttering),
// except for livelock, which is about cycles of steps (a state where nothing runs is deadlock's).
// A counterexample is a lasso: a shortest prefix into the fair component, then a loop.
//
// "Holds" means exercised (src/engine/coverage.ts does the same for safety properties): a
// liveness property that holds only because the run never had anything to wait for is reported
// "holds, not exercised", with the reason:
//   livelock           no cycle of steps through states where some thread is busy (every run
//                      ends or idles: there is no infinite run to be unfair in)
//   eventually p       p already held in the initial state
//   []<>p, <>[]p       p held in every reachable state
//   p ~> q             no reachable state where p held and q did not (its trigger never fired)

import { PC_END, type CompiledAction, type CompiledModel } from '../../model/compile.js';
import type { LivenessProperty, StateInfo } from '../../property/types.js';
import { PROGRESS, SPIN } from '../../property/liveness.js';
import { constraintsOf } from './constraints.js';
import { FairCycleFinder, TarjanScratch, type Constraint, type FairComponent, type Region } from './fair-cycle.js';
import type { Labeller, StateGraph } from './graph.js';
import type { CompiledProperty } from '../evaluate.js';
import type { TransitionSystem } from '../../model/system.js';
import { describeLassoViolation } from './describe.js';
import { Bfs, fairLoop } from './lasso.js';
import { AnalysisMeter, type MeterOptions, type SearchFigures } from './meter.js';

export type LivenessVerdict =
  | { property: LivenessProperty; status: 'holds'; notExercised?: string }
  | { property: LivenessProperty; status: 'unknown'; reason: string }
  | { property: LivenessProperty; status: 'violated'; path: number[]; loop: number; message: string };

/** A liveness property's p and q compiled over the packed state (TransitionSystem.compileProperty), where they compile. */
export interface CompiledPredicates {
  p?: CompiledProperty | undefined;
  q?: CompiledProperty | undefined;
}

/**
 * Each property's p and q compiled over the packed state, as invariants are (compileInvariants):
 * the graph's labels are computed for every state the search stores, and the property's own
 * function needs the state decoded into its view first (kvm-hotplug at 4 CPUs: its two
 * properties' labels took about a tenth of the search, session 14). The CLI's determinism probe
 * compares them with the properties' own functions, as it does the invariants.
 */
export function compileLivenessPredicates(model: TransitionSystem, properties: readonly LivenessProperty[]): CompiledPredicates[] {
  return properties.map((p) => ({ p: p.p && model.compileProperty?.(p.p), q: p.q && model.compileProperty?.(p.q) }));
}

/**
 * The labels the graph keeps per state: for each thread whether it is idle (ended, or at an end
 * location that is not a busy-wait), then each property's p and q (compiled where `compiled`
 * has them and the compiled code decides; else the property's own function on the state's view).
 */
export function livenessLabellers(model: CompiledModel, properties: readonly LivenessProperty[], info: (w: Int32Array) => StateInfo<unknown>, compiled: readonly CompiledPredicates[] = []): Labeller[] {
  const idle = model.threads.map((th, t): Labeller => {
    const restful = th.locations.map((l) => l.end && !l.actions.every((a) => a.tags.includes(SPIN)));
    return (w) => w[t] === PC_END || restful[w[t]!] === true;
  });
  const label = (own: ((s: StateInfo<unknown>) => boolean) | undefined, fast: CompiledProperty | undefined): Labeller => {
    if (own === undefined) return () => false;
    if (fast === undefined) return (w) => own(info(w));
    return (w) => {
      const r = fast(w);
      return r >= 0 ? r === 1 : own(info(w));
    };
  };
  const preds = properties.flatMap((p, i): Labeller[] => [label(p.p, compiled[i]?.p), label(p.q, compiled[i]?.q)]);
  return [...idle, ...preds];
}

/**
 * The passes the analysis of a property plans after its fairness constraints' (meter.ts): a
 * fair-cycle search per thread for livelock, then per thread the search for any cycle that says
 * whether it was exercised; for eventually and leads-to the states within reach, then the search.
 */
function passesOf(property: LivenessProperty, threads: number): number {
  switch (property.form) {
    case 'livelock':
      return 2 * threads;
    case 'eventually':
    case 'leads-to':
      return 2;
    case 'always-eventually':
    case 'eventually-always':
      return 1;
  }
}

/**
 * The verdicts of the liveness properties on the graph. It polls the stops of `meter` (the
 * run's interrupt, deadline and memory bound) and reports its progress there: a stop throws
 * AnalysisStopped (meter.ts) and decides nothing.
 */
export function analyseLiveness(g: StateGraph, properties: readonly LivenessProperty[], searchComplete: boolean, meterOptions: MeterOptions = {}, figures?: SearchFigures): LivenessVerdict[] {
  const model = g.model;
  const T = model.pcs;
  const meter = new AnalysisMeter(2 + properties.reduce((n, p) => n + 1 + passesOf(p, T), 0), figures ?? { states: g.n, transitions: g.edges, depth: 0 }, meterOptions);
  meter.pass();
  let unexpanded = 0;
  for (let s = 0; s < g.n; s++) if (!g.expanded(s) && !g.halted(s)) unexpanded++;
  const complete = searchComplete && unexpanded === 0;
  const everywhere = new Uint8Array(g.n).fill(1);
  const fromInit = new Bfs(g, [0], () => true, undefined, meter);
  // The states on a cycle of the whole graph: every search below looks at these only (fair-cycle.ts).
  meter.pass();
  // The decomposition's arrays, once for every finder.
  const scratch = new TarjanScratch(g.n);
  const cycles = properties.length > 0 ? new FairCycleFinder(g, [], meter, undefined, scratch).cyclicStates() : new Int32Array(0);
  return properties.map((property, i): LivenessVerdict => {
    const P = (s: number) => g.label(s, T + 2 * i);
    const Q = (s: number) => g.label(s, T + 2 * i + 1);
    meter.pass();
    const last = meter.at.pass + passesOf(property, T);
    const constraints = constraintsOf(g, property.fairness, meter);
    const finder = new FairCycleFinder(g, constraints, meter, cycles, scratch);
    let found: { comp: FairComponent; region: Region; prefixEdges: (head: number) => number[]; rank: (s: number) => number; thread?: number } | undefined;
    const consider = (region: Region, seeds: Bfs, prefix: (head: number) => number[], thread?: number) => {
      meter.pass();
      const comp = finder.find(region);
      if (!comp) return;
      const rank = rankOf(seeds);
      const head = bestHead(comp, rank);
      if (found && rank(head) >= found.rank(bestHead(found.comp, found.rank))) return;
      found = { comp, region, prefixEdges: prefix, rank, ...(thread !== undefined ? { thread } : {}) };
    };
    switch (property.form) {
      case 'livelock':
        for (let t = 0; t < T; t++) {
          // Where t is busy, among the states a cycle can use (the search looks at no other: fair-cycle.ts).
          const node = new Uint8Array(g.n);
          for (const s of cycles) node[s] = g.label(s, t) ? 0 : 1;
          const progress = model.allActions.map((a) => a.thread === t && a.tags.includes(PROGRESS));
          consider({ node, edge: (e) => !progress[g.action[e]!], stutter: false }, fromInit, (h) => fromInit.edgesTo(h), t);
        }
        break;
      case 'always-eventually':
        consider({ node: mask(g.n, (s) => !P(s)), stutter: true }, fromInit, (h) => fromInit.edgesTo(h));
        break;
      case 'eventually-always':
        consider({ node: everywhere, accept: (s) => !P(s), stutter: true }, fromInit, (h) => fromInit.edgesTo(h));
        break;
      case 'eventually': {
        meter.pass();
        const within = new Bfs(g, [0], (s) => !P(s), undefined, meter);
        consider({ node: mask(g.n, (s) => within.reached(s)), stutter: true }, within, (h) => within.edgesTo(h));
        break;
      }
      case 'leads-to': {
        const seeds = fromInit.order.filter((s) => P(s) && !Q(s));
        meter.pass();
        const within = new Bfs(g, seeds, (s) => !Q(s), undefined, meter);
        consider({ node: mask(g.n, (s) => within.reached(s)), stutter: true }, within, (h) => [...fromInit.edgesTo(within.seedOf(h)), ...within.edgesTo(h)]);
        break;
      }
    }
    if (!found) {
      if (complete) {
        const vacuous = notExercised(g, property, finder, fromInit, P, Q, meter, cycles);
        meter.skipTo(last);
        return vacuous === undefined ? { property, status: 'holds' } : { property, status: 'holds', notExercised: vacuous };
      }
      meter.skipTo(last);
      return {
        property,
        status: 'unknown',
        reason: unexpanded > 0 ? `${unexpanded} stored states were not expanded (a bound cut the search)` : 'the search was cut short',
      };
    }
    meter.skipTo(last);
    const { comp, region } = found;
    const head = bestHead(comp, found.rank);
    const prefix = found.prefixEdges(head);
    const loop = fairLoop(g, comp, head, region, finder.insideOf(comp.states, region), constraints);
    const path = [...prefix, ...loop].map((e) => g.choice[e]!);
    const loopActions = loop.map((e) => model.allActions[g.action[e]!]!);
    return { property, status: 'violated', path, loop: prefix.length, message: describeLassoViolation(model, property, found.thread, prefix.length, loopActions, comp.stutter) };
  });
}

/** Why a liveness property that holds was not exercised (see the header), or undefined when it was. */
function notExercised(g: StateGraph, property: LivenessProperty, finder: FairCycleFinder, reachable: Bfs, P: (s: number) => boolean, Q: (s: number) => boolean, meter: AnalysisMeter, cycles: Int32Array): string | undefined {
  switch (property.form) {
    case 'livelock': {
      for (let t = 0; t < g.model.pcs; t++) {
        meter.pass();
        if (finder.components(cycles.filter((s) => !g.label(s, t))).length > 0) return undefined;
      }
      return 'no run loops: the state graph has no cycle of steps through states where a thread is busy (every run ends or idles)';
    }
    case 'eventually':
      return P(0) ? 'its p already held in the initial state (nothing to wait for)' : undefined;
    case 'always-eventually':
    case 'eventually-always':
      return reachable.order.some((s) => !P(s)) ? undefined : 'its p held in every reachable state (nothing to wait for)';
    case 'leads-to':
      if (!reachable.order.some(P)) return 'its trigger p held in no reachable state';
      return reachable.order.some((s) => P(s) && !Q(s)) ? undefined : 'whenever p held, q already held (nothing to wait for)';
  }
}

function mask(n: number, f: (s: number) => boolean): Uint8Array {
  const m = new Uint8Array(n);
  for (let s = 0; s < n; s++) if (f(s)) m[s] = 1;
  return m;
}

/** A state's place in the search's order (unreached: after every reached one). */
function rankOf(b: Bfs): (s: number) => number {
  const rank = new Int32Array(b.parentEdge.length).fill(0x7fffffff);
  b.order.forEach((s, i) => (rank[s] = i));
  return (s) => rank[s]!;
}

/** The component's state nearest the seeds: the lasso's loop starts there. */
function bestHead(comp: FairComponent, rank: (s: number) => number): number {
  let best = comp.states[0]!;
  for (const s of comp.states) if (rank(s) < rank(best)) best = s;
  return best;
}
