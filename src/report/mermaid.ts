// Traces as Mermaid sequence diagrams (GitHub and GitLab render them in Markdown): one
// participant per thread, each step a note over its thread with its number and C statement
// (and the variables it changed), and what went wrong as a note over every thread.

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

export interface DiagramItem {
  /** Thread indices the note spans (one: a step; all: a verdict). */
  over: number[];
  text: string;
}

export function sequenceDiagram(threadNames: readonly string[], items: readonly DiagramItem[]): string {
  const id = (t: number) => `T${t}`;
  const lines = ['sequenceDiagram'];
  threadNames.forEach((name, t) => lines.push(`    participant ${id(t)} as ${mermaidText(name)}`));
  const last = threadNames.length - 1;
  for (const it of items) {
    const over = it.over.length === 0 ? [0, last] : [Math.min(...it.over), Math.max(...it.over)];
    const span = over[0] === over[1] ? id(over[0]!) : `${id(over[0]!)},${id(over[1]!)}`;
    lines.push(`    Note over ${span}: ${mermaidText(it.text)}`);
  }
  return lines.join('\n');
}

function stepText(s: TraceStep, number: string): string {
  const lines = [`${number}. ${s.label}`];
  for (const c of s.changes) lines.push(`${c.path}: ${formatValue(c.before)} → ${formatValue(c.after)}`);
  for (const t of s.fired) lines.push(`!! ${t}`);
  return lines.join('\n');
}

const all = (model: CompiledModel) => model.threadNames.map((_, i) => i);

/** A replayed trace, with the violations found along it. */
export function traceDiagram(model: CompiledModel, trace: Trace, run?: ReplayRun): string {
  const items: DiagramItem[] = [];
  const at = (step: number) => (run?.violations ?? []).filter((v) => v.step === step).map((v) => ({ over: all(model), text: `✗ ${violationLine(v)}` }));
  items.push(...at(0));
  for (const s of trace.steps) {
    items.push({ over: [s.threadIndex], text: stepText(s, String(s.index)) });
    items.push(...at(s.index));
  }
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
