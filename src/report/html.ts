// A self-contained trace page (`kmc check … --html out.html`, `kmc replay … --html`): one
// swimlane per thread, each step a box with its C statement, the variables the step changed
// beside it, the broken property highlighted at the top and on the last step. Clicking a step
// shows the whole state after it. No external resources: the page is one file to attach to a
// bug report.

import type { CompiledModel } from '../model/compile.js';
import { END } from '../model/types.js';
import type { Violation } from '../engine/result.js';
import { describeLasso } from './text.js';
import { formatPath } from '../engine/chooser.js';
import { expandPath, traceOf } from '../trace/expand.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface HtmlTrace {
  model: CompiledModel;
  /** The violation the trace shows; without one (a replay that breaks nothing) the page says so. */
  violation?: Violation;
  /** The path to draw (default: the violation's). */
  path?: readonly number[];
}

function stateRows(model: CompiledModel, state: Int32Array): { where: [string, string][]; vars: [string, string][] } {
  const ids = model.locationIds(state);
  const where = model.threadNames.map((t, i): [string, string] => {
    const id = ids[i]!;
    if (id === END) return [t, 'finished'];
    return [t, model.threads[i]!.locations[state[i]!]!.actions.map((a) => a.label).join(' | ')];
  });
  const vars = model.layout.paths.map((p, i): [string, string] => {
    const w = state[model.pcs + i]!;
    return [p, model.layout.kinds[i] === 'bool' ? String(w !== 0) : String(w)];
  });
  return { where, vars };
}

function section(t: HtmlTrace, index: number): string {
  const { model, violation: v } = t;
  const path = t.path ?? v?.path ?? [];
  const trace = t.path === undefined && v ? traceOf(model, v) : expandPath(model, path);
  const lanes = model.threadNames;
  const states = [trace.init, ...trace.steps.map((s) => s.state)].map((s) => stateRows(model, s));
  const head = lanes.map((l) => `<div class="lane-head">${esc(l)}</div>`).join('');
  const rows = trace.steps
    .map((s, i) => {
      const last = v !== undefined && i === trace.steps.length - 1;
      const cells = lanes
        .map((_, li) =>
          li === s.threadIndex
            ? `<div class="step${last ? ' broken' : ''}${v?.loop !== undefined && i >= v.loop ? ' loop' : ''}" data-trace="${index}" data-step="${i + 1}" tabindex="0"><span class="n">${s.index}</span> ${esc(s.label)}${s.fired.length ? `<div class="fired">${esc(s.fired.join(', '))}</div>` : ''}</div>`
            : '<div class="gap"></div>',
        )
        .join('');
      const diff =
        s.changes.map((c) => `<div><code>${esc(c.path)}</code> ${esc(String(c.before))} → <b>${esc(String(c.after))}</b></div>`).join('') +
        (s.buffered !== undefined ? `<div class="buffered">store buffers: <b>${esc(s.buffered || 'empty')}</b></div>` : '');
      return `${cells}<div class="diff">${diff || '<span class="none">no variable changed</span>'}</div>`;
    })
    .join('\n');
  const blocked = v?.blocked?.length
    ? `<ul class="blocked">${v.blocked.map((b) => `<li><b>${esc(b.thread)}</b> stuck at <code>${esc(b.label)}</code>, waiting for ${esc(b.waitsFor)}</li>`).join('')}</ul>`
    : '';
  return `
<section class="trace" id="trace-${index}">
  ${
    v
      ? `<h2 class="property">Property <code>${esc(v.property)}</code> (${esc(v.kind)}) violated ${v.loop === undefined ? `after ${v.path.length} steps` : 'by a run that goes on for ever'}</h2>${v.loop === undefined ? '' : `<p class="lasso">${esc(describeLasso(v.path.length, v.loop))}</p>`}
  <p class="message">${esc(v.message)}</p>${blocked}`
      : `<h2 class="property ok">No property violated along these ${path.length} steps</h2>`
  }
  <p class="meta">${esc(model.name)} --variant ${esc(model.variant)} ${esc(Object.entries(model.params).map(([k, x]) => `${k}=${x}`).join(' '))} · replay <code>${esc(formatPath(path) || '(empty)')}</code></p>
  <div class="grid" style="grid-template-columns: repeat(${lanes.length}, minmax(11rem, 1fr)) minmax(14rem, 1.2fr)">
    ${head}<div class="lane-head">changed</div>
    ${rows}
  </div>
  <div class="state" id="state-${index}"></div>
  <script type="application/json" id="states-${index}">${JSON.stringify(states).replace(/</g, '\\u003c')}</script>
</section>`;
}

