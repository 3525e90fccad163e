// Markdown for `kmc check --all --markdown`: the README's "What kmc finds" table, generated
// from results, never typed by hand. One row per model × variant × property; under the table,
// for each violation, a two-line account of the interleaving built from its trace: which
// thread ran which functions, in order, and what broke.

import type { CompiledModel } from '../model/compile.js';
import type { CheckResult } from '../engine/result.js';
import { formatPath } from '../engine/chooser.js';
import { traceOf, type Trace } from '../trace/expand.js';
import { thousands } from '../util/format.js';
import { reductionParts, verdictWord } from './holds.js';
import { memoryModelOf } from '../kernel/memory.js';

export interface MarkdownRun {
  result: CheckResult;
  model: CompiledModel | undefined;
}

const VERDICT: Record<string, string> = {
  holds: 'holds',
  'holds, not exercised': 'holds, *not exercised* ‡',
  violated: '**violated**',
  unknown: 'unknown (search incomplete)',
};

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * The interleaving in one line: consecutive steps of one thread form a segment, named by the
 * functions it ran: `cpu0: hardware_enable_all (3 steps) → cpu1/hotplug: kvm_cpu_hotplug (2)`.
 */
export function interleavingSummary(trace: Trace): string {
  const segments: { thread: string; fns: string[]; steps: number }[] = [];
  for (const s of trace.steps) {
    const last = segments[segments.length - 1];
    const fn = s.fn || s.label;
    if (last && last.thread === s.thread) {
      last.steps++;
      if (last.fns[last.fns.length - 1] !== fn) last.fns.push(fn);
    } else segments.push({ thread: s.thread, fns: [fn], steps: 1 });
  }
  if (segments.length === 0) return 'the initial state itself';
  return segments.map((g) => `${g.thread}: ${g.fns.join(', ')} (${g.steps})`).join(' → ');
}

export function renderMarkdown(runs: readonly MarkdownRun[]): string {
  const rows: string[] = [
    '| model | variant | memory | property | verdict | states | trace length |',
    '|---|---|---|---|---|---:|---:|',
  ];
  const notes: string[] = [];
  const reductions = new Set<string>();
  let unsure = false;
  let unsureLasso = false;
  const vacuous: string[] = [];
  let unreduced = false;
  const memories = new Set<string>();
  for (const { result: r, model } of runs) {
    // The memory model the run's verdicts hold under (sc for a model without shared memory).
    const memory = memoryModelOf(r.run.params);
    memories.add(memory);
    if (r.status === 'error') {
      rows.push(`| ${r.run.model} | ${r.run.variant} | ${memory} | – | error: ${cell(r.message)} | – | – |`);
      continue;
    }
    for (const part of reductionParts(r)) reductions.add(part);
    const states = thousands(r.stats.states) + (r.status === 'incomplete' || (r.status === 'violated' && !r.complete) ? ' (incomplete)' : '');
    // Liveness is checked on the full graph of its own search (src/engine/liveness/run.ts): its rows give that count.
    const liveStates = r.liveness && r.liveness.states > 0 && r.liveness.states !== r.stats.states ? `${thousands(r.liveness.states)} §` : undefined;
    if (liveStates && r.properties.some((p) => p.kind === 'liveness')) unreduced = true;
    for (const p of r.properties) {
      // † : found under partial-order reduction, not known to be a shortest trace (--shortest);
      // on a lasso, with or without reductions: its loop is not known to be the shortest.
      const loop = p.status === 'violated' ? p.violation.loop : undefined;
      const notShortest = p.status === 'violated' && (p.violation.shortest === false || loop !== undefined);
      const len = p.status === 'violated' ? `${p.violation.path.length}${notShortest ? ' †' : ''}` : '';
      if (notShortest) {
        if (loop === undefined) unsure = true;
        else unsureLasso = true;
      }
      const lasso = loop === undefined || p.status !== 'violated' ? '' : loop >= p.violation.path.length ? ' (then stays there for ever)' : ` (steps ${loop + 1}.. repeat for ever)`;
      rows.push(`| ${r.run.model} | ${r.run.variant} | ${memory} | ${p.name} | ${VERDICT[verdictWord(p)]} | ${p.kind === 'liveness' && liveStates ? liveStates : states} | ${len}${lasso} |`);
      if (p.status === 'holds' && p.notExercised !== undefined) vacuous.push(`- ${r.run.model} ${r.run.variant}, ${p.name}: ${cell(p.notExercised)}`);
      if (p.status === 'violated' && model) {
        const trace = traceOf(model, p.violation);
        notes.push(
          `- **${r.run.model} ${r.run.variant}, ${p.name}** (replay \`${formatPath(p.violation.path) || '(empty)'}\`):  \n` +
            `  ${cell(interleavingSummary(trace))}  \n` +
            `  ${cell(p.violation.message)}`,
        );
      }
    }
  }
  const out = [rows.join('\n')];
  const legend: string[] = [];
  if ([...memories].some((m) => m !== 'sc'))
    legend.push(
      '*memory*: the memory model the verdict was obtained under: sc (sequentially consistent: every store seen by every CPU at once), tso (x86-TSO store buffers over the fields the model declares shared memory), lkmm (the operational approximation of the Linux-kernel memory model); see "Memory models".',
    );
  if (reductions.size > 0)
    legend.push(
      `*states*: the distinct states each search stored. With kmc's reductions (here ${[...reductions].join(', ')}) that is one state per symmetry orbit${reductions.has('partial-order reduction') ? ', and fewer interleavings' : ''}, not every reachable state; \`--no-symmetry\`${reductions.has('partial-order reduction') ? ' without `--por`' : ''} counts them all.`,
    );
  if (unreduced) legend.push('§: liveness properties are checked on the full state graph, without reductions (not sound for liveness here): the states of that search.');
  if (unsure) legend.push('†: found under partial-order reduction, so not known to be a shortest trace (`kmc check --shortest` makes it one).');
  if (unsureLasso) legend.push('† on a lasso: a fair cycle reached by a shortest path to it, not known to be the shortest lasso of all.');
  if (vacuous.length) legend.push('‡: holds only vacuously: what the property is about never happened in the search (`kmc check --coverage` shows which steps ran).');
  if (legend.length) out.push('', legend.join('  \n'));
  if (vacuous.length) out.push('', 'Not exercised, and why:', '', vacuous.join('\n'));
  if (notes.length) out.push('', 'How each violation happens (thread: functions run (steps), in order; then what broke):', '', notes.join('\n'));
  return out.join('\n');
}
