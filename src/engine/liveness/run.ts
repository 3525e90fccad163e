// Liveness in a check: the search with the graph recorder, the fair-cycle analysis, and the
// merge of its verdicts into the check's result. The safety part of a check may run with
// reductions or on workers; liveness always runs on the full graph of one sequential search:
//   - partial-order reduction preserves only stutter-invariant properties over invisible steps
//     and, with fairness, needs provisos kmc does not implement (Peled 1994; Valmari's "ignoring
//     problem"): a reduced graph can lose a fair cycle or invent an unfair one;
//   - symmetry reduction is sound for liveness only when the property and the fairness are
//     symmetric too, which kmc does not check for user predicates;
// so those searches are repeated without reductions for liveness, and the result says so. A
// preemption-bounded run explores only part of the graph: liveness is not checked ('unknown').

import type { CompiledModel } from '../../model/compile.js';
import type { LivenessProperty, Property } from '../../property/types.js';
import { ExhaustiveChooser } from '../chooser.js';
import { makeEvaluator } from '../evaluate.js';
import { StateQueue } from '../frontier.js';
import type { CheckResult, LivenessInfo, PropertyStatus, StopReason, Violation } from '../result.js';
import { search, type SearchOptions, type SearchOutcome } from '../search.js';
import { FingerprintSet } from '../visited.js';
import { markStoreBufferBound } from '../result-builder.js';
import { analyseLiveness, compileLivenessPredicates, livenessLabellers, type LivenessVerdict } from './analyse.js';
import { GraphRecorder, type Labeller, type StateGraph } from './graph.js';
import { AnalysisStopped, type MeterOptions } from './meter.js';

export function isLiveness(p: Property): p is LivenessProperty {
  return p.kind === 'liveness';
}

export type GraphLimits = Pick<SearchOptions, 'maxStates' | 'maxDepth' | 'stopOnFirstViolation' | 'budget' | 'progressIntervalMs'>;

export interface GraphSearch {
  outcome: SearchOutcome;
  graph: StateGraph;
  bytesPerState: number;
}

/** The labellers of a recorded graph's states: each liveness property's predicates, their state info from every property (`all`). */
export function graphLabellers(model: CompiledModel, all: readonly Property[], liveness: readonly LivenessProperty[]): Labeller[] {
  const labelInfo = makeEvaluator(model, all, []);
  return livenessLabellers(model, liveness, (w) => labelInfo.info(w), compileLivenessPredicates(model, liveness));
}

/** The exhaustive breadth-first search that also records the state graph for `liveness`. */
export function searchGraph(model: CompiledModel, all: readonly Property[], safety: readonly Property[], liveness: readonly LivenessProperty[], limits: GraphLimits): GraphSearch {
  const recorder = new GraphRecorder(model, graphLabellers(model, all, liveness));
  const store = new FingerprintSet();
  const outcome = search(model, makeEvaluator(model, all, safety), {
    frontier: new StateQueue(model.width, 'fifo'),
    store,
    chooser: new ExhaustiveChooser(),
    ...limits,
    graph: recorder,
  });
  // A graph cut by the store-buffer bound is not the whole graph: no liveness property holds on it.
  markStoreBufferBound(outcome);
  return { outcome, graph: recorder.finish(), bytesPerState: store.bytesPerState() };
}

/**
 * Analyse the graph: the verdicts and the LivenessInfo (notes added by the caller). The analysis
 * honours the run's stops (`meter`: its budget, interrupt and progress): stopped, every liveness
 * property is unknown, the stop is the run's (as for a search cut short), and a note says where
 * it stopped; the safety verdicts of the finished search are the caller's and stand.
 */
export function livenessOf(g: Pick<GraphSearch, 'outcome' | 'graph'>, liveness: readonly LivenessProperty[], notes: string[], separate: boolean, meter: MeterOptions = {}): { verdicts: LivenessVerdict[]; info: LivenessInfo; stoppedBy: StopReason | undefined } {
  const t0 = performance.now();
  let verdicts: LivenessVerdict[];
  let stoppedBy = g.outcome.stoppedBy;
  if (g.outcome.error) verdicts = liveness.map((property): LivenessVerdict => ({ property, status: 'unknown', reason: 'the search stopped on a model error' }));
  else
    try {
      verdicts = analyseLiveness(g.graph, liveness, g.outcome.stoppedBy === undefined, meter, { states: g.outcome.states, transitions: g.outcome.transitions, depth: g.outcome.diameter });
    } catch (e) {
      if (!(e instanceof AnalysisStopped)) throw e;
      const reason = `liveness not checked: the analysis of the state graph stopped (${e.reason}) in its pass ${e.at.pass} of ${e.at.passes}`;
      verdicts = unknownVerdicts(liveness, reason);
      notes = [...notes, reason];
      stoppedBy ??= e.reason;
    }
  const info: LivenessInfo = {
    states: g.graph.n,
    edges: g.graph.edges,
    graphBytes: g.graph.bytes(),
    bytesPerState: g.graph.n > 0 ? g.graph.bytes() / g.graph.n : 0,
    analysisMs: performance.now() - t0,
    notes,
  };
  if (separate) info.searchMs = g.outcome.timeMs;
  return { verdicts, info, stoppedBy };
}

export function unknownVerdicts(liveness: readonly LivenessProperty[], reason: string): LivenessVerdict[] {
  return liveness.map((property) => ({ property, status: 'unknown', reason }));
}

