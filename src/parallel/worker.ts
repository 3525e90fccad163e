// The piscina task: one worker's part of one parallel check. It loads and compiles the model
// itself (functions cannot be sent between threads), builds the engine's reducer for symmetry
// and the preemption bound when asked, runs the level-synchronous search with the chosen
// deduplication scheme, and returns a plain report. (Or, in 'sequential' mode, the engine's
// check() with partial-order reduction, in this one worker.) It never throws: a model step
// that throws, a broken model or a bug here becomes `error` in the report, and the stop flag
// is raised so the other workers leave their barriers instead of waiting forever.

import { check } from '../engine/check.js';
import { residentBytes } from '../engine/limits.js';
import { makeEvaluator, selectProperties } from '../engine/evaluate.js';
import type { CheckResult } from '../engine/result.js';
import type { ModelDef } from '../model/types.js';
import type { Property, PropertySet } from '../property/types.js';
import { withBuiltinLiveness } from '../property/liveness.js';
import { Reductions } from '../engine/reduction/reductions.js';
import { compileModel, StepError } from '../model/compile.js';
import { seedGenerated, straightCounts } from '../model/straight.js';
import { ModelError, UsageError } from '../util/errors.js';
import { B, Control, G, STOP } from './control.js';
import { levelSearch, maxBranching } from './level-search.js';
import { loadSource } from '../property/load-model.js';
import { Mailbox } from './mailbox.js';
import { PartitionedDedup } from './partitioned.js';
import type { LevelCheckpointPart, SequentialTask, SwarmTask, WorkerError, WorkerReport, WorkerTask } from './protocol.js';
// (random/swarm.js, and fast-check with it, is imported by swarm tasks only: start-up of the others)
import type { SwarmMemberReport } from '../random/swarm.js';
import { LevelRanks } from './ranks.js';
import { SharedTableDedup } from './shared-table.js';
import { GraphPartRecorder, partBuffers } from './graph-part.js';
import { graphLabellers, isLiveness } from '../engine/liveness/run.js';

const now = () => performance.timeOrigin + performance.now();

/** The buffers to move (not copy) with a report to the orchestrator: its part of the state graph (graph-part.ts). */
export function transferOf(report: WorkerReport): ArrayBuffer[] {
  return report.graph ? partBuffers(report.graph) : [];
}

export default async function runTask(task: WorkerTask): Promise<WorkerReport> {
  const control = new Control(task.control, task.board, task.workers);
  const report: WorkerReport = {
    index: task.index,
    states: 0,
    transitions: 0,
    diameter: 0,
    depthCut: false,
    peakRss: residentBytes(),
    storeBytes: 0,
    searchStart: now(),
    searchEnd: now(),
    waitMs: 0,
    parks: 0,
    parkedMs: 0,
    candidates: [],
  };
  const counted = { ...straightCounts };
  try {
    // The orchestrator's generated step code, taken where this worker derives the same keys (straight.ts).
    if (task.generated !== undefined) seedGenerated(task.generated);
    const loaded = await loadSource(task.source);
    // (the run's names include the built-in livelock wherever deadlock is, unless the set opted
    // out of it: src/property/liveness.ts)
    const set = { model: loaded.model.name, properties: [...loaded.properties], ...(loaded.livelock === false ? { livelock: false as const } : {}) };
    const everyProperty = withBuiltinLiveness(set);
    const names = everyProperty.map((p) => p.name);
    if (names.join('\n') !== task.propertyNames.join('\n'))
      throw new Error(`the worker loaded the properties [${names.join(', ')}] but the run expects [${task.propertyNames.join(', ')}]`);
    if (task.mode === 'swarm') {
      const swarm = await import('../random/swarm.js');
      report.searchStart = now();
      report.swarm = swarmMembers(task, loaded.model, loaded.properties, swarm);
      report.searchEnd = now();
      return report;
    }
    if (task.mode === 'sequential') {
      report.searchStart = now();
      report.result = sequential(task, loaded.model, set, control);
      report.searchEnd = now();
      return report;
    }
    const base = compileModel(loaded.model, { variant: task.variant, params: task.params, reference: task.reference });
    // Recording the graph, the task names the liveness properties too (built-in livelock
    // included): the search looks for the others, and labels the states for these.
    const chosen = task.graph === true ? selectProperties(everyProperty, task.property, base.name) : undefined;
    const selected = chosen ? chosen.filter((p) => p.kind !== 'liveness') : selectProperties(loaded.properties, task.property, base.name);
    // Symmetry and the preemption bound: the sequential search's own reducer (POR off), so
    // that successors are canonical and carry the bound's words before they are fingerprinted.
    const r = task.reductions;
    const red = r && (r.symmetry || r.preemptionBound !== undefined) ? new Reductions(base, loaded.properties, selected, { symmetry: r.symmetry, preemptionBound: r.preemptionBound }) : undefined;
    const reducer = red?.active ? red : undefined;
    const model = reducer?.model ?? base;
    const evaluator = makeEvaluator(model, loaded.properties, selected);
    const ranks = new LevelRanks(task.ranks, task.levels, maxBranching(base));
    report.searchStart = now();
    const mailbox = new Mailbox(task.index, task.ports, control);
    const ck = task.checkpoint;
    const checkpoint = ck
      ? {
          everyMs: ck.everyMs,
          everyLevels: ck.everyLevels,
          saveFirst: ck.saveFirst,
          saveAtEnd: ck.saveAtEnd,
          // The fingerprints are this worker's copy: moved, not copied again.
          send: (part: LevelCheckpointPart) => ck.port.postMessage(part, part.fingerprints ? [part.fingerprints.buffer as ArrayBuffer] : []),
        }
      : undefined;
    let graph: GraphPartRecorder | undefined;
    if (chosen) {
      if (reducer || task.resume || task.dedup !== 'shared-table') throw new Error('internal: the graph is recorded by the shared-table search only, unreduced and not resumed');
      graph = new GraphPartRecorder(base, graphLabellers(base, everyProperty, chosen.filter(isLiveness)));
    }
    const context = { model, evaluator, selected, me: task.index, control, ranks, limits: task.limits, mailbox, reducer, initial: reducer?.initial() ?? model.init, checkpoint, resume: task.resume, soloBelow: task.soloBelow, graph };
    const result = levelSearch(context, (sink) =>
      task.dedup === 'shared-table'
        ? new SharedTableDedup(task.table!, control, sink, graph !== undefined)
        : new PartitionedDedup(task.index, task.workers, model.width, mailbox, control, sink),
    );
    Object.assign(report, result);
    // A stopped search's graph is cut part-way through a level (states without graph ids): not sent.
    if (graph && !control.stopped) report.graph = graph.finish();
    if (evaluator.coverage) report.coverage = evaluator.coverage.counts(selected);
  } catch (e) {
    control.stop(STOP.error);
    report.error = describe(e, task.index);
  } finally {
    report.straight = { generated: straightCounts.generated - counted.generated, seeded: straightCounts.seeded - counted.seeded };
    if (task.mode === 'level') {
      for (const p of task.ports) p?.close();
      task.checkpoint?.port.close();
    }
  }
  report.searchEnd = now();
  return report;
}

