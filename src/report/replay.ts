// Text rendering of replays: a replayed trace (all at once, or one step at a time), and an
// interleaving run on another variant (where it stops, and why).

import type { CompiledModel } from '../model/compile.js';
import { END } from '../model/types.js';
import { formatPath } from '../engine/chooser.js';
import { describeStop, type ReplayRun, type ReplayViolation, type VariantReplay } from '../engine/replay.js';
import type { Port, PortChoice, PortEnd, PortedStep } from '../trace/cross-variant.js';
import type { TraceStep } from '../trace/expand.js';
import { thousands } from '../util/format.js';
import { changeLines, paramText, renderState, renderTable, renderTrace } from './text.js';
import { storeBufferPaths } from '../kernel/memory.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function runTitle(model: CompiledModel): string {
  return `${model.name} --variant ${model.variant}${paramText(model.params)}`;
}

export function violationLine(v: ReplayViolation): string {
  const when = v.step === 0 ? 'in the initial state' : v.property.kind === 'invariant' || v.property.kind === 'deadlock' ? `after step ${v.step}` : `at step ${v.step}`;
  return `${v.property.name} (${v.property.kind}) violated ${when}: ${v.message}`;
}

/** The first lines of a replay: what was replayed and whether the file checked out. */
export function replayHeader(run: ReplayRun, file?: string): string {
  const n = run.trace.steps.length;
  const lines = [`REPLAY ${runTitle(run.model)}: ${plural(n, 'step')}${run.stop || run.error ? ` of ${run.path.length}` : ''}`];
  if (file) lines.push(`Trace file: ${file} (every recorded step and state matches the model)`);
  lines.push(`Replay path: ${formatPath(run.path) || '(empty)'}`);
  return lines.join('\n');
}

/** What the replay found: the properties broken along it, where it stopped, the final state. */
export function replayFooter(run: ReplayRun): string {
  const lines: string[] = [];
  if (run.error) lines.push(`ERROR: ${run.error.message}`);
  if (run.stop) lines.push(`The path stops early: ${describeStop(run.stop)}.`);
  if (run.violations.length === 0) lines.push(`No property is violated along ${plural(run.trace.steps.length, 'step')}.`);
  else {
    lines.push('Along the replay:');
    for (const v of run.violations) {
      lines.push(`  ${violationLine(v)}`);
      for (const b of v.blocked ?? []) lines.push(`    ${b.thread} at '${b.label}', waiting for ${b.waitsFor}`);
    }
  }
  const last = run.trace.steps.length ? run.trace.steps[run.trace.steps.length - 1]!.state : run.trace.init;
  lines.push('Final state:', renderState(run.model, last));
  return lines.join('\n');
}

/** The whole replay at once. */
export function renderReplay(run: ReplayRun, file?: string): string {
  return [replayHeader(run, file), renderTrace(run.model, run.trace), replayFooter(run)].join('\n');
}

/** One step, for step-by-step display. */
export function renderReplayStep(run: ReplayRun, step: TraceStep): string {
  const where = step.nextId === END ? 'then finished' : `then at '${step.nextId}'`;
  const lines = [`Step ${step.index}/${run.trace.steps.length}: ${step.thread} runs '${step.label}' (choice ${step.choice}; ${where})`];
  const memories = step.buffered !== undefined ? storeBufferPaths(run.model.vars(run.trace.init)) : [];
  for (const l of changeLines(step, memories)) lines.push(`  ${l}`);
  if (step.changes.length === 0) lines.push('  (no variable changes)');
  for (const t of step.fired) lines.push(`  !! ${t} fired`);
  for (const v of run.violations) if (v.step === step.index) lines.push(`  !! ${violationLine(v)}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// On another variant

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** One line saying where the interleaving stops on the patched variant, and why. */
export function describePortEnd(end: PortEnd, oldSteps: number, variant: string): string {
  const at = (k: number) => `step ${k} of ${oldSteps}`;
  switch (end.kind) {
    case 'completed':
      return `all ${plural(oldSteps, 'step')} run on ${variant}`;
    case 'blocked':
      return end.extra
        ? `it stops at ${at(end.oldStep)}: ${end.thread} cannot get to '${end.wanted}': on ${variant} it must first run '${end.label}', which waits for ${end.waitsFor}`
        : `it stops at ${at(end.oldStep)}: ${end.thread}'s '${end.label}' is not enabled on ${variant}: it waits for ${end.waitsFor}`;
    case 'absent':
      return `it stops at ${at(end.oldStep)}: ${end.thread} has no statement '${end.wanted}' on ${variant} (the patch removed or rewrote it), so this interleaving cannot happen there`;
    case 'ended':
      return `it stops at ${at(end.oldStep)}: on ${variant}, ${end.thread} finishes without reaching '${end.wanted}'`;
    case 'halted':
      return `it stops at ${at(end.oldStep)}: ${end.thread}'s '${end.label}' hits a BUG_ON on ${variant} (${end.fired.join(', ')})`;
    case 'no-thread':
      return `inconclusive at ${at(end.oldStep)}: ${variant} has no thread named ${end.thread}`;
    case 'bound':
      return end.options.length > 1
        ? `inconclusive at ${at(end.oldStep)}: to get to '${end.wanted}', ${end.thread} has ${end.options.length} ways forward (${end.options.map((o) => `'${o}'`).join(' or ')}), and trying them ran over the bound of ${thousands(end.budget)} steps on ${variant}`
        : `inconclusive at ${at(end.oldStep)}: getting ${end.thread} to '${end.wanted}' ran over the bound of ${thousands(end.budget)} steps on ${variant}`;
    case 'loops':
      return `inconclusive at ${at(end.oldStep)}: ${end.thread} loops on ${variant} without reaching '${end.wanted}'`;
  }
}

