// Traces as Mermaid sequence diagrams (GitHub and GitLab render them in Markdown): one
// participant per thread, each step a note over its thread with its number and C statement
// (and the variables it changed), and what went wrong as a note over every thread. A lasso's
// loop (a liveness counterexample) is a Mermaid `loop` block around the steps that repeat.

import type { CompiledModel } from '../model/compile.js';
import type { ReplayRun, VariantReplay } from '../engine/replay.js';
import type { Trace, TraceStep } from '../trace/expand.js';
import { formatValue } from './text.js';
import { describePortEnd, violationLine } from './replay.js';

/**
 * Text safe inside a Mermaid line: '#', ';', '<', '>', quotes and '%' are written as Mermaid's
 * entity codes (`#59;`), newlines as `<br/>`. '%' because Mermaid strips a `%%{…}%%`
 * directive from anywhere in the text (and applies it: a label could change the theme).
 */
export function mermaidText(s: string): string {
  // One pass, so the ';' of an entity code written for '#' is not escaped again.
  return s.replace(/[#;<>"%\n]/g, (c) => (c === '\n' ? '<br/>' : `#${c.charCodeAt(0)};`));
}

export type DiagramItem =
  | {
      /** Thread indices the note spans (one: a step; all: a verdict). */
      over: number[];
      text: string;
    }
  /** A `loop <text>` block opens (the lasso's loop), or the open block ends. */
  | { loop: string }
  | { end: true };

export function sequenceDiagram(threadNames: readonly string[], items: readonly DiagramItem[]): string {
  const id = (t: number) => `T${t}`;
  const lines = ['sequenceDiagram'];
  threadNames.forEach((name, t) => lines.push(`    participant ${id(t)} as ${mermaidText(name)}`));
  const last = threadNames.length - 1;
  let open = 0;
  for (const it of items) {
    if ('loop' in it) {
      lines.push(`    loop ${mermaidText(it.loop)}`);
      open++;
      continue;
    }
    if ('end' in it) {
      if (open === 0) throw new Error('internal: a diagram block ends that never opened');
      lines.push('    end');
      open--;
      continue;
    }
    const over = it.over.length === 0 ? [0, last] : [Math.min(...it.over), Math.max(...it.over)];
    const span = over[0] === over[1] ? id(over[0]!) : `${id(over[0]!)},${id(over[1]!)}`;
    lines.push(`    Note over ${span}: ${mermaidText(it.text)}`);
  }
  if (open !== 0) throw new Error('internal: a diagram block never ends');
  return lines.join('\n');
}

function stepText(s: TraceStep, number: string): string {
  const lines = [`${number}. ${s.label}`];
  for (const c of s.changes) lines.push(`${c.path}: ${formatValue(c.before)} → ${formatValue(c.after)}`);
  for (const t of s.fired) lines.push(`!! ${t}`);
  return lines.join('\n');
}

const all = (model: CompiledModel) => model.threadNames.map((_, i) => i);

/**
 * A replayed trace, with the violations found along it. `loop` (a lasso's loop index, as in
 * Violation.loop): the steps after it repeat for ever, drawn inside a `loop` block; a loop index at
 * the end of the trace is a run that stays in its last state for ever, said in a note.
 */
export function traceDiagram(model: CompiledModel, trace: Trace, run?: ReplayRun, loop?: number): string {
  const items: DiagramItem[] = [];
  const at = (step: number) => (run?.violations ?? []).filter((v) => v.step === step).map((v) => ({ over: all(model), text: `✗ ${violationLine(v)}` }));
  const n = trace.steps.length;
  items.push(...at(0));
  for (const s of trace.steps) {
    if (loop !== undefined && loop < n && s.index === loop + 1)
      items.push({ loop: `↻ steps ${loop + 1}..${n} lead back to the state after step ${loop} and repeat for ever` });
    items.push({ over: [s.threadIndex], text: stepText(s, String(s.index)) });
    if (loop !== undefined && loop < n && s.index === n) items.push({ end: true });
    items.push(...at(s.index));
  }
  if (loop !== undefined && loop >= n) items.push({ over: all(model), text: `↻ after step ${n} the run stays in this state for ever (no fairly scheduled step can run)` });
  return sequenceDiagram(model.threadNames, items);
}

/** An interleaving run on another variant, up to where it stops. */
export function variantDiagram(vr: VariantReplay, oldSteps: number): string {
  const model = vr.run.model;
  const items: DiagramItem[] = [];
  let n = 0;
  for (const s of vr.port.steps) {
    const t = model.threadNames.indexOf(s.thread);
    if (s.kind === 'done-earlier') {
      items.push({ over: [t], text: `(old step ${s.oldStep}, ${s.label}: already ran above)` });
      continue;
    }
    const step = vr.run.trace.steps[n++];
    if (!step) break;
    const chose = s.chose ? `\n(chosen of ${s.chose.alternatives.length} alternatives)` : '';
    items.push({ over: [t], text: stepText(step, s.kind === 'extra' ? `(for ${s.oldStep})` : `${s.oldStep}`) + chose });
    for (const v of vr.run.violations) if (v.step === n) items.push({ over: all(model), text: `✗ ${violationLine(v)}` });
  }
  const end = vr.port.end;
  const endThread = end.kind === 'completed' ? -1 : model.threadNames.indexOf(end.thread);
  const verdict = describePortEnd(end, oldSteps, model.variant);
  if (end.kind === 'blocked') items.push({ over: [endThread], text: `⛔ ${end.label}\nwaits for ${end.waitsFor}` });
  items.push({ over: all(model), text: verdict });
  return sequenceDiagram(model.threadNames, items);
}
