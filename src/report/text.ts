// Plain-text rendering of results and counterexamples for the terminal.
//
// A counterexample is a table: one column per thread that runs in it, one row per step with
// the C statement the step models, and the variables the step changed. Cells wrap; nothing is
// cut off.

import type { CompiledModel } from '../model/compile.js';
import { END } from '../model/types.js';
import type { CheckResult, Violation } from '../engine/result.js';
import { formatPath } from '../engine/chooser.js';
import { traceOf, type Trace, type TraceStep } from '../trace/expand.js';
import { bytes, probability, seconds, thousands } from '../util/format.js';
import { renderCoverage } from './coverage.js';
import { isStoreBufferSlot, memoryModelOf, storeBufferPaths } from '../kernel/memory.js';
import { holdsClaim, notExercised, verdictWord } from './holds.js';

export const CELL_WIDTH = 34;

export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/(?<=[ ,(])/)) {
      if (line.length + word.length > width && line.length > 0) {
        out.push(line.trimEnd());
        line = '';
      }
      let w = word;
      while (w.length > width) {
        out.push(w.slice(0, width));
        w = w.slice(width);
      }
      line += w;
    }
    out.push(line.trimEnd());
  }
  return out;
}

export function renderTable(header: string[], rows: string[][], widths: number[]): string {
  const wrapped = rows.map((r) => r.map((c, i) => wrap(c, widths[i]!)));
  const colWidths = widths.map((w, i) =>
    Math.max(header[i]!.length, ...wrapped.map((r) => Math.max(...r[i]!.map((l) => l.length))), Math.min(w, 1)),
  );
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(colWidths[i]!)).join(' | ') + ' |';
  const sep = '|-' + colWidths.map((w) => '-'.repeat(w)).join('-|-') + '-|';
  const out = [line(header), sep];
  for (const r of wrapped) {
    const h = Math.max(...r.map((c) => c.length));
    for (let k = 0; k < h; k++) out.push(line(r.map((c) => c[k] ?? '')));
  }
  return out.join('\n');
}

export function formatValue(v: number | boolean): string {
  return String(v);
}

/** A lasso in words: the prefix, and the loop that repeats (or the state the run stays in). */
export function describeLasso(length: number, loop: number): string {
  if (loop >= length) return `Lasso: ${length} step${length === 1 ? '' : 's'}, then the run stays in the final state for ever (no fairly scheduled step can run there)`;
  return `Lasso: steps 1..${loop} lead to the loop; steps ${loop + 1}..${length} (marked ↻) lead back to the state after step ${loop} and repeat for ever`;
}

/**
 * What a step changed, one line each; under a weak memory model the store buffers' slots are
 * shown as the stores they hold (`buffered: cpu0: x=1`) whenever the step changed them.
 */
export function changeLines(s: TraceStep, memories: readonly string[]): string[] {
  const lines: string[] = [];
  let bufferChanged = false;
  for (const c of s.changes) {
    if (s.buffered !== undefined && isStoreBufferSlot(c.path, memories)) bufferChanged = true;
    else lines.push(`${c.path}: ${formatValue(c.before)} -> ${formatValue(c.after)}`);
  }
  if (bufferChanged) lines.push(`buffered: ${s.buffered || 'none (every store buffer empty)'}`);
  return lines;
}

/** The steps as a table, one column per thread that acts; with `loop`, the loop's steps are marked ↻. */
export function renderTrace(model: CompiledModel, trace: Trace, loop?: number): string {
  const acting = [...new Set(trace.steps.map((s) => s.threadIndex))].sort((a, b) => a - b);
  const header = ['#', ...acting.map((t) => model.threadNames[t]!), 'changed'];
  const memories = trace.steps.some((s) => s.buffered !== undefined) ? storeBufferPaths(model.vars(trace.init)) : [];
  const rows = trace.steps.map((s) => {
    const cells = acting.map((t) => (t === s.threadIndex ? s.label + (s.fired.length ? `\n!! ${s.fired.join(', ')}` : '') : ''));
    const changes = changeLines(s, memories).join('\n');
    return [loop !== undefined && s.index > loop ? `${s.index}↻` : String(s.index), ...cells, changes];
  });
  const widths = [loop === undefined ? 3 : 6, ...acting.map(() => CELL_WIDTH), 40];
  if (trace.steps.length === 0) return '(the initial state itself)';
  return renderTable(header, rows, widths);
}