/**
 * The check's result with the liveness verdicts merged in: statuses in the selected order,
 * lasso violations beside the others (shortest first), and the overall status recomputed (an
 * unknown liveness verdict makes a run incomplete, never verified).
 */
export function withLiveness(base: CheckResult, selected: readonly Property[], verdicts: readonly LivenessVerdict[], info: LivenessInfo, livenessStop: StopReason | undefined): CheckResult {
  if (base.status === 'error') return base;
  const byName = new Map(base.properties.map((p) => [p.name, p]));
  const lv = new Map(verdicts.map((v) => [v.property.name, v]));
  const newViolations: Violation[] = [];
  const properties: PropertyStatus[] = selected.map((p) => {
    const v = lv.get(p.name);
    if (!v) return byName.get(p.name)!;
    if (v.status === 'violated') {
      const violation: Violation = { property: p.name, kind: 'liveness', path: v.path, loop: v.loop, message: v.message };
      // With reductions, violations say whether they are shortest: a lasso's loop is not.
      if (base.reductions) violation.shortest = false;
      newViolations.push(violation);
      return { name: p.name, kind: p.kind, doc: p.doc, status: 'violated', violation };
    }
    if (v.status === 'holds' && v.notExercised !== undefined) return { name: p.name, kind: p.kind, doc: p.doc, status: 'holds', notExercised: v.notExercised };
    return { name: p.name, kind: p.kind, doc: p.doc, status: v.status };
  });
  const violations = [...(base.status === 'violated' ? base.violations : []), ...newViolations].sort((a, b) => a.path.length - b.path.length);
  const unknown = verdicts.some((v) => v.status === 'unknown');
  const extra = { ...(base.reductions ? { reductions: base.reductions } : {}), ...(base.coverage ? { coverage: base.coverage } : {}), liveness: info };
  const baseStop = base.status === 'violated' || base.status === 'incomplete' ? base.stoppedBy : undefined;
  const stoppedBy = baseStop ?? livenessStop ?? (unknown ? ('preemption-bound' as const) : undefined);
  if (violations.length > 0) {
    const complete = base.status === 'violated' ? base.complete && !unknown : !unknown && base.status === 'verified';
    const r: CheckResult = { status: 'violated', run: base.run, stats: base.stats, properties, violations, complete, ...extra };
    if (stoppedBy && !complete) r.stoppedBy = stoppedBy;
    return r;
  }
  if (base.status === 'incomplete' || unknown) return { status: 'incomplete', run: base.run, stats: base.stats, properties, stoppedBy: stoppedBy!, ...extra };
  return { status: 'verified', run: base.run, stats: base.stats, properties, ...extra };
}

/**
 * Split a selection for a search that cannot record the graph (the parallel search): the safety
 * properties to search for there, the liveness ones to check apart. Undefined without liveness.
 */
export function splitForLiveness(selected: readonly Property[]): { safety: Property[]; liveness: LivenessProperty[] } | undefined {
  if (!selected.some(isLiveness)) return undefined;
  return { safety: selected.filter((p) => !isLiveness(p)), liveness: selected.filter(isLiveness) };
}

/**
 * Merge a safety result (undefined when only liveness was selected) and the result of a
 * separate check of the liveness properties alone (its liveness info gains `note`).
 */
export function mergeLivenessResult(base: CheckResult | undefined, live: CheckResult, selected: readonly Property[], note: string): CheckResult {
  if (live.status === 'error') return live;
  const info: LivenessInfo = live.liveness ? { ...live.liveness, notes: [...live.liveness.notes, note], searchMs: live.stats.timeMs } : { states: 0, edges: 0, graphBytes: 0, bytesPerState: 0, analysisMs: 0, notes: [note] };
  if (base === undefined) return { ...live, liveness: info };
  if (base.status === 'error') return base;
  // The merged result carries the safety search's reductions, so its violations say whether they
  // are shortest (as withLiveness does): a lasso's loop is not.
  const lasso = (v: Violation): Violation => (base.reductions && v.kind === 'liveness' ? { ...v, shortest: false } : v);
  const lassos = live.status === 'violated' ? live.violations.map(lasso) : [];
  const liveProperties = live.properties.map((p) => (p.status === 'violated' ? { ...p, violation: lasso(p.violation) } : p));
  const byName = new Map([...base.properties, ...liveProperties].map((p) => [p.name, p]));
  const properties = selected.map((p) => byName.get(p.name)!);
  const violations = [...(base.status === 'violated' ? base.violations : []), ...lassos].sort((a, b) => a.path.length - b.path.length);
  const stopOf = (r: CheckResult) => (r.status === 'violated' || r.status === 'incomplete' ? r.stoppedBy : undefined);
  const stoppedBy = stopOf(base) ?? stopOf(live);
  const extra = { ...(base.reductions ? { reductions: base.reductions } : {}), ...(base.coverage ? { coverage: base.coverage } : {}), liveness: info };
  if (violations.length > 0) {
    const complete = (base.status === 'verified' || (base.status === 'violated' && base.complete)) && (live.status === 'verified' || (live.status === 'violated' && live.complete));
    const r: CheckResult = { status: 'violated', run: base.run, stats: base.stats, properties, violations, complete, ...extra };
    if (stoppedBy) r.stoppedBy = stoppedBy;
    return r;
  }
  if (stoppedBy) return { status: 'incomplete', run: base.run, stats: base.stats, properties, stoppedBy, ...extra };
  return { status: 'verified', run: base.run, stats: base.stats, properties, ...extra };
}
