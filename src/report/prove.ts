// `kmc prove` output: the three parts of a patch proof, as text for the terminal and as
// Markdown to paste into a mailing-list reply or a pull request (traces as Mermaid sequence
// diagrams).

import type { ProveResult } from '../engine/prove.js';
import type { CheckResult } from '../engine/result.js';
import { inconclusive } from '../trace/cross-variant.js';
import { replayCommand } from '../trace/itf.js';
import { holdsClaim, notExercised } from './holds.js';
import { thousands } from '../util/format.js';
import { traceDiagram, variantDiagram } from './mermaid.js';
import { capitalize, describeChoices, describePortEnd, renderVariantReplay, violationLine } from './replay.js';
import { paramText, renderTrace } from './text.js';

export interface Part {
  ok: boolean;
  claim: string;
  detail: string;
}

const stopped = (r: CheckResult & { status: 'incomplete' | 'violated' }) => r.stoppedBy ?? 'a bound';

function verdictDetail(r: CheckResult): string {
  switch (r.status) {
    case 'verified': {
      const vacuous = notExercised(r);
      return `every property holds ${holdsClaim(r)}${vacuous.length ? `; not exercised (holds only vacuously): ${vacuous.map((p) => `${p.name} (${p.notExercised})`).join(', ')}` : ''}`;
    }
    case 'violated':
      return r.violations.map((v) => `${v.property} violated after ${v.path.length} step${v.path.length === 1 ? '' : 's'}: ${v.message}`).join('; ');
    case 'incomplete':
      return `the search stopped (${stopped(r)}) after ${thousands(r.stats.states)} states without a violation: no verdict`;
    case 'error':
      return `the model is broken: ${r.message}`;
  }
}

/** The three parts, each with whether it holds and why. */
export function proofParts(p: ProveResult): [Part, Part, Part] {
  const ce = p.counterexample;
  const shown = ce?.run.violations.find((v) => v.property.name === ce.violation.property);
  const part1: Part = {
    ok: p.parts.counterexample,
    claim: `${p.from} has a counterexample`,
    detail: ce
      ? shown
        ? violationLine(shown)
        : `no: ${ce.violation.property}'s counterexample does not show the violation when replayed (${ce.violation.message})`
      : p.buggy.status === 'verified'
        ? `no: every property holds on ${p.from} in all ${thousands(p.buggy.stats.states)} reachable states, so there is no bug for the patch to fix`
        : `no: ${verdictDetail(p.buggy)}`,
  };
  const part2: Part = {
    ok: p.parts.verified,
    claim: `${p.to} holds exhaustively`,
    detail: p.fixed.status === 'verified' ? verdictDetail(p.fixed) : `no: ${verdictDetail(p.fixed)}`,
  };
  let detail3: string;
  const f = p.onFixed;
  if (!f || !ce) detail3 = `not tried: there is no counterexample on ${p.from}`;
  else {
    const where = describePortEnd(f.port.end, ce.run.trace.steps.length, p.to);
    if (f.reproduced) detail3 = `no: the interleaving still breaks it on ${p.to}: ${violationLine(f.reproduced)} (${where})`;
    else if (f.run.error) detail3 = `no: the model failed while running it: ${f.run.error.message}`;
    else if (inconclusive(f.port.end)) detail3 = `no: ${where}`;
    else if (f.port.end.kind === 'completed') detail3 = `${where}, and ${ce.violation.property} holds along them`;
    else detail3 = where;
    const choices = describeChoices(f.port);
    if (choices.length > 0) {
      const shown = choices.slice(0, 2).join('; ');
      detail3 += ` (${shown}${choices.length > 2 ? `; and ${choices.length - 2} more choices` : ''})`;
    }
  }
  const part3: Part = { ok: p.parts.blocked, claim: `the ${p.from} interleaving no longer breaks it on ${p.to}`, detail: detail3 };
  return [part1, part2, part3];
}

function headlineOf(p: ProveResult, parts: Part[]): string {
  const who = `${p.model}${paramText(p.params)}: ${p.from} -> ${p.to}`;
  if (p.proved) return `PROVED ${who}`;
  const failed = parts.map((x, i) => (x.ok ? 0 : i + 1)).filter(Boolean);
  return `NOT PROVED ${who}: part${failed.length === 1 ? '' : 's'} ${failed.join(', ')} failed`;
}

export function renderProveText(p: ProveResult): string {
  const parts = proofParts(p);
  const out = [headlineOf(p, parts)];
  parts.forEach((x, i) => out.push(`  ${i + 1}. ${x.claim}: ${x.ok ? 'yes' : 'NO'} -- ${x.detail}`));
  // Every run says which properties it checked (no silent weakening).
  const checked = p.fixed.status === 'error' ? [] : p.fixed.properties.map((x) => x.name);
  if (checked.length) out.push(`  properties checked: ${checked.join(', ')}`);
  const ce = p.counterexample;
  if (ce) {
    out.push('', `Counterexample on ${p.from} (${replayCommand(p.modelRef ?? p.model, p.from, p.params, ce.violation.path)}):`, renderTrace(ce.model, ce.run.trace));
    if (p.onFixed) out.push('', renderVariantReplay(ce.run, p.onFixed, ce.violation.property));
  }
  return out.join('\n');
}

/** Markdown cell text: pipes escaped, newlines as spaces. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function code(s: string): string {
  const ticks = s.includes('`') ? '``' : '`';
  return `${ticks}${ticks === '``' ? ' ' : ''}${s}${ticks === '``' ? ' ' : ''}${ticks}`;
}

export function renderProveMarkdown(p: ProveResult, command?: string): string {
  const parts = proofParts(p);
  const out = [
    `### kmc prove ${code(p.model)}: ${code(p.from)} → ${code(p.to)}${paramText(p.params) ? ` (${paramText(p.params).trim()})` : ''}`,
    '',
    p.proved
      ? `**Proved.** The bug is real on ${code(p.from)}, the fix holds on ${code(p.to)} in every reachable state, and the interleaving that breaks ${code(p.from)} no longer breaks ${code(p.to)}.`
      : `**Not proved**: ${parts.map((x, i) => (x.ok ? '' : `part ${i + 1}`)).filter(Boolean).join(', ')} failed.`,
    '',
    '| | claim | holds | why |',
    '|---|---|---|---|',
    ...parts.map((x, i) => `| ${i + 1} | ${cell(x.claim)} | ${x.ok ? 'yes' : '**no**'} | ${cell(x.detail)} |`),
  ];
  const ce = p.counterexample;
  if (ce) {
    out.push(
      '',
      `#### The counterexample on ${code(p.from)}`,
      '',
      `Replay: ${code(replayCommand(p.modelRef ?? p.model, p.from, p.params, ce.violation.path))}`,
      '',
      '```mermaid',
      traceDiagram(ce.model, ce.run.trace, ce.run, ce.violation.loop),
      '```',
    );
  }
  if (ce && p.onFixed) {
    out.push(
      '',
      `#### The same interleaving on ${code(p.to)}`,
      '',
      `Steps are matched by thread and C statement; a thread first runs the steps the patched code puts before a matched one; where it has several ways forward, each is tried and the one that places the most old steps is kept. ${cell(capitalize(describePortEnd(p.onFixed.port.end, ce.run.trace.steps.length, p.to)))}.`,
      '',
      '```mermaid',
      variantDiagram(p.onFixed, ce.run.trace.steps.length),
      '```',
    );
  }
  if (command) out.push('', `<sub>${cell(command)}</sub>`);
  return out.join('\n');
}