export function renderState(model: CompiledModel, state: Int32Array): string {
  const ids = model.locationIds(state);
  const where = model.threadNames
    .map((t, i) => {
      const id = ids[i]!;
      if (id === END) return `  ${t}: finished`;
      const loc = model.threads[i]!.locations[state[i]!]!;
      return `  ${t}: at '${loc.actions.map((a) => a.label).join("' | '")}'`;
    })
    .join('\n');
  const vars = model.layout.paths.map((p, i) => `${p}=${formatValue(model.layout.kinds[i] === 'bool' ? state[model.pcs + i] !== 0 : state[model.pcs + i]!)}`);
  return `${where}\n  ${wrap(vars.join('  '), 100).join('\n  ')}`;
}

export function renderViolation(model: CompiledModel, v: Violation): string {
  const trace = traceOf(model, v);
  const last = trace.steps.length ? trace.steps[trace.steps.length - 1]!.state : trace.init;
  const lines = [
    v.loop === undefined
      ? `Property ${v.property} (${v.kind}) violated after ${v.path.length} step${v.path.length === 1 ? '' : 's'}: ${v.message}`
      : `Property ${v.property} (${v.kind}) violated by a run that goes on for ever: ${v.message}`,
    ...(v.loop === undefined ? [] : [describeLasso(v.path.length, v.loop)]),
    ...(v.shortest === false && v.loop === undefined
      ? ['(not known to be a shortest trace: found under partial-order reduction or a preemption bound; --shortest makes it one)']
      : []),
    `Replay path: ${formatPath(v.path) || '(empty)'}${v.loop === undefined ? '' : ` (loop from step ${v.loop + 1}: kmc replay … --loop ${v.loop})`}`,
    renderTrace(model, trace, v.loop),
  ];
  if (v.blocked && v.blocked.length) {
    lines.push('Blocked threads:');
    for (const b of v.blocked) lines.push(`  ${b.thread} at '${b.label}', waiting for ${b.waitsFor}`);
  }
  lines.push('Final state:', renderState(model, last));
  return lines.join('\n');
}

/** Which reductions ran, in one line (empty when none). */
export function renderReductions(r: CheckResult): string {
  if (r.status === 'error' || !r.reductions) return '';
  const x = r.reductions;
  const parts: string[] = [];
  parts.push(x.por ? `partial-order (${x.passes} pass${x.passes === 1 ? '' : 'es'})` : 'no partial-order');
  parts.push(x.symmetry.length ? `symmetry over ${x.symmetry.map((g) => `${g.name} (${g.members.length}!)`).join(' × ')}` : 'no symmetry');
  if (x.preemptionBound !== undefined) parts.push(`at most ${x.preemptionBound} preemption${x.preemptionBound === 1 ? '' : 's'}`);
  return [`reductions: ${parts.join(', ')}`, ...x.notes.map((n) => `  note: ${n}`)].join('\n');
}

export function renderStats(r: CheckResult & { stats: unknown }): string {
  if (r.status === 'error') return '';
  const s = r.stats;
  const red = renderReductions(r);
  const live = r.liveness;
  return [
    ...(red ? [red] : []),
    ...(live
      ? [
          // No graph (not even the initial state): the liveness search did not run; its notes say why.
          live.states === 0
            ? 'liveness: no fair-cycle search ran'
            : `liveness: fair-cycle search on a graph of ${thousands(live.states)} states and ${thousands(live.edges)} edges (${live.bytesPerState.toFixed(1)} bytes/state), ${seconds(live.analysisMs)}${live.searchMs !== undefined ? ` after its own search of ${seconds(live.searchMs)}` : ''}`,
          ...live.notes.map((n) => `  note: ${n}`),
        ]
      : []),
    `${thousands(s.states)} distinct states, ${thousands(s.transitions)} transitions, diameter ${s.diameter}`,
    `${seconds(s.timeMs)}, ${thousands(s.statesPerSecond)} states/s, peak memory ${bytes(s.peakMemory)}, ${s.bytesPerState.toFixed(1)} bytes/state in the visited set`,
    `fingerprint collision probability ${probability(s.collisionProbability)}; ${s.workers} worker${s.workers === 1 ? '' : 's'}`,
  ].join('\n');
}

