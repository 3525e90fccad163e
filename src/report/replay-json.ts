// The machine-readable form of a replay (`kmc replay … --json`, schemas/kmc-replay.schema.json):
// what was replayed, whether it matched, every step with the state after it, the properties
// broken along the way, and, on another variant, how each old step was placed (with the
// choices the bounded search settled) and what came of it. Built from the same ReplayRun and
// VariantReplay the text output renders, so the two cannot disagree.

import type { CompiledModel } from '../model/compile.js';
import { formatPath } from '../engine/chooser.js';
import { describeStop, type ReplayRun, type ReplayStop, type ReplayViolation, type VariantReplay } from '../engine/replay.js';
import { inconclusive, type PortChoice, type PortedStep, type PortEnd } from '../trace/cross-variant.js';
import type { TraceStep } from '../trace/expand.js';
import type { TraceDivergence } from '../trace/itf.js';
import { describeChoice, describePortEnd, reproduced } from './replay.js';

export interface StateJson {
  /** Thread name -> location id ('$end' once it has finished). */
  locations: Record<string, string>;
  vars: unknown;
}

export function stateJson(model: CompiledModel, state: Int32Array): StateJson {
  const ids = model.locationIds(state);
  return { locations: Object.fromEntries(model.threadNames.map((t, i) => [t, ids[i]!])), vars: model.vars(state) };
}

export function stepJson(model: CompiledModel, s: TraceStep) {
  return {
    step: s.index,
    thread: s.thread,
    location: s.id,
    label: s.label,
    function: s.fn,
    choice: s.choice,
    next: s.nextId,
    changes: s.changes,
    fired: s.fired,
    ...(s.buffered !== undefined ? { buffered: s.buffered } : {}),
    state: stateJson(model, s.state),
  };
}

export function violationJson(v: ReplayViolation) {
  return {
    property: v.property.name,
    kind: v.property.kind,
    step: v.step,
    message: v.message,
    ...(v.blocked ? { blocked: v.blocked } : {}),
  };
}

function stopJson(stop: ReplayStop) {
  return { ...stop, message: describeStop(stop) };
}

/** The steps that ran, the violations along them, where the run stopped early, the final state. */
export function runJson(run: ReplayRun) {
  const { model, trace } = run;
  const last = trace.steps.length ? trace.steps[trace.steps.length - 1]!.state : trace.init;
  return {
    path: formatPath(run.path),
    ran: trace.steps.length,
    initialState: stateJson(model, trace.init),
    steps: trace.steps.map((s) => stepJson(model, s)),
    violations: run.violations.map(violationJson),
    stop: run.stop ? stopJson(run.stop) : null,
    error: run.error ? { message: run.error.message } : null,
    finalState: stateJson(model, last),
  };
}

function choiceJson(c: PortChoice, oldSteps: number) {
  return {
    alternatives: c.alternatives.map((a) => ({ label: a.label, choice: a.choice, placed: a.placed ?? null, end: a.end ?? null })),
    taken: c.taken,
    by: c.by,
    description: describeChoice(c, oldSteps),
  };
}

/** How one old step (or a step its thread had to take first) was placed on the other variant. */
function portedStepJson(s: PortedStep, runStep: number | null, oldSteps: number) {
  if (s.kind === 'done-earlier') return { kind: s.kind, oldStep: s.oldStep, thread: s.thread, label: s.label, location: null, choice: null, runStep: null, chose: null };
  return { kind: s.kind, oldStep: s.oldStep, thread: s.thread, label: s.label, location: s.id, choice: s.choice, runStep, chose: s.chose ? choiceJson(s.chose, oldSteps) : null };
}

function endJson(end: PortEnd, oldSteps: number, variant: string) {
  return { ...end, inconclusive: inconclusive(end), description: describePortEnd(end, oldSteps, variant) };
}

export type VariantOutcome = 'still-violated' | 'no-longer-violated' | 'inconclusive' | 'error';

/** What running the interleaving on the other variant settles about `property` (see kmc replay's exit codes). */
export function variantOutcome(vr: VariantReplay, property: string | undefined): VariantOutcome {
  if (vr.run.error) return 'error';
  if (reproduced(vr, property)) return 'still-violated';
  return inconclusive(vr.port.end) ? 'inconclusive' : 'no-longer-violated';
}

/** An interleaving recorded on one variant, run on another. */
export function variantReplayJson(vr: VariantReplay, property: string | undefined) {
  const model = vr.run.model;
  const oldSteps = vr.port.oldSteps;
  let n = 0;
  const matching = vr.port.steps.map((s) => portedStepJson(s, s.kind === 'done-earlier' ? null : ++n, oldSteps));
  const r = reproduced(vr, property);
  return {
    variant: model.variant,
    params: model.params,
    property: property ?? null,
    oldSteps,
    matching,
    end: endJson(vr.port.end, oldSteps, model.variant),
    run: runJson(vr.run),
    reproduced: r ? violationJson(r) : null,
    outcome: variantOutcome(vr, property),
  };
}

/** Why a trace file does not match its model: the first step that differs (null: not a step, e.g. its variables). */
export interface Divergence extends TraceDivergence {
  message: string;
}

export interface ReplayJsonInput {
  exitCode: number;
  version: string;
  /** The trace file replayed, or undefined for a bare path. */
  file?: string;
  /** The violation the trace file records. */
  claimed?: { property: string; kind: string; message: string; step: number } | undefined;
  run: ReplayRun;
  /** Set when the trace file does not match its model. */
  divergence?: Divergence;
  onVariant?: { replay: VariantReplay; property: string | undefined };
}

export type ReplayOutcome = 'holds' | 'violated' | 'diverged' | 'stopped' | 'error' | VariantOutcome;

function outcomeOf(i: ReplayJsonInput): ReplayOutcome {
  if (i.divergence) return 'diverged';
  if (i.run.error) return 'error';
  if (i.run.stop) return 'stopped';
  if (i.onVariant) return variantOutcome(i.onVariant.replay, i.onVariant.property);
  return i.run.violations.length > 0 ? 'violated' : 'holds';
}

export function replayToJson(i: ReplayJsonInput) {
  const { run } = i;
  return {
    tool: 'kmc',
    version: i.version,
    command: 'replay',
    exitCode: i.exitCode,
    trace: i.file === undefined ? null : { file: i.file, violation: i.claimed ?? null },
    model: run.model.name,
    variant: run.model.variant,
    params: run.model.params,
    matched: !i.divergence && !run.stop && !run.error,
    divergence: i.divergence ?? null,
    ...runJson(run),
    onVariant: i.onVariant ? variantReplayJson(i.onVariant.replay, i.onVariant.property) : null,
    outcome: outcomeOf(i),
  };
}