/**
 * `summary`: plain text shown above the traces (kmc check: every property's verdict, "holds,
 * not exercised" included, and with --coverage the steps that ran and never ran).
 */
export function renderHtml(traces: readonly HtmlTrace[], title: string, summary?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d1d1f; background: #fafafa; }
  h1 { font-size: 1.3rem; margin: 0 0 1rem; }
  h2.property { font-size: 1.1rem; color: #fff; background: #c62828; padding: .4rem .7rem; border-radius: 4px; display: inline-block; margin: 0; }
  h2.property.ok { background: #2e7d32; }
  .message { font-weight: 600; color: #b71c1c; }
  .meta { color: #555; }
  .grid { display: grid; gap: 4px 8px; align-items: stretch; margin: 1rem 0; }
  .lane-head { font-weight: 700; border-bottom: 2px solid #333; padding: .2rem .3rem; position: sticky; top: 0; background: #fafafa; }
  .step { background: #e3f2fd; border: 1px solid #90caf9; border-radius: 4px; padding: .3rem .4rem; font-family: ui-monospace, monospace; font-size: 12.5px; cursor: pointer; }
  .step:hover, .step.selected { outline: 2px solid #1565c0; }
  .step.broken { background: #ffebee; border-color: #c62828; }
  .step.loop { border-style: dashed; border-width: 2px; }
  .step.loop .n::after { content: ' ↻'; }
  .lasso { font-weight: 600; }
  .step .n { display: inline-block; min-width: 1.6rem; color: #555; }
  .fired { color: #c62828; font-weight: 700; }
  .gap { border-left: 1px dashed #ccc; margin-left: 1rem; }
  .diff { font-size: 12.5px; padding: .3rem 0; }
  .diff .none { color: #999; }
  .blocked li { margin: .2rem 0; }
  .state { font-family: ui-monospace, monospace; font-size: 12.5px; background: #fff; border: 1px solid #ddd; padding: .5rem; white-space: pre-wrap; }
  section.trace { margin-bottom: 3rem; }
  pre.summary { background: #fff; border: 1px solid #ddd; padding: .5rem; font-size: 12.5px; }
</style></head>
<body>
<h1>${esc(title)}</h1>
${summary ? `<pre class="summary">${esc(summary)}</pre>` : ''}
${traces.map((t, i) => section(t, i)).join('\n')}
<script>
  // Clicking a step shows the whole state after it (threads' locations and every variable).
  function show(trace, step) {
    const states = JSON.parse(document.getElementById('states-' + trace).textContent);
    const s = states[step];
    const lines = ['State after step ' + step + ':'];
    for (const [t, w] of s.where) lines.push('  ' + t + ': ' + w);
    lines.push('');
    for (const [p, v] of s.vars) lines.push('  ' + p + ' = ' + v);
    document.getElementById('state-' + trace).textContent = lines.join('\\n');
    document.querySelectorAll('#trace-' + trace + ' .step').forEach((e) => e.classList.toggle('selected', e.dataset.step === String(step)));
  }
  document.querySelectorAll('.step').forEach((e) => {
    e.addEventListener('click', () => show(e.dataset.trace, Number(e.dataset.step)));
    e.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') show(e.dataset.trace, Number(e.dataset.step)); });
  });
  document.querySelectorAll('section.trace').forEach((sec, i) => {
    const steps = sec.querySelectorAll('.step');
    show(String(i), steps.length);
  });
</script>
</body></html>
`;
}