/** The engine's own check(), polled for the stop flag, reporting progress on the board. */
function sequential(task: SequentialTask, model: ModelDef, properties: PropertySet, control: Control): CheckResult {
  return check(model, properties, {
    variant: task.variant,
    params: task.params,
    property: task.property,
    reference: task.reference,
    ...task.limits,
    ...task.reductions,
    ...(task.checkpoint ? { checkpoint: task.checkpoint } : {}),
    interrupted: () => control.stopped,
    onProgress: (p) => {
      control.set(task.index, B.states, p.states);
      control.set(task.index, B.transitions, p.transitions);
      control.set(task.index, B.queue, p.queue);
      control.set(task.index, B.depth, p.depth);
      control.set(task.index, B.rss, p.rss);
      // The liveness analysis after the search (the figures above stay the search's).
      if (p.analysis) {
        control.setGlobal(G.analysisPasses, p.analysis.passes);
        control.setGlobal(G.analysisVisited, p.analysis.visited);
        control.setGlobal(G.analysisPass, p.analysis.pass);
      }
    },
  });
}

/** This worker's members of a swarm (random walks see no cycles: liveness properties are left out, as kmc simulate does). */
function swarmMembers(task: SwarmTask, def: ModelDef, properties: readonly Property[], { memberReport, runSwarmMember, swarmMember }: typeof import('../random/swarm.js')): SwarmMemberReport[] {
  const model = compileModel(def, { variant: task.variant, params: task.params, reference: task.reference });
  // The plan names the built-in livelock too; random walks leave every liveness property out.
  const selected = selectProperties(withBuiltinLiveness(properties), task.property, model.name).filter((p) => p.kind !== 'liveness');
  return task.members.map((i) => memberReport(runSwarmMember(model, properties, selected, swarmMember(task.swarm, i))));
}

function describe(e: unknown, index: number): WorkerError {
  if (e instanceof StepError) return { message: e.message, step: { model: e.model, thread: e.thread, label: e.label, state: e.state } };
  if (e instanceof Error) {
    // ModelError and UsageError messages are written for the user; anything else is ours.
    if (e instanceof ModelError || e instanceof UsageError) return { message: e.message };
    return { message: `worker ${index}: ${e.name}: ${e.message}` };
  }
  return { message: `worker ${index}: ${String(e)}` };
}