const STOP_TEXT: Record<string, string> = {
  'max-states': 'the --max-states bound',
  'max-time': 'the --max-time bound',
  'max-depth': 'the --max-depth bound',
  'max-memory': 'the memory bound',
  interrupted: 'an interrupt',
  'first-violation': '--first (stopped at the first violation)',
  'preemption-bound': 'the --preemption-bound (only interleavings with few preemptions were explored)',
  'store-buffer-bound': 'the --store-buffer bound (a store found its CPU\'s store buffer full: behaviours with more pending stores were not explored; raise --store-buffer)',
};

export function headline(r: CheckResult): string {
  const who = `${r.run.model} --variant ${r.run.variant}${paramText(r.run.params)}`;
  switch (r.status) {
    case 'verified': {
      const vacuous = notExercised(r);
      return `VERIFIED ${who}: every property holds ${holdsClaim(r)}${vacuous.length ? `; not exercised (holds only vacuously): ${vacuous.map((p) => p.name).join(', ')}` : ''}`;
    }
    case 'violated':
      return `VIOLATED ${who}: ${r.violations.map((v) => v.property).join(', ')}${r.complete ? '' : ` (search stopped early by ${STOP_TEXT[r.stoppedBy ?? ''] ?? r.stoppedBy}; other properties unknown)`}`;
    case 'incomplete':
      if (r.stoppedBy === 'preemption-bound')
        return `NO VIOLATION WITHIN ${r.reductions?.preemptionBound} PREEMPTION${r.reductions?.preemptionBound === 1 ? '' : 'S'} ${who}: ${thousands(r.stats.states)} states of the bounded search; NOT verified`;
      return `INCOMPLETE ${who}: stopped by ${STOP_TEXT[r.stoppedBy] ?? r.stoppedBy} after ${thousands(r.stats.states)} states; NOT verified`;
    case 'error':
      return `ERROR ${who}: ${r.message}`;
  }
}

export function paramText(params: Record<string, number | boolean>): string {
  const entries = Object.entries(params);
  return entries.length ? ' ' + entries.map(([k, v]) => `${k}=${v}`).join(' ') : '';
}

/** Which memory model the run's shared fields had (src/kernel/memory.ts): kmc is sequentially consistent unless a model declares shared memory and --memory says otherwise. */
export function memoryLine(params: Record<string, number | boolean>): string | undefined {
  const m = memoryModelOf(params);
  if (!Object.hasOwn(params, 'memory')) return undefined;
  if (m === 'sc') return 'Memory model: sc (sequentially consistent: every store is seen by every CPU at once)';
  if (m === 'lkmm')
    return `Memory model: lkmm (an operational approximation of the Linux-kernel memory model: per-CPU store buffers of ${params['storeBuffer']} entries whose stores to different variables leave them in any order and then reach the other CPUs one at a time (not multi-copy atomic); a thread's steps run in program order, so its loads are not reordered unless its program says so (kmc's litmus models do, as the kernel's model allows); see src/kernel/memory.ts for what it covers and where it is stronger than herd7)`;
  return `Memory model: ${m} (x86-TSO, Owens/Sarkar/Sewell 2009: per-CPU FIFO store buffers of ${params['storeBuffer']} entries, drained by the tso/memory thread, smp_mb and LOCK'd operations)`;
}

export function renderResult(model: CompiledModel | undefined, r: CheckResult, o: { coverage?: boolean } = {}): string {
  const out = [headline(r)];
  if (r.status === 'error') {
    if (r.state !== undefined) out.push(`State: ${JSON.stringify(r.state)}`);
    return out.join('\n');
  }
  const memory = memoryLine(r.run.params);
  if (memory) out.push(memory);
  out.push('Properties:');
  const wide = r.properties.some((p) => p.status === 'holds' && p.notExercised !== undefined);
  for (const p of r.properties) {
    out.push(`  ${verdictWord(p).padEnd(wide ? 20 : 8)} ${p.name}: ${p.doc}`);
    if (p.status === 'holds' && p.notExercised !== undefined) out.push(`  ${' '.repeat(wide ? 20 : 8)}   (not exercised: ${p.notExercised})`);
  }
  if (r.status === 'violated' && model) for (const v of r.violations) out.push('', renderViolation(model, v));
  if (o.coverage) out.push('', renderCoverage(r));
  out.push('', renderStats(r));
  return out.join('\n');
}