const ENDS: Record<PortEnd['kind'], string> = {
  completed: 'completed',
  blocked: 'then blocked',
  absent: 'then a statement the patch removed',
  ended: 'then the thread finishes',
  halted: 'then a BUG_ON',
  'no-thread': 'then a thread the patch does not have',
  loops: 'then it loops',
  bound: 'then the bound',
};

const WHY: Record<PortChoice['by'], string> = {
  placed: 'it places the most old steps',
  definite: 'it places as many old steps as any, and stops definitely',
  closest: "it is the closest to the old trace's labels",
  first: "it is as close to the old trace's labels as another, and comes first",
};

/** "chose 'A' of 2 alternatives: 'A' (…) or 'B' (…): why", for a step the port chose (rule 7). */
export function describeChoice(c: PortChoice, oldSteps: number): string {
  const alts = c.alternatives.map((a) => {
    const how = a.placed === undefined ? 'not tried' : a.end === 'completed' ? `places all ${oldSteps} old steps` : `places ${a.placed} of ${oldSteps} old steps, ${ENDS[a.end!]}`;
    return `'${a.label}' (${how})`;
  });
  return `chose '${c.alternatives[c.taken]!.label}' of ${c.alternatives.length} alternatives: ${alts.join(' or ')}: ${WHY[c.by]}`;
}

/** Every choice the port made, one sentence each: "before old step 2, creator0 chose …". */
export function describeChoices(port: Port): string[] {
  return port.steps.flatMap((s) =>
    s.kind !== 'done-earlier' && s.chose ? [`${s.kind === 'extra' ? `before old step ${s.oldStep}` : `at old step ${s.oldStep}`}, ${s.thread} ${describeChoice(s.chose, port.oldSteps)}`] : [],
  );
}

/** Table rows of the ported run: each executed step, placeholders for steps done earlier, and the stop. */
export function portRows(vr: VariantReplay): string[][] {
  const rows: string[][] = [];
  let n = 0;
  for (const s of vr.port.steps) {
    if (s.kind === 'done-earlier') {
      rows.push(['', String(s.oldStep), s.thread, s.label, 'already ran above (the patch moved it earlier)']);
      continue;
    }
    const step = vr.run.trace.steps[n++];
    const note = [
      s.kind === 'extra' ? `runs first: ${s.thread} must pass it to reach old step ${s.oldStep}` : '',
      s.chose ? describeChoice(s.chose, vr.port.oldSteps) : '',
      ...(step?.fired.map((t) => `!! ${t} fired`) ?? []),
    ]
      .filter(Boolean)
      .join('\n');
    rows.push([String(n), s.kind === 'extra' ? `(${s.oldStep})` : String(s.oldStep), s.thread, s.label, note]);
  }
  const end = vr.port.end;
  if (end.kind === 'blocked') rows.push(['-', String(end.oldStep), end.thread, end.label, `BLOCKED: waits for ${end.waitsFor}`]);
  else if (end.kind === 'absent' || end.kind === 'ended') rows.push(['-', String(end.oldStep), end.thread, end.wanted, end.kind === 'absent' ? 'NO SUCH STATEMENT here' : 'UNREACHABLE: the thread has finished']);
  return rows;
}

/** Did the ported run still break `property`? */
export function reproduced(vr: VariantReplay, property: string | undefined): ReplayViolation | undefined {
  return property === undefined ? vr.run.violations[0] : vr.run.violations.find((v) => v.property.name === property);
}

/** The whole story of an interleaving run on another variant. */
export function renderVariantReplay(from: ReplayRun, vr: VariantReplay, property: string | undefined): string {
  const to = vr.run.model;
  const old = from.trace.steps.length;
  const lines = [
    `The ${from.model.variant} interleaving (${plural(old, 'step')}) on ${runTitle(to)}, steps matched by thread and C statement:`,
    renderTable(['#', 'old step', 'thread', `statement on ${to.variant}`, 'note'], portRows(vr), [3, 8, 24, 40, 40]),
    `Outcome: ${describePortEnd(vr.port.end, old, to.variant)}.`,
  ];
  const choices = describeChoices(vr.port);
  if (choices.length) lines.push(`${plural(choices.length, 'choice')} settled (a thread had several ways forward; kmc tried them):`, ...choices.map((c) => `  ${capitalize(c)}.`));
  if (vr.run.error) lines.push(`ERROR: ${vr.run.error.message}`);
  const r = reproduced(vr, property);
  if (r) lines.push(`STILL VIOLATED on ${to.variant}: ${violationLine(r)}`);
  else if (property) lines.push(`${property} holds along what runs on ${to.variant} (${plural(vr.run.trace.steps.length, 'step')}).`);
  for (const v of vr.run.violations) if (v !== r) lines.push(`Also: ${violationLine(v)}`);
  return lines.join('\n');
}

export type { PortedStep };
